package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Tables lists the tables that hold huiqi's records, in an order that
// satisfies their references: what a copy to another store takes. The
// event log is derived (each store logs events as they are inserted), so
// events are read in its order instead.
var Tables = []string{
	"meta", "enterprises", "enterprise_versions", "enterprise_tags", "policy_versions", "tokens",
	"verdicts", "applications", "application_events", "notifications", "webhooks", "webhook_dead",
	"calendar_years", "calendar_changes", "checkpoints",
}

// Dump calls fn with the column names and every row of table, one of
// Tables, in a stable order (events in the event log's), all from one
// snapshot. Values are those of the driver: int64, string, []byte or nil.
// Errors other than fn's are internal.
func (db *DB) Dump(ctx context.Context, table string, fn func(cols []string, row []any) error) error {
	q := `SELECT * FROM ` + table + ` ORDER BY rowid`
	switch table {
	case "application_events":
		q = `SELECT e.* FROM application_events e JOIN event_log l ON l.application_id = e.application_id AND l.seq = e.seq ORDER BY l.pos`
	case "enterprise_tags", "verdicts":
		q = `SELECT * FROM ` + table // WITHOUT ROWID
	case "meta":
		// The highest application id ever handed out travels as a
		// counter: the copy keeps it where SQLite keeps it in
		// sqlite_sequence.
		q = `SELECT key, value FROM meta UNION ALL
			SELECT 'application_id', CAST(seq AS TEXT) FROM sqlite_sequence WHERE name = 'applications'`
	}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			if err := fn(cols, row); err != nil {
				return fnError{err}
			}
		}
		return rows.Err()
	})
	var fe fnError
	if errors.As(err, &fe) {
		return fe.err
	} else if err != nil {
		return fmt.Errorf("dump %s: %w", table, err)
	}
	return nil
}

// fnError carries the error of a caller's function through a transaction.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// Count returns the number of rows of table, one of Tables, as Dump reads
// them. Errors are internal.
func (db *DB) Count(ctx context.Context, table string) (int64, error) {
	var n int64
	q := `SELECT COUNT(*) FROM ` + table
	if table == "meta" {
		q = `SELECT (SELECT COUNT(*) FROM meta) + (SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'applications')`
	}
	if err := db.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

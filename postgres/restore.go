package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Source is a store whose tables Restore copies: package sqlite's.
type Source interface {
	// Dump calls fn with every row of table and returns its columns.
	Dump(ctx context.Context, table string, fn func(cols []string, row []any) error) error
}

// Restore copies the tables of src, in the order given (references first),
// into this database, which must hold no records yet, in one transaction:
// the copy is whole or absent. Events are inserted in the source's event
// log order, so that the log here, which the insert trigger builds, hashes
// to the checkpoints signed there. progress, when not nil, is called with
// each table's count as it goes. It refuses a database that holds records.
// Errors name the table.
func (db *DB) Restore(ctx context.Context, src Source, tables []string, progress func(table string, rows int64)) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enterprises) OR EXISTS (SELECT 1 FROM policy_versions)
			OR EXISTS (SELECT 1 FROM applications) OR EXISTS (SELECT 1 FROM tokens)`).Scan(&used); err != nil {
			return err
		} else if used {
			return errors.New("the target database already holds records: restore only into a new database")
		}
		for _, table := range tables {
			n, err := restoreTable(ctx, tx, src, table, progress)
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			if progress != nil {
				progress(table, n)
			}
		}
		// Sequences continue after the copied ids.
		for _, t := range []string{"enterprises", "tokens", "notifications", "webhooks", "checkpoints", "calendar_changes"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM `+t, t); err != nil {
				return fmt.Errorf("sequence of %s: %w", t, err)
			}
		}
		return nil
	})
}

// restoreTable copies one table with COPY, reading src as it goes: Dump
// pushes rows and COPY pulls them, through a channel.
func restoreTable(ctx context.Context, tx pgx.Tx, src Source, table string, progress func(string, int64)) (int64, error) {
	types := map[string]string{}
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1`, table)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var col, typ string
		if err := rows.Scan(&col, &typ); err != nil {
			rows.Close()
			return 0, err
		}
		types[col] = typ
	}
	if rows.Close(); rows.Err() != nil {
		return 0, rows.Err()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		cols []string
		row  []any
	}
	ch := make(chan item, 1024)
	var dumpErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		dumpErr = src.Dump(ctx, table, func(cols []string, row []any) error {
			select {
			case ch <- item{cols, row}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	first, ok := <-ch
	if !ok {
		<-done
		return 0, dumpErr // an empty table
	}
	c := &copySource{next: first.row, ch: func() ([]any, bool) { it, ok := <-ch; return it.row, ok },
		cols: first.cols, types: types, progress: progress, table: table}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, first.cols, c); err != nil {
		cancel()
		<-done
		return c.n, err
	}
	<-done
	return c.n, dumpErr
}

// copySource feeds COPY from the dumped rows, converting SQLite's values to
// the column types here: INTEGER 0/1 to boolean, bytes to text.
type copySource struct {
	next     []any
	ch       func() ([]any, bool)
	cur      []any
	cols     []string
	types    map[string]string
	n        int64
	progress func(string, int64)
	table    string
	err      error
}

func (c *copySource) Next() bool {
	if c.next != nil {
		c.cur, c.next = c.next, nil
	} else {
		row, ok := c.ch()
		if !ok {
			return false
		}
		c.cur = row
	}
	for i, v := range c.cur {
		switch x := v.(type) {
		case int64:
			if c.types[c.cols[i]] == "boolean" {
				c.cur[i] = x != 0
			}
		case []byte:
			c.cur[i] = string(x)
		}
	}
	if c.n++; c.progress != nil && c.n%50_000 == 0 {
		c.progress(c.table, c.n)
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.cur, nil }
func (c *copySource) Err() error             { return c.err }

// Count returns the number of rows of table. Errors are internal.
func (db *DB) Count(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

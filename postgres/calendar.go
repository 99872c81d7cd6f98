package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// CalendarYears returns the operators' years in order. Errors are internal.
func (db *DB) CalendarYears(ctx context.Context) ([]huiqi.CalendarYear, error) {
	rows, err := db.pool.Query(ctx, `SELECT year, document, source, actor, updated_at FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("calendar years: %w", err)
	}
	defer rows.Close()
	var out []huiqi.CalendarYear
	for rows.Next() {
		var y huiqi.CalendarYear
		var doc, at string
		if err := rows.Scan(&y.Year, &doc, &y.Source, &y.Actor, &at); err != nil {
			return nil, fmt.Errorf("calendar years: %w", err)
		}
		y.Document = []byte(doc)
		if y.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("calendar years: %w", err)
		}
		out = append(out, y)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("calendar years: %w", err)
	}
	return out, nil
}

// PutCalendarYear stores a year, replacing the one stored before, and
// records the change in the calendar's history, in one transaction. Errors
// are internal.
func (db *DB) PutCalendarYear(ctx context.Context, y huiqi.CalendarYear) error {
	err := db.update(ctx, func(tx pgx.Tx) error {
		at := formatTime(y.At)
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_years (year, document, source, actor, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (year) DO UPDATE SET document = excluded.document, source = excluded.source,
				actor = excluded.actor, updated_at = excluded.updated_at`,
			y.Year, string(y.Document), y.Source, y.Actor, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_changes (year, document, source, actor, at) VALUES ($1, $2, $3, $4, $5)`,
			y.Year, string(y.Document), y.Source, y.Actor, at); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, huiqi.ChangeCalendar, []string{strconv.Itoa(y.Year)})
	})
	if err != nil {
		return fmt.Errorf("put calendar year %d: %w", y.Year, err)
	}
	return nil
}

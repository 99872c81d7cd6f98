package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/huiqi/huiqi"
)

// GetMeta returns the value stored under key, or ENotFound.
func (db *DB) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", huiqi.Errorf(huiqi.ENotFound, "未找到设置项 %q", key)
	} else if err != nil {
		return "", fmt.Errorf("get meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key, replacing any value there. Errors are
// internal.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	if err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	}); err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}

// NextSeq increments the counter stored under key and returns its new
// value, in its own transaction. Errors are internal.
func (db *DB) NextSeq(ctx context.Context, key string) (uint64, error) {
	var seq uint64
	if err := db.update(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '1')
			ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
			RETURNING CAST(value AS INTEGER)`, key).Scan(&seq)
	}); err != nil {
		return 0, fmt.Errorf("next seq %s: %w", key, err)
	}
	return seq, nil
}

// Seq returns the counter stored under key, 0 when never incremented.
// Errors are internal.
func (db *DB) Seq(ctx context.Context, key string) (uint64, error) {
	var seq uint64
	err := db.read.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?`, key).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("seq %s: %w", key, err)
	}
	return seq, nil
}

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

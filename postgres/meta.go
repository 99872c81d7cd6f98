package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// GetMeta returns the value stored under key, or ENotFound.
func (db *DB) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", huiqi.Errorf(huiqi.ENotFound, "未找到设置项 %q", key)
	} else if err != nil {
		return "", fmt.Errorf("get meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key, replacing any value there. Errors are
// internal.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}

// NextSeq increments the counter stored under key and returns its new
// value. The upsert locks the counter's row, so that replicas incrementing
// at once get distinct values. Errors are internal.
func (db *DB) NextSeq(ctx context.Context, key string) (uint64, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO meta (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = (CAST(meta.value AS BIGINT) + 1)::text
		RETURNING CAST(value AS BIGINT)`, key).Scan(&seq); err != nil {
		return 0, fmt.Errorf("next seq %s: %w", key, err)
	}
	return uint64(seq), nil
}

// Seq returns the counter stored under key, 0 when never incremented.
// Errors are internal.
func (db *DB) Seq(ctx context.Context, key string) (uint64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = $1`, key).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("seq %s: %w", key, err)
	}
	return uint64(seq), nil
}

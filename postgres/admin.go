package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateDatabase creates the database name on the server that adminURL
// connects to as a user allowed to. Errors are internal.
func CreateDatabase(ctx context.Context, adminURL, name string) error {
	return adminExec(ctx, adminURL, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
}

// DropDatabase drops the database name, closing its connections. Errors are
// internal.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	return adminExec(ctx, adminURL, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

func adminExec(ctx context.Context, adminURL, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Package postgres stores huiqi's source of truth in PostgreSQL, for
// several replicas that share one database: the same records and guarantees
// as package sqlite, with row locks, advisory locks and unique constraints
// where SQLite relies on its single writer. It is the only package that
// imports the pgx driver.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/huiqi/huiqi"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys. Transaction-level locks on them serialise, across
// every replica, the writes whose order the readers depend on.
const (
	// lockMigrate is held while the schema is migrated.
	lockMigrate int64 = 0x68756971_0001
	// lockEvents is held by every transaction that appends application
	// events: the event log's positions then follow commit order (a
	// checkpoint of the first N entries never misses one committed later
	// below it), and the budget and exclusivity checks of an approval see
	// every approval before it, as under SQLite's single writer.
	lockEvents int64 = 0x68756971_0002
	// lockNotify is held by every transaction that writes notifications:
	// ids then become visible in order, so that a feed cursor or a
	// webhook's delivered_upto never passes an id committed later.
	lockNotify int64 = 0x68756971_0003
)

// DB is a huiqi database in PostgreSQL.
type DB struct {
	// URL is the postgres:// connection string.
	URL string
	// Now returns the current time; tests replace it for fixed timestamps.
	Now func() time.Time

	pool   *pgxpool.Pool
	origin string // names this handle in the change log
}

// NewDB returns a DB for the database at url; call Open before use.
func NewDB(url string) *DB {
	return &DB{URL: url, Now: time.Now}
}

// minPoolConns is the pool size when the URL names none: the locks and the
// listener a replica holds, and room for requests beside them.
const minPoolConns = 16

// Open connects and applies the migrations the database lacks. It refuses a
// database whose schema is newer than this program's. Errors are internal.
func (db *DB) Open(ctx context.Context) error {
	if db.Now == nil {
		db.Now = time.Now
	}
	db.origin = newOrigin()
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	// pgx's default pool is as many connections as cores, four at least.
	// A replica holds one for each lock it leads under (webhook delivery,
	// the daily pass, checkpoints) and one to listen, which would leave
	// requests waiting for the rest; a URL's pool_max_conns still rules.
	if !strings.Contains(db.URL, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, minPoolConns)
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		db.pool = nil
		return err
	}
	return nil
}

// Close closes the connections.
func (db *DB) Close() error {
	if db.pool != nil {
		db.pool.Close()
		db.pool = nil
	}
	return nil
}

// Ping reports whether the database answers. Errors are internal.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

type migration struct {
	version int
	name    string
	sql     string
}

// readMigrations returns the embedded migrations in version order. A file is
// named NNN_name.sql; NNN is its version.
func readMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies the missing migrations, each in a transaction with the
// row that records it, under an advisory lock so that replicas starting
// together migrate once.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := readMigrations()
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("create migrations table: %w", err)
		}
		var latest int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		// A database migrated by a newer binary has tables this one does
		// not know how to keep consistent: refuse it rather than corrupt it.
		if known := ms[len(ms)-1].version; latest > known {
			return fmt.Errorf("database schema version %d is newer than this program's %d", latest, known)
		}
		for _, m := range ms {
			if m.version <= latest {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, formatTime(db.now())); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// update runs fn in a transaction and commits it when fn returns nil.
func (db *DB) update(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// view runs fn in a read-only transaction that sees one snapshot.
func (db *DB) view(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback(ctx)
	return fn(tx)
}

// now returns the current time in Asia/Shanghai without its monotonic
// reading, the exact value a stored time reads back as.
func (db *DB) now() time.Time { return db.Now().Round(0).In(huiqi.Shanghai) }

// timeLayout is the SQLite store's: RFC 3339 in UTC with nine fixed
// decimals, so that stored times sort as text and copy unchanged.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.In(huiqi.Shanghai), nil
}

// storedTime reads a stored time; one that does not parse (a hand edit)
// reads as the zero time, which no valid event carries.
func storedTime(s string) time.Time {
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// isConflict reports whether err is a unique constraint violation.
func isConflict(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// wrapInternal wraps err unless it is a domain error, which must reach the
// caller as it is.
func wrapInternal(op string, err error) error {
	var e *huiqi.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

func nullMoney(m *huiqi.Money) *int64 {
	if m == nil {
		return nil
	}
	v := int64(*m)
	return &v
}

func storedMoney(v *int64) *huiqi.Money {
	if v == nil {
		return nil
	}
	m := huiqi.Money(*v)
	return &m
}

// where accumulates the conditions and arguments of a filtered query,
// numbering the placeholders.
type where struct {
	conds []string
	args  []any
}

// add adds a condition in which each "?" stands for the next argument.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// next returns the placeholder of one more argument.
func (w *where) next(arg any) string {
	w.args = append(w.args, arg)
	return "$" + strconv.Itoa(len(w.args))
}

// prefix adds a condition that column starts with p, as a range of the
// column's byte-wise index.
func (w *where) prefix(column, p string) {
	if end, ok := prefixEnd(p); ok {
		w.add(column+` COLLATE "C" >= ? AND `+column+` COLLATE "C" < ?`, p, end)
	} else {
		w.add(column+` COLLATE "C" >= ?`, p)
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix; ok is false when there is no such bound.
func prefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

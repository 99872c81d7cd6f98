// Package sqlite stores huiqi's source of truth in SQLite: enterprise
// profiles with every version kept, policy versions, API tokens and meta
// values. It is the only package that imports database/sql and the
// go-sqlite3 driver; everything above it sees domain types and huiqi error
// codes.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/huiqi/huiqi"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a huiqi database in one SQLite file.
//
// It keeps two connection pools on the file. Writes go through a pool of a
// single connection whose transactions begin with BEGIN IMMEDIATE: writers in
// this process queue in database/sql instead of contending for SQLite's lock,
// and a transaction never has to upgrade a read lock to a write lock, the
// upgrade that fails with SQLITE_BUSY whatever the busy timeout. Writers in
// other processes (a CLI import beside a running server) wait on the busy
// timeout. Reads go through a pool of query-only connections which, in WAL
// mode, run beside the writer and see only committed data.
type DB struct {
	// DSN is the path of the database file; a "file:" URI is accepted too.
	DSN string
	// Now returns the current time; tests replace it for fixed timestamps.
	Now func() time.Time

	write *sql.DB
	read  *sql.DB
}

// NewDB returns a DB for the file at dsn; call Open before use.
func NewDB(dsn string) *DB {
	return &DB{DSN: dsn, Now: time.Now}
}

// Connection settings.
//
// journal_mode=WAL lets readers run beside the single writer.
//
// synchronous=FULL makes each commit fsync the WAL before it returns. In WAL
// mode synchronous=NORMAL would already keep every acknowledged commit through
// a kill -9 of the process, because the commit has been written to the WAL
// file with write(2) and sits in the operating system's page cache, which
// outlives the process; what NORMAL can lose is the last commits on a power
// cut or kernel crash. Acceptances and payouts are audited records, so huiqi
// pays one fsync per transaction to keep them through that too; bulk writes
// amortise it over a batch.
//
// busy_timeout lets a writer in another process wait for the lock instead of
// failing; foreign_keys keeps version and tag rows tied to their profile;
// txlock=immediate takes the write lock at BEGIN. The writer's 32 MiB page
// cache holds the hot pages of the indexes a bulk import updates. mutex=no
// drops SQLite's per-call locking, which database/sql makes redundant: it
// hands a connection to one goroutine at a time. Readers are query_only, so
// that a write can only go through the write pool.
const (
	writeParams = "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate&_cache_size=-32768&_mutex=no"
	readParams  = "_busy_timeout=5000&_query_only=on&_mutex=no"
)

// writePragmas are run on the write connection, for settings the DSN cannot
// carry. The WAL is checkpointed into the database at 10,000 pages (40 MiB)
// instead of SQLite's 1,000: a bulk import of profiles in random credit code
// order dirties most pages of the credit code index in every batch, and a
// rarer checkpoint writes each such page back once for many batches rather
// than once per batch, which makes the import about half again as fast.
//
// temp_store = MEMORY keeps statement journals in memory. A statement that
// writes many rows and may fail on a constraint (the multi-row inserts of a
// bulk import, with their unique and foreign keys) journals every page it
// touches so that it can be undone alone; on disk that was a temporary
// file written with twice the bytes of the WAL, about 10 KB a profile. It
// holds nothing that must outlive the connection: a failed statement fails
// its whole transaction here anyway.
const writePragmas = `PRAGMA wal_autocheckpoint = 10000; PRAGMA temp_store = MEMORY`

// connector opens connections with a driver of its own, so that the write
// pool's connect hook applies to it alone, without registering a driver
// name globally.
type connector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.driver }

// Open opens the database file, creating it and its folder when missing, and
// applies the migrations it lacks. Errors are internal.
func (db *DB) Open(ctx context.Context) (err error) {
	if db.DSN == "" {
		return fmt.Errorf("sqlite: dsn required")
	} else if db.DSN == ":memory:" || strings.Contains(db.DSN, "mode=memory") {
		// Each pooled connection would get its own empty database.
		return fmt.Errorf("sqlite: in-memory databases are not supported: %q", db.DSN)
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	if !strings.HasPrefix(db.DSN, "file:") {
		if err := os.MkdirAll(filepath.Dir(db.DSN), 0o700); err != nil {
			return fmt.Errorf("create database folder: %w", err)
		}
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()

	db.write = sql.OpenDB(connector{dsn: withParams(db.DSN, writeParams), driver: &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(writePragmas, nil)
			return err
		},
	}})
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)

	var mode string
	if err := db.write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("open database: %w", err)
	} else if !strings.EqualFold(mode, "wal") {
		// WAL needs shared memory; some network file systems refuse it.
		return fmt.Errorf("open database: journal mode is %q, want wal", mode)
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}

	// The read pool opens after the migrations so that its connections never
	// see a half-built schema.
	db.read = sql.OpenDB(connector{dsn: withParams(db.DSN, readParams), driver: &sqlite3.SQLiteDriver{}})
	n := max(4, 2*runtime.NumCPU())
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	return nil
}

// Close closes the database. Errors are internal.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
		db.read = nil
	}
	if db.write != nil {
		// optimize refreshes the planner's statistics where they went stale,
		// as SQLite recommends before closing a long-lived connection.
		_, _ = db.write.Exec(`PRAGMA optimize`)
		errs = append(errs, db.write.Close())
		db.write = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// withParams appends driver parameters to a DSN that may already carry some.
func withParams(dsn, params string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + params
	}
	return dsn + "?" + params
}

// migrate applies the embedded migrations the database lacks, each in its own
// transaction together with the row that records it, so that a crash leaves
// a migration either applied and recorded or neither.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	migrations, err := readMigrations()
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if err := db.update(ctx, func(tx *sql.Tx) error {
			// Checked inside the write transaction: another process opening
			// the same file at the same time waits here and then skips.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, formatTime(db.now()))
			return err
		}); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}

	// A database migrated by a newer binary has tables this one does not
	// know how to keep consistent: refuse it rather than corrupt it.
	var latest int
	if err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if len(migrations) > 0 && latest > migrations[len(migrations)-1].version {
		return fmt.Errorf("database schema version %d is newer than this program's %d", latest, migrations[len(migrations)-1].version)
	}
	return nil
}

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
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", base)
		} else if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, base, v)
		}
		seen[v] = base
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// update runs fn in a write transaction and commits it when fn returns nil.
func (db *DB) update(ctx context.Context, fn func(*sql.Tx) error) error {
	if b, ok := ctx.Value(bulkKey{}).(*bulk); ok {
		return db.updateNoSync(ctx, b, fn)
	}
	return inTx(ctx, db.write.BeginTx, fn)
}

// inTx begins a transaction with begin, runs fn in it and commits it when
// fn returns nil.
func inTx(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(*sql.Tx) error) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// bulkKey marks the context of a Bulk run; its value is the *bulk.
type bulkKey struct{}

// bulk is the state of one Bulk run.
type bulk struct {
	mu        sync.Mutex
	committed bool // a transaction committed without syncing
}

// Bulk runs fn, a bulk write such as an import, with a context under which
// the DB's transactions commit without waiting for the disk
// (synchronous=NORMAL), and then makes all of them durable with one sync,
// also when fn fails, before it returns fn's error. A commit without sync
// is in the WAL file, in the operating system's cache, and survives a kill
// of the process; only a power cut before the final sync could lose it,
// and by then nothing of it has been acknowledged. A bulk import of
// 200,000 profiles otherwise waited on the disk twice a batch, about a
// tenth of its time (strace -T). Transactions of other contexts keep
// syncing each commit, and each such sync also covers the bulk commits
// before it. Errors of the sync are internal.
func (db *DB) Bulk(ctx context.Context, fn func(context.Context) error) error {
	b := &bulk{}
	err := fn(context.WithValue(ctx, bulkKey{}, b))
	b.mu.Lock()
	committed := b.committed
	b.mu.Unlock()
	if !committed {
		return err
	}
	// A commit with synchronous=FULL syncs the WAL file, and with it every
	// frame before its own. Rewriting one row is the smallest such commit.
	// It runs even when ctx is done: what fn committed was reported.
	serr := db.update(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('bulk_synced', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`)
		return err
	})
	if serr != nil {
		serr = fmt.Errorf("sync bulk writes: %w", serr)
	}
	return errors.Join(err, serr)
}

// updateNoSync is update for a transaction of a Bulk run: on the write
// connection, held for it, switched to synchronous=NORMAL for the one
// transaction and back to FULL after it.
func (db *DB) updateNoSync(ctx context.Context, b *bulk, fn func(*sql.Tx) error) (err error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); rerr != nil {
			// The connection must not go back to the pool syncing less
			// than every other transaction expects: it is dropped.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("restore synchronous: %w", rerr))
		}
	}()
	if err := inTx(ctx, conn.BeginTx, fn); err != nil {
		return err
	}
	b.mu.Lock()
	b.committed = true
	b.mu.Unlock()
	return nil
}

// view runs fn in a read transaction, so that the queries in fn (a count and
// a page, say) see one snapshot.
func (db *DB) view(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// now returns the current time in Asia/Shanghai without its monotonic reading,
// the exact value a stored time reads back as.
func (db *DB) now() time.Time { return db.Now().Round(0).In(huiqi.Shanghai) }

// timeLayout is RFC 3339 in UTC with a fixed nine decimals, so that stored
// times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.In(huiqi.Shanghai), nil
}

// isConflict reports whether err is a primary key or unique constraint
// violation.
func isConflict(err error) bool {
	var e sqlite3.Error
	if errors.As(err, &e) {
		switch e.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey, sqlite3.ErrConstraintUnique:
			return true
		}
	}
	return false
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, so that a prefix filter is the index range
// [prefix, prefixEnd); ok is false when there is no such bound.
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

// where accumulates the conditions and arguments of a filtered query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// prefix adds a condition that column starts with p, as an index range.
func (w *where) prefix(column, p string) {
	if end, ok := prefixEnd(p); ok {
		w.add(column+" >= ? AND "+column+" < ?", p, end)
	} else {
		w.add(column+" >= ?", p)
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

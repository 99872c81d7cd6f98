package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/huiqi/huiqi"
)

// lockChanges is held by every transaction that appends to the change log,
// from the append to its commit, so that change ids become visible in order.
const lockChanges int64 = 0x68756971_0004

// newOrigin names this handle in the change log.
func newOrigin() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// logChanges appends changes of one kind to the change log inside tx. Call
// it last before the commit: it takes the change log's lock.
func (db *DB) logChanges(ctx context.Context, tx pgx.Tx, kind string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockChanges); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO changes (origin, kind, key) SELECT $1, $2, unnest($3::text[])`, db.origin, kind, keys)
	return err
}

// Changes returns the changes of the log after id, oldest first, at most
// limit, each marked Mine when this handle wrote it. Errors are internal.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]huiqi.Change, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, origin, kind, key FROM changes WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []huiqi.Change
	for rows.Next() {
		var c huiqi.Change
		var origin string
		if err := rows.Scan(&c.ID, &origin, &c.Kind, &c.Key); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		c.Mine = origin == db.origin
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastChange returns the id of the newest change, 0 when none. Errors are
// internal.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var id int64
	if err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM changes`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last change: %w", err)
	}
	return id, nil
}

// Lock waits for the lock called name, which one handle holds at a time
// across every replica, and returns a context that is cancelled when the
// lock is lost (the connection that holds it broke) and the function that
// releases it. A replica that dies loses its locks with its connection, at
// once when its process ends. Errors are internal.
func (db *DB) Lock(ctx context.Context, name string) (held context.Context, unlock func(), err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, name); err != nil {
		conn.Release()
		return nil, nil, fmt.Errorf("lock %s: %w", name, err)
	}
	held, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go watchLock(held, cancel, conn, done)
	unlock = func() {
		cancel()
		<-done
		ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, name); err != nil {
			// The lock may still be held: the connection must not go back
			// to the pool.
			conn.Hijack().Close(ctx)
			return
		}
		conn.Release()
	}
	return held, unlock, nil
}

// watchLock cancels held when the connection holding a lock stops
// answering, checking every two seconds, until held is done.
func watchLock(held context.Context, cancel func(), conn *pgxpool.Conn, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-held.Done():
			return
		case <-t.C:
			ctx, stop := context.WithTimeout(held, 2*time.Second)
			err := conn.Ping(ctx)
			stop()
			if err != nil && held.Err() == nil {
				cancel()
				return
			}
		}
	}
}

// Listen calls wake whenever the change log grows, until ctx is done. It
// reconnects by itself after a lost connection, and wakes once after each
// reconnection, since changes may have come meanwhile.
func (db *DB) Listen(ctx context.Context, wake func()) {
	for ctx.Err() == nil {
		err := db.listen(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		_ = err // the next attempt says whether the database is back
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listen(ctx context.Context, wake func()) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection is not returned to the pool.
	c := conn.Hijack()
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, `LISTEN huiqi_changes`); err != nil {
		return err
	}
	wake()
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}

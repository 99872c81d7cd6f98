package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/huiqi/huiqi"
)

// Checkpoint is the event log's count and running hash at a moment, signed.
type Checkpoint struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Events    int64     `json:"events"`
	Head      string    `json:"head"`
	PublicKey string    `json:"public_key"`
	Signature string    `json:"signature"`
}

// LogState is what the event log holds now, measured against a count.
type LogState struct {
	// Events is the number of entries in the log.
	Events int64
	// Head is the running hash over the first Upto entries.
	Head string
	// Upto is the number of entries Head covers.
	Upto int64
	// Problem, when not empty, says why the log's first Upto entries no
	// longer stand for the events: one is missing or has another hash.
	Problem string
}

// NextHead is one step of the running hash: the previous head and one log
// entry. Starting from "", it is what a checkpoint's head is.
func NextHead(prev string, applicationID int64, seq int, hash string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte("\n" + strconv.FormatInt(applicationID, 10) + " " + strconv.Itoa(seq) + " " + hash))
	return hex.EncodeToString(h.Sum(nil))
}

// EventLog walks the log's first upto entries (all when upto < 0) in order,
// from one snapshot, with each event's current hash, and returns the state.
// Errors are internal.
func (db *DB) EventLog(ctx context.Context, upto int64) (LogState, error) {
	var st LogState
	err := db.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_log`).Scan(&st.Events); err != nil {
			return err
		}
		if upto < 0 || upto > st.Events {
			upto = st.Events
		}
		rows, err := tx.QueryContext(ctx, `SELECT l.application_id, l.seq, l.hash, e.hash FROM event_log l
			LEFT JOIN application_events e ON e.application_id = l.application_id AND e.seq = l.seq
			ORDER BY l.pos LIMIT ?`, upto)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				app     int64
				seq     int
				logged  string
				current sql.NullString
			)
			if err := rows.Scan(&app, &seq, &logged, &current); err != nil {
				return err
			}
			st.Head = NextHead(st.Head, app, seq, logged)
			st.Upto++
			if st.Problem != "" {
				continue
			}
			if !current.Valid {
				st.Problem = fmt.Sprintf("申请 %d 的第 %d 个事件已被删除（记录第 %d 项）", app, seq, st.Upto)
			} else if current.String != logged {
				st.Problem = fmt.Sprintf("申请 %d 的第 %d 个事件在记录后被改动（记录第 %d 项）", app, seq, st.Upto)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return st, wrapInternal("event log", err)
	}
	return st, nil
}

// AddCheckpoint stores a signed checkpoint and sets its id.
func (db *DB) AddCheckpoint(ctx context.Context, c *Checkpoint) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (created_at, events, head, public_key, signature) VALUES (?, ?, ?, ?, ?)`,
			formatTime(c.CreatedAt), c.Events, c.Head, c.PublicKey, c.Signature)
		if err != nil {
			return fmt.Errorf("add checkpoint: %w", err)
		}
		c.ID, err = res.LastInsertId()
		return err
	})
}

// Checkpoints returns the stored checkpoints, newest first, at most limit
// (every one when limit <= 0). Errors are internal.
func (db *DB) Checkpoints(ctx context.Context, limit int) ([]Checkpoint, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, created_at, events, head, public_key, signature FROM checkpoints ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	defer rows.Close()
	out := []Checkpoint{}
	for rows.Next() {
		var (
			c       Checkpoint
			created string
		)
		if err := rows.Scan(&c.ID, &created, &c.Events, &c.Head, &c.PublicKey, &c.Signature); err != nil {
			return nil, fmt.Errorf("checkpoints: %w", err)
		}
		if c.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastCheckpoint returns the newest checkpoint, or ENotFound.
func (db *DB) LastCheckpoint(ctx context.Context) (*Checkpoint, error) {
	cs, err := db.Checkpoints(ctx, 1)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, huiqi.Errorf(huiqi.ENotFound, "尚无检查点")
	}
	return &cs[0], nil
}

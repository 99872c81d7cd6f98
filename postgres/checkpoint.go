package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// EventLog walks the log's first upto entries (all when upto < 0) in order,
// from one snapshot, with each event's current hash, and returns the state.
// Errors are internal.
func (db *DB) EventLog(ctx context.Context, upto int64) (huiqi.LogState, error) {
	var st huiqi.LogState
	err := db.view(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM event_log`).Scan(&st.Events); err != nil {
			return err
		}
		if upto < 0 || upto > st.Events {
			upto = st.Events
		}
		rows, err := tx.Query(ctx, `SELECT l.application_id, l.seq, l.hash, e.hash FROM event_log l
			LEFT JOIN application_events e ON e.application_id = l.application_id AND e.seq = l.seq
			ORDER BY l.pos LIMIT $1`, upto)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				app     int64
				seq     int
				logged  string
				current *string
			)
			if err := rows.Scan(&app, &seq, &logged, &current); err != nil {
				return err
			}
			st.Head = huiqi.NextHead(st.Head, app, seq, logged)
			st.Upto++
			if st.Problem != "" {
				continue
			}
			if current == nil {
				st.Problem = fmt.Sprintf("申请 %d 的第 %d 个事件已被删除（记录第 %d 项）", app, seq, st.Upto)
			} else if *current != logged {
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
func (db *DB) AddCheckpoint(ctx context.Context, c *huiqi.Checkpoint) error {
	if err := db.pool.QueryRow(ctx, `INSERT INTO checkpoints (created_at, events, head, public_key, signature)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		formatTime(c.CreatedAt), c.Events, c.Head, c.PublicKey, c.Signature).Scan(&c.ID); err != nil {
		return fmt.Errorf("add checkpoint: %w", err)
	}
	return nil
}

// Checkpoints returns the stored checkpoints, newest first, at most limit
// (every one when limit <= 0). Errors are internal.
func (db *DB) Checkpoints(ctx context.Context, limit int) ([]huiqi.Checkpoint, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT id, created_at, events, head, public_key, signature FROM checkpoints
		ORDER BY id DESC LIMIT $1`, lim)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	defer rows.Close()
	out := []huiqi.Checkpoint{}
	for rows.Next() {
		var (
			c       huiqi.Checkpoint
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
func (db *DB) LastCheckpoint(ctx context.Context) (*huiqi.Checkpoint, error) {
	cs, err := db.Checkpoints(ctx, 1)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, huiqi.Errorf(huiqi.ENotFound, "尚无检查点")
	}
	return &cs[0], nil
}

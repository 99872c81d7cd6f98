package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// insertNotifications writes notifications inside tx and sets their ids. It
// takes the notification lock first, held to the commit, so that ids become
// visible in the order they are handed out.
func insertNotifications(ctx context.Context, tx pgx.Tx, now time.Time, ns []huiqi.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockNotify); err != nil {
		return fmt.Errorf("lock notifications: %w", err)
	}
	// One statement for the lot: ids are handed out in the order of the
	// rows, which is the order of ns.
	n := len(ns)
	codes, kinds, policyIDs, titles, notes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	versions := make([]int32, n)
	amounts, apps := make([]*int64, n), make([]*int64, n)
	pending := make([]bool, n)
	for i := range ns {
		x := &ns[i]
		x.CreatedAt = now
		codes[i], kinds[i], policyIDs[i], titles[i], notes[i] = x.CreditCode, x.Kind, x.PolicyID, x.Title, x.Note
		versions[i], amounts[i], pending[i] = int32(x.Version), nullMoney(x.Amount), x.OfferPending
		if x.ApplicationID != 0 {
			apps[i] = &x.ApplicationID
		}
	}
	rows, err := tx.Query(ctx, `INSERT INTO notifications
		(credit_code, kind, policy_id, version, title, amount, note, application_id, created_at, offer_pending)
		SELECT c, k, p, v, t, a, n, app, $10, o
		FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::text[], $8::bigint[], $9::bool[])
			WITH ORDINALITY AS u (c, k, p, v, t, a, n, app, o, ord)
		ORDER BY ord
		RETURNING id`, codes, kinds, policyIDs, versions, titles, amounts, notes, apps, pending, formatTime(now))
	if err != nil {
		return fmt.Errorf("insert notifications: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("insert notifications: %w", err)
	}
	slices.Sort(ids)
	for i := range ns {
		ns[i].ID = ids[i]
	}
	return nil
}

const notificationColumns = `id, credit_code, kind, policy_id, version, title, amount, note, coalesce(application_id, 0), created_at, offer_pending`

func scanNotifications(rows pgx.Rows) ([]huiqi.Notification, error) {
	defer rows.Close()
	out := []huiqi.Notification{}
	for rows.Next() {
		var (
			n       huiqi.Notification
			amount  *int64
			created string
		)
		if err := rows.Scan(&n.ID, &n.CreditCode, &n.Kind, &n.PolicyID, &n.Version, &n.Title, &amount,
			&n.Note, &n.ApplicationID, &created, &n.OfferPending); err != nil {
			return nil, err
		}
		n.Amount = storedMoney(amount)
		var err error
		if n.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// EnterpriseNotifications returns an enterprise's notifications with ids
// above after, oldest first, at most limit.
func (db *DB) EnterpriseNotifications(ctx context.Context, code string, after int64, limit int) ([]huiqi.Notification, error) {
	limit, err := huiqi.PageLimit(limit)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE credit_code = $1 AND id > $2 ORDER BY id LIMIT $3`, code, after, limit)
	if err != nil {
		return nil, fmt.Errorf("enterprise notifications: %w", err)
	}
	return scanNotifications(rows)
}

// NotificationsAfter returns every notification with an id above after,
// oldest first, at most limit: a webhook's delivery stream.
func (db *DB) NotificationsAfter(ctx context.Context, after int64, limit int) ([]huiqi.Notification, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("notifications after: %w", err)
	}
	return scanNotifications(rows)
}

// PendingOffers returns new_match notifications whose 免申即享 offer is
// still to be opened.
func (db *DB) PendingOffers(ctx context.Context) ([]huiqi.Notification, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE offer_pending ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pending offers: %w", err)
	}
	return scanNotifications(rows)
}

// OffersDone clears the pending-offer mark of notifications.
func (db *DB) OffersDone(ctx context.Context, ids []int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE notifications SET offer_pending = false WHERE id = ANY($1)`, ids)
	return err
}

// AddNotifications writes notifications in their own transaction.
func (db *DB) AddNotifications(ctx context.Context, ns []huiqi.Notification) error {
	return db.update(ctx, func(tx pgx.Tx) error { return insertNotifications(ctx, tx, db.now(), ns) })
}

// LastNotificationID returns the id of the newest notification, 0 when none.
func (db *DB) LastNotificationID(ctx context.Context) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM notifications`).Scan(&id)
	return id, err
}

// CreateWebhook registers a subscriber; it receives the notifications
// written from now on. The notification lock keeps a notification being
// written from landing below the subscriber's start.
func (db *DB) CreateWebhook(ctx context.Context, w *huiqi.Webhook) error {
	now := db.now()
	return db.update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockNotify); err != nil {
			return err
		}
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM notifications`).Scan(&last); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO webhooks (url, secret, created_at, delivered_upto) VALUES ($1, $2, $3, $4) RETURNING id`,
			w.URL, w.Secret, formatTime(now), last).Scan(&w.ID); err != nil {
			return err
		}
		w.CreatedAt, w.DeliveredUpto = now, last
		return nil
	})
}

// Webhooks returns every subscriber with its delivery state.
func (db *DB) Webhooks(ctx context.Context) ([]huiqi.Webhook, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, url, secret, created_at, delivered_upto, attempts,
		next_attempt_at, first_failed_at, last_error,
		(SELECT count(*) FROM webhook_dead d WHERE d.webhook_id = w.id)
		FROM webhooks w ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	defer rows.Close()
	var out []huiqi.Webhook
	for rows.Next() {
		var (
			w                   huiqi.Webhook
			created, next, fail string
		)
		if err := rows.Scan(&w.ID, &w.URL, &w.Secret, &created, &w.DeliveredUpto, &w.Attempts, &next, &fail, &w.LastError, &w.Dead); err != nil {
			return nil, err
		}
		for _, t := range []struct {
			s   string
			dst *time.Time
		}{{created, &w.CreatedAt}, {next, &w.NextAttemptAt}, {fail, &w.FirstFailedAt}} {
			if t.s != "" {
				if *t.dst, err = parseTime(t.s); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WebhookDelivered records that notification id reached the subscriber.
func (db *DB) WebhookDelivered(ctx context.Context, webhookID, id int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE webhooks SET delivered_upto = $1, attempts = 0, next_attempt_at = '',
		first_failed_at = '', last_error = '' WHERE id = $2 AND delivered_upto < $1`, id, webhookID)
	return err
}

// WebhookFailed records a failed attempt and when to try again.
func (db *DB) WebhookFailed(ctx context.Context, webhookID int64, next time.Time, lastErr string) error {
	_, err := db.pool.Exec(ctx, `UPDATE webhooks SET attempts = attempts + 1, next_attempt_at = $1,
		first_failed_at = CASE first_failed_at WHEN '' THEN $2 ELSE first_failed_at END, last_error = $3
		WHERE id = $4`, formatTime(next), formatTime(db.now()), lastErr, webhookID)
	return err
}

// WebhookDead gives up on notification id for the subscriber after a last
// failed attempt with error lastErr, and the stream moves on.
func (db *DB) WebhookDead(ctx context.Context, webhookID, id int64, lastErr string) error {
	now := formatTime(db.now())
	return db.update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_dead (webhook_id, notification_id, attempts, last_error, dead_at)
			SELECT id, $1, attempts + 1, $2, $3 FROM webhooks WHERE id = $4 ON CONFLICT DO NOTHING`, id, lastErr, now, webhookID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE webhooks SET delivered_upto = $1, attempts = 0, next_attempt_at = '',
			first_failed_at = '', last_error = '' WHERE id = $2 AND delivered_upto < $1`, id, webhookID)
		return err
	})
}

// DeadDeliveries lists what a subscriber never acknowledged.
func (db *DB) DeadDeliveries(ctx context.Context, webhookID int64) ([]huiqi.DeadDelivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT webhook_id, notification_id, attempts, last_error, dead_at
		FROM webhook_dead WHERE webhook_id = $1 ORDER BY notification_id`, webhookID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []huiqi.DeadDelivery{}
	for rows.Next() {
		var d huiqi.DeadDelivery
		if err := rows.Scan(&d.WebhookID, &d.NotificationID, &d.Attempts, &d.LastError, &d.DeadAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

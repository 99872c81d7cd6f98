package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/huiqi/huiqi"
)

// insertNotifications writes notifications inside tx and sets their ids.
func insertNotifications(ctx context.Context, tx *sql.Tx, now time.Time, ns []huiqi.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO notifications
		(credit_code, kind, policy_id, version, title, amount, note, application_id, created_at, offer_pending)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range ns {
		n := &ns[i]
		n.CreatedAt = now
		var app any
		if n.ApplicationID != 0 {
			app = n.ApplicationID
		}
		res, err := stmt.ExecContext(ctx, n.CreditCode, n.Kind, n.PolicyID, n.Version, n.Title,
			nullMoney(n.Amount), n.Note, app, formatTime(now), n.OfferPending)
		if err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
		if n.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

const notificationColumns = `id, credit_code, kind, policy_id, version, title, amount, note, coalesce(application_id, 0), created_at, offer_pending`

func scanNotifications(rows *sql.Rows) ([]huiqi.Notification, error) {
	defer rows.Close()
	out := []huiqi.Notification{}
	for rows.Next() {
		var (
			n       huiqi.Notification
			amount  sql.NullInt64
			created string
		)
		if err := rows.Scan(&n.ID, &n.CreditCode, &n.Kind, &n.PolicyID, &n.Version, &n.Title, &amount,
			&n.Note, &n.ApplicationID, &created, &n.OfferPending); err != nil {
			return nil, err
		}
		if amount.Valid {
			m := huiqi.Money(amount.Int64)
			n.Amount = &m
		}
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
	rows, err := db.read.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE credit_code = ? AND id > ? ORDER BY id LIMIT ?`, code, after, limit)
	if err != nil {
		return nil, fmt.Errorf("enterprise notifications: %w", err)
	}
	return scanNotifications(rows)
}

// NotificationsAfter returns every notification with an id above after,
// oldest first, at most limit: a webhook's delivery stream.
func (db *DB) NotificationsAfter(ctx context.Context, after int64, limit int) ([]huiqi.Notification, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("notifications after: %w", err)
	}
	return scanNotifications(rows)
}

// PendingOffers returns new_match notifications whose 免申即享 offer is
// still to be opened.
func (db *DB) PendingOffers(ctx context.Context) ([]huiqi.Notification, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE offer_pending = 1 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pending offers: %w", err)
	}
	return scanNotifications(rows)
}

// OffersDone clears the pending-offer mark of notifications, in one
// transaction.
func (db *DB) OffersDone(ctx context.Context, ids []int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE notifications SET offer_pending = 0 WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddNotifications writes notifications in their own transaction (pause
// notices and other events outside a verdict change).
func (db *DB) AddNotifications(ctx context.Context, ns []huiqi.Notification) error {
	return db.update(ctx, func(tx *sql.Tx) error { return insertNotifications(ctx, tx, db.now(), ns) })
}

// LastNotificationID returns the id of the newest notification, 0 when none.
func (db *DB) LastNotificationID(ctx context.Context) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM notifications`).Scan(&id)
	return id, err
}

// CreateWebhook registers a subscriber; it receives the notifications
// written from now on.
func (db *DB) CreateWebhook(ctx context.Context, w *huiqi.Webhook) error {
	now := db.now()
	return db.update(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM notifications`).Scan(&last); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO webhooks (url, secret, created_at, delivered_upto) VALUES (?, ?, ?, ?)`,
			w.URL, w.Secret, formatTime(now), last)
		if err != nil {
			return err
		}
		w.ID, err = res.LastInsertId()
		w.CreatedAt, w.DeliveredUpto = now, last
		return err
	})
}

// Webhooks returns every subscriber with its delivery state.
func (db *DB) Webhooks(ctx context.Context) ([]huiqi.Webhook, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, url, secret, created_at, delivered_upto, attempts,
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
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET delivered_upto = ?, attempts = 0, next_attempt_at = '',
			first_failed_at = '', last_error = '' WHERE id = ? AND delivered_upto < ?`, id, webhookID, id)
		return err
	})
}

// WebhookFailed records a failed attempt and when to try again.
func (db *DB) WebhookFailed(ctx context.Context, webhookID int64, next time.Time, lastErr string) error {
	now := formatTime(db.now())
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET attempts = attempts + 1, next_attempt_at = ?,
			first_failed_at = CASE first_failed_at WHEN '' THEN ? ELSE first_failed_at END, last_error = ?
			WHERE id = ?`, formatTime(next), now, lastErr, webhookID)
		return err
	})
}

// WebhookDead gives up on notification id for the subscriber after a last
// failed attempt with error lastErr: it is recorded for admins, counting
// that attempt, and the stream moves on.
func (db *DB) WebhookDead(ctx context.Context, webhookID, id int64, lastErr string) error {
	now := formatTime(db.now())
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO webhook_dead (webhook_id, notification_id, attempts, last_error, dead_at)
			SELECT id, ?, attempts + 1, ?, ? FROM webhooks WHERE id = ?`, id, lastErr, now, webhookID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET delivered_upto = ?, attempts = 0, next_attempt_at = '',
			first_failed_at = '', last_error = '' WHERE id = ? AND delivered_upto < ?`, id, webhookID, id)
		return err
	})
}

// DeadDeliveries lists what a subscriber never acknowledged.
func (db *DB) DeadDeliveries(ctx context.Context, webhookID int64) ([]huiqi.DeadDelivery, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT webhook_id, notification_id, attempts, last_error, dead_at
		FROM webhook_dead WHERE webhook_id = ? ORDER BY notification_id`, webhookID)
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

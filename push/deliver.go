// Package push delivers notifications to webhook subscribers: each
// notification POSTed as signed JSON, in order per subscriber, retried with
// exponential backoff and jitter for up to a day, then recorded as dead.
package push

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/huiqi/huiqi"
)

// Store is what the deliverer needs of the database.
type Store interface {
	Webhooks(ctx context.Context) ([]huiqi.Webhook, error)
	NotificationsAfter(ctx context.Context, after int64, limit int) ([]huiqi.Notification, error)
	WebhookDelivered(ctx context.Context, webhookID, id int64) error
	WebhookFailed(ctx context.Context, webhookID int64, next time.Time, lastErr string) error
	WebhookDead(ctx context.Context, webhookID, id int64, lastErr string) error
}

// Deliverer sends notifications to every webhook subscriber. Its state
// (each subscriber's cursor and retry schedule) lives in the store, so
// pending deliveries survive a restart.
type Deliverer struct {
	Store  Store
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
	// RetryFor is how long a notification is retried before it is dead.
	RetryFor time.Duration
	// BaseDelay and MaxDelay bound the exponential backoff.
	BaseDelay, MaxDelay time.Duration

	wake chan struct{}
	once sync.Once
}

// NewDeliverer returns a Deliverer with a day of retries, backoff from one
// second to ten minutes, and a ten-second request timeout, that connects
// only to public addresses; set Client to targets.Client to allow hosts.
func NewDeliverer(store Store) *Deliverer {
	return &Deliverer{
		Store:     store,
		Client:    (&Targets{}).Client(10 * time.Second),
		Logger:    slog.Default(),
		Now:       time.Now,
		RetryFor:  24 * time.Hour,
		BaseDelay: time.Second,
		MaxDelay:  10 * time.Minute,
	}
}

func (d *Deliverer) init() { d.once.Do(func() { d.wake = make(chan struct{}, 1) }) }

// Wake tells the deliverer that notifications were committed.
func (d *Deliverer) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done.
func (d *Deliverer) Run(ctx context.Context) {
	d.init()
	for {
		wait, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.Logger.Error("webhook delivery", "err", err)
			wait = 5 * time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// idle is how long Run sleeps when nothing is due and nothing wakes it.
const idle = 30 * time.Second

// DeliverDue makes one pass: every subscriber whose next attempt is due gets
// its pending notifications in order, stopping at its first failure. It
// returns how long until the next attempt is due.
func (d *Deliverer) DeliverDue(ctx context.Context) (time.Duration, error) {
	hooks, err := d.Store.Webhooks(ctx)
	if err != nil {
		return idle, err
	}
	wait := idle
	for _, w := range hooks {
		if now := d.Now(); !w.NextAttemptAt.IsZero() && w.NextAttemptAt.After(now) {
			wait = min(wait, w.NextAttemptAt.Sub(now))
			continue
		}
		next, err := d.deliver(ctx, w)
		if err != nil {
			return idle, err
		}
		if next > 0 {
			wait = min(wait, next)
		}
	}
	return wait, nil
}

// deliver sends a subscriber's pending notifications until one fails; it
// returns the delay before the retry, or 0 when all were delivered.
func (d *Deliverer) deliver(ctx context.Context, w huiqi.Webhook) (time.Duration, error) {
	for {
		ns, err := d.Store.NotificationsAfter(ctx, w.DeliveredUpto, 100)
		if err != nil || len(ns) == 0 {
			return 0, err
		}
		for _, n := range ns {
			if !Delivered[n.Kind] {
				// Kinds that are not part of the documented webhook stream
				// stay in the enterprise's inbox only.
				if err := d.Store.WebhookDelivered(ctx, w.ID, n.ID); err != nil {
					return 0, err
				}
				w.DeliveredUpto = n.ID
				continue
			}
			if sendErr := d.send(ctx, w, n); sendErr != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				return d.failed(ctx, w, n, sendErr)
			}
			if err := d.Store.WebhookDelivered(ctx, w.ID, n.ID); err != nil {
				return 0, err
			}
			w.DeliveredUpto, w.Attempts, w.FirstFailedAt = n.ID, 0, time.Time{}
		}
	}
}

// failed schedules the retry of a failed notification, or gives up on it
// once it has failed for RetryFor.
func (d *Deliverer) failed(ctx context.Context, w huiqi.Webhook, n huiqi.Notification, sendErr error) (time.Duration, error) {
	now := d.Now()
	first := w.FirstFailedAt
	if first.IsZero() {
		first = now
	}
	if now.Sub(first) >= d.RetryFor {
		d.Logger.Warn("webhook delivery dead", "webhook", w.ID, "notification", n.ID, "attempts", w.Attempts+1, "err", sendErr)
		return time.Millisecond, d.Store.WebhookDead(ctx, w.ID, n.ID, sendErr.Error())
	}
	delay := d.backoff(w.Attempts)
	d.Logger.Info("webhook delivery failed", "webhook", w.ID, "notification", n.ID, "attempt", w.Attempts+1, "retry_in", delay, "err", sendErr)
	return delay, d.Store.WebhookFailed(ctx, w.ID, now.Add(delay), sendErr.Error())
}

// backoff is the delay after the given number of earlier failures:
// exponential with full jitter in its upper half, so that subscribers that
// failed together do not retry together.
func (d *Deliverer) backoff(attempts int) time.Duration {
	delay := d.BaseDelay << min(attempts, 30)
	if delay <= 0 || delay > d.MaxDelay {
		delay = d.MaxDelay
	}
	return delay/2 + rand.N(delay/2+1)
}

// Delivered are the notification kinds webhook subscribers receive, as the
// README documents them.
var Delivered = map[string]bool{huiqi.NotifyNewMatch: true, huiqi.NotifyWithdrawn: true}

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	huiqi.Notification
	WebhookID int64 `json:"webhook_id"`
}

// Sign returns the X-Huiqi-Signature value of a body: "sha256=" and the hex
// HMAC-SHA256 of the body with the subscriber's secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// IdempotencyKey names one notification for one subscriber: a receiver that
// sees a key twice (after a retry whose answer was lost) can drop the copy.
func IdempotencyKey(webhookID, notificationID int64) string {
	return "huiqi-" + strconv.FormatInt(webhookID, 10) + "-" + strconv.FormatInt(notificationID, 10)
}

func (d *Deliverer) send(ctx context.Context, w huiqi.Webhook, n huiqi.Notification) error {
	body, err := json.Marshal(Payload{Notification: n, WebhookID: w.ID})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", IdempotencyKey(w.ID, n.ID))
	req.Header.Set("X-Huiqi-Signature", Sign(w.Secret, body))
	resp, err := d.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

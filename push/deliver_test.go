package push_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/push"
	"github.com/huiqi/huiqi/sqlite"
)

// pushClock is a fake clock the tests advance instead of sleeping.
type pushClock struct {
	mu sync.Mutex
	t  time.Time
}

func newPushClock() *pushClock {
	return &pushClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)}
}

func (c *pushClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, never backwards.
func (c *pushClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

func (c *pushClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pushMustOpenDB opens (or creates) the database at path on the clock.
func pushMustOpenDB(tb testing.TB, path string, clock *pushClock) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(path)
	db.Now = clock.Now
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open(%q) = %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// pushQuiet drops the deliverer's logs.
var pushQuiet = slog.New(slog.DiscardHandler)

// pushDeliverer returns a deliverer on the clock with a short request
// timeout and a backoff from one second to ten.
func pushDeliverer(db *sqlite.DB, clock *pushClock) *push.Deliverer {
	d := push.NewDeliverer(db)
	d.Now = clock.Now
	d.Logger = pushQuiet
	// The receivers run on 127.0.0.1, which the address rule refuses
	// unless the operator lists it, as here.
	d.Client = (&push.Targets{Hosts: []string{"127.0.0.1"}}).Client(200 * time.Millisecond)
	d.BaseDelay, d.MaxDelay = time.Second, 10*time.Second
	return d
}

// pushAttempt is one request a receiver saw and how it answered.
type pushAttempt struct {
	Key       string
	Signature string
	Body      []byte
	Payload   push.Payload
	Status    int // 0: the receiver hung until the client gave up
}

// pushReceiver is a webhook subscriber on 127.0.0.1 that answers with what
// its plan says for each request, in order of arrival.
type pushReceiver struct {
	*httptest.Server

	mu       sync.Mutex
	attempts []pushAttempt
	// plan gives the answer to the i-th request (from 0) carrying payload p:
	// a status, or 0 to hang until the client gives up.
	plan func(i int, p push.Payload) int
}

func newPushReceiver(tb testing.TB, plan func(i int, p push.Payload) int) *pushReceiver {
	tb.Helper()
	r := &pushReceiver{plan: plan}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

func (r *pushReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	a := pushAttempt{Key: req.Header.Get("Idempotency-Key"), Signature: req.Header.Get("X-Huiqi-Signature"), Body: body}
	if err := json.Unmarshal(body, &a.Payload); err != nil {
		a.Payload.ID = -1
	}
	if req.Header.Get("Content-Type") != "application/json" {
		a.Payload.ID = -2
	}
	r.mu.Lock()
	a.Status = r.plan(len(r.attempts), a.Payload)
	r.attempts = append(r.attempts, a)
	r.mu.Unlock()
	if a.Status == 0 {
		<-req.Context().Done() // the client timed out and closed the connection
		return
	}
	w.WriteHeader(a.Status)
}

// Attempts returns a copy of what the receiver saw.
func (r *pushReceiver) Attempts() []pushAttempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pushAttempt(nil), r.attempts...)
}

// Acked returns the payloads the receiver answered with a 2xx, in order.
func (r *pushReceiver) Acked() []pushAttempt {
	var out []pushAttempt
	for _, a := range r.Attempts() {
		if a.Status >= 200 && a.Status <= 299 {
			out = append(out, a)
		}
	}
	return out
}

// pushAlways answers every request with status.
func pushAlways(status int) func(int, push.Payload) int {
	return func(int, push.Payload) int { return status }
}

// pushAddNotifications writes n notifications for one enterprise and returns
// their ids.
func pushAddNotifications(tb testing.TB, db *sqlite.DB, n int) []int64 {
	tb.Helper()
	ns := make([]huiqi.Notification, n)
	for i := range ns {
		amount := huiqi.Money(100 * (i + 1))
		ns[i] = huiqi.Notification{CreditCode: "914403001922038216", Kind: huiqi.NotifyNewMatch,
			PolicyID: fmt.Sprintf("policy-%d", i), Version: 1, Title: fmt.Sprintf("政策%d", i), Amount: &amount}
	}
	if err := db.AddNotifications(context.Background(), ns); err != nil {
		tb.Fatalf("AddNotifications() = %v", err)
	}
	ids := make([]int64, n)
	for i, x := range ns {
		ids[i] = x.ID
	}
	return ids
}

// pushVerify checks a signature as a receiver would, without push.Sign:
// "sha256=" and the hex HMAC-SHA256 of the body with the secret.
func pushVerify(secret string, body []byte, signature string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(signature)) && push.Sign(secret, body) == signature
}

func pushMustWebhook(tb testing.TB, db *sqlite.DB, url, secret string) *huiqi.Webhook {
	tb.Helper()
	w := &huiqi.Webhook{URL: url, Secret: secret}
	if err := db.CreateWebhook(context.Background(), w); err != nil {
		tb.Fatalf("CreateWebhook(%q) = %v", url, err)
	}
	return w
}

// pushWebhook returns the stored state of a webhook.
func pushWebhook(tb testing.TB, db *sqlite.DB, id int64) huiqi.Webhook {
	tb.Helper()
	hooks, err := db.Webhooks(context.Background())
	if err != nil {
		tb.Fatalf("Webhooks() = %v", err)
	}
	for _, w := range hooks {
		if w.ID == id {
			return w
		}
	}
	tb.Fatalf("webhook %d not stored", id)
	return huiqi.Webhook{}
}

func pushDeliverDue(tb testing.TB, d *push.Deliverer) time.Duration {
	tb.Helper()
	wait, err := d.DeliverDue(context.Background())
	if err != nil {
		tb.Fatalf("DeliverDue() = %v", err)
	}
	return wait
}

// pushCheckAcked checks that the receiver acknowledged exactly the given
// notification ids, each once, in that order, signed with secret, under the
// keys of webhook w.
func pushCheckAcked(tb testing.TB, r *pushReceiver, w *huiqi.Webhook, secret string, ids []int64) {
	tb.Helper()
	acked := r.Acked()
	var got []int64
	seen := map[string]int{}
	for _, a := range acked {
		got = append(got, a.Payload.ID)
		seen[a.Key]++
		if want := push.IdempotencyKey(w.ID, a.Payload.ID); a.Key != want {
			tb.Errorf("Idempotency-Key of notification %d = %q, want %q", a.Payload.ID, a.Key, want)
		}
		if a.Payload.WebhookID != w.ID {
			tb.Errorf("webhook_id of notification %d = %d, want %d", a.Payload.ID, a.Payload.WebhookID, w.ID)
		}
		if !pushVerify(secret, a.Body, a.Signature) {
			tb.Errorf("X-Huiqi-Signature of notification %d = %q does not verify", a.Payload.ID, a.Signature)
		}
	}
	for k, n := range seen {
		if n != 1 {
			tb.Errorf("key %s acknowledged %d times, want once", k, n)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		tb.Errorf("acknowledged notifications = %v, want %v (in order)", got, ids)
	}
}

func TestPushDeliverer_Signed(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	pushAddNotifications(t, db, 2) // before the webhook: never sent to it
	r := newPushReceiver(t, pushAlways(http.StatusNoContent))
	const secret = "0123456789abcdef-secret"
	w := pushMustWebhook(t, db, r.URL+"/hook", secret)
	ids := pushAddNotifications(t, db, 5)
	d := pushDeliverer(db, clock)

	pushDeliverDue(t, d)
	pushCheckAcked(t, r, w, secret, ids)
	if n := len(r.Attempts()); n != len(ids) {
		t.Errorf("receiver saw %d requests, want %d", n, len(ids))
	}
	for i, a := range r.Acked() {
		// The signature covers the exact bytes sent, and a wrong secret
		// does not produce it.
		if pushVerify("another-secret-0123", a.Body, a.Signature) {
			t.Errorf("notification %d verifies with the wrong secret", a.Payload.ID)
		}
		if a.Payload.CreditCode != "914403001922038216" || a.Payload.Kind != huiqi.NotifyNewMatch ||
			a.Payload.Amount == nil || *a.Payload.Amount != huiqi.Money(100*(i+1)) {
			t.Errorf("payload %d = %+v, want the stored notification", i, a.Payload)
		}
	}
	if got := pushWebhook(t, db, w.ID); got.DeliveredUpto != ids[len(ids)-1] || got.Attempts != 0 || got.Dead != 0 {
		t.Errorf("webhook after delivery = %+v, want delivered_upto %d, no attempts, none dead", got, ids[len(ids)-1])
	}

	// A pass with nothing new sends nothing.
	pushDeliverDue(t, d)
	if n := len(r.Attempts()); n != len(ids) {
		t.Errorf("after an idle pass the receiver saw %d requests, want %d", n, len(ids))
	}
}

// pushCheckBackoff checks the retry scheduled after the k-th consecutive
// failure (from 0): within [base·2^k/2, base·2^k], capped at MaxDelay.
func pushCheckBackoff(tb testing.TB, d *push.Deliverer, k int, delay time.Duration) {
	tb.Helper()
	hi := d.BaseDelay << k
	if hi > d.MaxDelay {
		hi = d.MaxDelay
	}
	if delay < hi/2 || delay > hi {
		tb.Errorf("retry %d after %v, want within [%v, %v]", k, delay, hi/2, hi)
	}
}

func TestPushDeliverer_Retry(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	// The first seven answers fail: 500s, one hang past the client timeout,
	// a 404 and a 302 (not a 2xx); the backoff reaches the ten-second cap.
	failures := []int{500, 500, 0, 503, 404, 302, 500}
	r := newPushReceiver(t, func(i int, _ push.Payload) int {
		if i < len(failures) {
			return failures[i]
		}
		return http.StatusOK
	})
	const secret = "retry-secret-0123456789"
	w := pushMustWebhook(t, db, r.URL, secret)
	ids := pushAddNotifications(t, db, 3)
	d := pushDeliverer(db, clock)

	for k := range failures {
		wait := pushDeliverDue(t, d)
		if n := len(r.Attempts()); n != k+1 {
			t.Fatalf("after pass %d the receiver saw %d requests, want %d", k, n, k+1)
		}
		got := pushWebhook(t, db, w.ID)
		if got.Attempts != k+1 || got.DeliveredUpto != w.DeliveredUpto || got.LastError == "" {
			t.Fatalf("webhook after failure %d = %+v, want %d attempts, nothing delivered, an error", k, got, k+1)
		}
		delay := got.NextAttemptAt.Sub(clock.Now())
		pushCheckBackoff(t, d, k, delay)
		if wait != delay {
			t.Errorf("DeliverDue() after failure %d = %v, want the retry delay %v", k, wait, delay)
		}
		// Not due yet: nothing is sent.
		clock.Advance(delay - time.Millisecond)
		if wait := pushDeliverDue(t, d); wait != time.Millisecond {
			t.Errorf("DeliverDue() a millisecond early = %v, want 1ms", wait)
		}
		if n := len(r.Attempts()); n != k+1 {
			t.Fatalf("a pass before the retry was due sent a request (%d, want %d)", n, k+1)
		}
		clock.Set(got.NextAttemptAt)
	}
	pushDeliverDue(t, d)
	pushCheckAcked(t, r, w, secret, ids)
	for i, a := range r.Attempts()[:len(failures)] {
		if a.Payload.ID != ids[0] {
			t.Errorf("failed attempt %d carried notification %d, want %d: the stream must wait for the first", i, a.Payload.ID, ids[0])
		}
		if !pushVerify(secret, a.Body, a.Signature) {
			t.Errorf("retry %d signature %q does not verify", i, a.Signature)
		}
	}
	if got := pushWebhook(t, db, w.ID); got.DeliveredUpto != ids[2] || got.Attempts != 0 || !got.NextAttemptAt.IsZero() ||
		!got.FirstFailedAt.IsZero() || got.LastError != "" {
		t.Errorf("webhook after recovery = %+v, want delivered to %d and the retry state cleared", got, ids[2])
	}
	if dead, err := db.DeadDeliveries(context.Background(), w.ID); err != nil || len(dead) != 0 {
		t.Errorf("DeadDeliveries() = %v, %v, want none", dead, err)
	}
}

// TestPushDeliverer_Backoff checks the jitter bounds over many draws: every
// delay within its bounds and the draws not all the same.
func TestPushDeliverer_Backoff(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	r := newPushReceiver(t, pushAlways(http.StatusInternalServerError))
	w := pushMustWebhook(t, db, r.URL, "backoff-secret-0123456")
	pushAddNotifications(t, db, 1)
	d := pushDeliverer(db, clock)
	d.BaseDelay, d.MaxDelay = 100*time.Millisecond, time.Hour
	d.RetryFor = 1000 * time.Hour
	distinct := map[time.Duration]bool{}
	for k := range 20 {
		pushDeliverDue(t, d)
		got := pushWebhook(t, db, w.ID)
		delay := got.NextAttemptAt.Sub(clock.Now())
		pushCheckBackoff(t, d, k, delay)
		distinct[delay] = true
		clock.Set(got.NextAttemptAt)
	}
	if len(distinct) < 10 {
		t.Errorf("20 retry delays took %d distinct values, want jitter", len(distinct))
	}
}

func TestPushDeliverer_Dead(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	ids := []int64{}
	r := newPushReceiver(t, func(_ int, p push.Payload) int {
		if len(ids) > 0 && p.ID == ids[0] {
			return http.StatusInternalServerError // this one never gets through
		}
		return http.StatusOK
	})
	const secret = "dead-secret-0123456789"
	w := pushMustWebhook(t, db, r.URL, secret)
	ids = pushAddNotifications(t, db, 3)
	d := pushDeliverer(db, clock)
	d.BaseDelay, d.MaxDelay, d.RetryFor = time.Minute, 10*time.Minute, 24*time.Hour

	start := clock.Now()
	var lastTry time.Time
	for pass := 0; ; pass++ {
		if pass > 1000 {
			t.Fatalf("still retrying after %d passes", pass)
		}
		lastTry = clock.Now()
		pushDeliverDue(t, d)
		got := pushWebhook(t, db, w.ID)
		if got.DeliveredUpto >= ids[0] {
			break
		}
		if got.NextAttemptAt.IsZero() {
			t.Fatalf("webhook after a failure = %+v, want a retry scheduled", got)
		}
		clock.Set(got.NextAttemptAt)
	}
	if span := lastTry.Sub(start); span < d.RetryFor || span > d.RetryFor+d.MaxDelay {
		t.Errorf("given up after %v, want within [%v, %v]", span, d.RetryFor, d.RetryFor+d.MaxDelay)
	}
	tries := 0
	for _, a := range r.Attempts() {
		if a.Payload.ID == ids[0] {
			tries++
		}
	}
	dead, err := db.DeadDeliveries(context.Background(), w.ID)
	if err != nil {
		t.Fatalf("DeadDeliveries() = %v", err)
	}
	if len(dead) != 1 || dead[0].NotificationID != ids[0] || dead[0].WebhookID != w.ID ||
		dead[0].Attempts != tries || dead[0].LastError == "" || dead[0].DeadAt == "" {
		t.Fatalf("DeadDeliveries() = %+v, want notification %d after %d attempts", dead, ids[0], tries)
	}

	// The stream moves on to the next notifications.
	for pass := 0; pushWebhook(t, db, w.ID).DeliveredUpto < ids[2]; pass++ {
		if pass > 10 {
			t.Fatalf("stream stuck after the dead delivery: %+v", pushWebhook(t, db, w.ID))
		}
		pushDeliverDue(t, d)
	}
	pushCheckAcked(t, r, w, secret, ids[1:])
	if got := pushWebhook(t, db, w.ID); got.Dead != 1 {
		t.Errorf("webhook dead count = %d, want 1", got.Dead)
	}
}

func TestPushDeliverer_Independent(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	down := newPushReceiver(t, func(i int, _ push.Payload) int {
		if i == 0 {
			return 0 // hangs past the client timeout
		}
		return http.StatusBadGateway
	})
	up := newPushReceiver(t, pushAlways(http.StatusOK))
	wDown := pushMustWebhook(t, db, down.URL, "down-secret-0123456789")
	const secret = "up-secret-0123456789ab"
	wUp := pushMustWebhook(t, db, up.URL, secret)
	ids := pushAddNotifications(t, db, 2)
	d := pushDeliverer(db, clock)

	pushDeliverDue(t, d)
	pushCheckAcked(t, up, wUp, secret, ids)
	more := pushAddNotifications(t, db, 2)
	// The failing subscriber is not due yet; the other gets the new ones.
	pushDeliverDue(t, d)
	pushCheckAcked(t, up, wUp, secret, append(append([]int64{}, ids...), more...))
	if n := len(down.Attempts()); n != 1 {
		t.Errorf("failing receiver saw %d requests, want 1 (its retry is not due)", n)
	}
	clock.Set(pushWebhook(t, db, wDown.ID).NextAttemptAt)
	pushDeliverDue(t, d)
	if got := pushWebhook(t, db, wDown.ID); got.DeliveredUpto != wDown.DeliveredUpto || got.Attempts != 2 {
		t.Errorf("failing webhook = %+v, want 2 attempts, nothing delivered", got)
	}
	for _, a := range down.Attempts() {
		if a.Payload.ID != ids[0] || a.Key != push.IdempotencyKey(wDown.ID, ids[0]) {
			t.Errorf("failing receiver got notification %d key %q, want only %d", a.Payload.ID, a.Key, ids[0])
		}
	}
	if got := pushWebhook(t, db, wUp.ID); got.DeliveredUpto != more[1] || got.Attempts != 0 {
		t.Errorf("healthy webhook = %+v, want delivered to %d", got, more[1])
	}
}

func TestPushDeliverer_Restart(t *testing.T) {
	clock := newPushClock()
	path := filepath.Join(t.TempDir(), "huiqi.db")
	db := pushMustOpenDB(t, path, clock)
	healthy := false
	var mu sync.Mutex
	r := newPushReceiver(t, func(i int, _ push.Payload) int {
		mu.Lock()
		defer mu.Unlock()
		if i < 2 || healthy {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	const secret = "restart-secret-0123456"
	w := pushMustWebhook(t, db, r.URL, secret)
	ids := pushAddNotifications(t, db, 4)
	d := pushDeliverer(db, clock)
	pushDeliverDue(t, d) // two delivered, the third failed
	before := pushWebhook(t, db, w.ID)
	if before.DeliveredUpto != ids[1] || before.Attempts != 1 {
		t.Fatalf("webhook before restart = %+v, want delivered to %d with one failed attempt", before, ids[1])
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	db = pushMustOpenDB(t, path, clock)
	d = pushDeliverer(db, clock)
	if wait := pushDeliverDue(t, d); wait <= 0 || len(r.Attempts()) != 3 {
		t.Errorf("after restart, before the retry is due: wait %v, %d requests; want the stored schedule kept and 3 requests",
			wait, len(r.Attempts()))
	}
	mu.Lock()
	healthy = true
	mu.Unlock()
	clock.Set(before.NextAttemptAt)
	pushDeliverDue(t, d)
	pushCheckAcked(t, r, w, secret, ids)
	sent := map[int64]int{}
	for _, a := range r.Attempts() {
		sent[a.Payload.ID]++
	}
	if want := map[int64]int{ids[0]: 1, ids[1]: 1, ids[2]: 2, ids[3]: 1}; fmt.Sprint(sent) != fmt.Sprint(want) {
		t.Errorf("requests per notification = %v, want %v: nothing delivered before the restart is sent again", sent, want)
	}
}

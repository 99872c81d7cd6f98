package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/push"
)

// pushCrashReceiver records every delivery and answers 503 until told to
// accept.
type pushCrashReceiver struct {
	accept atomic.Bool
	secret string

	mu       sync.Mutex
	attempts int
	acked    map[string]int    // key → 2xx answers
	codes    map[string]string // key → credit code of the payload
	badSig   int
}

func (r *pushCrashReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	key := req.Header.Get("Idempotency-Key")
	var p push.Payload
	err := json.Unmarshal(body, &p)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if err != nil || req.Header.Get("X-Huiqi-Signature") != push.Sign(r.secret, body) || key != push.IdempotencyKey(p.WebhookID, p.ID) {
		r.badSig++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !r.accept.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.acked[key]++
	r.codes[key] = p.CreditCode
	w.WriteHeader(http.StatusOK)
}

func (r *pushCrashReceiver) snapshot() (attempts, badSig int, acked map[string]int, codes map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	acked, codes = map[string]int{}, map[string]string{}
	for k, v := range r.acked {
		acked[k] = v
	}
	for k, v := range r.codes {
		codes[k] = v
	}
	return r.attempts, r.badSig, acked, codes
}

// pushCrashWebhooks is GET /v1/webhooks.
type pushCrashWebhooks struct {
	Items []struct {
		ID             int64             `json:"id"`
		DeliveredUpto  int64             `json:"delivered_upto"`
		Attempts       int               `json:"attempts"`
		DeadDeliveries []json.RawMessage `json:"dead_deliveries"`
	} `json:"items"`
}

// TestPushCrash kills the server with SIGKILL after notifications are
// committed but before any is acknowledged, and checks that the restarted
// server delivers every one exactly once.
func TestPushCrash(t *testing.T) {
	bin := huiqiBinary(t)
	dataDir := t.TempDir()

	const secret = "push-crash-secret-0123456789"
	recv := &pushCrashReceiver{secret: secret, acked: map[string]int{}, codes: map[string]string{}}
	hook := httptest.NewServer(recv)
	defer hook.Close()

	srv := startCrashProcess(t, bin, dataDir)
	var w struct {
		ID int64 `json:"id"`
	}
	body, _ := json.Marshal(map[string]string{"url": hook.URL + "/huiqi", "secret": secret})
	srv.MustJSON(t, http.MethodPost, "/v1/webhooks", adminToken, string(body), http.StatusCreated, &w)

	var ndjson bytes.Buffer
	if err := demo.WriteNDJSON(&ndjson, demo.Enterprises(300, 7, testToday)); err != nil {
		t.Fatal(err)
	}
	var report struct{ Accepted, Rejected int }
	srv.MustJSON(t, http.MethodPost, "/v1/enterprises/bulk", adminToken, ndjson.String(), http.StatusOK, &report)
	if report.Accepted != 300 {
		t.Fatalf("bulk import accepted %d of 300 (rejected %d)", report.Accepted, report.Rejected)
	}
	// A head count only: the child runs on the system's clock, and no
	// verdict may depend on the day.
	const id = "push-crash-broad"
	policy := `{"id": "` + id + `", "title": "泉州市职工稳岗补助", "department": "泉州市人力资源和社会保障局",
		"region": "3505", "eligibility": {"field": "employees", "op": "gte", "value": 20},
		"benefit": {"kind": "subsidy", "amount": {"fixed": 1000}}}`
	srv.MustJSON(t, http.MethodPost, "/v1/policies", adminToken, policy, http.StatusCreated, nil)
	srv.MustJSON(t, http.MethodPost, "/v1/policies/"+id+"/publish", adminToken, "", http.StatusOK, nil)

	// The notifications are committed; wait for a failed attempt, so that
	// the crash falls between the outbox write and a delivery.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if attempts, _, _, _ := recv.snapshot(); attempts > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery attempted within 20s of the publish")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill(t)

	recv.accept.Store(true)
	srv = startCrashProcess(t, bin, dataDir)
	deadline = time.Now().Add(20 * time.Second)

	// Who was matched, read from the restarted server.
	want := map[string]bool{}
	for after := ""; ; {
		var page struct {
			Total int `json:"total"`
			Items []struct {
				CreditCode string `json:"credit_code"`
			} `json:"items"`
			Next *string `json:"next"`
		}
		srv.MustJSON(t, http.MethodGet, "/v1/policies/"+id+"/matches?limit=1000&after="+url.QueryEscape(after), adminToken, "", http.StatusOK, &page)
		for _, it := range page.Items {
			want[it.CreditCode] = true
		}
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	if len(want) < 10 {
		t.Fatalf("policy matched %d enterprises, want a broad policy", len(want))
	}
	n := int64(len(want)) // notifications 1..n, all after the webhook was made

	var hooks pushCrashWebhooks
	for {
		srv.MustJSON(t, http.MethodGet, "/v1/webhooks", adminToken, "", http.StatusOK, &hooks)
		if len(hooks.Items) != 1 {
			t.Fatalf("GET /v1/webhooks lists %d webhooks, want 1", len(hooks.Items))
		}
		if hooks.Items[0].DeliveredUpto >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart, delivered up to %d of %d within 20s", hooks.Items[0].DeliveredUpto, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h := hooks.Items[0]; h.DeliveredUpto != n || h.Attempts != 0 || len(h.DeadDeliveries) != 0 {
		t.Errorf("webhook after delivery = %+v, want delivered_upto %d, no attempts, no dead deliveries", h, n)
	}

	attempts, badSig, acked, codes := recv.snapshot()
	if badSig != 0 {
		t.Errorf("%d deliveries had a bad signature, key or body", badSig)
	}
	var missing, twice []string
	for i := int64(1); i <= n; i++ {
		key := push.IdempotencyKey(w.ID, i)
		switch acked[key] {
		case 0:
			missing = append(missing, key)
		case 1:
		default:
			twice = append(twice, key+"×"+strconv.Itoa(acked[key]))
		}
	}
	if len(missing) > 0 || len(twice) > 0 || int64(len(acked)) != n {
		sort.Strings(missing)
		t.Errorf("of %d notifications: %d keys acknowledged, missing %v, acknowledged more than once %v", n, len(acked), missing, twice)
	}
	got := map[string]bool{}
	for _, c := range codes {
		got[c] = true
	}
	if len(got) != len(want) {
		t.Errorf("deliveries reached %d enterprises, want the %d matched", len(got), len(want))
	}
	for c := range want {
		if !got[c] {
			t.Errorf("matched enterprise %s got no delivery", c)
		}
	}
	t.Logf("%d notifications delivered once each after a SIGKILL; %d requests in all", n, attempts)
}

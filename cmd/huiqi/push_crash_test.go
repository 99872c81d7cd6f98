package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/push"
)

// pushCrashAdmin is the HUIQI_ADMIN_TOKEN of the server under test.
const pushCrashAdmin = "push-crash-admin-token-0123456789"

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

// pushCrashServer is a `huiqi serve` subprocess.
type pushCrashServer struct {
	cmd  *exec.Cmd
	URL  string
	done chan struct{}
}

// startPushCrashServer runs the binary on dataDir and waits for its
// "huiqi serving" log line, which names its URL.
func startPushCrashServer(t *testing.T, bin, dataDir string) *pushCrashServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo=false", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "json")
	cmd.Env = append(os.Environ(), "HUIQI_ADMIN_TOKEN="+pushCrashAdmin, "HUIQI_WEBHOOK_HOSTS=127.0.0.1") // the receiver is local
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	s := &pushCrashServer{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { s.kill(t) })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "huiqi serving" {
				select {
				case urls <- line.URL:
				default:
				}
			} else if testing.Verbose() {
				t.Logf("server: %s", sc.Bytes())
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.URL = <-urls:
	case <-s.done:
		t.Fatalf("huiqi serve exited before serving: %v", cmd.ProcessState)
	case <-time.After(15 * time.Second):
		t.Fatalf("huiqi serve did not start within 15s")
	}
	return s
}

// kill ends the server with SIGKILL: no shutdown code runs.
func (s *pushCrashServer) kill(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Errorf("kill server: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Errorf("server did not exit after SIGKILL")
	}
}

// call sends an admin request and decodes a JSON answer into out.
func (s *pushCrashServer) call(t *testing.T, method, path, contentType string, body []byte, want int, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pushCrashAdmin)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
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
	if testing.Short() {
		t.Skip("builds and runs the huiqi binary; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found; cannot build the huiqi binary")
	}
	deadline := time.Now().Add(20 * time.Second)
	dir := t.TempDir()
	bin := filepath.Join(dir, "huiqi")
	build := exec.Command(gobin, "build", "-o", bin, "github.com/huiqi/huiqi/cmd/huiqi")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")

	const secret = "push-crash-secret-0123456789"
	recv := &pushCrashReceiver{secret: secret, acked: map[string]int{}, codes: map[string]string{}}
	hook := httptest.NewServer(recv)
	defer hook.Close()

	srv := startPushCrashServer(t, bin, dataDir)
	var w struct {
		ID int64 `json:"id"`
	}
	body, _ := json.Marshal(map[string]string{"url": hook.URL + "/huiqi", "secret": secret})
	srv.call(t, http.MethodPost, "/v1/webhooks", "application/json", body, http.StatusCreated, &w)

	var ndjson bytes.Buffer
	if err := demo.WriteNDJSON(&ndjson, demo.Enterprises(300, 7, huiqi.DateOf(time.Now()))); err != nil {
		t.Fatal(err)
	}
	var report struct{ Accepted, Rejected int }
	srv.call(t, http.MethodPost, "/v1/enterprises/bulk", "application/x-ndjson", ndjson.Bytes(), http.StatusOK, &report)
	if report.Accepted != 300 {
		t.Fatalf("bulk import accepted %d of 300 (rejected %d)", report.Accepted, report.Rejected)
	}
	const id = "push-crash-broad"
	policy := []byte(`{"id": "` + id + `", "title": "泉州市职工稳岗补助", "department": "泉州市人力资源和社会保障局",
		"region": "3505", "eligibility": {"field": "employees", "op": "gte", "value": 20},
		"benefit": {"kind": "subsidy", "amount": {"fixed": 1000}}}`)
	srv.call(t, http.MethodPost, "/v1/policies", "application/json", policy, http.StatusCreated, nil)
	srv.call(t, http.MethodPost, "/v1/policies/"+id+"/publish", "", nil, http.StatusOK, nil)

	// The notifications are committed; wait for a failed attempt, so that
	// the crash falls between the outbox write and a delivery.
	for {
		if attempts, _, _, _ := recv.snapshot(); attempts > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery attempted before the crash")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill(t)

	recv.accept.Store(true)
	srv = startPushCrashServer(t, bin, dataDir)

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
		srv.call(t, http.MethodGet, "/v1/policies/"+id+"/matches?limit=1000&after="+url.QueryEscape(after), "", nil, http.StatusOK, &page)
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
		srv.call(t, http.MethodGet, "/v1/webhooks", "", nil, http.StatusOK, &hooks)
		if len(hooks.Items) != 1 {
			t.Fatalf("GET /v1/webhooks lists %d webhooks, want 1", len(hooks.Items))
		}
		if hooks.Items[0].DeliveredUpto >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart, delivered up to %d of %d before the deadline", hooks.Items[0].DeliveredUpto, n)
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

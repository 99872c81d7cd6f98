package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/storetest"
)

// waitFor polls cond every 20 ms until it holds or the deadline passes, and
// returns how long it took.
func waitFor(tb testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	tb.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			tb.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestReplicas runs two `huiqi serve` processes on one PostgreSQL database,
// each with its own data folder, and checks that they behave as one huiqi.
func TestReplicas(t *testing.T) {
	url := storetest.PostgresURL(t)
	bin := huiqiBinary(t)
	a := startCrashProcess(t, bin, t.TempDir(), "--db", url)
	b := startCrashProcess(t, bin, t.TempDir(), "--db", url)

	// A subscriber registered through b; a, started first, delivers.
	const secret = "replica-secret-0123456789"
	recv := &pushCrashReceiver{secret: secret, acked: map[string]int{}, codes: map[string]string{}}
	recv.accept.Store(true)
	hook := httptest.NewServer(recv)
	defer hook.Close()
	body, _ := json.Marshal(map[string]string{"url": hook.URL + "/huiqi", "secret": secret})
	b.MustJSON(t, http.MethodPost, "/v1/webhooks", adminToken, string(body), http.StatusCreated, nil)

	t.Run("WriteThroughOneReadThroughOther", func(t *testing.T) {
		a.MustJSON(t, "POST", "/v1/policies", adminToken, crashPolicy, http.StatusCreated, nil)
		a.MustJSON(t, "POST", "/v1/policies/crash-policy/publish", adminToken, "", http.StatusOK, nil)
		es := demo.Enterprises(20, 9, testToday)
		var ndjson bytes.Buffer
		if err := demo.WriteNDJSON(&ndjson, es); err != nil {
			t.Fatal(err)
		}
		var report bulkReport
		a.MustJSON(t, "POST", "/v1/enterprises/bulk", adminToken, ndjson.String(), http.StatusOK, &report)
		want := a.Total(t, "/v1/policies/crash-policy/matches?limit=1", adminToken)
		if want == 0 {
			t.Fatal("the policy matches nobody; the test would prove nothing")
		}
		// The other replica's matcher follows: its matches of an
		// enterprise come from its own memory.
		code := ""
		for _, e := range es {
			if e.Employees != nil && *e.Employees >= 10 {
				code = e.CreditCode
				break
			}
		}
		lag := waitFor(t, time.Second, "replica b matches a profile written through a", func() bool {
			status, body := b.Do(t, "GET", "/v1/enterprises/"+code+"/matches", adminToken, "")
			return status == http.StatusOK && bytes.Contains(body, []byte(`"crash-policy"`))
		})
		t.Logf("replica b matched the write through a after %v", lag)
		if got := b.Total(t, "/v1/policies/crash-policy/matches?limit=1", adminToken); got != want {
			t.Errorf("matches through b = %d, through a %d", got, want)
		}
	})

	t.Run("RacingDisbursements", func(t *testing.T) {
		es := demo.Enterprises(20, 9, testToday)
		code := ""
		for _, e := range es {
			if e.Employees != nil && *e.Employees >= 10 {
				code = e.CreditCode
				break
			}
		}
		var ent, official struct{ Token string }
		a.MustJSON(t, "POST", "/v1/tokens", adminToken, fmt.Sprintf(`{"role": "enterprise", "credit_code": %q}`, code), http.StatusCreated, &ent)
		b.MustJSON(t, "POST", "/v1/tokens", adminToken, `{"role": "official", "department": "泉州市人力资源和社会保障局"}`, http.StatusCreated, &official)
		var app struct{ ID int64 }
		a.MustJSON(t, "POST", "/v1/applications", ent.Token, `{"policy_id": "crash-policy"}`, http.StatusCreated, &app)
		events := fmt.Sprintf("/v1/applications/%d/events", app.ID)
		b.MustJSON(t, "POST", events, official.Token, `{"type": "accept"}`, http.StatusCreated, nil)
		a.MustJSON(t, "POST", events, official.Token, `{"type": "approve"}`, http.StatusCreated, nil)
		var wg sync.WaitGroup
		statuses := make([]int, 12)
		for i := range statuses {
			r := a
			if i%2 == 1 {
				r = b
			}
			wg.Go(func() {
				statuses[i], _ = r.Do(t, "POST", events, official.Token, `{"type": "disburse", "amount": 1000}`)
			})
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				won++
			case http.StatusConflict:
			default:
				t.Errorf("a racing disbursement answered %d, want 201 or 409", s)
			}
		}
		if won != 1 {
			t.Fatalf("%d of 12 racing disbursements across two replicas won, want 1 (%v)", won, statuses)
		}
		var verify struct{ OK bool }
		b.MustJSON(t, "GET", "/v1/audit/verify", adminToken, "", http.StatusOK, &verify)
		if !verify.OK {
			t.Errorf("GET /v1/audit/verify through b = %+v, want ok", verify)
		}
	})

	t.Run("KillDuringBulkImport", func(t *testing.T) {
		const n = 10 * engine.ImportBatchSize
		es := demo.Enterprises(n, 10, testToday)
		var ndjson bytes.Buffer
		if err := demo.WriteNDJSON(&ndjson, es); err != nil {
			t.Fatal(err)
		}
		before := b.Total(t, "/v1/enterprises?limit=1", adminToken)
		go func() {
			req, _ := http.NewRequest("POST", a.URL+"/v1/enterprises/bulk", bytes.NewReader(ndjson.Bytes()))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		// Kill a once part of the import is in.
		waitFor(t, 60*time.Second, "part of the import stored", func() bool {
			return b.Total(t, "/v1/enterprises?limit=1", adminToken) > before
		})
		leading := func(p *crashProcess) bool { return logEntry(p.log.String(), "leading") != nil }
		if !leading(a) || leading(b) {
			t.Fatalf("a leads webhook delivery: %v, b: %v; want a only", leading(a), leading(b))
		}
		a.kill(t)
		killed := time.Now()
		waitFor(t, 10*time.Second, "b takes over webhook delivery", func() bool { return leading(b) })
		t.Logf("b took over webhook delivery %v after a was killed", time.Since(killed))
		// b keeps serving, and what a committed is whole: every profile b
		// lists is matched by b as a would have.
		stored := b.Total(t, "/v1/enterprises?limit=1", adminToken)
		if status, body := b.Do(t, "GET", "/readyz", "", ""); status != http.StatusOK {
			t.Errorf("b after a's death: /readyz = %d %s", status, body)
		}
		t.Logf("a killed with %d of %d profiles of the import stored", stored-before, n)
		// What a stored and died before matching, b matches: the decision
		// record covers every stored profile.
		eligible := 0
		for after := ""; ; {
			var page struct {
				Items []struct {
					Employees *int64 `json:"employees"`
				} `json:"items"`
				Next string `json:"next"`
			}
			b.MustJSON(t, "GET", "/v1/enterprises?limit=1000&after="+after, adminToken, "", http.StatusOK, &page)
			for _, e := range page.Items {
				if e.Employees != nil && *e.Employees >= 10 {
					eligible++
				}
			}
			if after = page.Next; after == "" {
				break
			}
		}
		waitFor(t, 10*time.Second, "b's decision record covers every stored profile", func() bool {
			return b.Total(t, "/v1/policies/crash-policy/matches?limit=1", adminToken) == eligible
		})
		// The restarted replica catches up by itself.
		a = startCrashProcess(t, bin, t.TempDir(), "--db", url)
		if got := a.Total(t, "/v1/enterprises?limit=1", adminToken); got != stored {
			t.Errorf("restarted a lists %d profiles, b %d", got, stored)
		}
	})

	t.Run("WebhookExactlyOnce", func(t *testing.T) {
		// Every notification reaches the subscriber, across the take-over,
		// and none twice.
		var last int64
		waitFor(t, 30*time.Second, "deliveries settle", func() bool {
			var hooks pushCrashWebhooks
			b.MustJSON(t, "GET", "/v1/webhooks", adminToken, "", http.StatusOK, &hooks)
			_, _, acked, _ := recv.snapshot()
			var most int64
			for k := range acked {
				var w, id int64
				fmt.Sscanf(k, "huiqi-%d-%d", &w, &id)
				most = max(most, id)
			}
			settled := len(hooks.Items) == 1 && hooks.Items[0].DeliveredUpto == most && most == last && most > 0
			last = most
			time.Sleep(300 * time.Millisecond) // settled twice in a row is settled for 300 ms
			return settled
		})
		_, badSig, acked, _ := recv.snapshot()
		for k, n := range acked {
			if n != 1 {
				t.Errorf("notification %s acknowledged %d times, want once", k, n)
			}
		}
		if badSig != 0 {
			t.Errorf("%d deliveries with a bad signature", badSig)
		}
		t.Logf("%d notifications delivered once each", len(acked))
	})
}

// proxy forwards TCP connections from a port of its own to target until
// cut, which closes every connection and refuses new ones; mend accepts
// again. It stands for the network between a replica and its database.
type proxy struct {
	target string
	ln     net.Listener
	addr   string

	mu    sync.Mutex
	conns []net.Conn
	down  bool
}

func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &proxy{target: target, ln: ln, addr: ln.Addr().String()}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) mend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// A replica that loses its database says so on /readyz, with the reason,
// and recovers by itself when the database is back.
func TestReplica_DatabaseLost(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	dbURL := storetest.PostgresURL(t)
	u, err := neturl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, u.Host)
	u.Host = px.addr
	s := MustRunServe(t, t.TempDir(), "--db", u.String())
	waitFor(t, 30*time.Second, "/readyz answers 200", func() bool {
		status, _ := s.Do(t, "GET", "/readyz", "", "")
		return status == http.StatusOK
	})

	px.cut()
	var r struct{ Status, Reason string }
	waitFor(t, 10*time.Second, "/readyz answers 503", func() bool {
		status, body := s.Do(t, "GET", "/readyz", "", "")
		json.Unmarshal(body, &r)
		return status == http.StatusServiceUnavailable
	})
	if r.Reason == "" {
		t.Errorf("/readyz without the database gives no reason: %+v", r)
	}
	t.Logf("/readyz without the database: %+v", r)

	px.mend()
	waitFor(t, 10*time.Second, "/readyz answers 200 again", func() bool {
		status, _ := s.Do(t, "GET", "/readyz", "", "")
		return status == http.StatusOK
	})
	if got := s.Total(t, "/v1/policies?limit=1", ""); got != catalogueCount(t) {
		t.Errorf("after recovery, policies = %d, want the catalogue's %d", got, catalogueCount(t))
	}
}

// huiqi migrate copies a data folder into PostgreSQL, checks the copy, and
// a server on the copy answers as the one on the folder did.
func TestMigrate(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	url := storetest.PostgresURL(t)
	dir := t.TempDir()
	s := MustRunServe(t, dir)
	want := map[string]int{}
	for _, path := range []string{"/v1/policies?limit=1", "/v1/enterprises?limit=1", "/v1/applications?limit=1", "/v1/policies/jj-footwear-garment-upgrade/matches?limit=1"} {
		want[path] = s.Total(t, path, adminToken)
	}
	var verify struct {
		OK      bool `json:"ok"`
		Checked int  `json:"checked"`
	}
	s.MustJSON(t, "GET", "/v1/audit/verify", adminToken, "", http.StatusOK, &verify)
	if err := s.Stop(t); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runCLI(t, "migrate", "--from", dir, "--to", url)
	if err != nil {
		t.Fatalf("huiqi migrate: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "row counts equal") || !strings.Contains(stderr, "enterprises: ") {
		t.Errorf("huiqi migrate printed %q, progress %q", stdout, stderr)
	}
	if _, _, err := runCLI(t, "migrate", "--from", dir, "--to", url); err == nil {
		t.Errorf("a second huiqi migrate into the same database succeeded, want refused")
	}

	p := MustRunServe(t, t.TempDir(), "--db", url)
	for path, n := range want {
		if got := p.Total(t, path, adminToken); got != n {
			t.Errorf("%s on the copy = %d, on the folder %d", path, got, n)
		}
	}
	var got struct {
		OK      bool `json:"ok"`
		Checked int  `json:"checked"`
	}
	p.MustJSON(t, "GET", "/v1/audit/verify", adminToken, "", http.StatusOK, &got)
	if !got.OK || got.Checked != verify.Checked || verify.Checked == 0 {
		t.Errorf("audit verify on the copy = %+v, on the folder %+v", got, verify)
	}
}

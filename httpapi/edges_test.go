package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
)

// withLimits configures a test server's throttles.
func withLimits(l httpapi.Limits) func(*httpapi.Server) {
	return func(s *httpapi.Server) { s.SetLimits(l) }
}

// countStatus sends n requests and counts the answers by status.
func countStatus(t *testing.T, n int, send func(i int) apiResponse) map[int]int {
	t.Helper()
	got := map[int]int{}
	for i := range n {
		r := send(i)
		got[r.Status]++
		if r.Status == http.StatusTooManyRequests {
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("429 without a Retry-After in seconds: %q", r.Header.Get("Retry-After"))
			}
		}
	}
	return got
}

// Wrong tokens from one address are answered 401 until the address has
// spent its failures, then 429 with Retry-After, before any token is
// looked at; the refusals show in /metrics.
func TestThrottle_AuthFailures(t *testing.T) {
	s := mustAPIServer(t, withLimits(httpapi.Limits{AuthFailures: httpapi.Rate{Events: 10, Period: time.Minute}, MaxClients: 100}))
	got := countStatus(t, 1000, func(i int) apiResponse {
		return s.do(t, "GET", "/v1/policies", fmt.Sprintf("hq_wrong-%d", i), nil)
	})
	t.Logf("1000 wrong tokens: %v", got)
	if got[http.StatusUnauthorized] != 10 || got[http.StatusTooManyRequests] != 990 {
		t.Errorf("1000 wrong tokens: %v, want 10 × 401 and 990 × 429", got)
	}
	// The web sign-in from the same address is refused too.
	if got := newSignIn(t, s.URL()).try(t, "hq_wrong"); got != http.StatusTooManyRequests {
		t.Errorf("web sign-in after the failures = %d, want 429", got)
	}
	m := s.mustDo(t, "GET", "/metrics", "", nil, http.StatusOK, nil) // no credentials: not throttled
	if want := `huiqi_throttled_total{limit="auth_failures"} 991`; !strings.Contains(string(m.Body), want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

// signIn is a browser at the sign-in form: its pre-session cookie and the
// form's CSRF token.
type signIn struct {
	client *http.Client
	base   string
	csrf   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newSignIn(t *testing.T, base string) *signIn {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in form (%d)", resp.StatusCode)
	}
	return &signIn{client: c, base: base, csrf: string(m[1])}
}

// try posts the form with a token and returns the status.
func (si *signIn) try(t *testing.T, token string) int {
	t.Helper()
	resp, err := si.client.PostForm(si.base+"/ui/login", url.Values{"csrf": {si.csrf}, "token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A web sign-in with wrong tokens is throttled per address like the API.
func TestThrottle_WebLogins(t *testing.T) {
	s := mustAPIServer(t, withLimits(httpapi.Limits{AuthFailures: httpapi.Rate{Events: 10, Period: time.Minute}, MaxClients: 100}))
	si := newSignIn(t, s.URL())
	got := map[int]int{}
	for range 300 {
		got[si.try(t, "hq_wrong")]++
	}
	t.Logf("300 web sign-ins: %v", got)
	if got[http.StatusUnauthorized] != 10 || got[http.StatusTooManyRequests] != 290 {
		t.Errorf("300 failed web sign-ins: %v, want 10 × 401, 290 × 429", got)
	}
}

// Anonymous calculator calls, 32 at a time, are throttled per address; a
// token's calls are not.
func TestThrottle_Anonymous(t *testing.T) {
	s := mustAPIServer(t, withLimits(httpapi.Limits{Anonymous: httpapi.Rate{Events: 300, Period: time.Minute}, MaxClients: 100}))
	var (
		mu  sync.Mutex
		got = map[int]int{}
		wg  sync.WaitGroup
	)
	work := make(chan int)
	for range 32 {
		wg.Go(func() {
			for range work {
				r := apiSendQuiet(s.URL()+"/v1/match", "", `{"credit_code":"`+apiCode(1)+`","name":"试算","region":"350582","industry":"C1952","founded_on":"2015-01-01"}`)
				mu.Lock()
				got[r]++
				mu.Unlock()
			}
		})
	}
	for i := range 3000 {
		work <- i
	}
	close(work)
	wg.Wait()
	t.Logf("3000 anonymous calculator calls, 32 in parallel: %v", got)
	if got[http.StatusOK] != 300 || got[http.StatusTooManyRequests] != 2700 {
		t.Errorf("3000 anonymous calls: %v, want 300 × 200 and 2700 × 429", got)
	}
	s.mustDo(t, "GET", "/v1/policies/search?q=%E8%A1%A5%E8%B4%B4", "", nil, http.StatusTooManyRequests, nil)
	s.mustDo(t, "POST", "/v1/match", s.Admin, apiProfile(apiCode(1)), http.StatusOK, nil)
	r := s.mustDo(t, "GET", "/metrics", "", nil, http.StatusOK, nil)
	for _, want := range []string{`huiqi_throttled_total{limit="anonymous"} 27`, `huiqi_rate_limit_per_second{limit="anonymous"} 5`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// apiSendQuiet posts body and returns the status, for many requests at once.
func apiSendQuiet(u, token, body string) int {
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Bulk imports are throttled per token: another token goes on.
func TestThrottle_BulkPerToken(t *testing.T) {
	s := mustAPIServer(t, withLimits(httpapi.Limits{Bulk: httpapi.Rate{Events: 3, Period: time.Minute}, MaxClients: 100}))
	other := s.mustToken(t, huiqi.RoleAdmin, "", "")
	line := []byte(`{"credit_code":"` + apiCode(1) + `","name":"批量","region":"350582","industry":"C1952","founded_on":"2015-01-01"}`)
	got := countStatus(t, 10, func(int) apiResponse { return s.do(t, "POST", "/v1/enterprises/bulk", s.Admin, line) })
	if got[http.StatusOK] != 3 || got[http.StatusTooManyRequests] != 7 {
		t.Errorf("10 bulk imports of one token: %v, want 3 × 200, 7 × 429", got)
	}
	s.mustDo(t, "POST", "/v1/enterprises/bulk", other, line, http.StatusOK, nil)
}

// The throttles keep at most MaxClients buckets however many addresses
// call; the oldest are dropped.
func TestThrottle_BoundedMemory(t *testing.T) {
	s := newServer(mustAPIServer(t).Eng)
	s.Logger = apiQuiet
	s.SetLimits(httpapi.Limits{Anonymous: httpapi.Rate{Events: 1, Period: time.Hour}, MaxClients: 50})
	h := s.Handler()
	for i := range 1000 {
		req, _ := http.NewRequest("POST", "/v1/match", strings.NewReader(`{}`))
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.1:1234", i/250, i%250)
		h.ServeHTTP(&discardWriter{h: http.Header{}}, req)
	}
	if n := s.ThrottleBuckets(); n > 50*3 {
		t.Errorf("%d buckets after 1000 addresses, want at most 50 per throttle", n)
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// Anonymous scrapes see clock figures summed over departments, never one
// department's; an official sees its own, an admin all; /readyz shows no
// database error.
func TestMetrics_PrivateFigures(t *testing.T) {
	s := mustAPIServer(t, func(srv *httpapi.Server) { srv.MetricsAddr = "127.0.0.1:0" })
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("private-a", apiDeptA), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/policies/private-a/publish", s.Admin, nil, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/enterprises", s.Admin, apiProfile(apiCode(3)), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/applications", s.Admin, map[string]any{"policy_id": "private-a", "credit_code": apiCode(3)}, http.StatusCreated, nil)
	dept := `huiqi_applications_by_clock_status{department="` + apiDeptA + `",status="overdue"}`
	total := `huiqi_applications_by_clock_status_total{status="overdue"} 0`
	offA := s.mustToken(t, huiqi.RoleOfficial, apiDeptA, "")
	offB := s.mustToken(t, huiqi.RoleOfficial, apiDeptB, "")
	ent := s.mustToken(t, huiqi.RoleEnterprise, "", apiCode(3))
	for _, tt := range []struct {
		who, token string
		sees       bool
	}{{"anonymous", "", false}, {"enterprise", ent, false}, {"other department", offB, false}, {"own department", offA, true}, {"admin", s.Admin, true}} {
		body := string(s.mustDo(t, "GET", "/metrics", tt.token, nil, http.StatusOK, nil).Body)
		if strings.Contains(body, dept) != tt.sees || !strings.Contains(body, total) {
			t.Errorf("/metrics as %s: department figures shown %v, want %v; totals shown %v", tt.who, strings.Contains(body, dept), tt.sees, strings.Contains(body, total))
		}
	}
	resp, err := http.Get(s.MetricsURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		sb.WriteString(sc.Text() + "\n")
	}
	resp.Body.Close()
	if !strings.Contains(sb.String(), dept) {
		t.Errorf("the metrics address lacks %q", dept)
	}

	// The database file turns to garbage under the server.
	for _, suffix := range []string{"", "-wal"} {
		if err := os.WriteFile(s.Path+suffix, []byte(strings.Repeat("garbage!", 1024)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := s.do(t, "GET", "/readyz", "", nil)
	t.Logf("/readyz over a broken database: %d %s", r.Status, r.Body)
	if r.Status != http.StatusServiceUnavailable || strings.Contains(string(r.Body), "sql") || strings.Contains(string(r.Body), "database disk") || strings.Contains(string(r.Body), "not a database") {
		t.Errorf("/readyz with the database closed = %d %s, want 503 without the database's error", r.Status, r.Body)
	}
}

// A body that trickles in is cut off once it falls behind the minimum
// rate; one that keeps up is read whole.
func TestBodyRate(t *testing.T) {
	s := mustAPIServer(t, func(srv *httpapi.Server) {
		srv.BodyRate = httpapi.BodyRate{Grace: 200 * time.Millisecond, MinRate: 64 << 10, Window: 1 << 10}
	})
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	// Send nothing more: the server must give up on the body by itself.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		resp.Body.Close()
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a stalled body held the connection %v (response %v, %v)", took, resp != nil, err)
	} else {
		t.Logf("stalled body dropped after %v (response %v, %v)", took.Round(time.Millisecond), resp != nil, err)
	}
	// A 1 MiB bulk body at full speed goes through.
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, `{"credit_code":"%s","name":"批量","region":"350582","industry":"C1952","founded_on":"2015-01-01"}`+"\n", apiCode(1+i%50))
	}
	s.mustDo(t, "POST", "/v1/enterprises/bulk", s.Admin, []byte(b.String()), http.StatusOK, nil)
}

// A bulk line over 1 MiB is that line's error; the lines before and after
// it are kept, and the answer is the report, not a 500.
func TestBulk_LongLine(t *testing.T) {
	s := mustAPIServer(t, func(srv *httpapi.Server) { srv.BodyLimit = 4 << 20 })
	ok := func(i int) string {
		return `{"credit_code":"` + apiCode(i) + `","name":"批量","region":"350582","industry":"C1952","founded_on":"2015-01-01"}`
	}
	body := ok(1) + "\n" + `{"name": "` + strings.Repeat("长", 1<<19) + `"}` + "\n" + ok(2) + "\n"
	var report struct {
		Accepted, Rejected int
		Errors             []struct {
			Line int
			Code string
		}
	}
	s.mustDo(t, "POST", "/v1/enterprises/bulk", s.Admin, []byte(body), http.StatusOK, &report)
	if report.Accepted != 2 || report.Rejected != 1 || len(report.Errors) != 1 || report.Errors[0].Line != 2 || report.Errors[0].Code != huiqi.EInvalid {
		t.Errorf("report = %+v, want 2 accepted and line 2 refused", report)
	}
}

// Tokens are listed without secrets, with when each was last used; a
// revoked token stops at once, for the API and for a web session signed in
// with it; an expiry must lie ahead.
func TestTokens_ListRevoke(t *testing.T) {
	s := mustAPIServer(t)
	var created struct {
		Token string `json:"token"`
		ID    int64  `json:"id"`
	}
	s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "official", "department": apiDeptA}, http.StatusCreated, &created)
	s.mustDo(t, "GET", "/v1/policies", created.Token, nil, http.StatusOK, nil)
	r := s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "auditor", "expires_at": apiNow.Add(-time.Minute)}, http.StatusBadRequest, nil)
	if f := r.apiError(t).Field; f != "expires_at" {
		t.Errorf("expiry in the past: field %q, want expires_at", f)
	}
	s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "auditor", "expires_at": apiNow.Add(time.Hour)}, http.StatusCreated, nil)

	var list struct {
		Items []struct {
			ID         int64      `json:"id"`
			Role       string     `json:"role"`
			LastUsedAt *time.Time `json:"last_used_at"`
			ExpiresAt  time.Time  `json:"expires_at"`
		} `json:"items"`
	}
	lr := s.mustDo(t, "GET", "/v1/tokens", s.Admin, nil, http.StatusOK, &list)
	if strings.Contains(string(lr.Body), created.Token) || strings.Contains(string(lr.Body), s.Admin) || strings.Contains(string(lr.Body), "hash") {
		t.Errorf("GET /v1/tokens shows a secret: %s", lr.Body)
	}
	if len(list.Items) != 3 || list.Items[1].ID != created.ID || list.Items[1].LastUsedAt == nil || list.Items[2].ExpiresAt.IsZero() {
		t.Errorf("GET /v1/tokens = %s, want 3 tokens, the official's used, the auditor's expiring", lr.Body)
	}
	s.mustDo(t, "GET", "/v1/tokens", created.Token, nil, http.StatusForbidden, nil)
	s.mustDo(t, "DELETE", "/v1/tokens/"+strconv.FormatInt(created.ID, 10), created.Token, nil, http.StatusForbidden, nil)

	// A web session of the token.
	si := newSignIn(t, s.URL())
	if got := si.try(t, created.Token); got != http.StatusSeeOther {
		t.Fatalf("web sign-in = %d, want 303", got)
	}
	dash := func() int {
		resp, err := si.client.Get(s.URL() + "/ui/dashboard")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := dash(); got != http.StatusOK {
		t.Fatalf("dashboard signed in = %d", got)
	}
	s.mustDo(t, "DELETE", "/v1/tokens/"+strconv.FormatInt(created.ID, 10), s.Admin, nil, http.StatusNoContent, nil)
	s.mustDo(t, "GET", "/v1/policies", created.Token, nil, http.StatusUnauthorized, nil)
	if got := dash(); got == http.StatusOK {
		t.Errorf("dashboard after the token was revoked = %d, want the session ended", got)
	}
	s.mustDo(t, "DELETE", "/v1/tokens/999", s.Admin, nil, http.StatusNotFound, nil)
	s.mustDo(t, "DELETE", "/v1/tokens/x", s.Admin, nil, http.StatusBadRequest, nil)
}

// Checkpoints are signed on demand, listed for auditors and checked
// against the event log; a checkpoint altered after signing is refused.
func TestCheckpoints_API(t *testing.T) {
	s := mustAPIServer(t)
	s.mustDo(t, "POST", "/v1/audit/checkpoints", s.Admin, nil, http.StatusServiceUnavailable, nil) // no key yet
	key, err := engine.LoadSigningKey(filepath.Join(t.TempDir(), "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	s.Eng.Signer = key
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("cp-a", apiDeptA), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/policies/cp-a/publish", s.Admin, nil, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/enterprises", s.Admin, apiProfile(apiCode(3)), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/applications", s.Admin, map[string]any{"policy_id": "cp-a", "credit_code": apiCode(3)}, http.StatusCreated, nil)
	var cp map[string]any
	s.mustDo(t, "POST", "/v1/audit/checkpoints", s.Admin, nil, http.StatusCreated, &cp)
	auditor := s.mustToken(t, huiqi.RoleAuditor, "", "")
	var list struct{ Items []map[string]any }
	s.mustDo(t, "GET", "/v1/audit/checkpoints", auditor, nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0]["head"] != cp["head"] {
		t.Errorf("GET /v1/audit/checkpoints = %+v, want the one signed", list)
	}
	s.mustDo(t, "GET", "/v1/audit/checkpoints", s.mustToken(t, huiqi.RoleOfficial, apiDeptA, ""), nil, http.StatusForbidden, nil)
	var v struct {
		OK     bool
		Events int
	}
	s.mustDo(t, "POST", "/v1/audit/checkpoints/verify", auditor, cp, http.StatusOK, &v)
	if !v.OK || v.Events != 1 {
		t.Errorf("verify = %+v, want ok over 1 event", v)
	}
	cp["events"] = 0
	r := s.mustDo(t, "POST", "/v1/audit/checkpoints/verify", auditor, cp, http.StatusBadRequest, nil)
	if f := r.apiError(t).Field; f != "signature" {
		t.Errorf("altered checkpoint: field %q, want signature", f)
	}
}

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	main "github.com/huiqi/huiqi/cmd/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/policies"
)

// adminToken is the HUIQI_ADMIN_TOKEN of these tests.
const adminToken = "test-admin-token-0123456789"

// testNow is the clock of the servers these tests run in process, and
// testToday the day their generated profiles are as of: the bundled
// catalogue's validity windows do not move under the tests.
var (
	testNow   = time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)
	testToday = huiqi.DateOf(testNow)
)

// catalogueDir is the bundled demo catalogue, relative to this package.
const catalogueDir = "../../policies/catalogue"

// syncBuffer is a bytes.Buffer safe for the server's log writes and the
// test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logEntry returns the first JSON log entry with the message msg, or nil.
func logEntry(log, msg string) map[string]any {
	for _, line := range strings.Split(log, "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && e["msg"] == msg {
			return e
		}
	}
	return nil
}

// Server is huiqi serve running in the test process via Run.
type Server struct {
	URL    string
	Log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// MustRunServe runs `huiqi serve` on dataDir at a free port with the given
// extra flags, on the fixed clock testNow, and waits until it listens. The
// server is stopped at cleanup if the test has not stopped it.
func MustRunServe(tb testing.TB, dataDir string, flags ...string) *Server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Log: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	cmd := &main.ServeCommand{
		Stdout: io.Discard, Stderr: s.Log,
		Now:   func() time.Time { return testNow },
		Ready: func(url string) { ready <- url },
	}
	args := append([]string{"--addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "json"}, flags...)
	go func() { s.done <- cmd.Run(ctx, args) }()
	tb.Cleanup(func() { s.Stop(tb) })
	select {
	case s.URL = <-ready:
		return s
	case err := <-s.done:
		s.done <- err
		tb.Fatalf("huiqi serve exited before listening: %v\n%s", err, s.Log)
	case <-time.After(60 * time.Second):
		tb.Fatalf("huiqi serve did not listen within 60s:\n%s", s.Log)
	}
	return nil
}

// Stop cancels the server's context and returns what Run returned; a
// second call returns the same.
func (s *Server) Stop(tb testing.TB) error {
	tb.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		tb.Fatalf("Run did not return within 30s of cancel")
		return nil
	}
}

var client = &http.Client{Timeout: 60 * time.Second}

// Do sends a request with an optional bearer token and JSON body and returns
// the status and response body.
func (s *Server) Do(tb testing.TB, method, path, token, body string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// MustJSON sends a request, requires the status and decodes the JSON answer
// into v.
func (s *Server) MustJSON(tb testing.TB, method, path, token, body string, status int, v any) {
	tb.Helper()
	got, b := s.Do(tb, method, path, token, body)
	if got != status {
		tb.Fatalf("%s %s = %d %s, want %d", method, path, got, b, status)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// Total returns the total of a paged list.
func (s *Server) Total(tb testing.TB, path, token string) int {
	tb.Helper()
	var list struct {
		Total *int `json:"total"`
	}
	s.MustJSON(tb, "GET", path, token, "", http.StatusOK, &list)
	if list.Total == nil {
		tb.Fatalf("GET %s has no total", path)
	}
	return *list.Total
}

// runCLI runs a subcommand in the test process and returns its output.
func runCLI(tb testing.TB, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err = main.Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// catalogueCount returns how many policy files the bundled catalogue holds.
func catalogueCount(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir(catalogueDir)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			n++
		}
	}
	if n == 0 {
		tb.Fatal("no catalogue files")
	}
	return n
}

// shoeMaker is the README's 晋江 shoe maker: 3000万元 revenue, 120万元 研发费用, a 科技型中小企业.
const shoeMaker = `{
	"name": "示例鞋业", "region": "350582", "industry": "C1952",
	"founded_on": "2015-01-01", "employees": 120, "revenue": 30000000,
	"total_assets": 20000000, "rd_expense": 1200000,
	"tags": ["hightech", "tech_sme", "park_resident", "insured_full"]}`

type matchResult struct {
	AsOf     string `json:"as_of"`
	Eligible []struct {
		PolicyID    string   `json:"policy_id"`
		Version     int      `json:"version"`
		Title       string   `json:"title"`
		Amount      *float64 `json:"amount"`
		Recommended bool     `json:"recommended"`
		Conditions  []struct {
			Label string `json:"label"`
			Pass  bool   `json:"pass"`
		} `json:"conditions"`
	} `json:"eligible"`
	NearMisses []struct {
		PolicyID string `json:"policy_id"`
	} `json:"near_misses"`
}

func TestServe(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	dir := t.TempDir()
	policyCount := catalogueCount(t)

	s := MustRunServe(t, dir)
	if logEntry(s.Log.String(), "demo catalogue loaded") == nil {
		t.Errorf("first start on a new folder did not log the demo load:\n%s", s.Log)
	}

	var health struct{ Status, Version string }
	s.MustJSON(t, "GET", "/healthz", "", "", http.StatusOK, &health)
	if health.Status != "ok" || health.Version != main.Version {
		t.Errorf("GET /healthz = %+v, want ok and version %q", health, main.Version)
	}

	if got := s.Total(t, "/v1/policies?limit=1", ""); got != policyCount {
		t.Errorf("published policies = %d, want %d (catalogue files)", got, policyCount)
	}
	if got := s.Total(t, "/v1/enterprises?limit=1", adminToken); got != main.DemoEnterprises {
		t.Errorf("enterprises = %d, want %d", got, main.DemoEnterprises)
	}
	if code, body := s.Do(t, "GET", "/v1/enterprises", "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/enterprises without token = %d %s, want 401", code, body)
	}
	if code, body := s.Do(t, "GET", "/v1/enterprises", "wrong-token-0123456789", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/enterprises with a bad token = %d %s, want 401", code, body)
	}

	t.Run("Match", func(t *testing.T) {
		var r matchResult
		s.MustJSON(t, "POST", "/v1/match", "", shoeMaker, http.StatusOK, &r)
		if len(r.Eligible) == 0 {
			t.Fatalf("POST /v1/match for a 晋江 shoe maker: no eligible policy")
		}
		found := false
		for i, v := range r.Eligible {
			if i > 0 && amountOf(v.Amount) > amountOf(r.Eligible[i-1].Amount) {
				t.Errorf("eligible not ordered by amount: %s before %s", r.Eligible[i-1].PolicyID, v.PolicyID)
			}
			if v.PolicyID == "qz-tech-sme-rd-subsidy" {
				found = true
				for _, c := range v.Conditions {
					if !c.Pass {
						t.Errorf("eligible %s has a failing condition %q", v.PolicyID, c.Label)
					}
				}
				// 10% of 120万元 研发费用.
				if v.Amount == nil || *v.Amount != 120000 {
					t.Errorf("qz-tech-sme-rd-subsidy amount = %v, want 120000", v.Amount)
				}
			}
		}
		if !found {
			t.Errorf("POST /v1/match: qz-tech-sme-rd-subsidy not eligible for a 晋江 shoe maker: %+v", r.Eligible)
		}
		if got := s.Total(t, "/v1/enterprises?limit=1", adminToken); got != main.DemoEnterprises {
			t.Errorf("after POST /v1/match, enterprises = %d, want %d: the calculator stores nothing", got, main.DemoEnterprises)
		}
		code, body := s.Do(t, "POST", "/v1/match", "", `{"name": "x", "region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "revenue": 1.234}`)
		if code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"revenue"`) {
			t.Errorf("POST /v1/match with a 3-decimal revenue = %d %s, want 400 naming revenue", code, body)
		}
	})

	var officialToken string
	t.Run("TokenCreate", func(t *testing.T) {
		stdout, _, err := runCLI(t, "token", "create", "--data", dir, "--role", "official", "--department", "泉州市工业和信息化局")
		if err != nil {
			t.Fatalf("huiqi token create: %v", err)
		}
		officialToken = strings.TrimSpace(stdout)
		if officialToken == "" || strings.Contains(officialToken, "\n") {
			t.Fatalf("huiqi token create printed %q, want one token", stdout)
		}
		// The token, created beside the running server, works over HTTP.
		if got := s.Total(t, "/v1/enterprises?limit=1", officialToken); got != main.DemoEnterprises {
			t.Errorf("enterprises seen by the official = %d, want %d", got, main.DemoEnterprises)
		}
		if code, body := s.Do(t, "POST", "/v1/tokens", officialToken, `{"role": "admin"}`); code != http.StatusForbidden {
			t.Errorf("official POST /v1/tokens = %d %s, want 403", code, body)
		}
		if _, _, err := runCLI(t, "token", "create", "--data", dir, "--role", "official"); err == nil {
			t.Error("huiqi token create --role official without --department = nil error")
		}
		if _, _, err := runCLI(t, "token", "create", "--data", dir, "--role", "king"); err == nil {
			t.Error("huiqi token create --role king = nil error")
		}
	})

	if err := s.Stop(t); err != nil {
		t.Fatalf("Run after cancel = %v, want nil (graceful shutdown)", err)
	}
	if logEntry(s.Log.String(), "shutting down") == nil {
		t.Errorf("shutdown not logged:\n%s", s.Log)
	}
	if code, _, err := tryGet(s.URL + "/healthz"); err == nil {
		t.Errorf("GET /healthz after shutdown = %d, want the connection refused", code)
	}

	// Start again on the same folder: the demo is not loaded twice, and
	// what was stored is still there.
	s = MustRunServe(t, dir)
	log := s.Log.String()
	if logEntry(log, "demo catalogue loaded") != nil {
		t.Errorf("second start loaded the demo again:\n%s", log)
	}
	serving := logEntry(log, "huiqi serving")
	if _, ok := serving["startup_ms"].(float64); !ok || serving["data"] != dir {
		t.Errorf("startup log %v lacks startup_ms or the data folder %s", serving, dir)
	}
	if serving["policies"] != float64(policyCount) || serving["enterprises"] != float64(main.DemoEnterprises) {
		t.Errorf("startup log says %v policies, %v enterprises; want %d, %d", serving["policies"], serving["enterprises"], policyCount, main.DemoEnterprises)
	}
	if got := s.Total(t, "/v1/policies?limit=1", ""); got != policyCount {
		t.Errorf("after restart, published policies = %d, want %d", got, policyCount)
	}
	if got := s.Total(t, "/v1/enterprises?limit=1", adminToken); got != main.DemoEnterprises {
		t.Errorf("after restart, enterprises = %d, want %d", got, main.DemoEnterprises)
	}
	if officialToken != "" {
		if got := s.Total(t, "/v1/enterprises?limit=1", officialToken); got != main.DemoEnterprises {
			t.Errorf("after restart, the official token sees %d enterprises, want %d", got, main.DemoEnterprises)
		}
	}
	var r matchResult
	s.MustJSON(t, "POST", "/v1/match", "", shoeMaker, http.StatusOK, &r)
	if len(r.Eligible) == 0 {
		t.Error("after restart, POST /v1/match finds no eligible policy")
	}
	if err := s.Stop(t); err != nil {
		t.Errorf("second Run after cancel = %v, want nil", err)
	}
}

func amountOf(a *float64) float64 {
	if a == nil {
		return -1
	}
	return *a
}

func tryGet(url string) (int, []byte, error) {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func TestServe_NoDemo(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	dir := t.TempDir()
	s := MustRunServe(t, dir, "--demo=false")
	if got := s.Total(t, "/v1/policies", ""); got != 0 {
		t.Errorf("--demo=false: published policies = %d, want 0", got)
	}
	if got := s.Total(t, "/v1/enterprises", adminToken); got != 0 {
		t.Errorf("--demo=false: enterprises = %d, want 0", got)
	}
	var r matchResult
	s.MustJSON(t, "POST", "/v1/match", "", shoeMaker, http.StatusOK, &r)
	if len(r.Eligible) != 0 {
		t.Errorf("--demo=false: POST /v1/match finds %d eligible policies, want none", len(r.Eligible))
	}
	if err := s.Stop(t); err != nil {
		t.Fatal(err)
	}
	if logEntry(s.Log.String(), "demo catalogue loaded") != nil {
		t.Errorf("--demo=false loaded the demo:\n%s", s.Log)
	}

	// A folder that holds data is never given the demo, even when asked.
	if _, _, err := runCLI(t, "import", "enterprises", "--data", dir, writeNDJSON(t, demo.Enterprises(3, 11, testToday))); err != nil {
		t.Fatal(err)
	}
	s = MustRunServe(t, dir)
	if got := s.Total(t, "/v1/policies", ""); got != 0 {
		t.Errorf("demo on a folder with enterprises: published policies = %d, want 0", got)
	}
	if got := s.Total(t, "/v1/enterprises", adminToken); got != 3 {
		t.Errorf("demo on a folder with enterprises: enterprises = %d, want 3", got)
	}
}

// The throttles' limits come from HUIQI_RATE_* (or the flags), take
// effect, and show in /metrics.
func TestServe_RateLimits(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	t.Setenv("HUIQI_RATE_AUTH_FAILURES", "2/1m")
	t.Setenv("HUIQI_RATE_ANONYMOUS", "off")
	s := MustRunServe(t, t.TempDir(), "--demo=false", "--rate-bulk", "4/1h")
	var got []int
	for range 3 {
		code, _ := s.Do(t, "GET", "/v1/enterprises", "wrong-token-0123456789", "")
		got = append(got, code)
	}
	if diff := cmp.Diff([]int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests}, got); diff != "" {
		t.Errorf("three wrong tokens under HUIQI_RATE_AUTH_FAILURES=2/1m (-want +got):\n%s", diff)
	}
	_, metrics := s.Do(t, "GET", "/metrics", "", "")
	for _, want := range []string{
		`huiqi_rate_limit_per_second{limit="auth_failures"} 0.03333`,
		`huiqi_rate_limit_per_second{limit="bulk"} 0.00111`,
		`huiqi_rate_limit_per_second{limit="anonymous"} 0`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestServe_Errors(t *testing.T) {
	t.Run("ShortAdminToken", func(t *testing.T) {
		t.Setenv("HUIQI_ADMIN_TOKEN", "short")
		_, _, err := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo=false")
		if err == nil {
			t.Error("serve with a 5-character HUIQI_ADMIN_TOKEN = nil error")
		}
	})
	t.Run("BadAddr", func(t *testing.T) {
		_, _, err := runCLI(t, "serve", "--addr", "127.0.0.1:99999", "--data", t.TempDir(), "--demo=false")
		if err == nil {
			t.Error("serve --addr 127.0.0.1:99999 = nil error")
		}
	})
	t.Run("BadRateVariable", func(t *testing.T) {
		t.Setenv("HUIQI_RATE_AUTH_FAILURES", "ten a minute")
		_, _, err := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo=false")
		if err == nil || !strings.Contains(err.Error(), "HUIQI_RATE_AUTH_FAILURES") {
			t.Errorf("serve with HUIQI_RATE_AUTH_FAILURES=\"ten a minute\" = %v, want an error naming the variable", err)
		}
	})
	t.Run("UnknownFlag", func(t *testing.T) {
		_, stderr, err := runCLI(t, "serve", "--port", "8080")
		if err == nil || !strings.Contains(stderr, "Usage: huiqi serve") {
			t.Errorf("serve --port = %v, stderr %q; want an error and the usage", err, stderr)
		}
	})
}

// writeNDJSON writes profiles to a temporary .ndjson file and returns its
// path.
func writeNDJSON(tb testing.TB, es []*huiqi.Enterprise, extra ...string) string {
	tb.Helper()
	var b bytes.Buffer
	if err := demo.WriteNDJSON(&b, es); err != nil {
		tb.Fatal(err)
	}
	for _, line := range extra {
		b.WriteString(line + "\n")
	}
	path := filepath.Join(tb.TempDir(), "profiles.ndjson")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestImportEnterprises(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)

	t.Run("NDJSON", func(t *testing.T) {
		dir := t.TempDir()
		es := demo.Enterprises(40, 5, testToday)
		// Lines 41-45: a bad region, blank, an unknown field, broken JSON,
		// and a changed copy of line 1 (the later line wins).
		first := *es[0]
		first.Name = "改名后的企业"
		changed, _ := json.Marshal(&first)
		path := writeNDJSON(t, es,
			`{"credit_code": "913505007173546744", "name": "x", "region": "999999", "industry": "C1952", "founded_on": "2015-01-01"}`,
			``,
			`{"credit_code": "913505007173546744", "name": "x", "region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "staff": 3}`,
			`{"credit_code": `,
			string(changed),
		)
		stdout, _, err := runCLI(t, "import", "enterprises", "--data", dir, path)
		if err != nil {
			t.Fatalf("import enterprises: %v\n%s", err, stdout)
		}
		for _, want := range []string{"line 41: region: ", "line 43: staff: ", "line 44: : ", "41 accepted, 3 rejected"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("import report lacks %q:\n%s", want, stdout)
			}
		}

		s := MustRunServe(t, dir, "--demo=false")
		if got := s.Total(t, "/v1/enterprises?limit=1", adminToken); got != 40 {
			t.Errorf("after import, enterprises = %d, want 40", got)
		}
		var e struct{ Name string }
		s.MustJSON(t, "GET", "/v1/enterprises/"+first.CreditCode, adminToken, "", http.StatusOK, &e)
		if e.Name != "改名后的企业" {
			t.Errorf("enterprise %s name = %q, want the later line's", first.CreditCode, e.Name)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		dir := t.TempDir()
		es := demo.Enterprises(5, 6, testToday)
		var b strings.Builder
		b.WriteString("\ufeffcredit_code,name,region,industry,founded_on,employees,revenue,tags,dishonest\n")
		for _, e := range es {
			employees, revenue := "", ""
			if e.Employees != nil {
				employees = fmt.Sprint(*e.Employees)
			}
			if e.Revenue != nil {
				revenue = e.Revenue.String()
			}
			fmt.Fprintf(&b, "%s,\"%s\",%s,%s,%s,%s,%s,%s,false\n", e.CreditCode, e.Name, e.Region, e.Industry, e.FoundedOn, employees, revenue, strings.Join(e.Tags, ";"))
		}
		b.WriteString("913505007173546744,坏地区,999999,C1952,2015-01-01,10,100,,\n")             // line 7
		b.WriteString("913505007173546744,少一列,350582,C1952,2015-01-01,10,100\n")               // line 8
		b.WriteString("913505007173546744,金额三位小数,350582,C1952,2015-01-01,10,1.005,,\n")        // line 9
		b.WriteString("913505007173546744,标签,350582,C1952,2015-01-01,10,100,hightech;nope,\n") // line 10
		path := filepath.Join(t.TempDir(), "profiles.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, _, err := runCLI(t, "import", "enterprises", "--data", dir, path)
		if err != nil {
			t.Fatalf("import enterprises (CSV): %v\n%s", err, stdout)
		}
		for _, want := range []string{"line 7: region: ", "line 8: : ", "line 9: revenue: ", "line 10: tags[1]: ", "5 accepted, 4 rejected"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("CSV import report lacks %q:\n%s", want, stdout)
			}
		}
		s := MustRunServe(t, dir, "--demo=false")
		if got := s.Total(t, "/v1/enterprises?limit=1", adminToken); got != 5 {
			t.Errorf("after CSV import, enterprises = %d, want 5", got)
		}
		var e struct {
			Tags []string `json:"tags"`
		}
		s.MustJSON(t, "GET", "/v1/enterprises/"+es[0].CreditCode, adminToken, "", http.StatusOK, &e)
		if strings.Join(e.Tags, ";") != strings.Join(es[0].Tags, ";") {
			t.Errorf("CSV tags of %s = %v, want %v", es[0].CreditCode, e.Tags, es[0].Tags)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		dir := t.TempDir()
		if _, _, err := runCLI(t, "import", "enterprises", "--data", dir, filepath.Join(dir, "missing.ndjson")); err == nil {
			t.Error("import of a missing file = nil error")
		}
		bad := filepath.Join(t.TempDir(), "bad.csv")
		os.WriteFile(bad, []byte("credit_code,staff\n"), 0o644)
		if _, _, err := runCLI(t, "import", "enterprises", "--data", dir, bad); err == nil || !strings.Contains(err.Error(), "staff") {
			t.Errorf("import of a CSV with an unknown column = %v, want an error naming it", err)
		}
		if _, _, err := runCLI(t, "import", "enterprises", "--data", dir, "--format", "xml", bad); err == nil {
			t.Error("import --format xml = nil error")
		}
		if _, _, err := runCLI(t, "import", "enterprises", "--data", dir); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("import enterprises without a file = %v, want flag.ErrHelp", err)
		}
	})
}

// writePolicies writes policy documents into a new folder and returns it.
func writePolicies(tb testing.TB, docs map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

const importedPolicy = `id: test-imported
title: 测试：导入的政策
department: 泉州市工业和信息化局
region: "350582"
eligibility: {field: industry, op: prefix, value: C19}
benefit: {kind: award, amount: {fixed: 12345.67}}
tests:
  - profile: {region: "350582", industry: C1952, founded_on: 2015-01-01}
    eligible: true
    amount: 12345.67
  - profile: {region: "350503", industry: C1952, founded_on: 2015-01-01}
    eligible: false
`

func TestImportPolicies(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	dir := t.TempDir()
	folder := writePolicies(t, map[string]string{
		"a.yaml": importedPolicy,
		"b.json": `{"id": "test-imported-json", "title": "测试：JSON 政策", "department": "泉州市科学技术局",
			"eligibility": {"field": "tags", "op": "has", "value": "hightech"}, "benefit": {"kind": "service"}}`,
	})
	stdout, _, err := runCLI(t, "import", "policies", "--data", dir, "--publish", folder)
	if err != nil {
		t.Fatalf("import policies --publish: %v\n%s", err, stdout)
	}
	if want := "test-imported v1 published\ntest-imported-json v1 published\n"; stdout != want {
		t.Errorf("import policies printed %q, want %q", stdout, want)
	}

	// Without --publish, a changed document is stored as a new draft version
	// beside the published one.
	changed := strings.Replace(importedPolicy, "测试：导入的政策", "测试：导入的政策（修订）", 1)
	stdout, _, err = runCLI(t, "import", "policies", "--data", dir, writePolicies(t, map[string]string{"a.yaml": changed}))
	if err != nil {
		t.Fatalf("import policies (change): %v\n%s", err, stdout)
	}

	s := MustRunServe(t, dir, "--demo=false")
	if got := s.Total(t, "/v1/policies", ""); got != 2 {
		t.Errorf("published policies after import = %d, want 2", got)
	}
	// A shoe maker in 晋江 matches the imported policy with its amount.
	var r matchResult
	s.MustJSON(t, "POST", "/v1/match", "", shoeMaker, http.StatusOK, &r)
	found := false
	for _, v := range r.Eligible {
		if v.PolicyID == "test-imported" {
			found = v.Amount != nil && *v.Amount == 12345.67
		}
	}
	if !found {
		t.Errorf("POST /v1/match: test-imported not eligible with 12345.67: %+v", r.Eligible)
	}
	if err := s.Stop(t); err != nil {
		t.Fatal(err)
	}

	t.Run("TestsFail", func(t *testing.T) {
		_, _, err := runCLI(t, "import", "policies", "--data", t.TempDir(), "--publish", "../../policies/testdata/policytest/wrong-amount")
		if err == nil || !strings.Contains(err.Error(), "test-wrong-amount") {
			t.Errorf("import --publish of a policy whose tests fail = %v, want an error naming it", err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		bad := writePolicies(t, map[string]string{"bad.yaml": strings.Replace(importedPolicy, "op: prefix", "op: has", 1)})
		_, _, err := runCLI(t, "import", "policies", "--data", t.TempDir(), bad)
		if err == nil || !strings.Contains(err.Error(), "bad.yaml: eligibility.op") {
			t.Errorf("import of an invalid policy = %v, want the file and field path", err)
		}
	})
	t.Run("NoArgs", func(t *testing.T) {
		if _, _, err := runCLI(t, "import", "policies", "--data", t.TempDir()); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("import policies without a path = %v, want flag.ErrHelp", err)
		}
	})
}

func TestPolicyTest(t *testing.T) {
	t.Run("Catalogue", func(t *testing.T) {
		list, err := policies.ParsePath(catalogueDir, testToday)
		if err != nil {
			t.Fatal(err)
		}
		cases := 0
		for _, p := range list {
			cases += len(p.Tests)
		}
		stdout, _, err := runCLI(t, "policy", "test", catalogueDir)
		if err != nil {
			t.Fatalf("policy test %s: %v\n%s", catalogueDir, err, stdout)
		}
		if want := fmt.Sprintf("%d passed, 0 failed\n", cases); !strings.HasSuffix(stdout, want) {
			t.Errorf("policy test output ends %q, want %q:\n%s", lastLine(stdout), want, stdout)
		}
		if n := strings.Count(stdout, "\nok   ") + boolInt(strings.HasPrefix(stdout, "ok   ")); n != len(list) {
			t.Errorf("policy test printed %d ok lines, want %d", n, len(list))
		}
		if strings.Contains(stdout, "FAIL") {
			t.Errorf("policy test of the catalogue printed a failure:\n%s", stdout)
		}
	})
	t.Run("OK", func(t *testing.T) {
		stdout, _, err := runCLI(t, "policy", "test", "../../policies/testdata/policytest/ok/test-employment-subsidy.yaml")
		if err != nil || stdout != "ok   test-employment-subsidy (3 cases)\n3 passed, 0 failed\n" {
			t.Errorf("policy test ok/ = %v, output %q", err, stdout)
		}
	})
	t.Run("WrongAmount", func(t *testing.T) {
		stdout, _, err := runCLI(t, "policy", "test", "../../policies/testdata/policytest")
		if err == nil {
			t.Fatalf("policy test with a wrong expected amount = nil error:\n%s", stdout)
		}
		if !strings.Contains(stdout, "FAIL test-wrong-amount tests[1] 营业收入500万元补助6万元: 期望金额 6万元，实际 5万元") {
			t.Errorf("policy test output lacks the FAIL line:\n%s", stdout)
		}
		if !strings.Contains(stdout, "ok   test-employment-subsidy (3 cases)") || !strings.HasSuffix(stdout, "4 passed, 1 failed\n") {
			t.Errorf("policy test output:\n%s\nwant the ok policy listed and 4 passed, 1 failed", stdout)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		dir := writePolicies(t, map[string]string{"bad.yaml": "id: BAD\n"})
		if _, _, err := runCLI(t, "policy", "test", dir); err == nil || !strings.Contains(err.Error(), "bad.yaml: id") {
			t.Errorf("policy test of an invalid document = %v, want the file and field", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if _, _, err := runCLI(t, "policy", "test", filepath.Join(t.TempDir(), "none.yaml")); err == nil {
			t.Error("policy test of a missing file = nil error")
		}
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRun_Commands(t *testing.T) {
	t.Run("Unknown", func(t *testing.T) {
		_, stderr, err := runCLI(t, "frobnicate")
		if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
			t.Errorf("Run(frobnicate) = %v, want an unknown command error", err)
		}
		if !strings.Contains(stderr, "Usage:") {
			t.Errorf("Run(frobnicate) stderr = %q, want the usage", stderr)
		}
	})
	t.Run("UnknownSubcommand", func(t *testing.T) {
		for _, args := range [][]string{{"token", "revoke"}, {"import", "cats"}, {"policy", "publish"}, {"token"}} {
			if _, _, err := runCLI(t, args...); err == nil {
				t.Errorf("Run(%q) = nil error", args)
			}
		}
	})
	t.Run("None", func(t *testing.T) {
		_, stderr, err := runCLI(t)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage:") {
			t.Errorf("Run() = %v, stderr %q; want flag.ErrHelp and the usage", err, stderr)
		}
	})
	t.Run("Help", func(t *testing.T) {
		stdout, _, err := runCLI(t, "help")
		if err != nil || !strings.Contains(stdout, "Commands:") {
			t.Errorf("Run(help) = %v, %q", err, stdout)
		}
	})
	t.Run("Version", func(t *testing.T) {
		stdout, _, err := runCLI(t, "version")
		if err != nil || stdout != "huiqi "+main.Version+"\n" {
			t.Errorf("Run(version) = %v, %q", err, stdout)
		}
	})
}

// TestRun_SubcommandHelp checks that -h on every subcommand prints its
// usage and returns flag.ErrHelp. Some subcommands print usage on
// os.Stderr rather than Run's stderr, so both are captured.
func TestRun_SubcommandHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "-h"}, "Usage: huiqi serve"},
		{[]string{"token", "create", "-h"}, "Usage: huiqi token create"},
		{[]string{"import", "enterprises", "-h"}, "Usage: huiqi import enterprises"},
		{[]string{"import", "policies", "--help"}, "Usage: huiqi import policies"},
		{[]string{"policy", "test", "-h"}, "Usage: huiqi policy test"},
		{[]string{"import", "applications", "-h"}, "Usage: huiqi import applications"},
		{[]string{"audit", "verify", "-h"}, "Usage: huiqi audit verify"},
		{[]string{"reindex", "-h"}, "Usage: huiqi reindex"},
		{[]string{"gen", "-h"}, "Usage: huiqi gen"},
	} {
		t.Run(strings.Join(tt.args[:len(tt.args)-1], "_"), func(t *testing.T) {
			// The usage goes to Run's stderr, not the process's.
			stdout, stderr, err := runCLI(t, tt.args...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("Run(%q) = %v, want flag.ErrHelp", tt.args, err)
			}
			if out := stdout + stderr; !strings.Contains(out, tt.want) || !strings.Contains(out, "-data") && tt.args[0] != "policy" && tt.args[0] != "gen" {
				t.Errorf("Run(%q) printed %q, want the usage %q with its flags", tt.args, out, tt.want)
			}
		})
	}
}

// TestMain removes the huiqi binary that the child-process tests share.
func TestMain(m *testing.M) {
	httpapi.ReleaseMode() // as main does
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

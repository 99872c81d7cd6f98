package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
)

// The tests that run huiqi as a child process share one build of it.
var (
	binOnce sync.Once
	binDir  string // removed by TestMain
	binPath string
	binErr  error
)

// huiqiBinary builds the huiqi binary the first time a test asks for it and
// returns its path. It skips with -short or without the go command. The
// build can take long on a loaded machine, so a caller starts its deadlines
// after it returns.
func huiqiBinary(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds the huiqi binary and runs it; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("go command not on PATH: cannot build the huiqi binary")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "huiqi-test-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "huiqi")
		if out, err := exec.Command(gobin, "build", "-o", binPath, "github.com/huiqi/huiqi/cmd/huiqi").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// crashProcess is the huiqi binary serving in a child process, so that the
// test can kill it with SIGKILL: no deferred close, no shutdown, no flush.
type crashProcess struct {
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	// Server talks to it with the helpers of main_test.go.
	*Server
}

// startCrashProcess runs `huiqi serve --demo=false` on dataDir at a free
// port with the extra flags, the local webhook receivers allowed, and waits
// for the log line that names its URL: a child process has no other way to
// say it listens.
func startCrashProcess(tb testing.TB, bin, dataDir string, flags ...string) *crashProcess {
	tb.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--demo=false", "--log-format", "json"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HUIQI_ADMIN_TOKEN="+adminToken, "HUIQI_WEBHOOK_HOSTS=127.0.0.1") // the test receivers are local
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	p := &crashProcess{cmd: cmd, log: &syncBuffer{}, done: make(chan struct{}), Server: &Server{}}
	tb.Cleanup(func() { p.kill(tb) })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.log.Write(append(sc.Bytes(), '\n'))
			if e := logEntry(sc.Text(), "huiqi serving"); e != nil {
				url, _ := e["url"].(string)
				select {
				case urls <- url:
				default:
				}
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case p.URL = <-urls:
		p.Log = p.log
	case <-p.done:
		tb.Fatalf("huiqi serve exited before serving (%v):\n%s", cmd.ProcessState, p.log)
	case <-time.After(30 * time.Second):
		tb.Fatalf("huiqi serve did not listen within 30s:\n%s", p.log)
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *crashProcess) kill(tb testing.TB) {
	tb.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		tb.Errorf("kill: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		tb.Fatalf("huiqi serve still running 10s after SIGKILL")
	}
}

// bulkReport is the answer of POST /v1/enterprises/bulk.
type bulkReport struct {
	Accepted int                `json:"accepted"`
	Rejected int                `json:"rejected"`
	Errors   []engine.BulkError `json:"errors"`
}

// crashPolicy matches every generated enterprise with 10 or more people.
const crashPolicy = `{"id": "crash-policy", "title": "测试：稳岗补助", "department": "泉州市人力资源和社会保障局",
	"eligibility": {"field": "employees", "op": "gte", "value": 10},
	"benefit": {"kind": "subsidy", "amount": {"fixed": 1000}},
	"tests": [
		{"profile": {"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "employees": 10}, "eligible": true, "amount": 1000},
		{"profile": {"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "employees": 9}, "eligible": false}]}`

// TestCrash checks that acknowledged data survives kill -9 of the server,
// and that a kill in the middle of a bulk import leaves a consistent store.
// It runs the binary as a child process, on the system's clock: its policy
// asks only for a head count, so no verdict depends on the day. It is the
// slowest test of the module (47 s on the shared 2-core machine at a load
// of 20): building the binary, when it is the first test to ask for it,
// is 28 s of that, and the kill has to land in the middle of a bulk import
// of 20,000 profiles, which must be large enough not to finish first.
func TestCrash(t *testing.T) {
	bin := huiqiBinary(t)

	t.Run("AcknowledgedSurvivesKill", func(t *testing.T) {
		const n = 5000
		dir := t.TempDir()
		es := demo.Enterprises(n, 7, testToday)
		var ndjson bytes.Buffer
		if err := demo.WriteNDJSON(&ndjson, es); err != nil {
			t.Fatal(err)
		}

		p := startCrashProcess(t, bin, dir)
		var report bulkReport
		p.MustJSON(t, "POST", "/v1/enterprises/bulk", adminToken, ndjson.String(), http.StatusOK, &report)
		if report.Accepted != n || report.Rejected != 0 {
			t.Fatalf("bulk import = %+v, want %d accepted", report, n)
		}
		p.MustJSON(t, "POST", "/v1/policies", adminToken, crashPolicy, http.StatusCreated, nil)
		p.MustJSON(t, "POST", "/v1/policies/crash-policy/publish", adminToken, "", http.StatusOK, nil)
		matches := p.Total(t, "/v1/policies/crash-policy/matches?limit=1", adminToken)
		if matches == 0 {
			t.Fatal("the published policy matches nobody; the test would prove nothing")
		}
		p.kill(t)

		p = startCrashProcess(t, bin, dir)
		if got := p.Total(t, "/v1/enterprises?limit=1", adminToken); got != n {
			t.Errorf("after kill -9 and restart, enterprises = %d, want %d", got, n)
		}
		for _, e := range []*huiqi.Enterprise{es[0], es[n/2], es[n-1]} {
			var got struct{ Name string }
			p.MustJSON(t, "GET", "/v1/enterprises/"+e.CreditCode, adminToken, "", http.StatusOK, &got)
			if got.Name != e.Name {
				t.Errorf("after restart, %s is named %q, want %q", e.CreditCode, got.Name, e.Name)
			}
		}
		var pol struct{ Status string }
		p.MustJSON(t, "GET", "/v1/policies/crash-policy", "", "", http.StatusOK, &pol)
		if pol.Status != "published" {
			t.Errorf("after restart, crash-policy status = %q, want published", pol.Status)
		}
		if got := p.Total(t, "/v1/policies/crash-policy/matches?limit=1", adminToken); got != matches {
			t.Errorf("after restart, crash-policy matches %d enterprises, want %d", got, matches)
		}

		// SIGTERM, unlike SIGKILL, shuts down gracefully with exit status 0.
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-p.done:
			if code := p.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("huiqi serve exit status after SIGTERM = %d, want 0:\n%s", code, p.log)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("huiqi serve still running 15s after SIGTERM")
		}
	})

	t.Run("KillDuringBulkImport", func(t *testing.T) {
		const n = 10 * engine.ImportBatchSize
		dir := t.TempDir()
		es := demo.Enterprises(n, 8, testToday)
		var ndjson bytes.Buffer
		if err := demo.WriteNDJSON(&ndjson, es); err != nil {
			t.Fatal(err)
		}

		p := startCrashProcess(t, bin, dir)
		type result struct {
			status int
			err    error
		}
		posted := make(chan result, 1)
		go func() {
			req, _ := http.NewRequest("POST", p.URL+"/v1/enterprises/bulk", bytes.NewReader(ndjson.Bytes()))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				posted <- result{err: err}
				return
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			posted <- result{status: resp.StatusCode, err: err}
		}()
		// Kill once the first batch has committed, or after 200 ms.
		start := time.Now()
		for time.Since(start) < 200*time.Millisecond || p.Total(t, "/v1/enterprises?limit=1", adminToken) == 0 {
			if time.Since(start) > 20*time.Second {
				t.Fatal("no batch committed within 20s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.kill(t)
		if r := <-posted; r.err == nil && r.status == http.StatusOK {
			t.Fatalf("the bulk import of %d profiles finished before the kill; make it larger", n)
		}

		p = startCrashProcess(t, bin, dir)
		total := p.Total(t, "/v1/enterprises?limit=1", adminToken)
		t.Logf("killed after %d of %d profiles had committed", total, n)
		if total == 0 || total >= n || total%engine.ImportBatchSize != 0 {
			t.Errorf("after a kill during import, enterprises = %d, want whole batches of %d, fewer than %d", total, engine.ImportBatchSize, n)
		}
		if serving := logEntry(p.log.String(), "huiqi serving"); serving["enterprises"] != float64(total) {
			t.Errorf("after restart the matcher holds %v profiles, the store %d", serving["enterprises"], total)
		}
		// Batches commit in file order: the first total profiles are there,
		// the rest are not.
		if total > 0 && total < n {
			p.MustJSON(t, "GET", "/v1/enterprises/"+es[0].CreditCode, adminToken, "", http.StatusOK, nil)
			p.MustJSON(t, "GET", "/v1/enterprises/"+es[total-1].CreditCode, adminToken, "", http.StatusOK, nil)
			p.MustJSON(t, "GET", "/v1/enterprises/"+es[total].CreditCode, adminToken, "", http.StatusNotFound, nil)
		}

		var report bulkReport
		p.MustJSON(t, "POST", "/v1/enterprises/bulk", adminToken, ndjson.String(), http.StatusOK, &report)
		if report.Accepted != n || report.Rejected != 0 {
			t.Errorf("re-import = %+v, want %d accepted", report, n)
		}
		if got := p.Total(t, "/v1/enterprises?limit=1", adminToken); got != n {
			t.Errorf("after re-import, enterprises = %d, want %d", got, n)
		}
		var e struct{ Name string }
		p.MustJSON(t, "GET", "/v1/enterprises/"+es[n-1].CreditCode, adminToken, "", http.StatusOK, &e)
		if e.Name != es[n-1].Name {
			t.Errorf("after re-import, %s is named %q, want %q", es[n-1].CreditCode, e.Name, es[n-1].Name)
		}
	})
	// SIGTERM during a bulk import: the request in flight finishes and is
	// acknowledged, the indexes apply what was committed, and the next start
	// keeps everything and needs no index rebuild.
	t.Run("TermDuringBulkImport", func(t *testing.T) {
		const n = 4 * engine.ImportBatchSize
		dir := t.TempDir()
		es := demo.Enterprises(n, 9, testToday)
		var ndjson bytes.Buffer
		if err := demo.WriteNDJSON(&ndjson, es); err != nil {
			t.Fatal(err)
		}
		p := startCrashProcess(t, bin, dir)
		// The import runs beside the test's goroutine, which may not fail
		// from there: it hands back what it got.
		type result struct {
			status int
			body   []byte
			err    error
		}
		posted := make(chan result, 1)
		go func() {
			req, _ := http.NewRequest("POST", p.URL+"/v1/enterprises/bulk", bytes.NewReader(ndjson.Bytes()))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := client.Do(req)
			if err != nil {
				posted <- result{err: err}
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			posted <- result{resp.StatusCode, body, err}
		}()
		start := time.Now()
		for p.Total(t, "/v1/enterprises?limit=1", adminToken) == 0 {
			if time.Since(start) > 20*time.Second {
				t.Fatal("no batch committed within 20s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		r := <-posted
		var report bulkReport
		if r.err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &report) != nil {
			t.Fatalf("bulk import in flight at SIGTERM = %d %s (%v), want 200", r.status, r.body, r.err)
		}
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			t.Fatal("huiqi serve still running 20s after SIGTERM")
		}
		if report.Accepted != n {
			t.Fatalf("bulk import in flight at SIGTERM = %+v, want all %d acknowledged", report, n)
		}

		p = startCrashProcess(t, bin, dir)
		if got := p.Total(t, "/v1/enterprises?limit=1", adminToken); got != n {
			t.Errorf("after SIGTERM and restart, enterprises = %d, want %d", got, n)
		}
		if logEntry(p.log.String(), "index rebuild") != nil {
			t.Errorf("the start after a clean shutdown rebuilt the indexes:\n%s", p.log)
		}
	})
}

package main_test

import (
	"bytes"
	"fmt"
	"net/http"
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
		a.kill(t)
		// b keeps serving, and what a committed is whole: every profile b
		// lists is matched by b as a would have.
		stored := b.Total(t, "/v1/enterprises?limit=1", adminToken)
		if status, body := b.Do(t, "GET", "/readyz", "", ""); status != http.StatusOK {
			t.Errorf("b after a's death: /readyz = %d %s", status, body)
		}
		t.Logf("a killed with %d of %d profiles of the import stored", stored-before, n)
		waitFor(t, 5*time.Second, "b's matches cover every stored profile", func() bool {
			var r struct {
				Total int `json:"total"`
			}
			b.MustJSON(t, "GET", "/v1/policies/crash-policy/matches?limit=1", adminToken, "", http.StatusOK, &r)
			return r.Total > 0
		})
		// The restarted replica catches up by itself.
		a = startCrashProcess(t, bin, t.TempDir(), "--db", url)
		if got := a.Total(t, "/v1/enterprises?limit=1", adminToken); got != stored {
			t.Errorf("restarted a lists %d profiles, b %d", got, stored)
		}
	})
}

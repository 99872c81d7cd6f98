package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	// TestAPI_AuditVerify edits the database file with plain SQL, as an
	// intruder with the sqlite3 shell would.
	_ "github.com/mattn/go-sqlite3"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
)

// Departments of the application API tests.
const (
	appDeptA = "泉州市工业和信息化局"
	appDeptB = "泉州市科学技术局"
)

// appCodes are the credit codes of the application API tests' enterprises.
var appCodes = []string{"914403001922038216", "9144030071526726XG", "91110108551385082Q", "913505007173546744"}

// appServer is the API on 127.0.0.1 over a real SQLite file, with a fixed
// clock.
type appServer struct {
	srv   *httpapi.Server
	eng   *engine.Engine
	path  string
	admin string
}

// appNow is the time of the application API tests.
var appNow = time.Date(2025, 6, 30, 10, 0, 0, 0, huiqi.Shanghai)

func newAppServer(tb testing.TB) *appServer {
	tb.Helper()
	return newAppServerAt(tb, appNow)
}

// newAppServerAt starts a server whose clock reads now.
func newAppServerAt(tb testing.TB, now time.Time) *appServer {
	tb.Helper()
	ctx := context.Background()
	s := &appServer{path: filepath.Join(tb.TempDir(), "huiqi.db")}
	db := sqlite.NewDB(s.path)
	db.Now = func() time.Time { return now }
	if err := db.Open(ctx); err != nil {
		tb.Fatalf("Open(%q) = %v", s.path, err)
	}
	s.eng = engine.New(db)
	s.eng.Now = func() time.Time { return now }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.eng.Logger = quiet
	if err := s.eng.Load(ctx); err != nil {
		tb.Fatalf("Load() = %v", err)
	}
	s.srv = newServer(s.eng)
	s.srv.Addr, s.srv.Logger = "127.0.0.1:0", quiet
	if err := s.srv.Open(); err != nil {
		tb.Fatalf("Open server: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.srv.Close(ctx)
		db.Close()
	})
	s.admin = s.token(tb, huiqi.RoleAdmin, "", "")
	return s
}

// token issues a token through the engine and returns its secret.
func (s *appServer) token(tb testing.TB, role, department, code string) string {
	tb.Helper()
	secret, err := s.eng.CreateToken(engine.System(context.Background()), &huiqi.Token{Role: role, Department: department, CreditCode: code})
	if err != nil {
		tb.Fatalf("CreateToken(%s) = %v", role, err)
	}
	return secret
}

// appResp is a response read in full.
type appResp struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with body as JSON (nil for none) and the token (""
// for none).
func (s *appServer) call(tb testing.TB, method, path, token string, body any) appResp {
	tb.Helper()
	r := apiSend(tb, s.srv.URL(), method, path, token, body)
	return appResp{r.Status, r.Header, r.Body}
}

// must sends a request that must answer with status want, and decodes the
// body into v when not nil.
func (s *appServer) must(tb testing.TB, method, path, token string, body any, want int, v any) {
	tb.Helper()
	r := s.call(tb, method, path, token, body)
	if r.status != want {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			tb.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// wantError fails unless r is an error response with the status, code and
// field.
func (r appResp) wantError(tb testing.TB, status int, code, field string) {
	tb.Helper()
	var body struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != status || body.Error.Code != code || body.Error.Field != field || body.Error.Message == "" {
		tb.Fatalf("response %d %s, want %d with code %q, field %q and a message", r.status, r.body, status, code, field)
	}
}

// setup stores the enterprises of appCodes and a published policy of each
// department, worth 100,000 yuan to every enterprise in Quanzhou.
func (s *appServer) setup(tb testing.TB) {
	tb.Helper()
	for _, code := range appCodes {
		s.must(tb, "POST", "/v1/enterprises", s.admin, map[string]any{
			"credit_code": code, "name": "晋江测试鞋业" + code[14:], "region": "350582", "industry": "C1952",
			"founded_on": "2015-01-01", "employees": 120, "revenue": 30000000, "tags": []string{"hightech"},
		}, http.StatusCreated, nil)
	}
	for id, dept := range map[string]string{"p-a": appDeptA, "p-b": appDeptB} {
		s.must(tb, "POST", "/v1/policies", s.admin, map[string]any{
			"id": id, "title": "测试政策 " + id, "department": dept, "region": "3505", "mode": "apply",
			"eligibility": map[string]any{"all": []any{map[string]any{"field": "region", "op": "prefix", "value": "3505"}}},
			"benefit":     map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 100000}},
		}, http.StatusCreated, nil)
		s.must(tb, "POST", "/v1/policies/"+id+"/publish", s.admin, nil, http.StatusOK, nil)
	}
}

// appApplication is an application as the API returns it.
type appApplication struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	Events []struct {
		Seq    int     `json:"seq"`
		Type   string  `json:"type"`
		At     string  `json:"at"`
		Actor  string  `json:"actor"`
		Note   *string `json:"note"`
		Hash   string  `json:"hash"`
		Amount *int64  `json:"amount"`
	} `json:"events"`
	Clock map[string]any `json:"clock"`
}

func TestAPI_Applications(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	ent := s.token(t, huiqi.RoleEnterprise, "", appCodes[0])
	other := s.token(t, huiqi.RoleEnterprise, "", appCodes[1])
	offA := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	offB := s.token(t, huiqi.RoleOfficial, appDeptB, "")
	auditor := s.token(t, huiqi.RoleAuditor, "", "")

	var a appApplication
	s.must(t, "POST", "/v1/applications", ent, map[string]any{"policy_id": "p-a"}, http.StatusCreated, &a)
	if a.State != huiqi.StateSubmitted || len(a.Events) != 1 || a.Events[0].Type != huiqi.EventSubmit {
		t.Fatalf("POST /v1/applications = %+v, want one submit event", a)
	}
	events := fmt.Sprintf("/v1/applications/%d/events", a.ID)

	t.Run("ErrBackdate", func(t *testing.T) {
		s.call(t, "POST", "/v1/applications", other, map[string]any{"policy_id": "p-a", "at": "2025-06-01T10:00:00+08:00"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "at")
		s.call(t, "POST", events, offA, map[string]any{"type": "accept", "at": "2025-06-01T10:00:00+08:00"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "at")
		s.call(t, "POST", events, s.admin, map[string]any{"type": "accept", "at": "2025-07-01T10:00:00+08:00"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "at")
		s.call(t, "POST", events, s.admin, map[string]any{"type": "accept", "at": "soon"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "at")
	})
	t.Run("ErrNotYours", func(t *testing.T) {
		path := fmt.Sprintf("/v1/applications/%d", a.ID)
		s.call(t, "GET", path, other, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", path, offB, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", path, "", nil).wantError(t, http.StatusUnauthorized, huiqi.EUnauthorized, "")
		s.call(t, "POST", events, offB, map[string]any{"type": "accept"}).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "POST", events, auditor, map[string]any{"type": "accept"}).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "POST", events, ent, map[string]any{"type": "accept"}).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "POST", "/v1/applications", ent, map[string]any{"policy_id": "p-b", "credit_code": appCodes[1]}).
			wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", "/v1/applications/999", s.admin, nil).wantError(t, http.StatusNotFound, huiqi.ENotFound, "")
		s.call(t, "GET", "/v1/applications/x", s.admin, nil).wantError(t, http.StatusNotFound, huiqi.ENotFound, "")
	})
	t.Run("ErrOrder", func(t *testing.T) {
		s.call(t, "POST", events, offA, map[string]any{"type": "approve"}).wantError(t, http.StatusConflict, huiqi.EConflict, "")
		s.call(t, "POST", events, offA, map[string]any{"type": "resume"}).wantError(t, http.StatusConflict, huiqi.EConflict, "")
		s.call(t, "POST", "/v1/applications", ent, map[string]any{"policy_id": "p-a"}).wantError(t, http.StatusConflict, huiqi.EConflict, "")
		s.call(t, "POST", events, offA, map[string]any{"type": "pause", "reason": "nap", "note": "x"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "reason")
		s.call(t, "POST", events, offA, map[string]any{"type": "accept", "extra": 1}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "extra")
		s.call(t, "POST", events, offA, map[string]any{"type": "celebrate"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "type")
		s.call(t, "POST", events, offA, map[string]any{"type": "reject"}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "note")
	})
	t.Run("Flow", func(t *testing.T) {
		s.must(t, "POST", events, offA, map[string]any{"type": "accept"}, http.StatusCreated, nil)
		s.must(t, "POST", events, offA, map[string]any{"type": "pause", "reason": "supplement", "note": "请补正审计报告"}, http.StatusCreated, nil)
		s.must(t, "POST", events, ent, map[string]any{"type": "resume"}, http.StatusCreated, nil)
		s.must(t, "POST", events, offA, map[string]any{"type": "approve"}, http.StatusCreated, nil)
		s.must(t, "POST", events, offA, map[string]any{"type": "disburse", "amount": 100000}, http.StatusCreated, nil)

		var got map[string]any
		s.must(t, "GET", fmt.Sprintf("/v1/applications/%d?as_of=2025-06-30", a.ID), ent, nil, http.StatusOK, &got)
		for _, k := range []string{"id", "policy_id", "policy_version", "credit_code", "state", "events", "clock"} {
			if _, ok := got[k]; !ok {
				t.Errorf("application lacks %q: %v", k, got)
			}
		}
		clk := got["clock"].(map[string]any)
		for _, k := range []string{"accepted_on", "deadline_on", "elapsed_days", "paused_days", "deadline_days", "target_days", "status"} {
			if _, ok := clk[k]; !ok {
				t.Errorf("clock lacks %q: %v", k, clk)
			}
		}
		if clk["accepted_on"] != "2025-06-30" || clk["status"] != "met_target" {
			t.Errorf("clock = %v, want accepted on 2025-06-30, met_target", clk)
		}
		evs := got["events"].([]any)
		for _, ev := range evs {
			for _, k := range []string{"seq", "type", "at", "actor", "note", "hash"} {
				if _, ok := ev.(map[string]any)[k]; !ok {
					t.Errorf("event lacks %q: %v", k, ev)
				}
			}
			if _, err := time.Parse(time.RFC3339, ev.(map[string]any)["at"].(string)); err != nil {
				t.Errorf("event time: %v", err)
			}
		}
		if len(evs) != 6 || evs[2].(map[string]any)["note"] != "请补正审计报告" {
			t.Errorf("events = %v, want 6 with the supplement notice", evs)
		}
	})
	t.Run("List", func(t *testing.T) {
		var b appApplication
		s.must(t, "POST", "/v1/applications", other, map[string]any{"policy_id": "p-b"}, http.StatusCreated, &b)
		for _, tt := range []struct {
			token, query string
			want         int
		}{
			{ent, "", 1}, {other, "", 1}, {offA, "", 1}, {offB, "", 1}, {auditor, "", 2}, {s.admin, "?state=submitted", 1},
		} {
			var list struct {
				Total int              `json:"total"`
				Items []appApplication `json:"items"`
				Next  *string          `json:"next"`
			}
			s.must(t, "GET", "/v1/applications"+tt.query, tt.token, nil, http.StatusOK, &list)
			if list.Total != tt.want || len(list.Items) != tt.want || list.Next != nil {
				t.Errorf("GET /v1/applications%s: total %d, %d items; want %d", tt.query, list.Total, len(list.Items), tt.want)
			}
		}
		s.call(t, "GET", "/v1/applications?credit_code="+appCodes[1], ent, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", "/v1/applications?state=lost", s.admin, nil).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "state")
		var page struct {
			Items []appApplication `json:"items"`
			Next  *string          `json:"next"`
		}
		s.must(t, "GET", "/v1/applications?limit=1", s.admin, nil, http.StatusOK, &page)
		if len(page.Items) != 1 || page.Next == nil {
			t.Fatalf("first page of 1: %d items, next %v", len(page.Items), page.Next)
		}
		s.must(t, "GET", "/v1/applications?limit=1&after="+*page.Next, s.admin, nil, http.StatusOK, &page)
		if len(page.Items) != 1 || page.Items[0].ID != b.ID || page.Next != nil {
			t.Fatalf("second page: %+v, want application %d and no next", page, b.ID)
		}
	})
}

// TestAPI_DisburseRace sends racing disbursements of one application over
// real connections: one payout, the rest refused.
func TestAPI_DisburseRace(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	ent := s.token(t, huiqi.RoleEnterprise, "", appCodes[0])
	off := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	var a appApplication
	s.must(t, "POST", "/v1/applications", ent, map[string]any{"policy_id": "p-a"}, http.StatusCreated, &a)
	events := fmt.Sprintf("/v1/applications/%d/events", a.ID)
	s.must(t, "POST", events, off, map[string]any{"type": "accept"}, http.StatusCreated, nil)
	s.must(t, "POST", events, off, map[string]any{"type": "approve"}, http.StatusCreated, nil)

	const n = 12
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			r := s.call(t, "POST", events, off, map[string]any{"type": "disburse", "amount": 100000})
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusConflict] != n-1 {
		t.Fatalf("%d racing disbursements: statuses %v, want one 201 and %d 409", n, statuses, n-1)
	}
	var got appApplication
	s.must(t, "GET", fmt.Sprintf("/v1/applications/%d", a.ID), s.admin, nil, http.StatusOK, &got)
	if len(got.Events) != 4 || got.State != huiqi.StateDisbursed {
		t.Fatalf("after the race: %d events, state %q; want 4, disbursed", len(got.Events), got.State)
	}
}

func TestAPI_Audit(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	offA := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	auditor := s.token(t, huiqi.RoleAuditor, "", "")
	ent := s.token(t, huiqi.RoleEnterprise, "", appCodes[0])
	for i, code := range appCodes {
		policy := "p-a"
		if i%2 == 1 {
			policy = "p-b"
		}
		at := appNow.AddDate(0, 0, -50+i).Format(time.RFC3339)
		var a appApplication
		s.must(t, "POST", "/v1/applications", s.admin, map[string]any{"policy_id": policy, "credit_code": code, "at": at}, http.StatusCreated, &a)
		s.must(t, "POST", fmt.Sprintf("/v1/applications/%d/events", a.ID), s.admin, map[string]any{"type": "accept", "at": at}, http.StatusCreated, nil)
	}

	t.Run("Stats", func(t *testing.T) {
		var st struct {
			AsOf   string           `json:"as_of"`
			Groups []map[string]any `json:"groups"`
		}
		s.must(t, "GET", "/v1/audit/stats?as_of=2025-06-30&by=department", auditor, nil, http.StatusOK, &st)
		if st.AsOf != "2025-06-30" || len(st.Groups) != 2 {
			t.Fatalf("stats = %+v, want two departments as of 2025-06-30", st)
		}
		for _, k := range []string{"key", "count", "on_time_rate", "target_rate", "median_days", "p90_days", "overdue", "at_risk", "funnel"} {
			if _, ok := st.Groups[0][k]; !ok {
				t.Errorf("group lacks %q: %v", k, st.Groups[0])
			}
		}
		for _, k := range []string{"matched", "pushed", "applied", "accepted", "disbursed", "amount_disbursed"} {
			if _, ok := st.Groups[0]["funnel"].(map[string]any)[k]; !ok {
				t.Errorf("funnel lacks %q: %v", k, st.Groups[0]["funnel"])
			}
		}
		// Accepted 50 and 48 days ago (p-a): both overdue.
		if g := st.Groups[0]; g["key"] != appDeptA || g["count"] != 2.0 || g["overdue"] != 2.0 || g["on_time_rate"] != nil {
			t.Errorf("group %v, want 2 applications of %s, both overdue, no rate", g, appDeptA)
		}
		s.must(t, "GET", "/v1/audit/stats", offA, nil, http.StatusOK, &st)
		if len(st.Groups) != 1 || st.Groups[0]["key"] != appDeptA {
			t.Errorf("official's stats = %v, want its department only", st.Groups)
		}
		s.call(t, "GET", "/v1/audit/stats?department="+appDeptB, offA, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", "/v1/audit/stats", ent, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", "/v1/audit/stats?by=mood", auditor, nil).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "by")
		s.call(t, "GET", "/v1/audit/stats?as_of=2025-13-01", auditor, nil).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "as_of")
	})
	t.Run("Clock", func(t *testing.T) {
		var list struct {
			Items []appApplication `json:"items"`
			Next  *string          `json:"next"`
		}
		s.must(t, "GET", "/v1/audit/clock?status=overdue", auditor, nil, http.StatusOK, &list)
		if len(list.Items) != 3 || list.Next != nil {
			t.Fatalf("overdue on 2025-06-30: %d, want 3 (accepted 50, 49 and 48 days ago)", len(list.Items))
		}
		s.must(t, "GET", "/v1/audit/clock?as_of=2025-05-20&status=overdue", auditor, nil, http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("overdue on 2025-05-20: %d, want 0", len(list.Items))
		}
		s.call(t, "GET", "/v1/audit/clock?status=sleepy", auditor, nil).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "status")
	})
	t.Run("ExportCSV", func(t *testing.T) {
		r := s.call(t, "GET", "/v1/audit/export.csv", offA, nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: status %d, headers %v", r.status, r.header)
		}
		body, ok := bytes.CutPrefix(r.body, []byte("\xef\xbb\xbf"))
		if !ok {
			t.Fatalf("export does not start with the UTF-8 BOM: %q", r.body[:min(10, len(r.body))])
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "申请编号" || !strings.Contains(strings.Join(rows[0], ","), "时限状态") {
			t.Fatalf("export rows = %q, want the Chinese header and the department's 2 applications", rows)
		}
		s.call(t, "GET", "/v1/audit/export.csv", ent, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "GET", "/v1/audit/export.csv?status=x", auditor, nil).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "status")
	})
	t.Run("Verify", func(t *testing.T) {
		var v map[string]any
		s.must(t, "GET", "/v1/audit/verify", auditor, nil, http.StatusOK, &v)
		if v["ok"] != true || v["checked"] != 8.0 || v["broken_at"] != nil {
			t.Fatalf("verify = %v, want ok with 8 events checked", v)
		}
		s.call(t, "GET", "/v1/audit/verify", offA, nil).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")

		raw, err := sql.Open("sqlite3", s.path+"?_busy_timeout=5000")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`UPDATE application_events SET at = '2025-05-01T02:00:00.000000000Z' WHERE application_id = 3 AND seq = 2`); err == nil {
			t.Fatal("UPDATE of an event allowed, want refused by the append-only trigger")
		}
		if _, err := raw.Exec(`DROP TRIGGER application_events_no_update;
			UPDATE application_events SET at = '2025-05-14T02:00:00.000000000Z' WHERE application_id = 3 AND seq = 2`); err != nil {
			t.Fatal(err)
		}
		s.must(t, "GET", "/v1/audit/verify", s.admin, nil, http.StatusOK, &v)
		b, _ := v["broken_at"].(map[string]any)
		if v["ok"] != false || b["application_id"] != 3.0 || b["seq"] != 2.0 || v["append_only"] != false {
			t.Fatalf("verify after tampering = %v, want broken at application 3 event 2, triggers missing", v)
		}
	})
}

// BenchmarkAudit100k measures the audit endpoints over 100,000 generated
// applications (about 400,000 events) of 20,000 demo enterprises and the
// demo catalogue:
//
//	go test ./httpapi -run '^$' -bench Audit100k -benchtime 3x
func BenchmarkAudit100k(b *testing.B) {
	const apps, enterprises = 100_000, 20_000
	now := time.Date(2026, 6, 30, 10, 0, 0, 0, huiqi.Shanghai)
	s := newAppServerAt(b, now)
	ctx := engine.System(context.Background())
	today := huiqi.DateOf(now)
	catalogue, err := policies.Catalogue(today)
	if err != nil {
		b.Fatal(err)
	}
	ents := demo.Enterprises(enterprises, 1, today)
	start := time.Now()
	if _, err := s.eng.LoadDemo(ctx, catalogue, ents); err != nil {
		b.Fatal(err)
	}
	b.Logf("demo catalogue (%d policies) and %d enterprises loaded in %s", len(catalogue), enterprises, time.Since(start).Round(time.Millisecond))

	// Apply-mode policies only: 免申即享 offers may be opened by the push
	// feature as the enterprises load, and would meet imported ones.
	var apply []*policies.Policy
	for _, p := range catalogue {
		if p.Mode == policies.ModeApply {
			apply = append(apply, p)
		}
	}
	var buf bytes.Buffer
	r := rand.New(rand.NewPCG(1, 2))
	for i := range apps {
		// Each enterprise applies for 5 distinct policies, so that no two
		// open applications meet.
		p := apply[(i/enterprises*7+i%enterprises)%len(apply)]
		buf.WriteString(appHistory(r, now, p, ents[i%enterprises].CreditCode))
		buf.WriteByte('\n')
	}
	start = time.Now()
	rep, err := s.eng.ImportApplications(ctx, exchange.NewApplicationReader(&buf), nil)
	if err != nil || rep.Rejected > 0 {
		b.Fatalf("import: %+v, %v", rep.Errors[:min(3, len(rep.Errors))], err)
	}
	b.Logf("%d applications imported in %s", rep.Accepted, time.Since(start).Round(time.Millisecond))

	for _, path := range []string{
		"/v1/audit/stats?as_of=2026-06-30",
		"/v1/audit/stats?as_of=2026-06-30&by=policy",
		"/v1/audit/export.csv?as_of=2026-06-30",
		"/v1/audit/clock?as_of=2026-06-30&status=overdue&limit=1000",
		"/v1/audit/verify",
	} {
		b.Run(strings.TrimPrefix(path, "/v1/audit/"), func(b *testing.B) {
			var size int
			for b.Loop() {
				r := s.call(b, "GET", path, s.admin, nil)
				if r.status != http.StatusOK {
					b.Fatalf("%s: %d %s", path, r.status, r.body[:min(200, len(r.body))])
				}
				size = len(r.body)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

// appHistory returns an import line of a generated application of the
// enterprise for the policy: submitted in the 540 days before now and,
// mostly, accepted, sometimes paused, and paid out after 15 to 70 days;
// some rejected, withdrawn or still running now.
func appHistory(r *rand.Rand, now time.Time, p *policies.Policy, code string) string {
	t := now.Add(-time.Duration(r.Int64N(int64(540 * 24 * time.Hour))))
	var events []string
	add := func(typ string, extra string) bool {
		if t.After(now) {
			return false
		}
		events = append(events, fmt.Sprintf(`{"type":%q,"at":%q%s}`, typ, t.Format(time.RFC3339), extra))
		return true
	}
	days := func(lo, hi int) {
		t = t.Add(time.Duration(lo+r.IntN(hi-lo+1))*24*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	}
	add("submit", "")
	days(0, 6)
	add("accept", "")
	switch x := r.IntN(100); {
	case x < 8:
		days(1, 20)
		add("reject", `,"note":"不符合申报条件"`)
	case x < 12:
		days(1, 20)
		add("withdraw", "")
	default:
		if r.IntN(4) == 0 {
			days(1, 10)
			if add("pause", `,"reason":"expert_review","note":"提交专家评审"`) {
				days(2, 15)
				add("resume", "")
			}
		}
		days(10, 45)
		if add("approve", `,"amount":100000`) {
			days(1, 10)
			add("disburse", `,"amount":100000`)
		}
	}
	b, _ := json.Marshal(code)
	return fmt.Sprintf(`{"policy_id":%q,"policy_version":%d,"credit_code":%s,"events":[%s]}`, p.ID, p.Version, b, strings.Join(events, ","))
}

package engine_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	// The tamper tests play an intruder who edits the database file with
	// plain SQL, beside the engine, as a hand with the sqlite3 shell would.
	_ "github.com/mattn/go-sqlite3"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
	"github.com/huiqi/huiqi/sqlite"
)

// Departments of the application tests' policies.
const (
	appDeptA = "泉州市工业和信息化局"
	appDeptB = "泉州市科学技术局"
)

// appCodes are the credit codes of the application tests' enterprises.
var appCodes = []string{
	"914403001922038216", "9144030071526726XG", "91110108551385082Q",
	"91110000802100433B", "91310115591693856A", "913505007173546744",
}

// appDay is the date the application tests' clock starts on.
var appDay = huiqi.NewDate(2025, 6, 30)

// appCmp compares domain values: dates by value.
var appCmp = cmp.Comparer(func(a, b huiqi.Date) bool { return a == b })

// Callers of the application tests.
var (
	appAdmin     = engine.System(context.Background())
	appAuditor   = appAs(&huiqi.Token{Role: huiqi.RoleAuditor})
	appOfficialA = appAs(&huiqi.Token{Role: huiqi.RoleOfficial, Department: appDeptA})
	appOfficialB = appAs(&huiqi.Token{Role: huiqi.RoleOfficial, Department: appDeptB})
)

func appAs(t *huiqi.Token) context.Context {
	return huiqi.NewContextWithToken(context.Background(), t)
}

// appEnterprise is the context of the enterprise with the i-th of appCodes.
func appEnterprise(i int) context.Context {
	return appAs(&huiqi.Token{Role: huiqi.RoleEnterprise, CreditCode: appCodes[i]})
}

// appTime returns a time "YYYY-MM-DD hh:mm" in Shanghai.
func appTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, huiqi.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// appWorld is an engine over a real SQLite file under a temp folder, with a
// clock the test sets, and the enterprises of appCodes, 晋江 shoe makers.
type appWorld struct {
	*engine.Engine
	Path string

	mu  sync.Mutex
	now time.Time
}

func newAppWorld(tb testing.TB) *appWorld {
	tb.Helper()
	w := &appWorld{Path: filepath.Join(tb.TempDir(), "huiqi.db"), now: appTime("2025-06-30 10:00")}
	db := sqlite.NewDB(w.Path)
	db.Now = w.clock
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open(%q) = %v", w.Path, err)
	}
	tb.Cleanup(func() { db.Close() })
	w.Engine = engine.New(db)
	w.Engine.Now = w.clock
	if err := w.Load(context.Background()); err != nil {
		tb.Fatalf("Load() = %v", err)
	}
	for _, code := range appCodes {
		if err := w.CreateEnterprise(appAdmin, appProfile(code)); err != nil {
			tb.Fatalf("CreateEnterprise(%s) = %v", code, err)
		}
	}
	return w
}

func (w *appWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// set moves the clock to "YYYY-MM-DD hh:mm" in Shanghai.
func (w *appWorld) set(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = appTime(s)
}

func appProfile(code string) *huiqi.Enterprise {
	employees := int64(120)
	revenue := 30_000_000 * huiqi.Yuan
	return &huiqi.Enterprise{
		CreditCode: code, Name: "晋江测试鞋业" + code[14:], Region: "350582", Industry: "C1952",
		FoundedOn: huiqi.NewDate(2015, 1, 1), Employees: &employees, Revenue: &revenue, Tags: []string{"hightech"},
	}
}

// policy creates and publishes a policy of the department for every
// enterprise in Quanzhou, worth 100,000 yuan; mod changes the document.
func (w *appWorld) policy(tb testing.TB, id, department string, mod func(map[string]any)) {
	tb.Helper()
	doc := map[string]any{
		"id": id, "title": "测试政策 " + id, "department": department, "region": "3505", "mode": "apply",
		"eligibility": map[string]any{"all": []any{
			map[string]any{"field": "region", "op": "prefix", "value": "3505", "label": "注册在泉州市"},
		}},
		"benefit": map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 100000}},
	}
	if mod != nil {
		mod(doc)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.CreatePolicy(appAdmin, b); err != nil {
		tb.Fatalf("CreatePolicy(%s) = %v", id, err)
	}
	if _, err := w.PublishPolicy(appAdmin, id); err != nil {
		tb.Fatalf("PublishPolicy(%s) = %v", id, err)
	}
}

// submit files an application that must succeed.
func (w *appWorld) submit(tb testing.TB, ctx context.Context, policyID string, i int) *engine.Application {
	tb.Helper()
	a, err := w.SubmitApplication(ctx, engine.ApplicationInput{PolicyID: policyID, CreditCode: appCodes[i]})
	if err != nil {
		tb.Fatalf("SubmitApplication(%s, %s) = %v", policyID, appCodes[i], err)
	}
	return a
}

// do appends an event that must succeed.
func (w *appWorld) do(tb testing.TB, ctx context.Context, id int64, in engine.EventInput) *engine.Application {
	tb.Helper()
	a, err := w.AddEvent(ctx, id, in)
	if err != nil {
		tb.Fatalf("AddEvent(%d, %s) = %v", id, in.Type, err)
	}
	return a
}

// history records a past application as an admin migrating it: steps are
// "TYPE YYYY-MM-DD" or "pause REASON YYYY-MM-DD", each at 10:00. Approvals
// take the estimate; disbursements pay 100,000 yuan.
func (w *appWorld) history(tb testing.TB, policyID string, i int, steps ...string) *engine.Application {
	tb.Helper()
	var a *engine.Application
	for _, step := range steps {
		f := strings.Fields(step)
		at := appTime(f[len(f)-1] + " 10:00")
		in := engine.EventInput{Type: f[0], At: &at}
		switch f[0] {
		case huiqi.EventSubmit:
			var err error
			if a, err = w.SubmitApplication(appAdmin, engine.ApplicationInput{PolicyID: policyID, CreditCode: appCodes[i], At: &at}); err != nil {
				tb.Fatalf("%s: %v", step, err)
			}
			continue
		case huiqi.EventPause:
			in.Reason, in.Note = f[1], "书面告知：计时中止"
		case huiqi.EventReject:
			in.Note = "不符合申报条件"
		case huiqi.EventDisburse:
			in.Amount = new(100_000 * huiqi.Yuan)
		}
		a = w.do(tb, appAdmin, a.ID, in)
	}
	return a
}

func appWantCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := huiqi.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// appChainOK checks that the events of a carry the hash chain of
// huiqi.Event.ComputeHash.
func appChainOK(tb testing.TB, a *engine.Application) {
	tb.Helper()
	prev := ""
	for i, ev := range a.Events {
		e := huiqi.Event{Seq: ev.Seq, Type: ev.Type, At: ev.At, Actor: ev.Actor, Reason: ev.Reason, Note: ev.Note, Amount: ev.Amount}
		if ev.Seq != i+1 || ev.PrevHash != prev || ev.Hash != e.ComputeHash(a.ID, prev) {
			tb.Fatalf("event %d of application %d: seq %d, prev_hash %q, hash %q: not the chain (want prev %q)", i+1, a.ID, ev.Seq, ev.PrevHash, ev.Hash, prev)
		}
		prev = ev.Hash
	}
}

func TestEngine_ApplicationLifecycle(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	ent := appEnterprise(0)

	w.set("2025-03-03 09:00")
	a := w.submit(t, ent, "p-a", 0)
	if a.State != huiqi.StateSubmitted || a.PolicyVersion != 1 || a.Department != appDeptA || a.Clock.Status != clock.StatusNotStarted {
		t.Fatalf("after submit: state %q, version %d, department %q, clock %q", a.State, a.PolicyVersion, a.Department, a.Clock.Status)
	}
	if got, want := a.Events[0].Actor, "enterprise:"+appCodes[0]; got != want {
		t.Fatalf("submit actor = %q, want %q", got, want)
	}
	w.set("2025-03-04 10:00")
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
	w.set("2025-03-05 10:00")
	a = w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseSupplement, Note: "请补正2024年度审计报告"})
	if a.State != huiqi.StatePaused || a.Events[2].Note != "请补正2024年度审计报告" {
		t.Fatalf("after pause: state %q, note %q", a.State, a.Events[2].Note)
	}
	w.set("2025-03-07 15:00")
	a = w.do(t, ent, a.ID, engine.EventInput{Type: huiqi.EventResume}) // the enterprise hands in the materials
	if a.State != huiqi.StateAccepted {
		t.Fatalf("after resume: state %q, want accepted", a.State)
	}
	w.set("2025-03-10 10:00")
	a = w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventApprove})
	if a.AmountApproved == nil || *a.AmountApproved != 100_000*huiqi.Yuan || a.Events[4].Amount == nil {
		t.Fatalf("after approve: amount_approved %v, event amount %v, want the estimate 100000 recorded", a.AmountApproved, a.Events[4].Amount)
	}
	w.set("2025-03-12 10:00")
	a = w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})
	want := clock.Clock{
		AcceptedOn: huiqi.NewDate(2025, 3, 4), DeadlineOn: huiqi.NewDate(2025, 4, 21), StoppedOn: huiqi.NewDate(2025, 3, 12),
		ElapsedDays: 6, PausedDays: 2, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusMetTarget,
	}
	if diff := cmp.Diff(want, a.Clock, appCmp); diff != "" || a.State != huiqi.StateDisbursed {
		t.Fatalf("after disburse: state %q, clock (-want +got):\n%s", a.State, diff)
	}
	appChainOK(t, a)

	// The clock as it stood in the middle of the supplement pause.
	got, err := w.FindApplication(ent, a.ID, huiqi.NewDate(2025, 3, 6))
	if err != nil {
		t.Fatal(err)
	}
	if got.Clock.ElapsedDays != 1 || got.Clock.PausedDays != 1 || got.Clock.Status != clock.StatusOnTrack {
		t.Fatalf("clock as of 2025-03-06 = %+v, want 1 elapsed, 1 paused, on_track", got.Clock)
	}
}

func TestEngine_ApplicationOrder(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.set("2025-03-03 09:00")
	a := w.submit(t, appEnterprise(0), "p-a", 0)

	t.Run("ErrApproveBeforeAccept", func(t *testing.T) {
		_, err := w.AddEvent(appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventApprove})
		appWantCode(t, err, huiqi.EConflict)
	})
	t.Run("ErrResumeWithoutPause", func(t *testing.T) {
		_, err := w.AddEvent(appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventResume})
		appWantCode(t, err, huiqi.EConflict)
	})
	t.Run("ErrDuplicateOpen", func(t *testing.T) {
		_, err := w.SubmitApplication(appEnterprise(0), engine.ApplicationInput{PolicyID: "p-a"})
		appWantCode(t, err, huiqi.EConflict)
	})
	t.Run("ErrAfterStop", func(t *testing.T) {
		w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
		w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventApprove})
		w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})
		for _, typ := range []string{huiqi.EventPause, huiqi.EventDisburse, huiqi.EventReject, huiqi.EventApprove} {
			in := engine.EventInput{Type: typ, Reason: huiqi.PauseHearing, Note: "说明"}
			if typ != huiqi.EventPause {
				in.Reason = ""
			}
			if typ == huiqi.EventDisburse {
				in.Amount = new(huiqi.Yuan)
			}
			_, err := w.AddEvent(appOfficialA, a.ID, in)
			appWantCode(t, err, huiqi.EConflict)
		}
	})
	t.Run("ResubmitAfterStop", func(t *testing.T) {
		b := w.submit(t, appEnterprise(0), "p-a", 0)
		if b.ID == a.ID {
			t.Fatalf("a new application after the first closed has the same id %d", b.ID)
		}
		w.do(t, appEnterprise(0), b.ID, engine.EventInput{Type: huiqi.EventWithdraw})
		w.submit(t, appEnterprise(0), "p-a", 0)
	})
	t.Run("ErrPolicy", func(t *testing.T) {
		if _, err := w.CreatePolicy(appAdmin, []byte(`{"id": "p-draft", "title": "草稿", "department": "`+appDeptA+`",
			"eligibility": {"all": [{"field": "region", "op": "prefix", "value": "3505"}]}, "benefit": {"kind": "service"}}`)); err != nil {
			t.Fatal(err)
		}
		w.policy(t, "p-gone", appDeptA, nil)
		if _, err := w.WithdrawPolicy(appAdmin, "p-gone"); err != nil {
			t.Fatal(err)
		}
		w.policy(t, "p-auto", appDeptA, func(m map[string]any) { m["mode"] = "auto" })
		w.policy(t, "p-old", appDeptA, func(m map[string]any) { m["valid_to"] = "2024-12-31" })
		for _, tt := range []struct {
			policy, want string
		}{
			{"p-none", huiqi.ENotFound},
			{"p-draft", huiqi.ENotFound}, // a draft the enterprise may not see does not exist for it
			{"p-gone", huiqi.EConflict},
			{"p-auto", huiqi.EConflict},
			{"p-old", huiqi.EConflict},
		} {
			_, err := w.SubmitApplication(appEnterprise(1), engine.ApplicationInput{PolicyID: tt.policy})
			if got := huiqi.ErrorCode(err); got != tt.want {
				t.Errorf("SubmitApplication(%s) code = %q (%v), want %q", tt.policy, got, err, tt.want)
			}
		}
		_, err := w.SubmitApplication(appAdmin, engine.ApplicationInput{PolicyID: "p-a", CreditCode: "91350582MA2XYZ0001"})
		appWantCode(t, err, huiqi.ENotFound)
	})
}

func TestEngine_ApplicationAuthorization(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.policy(t, "p-b", appDeptB, nil)
	w.set("2025-03-03 09:00")
	a := w.submit(t, appEnterprise(0), "p-a", 0)
	b := w.submit(t, appEnterprise(1), "p-b", 1)
	w.set("2025-03-04 09:00")
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseExpertReview, Note: "专家评审"})

	read := func(ctx context.Context, id int64) error { _, err := w.FindApplication(ctx, id, appDay); return err }
	event := func(ctx context.Context, id int64, typ string) error {
		_, err := w.AddEvent(ctx, id, engine.EventInput{Type: typ})
		return err
	}
	list := func(ctx context.Context, q engine.ApplicationQuery) (int, error) {
		_, total, _, err := w.ListApplications(ctx, q, appDay, engine.Page{})
		return total, err
	}
	count := func(n int, err error) error {
		if err == nil {
			return fmt.Errorf("total %d", n)
		}
		return err
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"anonymous reads", read(context.Background(), a.ID), huiqi.EUnauthorized},
		{"enterprise reads its own", read(appEnterprise(0), a.ID), ""},
		{"enterprise reads another's", read(appEnterprise(0), b.ID), huiqi.EForbidden},
		{"official reads its department's", read(appOfficialA, a.ID), ""},
		{"official reads another department's", read(appOfficialA, b.ID), huiqi.EForbidden},
		{"auditor reads", read(appAuditor, b.ID), ""},
		{"enterprise applies for another", func() error {
			_, err := w.SubmitApplication(appEnterprise(0), engine.ApplicationInput{PolicyID: "p-b", CreditCode: appCodes[1]})
			return err
		}(), huiqi.EForbidden},
		{"official applies", func() error {
			_, err := w.SubmitApplication(appOfficialA, engine.ApplicationInput{PolicyID: "p-a", CreditCode: appCodes[2]})
			return err
		}(), huiqi.EForbidden},
		{"auditor applies", func() error {
			_, err := w.SubmitApplication(appAuditor, engine.ApplicationInput{PolicyID: "p-a", CreditCode: appCodes[2]})
			return err
		}(), huiqi.EForbidden},
		{"enterprise accepts its own", event(appEnterprise(1), b.ID, huiqi.EventAccept), huiqi.EForbidden},
		{"enterprise withdraws another's", event(appEnterprise(0), b.ID, huiqi.EventWithdraw), huiqi.EForbidden},
		{"enterprise ends an expert review", event(appEnterprise(0), a.ID, huiqi.EventResume), huiqi.EForbidden},
		{"official accepts another department's", event(appOfficialA, b.ID, huiqi.EventAccept), huiqi.EForbidden},
		{"auditor accepts", event(appAuditor, b.ID, huiqi.EventAccept), huiqi.EForbidden},
		{"enterprise lists another's", func() error {
			_, err := list(appEnterprise(0), engine.ApplicationQuery{CreditCode: appCodes[1]})
			return err
		}(), huiqi.EForbidden},
		{"official lists another department's", func() error {
			_, err := list(appOfficialA, engine.ApplicationQuery{Department: appDeptB})
			return err
		}(), huiqi.EForbidden},
		{"enterprise reads the audit", func() error {
			_, err := w.AuditStats(appEnterprise(0), engine.StatsQuery{AsOf: appDay})
			return err
		}(), huiqi.EForbidden},
		{"official reads another department's figures", func() error {
			_, err := w.AuditStats(appOfficialA, engine.StatsQuery{AsOf: appDay, Department: appDeptB})
			return err
		}(), huiqi.EForbidden},
		{"official verifies the chain", func() error { _, err := w.VerifyChain(appOfficialA); return err }(), huiqi.EForbidden},
		{"auditor verifies the chain", func() error { _, err := w.VerifyChain(appAuditor); return err }(), ""},
		{"enterprise lists its own", func() error {
			if n, err := list(appEnterprise(0), engine.ApplicationQuery{}); err != nil || n != 1 {
				return count(n, err)
			}
			return nil
		}(), ""},
		{"official lists its department's", func() error {
			if n, err := list(appOfficialB, engine.ApplicationQuery{}); err != nil || n != 1 {
				return count(n, err)
			}
			return nil
		}(), ""},
		{"auditor lists all", func() error {
			if n, err := list(appAuditor, engine.ApplicationQuery{}); err != nil || n != 2 {
				return count(n, err)
			}
			return nil
		}(), ""},
	}
	for _, tt := range tests {
		if got := huiqi.ErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, tt.err, tt.want)
		}
	}
	// A refused event stores nothing.
	if got, err := w.FindApplication(appAdmin, b.ID, appDay); err != nil || len(got.Events) != 1 {
		t.Fatalf("after refused events: %d events, %v; want 1", len(got.Events), err)
	}
}

func TestEngine_ApproveRefused(t *testing.T) {
	t.Run("ErrDishonest", func(t *testing.T) {
		w := newAppWorld(t)
		w.policy(t, "p-a", appDeptA, nil)
		w.set("2025-03-03 09:00")
		a := w.submit(t, appEnterprise(0), "p-a", 0)
		w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
		p := appProfile(appCodes[0])
		p.Dishonest = true
		if err := w.UpdateEnterprise(appAdmin, appCodes[0], p); err != nil {
			t.Fatal(err)
		}
		_, err := w.AddEvent(appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventApprove})
		appWantCode(t, err, huiqi.EConflict)
		if got, _ := w.FindApplication(appAdmin, a.ID, appDay); got.State != huiqi.StateAccepted || len(got.Events) != 2 {
			t.Fatalf("after a refused approval: state %q with %d events, want accepted with 2", got.State, len(got.Events))
		}
	})
	t.Run("ErrBudget", func(t *testing.T) {
		w := newAppWorld(t)
		w.policy(t, "p-a", appDeptA, func(m map[string]any) { m["budget"] = 150000 })
		w.set("2025-03-03 09:00")
		var ids []int64
		for i := range 3 {
			a := w.submit(t, appEnterprise(i), "p-a", i)
			w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
			ids = append(ids, a.ID)
		}
		w.do(t, appOfficialA, ids[0], engine.EventInput{Type: huiqi.EventApprove}) // 100,000 of 150,000
		_, err := w.AddEvent(appOfficialA, ids[1], engine.EventInput{Type: huiqi.EventApprove})
		appWantCode(t, err, huiqi.EConflict)
		// An explicit amount within what is left is approved.
		w.do(t, appOfficialA, ids[1], engine.EventInput{Type: huiqi.EventApprove, Amount: new(50_000 * huiqi.Yuan)})
		// Paying more than was approved cannot get round the budget.
		_, err = w.AddEvent(appOfficialA, ids[1], engine.EventInput{Type: huiqi.EventDisburse, Amount: new(60_000 * huiqi.Yuan)})
		appWantCode(t, err, huiqi.EConflict)
		w.do(t, appOfficialA, ids[1], engine.EventInput{Type: huiqi.EventDisburse, Amount: new(50_000 * huiqi.Yuan)})
		// A rejection after approval frees its money.
		_, err = w.AddEvent(appOfficialA, ids[2], engine.EventInput{Type: huiqi.EventApprove})
		appWantCode(t, err, huiqi.EConflict)
		w.do(t, appOfficialA, ids[0], engine.EventInput{Type: huiqi.EventReject, Note: "材料造假"})
		w.do(t, appOfficialA, ids[2], engine.EventInput{Type: huiqi.EventApprove})
	})
}

func TestEngine_EventTime(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.set("2025-03-10 09:00")
	past := appTime("2025-03-03 09:00")

	t.Run("ErrBackdatedByEnterprise", func(t *testing.T) {
		_, err := w.SubmitApplication(appEnterprise(0), engine.ApplicationInput{PolicyID: "p-a", At: &past})
		appWantCode(t, err, huiqi.EInvalid)
		if f := huiqi.ErrorField(err); f != "at" {
			t.Fatalf("field = %q, want at", f)
		}
	})
	a := w.submit(t, appEnterprise(0), "p-a", 0)
	t.Run("ErrBackdatedByOfficial", func(t *testing.T) {
		_, err := w.AddEvent(appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept, At: &past})
		appWantCode(t, err, huiqi.EInvalid)
		if f := huiqi.ErrorField(err); f != "at" {
			t.Fatalf("field = %q, want at", f)
		}
	})
	t.Run("ServerTime", func(t *testing.T) {
		w.set("2025-03-11 09:30")
		got := w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
		if at := got.Events[1].At; !at.Equal(appTime("2025-03-11 09:30")) {
			t.Fatalf("accept at %v, want the server's time", at)
		}
	})
	t.Run("AdminAt", func(t *testing.T) {
		b, err := w.SubmitApplication(appAdmin, engine.ApplicationInput{PolicyID: "p-a", CreditCode: appCodes[1], At: &past})
		if err != nil {
			t.Fatal(err)
		}
		if !b.Events[0].At.Equal(past) || b.Events[0].Actor != "admin" {
			t.Fatalf("submit at %v by %q, want %v by admin", b.Events[0].At, b.Events[0].Actor, past)
		}
		before := past.Add(-time.Minute)
		_, err = w.AddEvent(appAdmin, b.ID, engine.EventInput{Type: huiqi.EventAccept, At: &before})
		appWantCode(t, err, huiqi.EInvalid)
		future := w.clock().Add(time.Minute)
		_, err = w.AddEvent(appAdmin, b.ID, engine.EventInput{Type: huiqi.EventAccept, At: &future})
		appWantCode(t, err, huiqi.EInvalid)
		at := appTime("2025-03-04 10:00")
		b = w.do(t, appAdmin, b.ID, engine.EventInput{Type: huiqi.EventAccept, At: &at})
		if b.Clock.AcceptedOn != huiqi.NewDate(2025, 3, 4) {
			t.Fatalf("accepted on %s, want 2025-03-04", b.Clock.AcceptedOn)
		}
	})
}

// TestEngine_ApplicationRace sends the same event from many goroutines at
// once, through one engine on a real SQLite file: exactly one may win.
func TestEngine_ApplicationRace(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.set("2025-03-03 09:00")
	a := w.submit(t, appEnterprise(0), "p-a", 0)
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventApprove})

	race := func(n int, fn func() error) (won int, codes map[string]int) {
		codes = map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				err := fn()
				mu.Lock()
				defer mu.Unlock()
				codes[huiqi.ErrorCode(err)]++
			})
		}
		close(start)
		wg.Wait()
		return codes[""], codes
	}
	t.Run("Disburse", func(t *testing.T) {
		_, codes := race(16, func() error {
			_, err := w.AddEvent(appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})
			return err
		})
		if codes[""] != 1 || codes[huiqi.EConflict] != 15 {
			t.Fatalf("16 racing disbursements: %v, want 1 success and 15 conflicts", codes)
		}
		got, err := w.FindApplication(appAdmin, a.ID, appDay)
		if err != nil {
			t.Fatal(err)
		}
		payouts := 0
		for _, ev := range got.Events {
			if ev.Type == huiqi.EventDisburse {
				payouts++
			}
		}
		if payouts != 1 || got.State != huiqi.StateDisbursed {
			t.Fatalf("after the race: %d payouts, state %q; want 1, disbursed", payouts, got.State)
		}
	})
	t.Run("Submit", func(t *testing.T) {
		_, codes := race(8, func() error {
			_, err := w.SubmitApplication(appEnterprise(1), engine.ApplicationInput{PolicyID: "p-a"})
			return err
		})
		if codes[""] != 1 || codes[huiqi.EConflict] != 7 {
			t.Fatalf("8 racing submissions: %v, want 1 success and 7 conflicts", codes)
		}
	})
	v, err := w.VerifyChain(appAuditor)
	if err != nil || !v.OK {
		t.Fatalf("VerifyChain after the races = %+v, %v", v, err)
	}
}

func TestEngine_OfferApplication(t *testing.T) {
	w := newAppWorld(t)
	// Publishing the 免申即享 policy already offers it to every enterprise;
	// asking again must return that same offer.
	w.set("2025-03-03 09:00")
	w.policy(t, "p-auto", appDeptA, func(m map[string]any) { m["mode"] = "auto" })
	w.policy(t, "p-a", appDeptA, nil)

	a, err := w.OfferApplication(appAdmin, "p-auto", appCodes[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.State != huiqi.StateOffered || a.Events[0].Actor != "system" {
		t.Fatalf("offer: state %q by %q, want offered by system", a.State, a.Events[0].Actor)
	}
	again, err := w.OfferApplication(appAdmin, "p-auto", appCodes[0])
	if err != nil || again.ID != a.ID || len(again.Events) != 1 {
		t.Fatalf("second offer = application %d with %d events, %v; want the same application %d untouched", again.ID, len(again.Events), err, a.ID)
	}
	w.set("2025-03-04 09:00")
	a = w.do(t, appEnterprise(0), a.ID, engine.EventInput{Type: huiqi.EventConfirm})
	if a.Clock.AcceptedOn != huiqi.NewDate(2025, 3, 4) {
		t.Fatalf("confirmed offer: clock starts %s, want 2025-03-04", a.Clock.AcceptedOn)
	}
	_, err = w.OfferApplication(appAdmin, "p-a", appCodes[0])
	appWantCode(t, err, huiqi.EConflict)
	_, err = w.OfferApplication(appEnterprise(0), "p-auto", appCodes[1])
	appWantCode(t, err, huiqi.EForbidden)
}

// appRaw opens the database file directly, as an intruder would.
func appRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	d, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// appExec runs statements on the file and fails the test on error.
func appExec(tb testing.TB, d *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := d.Exec(s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}

const appDropGuards = `DROP TRIGGER application_events_no_update; DROP TRIGGER application_events_no_delete;
	DROP TRIGGER applications_no_delete; DROP TRIGGER applications_fixed_identity`

// TestEngine_VerifyChain tampers with the database file by plain SQL and
// expects verification to name the first broken link.
func TestEngine_VerifyChain(t *testing.T) {
	// Three applications: 1 disbursed (6 events), 2 running again after a
	// pause (4), 3 submitted by the enterprise itself (1).
	setup := func(t *testing.T) (*appWorld, *sql.DB) {
		w := newAppWorld(t)
		w.policy(t, "p-a", appDeptA, nil)
		w.history(t, "p-a", 0, "submit 2025-03-03", "accept 2025-03-04", "pause expert_review 2025-03-05",
			"resume 2025-03-10", "approve 2025-03-20", "disburse 2025-03-25")
		w.history(t, "p-a", 1, "submit 2025-03-03", "accept 2025-03-04", "pause hearing 2025-03-05")
		w.do(t, appOfficialA, 2, engine.EventInput{Type: huiqi.EventResume})
		w.submit(t, appEnterprise(2), "p-a", 2)
		return w, appRaw(t, w.Path)
	}
	verify := func(t *testing.T, w *appWorld, want *engine.BrokenLink) *engine.Verification {
		t.Helper()
		v, err := w.VerifyChain(appAuditor)
		if err != nil {
			t.Fatal(err)
		}
		if v.OK != (want == nil) {
			t.Fatalf("VerifyChain() ok = %v, broken_at %+v; want broken_at %+v", v.OK, v.BrokenAt, want)
		}
		if want != nil && (v.BrokenAt.ApplicationID != want.ApplicationID || v.BrokenAt.Seq != want.Seq) {
			t.Fatalf("VerifyChain() broken_at = %+v, want application %d event %d", v.BrokenAt, want.ApplicationID, want.Seq)
		}
		return v
	}

	t.Run("OK", func(t *testing.T) {
		w, _ := setup(t)
		v := verify(t, w, nil)
		if v.Checked != 11 || v.Applications != 3 || !v.AppendOnly {
			t.Fatalf("VerifyChain() = %+v, want 11 events of 3 applications, append-only", v)
		}
	})
	t.Run("TriggersRefuse", func(t *testing.T) {
		w, d := setup(t)
		for _, s := range []string{
			`UPDATE application_events SET note = 'x' WHERE application_id = 1 AND seq = 3`,
			`DELETE FROM application_events WHERE application_id = 1 AND seq = 6`,
			`DELETE FROM applications WHERE id = 3`,
			`UPDATE applications SET credit_code = '91350582MA2XYZ0001' WHERE id = 1`,
		} {
			if _, err := d.Exec(s); err == nil {
				t.Errorf("%s: allowed, want refused by a trigger", s)
			}
		}
		verify(t, w, nil)
	})
	tests := []struct {
		name  string
		stmts []string
		want  engine.BrokenLink
	}{
		{"ChangedNote", []string{`UPDATE application_events SET note = '未告知' WHERE application_id = 1 AND seq = 3`}, engine.BrokenLink{ApplicationID: 1, Seq: 3}},
		{"ChangedAmount", []string{`UPDATE application_events SET amount = 999999999 WHERE application_id = 1 AND seq = 6`}, engine.BrokenLink{ApplicationID: 1, Seq: 6}},
		{"ChangedAmountToText", []string{`UPDATE application_events SET amount = 'lots' WHERE application_id = 1 AND seq = 6`}, engine.BrokenLink{ApplicationID: 1, Seq: 6}},
		{"BackdatedAccept", []string{`UPDATE application_events SET at = '2025-03-03T02:00:00.000000000Z' WHERE application_id = 2 AND seq = 2`}, engine.BrokenLink{ApplicationID: 2, Seq: 2}},
		{"GarbledTime", []string{`UPDATE application_events SET at = 'yesterday' WHERE application_id = 2 AND seq = 2`}, engine.BrokenLink{ApplicationID: 2, Seq: 2}},
		{"DeletedMiddle", []string{`DELETE FROM application_events WHERE application_id = 1 AND seq = 3`}, engine.BrokenLink{ApplicationID: 1, Seq: 3}},
		{"DeletedLast", []string{`DELETE FROM application_events WHERE application_id = 2 AND seq = 4`}, engine.BrokenLink{ApplicationID: 2, Seq: 4}},
		{"DeletedOnly", []string{`DELETE FROM application_events WHERE application_id = 3`}, engine.BrokenLink{ApplicationID: 3, Seq: 1}},
		{"DeletedApplication", []string{`DELETE FROM application_events WHERE application_id = 2`, `DELETE FROM applications WHERE id = 2`}, engine.BrokenLink{ApplicationID: 2}},
		{"DeletedLastApplication", []string{`DELETE FROM application_events WHERE application_id = 3`, `DELETE FROM applications WHERE id = 3`}, engine.BrokenLink{ApplicationID: 3}},
		{"ChangedState", []string{`UPDATE applications SET state = 'disbursed' WHERE id = 2`}, engine.BrokenLink{ApplicationID: 2}},
		{"ChangedPayout", []string{`UPDATE applications SET amount_disbursed = 1 WHERE id = 1`}, engine.BrokenLink{ApplicationID: 1}},
		{"ReassignedApplication", []string{`UPDATE applications SET credit_code = '` + appCodes[5] + `' WHERE id = 3`}, engine.BrokenLink{ApplicationID: 3, Seq: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, d := setup(t)
			appExec(t, d, appDropGuards)
			appExec(t, d, tt.stmts...)
			v := verify(t, w, &tt.want)
			if v.AppendOnly || len(v.MissingGuards) != 4 {
				t.Fatalf("append_only = %v, missing %v; want the dropped triggers reported", v.AppendOnly, v.MissingGuards)
			}
		})
	}
	// An intruder who knows the hash rule and rehashes the event they
	// changed still breaks the link to the next event.
	t.Run("RehashedEvent", func(t *testing.T) {
		w, d := setup(t)
		appExec(t, d, appDropGuards)
		var ev huiqi.Event
		var at string
		var amount sql.NullInt64
		if err := d.QueryRow(`SELECT seq, type, at, actor, reason, note, amount, prev_hash FROM application_events
			WHERE application_id = 1 AND seq = 3`).Scan(&ev.Seq, &ev.Type, &at, &ev.Actor, &ev.Reason, &ev.Note, &amount, &ev.PrevHash); err != nil {
			t.Fatal(err)
		}
		ev.At, _ = time.Parse(time.RFC3339Nano, at)
		ev.Reason, ev.Note = huiqi.PauseSupplement, "请补正（事后改写）"
		if _, err := d.Exec(`UPDATE application_events SET reason = ?, note = ?, hash = ? WHERE application_id = 1 AND seq = 3`,
			ev.Reason, ev.Note, ev.ComputeHash(1, ev.PrevHash)); err != nil {
			t.Fatal(err)
		}
		verify(t, w, &engine.BrokenLink{ApplicationID: 1, Seq: 4})
	})
}

// appStatsWorld records the hand-made history of TestEngine_AuditStats.
// Every application is accepted the day after submission unless noted;
// deadlines are 45 days, targets 40, calendar days; 2025 holidays apply.
func appStatsWorld(t *testing.T) *appWorld {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.policy(t, "p-b", appDeptA, nil)
	w.policy(t, "p-c", appDeptB, nil)
	// 1: start 03-04, paid 04-08 after 35 days: met_target.
	w.history(t, "p-a", 0, "submit 2025-03-03", "accept 2025-03-04", "approve 2025-04-01", "disburse 2025-04-08")
	// 2: paid 04-15 after 42 days, by the deadline 04-18: on_time.
	w.history(t, "p-a", 1, "submit 2025-03-03", "accept 2025-03-04", "approve 2025-04-10", "disburse 2025-04-15")
	// 3: paused 03-10 to 03-20 (10 days); deadline 03-04 + 55 = 04-28;
	// paid 04-30 after 47 days: late.
	w.history(t, "p-a", 2, "submit 2025-03-03", "accept 2025-03-04", "pause expert_review 2025-03-10",
		"resume 2025-03-20", "approve 2025-04-25", "disburse 2025-04-30")
	// 4: start 05-12, deadline 06-26; 49 days on 06-30: overdue.
	w.history(t, "p-b", 3, "submit 2025-05-12", "accept 2025-05-12")
	// 5: start 06-03; 27 days on 06-30: on_track.
	w.history(t, "p-b", 4, "submit 2025-06-03", "accept 2025-06-03")
	// 6: start 05-19, deadline 07-03; 42 days on 06-30: at_risk.
	w.history(t, "p-b", 5, "submit 2025-05-19", "accept 2025-05-19")
	// 7: submitted 06-23 (Monday), not accepted; the 5-working-day window
	// ends 06-30, so on 06-30 it is not yet deemed accepted: not_started.
	w.history(t, "p-c", 0, "submit 2025-06-23")
	// 8: rejected before acceptance: closed.
	w.history(t, "p-c", 1, "submit 2025-06-09", "reject 2025-06-10")
	// 9: submitted 06-09, never accepted: deemed accepted on 06-09 once
	// 06-16 has passed; 21 days on 06-30: on_track.
	w.history(t, "p-c", 2, "submit 2025-06-09")
	return w
}

func TestEngine_AuditStats(t *testing.T) {
	w := appStatsWorld(t)
	on := huiqi.NewDate(2025, 6, 30)
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	// Every enterprise is eligible for every policy, and each match was
	// pushed when it appeared.
	matched := len(appCodes)
	groupA := engine.StatsGroup{
		Key: appDeptA, Count: 6, Started: 6,
		OnTimeRate: f(2.0 / 3), TargetRate: f(1.0 / 3),
		MedianDays: n(42), P90Days: n(49), // elapsed 27 35 42 42 47 49
		Overdue: 1, AtRisk: 1,
		Funnel: engine.Funnel{Matched: 2 * matched, Pushed: 2 * matched, Applied: 6, Accepted: 6, Disbursed: 3, AmountApproved: 300_000 * huiqi.Yuan, AmountDisbursed: 300_000 * huiqi.Yuan},
	}
	groupB := engine.StatsGroup{
		Key: appDeptB, Count: 3, Started: 1, MedianDays: n(21), P90Days: n(21),
		Funnel: engine.Funnel{Matched: matched, Pushed: matched, Applied: 3, Accepted: 1},
	}
	total := engine.StatsGroup{
		Key: "全部", Count: 9, Started: 7, OnTimeRate: f(2.0 / 3), TargetRate: f(1.0 / 3),
		MedianDays: n(42), P90Days: n(49), Overdue: 1, AtRisk: 1, // elapsed 21 27 35 42 42 47 49
		Funnel: engine.Funnel{Matched: 3 * matched, Pushed: 3 * matched, Applied: 9, Accepted: 7, Disbursed: 3, AmountApproved: 300_000 * huiqi.Yuan, AmountDisbursed: 300_000 * huiqi.Yuan},
	}
	t.Run("ByDepartment", func(t *testing.T) {
		got, err := w.AuditStats(appAuditor, engine.StatsQuery{AsOf: on})
		if err != nil {
			t.Fatal(err)
		}
		want := &engine.Stats{AsOf: on, By: "department", Groups: []engine.StatsGroup{groupA, groupB}, Total: total}
		if diff := cmp.Diff(want, got, appCmp); diff != "" {
			t.Fatalf("AuditStats() (-want +got):\n%s", diff)
		}
	})
	t.Run("ByPolicy", func(t *testing.T) {
		got, err := w.AuditStats(appOfficialA, engine.StatsQuery{AsOf: on, By: "policy"})
		if err != nil {
			t.Fatal(err)
		}
		want := []engine.StatsGroup{{
			Key: "p-a", Title: "测试政策 p-a", Department: appDeptA, Count: 3, Started: 3,
			OnTimeRate: f(2.0 / 3), TargetRate: f(1.0 / 3), MedianDays: n(42), P90Days: n(47), // 35 42 47
			Funnel: engine.Funnel{Matched: matched, Pushed: matched, Applied: 3, Accepted: 3, Disbursed: 3, AmountApproved: 300_000 * huiqi.Yuan, AmountDisbursed: 300_000 * huiqi.Yuan},
		}, {
			Key: "p-b", Title: "测试政策 p-b", Department: appDeptA, Count: 3, Started: 3,
			MedianDays: n(42), P90Days: n(49), Overdue: 1, AtRisk: 1, // 27 42 49
			Funnel: engine.Funnel{Matched: matched, Pushed: matched, Applied: 3, Accepted: 3},
		}}
		if diff := cmp.Diff(want, got.Groups, appCmp); diff != "" {
			t.Fatalf("AuditStats(official, by policy) groups (-want +got):\n%s", diff)
		}
	})
	t.Run("AsOfThePast", func(t *testing.T) {
		// On 04-10 only the first three existed: 1 paid after 35 days, 2 and
		// 3 running (37 days, and 27 after their pause).
		got, err := w.AuditStats(appAdmin, engine.StatsQuery{AsOf: huiqi.NewDate(2025, 4, 10), Department: appDeptA})
		if err != nil {
			t.Fatal(err)
		}
		want := []engine.StatsGroup{{
			Key: appDeptA, Count: 3, Started: 3, OnTimeRate: f(1), TargetRate: f(1), MedianDays: n(35), P90Days: n(37),
			// The matches were pushed on 06-30, when the policies were
			// published; the decision record holds today's matches only.
			Funnel: engine.Funnel{Matched: 2 * matched, Pushed: 0, Applied: 3, Accepted: 3, Disbursed: 1, AmountApproved: 200_000 * huiqi.Yuan, AmountDisbursed: 100_000 * huiqi.Yuan},
		}}
		if diff := cmp.Diff(want, got.Groups, appCmp); diff != "" {
			t.Fatalf("AuditStats(as of 2025-04-10) groups (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrBy", func(t *testing.T) {
		_, err := w.AuditStats(appAdmin, engine.StatsQuery{AsOf: on, By: "region"})
		appWantCode(t, err, huiqi.EInvalid)
	})
}

func TestEngine_AuditClock(t *testing.T) {
	w := appStatsWorld(t)
	on := huiqi.NewDate(2025, 6, 30)
	ids := func(l *engine.ClockList) []int64 {
		var out []int64
		for _, a := range l.Items {
			out = append(out, a.ID)
		}
		return out
	}
	t.Run("Status", func(t *testing.T) {
		for status, want := range map[string][]int64{
			clock.StatusOverdue: {4}, clock.StatusAtRisk: {6}, clock.StatusOnTrack: {5, 9},
			clock.StatusMetTarget: {1}, clock.StatusOnTime: {2}, clock.StatusLate: {3},
			clock.StatusNotStarted: {7}, clock.StatusClosed: {8},
		} {
			got, err := w.AuditClock(appAuditor, engine.ClockQuery{AsOf: on, Status: status}, engine.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, ids(got)); diff != "" {
				t.Errorf("AuditClock(status %s) ids (-want +got):\n%s", status, diff)
			}
		}
		_, err := w.AuditClock(appAuditor, engine.ClockQuery{AsOf: on, Status: "late-ish"}, engine.Page{})
		appWantCode(t, err, huiqi.EInvalid)
	})
	t.Run("Paged", func(t *testing.T) {
		var all []int64
		pg := engine.Page{Limit: 4}
		for range 5 {
			l, err := w.AuditClock(appAdmin, engine.ClockQuery{AsOf: on}, pg)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids(l)...)
			if l.Next == nil {
				break
			}
			pg.After = *l.Next
		}
		if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9}, all); diff != "" {
			t.Fatalf("pages (-want +got):\n%s", diff)
		}
	})
	t.Run("Official", func(t *testing.T) {
		l, err := w.AuditClock(appOfficialB, engine.ClockQuery{AsOf: on}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{7, 8, 9}, ids(l)); diff != "" {
			t.Fatalf("official's clock list (-want +got):\n%s", diff)
		}
		if c := l.Items[2].Clock; !c.Deemed || c.AcceptedOn != huiqi.NewDate(2025, 6, 9) || c.ElapsedDays != 21 {
			t.Fatalf("application 9 clock = %+v, want deemed accepted on 2025-06-09, 21 days", c)
		}
	})
	t.Run("StateAsOf", func(t *testing.T) {
		l, err := w.AuditClock(appAdmin, engine.ClockQuery{AsOf: huiqi.NewDate(2025, 3, 15), PolicyID: "p-a"}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, a := range l.Items {
			states = append(states, a.State)
		}
		if diff := cmp.Diff([]string{huiqi.StateAccepted, huiqi.StateAccepted, huiqi.StatePaused}, states); diff != "" {
			t.Fatalf("states as of 2025-03-15 (-want +got):\n%s", diff)
		}
	})
}

// TestClockCSV checks exchange.ClockCSV on the engine's clock list; it
// lives here for the world of applications these tests build.
func TestClockCSV(t *testing.T) {
	w := appStatsWorld(t)
	var buf bytes.Buffer
	if err := exchange.ClockCSV(appAuditor, w.Engine, engine.ClockQuery{AsOf: huiqi.NewDate(2025, 6, 30)}, &buf); err != nil {
		t.Fatal(err)
	}
	b, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("export starts %q, want the UTF-8 byte order mark", buf.Bytes()[:min(8, buf.Len())])
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("export lines do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Fatalf("export has %d rows, want a header and 9 applications", len(rows))
	}
	header := rows[0]
	for _, col := range []string{"申请编号", "政策名称", "主管部门", "统一社会信用代码", "企业名称", "受理日期", "截止日期", "已用天数", "暂停天数", "时限状态"} {
		if !strings.Contains(strings.Join(header, ","), col) {
			t.Errorf("header %q lacks %s", header, col)
		}
	}
	row := map[string]string{}
	for i, h := range header {
		row[h] = rows[4][i] // application 4, overdue
	}
	want := map[string]string{
		"申请编号": "4", "政策编号": "p-b", "主管部门": appDeptA, "统一社会信用代码": appCodes[3],
		"状态": "已受理", "受理日期": "2025-05-12", "截止日期": "2025-06-26", "已用天数": "49", "暂停天数": "0",
		"时限天数": "45", "目标天数": "40", "时限状态": "已超期", "计时方式": "自然日",
	}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("row of application 4: %s = %q, want %q", k, row[k], v)
		}
	}

	var nothing bytes.Buffer
	err = exchange.ClockCSV(appEnterprise(0), w.Engine, engine.ClockQuery{AsOf: huiqi.NewDate(2025, 6, 30)}, &nothing)
	appWantCode(t, err, huiqi.EForbidden)
	if nothing.Len() != 0 {
		t.Fatalf("a refused export wrote %d bytes", nothing.Len())
	}
}

func TestEngine_ImportApplications(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	line := func(code string, events ...string) string {
		return fmt.Sprintf(`{"policy_id": "p-a", "credit_code": %q, "events": [%s]}`, code, strings.Join(events, ","))
	}
	ev := func(typ, at string, extra ...string) string {
		return fmt.Sprintf(`{"type": %q, "at": %q%s}`, typ, at, strings.Join(extra, ""))
	}
	input := strings.Join([]string{
		line(appCodes[0], ev("submit", "2025-03-03T09:00:00+08:00"), ev("accept", "2025-03-04T10:00:00+08:00"),
			ev("approve", "2025-03-20T10:00:00+08:00", `, "amount": 100000`), ev("disburse", "2025-03-25T10:00:00+08:00", `, "amount": 100000`)),
		line(appCodes[1], ev("submit", "2025-03-03T09:00:00+08:00"), ev("accept", "2025-03-02T10:00:00+08:00")), // 2: before its predecessor
		line(appCodes[1], ev("submit", "2025-03-03T09:00:00+08:00"), ev("accept", "2025-07-02T10:00:00+08:00")), // 3: in the future
		``, // 4: blank
		`{"policy_id": "p-none", "credit_code": "` + appCodes[1] + `", "events": [` + ev("submit", "2025-03-03T09:00:00+08:00") + `]}`,
		line(appCodes[1], ev("submit", "2025-03-03T09:00:00+08:00"), ev("approve", "2025-03-04T10:00:00+08:00")), // 6: out of order
		line(appCodes[1], ev("submit", "2025-03-03T09:00:00+08:00"), ev("pause", "2025-03-04T10:00:00+08:00", `, "reason": "supplement", "note": "补正"`)),
		line(appCodes[1], ev("submit", "2025-03-05T09:00:00+08:00")), // 8: a second open application
		line(appCodes[2], ev("submit", "yesterday")),                 // 9
		`{"policy_id": "p-a", "credit_code": "` + appCodes[2] + `", "events": [], "extra": 1}`,
		line(appCodes[2], ev("offer", "2025-03-03T09:00:00+08:00"), ev("confirm", "2025-03-04T09:00:00+08:00")),
	}, "\n")
	rep, err := w.ImportApplications(appAdmin, exchange.NewApplicationReader(strings.NewReader(input)), nil)
	if err != nil {
		t.Fatal(err)
	}
	type lineErr struct {
		Line        int
		Code, Field string
	}
	var got []lineErr
	for _, e := range rep.Errors {
		got = append(got, lineErr{e.Line, e.Code, e.Field})
	}
	want := []lineErr{
		{2, huiqi.EInvalid, "events[1].at"},
		{3, huiqi.EInvalid, "events[1].at"},
		{5, huiqi.ENotFound, "policy_id"},
		{6, huiqi.EConflict, "events[1]"},
		{8, huiqi.EConflict, ""},
		{9, huiqi.EInvalid, "events[0].at"},
		{10, huiqi.EInvalid, "extra"},
	}
	if diff := cmp.Diff(want, got); diff != "" || rep.Accepted != 3 || rep.Rejected != 7 {
		t.Fatalf("ImportApplications() accepted %d, rejected %d, errors (-want +got):\n%s", rep.Accepted, rep.Rejected, diff)
	}
	a, err := w.FindApplication(appAdmin, 1, huiqi.NewDate(2025, 6, 30))
	if err != nil {
		t.Fatal(err)
	}
	if a.State != huiqi.StateDisbursed || a.Clock.Status != clock.StatusMetTarget || a.Clock.ElapsedDays != 21 ||
		a.Events[1].Actor != "official:"+appDeptA || a.Events[0].Actor != "enterprise:"+appCodes[0] {
		t.Fatalf("imported application 1: state %q, clock %+v, actors %q %q", a.State, a.Clock, a.Events[0].Actor, a.Events[1].Actor)
	}
	appChainOK(t, a)
	if v, err := w.VerifyChain(appAuditor); err != nil || !v.OK || v.Applications != 3 {
		t.Fatalf("VerifyChain() after import = %+v, %v", v, err)
	}
	_, err = w.ImportApplications(appOfficialA, exchange.NewApplicationReader(strings.NewReader(input)), nil)
	appWantCode(t, err, huiqi.EForbidden)
}

// TestEngine_ImportRollsBackFailedLine checks that a line refused inside
// the batch transaction leaves nothing behind: no id used, no event.
func TestEngine_ImportRollsBackFailedLine(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	input := fmt.Sprintf(`{"policy_id": "p-a", "credit_code": %[1]q, "events": [{"type": "submit", "at": "2025-03-03T09:00:00+08:00"}]}
{"policy_id": "p-a", "credit_code": %[1]q, "events": [{"type": "submit", "at": "2025-03-04T09:00:00+08:00"}]}
{"policy_id": "p-a", "credit_code": %[2]q, "events": [{"type": "submit", "at": "2025-03-04T09:00:00+08:00"}]}`, appCodes[0], appCodes[1])
	rep, err := w.ImportApplications(appAdmin, exchange.NewApplicationReader(strings.NewReader(input)), nil)
	if err != nil || rep.Accepted != 2 || rep.Rejected != 1 {
		t.Fatalf("ImportApplications() = %+v, %v; want 2 accepted, 1 rejected", rep, err)
	}
	if v, err := w.VerifyChain(appAuditor); err != nil || !v.OK || v.Applications != 2 {
		t.Fatalf("VerifyChain() = %+v, %v; want 2 applications with ids 1 and 2, intact", v, err)
	}
}

package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
	"github.com/huiqi/huiqi/sqlite"
)

// accepted files and accepts an application of the i-th enterprise.
func (w *appWorld) accepted(tb testing.TB, policyID string, i int) int64 {
	tb.Helper()
	a := w.submit(tb, appEnterprise(i), policyID, i)
	w.do(tb, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
	return a.ID
}

// refusedUnchanged checks that err has the code and mentions every one of
// names, and that application id still has n events.
func (w *appWorld) refusedUnchanged(tb testing.TB, err error, code string, id int64, n int, names ...string) {
	tb.Helper()
	appWantCode(tb, err, code)
	for _, s := range names {
		if !strings.Contains(huiqi.ErrorMessage(err), s) {
			tb.Fatalf("error %q does not name %q", huiqi.ErrorMessage(err), s)
		}
	}
	got, ferr := w.FindApplication(appAdmin, id, appDay)
	if ferr != nil {
		tb.Fatal(ferr)
	}
	if len(got.Events) != n {
		tb.Fatalf("after a refusal application %d has %d events, want %d", id, len(got.Events), n)
	}
}

func TestEngine_ApprovedAmount(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil) // fixed 100,000 yuan
	w.set("2025-03-03 09:00")
	yuan := func(n int64) *huiqi.Money { return new(huiqi.Money(n) * huiqi.Yuan) }

	t.Run("DefaultIsTheEstimate", func(t *testing.T) {
		id := w.accepted(t, "p-a", 0)
		a := w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove})
		if diff := cmp.Diff([]*huiqi.Money{yuan(100_000), yuan(100_000)}, []*huiqi.Money{a.AmountApproved, a.ApprovalEstimate}); diff != "" || a.OverEstimate {
			t.Fatalf("approved, estimate (-want +got):\n%s over %v", diff, a.OverEstimate)
		}
		// Paying more than approved is refused and names the application.
		_, err := w.AddEvent(appOfficialA, id, engine.EventInput{Type: huiqi.EventDisburse, Amount: yuan(5_000_000)})
		w.refusedUnchanged(t, err, huiqi.EConflict, id, 3, "100000 元", "已批准未兑现")
		a = w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventDisburse, Amount: yuan(100_000)})
		if a.State != huiqi.StateDisbursed {
			t.Fatalf("state %q, want disbursed", a.State)
		}
	})
	t.Run("Less", func(t *testing.T) {
		id := w.accepted(t, "p-a", 1)
		a := w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove, Amount: yuan(60_000)})
		if *a.AmountApproved != *yuan(60_000) || a.OverEstimate {
			t.Fatalf("approved %v over %v, want 60000 not over", a.AmountApproved, a.OverEstimate)
		}
		_, err := w.AddEvent(appOfficialA, id, engine.EventInput{Type: huiqi.EventDisburse, Amount: yuan(60_001)})
		w.refusedUnchanged(t, err, huiqi.EConflict, id, 3)
	})
	t.Run("MoreNeedsANote", func(t *testing.T) {
		id := w.accepted(t, "p-a", 2)
		_, err := w.AddEvent(appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove, Amount: yuan(120_000)})
		w.refusedUnchanged(t, err, huiqi.EInvalid, id, 2, "100000 元")
		if f := huiqi.ErrorField(err); f != "note" {
			t.Fatalf("field = %q, want note", f)
		}
		a := w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove, Amount: yuan(120_000), Note: "专家评审认定追加"})
		if !a.OverEstimate || *a.ApprovalEstimate != *yuan(100_000) {
			t.Fatalf("over %v estimate %v, want flagged against 100000", a.OverEstimate, a.ApprovalEstimate)
		}
		list, err := w.AuditClock(appAuditor, engine.ClockQuery{AsOf: huiqi.NewDate(2025, 3, 3)}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range list.Items {
			if it.OverEstimate != (it.ID == id) {
				t.Fatalf("clock list: application %d over_estimate %v", it.ID, it.OverEstimate)
			}
		}
	})
}

func TestEngine_ExclusiveGroup(t *testing.T) {
	w := newAppWorld(t)
	group := func(m map[string]any) { m["exclusive_group"] = "rd-subsidy" }
	w.policy(t, "p-sme", appDeptA, group)
	w.policy(t, "p-hightech", appDeptA, group)
	w.policy(t, "p-other", appDeptA, nil)
	w.set("2025-03-03 09:00")
	sme, hightech, other := w.accepted(t, "p-sme", 0), w.accepted(t, "p-hightech", 0), w.accepted(t, "p-other", 0)
	a := w.do(t, appOfficialA, sme, engine.EventInput{Type: huiqi.EventApprove})
	if a.ExclusiveGroup != "rd-subsidy" {
		t.Fatalf("exclusive_group = %q, want rd-subsidy", a.ExclusiveGroup)
	}
	// Each application of the group says that only one can be paid, in
	// words rather than the group's code.
	for _, id := range []int64{sme, hightech} {
		got, err := w.FindApplication(appAdmin, id, appDay)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.ExclusiveNote, "只能有一项申请获批兑现") || strings.Contains(got.ExclusiveNote, "rd-subsidy") {
			t.Errorf("application %d: exclusive_note %q", id, got.ExclusiveNote)
		}
	}
	if got, _ := w.FindApplication(appAdmin, other, appDay); got.ExclusiveNote != "" {
		t.Errorf("an application outside any group has the note %q", got.ExclusiveNote)
	}
	_, err := w.AddEvent(appOfficialA, hightech, engine.EventInput{Type: huiqi.EventApprove})
	w.refusedUnchanged(t, err, huiqi.EConflict, hightech, 2, "申请 1", "p-sme")
	w.do(t, appOfficialA, other, engine.EventInput{Type: huiqi.EventApprove}) // outside the group
	// Once paid it still holds the group.
	w.do(t, appOfficialA, sme, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})
	_, err = w.AddEvent(appOfficialA, hightech, engine.EventInput{Type: huiqi.EventApprove})
	w.refusedUnchanged(t, err, huiqi.EConflict, hightech, 2, "已兑现")
	// Another enterprise is not held by it.
	w.do(t, appOfficialA, w.accepted(t, "p-hightech", 1), engine.EventInput{Type: huiqi.EventApprove})
	// An approval rejected before payout frees the group.
	s2, h2 := w.accepted(t, "p-sme", 2), w.accepted(t, "p-hightech", 2)
	w.do(t, appOfficialA, s2, engine.EventInput{Type: huiqi.EventApprove})
	w.do(t, appOfficialA, s2, engine.EventInput{Type: huiqi.EventReject, Note: "材料不实"})
	w.do(t, appOfficialA, h2, engine.EventInput{Type: huiqi.EventApprove})
}

// race runs fn n times at once and counts the outcomes by error code.
func race(n int, fn func(i int) error) map[string]int {
	codes := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			codes[huiqi.ErrorCode(err)]++
		})
	}
	close(start)
	wg.Wait()
	return codes
}

func TestEngine_ApprovalRaces(t *testing.T) {
	t.Run("Budget", func(t *testing.T) {
		w := newAppWorld(t)
		for i := 6; i < 12; i++ {
			if err := w.CreateEnterprise(appAdmin, appProfile(engCode(i))); err != nil {
				t.Fatal(err)
			}
		}
		// Five of twelve approvals of 100,000 fit.
		w.policy(t, "p-a", appDeptA, func(m map[string]any) { m["budget"] = 500_000 })
		w.set("2025-03-03 09:00")
		var ids []int64
		for i := range 12 {
			code := engCode(i)
			if i < len(appCodes) {
				code = appCodes[i]
			}
			a, err := w.SubmitApplication(appAdmin, engine.ApplicationInput{PolicyID: "p-a", CreditCode: code})
			if err != nil {
				t.Fatal(err)
			}
			w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventAccept})
			ids = append(ids, a.ID)
		}
		codes := race(12, func(i int) error {
			_, err := w.AddEvent(appOfficialA, ids[i], engine.EventInput{Type: huiqi.EventApprove})
			return err
		})
		if codes[""] != 5 || codes[huiqi.EConflict] != 7 {
			t.Fatalf("12 racing approvals under a budget of 5: %v", codes)
		}
		st, err := w.AuditStats(appAuditor, engine.StatsQuery{AsOf: huiqi.NewDate(2025, 3, 3), By: "policy"})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Total.Funnel.AmountApproved; got != 500_000*huiqi.Yuan {
			t.Fatalf("approved total %s, want 500000", got)
		}
	})
	t.Run("Group", func(t *testing.T) {
		w := newAppWorld(t)
		group := func(m map[string]any) { m["exclusive_group"] = "rd-subsidy" }
		w.policy(t, "p-sme", appDeptA, group)
		w.policy(t, "p-hightech", appDeptA, group)
		w.set("2025-03-03 09:00")
		var ids []int64
		for i := range appCodes {
			ids = append(ids, w.accepted(t, "p-sme", i), w.accepted(t, "p-hightech", i))
		}
		codes := race(len(ids), func(i int) error {
			_, err := w.AddEvent(appOfficialA, ids[i], engine.EventInput{Type: huiqi.EventApprove})
			return err
		})
		if codes[""] != len(appCodes) || codes[huiqi.EConflict] != len(appCodes) {
			t.Fatalf("racing approvals of two policies of a group: %v, want one of each enterprise's two", codes)
		}
		for i := range appCodes {
			list, _, _, err := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[i], State: huiqi.StateApproved}, appDay, engine.Page{})
			if err != nil || len(list) != 1 {
				t.Fatalf("enterprise %d: %d approved (%v), want 1", i, len(list), err)
			}
		}
	})
}

func TestEngine_Once(t *testing.T) {
	w := newAppWorld(t)
	w.set("2025-03-03 09:00")
	w.policy(t, "p-once", appDeptA, func(m map[string]any) { m["once"] = true })
	w.policy(t, "p-auto-once", appDeptA, func(m map[string]any) { m["once"], m["mode"] = true, "auto" })
	id := w.accepted(t, "p-once", 0)
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove})
	w.set("2025-03-20 09:00")
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})

	// The offer of the 免申即享 one, opened when it was published, is
	// confirmed and paid.
	offers, _, _, err := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[0], PolicyID: "p-auto-once"}, appDay, engine.Page{})
	if err != nil || len(offers) != 1 {
		t.Fatalf("offers of p-auto-once: %d (%v), want 1", len(offers), err)
	}
	auto := offers[0].ID
	w.do(t, appEnterprise(0), auto, engine.EventInput{Type: huiqi.EventConfirm})
	w.do(t, appOfficialA, auto, engine.EventInput{Type: huiqi.EventApprove})
	w.do(t, appOfficialA, auto, engine.EventInput{Type: huiqi.EventDisburse, Amount: new(100_000 * huiqi.Yuan)})

	day := huiqi.NewDate(2025, 3, 20)
	r, err := w.MatchEnterprise(appAdmin, appCodes[0], day, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.Eligible {
		if v.PolicyID == "p-once" || v.PolicyID == "p-auto-once" {
			t.Fatalf("paid enterprise still eligible for %s", v.PolicyID)
		}
	}
	var missing []string
	for _, nm := range r.NearMisses {
		missing = append(missing, nm.PolicyID+" "+nm.Missing.Label+" "+nm.Missing.Actual.(string))
	}
	want := []string{
		"p-auto-once 未享受过本政策 已于 2025-03-20 兑现（申请 " + fmt.Sprint(auto) + "）",
		"p-once 未享受过本政策 已于 2025-03-20 兑现（申请 " + fmt.Sprint(id) + "）",
	}
	slices.Sort(missing)
	if diff := cmp.Diff(want, missing); diff != "" {
		t.Fatalf("near misses (-want +got):\n%s", diff)
	}
	// The decision record no longer holds the pairs.
	vs, err := w.DB.(*sqlite.DB).EnterpriseVerdicts(appAdmin, appCodes[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.PolicyID == "p-once" || v.PolicyID == "p-auto-once" {
			t.Fatalf("decision record still holds %s", v.PolicyID)
		}
	}
	// A new application is refused, naming the payout; nothing is stored.
	before, _ := w.DB.(*sqlite.DB).ApplicationCount(appAdmin)
	_, err = w.SubmitApplication(appEnterprise(0), engine.ApplicationInput{PolicyID: "p-once"})
	appWantCode(t, err, huiqi.EConflict)
	if msg := huiqi.ErrorMessage(err); !strings.Contains(msg, fmt.Sprintf("申请 %d", id)) || !strings.Contains(msg, "2025-03-20") {
		t.Fatalf("refusal %q does not name the payout", msg)
	}
	_, err = w.OfferApplication(appAdmin, "p-auto-once", appCodes[0])
	appWantCode(t, err, huiqi.EConflict)
	if after, _ := w.DB.(*sqlite.DB).ApplicationCount(appAdmin); after != before {
		t.Fatalf("refusals stored applications: %d → %d", before, after)
	}
	// Another enterprise still applies; a restart keeps the exclusion.
	w.submit(t, appEnterprise(1), "p-once", 1)
	e2 := engine.New(w.DB)
	e2.Now = w.clock
	if err := e2.Load(appAdmin); err != nil {
		t.Fatal(err)
	}
	if _, ok := e2.Matcher.Paid("p-once", appCodes[0]); !ok {
		t.Fatal("after a restart the payout is not known")
	}
}

func TestEngine_GroupOffers(t *testing.T) {
	w := newAppWorld(t)
	w.set("2025-03-03 09:00")
	auto := func(amount int) func(map[string]any) {
		return func(m map[string]any) {
			m["mode"], m["exclusive_group"] = "auto", "rd-subsidy"
			m["benefit"] = map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": amount}}
		}
	}
	w.policy(t, "p-low", appDeptA, auto(100000))
	w.policy(t, "p-high", appDeptA, auto(200000))
	w.policy(t, "p-mid", appDeptA, auto(150000))
	offered := func() []string {
		list, _, _, err := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[0], State: huiqi.StateOffered}, appDay, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list {
			ids = append(ids, a.PolicyID)
		}
		return ids
	}
	// Publishing a lower one first offered it; the others wait while it is open.
	if diff := cmp.Diff([]string{"p-low"}, offered()); diff != "" {
		t.Fatalf("offers after publishing (-want +got):\n%s", diff)
	}
	first, _, _, _ := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[0], PolicyID: "p-low"}, appDay, engine.Page{})
	w.do(t, appEnterprise(0), first[0].ID, engine.EventInput{Type: huiqi.EventWithdraw})
	// Withdrawn: the recommended one, the highest, is offered next.
	if diff := cmp.Diff([]string{"p-high"}, offered()); diff != "" {
		t.Fatalf("offers after withdrawing p-low (-want +got):\n%s", diff)
	}
	high, _, _, _ := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[0], PolicyID: "p-high"}, appDay, engine.Page{})
	w.do(t, appOfficialA, high[0].ID, engine.EventInput{Type: huiqi.EventReject, Note: "不符合条件"})
	if diff := cmp.Diff([]string{"p-mid"}, offered()); diff != "" {
		t.Fatalf("offers after rejecting p-high (-want +got):\n%s", diff)
	}
	// Asking for an offer of another policy of the group is refused.
	_, err := w.OfferApplication(appAdmin, "p-high", appCodes[0])
	appWantCode(t, err, huiqi.EConflict)
	// Another enterprise keeps its first offer and is offered no other; one
	// that arrives after all three are published is offered the highest.
	late := engCode(50)
	if err := w.CreateEnterprise(appAdmin, appProfile(late)); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string][]string{appCodes[1]: {"p-low"}, late: {"p-high"}} {
		list, _, _, err := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: code}, appDay, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list {
			ids = append(ids, a.PolicyID)
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Fatalf("applications of %s (-want +got):\n%s", code, diff)
		}
	}
}

// The funnel counts an offer as applied once confirmed; the export reads a
// paused clock as 中止计时.
func TestEngine_FunnelAndPausedLabel(t *testing.T) {
	w := newAppWorld(t)
	w.set("2025-03-03 09:00")
	w.policy(t, "p-auto", appDeptA, func(m map[string]any) { m["mode"] = "auto" })
	day := huiqi.NewDate(2025, 3, 3)
	applied := func() int {
		st, err := w.AuditStats(appAuditor, engine.StatsQuery{AsOf: day, By: "policy"})
		if err != nil {
			t.Fatal(err)
		}
		return st.Total.Funnel.Applied
	}
	if n := applied(); n != 0 {
		t.Fatalf("applied with offers only = %d, want 0", n)
	}
	offers, _, _, _ := w.ListApplications(appAdmin, engine.ApplicationQuery{CreditCode: appCodes[0]}, day, engine.Page{})
	id := offers[0].ID
	w.do(t, appEnterprise(0), id, engine.EventInput{Type: huiqi.EventConfirm})
	if n := applied(); n != 1 {
		t.Fatalf("applied after one confirmation = %d, want 1", n)
	}
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseExpertReview, Note: "专家评审"})
	var b strings.Builder
	if err := exchange.ClockCSV(appAuditor, w.Engine, engine.ClockQuery{AsOf: day, PolicyID: "p-auto"}, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ",中止计时,") {
		t.Fatalf("export of a paused application lacks 中止计时:\n%s", b.String())
	}
}

// A review records a department's finding without moving the application;
// it needs an outcome and a note, comes from an official, and comes before
// approval.
func TestEngine_Review(t *testing.T) {
	w := newAppWorld(t)
	w.set("2025-03-03 09:00")
	w.policy(t, "p-a", appDeptA, nil)
	id := w.accepted(t, "p-a", 0)
	yes, no := true, false
	for _, tt := range []struct {
		name  string
		ctx   func() any
		in    engine.EventInput
		code  string
		field string
	}{
		{"no outcome", nil, engine.EventInput{Type: huiqi.EventReview, Note: "核查"}, huiqi.EInvalid, "passed"},
		{"no note", nil, engine.EventInput{Type: huiqi.EventReview, Passed: &yes}, huiqi.EInvalid, "note"},
		{"reason", nil, engine.EventInput{Type: huiqi.EventReview, Passed: &yes, Note: "核查", Reason: "passed"}, huiqi.EInvalid, "reason"},
		{"passed elsewhere", nil, engine.EventInput{Type: huiqi.EventAccept, Passed: &yes}, huiqi.EInvalid, "passed"},
	} {
		_, err := w.AddEvent(appOfficialA, id, tt.in)
		appWantCode(t, err, tt.code)
		if f := huiqi.ErrorField(err); f != tt.field {
			t.Fatalf("%s: field %q, want %q", tt.name, f, tt.field)
		}
	}
	_, err := w.AddEvent(appEnterprise(0), id, engine.EventInput{Type: huiqi.EventReview, Passed: &yes, Note: "自查"})
	appWantCode(t, err, huiqi.EForbidden)
	if a := w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventReview, Passed: &no, Note: "现场核查未见生产线"}); a.Review == nil || a.Review.Passed {
		t.Fatalf("after a failed review: finding %+v, want the failing one", a.Review)
	}
	a := w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventReview, Passed: &yes, Note: "补查后生产线在位"})
	if a.State != huiqi.StateAccepted || a.Review == nil || !a.Review.Passed || a.Review.Note != "补查后生产线在位" {
		t.Fatalf("after two reviews: state %q, finding %+v; want accepted with the passing one", a.State, a.Review)
	}
	appChainOK(t, a)
	// A review during a supplement pause leaves the enterprise able to end it.
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseSupplement, Note: "请补正"})
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventReview, Passed: &yes, Note: "复核"})
	w.do(t, appEnterprise(0), id, engine.EventInput{Type: huiqi.EventResume})
	w.do(t, appOfficialA, id, engine.EventInput{Type: huiqi.EventApprove})
	_, err = w.AddEvent(appOfficialA, id, engine.EventInput{Type: huiqi.EventReview, Passed: &yes, Note: "迟来的审核"})
	appWantCode(t, err, huiqi.EConflict)
	if v, err := w.VerifyChain(appAuditor); err != nil || !v.OK {
		t.Fatalf("VerifyChain with reviews = %+v, %v", v, err)
	}
}

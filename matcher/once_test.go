package matcher_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// TestMatcher_Once checks that an enterprise paid under a once-only policy
// drops out of it on both fast paths, with the payout as the one thing it
// lacks, and that a policy without once keeps it.
func TestMatcher_Once(t *testing.T) {
	m := matcher.New()
	m.PutPolicy(mustCompile(t, policyDoc("once-award", fourLeaves, `{"fixed": 100000}`, `"once": true`)))
	m.PutPolicy(mustCompile(t, policyDoc("every-year", fourLeaves, `{"fixed": 50000}`, "")))
	var es []*huiqi.Enterprise
	for i := range 3 {
		e := baseEnterprise()
		e.CreditCode = creditCode(i + 1)
		es = append(es, &e)
	}
	m.PutProfiles(es[:2]...)
	paid := matcher.Payout{ApplicationID: 7, On: huiqi.NewDate(2026, 3, 2)}
	m.AddPayout("once-award", es[0].CreditCode, paid)
	m.AddPayout("every-year", es[0].CreditCode, paid)
	m.AddPayout("once-award", es[2].CreditCode, paid) // before its profile arrives
	m.PutProfiles(es[2])

	eligibleIDs := func(code string) []string {
		p, _ := m.Profile(code)
		var ids []string
		for _, d := range m.Decide(p, today) {
			ids = append(ids, d.Policy.Policy.ID)
		}
		return ids
	}
	for i, want := range [][]string{{"every-year"}, {"every-year", "once-award"}, {"every-year"}} {
		if diff := cmp.Diff(want, eligibleIDs(es[i].CreditCode)); diff != "" {
			t.Errorf("Decide(enterprise %d) (-want +got):\n%s", i, diff)
		}
		p, _ := m.Profile(es[i].CreditCode)
		if n := m.DecideCount(p, today); n != len(want) {
			t.Errorf("DecideCount(enterprise %d) = %d, want %d", i, n, len(want))
		}
	}

	p, _ := m.Profile(es[0].CreditCode)
	r := m.MatchProfile(p, today, true)
	if len(r.Eligible) != 1 || r.Eligible[0].PolicyID != "every-year" {
		t.Fatalf("MatchProfile eligible = %+v, want every-year only", r.Eligible)
	}
	want := []matcher.NearMiss{{PolicyID: "once-award", Version: 0, Title: "测试政策 once-award", Missing: matcher.Check{
		Label: matcher.OnceLabel, Field: "once", Op: "eq", Required: []byte("false"), Actual: "已于 2026-03-02 兑现（申请 7）", Pass: ptr(false),
	}}}
	if diff := cmp.Diff(want, r.NearMisses); diff != "" {
		t.Errorf("MatchProfile near misses (-want +got):\n%s", diff)
	}

	once, _ := m.Policy("once-award")
	reach := m.MatchPolicy(once, today, false)
	var codes []string
	for _, h := range reach.Hits {
		codes = append(codes, h.CreditCode)
	}
	if diff := cmp.Diff([]string{es[1].CreditCode}, codes); diff != "" || reach.Total != 1 || reach.AmountTotal != 100_000*huiqi.Yuan {
		t.Errorf("MatchPolicy(once-award): total %d, amount %s, hits (-want +got):\n%s", reach.Total, reach.AmountTotal, diff)
	}
	if near := m.MatchPolicy(once, today, true); near.Total != 1 {
		t.Errorf("MatchPolicy(once-award, near) total = %d, want 1", near.Total)
	}
	totals := m.RematchAll(today, 2)
	i := slices.IndexFunc(totals, func(t matcher.PolicyTotal) bool { return t.PolicyID == "once-award" })
	j := slices.IndexFunc(totals, func(t matcher.PolicyTotal) bool { return t.PolicyID == "every-year" })
	if totals[i].Total != 1 || totals[j].Total != 3 {
		t.Errorf("RematchAll = %+v, want once-award 1 and every-year 3", totals)
	}
}

// BenchmarkMatchEnterprisePaid is BenchmarkMatchEnterprise with the
// once-only exclusion at work: every tenth policy is once-only and the
// enterprise was paid under each of them.
func BenchmarkMatchEnterprisePaid(b *testing.B) {
	loadBenchPolicies(b)
	e := benchEnterprise()
	m := matcher.New()
	for i, p := range benchPolicyList {
		c := *p
		c.Once = i%10 == 0
		m.PutPolicy(matcher.Compile(&c))
		if c.Once {
			m.AddPayout(c.ID, e.CreditCode, matcher.Payout{ApplicationID: int64(i + 1), On: benchDay})
		}
	}
	p := matcher.NewProfile(e)
	var r matcher.Result
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = m.MatchProfile(p, benchDay, true)
	}
	b.ReportMetric(float64(len(r.Eligible)), "eligible")
	b.ReportMetric(float64(len(r.NearMisses)), "near")
}

// BenchmarkMatchPolicyPaid is BenchmarkMatchPolicy of a once-only policy
// that a tenth of the enterprises were paid under.
func BenchmarkMatchPolicyPaid(b *testing.B) {
	loadBenchProfiles()
	p := mustPolicy(b, benchReachPolicy)
	p.ID, p.Once = "bench-reach-once", true
	c := matcher.Compile(p)
	for i, e := range benchEnterprises {
		if i%10 == 0 {
			benchProfileMatch.AddPayout(p.ID, e.CreditCode, matcher.Payout{ApplicationID: int64(i + 1), On: benchDay})
		}
	}
	var r matcher.Reach
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = benchProfileMatch.MatchPolicy(c, benchDay, true)
	}
	b.ReportMetric(float64(r.Total), "eligible")
	b.ReportMetric(float64(r.NearMissTotal), "near")
}

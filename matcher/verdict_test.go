package matcher_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

const (
	inCity       = `{"field": "region", "op": "prefix", "value": "3505", "label": "注册在泉州市"}`
	fiftyPeople  = `{"field": "employees", "op": "gte", "value": 50, "label": "从业人员50人以上"}`
	revenue2000  = `{"field": "revenue", "op": "gte", "value": 20000000, "label": "营业收入2000万元以上"}`
	hightech     = `{"field": "tags", "op": "has", "value": "hightech", "label": "高新技术企业"}`
	specialized  = `{"field": "tags", "op": "has", "value": "specialized"}`
	littleGiant  = `{"field": "tags", "op": "has", "value": "little_giant"}`
	fiveHundred  = `{"field": "employees", "op": "gte", "value": 500}`
	fewerThan300 = `{"field": "employees", "op": "lte", "value": 300, "label": "从业人员300人以下"}`
	industryC13  = `{"field": "industry", "op": "prefix", "value": ["C13"], "label": "属于农副食品加工业"}`
	anyGiant     = `{"field": "tags", "op": "has_any", "value": ["specialized", "little_giant"], "label": "专精特新或小巨人"}`
	revenueYiYi  = `{"field": "revenue", "op": "gte", "value": 1000000000}`
	fourLeaves   = `{"all": [` + inCity + `, ` + fiftyPeople + `, ` + revenue2000 + `, ` + hightech + `]}`
	anyTagsChild = `{"all": [` + fiftyPeople + `, {"any": [` + specialized + `, ` + littleGiant + `]}]}`
)

// TestJudge_NearMiss checks which verdicts are near misses (差一项) and
// with what missing leaf.
func TestJudge_NearMiss(t *testing.T) {
	tests := []struct {
		name        string
		eligibility string
		extra       string
		edit        func(e *huiqi.Enterprise)
		asOf        string
		eligible    bool
		missing     string // label of the missing leaf; "" for no near miss
		actual      string // JSON of the missing leaf's actual value
	}{
		{name: "all pass", eligibility: fourLeaves, eligible: true},
		{name: "one leaf fails", eligibility: fourLeaves, edit: setEmployees(49), missing: "从业人员50人以上", actual: "49"},
		{name: "one leaf fails on a tag", eligibility: fourLeaves, edit: func(e *huiqi.Enterprise) { e.Tags = nil }, missing: "高新技术企业", actual: "[]"},
		// Unknown, not failing: the verdict is undetermined, no near miss.
		{name: "one leaf on a missing value", eligibility: fourLeaves, edit: func(e *huiqi.Enterprise) { e.Revenue = nil }},
		{name: "one leaf fails, one on a missing value", eligibility: fourLeaves, edit: func(e *huiqi.Enterprise) { e.Employees, e.Revenue = intPtr(49), nil }},
		{name: "two leaves fail", eligibility: fourLeaves, edit: func(e *huiqi.Enterprise) { e.Employees, e.Revenue = intPtr(49), yuanPtr("1000000") }},
		{name: "failing any child", eligibility: anyTagsChild},
		{name: "failing any child and a leaf", eligibility: anyTagsChild, edit: setEmployees(10)},
		{name: "top-level any", eligibility: `{"any": [` + fiveHundred + `, ` + revenueYiYi + `]}`},
		{name: "top-level any of one leaf", eligibility: `{"any": [` + fiveHundred + `]}`},
		{name: "top-level leaf", eligibility: fiveHundred},
		{name: "top-level not", eligibility: `{"not": ` + hightech + `}`},
		{name: "out of region scope", eligibility: fourLeaves, extra: `"region": "350581"`, edit: setEmployees(49)},
		{name: "out of region scope, all pass", eligibility: fourLeaves, extra: `"region": "350526"`},
		{name: "in county scope", eligibility: fourLeaves, extra: `"region": "350582"`, edit: setEmployees(49), missing: "从业人员50人以上", actual: "49"},
		{name: "before validity", eligibility: fourLeaves, extra: `"valid_from": "2026-07-01"`, asOf: "2026-06-30", edit: setEmployees(49)},
		{name: "before validity, all pass", eligibility: fourLeaves, extra: `"valid_from": "2026-07-01"`, asOf: "2026-06-30"},
		{name: "first day of validity", eligibility: fourLeaves, extra: `"valid_from": "2026-07-01"`, asOf: "2026-07-01", eligible: true},
		{name: "last day of validity", eligibility: fourLeaves, extra: `"valid_to": "2026-12-31"`, asOf: "2026-12-31", edit: setEmployees(49), missing: "从业人员50人以上", actual: "49"},
		{name: "after validity", eligibility: fourLeaves, extra: `"valid_to": "2026-12-31"`, asOf: "2027-01-01", edit: setEmployees(49)},
		{name: "after validity, all pass", eligibility: fourLeaves, extra: `"valid_to": "2026-12-31"`, asOf: "2027-01-01"},
		// Several children on one attribute: the policy index's table of
		// the attribute fails the policy without saying by which.
		{name: "one of two leaves on a figure fails", eligibility: `{"all": [` + fiftyPeople + `, ` + fewerThan300 + `, ` + hightech + `]}`, edit: setEmployees(400), missing: "从业人员300人以下", actual: "400"},
		{name: "a leaf fails beside a nested all on its figure", eligibility: `{"all": [` + fiveHundred + `, {"all": [` + fiftyPeople + `, ` + hightech + `]}]}`, missing: "从业人员 ≥ 500人", actual: "100"},
		{name: "a nested all fails on the figure of a leaf", eligibility: `{"all": [` + fiftyPeople + `, {"all": [` + fiveHundred + `, ` + hightech + `]}]}`},
		{name: "one leaf fails on an industry", eligibility: `{"all": [` + inCity + `, ` + industryC13 + `]}`, missing: "属于农副食品加工业", actual: `"C1952"`},
		{name: "has_any fails", eligibility: `{"all": [` + fiftyPeople + `, ` + anyGiant + `]}`, missing: "专精特新或小巨人", actual: `["exporter","hightech"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := baseEnterprise()
			if tt.edit != nil {
				tt.edit(&e)
			}
			day := today
			if tt.asOf != "" {
				day = mustDate(t, tt.asOf)
			}
			p := matcher.NewProfile(&e)
			c := mustCompile(t, policyDoc("near-test", tt.eligibility, "", tt.extra))

			v := c.Judge(p, day)
			if v.Eligible != tt.eligible {
				t.Errorf("Judge(%s).Eligible = %v, want %v", tt.name, v.Eligible, tt.eligible)
			}
			if got := c.Eligible(p, day); got != tt.eligible {
				t.Errorf("Eligible(%s) = %v, want %v", tt.name, got, tt.eligible)
			}
			gotMissing := ""
			if v.NearMiss != nil {
				gotMissing = v.NearMiss.Label
				if *v.NearMiss.Pass {
					t.Errorf("Judge(%s).NearMiss.Pass = true, want false", tt.name)
				}
			}
			if gotMissing != tt.missing {
				t.Errorf("Judge(%s).NearMiss = %q, want %q", tt.name, gotMissing, tt.missing)
			}

			r := matcher.Judge([]*matcher.Compiled{c}, p, day, true)
			if got := len(r.Eligible) == 1; got != tt.eligible {
				t.Errorf("matcher.Judge(%s) eligible = %v, want %v", tt.name, got, tt.eligible)
			}
			switch {
			case tt.missing == "" && len(r.NearMisses) != 0:
				t.Errorf("matcher.Judge(%s).NearMisses = %+v, want none", tt.name, r.NearMisses)
			case tt.missing != "" && len(r.NearMisses) != 1:
				t.Errorf("matcher.Judge(%s).NearMisses = %+v, want one", tt.name, r.NearMisses)
			case tt.missing != "":
				nm := r.NearMisses[0]
				actual, _ := json.Marshal(nm.Missing.Actual)
				if nm.PolicyID != "near-test" || nm.Missing.Label != tt.missing || string(actual) != tt.actual {
					t.Errorf("matcher.Judge(%s).NearMisses[0] = %s %q actual %s, want near-test %q actual %s",
						tt.name, nm.PolicyID, nm.Missing.Label, actual, tt.missing, tt.actual)
				}
			}
			// The matcher decides through the policy index, which proves
			// some children true or false without evaluating them: its
			// near misses are Judge's.
			m := matcher.New()
			m.PutProfiles(&e)
			m.PutPolicy(c)
			stored, _ := m.Profile(e.CreditCode)
			if diff := cmp.Diff(r.NearMisses, m.MatchProfile(stored, day, true).NearMisses); diff != "" {
				t.Errorf("MatchProfile(%s).NearMisses differ from Judge's (-Judge +MatchProfile):\n%s", tt.name, diff)
			}
			if r := matcher.Judge([]*matcher.Compiled{c}, p, day, false); len(r.NearMisses) != 0 {
				t.Errorf("matcher.Judge(%s, near=false).NearMisses = %+v, want none", tt.name, r.NearMisses)
			}
		})
	}
}

// TestJudge_ExclusiveGroups checks the order of eligible verdicts (highest
// amount first, no amount last) and that only the highest of an exclusive
// group is recommended (就高不重复).
func TestJudge_ExclusiveGroups(t *testing.T) {
	group := func(g string) string { return `"exclusive_group": "` + g + `"` }
	docs := []string{
		policyDoc("excl-low", always, `{"fixed": 100000}`, group("tech-award")),
		policyDoc("excl-high", always, `{"rate": "0.01", "of": "revenue"}`, group("tech-award")), // 300000
		policyDoc("excl-none", always, "", group("tech-award")),
		policyDoc("excl-top-ineligible", fiveHundred, `{"fixed": 1000000}`, group("tech-award")),
		policyDoc("solo-fixed", always, `{"fixed": 200000}`, ""),
		policyDoc("solo-none", always, "", ""),
		policyDoc("rent-only", always, `{"fixed": 50000}`, group("rent")),
		policyDoc("tie-b", always, `{"fixed": 70000}`, group("tie")),
		policyDoc("tie-a", always, `{"fixed": 70000}`, group("tie")),
		policyDoc("solo-zero", always, `{"fixed": 0}`, ""),
	}
	m := matcher.New()
	var list []*matcher.Compiled
	for _, d := range docs {
		c := mustCompile(t, d)
		list = append(list, c)
		m.PutPolicy(c)
	}
	e := baseEnterprise()
	p := matcher.NewProfile(&e)
	r := matcher.Judge(list, p, today, true)

	type row struct {
		ID          string
		Amount      string
		Recommended bool
	}
	want := []row{
		{"excl-high", "300000", true},
		{"solo-fixed", "200000", true},
		{"excl-low", "100000", false},
		{"tie-a", "70000", true},
		{"tie-b", "70000", false},
		{"rent-only", "50000", true},
		{"solo-zero", "0", true},
		{"excl-none", "nil", false},
		{"solo-none", "nil", true},
	}
	var got []row
	for _, v := range r.Eligible {
		got = append(got, row{v.PolicyID, moneyString(v.Amount), v.Recommended})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Judge eligible (-want +got):\n%s", diff)
	}
	judged, _ := json.MarshalIndent(r, "", "  ")
	matched, _ := json.MarshalIndent(m.MatchProfile(p, today, true), "", "  ")
	if diff := cmp.Diff(string(judged), string(matched)); diff != "" {
		t.Errorf("MatchProfile differs from Judge over the same policies (-Judge +MatchProfile):\n%s", diff)
	}
}

// TestMatcher_MatchPolicy checks the reach of a policy: eligible
// enterprises in credit-code order, the amount total and near misses.
func TestMatcher_MatchPolicy(t *testing.T) {
	const eligibility = `{"all": [` + fiftyPeople + `, {"field": "revenue", "op": "gte", "value": 10000000}]}`
	c := mustCompile(t, policyDoc("reach-test", eligibility, `{"rate": "0.01", "of": "revenue", "cap": 200000}`, `"region": "350582", "valid_to": "2026-12-31"`))
	noAmount := mustCompile(t, policyDoc("reach-none", eligibility, "", `"region": "350582"`))

	profile := func(n int, region string, employees *int64, revenue *huiqi.Money) *huiqi.Enterprise {
		e := baseEnterprise()
		e.CreditCode, e.Region, e.Employees, e.Revenue = creditCode(n), region, employees, revenue
		e.Name = "企业" + creditCode(n)[10:17]
		return &e
	}
	es := []*huiqi.Enterprise{
		profile(7, "350582", intPtr(80), yuanPtr("12345678.91")), // 123456.79
		profile(3, "350582", intPtr(49), yuanPtr("30000000")),    // near miss
		profile(1, "350582", intPtr(100), yuanPtr("30000000")),   // capped at 200000
		profile(5, "350581", intPtr(100), yuanPtr("30000000")),   // 石狮: out of scope
		profile(4, "350582", intPtr(49), yuanPtr("1000000")),     // two failing
		profile(2, "350582", intPtr(60), yuanPtr("12000000")),    // 120000
		profile(6, "350582", nil, yuanPtr("20000000")),           // undetermined: employees missing
		profile(8, "350582", intPtr(55), nil),                    // undetermined: revenue missing
		profile(9, "350581", intPtr(49), yuanPtr("30000000")),    // out of scope, one failing
	}
	m := matcher.New()
	m.PutProfiles(es...)
	m.PutPolicy(c)
	m.PutPolicy(noAmount)
	if got := m.ProfileCount(); got != len(es) {
		t.Fatalf("ProfileCount() = %d, want %d", got, len(es))
	}

	got := m.MatchPolicy(c, today, true)
	want := matcher.Reach{
		Hits: []matcher.Hit{
			{CreditCode: creditCode(1), Name: es[2].Name, Amount: yuanPtr("200000")},
			{CreditCode: creditCode(2), Name: es[5].Name, Amount: yuanPtr("120000")},
			{CreditCode: creditCode(7), Name: es[0].Name, Amount: yuanPtr("123456.79")},
		},
		Total:             3,
		AmountTotal:       yuan("443456.79"),
		NearMissTotal:     1,
		UndeterminedTotal: 2,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MatchPolicy (-want +got):\n%s", diff)
	}
	wantUndet := []matcher.Hit{
		{CreditCode: creditCode(6), Name: es[6].Name, Amount: yuanPtr("200000"), Missing: []string{"employees"}},
		{CreditCode: creditCode(8), Name: es[7].Name, Missing: []string{"revenue"}},
	}
	if diff := cmp.Diff(wantUndet, m.MatchPolicyUndetermined(c, today)); diff != "" {
		t.Errorf("MatchPolicyUndetermined (-want +got):\n%s", diff)
	}

	want.NearMissTotal, want.UndeterminedTotal = 0, 0
	if diff := cmp.Diff(want, m.MatchPolicy(c, today, false)); diff != "" {
		t.Errorf("MatchPolicy near=false (-want +got):\n%s", diff)
	}

	if got := m.MatchPolicy(c, mustDate(t, "2027-01-01"), true); got.Total != 0 || got.AmountTotal != 0 || got.NearMissTotal != 0 || len(got.Hits) != 0 {
		t.Errorf("MatchPolicy after validity = %+v, want nothing", got)
	}

	gotNone := m.MatchPolicy(noAmount, today, true)
	if gotNone.Total != 3 || gotNone.AmountTotal != 0 || gotNone.NearMissTotal != 1 || gotNone.UndeterminedTotal != 2 {
		t.Errorf("MatchPolicy without amount = total %d, amount_total %s, near %d, undetermined %d; want 3, 0, 1, 2", gotNone.Total, gotNone.AmountTotal, gotNone.NearMissTotal, gotNone.UndeterminedTotal)
	}
	for _, h := range gotNone.Hits {
		if h.Amount != nil {
			t.Errorf("MatchPolicy without amount: hit %s amount %s, want nil", h.CreditCode, h.Amount)
		}
	}

	// The reach of a policy and the matches of each enterprise agree.
	for _, e := range es {
		p, ok := m.Profile(e.CreditCode)
		if !ok {
			t.Fatalf("Profile(%s) not found", e.CreditCode)
		}
		r := m.MatchProfile(p, today, true)
		listed := false
		for _, v := range r.Eligible {
			listed = listed || v.PolicyID == "reach-test"
		}
		hit := false
		for _, h := range got.Hits {
			hit = hit || h.CreditCode == e.CreditCode
		}
		if listed != hit {
			t.Errorf("enterprise %s: MatchProfile lists reach-test %v, MatchPolicy hit %v", e.CreditCode, listed, hit)
		}
	}

	m.RemovePolicy("reach-test")
	if _, ok := m.Policy("reach-test"); ok {
		t.Errorf("Policy(reach-test) found after RemovePolicy")
	}
}

// TestRunTests checks a policy's own test cases, each judged as of its date.
func TestRunTests(t *testing.T) {
	const doc = `{
		"id": "tests-test", "title": "测试用例检查", "department": "泉州市科学技术局",
		"region": "3505", "valid_from": "2026-01-01",
		"eligibility": {"all": [
			{"field": "employees", "op": "gte", "value": 50},
			{"field": "age_years", "op": "gte", "value": 3, "label": "成立满3年"}
		]},
		"benefit": {"kind": "award", "amount": {"rate": "0.01", "of": "revenue", "cap": 300000}},
		"tests": [
			{"name": "符合并按1%奖励", "as_of": "2026-06-15",
			 "profile": {"region": "350582", "industry": "C1952", "founded_on": "2023-06-15", "employees": 100, "revenue": 12345678.91},
			 "eligible": true, "amount": 123456.79},
			{"name": "期望符合但人数不足", "as_of": "2026-06-15",
			 "profile": {"region": "350582", "industry": "C1952", "founded_on": "2010-01-01", "employees": 10},
			 "eligible": true},
			{"name": "金额写错", "as_of": "2026-06-15",
			 "profile": {"region": "350582", "industry": "C1952", "founded_on": "2010-01-01", "employees": 100, "revenue": 1000000},
			 "eligible": true, "amount": 10001},
			{"name": "周年前一天未满3年", "as_of": "2026-06-14",
			 "profile": {"region": "350582", "industry": "C1952", "founded_on": "2023-06-15", "employees": 100, "revenue": 1000000},
			 "eligible": false},
			{"name": "期望有金额但缺营业收入",
			 "profile": {"region": "350582", "industry": "C1952", "founded_on": "2010-01-01", "employees": 100},
			 "eligible": true, "amount": 1}
		]
	}`
	p := mustPolicy(t, doc)
	failures := matcher.RunTests(p)
	var got []int
	for _, f := range failures {
		got = append(got, f.Index)
		if f.Name != p.Tests[f.Index].Name || f.Message == "" {
			t.Errorf("failure %d = %+v, want the case's name and a message", f.Index, f)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 4}, got); diff != "" {
		t.Errorf("RunTests failing indexes (-want +got):\n%s", diff)
	}
	// Amounts are written as on every page; a difference the rounding to
	// 万元 would hide is spelled out.
	for index, want := range map[int]string{2: "期望金额 1万元，实际 1万元（少 1.00元）", 4: "期望金额 1.00元，实际无金额"} {
		if i := slices.IndexFunc(failures, func(f matcher.TestFailure) bool { return f.Index == index }); i < 0 || failures[i].Message != want {
			t.Errorf("failure of tests[%d]: %+v, want %q", index, failures, want)
		}
	}
	err := matcher.TestsError(failures)
	if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
		t.Errorf("TestsError code = %q, want %q", code, huiqi.EInvalid)
	}
	if field := huiqi.ErrorField(err); field != "tests[1]" {
		t.Errorf("TestsError field = %q, want %q", field, "tests[1]")
	}
	if err := matcher.TestsError(nil); err != nil {
		t.Errorf("TestsError(nil) = %v, want nil", err)
	}

	// Without the failing cases the policy is publishable.
	p.Tests = []policies.TestCase{p.Tests[0], p.Tests[3]}
	if failures := matcher.RunTests(p); len(failures) != 0 {
		t.Errorf("RunTests = %+v, want none", failures)
	}
}

// TestRunTests_Catalogue checks that every policy of the bundled catalogue
// reproduces its own test cases.
func TestRunTests_Catalogue(t *testing.T) {
	list, err := policies.Catalogue(today)
	if err != nil {
		t.Fatalf("Catalogue: %v", err)
	}
	for _, p := range list {
		if failures := matcher.RunTests(p); len(failures) != 0 {
			var msgs []string
			for _, f := range failures {
				msgs = append(msgs, f.Message)
			}
			t.Errorf("RunTests(%s) = %s, want no failures", p.ID, strings.Join(msgs, "; "))
		}
	}
}

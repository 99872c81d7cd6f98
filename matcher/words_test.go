package matcher_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi/matcher"
)

// TestEval_Words checks text conditions on the row, through the policy
// index and through the column scans (states): substrings after lower-casing
// and width folding, unknown on a missing text, with the text as the
// actual value, the missing field, and the words lacking as the gap.
func TestEval_Words(t *testing.T) {
	shoes := "运动鞋、服装制造；ＬＥＤ灯具销售"
	tests := []struct {
		name    string
		rule    string
		scope   string // business_scope
		want    string
		actual  any
		gap     string
		missing []string
	}{
		{name: "any, one word", rule: leaf("business_scope", "contains_any", `["鞋", "陶瓷"]`), scope: shoes, want: "eligible", actual: shoes},
		{name: "any, none", rule: leaf("business_scope", "contains_any", `["陶瓷", "卫浴"]`), scope: shoes, want: "ineligible", actual: shoes, gap: "经营范围不含「陶瓷」「卫浴」"},
		{name: "all", rule: leaf("business_scope", "contains_all", `["运动鞋", "服装"]`), scope: shoes, want: "eligible", actual: shoes},
		{name: "all, one lacking", rule: leaf("business_scope", "contains_all", `["鞋", "陶瓷", "服装"]`), scope: shoes, want: "ineligible", actual: shoes, gap: "经营范围不含「陶瓷」"},
		{name: "full width text, ASCII word", rule: leaf("business_scope", "contains_any", `["led"]`), scope: shoes, want: "eligible", actual: shoes},
		{name: "full width word", rule: leaf("business_scope", "contains_all", `["Ｌed灯"]`), scope: shoes, want: "eligible", actual: shoes},
		{name: "across punctuation", rule: leaf("business_scope", "contains_any", `["鞋、服"]`), scope: shoes, want: "eligible", actual: shoes},
		{name: "missing text", rule: leaf("business_scope", "contains_any", `["鞋"]`), want: "undetermined", missing: []string{"business_scope"}},
		{name: "missing text under not", rule: `{"not": ` + leaf("business_scope", "contains_any", `["鞋"]`) + `}`, want: "undetermined", missing: []string{"business_scope"}},
		{name: "negated", rule: `{"not": ` + leaf("business_scope", "contains_any", `["鞋"]`) + `}`, scope: shoes, want: "ineligible", actual: shoes},
		{name: "other field missing", rule: leaf("main_products", "contains_any", `["鞋"]`), scope: shoes, want: "undetermined", missing: []string{"main_products"}},
		{name: "missing text, other leaf false", rule: `{"all": [` + leaf("business_scope", "contains_any", `["鞋"]`) + `, ` + leaf("employees", "gte", "1000") + `]}`, want: "ineligible"},
		{name: "missing text, other branch true", rule: `{"any": [` + leaf("business_scope", "contains_any", `["鞋"]`) + `, ` + leaf("employees", "gte", "10") + `]}`, want: "eligible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := baseEnterprise()
			e.BusinessScope = tt.scope
			c := mustCompile(t, policyDoc("words-test", tt.rule, "", ""))
			got, v := states(t, c, &e)
			if got != tt.want {
				t.Fatalf("state of %s = %s, want %s (conditions %+v)", tt.rule, got, tt.want, v.Conditions)
			}
			if diff := cmp.Diff(tt.missing, v.Missing); diff != "" {
				t.Errorf("missing of %s (-want +got):\n%s", tt.rule, diff)
			}
			if len(v.Conditions) != 1 {
				return
			}
			if chk := v.Conditions[0]; chk.Actual != tt.actual || chk.Gap != tt.gap {
				t.Errorf("check of %s: actual %v, gap %q; want %v, %q", tt.rule, chk.Actual, chk.Gap, tt.actual, tt.gap)
			}
		})
	}
}

// TestNearMiss_Words checks that a profile failing only a text condition
// is a near miss, counted by the column scans and, through the policy
// index, explained with the words lacking.
func TestNearMiss_Words(t *testing.T) {
	e := baseEnterprise()
	e.BusinessScope = "日用陶瓷制造"
	c := mustCompile(t, policyDoc("words-near", `{"all": [`+leaf("employees", "gte", "10")+`, `+leaf("business_scope", "contains_any", `["鞋", "服装"]`)+`]}`, "", ""))
	m := matcher.New()
	m.PutProfiles(&e)
	if reach := m.MatchPolicy(c, today, true); reach.Total != 0 || reach.NearMissTotal != 1 {
		t.Fatalf("MatchPolicy = %+v, want no hit and one near miss", reach)
	}
	m.PutPolicy(c)
	p, _ := m.Profile(e.CreditCode)
	r := m.MatchProfile(p, today, true)
	if len(r.NearMisses) != 1 {
		t.Fatalf("MatchProfile near misses = %+v, want one", r.NearMisses)
	}
	if got, want := r.NearMisses[0].Missing.Gap, "经营范围不含「鞋」「服装」"; got != want {
		t.Errorf("near miss gap = %q, want %q", got, want)
	}
}

package matcher_test

import (
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// TestJudge_Gap checks how far a failing requirement says the profile is
// from it (差多少): the difference of a figure in its unit, of a ratio in
// percentage points, and of qualifications only those lacking.
func TestJudge_Gap(t *testing.T) {
	// baseEnterprise: revenue 3000万元, rd_expense 90万元 (3%), 100 staff,
	// founded 2010-06-15 (16 years on 2026-06-15), exporter and hightech.
	tests := []struct {
		name string
		rule string
		edit func(e *huiqi.Enterprise)
		want string
	}{
		{name: "money gte", rule: leaf("revenue", "gte", "33200000"), want: "营业收入还差320万元"},
		{name: "money gte in yuan", rule: leaf("revenue", "gte", "30000800"), want: "营业收入还差800.00元"},
		{name: "money gt on the bound", rule: leaf("revenue", "gt", "30000000"), want: "营业收入还差0.01元"},
		{name: "money lte", rule: leaf("revenue", "lte", "20000000"), want: "营业收入超出1000万元"},
		{name: "money lt on the bound", rule: leaf("revenue", "lt", "30000000"), want: "营业收入超出0.01元"},
		{name: "money between below", rule: leaf("revenue", "between", "[40000000, 50000000]"), want: "营业收入还差1000万元"},
		{name: "money between above", rule: leaf("revenue", "between", "[10000000, 20000000]"), want: "营业收入超出1000万元"},
		{name: "employees", rule: leaf("employees", "gte", "120"), want: "从业人员还差20人"},
		{name: "employees at most", rule: leaf("employees", "lt", "100"), want: "从业人员超出1人"},
		{name: "age", rule: leaf("age_years", "gte", "17"), want: "成立年限还差1年"},
		{name: "ratio half a point", rule: leaf("rd_ratio", "gte", `"0.035"`), want: "研发费用占营业收入比例还差0.5个百分点"},
		{name: "ratio rounded up", rule: leaf("rd_ratio", "gte", `"0.04"`), edit: setMoney("rd_expense", "1000000"), want: "研发费用占营业收入比例还差0.67个百分点"},
		{name: "ratio strict on the bound", rule: leaf("rd_ratio", "gt", `"0.03"`), want: "研发费用占营业收入比例还差0.01个百分点"},
		{name: "ratio over", rule: leaf("rd_ratio", "lte", `"0.01"`), want: "研发费用占营业收入比例超出2个百分点"},
		{name: "negated gte", rule: `{"not": ` + leaf("revenue", "gte", "20000000") + `}`, want: "营业收入超出1000万元"},
		{name: "negated lt", rule: `{"not": ` + leaf("employees", "lt", "150") + `}`, want: "从业人员还差50人"},
		{name: "tags only the lacking", rule: leaf("tags", "has_all", `["hightech", "green_factory", "specialized"]`), want: "尚未取得：绿色工厂、专精特新中小企业"},
		{name: "tag", rule: leaf("tags", "has", `"green_factory"`), want: "尚未取得：绿色工厂"},
		{name: "tags any", rule: leaf("tags", "has_any", `["green_factory", "specialized"]`), want: "尚未取得以下任一项：绿色工厂、专精特新中小企业"},
		{name: "tags excluded", rule: `{"not": ` + leaf("tags", "has_any", `["hightech", "green_factory"]`) + `}`, want: "企业现为：高新技术企业"},
		{name: "code has no distance", rule: leaf("region", "prefix", `"350583"`), want: ""},
		{name: "equality has no distance", rule: leaf("employees", "eq", "50"), want: ""},
		{name: "date has no distance", rule: leaf("founded_on", "gte", `"2020-01-01"`), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := baseEnterprise()
			if tt.edit != nil {
				tt.edit(&e)
			}
			v := mustCompile(t, policyDoc("gap-test", tt.rule, "", "")).Judge(matcher.NewProfile(&e), today)
			if len(v.Conditions) != 1 || v.Conditions[0].Pass == nil || *v.Conditions[0].Pass {
				t.Fatalf("Judge(%s).Conditions = %+v, want one failing", tt.rule, v.Conditions)
			}
			if got := v.Conditions[0].Gap; got != tt.want {
				t.Errorf("Judge(%s) gap = %q, want %q", tt.rule, got, tt.want)
			}
		})
	}
}

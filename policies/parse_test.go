package policies_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// today is the date documents are validated on in these tests.
var today = huiqi.NewDate(2026, 6, 15)

// policyCmp compares parsed policies: dates by value, and leaf values by
// their JSON meaning, since a YAML value and its JSON twin differ in
// spelling ("0.10" and 0.1) but not in meaning; the typed Arg must agree too.
var policyCmp = []cmp.Option{
	cmp.Comparer(func(a, b huiqi.Date) bool { return a == b }),
	cmp.Comparer(func(a, b json.RawMessage) bool {
		if a == nil || b == nil || bytes.Equal(a, b) {
			return bytes.Equal(a, b) && (a == nil) == (b == nil)
		}
		var x, y any
		return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
	}),
}

// fullYAML uses every part of the document format; fullJSON is the same
// document in JSON, spelt differently where JSON allows it.
const fullYAML = `# 全部字段
id: test-full
title: 测试政策
department: 泉州市工业和信息化局
doc_number: 泉工信〔2024〕1号
summary: 摘要
body: |
  正文第一行
  正文第二行
url: https://example.gov.cn/p/1
region: "350582"
valid_from: 2024-01-01
valid_to: 2027-12-31
mode: auto
deadline_days: 30
target_days: 27
clock: working_days
exclusive_group: g1
budget: 5000000.5
eligibility:
  all:
    - {field: employees, op: gte, value: 50, label: 职工人数不少于50人}
    - {field: revenue, op: between, value: [1000000, 50000000.5]}
    - {field: rd_ratio, op: gte, value: 0.03}
    - {field: region, op: prefix, value: ["350582", "350581"]}
    - {field: industry, op: prefix, value: C19}
    - {field: tags, op: has_any, value: [hightech, specialized]}
    - {field: founded_on, op: lt, value: 2020-01-01}
    - {field: dishonest, op: eq, value: false}
    - any:
        - {field: scale, op: in, value: [small, micro]}
        - not: {field: tax_credit, op: eq, value: D}
benefit:
  kind: subsidy
  amount:
    tiers:
      - when: {field: revenue, op: gte, value: 10000000}
        rate: "0.10"
        of: rd_expense
        cap: 1000000
        floor: 0
      - when: {field: revenue, op: lt, value: 10000000}
        fixed: 200000
tests:
  - name: 符合
    as_of: 2024-06-01
    profile: {region: "350582", industry: C1952, founded_on: 2015-01-01, employees: 100, revenue: 20000000, rd_expense: 1000000, tags: [hightech]}
    eligible: true
    amount: 100000
  - profile:
      region: "350582"
      industry: C1952
      founded_on: 2015-01-01
      dishonest: true
    eligible: false
`

const fullJSON = `{
  "id": "test-full", "title": "测试政策", "department": "泉州市工业和信息化局",
  "doc_number": "泉工信〔2024〕1号", "summary": "摘要", "body": "正文第一行\n正文第二行\n",
  "url": "https://example.gov.cn/p/1", "region": "350582",
  "valid_from": "2024-01-01", "valid_to": "2027-12-31",
  "mode": "auto", "deadline_days": 30, "target_days": 27, "clock": "working_days",
  "exclusive_group": "g1", "budget": 5000000.50,
  "eligibility": {"all": [
    {"label": "职工人数不少于50人", "value": 50, "op": "gte", "field": "employees"},
    {"field": "revenue", "op": "between", "value": [1e6, 50000000.50]},
    {"field": "rd_ratio", "op": "gte", "value": 0.030},
    {"field": "region", "op": "prefix", "value": ["350582", "350581"]},
    {"field": "industry", "op": "prefix", "value": "C19"},
    {"field": "tags", "op": "has_any", "value": ["hightech", "specialized"]},
    {"field": "founded_on", "op": "lt", "value": "2020-01-01"},
    {"field": "dishonest", "op": "eq", "value": false},
    {"any": [
      {"field": "scale", "op": "in", "value": ["small", "micro"]},
      {"not": {"field": "tax_credit", "op": "eq", "value": "D"}}
    ]}
  ]},
  "benefit": {"kind": "subsidy", "amount": {"tiers": [
    {"when": {"field": "revenue", "op": "gte", "value": 10000000}, "rate": 0.1, "of": "rd_expense", "cap": 1000000, "floor": 0},
    {"when": {"field": "revenue", "op": "lt", "value": 10000000}, "fixed": 200000}
  ]}},
  "tests": [
    {"name": "符合", "as_of": "2024-06-01", "eligible": true, "amount": 100000,
     "profile": {"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "employees": 100, "revenue": 20000000, "rd_expense": 1000000, "tags": ["hightech"]}},
    {"eligible": false, "profile": {"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "dishonest": true}}
  ]
}`

func mustParse(tb testing.TB, doc string) *policies.Policy {
	tb.Helper()
	p, err := policies.Parse([]byte(doc), today)
	if err != nil {
		tb.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func money(s string) *huiqi.Money {
	m, err := huiqi.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return &m
}

func rate(s string) *policies.Rate {
	v, err := policies.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	r := policies.Rate(v)
	return &r
}

func int64p(n int64) *int64 { return &n }

func date(s string) huiqi.Date {
	d, err := huiqi.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func days(s string) int64 { return int64(date(s).Days()) }

func leaf(field, op, value string, arg policies.Arg) *policies.Condition {
	return &policies.Condition{Field: field, Op: op, Value: json.RawMessage(value), Arg: arg}
}

func TestParse_JSONAndYAMLAgree(t *testing.T) {
	fromYAML := mustParse(t, fullYAML)
	fromJSON := mustParse(t, fullJSON)
	if diff := cmp.Diff(fromJSON, fromYAML, policyCmp...); diff != "" {
		t.Errorf("Parse(YAML) differs from Parse(JSON) (-json +yaml):\n%s", diff)
	}

	employees := leaf("employees", "gte", `50`, policies.Arg{Ints: []int64{50}})
	employees.Label = "职工人数不少于50人"
	want := &policies.Policy{
		ID: "test-full", Title: "测试政策", Department: "泉州市工业和信息化局",
		DocNumber: "泉工信〔2024〕1号", Summary: "摘要", Body: "正文第一行\n正文第二行\n",
		URL: "https://example.gov.cn/p/1", Region: "350582",
		ValidFrom: date("2024-01-01"), ValidTo: date("2027-12-31"),
		Mode: policies.ModeAuto, DeadlineDays: 30, TargetDays: 27, Clock: policies.ClockWorkingDays,
		ExclusiveGroup: "g1", Budget: money("5000000.5"),
		Eligibility: &policies.Condition{All: []*policies.Condition{
			employees,
			leaf("revenue", "between", `[1000000,50000000.5]`, policies.Arg{Ints: []int64{100_000_000, 5_000_000_050}}),
			leaf("rd_ratio", "gte", `0.03`, policies.Arg{Ints: []int64{30_000}}),
			leaf("region", "prefix", `["350582","350581"]`, policies.Arg{Strs: []string{"350582", "350581"}}),
			leaf("industry", "prefix", `"C19"`, policies.Arg{Strs: []string{"C19"}}),
			leaf("tags", "has_any", `["hightech","specialized"]`, policies.Arg{Strs: []string{"hightech", "specialized"}}),
			leaf("founded_on", "lt", `"2020-01-01"`, policies.Arg{Ints: []int64{days("2020-01-01")}}),
			leaf("dishonest", "eq", `false`, policies.Arg{}),
			{Any: []*policies.Condition{
				leaf("scale", "in", `["small","micro"]`, policies.Arg{Strs: []string{"small", "micro"}}),
				{Not: leaf("tax_credit", "eq", `"D"`, policies.Arg{Strs: []string{"D"}})},
			}},
		}},
		Benefit: policies.Benefit{Kind: policies.KindSubsidy, Amount: &policies.Amount{Tiers: []policies.Tier{
			{When: leaf("revenue", "gte", `10000000`, policies.Arg{Ints: []int64{1_000_000_000}}),
				Amount: policies.Amount{Rate: rate("0.1"), Of: "rd_expense", Cap: money("1000000"), Floor: money("0")}},
			{When: leaf("revenue", "lt", `10000000`, policies.Arg{Ints: []int64{1_000_000_000}}),
				Amount: policies.Amount{Fixed: money("200000")}},
		}}},
		Tests: []policies.TestCase{
			{Name: "符合", AsOf: date("2024-06-01"), Eligible: true, Amount: money("100000"), Profile: huiqi.Enterprise{
				CreditCode: huiqi.PlaceholderCreditCode, Name: "测试企业", Region: "350582", Industry: "C1952",
				FoundedOn: date("2015-01-01"), Employees: int64p(100), Revenue: money("20000000"),
				RDExpense: money("1000000"), Tags: []string{"hightech"},
			}},
			// No as_of: the first day of validity.
			{AsOf: date("2024-01-01"), Eligible: false, Profile: huiqi.Enterprise{
				CreditCode: huiqi.PlaceholderCreditCode, Name: "测试企业", Region: "350582", Industry: "C1952",
				FoundedOn: date("2015-01-01"), Dishonest: true,
			}},
		},
	}
	if diff := cmp.Diff(want, fromYAML, policyCmp...); diff != "" {
		t.Errorf("Parse(YAML) mismatch (-want +got):\n%s", diff)
	}
}

func TestParse_Defaults(t *testing.T) {
	const minimal = `{"id": "min", "title": " 标题 ", "department": "部门",
		"eligibility": {"field": "employees", "op": "gte", "value": 1}, "benefit": {"kind": "service"},
		"tests": [{"profile": {"region": "350503", "industry": "I6513", "founded_on": "2020-01-01"}, "eligible": true}]}`
	p := mustParse(t, minimal)
	got := [...]any{p.Mode, p.DeadlineDays, p.TargetDays, p.Clock, p.Title, p.Benefit.Amount, p.Tests[0].AsOf, p.Tests[0].Profile.CreditCode, p.Tests[0].Profile.Name}
	want := [...]any{policies.ModeApply, 45, 40, policies.ClockCalendarDays, "标题", (*policies.Amount)(nil), today, huiqi.PlaceholderCreditCode, "测试企业"}
	if diff := cmp.Diff(want, got, policyCmp...); diff != "" {
		t.Errorf("defaults of %s (-want +got):\n%s", minimal, diff)
	}

	t.Run("TargetFollowsShortDeadline", func(t *testing.T) {
		p := mustParse(t, strings.Replace(minimal, `"id": "min"`, `"id": "min", "deadline_days": 30`, 1))
		if p.DeadlineDays != 30 || p.TargetDays != 30 {
			t.Errorf("deadline_days 30 gives deadline %d, target %d; want 30, 30", p.DeadlineDays, p.TargetDays)
		}
	})
	t.Run("ExplicitKept", func(t *testing.T) {
		p := mustParse(t, strings.Replace(minimal, `"id": "min"`, `"id": "min", "deadline_days": 60, "target_days": 54, "mode": "apply", "clock": "calendar_days"`, 1))
		if p.DeadlineDays != 60 || p.TargetDays != 54 {
			t.Errorf("deadline %d, target %d; want 60, 54", p.DeadlineDays, p.TargetDays)
		}
	})
	t.Run("YAML", func(t *testing.T) {
		p := mustParse(t, "id: min\ntitle: 标题\ndepartment: 部门\neligibility: {field: employees, op: gte, value: 1}\nbenefit: {kind: service}\n")
		if p.Mode != policies.ModeApply || p.DeadlineDays != 45 || p.TargetDays != 40 || p.Clock != policies.ClockCalendarDays {
			t.Errorf("YAML defaults = %s %d %d %s, want apply 45 40 calendar_days", p.Mode, p.DeadlineDays, p.TargetDays, p.Clock)
		}
	})
}

// doc returns a valid JSON policy document with the given top-level members
// replaced (raw JSON values); a member set to "" is left out.
func doc(members map[string]string) string {
	base := map[string]string{
		"id":          `"test-doc"`,
		"title":       `"测试"`,
		"department":  `"泉州市工业和信息化局"`,
		"eligibility": `{"all": [{"field": "employees", "op": "gte", "value": 10}, {"field": "revenue", "op": "gte", "value": 1000000}]}`,
		"benefit":     `{"kind": "subsidy", "amount": {"fixed": 100000}}`,
	}
	for k, v := range members {
		base[k] = v
	}
	keys := make([]string, 0, len(base))
	for k, v := range base {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q: %s", k, base[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// elig returns doc's members with an eligibility of the two default leaves
// and a third one, so that the third is at eligibility.all[2].
func elig(third string) map[string]string {
	return map[string]string{"eligibility": `{"all": [{"field": "employees", "op": "gte", "value": 10}, {"field": "revenue", "op": "gte", "value": 1000000}, ` + third + `]}`}
}

func amount(a string) map[string]string {
	return map[string]string{"benefit": `{"kind": "subsidy", "amount": ` + a + `}`}
}

const okProfile = `"region": "350582", "industry": "C1952", "founded_on": "2015-01-01"`

func tests(cases string) map[string]string {
	return map[string]string{"tests": "[" + cases + "]"}
}

// nested returns a condition tree depth levels deep: nots around a leaf.
func nested(depth int) string {
	return strings.Repeat(`{"not": `, depth-1) + `{"field": "employees", "op": "gte", "value": 1}` + strings.Repeat("}", depth-1)
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string
	}{
		// Top level.
		{"IDMissing", doc(map[string]string{"id": ""}), "id"},
		{"IDShort", doc(map[string]string{"id": `"ab"`}), "id"},
		{"IDUpper", doc(map[string]string{"id": `"Test-Doc"`}), "id"},
		{"IDTooLong", doc(map[string]string{"id": `"` + strings.Repeat("a", 65) + `"`}), "id"},
		{"IDNumber", doc(map[string]string{"id": `12345`}), "id"},
		{"TitleBlank", doc(map[string]string{"title": `"  "`}), "title"},
		{"DepartmentMissing", doc(map[string]string{"department": ""}), "department"},
		{"UnknownMember", doc(map[string]string{"titel": `"x"`}), "titel"},
		{"RegionOutside", doc(map[string]string{"region": `"3506"`}), "region"},
		{"RegionNumber", doc(map[string]string{"region": `350582`}), "region"},
		{"ValidToBeforeFrom", doc(map[string]string{"valid_from": `"2025-01-01"`, "valid_to": `"2024-12-31"`}), "valid_to"},
		{"ValidFromBadDate", doc(map[string]string{"valid_from": `"2025-02-29"`}), "valid_from"},
		{"Mode", doc(map[string]string{"mode": `"automatic"`}), "mode"},
		{"DeadlineTooLong", doc(map[string]string{"deadline_days": `366`}), "deadline_days"},
		{"DeadlineNegative", doc(map[string]string{"deadline_days": `-1`}), "deadline_days"},
		{"DeadlineFraction", doc(map[string]string{"deadline_days": `45.5`}), "deadline_days"},
		{"TargetOverDeadline", doc(map[string]string{"target_days": `46`}), "target_days"},
		{"TargetNegative", doc(map[string]string{"target_days": `-3`}), "target_days"},
		{"Clock", doc(map[string]string{"clock": `"hours"`}), "clock"},
		{"BudgetZero", doc(map[string]string{"budget": `0`}), "budget"},
		{"BudgetNegative", doc(map[string]string{"budget": `-1`}), "budget"},
		{"BudgetThreeDecimals", doc(map[string]string{"budget": `1.001`}), "budget"},
		{"BudgetString", doc(map[string]string{"budget": `"100"`}), "budget"},
		{"StatusWrongType", doc(map[string]string{"status": `1`}), "status"},

		// Condition tree.
		{"EligibilityMissing", doc(map[string]string{"eligibility": ""}), "eligibility"},
		{"EligibilityNull", doc(map[string]string{"eligibility": "null"}), "eligibility"},
		{"EligibilityEmptyNode", doc(map[string]string{"eligibility": `{}`}), "eligibility"},
		{"EligibilityArray", doc(map[string]string{"eligibility": `[]`}), "eligibility"},
		{"AllEmpty", doc(map[string]string{"eligibility": `{"all": []}`}), "eligibility.all"},
		{"AnyEmpty", doc(map[string]string{"eligibility": `{"any": []}`}), "eligibility.any"},
		{"AllNullChild", doc(map[string]string{"eligibility": `{"all": [null]}`}), "eligibility.all[0]"},
		{"AllAndAny", doc(map[string]string{"eligibility": `{"all": [{"field": "employees", "op": "gte", "value": 1}], "any": [{"field": "employees", "op": "gte", "value": 1}]}`}), "eligibility"},
		{"BranchWithLeaf", doc(map[string]string{"eligibility": `{"not": {"field": "employees", "op": "gte", "value": 1}, "field": "employees"}`}), "eligibility"},
		{"LabelOnBranch", doc(map[string]string{"eligibility": `{"label": "x", "all": [{"field": "employees", "op": "gte", "value": 1}]}`}), "eligibility.label"},
		{"UnknownKeyInLeaf", doc(elig(`{"field": "employees", "operator": "gte", "value": 1}`)), "eligibility.all[2].operator"},
		{"UnknownField", doc(elig(`{"field": "staff", "op": "gte", "value": 1}`)), "eligibility.all[2].field"},
		{"UnknownOp", doc(elig(`{"field": "employees", "op": "ge", "value": 1}`)), "eligibility.all[2].op"},
		{"WordsEq", doc(elig(`{"field": "business_scope", "op": "eq", "value": "鞋"}`)), "eligibility.all[2].op"},
		{"WordsPrefix", doc(elig(`{"field": "main_products", "op": "prefix", "value": "鞋"}`)), "eligibility.all[2].op"},
		{"ContainsOnCode", doc(elig(`{"field": "industry", "op": "contains_any", "value": ["C19"]}`)), "eligibility.all[2].op"},
		{"ContainsOnName", doc(elig(`{"field": "name", "op": "contains_all", "value": ["鞋"]}`)), "eligibility.all[2].op"},
		{"WordsNotList", doc(elig(`{"field": "business_scope", "op": "contains_any", "value": "鞋"}`)), "eligibility.all[2].value"},
		{"WordsEmptyList", doc(elig(`{"field": "business_scope", "op": "contains_all", "value": []}`)), "eligibility.all[2].value"},
		{"WordsNull", doc(elig(`{"field": "business_scope", "op": "contains_all", "value": null}`)), "eligibility.all[2].value"},
		{"WordEmpty", doc(elig(`{"field": "business_scope", "op": "contains_any", "value": ["鞋", ""]}`)), "eligibility.all[2].value[1]"},
		{"WordBlank", doc(elig(`{"field": "main_products", "op": "contains_all", "value": ["  "]}`)), "eligibility.all[2].value[0]"},
		{"WordNumber", doc(elig(`{"field": "main_products", "op": "contains_any", "value": [3]}`)), "eligibility.all[2].value[0]"},
		{"OpNotForField", doc(elig(`{"field": "employees", "op": "has", "value": 1}`)), "eligibility.all[2].op"},
		{"PrefixOnMoney", doc(elig(`{"field": "revenue", "op": "prefix", "value": "1"}`)), "eligibility.all[2].op"},
		{"InOnMoney", doc(elig(`{"field": "revenue", "op": "in", "value": [1]}`)), "eligibility.all[2].op"},
		{"HasOnRegion", doc(elig(`{"field": "region", "op": "has", "value": "350582"}`)), "eligibility.all[2].op"},
		{"GtOnTags", doc(elig(`{"field": "tags", "op": "gt", "value": "hightech"}`)), "eligibility.all[2].op"},
		{"EqOnTags", doc(elig(`{"field": "tags", "op": "eq", "value": "hightech"}`)), "eligibility.all[2].op"},
		{"ValueMissing", doc(elig(`{"field": "employees", "op": "gte"}`)), "eligibility.all[2].value"},
		{"ValueNull", doc(elig(`{"field": "name", "op": "eq", "value": null}`)), "eligibility.all[2].value"},
		{"ValueNullBool", doc(elig(`{"field": "dishonest", "op": "eq", "value": null}`)), "eligibility.all[2].value"},
		{"IntAsString", doc(elig(`{"field": "employees", "op": "gte", "value": "50"}`)), "eligibility.all[2].value"},
		{"IntFraction", doc(elig(`{"field": "employees", "op": "gte", "value": 1.5}`)), "eligibility.all[2].value"},
		{"IntList", doc(elig(`{"field": "employees", "op": "gte", "value": [1]}`)), "eligibility.all[2].value"},
		{"MoneyThreeDecimals", doc(elig(`{"field": "revenue", "op": "gte", "value": 1.005}`)), "eligibility.all[2].value"},
		{"MoneyString", doc(elig(`{"field": "revenue", "op": "gte", "value": "100"}`)), "eligibility.all[2].value"},
		{"MoneyHex", doc(elig(`{"field": "revenue", "op": "gte", "value": "0x10"}`)), "eligibility.all[2].value"},
		{"RatioSevenDecimals", doc(elig(`{"field": "rd_ratio", "op": "gte", "value": 0.0000001}`)), "eligibility.all[2].value"},
		{"RatioFraction", doc(elig(`{"field": "rd_ratio", "op": "gte", "value": "1/20"}`)), "eligibility.all[2].value"},
		{"RatioNegative", doc(elig(`{"field": "rd_ratio", "op": "gte", "value": -0.1}`)), "eligibility.all[2].value"},
		{"RatioBool", doc(elig(`{"field": "rd_ratio", "op": "gte", "value": true}`)), "eligibility.all[2].value"},
		{"DateInvalid", doc(elig(`{"field": "founded_on", "op": "lt", "value": "2024-13-01"}`)), "eligibility.all[2].value"},
		{"DateNumber", doc(elig(`{"field": "founded_on", "op": "lt", "value": 20240101}`)), "eligibility.all[2].value"},
		{"BoolString", doc(elig(`{"field": "dishonest", "op": "eq", "value": "false"}`)), "eligibility.all[2].value"},
		{"RegionNumber", doc(elig(`{"field": "region", "op": "eq", "value": 350582}`)), "eligibility.all[2].value"},
		{"RegionUnknown", doc(elig(`{"field": "region", "op": "eq", "value": "350600"}`)), "eligibility.all[2].value"},
		{"RegionPrefixUnknown", doc(elig(`{"field": "region", "op": "prefix", "value": "3599"}`)), "eligibility.all[2].value"},
		{"RegionPrefixListItem", doc(elig(`{"field": "region", "op": "prefix", "value": ["350582", "9"]}`)), "eligibility.all[2].value[1]"},
		{"PrefixEmptyList", doc(elig(`{"field": "industry", "op": "prefix", "value": []}`)), "eligibility.all[2].value"},
		{"IndustryUnknown", doc(elig(`{"field": "industry", "op": "prefix", "value": "C9999"}`)), "eligibility.all[2].value"},
		{"InEmpty", doc(elig(`{"field": "scale", "op": "in", "value": []}`)), "eligibility.all[2].value"},
		{"InNotList", doc(elig(`{"field": "scale", "op": "in", "value": "small"}`)), "eligibility.all[2].value"},
		{"InBadEnum", doc(elig(`{"field": "tax_credit", "op": "in", "value": ["A", "E"]}`)), "eligibility.all[2].value[1]"},
		{"ScaleUnknown", doc(elig(`{"field": "scale", "op": "eq", "value": "huge"}`)), "eligibility.all[2].value"},
		{"TagUnknown", doc(elig(`{"field": "tags", "op": "has", "value": "unicorn"}`)), "eligibility.all[2].value"},
		{"HasAnyTagUnknown", doc(elig(`{"field": "tags", "op": "has_any", "value": ["hightech", "unicorn"]}`)), "eligibility.all[2].value[1]"},
		{"HasAllNotList", doc(elig(`{"field": "tags", "op": "has_all", "value": "hightech"}`)), "eligibility.all[2].value"},
		{"CreditCodeInvalid", doc(elig(`{"field": "credit_code", "op": "eq", "value": "913505007173546745"}`)), "eligibility.all[2].value"},
		{"BetweenOne", doc(elig(`{"field": "employees", "op": "between", "value": [1]}`)), "eligibility.all[2].value"},
		{"BetweenThree", doc(elig(`{"field": "employees", "op": "between", "value": [1, 2, 3]}`)), "eligibility.all[2].value"},
		{"BetweenReversed", doc(elig(`{"field": "revenue", "op": "between", "value": [2, 1]}`)), "eligibility.all[2].value"},
		{"BetweenBadItem", doc(elig(`{"field": "employees", "op": "between", "value": [1, "x"]}`)), "eligibility.all[2].value[1]"},
		{"DeepInAny", doc(map[string]string{"eligibility": `{"any": [{"field": "employees", "op": "gte", "value": 1}, {"not": {"all": [{"field": "tags", "op": "has", "value": "nope"}]}}]}`}), "eligibility.any[1].not.all[0].value"},
		{"Depth33", doc(map[string]string{"eligibility": nested(33)}), "eligibility" + strings.Repeat(".not", 32)},
		{"Depth33InTier", doc(amount(`{"tiers": [{"when": ` + nested(33) + `, "fixed": 1}]}`)), "benefit.amount.tiers[0].when" + strings.Repeat(".not", 32)},

		// Benefit.
		{"BenefitKind", doc(map[string]string{"benefit": `{"kind": "gift"}`}), "benefit.kind"},
		{"BenefitKindMissing", doc(map[string]string{"benefit": `{}`}), "benefit.kind"},
		{"BenefitUnknownKey", doc(map[string]string{"benefit": `{"kind": "award", "amount": {"fixed": 1}, "amont": 1}`}), "benefit.amont"},
		{"AmountEmpty", doc(amount(`{}`)), "benefit.amount"},
		{"AmountTwoForms", doc(amount(`{"fixed": 1, "rate": "0.1", "of": "revenue"}`)), "benefit.amount"},
		{"FixedNegative", doc(amount(`{"fixed": -1}`)), "benefit.amount.fixed"},
		{"FixedThreeDecimals", doc(amount(`{"fixed": 0.001}`)), "benefit.amount.fixed"},
		{"FixedWithCap", doc(amount(`{"fixed": 1, "cap": 2}`)), "benefit.amount"},
		{"RateOfEmployees", doc(amount(`{"rate": "0.1", "of": "employees"}`)), "benefit.amount.of"},
		{"RateWithoutOf", doc(amount(`{"rate": "0.1"}`)), "benefit.amount.of"},
		{"RateSevenDecimals", doc(amount(`{"rate": "0.1000001", "of": "revenue"}`)), "benefit.amount.rate"},
		{"RateSevenDecimalsNumber", doc(amount(`{"rate": 0.1000001, "of": "revenue"}`)), "benefit.amount.rate"},
		{"RateNegative", doc(amount(`{"rate": "-0.1", "of": "revenue"}`)), "benefit.amount.rate"},
		{"RateOver1000", doc(amount(`{"rate": "1000.000001", "of": "revenue"}`)), "benefit.amount.rate"},
		{"RateBool", doc(amount(`{"rate": true, "of": "revenue"}`)), "benefit.amount.rate"},
		{"RatePercent", doc(amount(`{"rate": "10%", "of": "revenue"}`)), "benefit.amount.rate"},
		{"RateFraction", doc(amount(`{"rate": "1/4", "of": "revenue"}`)), "benefit.amount.rate"},
		{"CapNegative", doc(amount(`{"rate": "0.1", "of": "revenue", "cap": -1}`)), "benefit.amount.cap"},
		{"FloorNegative", doc(amount(`{"rate": "0.1", "of": "revenue", "floor": -1}`)), "benefit.amount.floor"},
		{"FloorOverCap", doc(amount(`{"rate": "0.1", "of": "revenue", "cap": 1, "floor": 2}`)), "benefit.amount.floor"},
		{"TiersEmpty", doc(amount(`{"tiers": []}`)), "benefit.amount.tiers"},
		{"TiersWithCap", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1}], "cap": 5}`)), "benefit.amount"},
		{"TierWithoutWhen", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1}, {"fixed": 2}]}`)), "benefit.amount.tiers[1].when"},
		{"TierWhenEmpty", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1}, {"when": {}, "fixed": 2}]}`)), "benefit.amount.tiers[1].when"},
		{"TierWhenBadLeaf", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1}, {"when": {"field": "revenue", "op": "has", "value": 1}, "fixed": 2}]}`)), "benefit.amount.tiers[1].when.op"},
		{"TierNoAmount", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}}]}`)), "benefit.amount.tiers[0]"},
		{"TierNested", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1}]}]}`)), "benefit.amount.tiers[0].tiers"},
		{"TierRateOf", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "rate": "0.1", "of": "name"}]}`)), "benefit.amount.tiers[0].of"},
		{"TierUnknownKey", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "fixed": 1, "extra": 1}]}`)), "benefit.amount.tiers[0].extra"},

		// Test cases.
		{"TestsNotList", doc(map[string]string{"tests": `{}`}), "tests"},
		{"TestProfileRegion", doc(tests(`{"profile": {"region": "440300", "industry": "C1952", "founded_on": "2015-01-01"}, "eligible": true}`)), "tests[0].profile.region"},
		{"TestProfileRegionNumber", doc(tests(`{"profile": {"region": 350582, "industry": "C1952", "founded_on": "2015-01-01"}, "eligible": true}`)), "tests[0].profile.region"},
		{"TestProfileFoundedMissing", doc(tests(`{"profile": {"region": "350582", "industry": "C1952"}, "eligible": true}`)), "tests[0].profile.founded_on"},
		{"TestProfileFoundedAfterAsOf", doc(tests(`{"as_of": "2024-01-01", "profile": {"region": "350582", "industry": "C1952", "founded_on": "2024-01-02"}, "eligible": false}`)), "tests[0].profile.founded_on"},
		{"TestProfileUnknownField", doc(tests(`{"profile": {` + okProfile + `}, "eligible": true}, {"profile": {` + okProfile + `, "revenu": 1}, "eligible": true}`)), "tests[1].profile.revenu"},
		{"TestProfileTag", doc(tests(`{"profile": {` + okProfile + `}, "eligible": true}, {"profile": {` + okProfile + `, "tags": ["hightech", "x"]}, "eligible": true}`)), "tests[1].profile.tags[1]"},
		{"TestProfileMoney", doc(tests(`{"profile": {` + okProfile + `, "revenue": 1.001}, "eligible": true}`)), "tests[0].profile.revenue"},
		{"TestProfileNegative", doc(tests(`{"profile": {` + okProfile + `, "revenue": -1}, "eligible": true}`)), "tests[0].profile.revenue"},
		{"TestProfileCreditCode", doc(tests(`{"profile": {` + okProfile + `, "credit_code": "913505007173546745"}, "eligible": true}`)), "tests[0].profile.credit_code"},
		{"TestAmountNotEligible", doc(tests(`{"profile": {` + okProfile + `}, "eligible": false, "amount": 100}`)), "tests[0].amount"},
		{"TestAsOfInvalid", doc(tests(`{"as_of": "2024-02-30", "profile": {` + okProfile + `}, "eligible": false}`)), "tests[0].as_of"},
		{"TestEligibleString", doc(tests(`{"profile": {` + okProfile + `}, "eligible": "yes"}`)), "tests[0].eligible"},
		{"TestUnknownKey", doc(tests(`{"profile": {` + okProfile + `}, "eligible": true, "expected": 1}`)), "tests[0].expected"},

		// Document.
		{"JSONSyntax", `{"id": "abc",}`, ""},
		{"JSONTrailing", doc(nil) + ` {}`, ""},
		{"JSONNotObject", ` {"id": "abc"} trailing`, ""},
		{"Empty", ``, "id"},
		{"YAMLDocumentMarker", "---\n", "id"},
		{"YAMLCommentOnly", "# 只有注释\n", "id"},
		{"YAMLEmptyDocuments", "---\n---\n", "id"},
		{"YAMLEndMarker", "...\n", "id"},
		{"YAMLList", "- a\n- b\n", ""},
		{"YAMLScalar", "just text", ""},
		{"YAMLSyntax", "id: [abc\n", ""},
		{"YAMLTabs", "id: abc\n\ttitle: x\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policies.Parse([]byte(tt.doc), today)
			if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
				t.Fatalf("Parse(%s) = %v, %v; want an %s error", tt.doc, p, err, huiqi.EInvalid)
			}
			if got := huiqi.ErrorField(err); got != tt.field {
				t.Errorf("Parse(%s) field = %q (%s), want %q", tt.doc, got, huiqi.ErrorMessage(err), tt.field)
			}
		})
	}
}

func TestParse_Depth(t *testing.T) {
	p := mustParse(t, doc(map[string]string{"eligibility": nested(policies.MaxDepth)}))
	depth := 0
	for c := p.Eligibility; c != nil; c = c.Not {
		depth++
	}
	if depth != policies.MaxDepth {
		t.Errorf("parsed tree depth = %d, want %d", depth, policies.MaxDepth)
	}
	mustParse(t, doc(amount(`{"tiers": [{"when": `+nested(policies.MaxDepth)+`, "fixed": 1}]}`)))
	// A tree far deeper than the limit is refused, not a stack overflow.
	_, err := policies.Parse([]byte(doc(map[string]string{"eligibility": nested(5000)})), today)
	if huiqi.ErrorCode(err) != huiqi.EInvalid {
		t.Errorf("Parse(depth 5000) = %v, want %s", err, huiqi.EInvalid)
	}
}

func TestParse_TooLarge(t *testing.T) {
	big := doc(map[string]string{"body": `"` + strings.Repeat("文", policies.MaxDocumentSize/3) + `"`})
	if _, err := policies.Parse([]byte(big), today); huiqi.ErrorCode(err) != huiqi.ETooLarge {
		t.Errorf("Parse(%d bytes) = %v, want %s", len(big), err, huiqi.ETooLarge)
	}
	fits := doc(map[string]string{"body": `"` + strings.Repeat("a", policies.MaxDocumentSize-1000) + `"`})
	mustParse(t, fits)
}

func TestParse_YAML(t *testing.T) {
	const head = "id: yaml-doc\ntitle: 测试\ndepartment: 泉州市工业和信息化局\nbenefit: {kind: service}\n"
	t.Run("UnquotedDates", func(t *testing.T) {
		p := mustParse(t, head+"valid_from: 2024-03-01\nvalid_to: 2025-02-28\neligibility: {field: founded_on, op: between, value: [2000-01-01, 2020-12-31]}\n")
		if p.ValidFrom != date("2024-03-01") || p.ValidTo != date("2025-02-28") {
			t.Errorf("valid %s – %s, want 2024-03-01 – 2025-02-28", p.ValidFrom, p.ValidTo)
		}
		if want := []int64{days("2000-01-01"), days("2020-12-31")}; !reflect.DeepEqual(p.Eligibility.Arg.Ints, want) {
			t.Errorf("between dates Arg = %v, want %v", p.Eligibility.Arg.Ints, want)
		}
	})
	t.Run("Numbers", func(t *testing.T) {
		p := mustParse(t, head+"budget: 1234.56\ndeadline_days: 60\neligibility:\n  all:\n    - {field: employees, op: gte, value: 50}\n    - {field: revenue, op: gte, value: 20000000}\n    - {field: rd_ratio, op: gte, value: 0.035}\n    - {field: total_assets, op: lt, value: 0.5}\n")
		got := [...]int64{int64(*p.Budget), int64(p.DeadlineDays), p.Eligibility.All[0].Arg.Ints[0], p.Eligibility.All[1].Arg.Ints[0], p.Eligibility.All[2].Arg.Ints[0], p.Eligibility.All[3].Arg.Ints[0]}
		want := [...]int64{123456, 60, 50, 2_000_000_000, 35_000, 50}
		if got != want {
			t.Errorf("YAML numbers = %v, want %v", got, want)
		}
	})
	t.Run("QuotedCodes", func(t *testing.T) {
		p := mustParse(t, head+"region: '350582'\neligibility: {field: region, op: in, value: [\"350582\", '350581']}\n")
		if p.Region != "350582" || !reflect.DeepEqual(p.Eligibility.Arg.Strs, []string{"350582", "350581"}) {
			t.Errorf("region %q, Arg %v", p.Region, p.Eligibility.Arg.Strs)
		}
	})
	errs := []struct {
		name, doc, field string
	}{
		{"UnquotedRegion", head + "region: 350582\neligibility: {field: employees, op: gte, value: 1}\n", "region"},
		{"UnquotedRegionValue", head + "eligibility: {field: region, op: eq, value: 350582}\n", "eligibility.value"},
		{"UnquotedRegionInList", head + "eligibility: {field: region, op: in, value: [\"350582\", 350581]}\n", "eligibility.value[1]"},
		{"UnquotedRegionInProfile", head + "eligibility: {field: employees, op: gte, value: 1}\ntests:\n  - profile: {region: 350582, industry: C1952, founded_on: 2015-01-01}\n    eligible: true\n", "tests[0].profile.region"},
		{"NumericKey", head + "eligibility: {field: employees, op: gte, value: 1}\n1: x\n", "1"},
		{"BoolKey", head + "eligibility: {field: employees, op: gte, value: 1}\ntrue: x\n", "true"},
		{"NumericKeyNested", head + "eligibility: {field: employees, op: gte, value: 1, 2: x}\n", "eligibility.2"},
		{"DuplicateKey", head + "eligibility: {field: employees, op: gte, value: 1}\ntitle: again\n", ""},
		{"ComplexKey", head + "eligibility: {field: employees, op: gte, value: 1}\n? [a, b]\n: x\n", ""},
		{"Alias", head + "x: &e {field: employees, op: gte, value: 1}\neligibility: *e\n", ""},
		{"AliasBomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", ""},
		{"Binary", head + "eligibility: {field: employees, op: gte, value: 1}\nsummary: !!binary aGVsbG8=\n", "summary"},
		{"Infinity", head + "eligibility: {field: revenue, op: gte, value: .inf}\n", "eligibility.value"},
		{"DateForMoney", head + "budget: 2024-01-01\neligibility: {field: employees, op: gte, value: 1}\n", "budget"},
		{"DateTime", head + "valid_from: 2024-01-01T00:00:00Z\neligibility: {field: employees, op: gte, value: 1}\n", "valid_from"},
		{"RateSevenDecimals", strings.Replace(head, "{kind: service}", "{kind: subsidy, amount: {rate: 0.1000001, of: revenue}}", 1) + "eligibility: {field: employees, op: gte, value: 1}\n", "benefit.amount.rate"},
		{"TierWhen", strings.Replace(head, "benefit: {kind: service}\n", "", 1) + "eligibility: {field: employees, op: gte, value: 1}\nbenefit:\n  kind: award\n  amount:\n    tiers:\n      - when: {field: employees, op: gte, value: 1}\n        fixed: 1\n      - when: {all: []}\n        fixed: 2\n", "benefit.amount.tiers[1].when.all"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policies.Parse([]byte(tt.doc), today)
			if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
				t.Fatalf("Parse(%s) = %v, %v; want an %s error", tt.doc, p, err, huiqi.EInvalid)
			}
			if got := huiqi.ErrorField(err); got != tt.field {
				t.Errorf("Parse(%s) field = %q (%s), want %q", tt.doc, got, huiqi.ErrorMessage(err), tt.field)
			}
		})
	}
}

func TestRate(t *testing.T) {
	for _, in := range []string{`"0.10"`, `0.1`, `"0.1"`, `0.100000`, `"1e-1"`, `"0.100000"`, `"10e-2"`} {
		var r policies.Rate
		if err := json.Unmarshal([]byte(in), &r); err != nil || r != 100_000 {
			t.Errorf("Rate.UnmarshalJSON(%s) = %d, %v; want 100000", in, r, err)
		}
	}
	for _, in := range []string{`"0.1234567"`, `0.1234567`, `"-0.1"`, `-0.1`, `"1000.000001"`, `"abc"`, `true`, `null`, `[0.1]`, `""`, `"1/4"`, `"0x1"`, `" 0.1"`, `"0.1 "`, `"1e99999"`, `"1e-99999"`} {
		var r policies.Rate
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("Rate.UnmarshalJSON(%s) = %d, nil; want an error", in, r)
		}
	}
	for _, tt := range []struct {
		in   int64
		want string
	}{{0, `"0"`}, {1, `"0.000001"`}, {100_000, `"0.1"`}, {30_000, `"0.03"`}, {1_500_000, `"1.5"`}, {1000 * policies.RatioScale, `"1000"`}} {
		b, err := json.Marshal(policies.Rate(tt.in))
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(Rate(%d)) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
		var back policies.Rate
		if err := json.Unmarshal(b, &back); err != nil || int64(back) != tt.in {
			t.Errorf("Rate round trip of %d = %d, %v", tt.in, back, err)
		}
	}
	// In a document, a string and a number give the same policy.
	a := mustParse(t, doc(amount(`{"rate": "0.10", "of": "rd_expense"}`)))
	b := mustParse(t, doc(amount(`{"rate": 0.1, "of": "rd_expense"}`)))
	if *a.Benefit.Amount.Rate != 100_000 || *b.Benefit.Amount.Rate != 100_000 {
		t.Errorf(`rate "0.10" = %d, rate 0.1 = %d; want 100000 both`, *a.Benefit.Amount.Rate, *b.Benefit.Amount.Rate)
	}
}

func TestDisplayLabel(t *testing.T) {
	tests := []struct {
		leaf string
		want string
	}{
		{`{"field": "employees", "op": "gte", "value": 50}`, "从业人员 ≥ 50人"},
		{`{"field": "employees", "op": "lt", "value": 300}`, "从业人员 < 300人"},
		{`{"field": "employees", "op": "in", "value": [1, 2]}`, "从业人员 属于 1人、2人"},
		{`{"field": "employees", "op": "ne", "value": 0}`, "从业人员 不为 0人"},
		{`{"field": "age_years", "op": "lte", "value": 3}`, "成立年限 ≤ 3年"},
		{`{"field": "revenue", "op": "gte", "value": 20000000}`, "营业收入 ≥ 2000万元"},
		{`{"field": "revenue", "op": "gt", "value": 10000}`, "营业收入 > 1万元"},
		{`{"field": "revenue", "op": "gte", "value": 1234.5}`, "营业收入 ≥ 1234.5元"},
		{`{"field": "revenue", "op": "gte", "value": 15000}`, "营业收入 ≥ 15000元"},
		{`{"field": "tax_paid", "op": "gt", "value": 0}`, "纳税额 > 0元"},
		{`{"field": "revenue", "op": "between", "value": [1000000, 50000000]}`, "营业收入 介于 100万元 至 5000万元"},
		{`{"field": "employees", "op": "between", "value": [20, 300]}`, "从业人员 介于 20人 至 300人"},
		{`{"field": "rd_ratio", "op": "gte", "value": 0.03}`, "研发费用占营业收入比例 ≥ 3%"},
		{`{"field": "rd_ratio", "op": "gte", "value": "0.035"}`, "研发费用占营业收入比例 ≥ 3.5%"},
		{`{"field": "founded_on", "op": "lt", "value": "2020-01-01"}`, "成立日期 < 2020-01-01"},
		{`{"field": "region", "op": "eq", "value": "350582"}`, "所在地区 为 晋江市"},
		{`{"field": "region", "op": "prefix", "value": "3505"}`, "所在地区 属于 泉州市"},
		{`{"field": "region", "op": "prefix", "value": ["350582", "350581"]}`, "所在地区 属于 晋江市、石狮市"},
		{`{"field": "region", "op": "not_in", "value": ["350503"]}`, "所在地区 不属于 丰泽区"},
		{`{"field": "industry", "op": "prefix", "value": "C1952"}`, "所属行业 属于 皮鞋制造"},
		{`{"field": "industry", "op": "prefix", "value": ["C", "C19"]}`, "所属行业 属于 制造业、皮革、毛皮、羽毛及其制品和制鞋业"},
		{`{"field": "tags", "op": "has", "value": "hightech"}`, "企业资质 具有 高新技术企业"},
		{`{"field": "tags", "op": "has_any", "value": ["tech_sme", "specialized"]}`, "企业资质 具有其一 科技型中小企业、专精特新中小企业"},
		{`{"field": "tags", "op": "has_all", "value": ["park_resident", "green_factory"]}`, "企业资质 全部具有 入驻园区、绿色工厂"},
		{`{"field": "scale", "op": "in", "value": ["small", "micro"]}`, "企业规模 属于 小型、微型"},
		{`{"field": "tax_credit", "op": "eq", "value": "A"}`, "纳税信用等级 为 A"},
		{`{"field": "dishonest", "op": "eq", "value": false}`, "非严重失信或经营异常"},
		{`{"field": "dishonest", "op": "eq", "value": true}`, "严重失信或经营异常"},
		{`{"field": "dishonest", "op": "ne", "value": true}`, "非严重失信或经营异常"},
		{`{"field": "above_designated_size", "op": "eq", "value": true}`, "规模以上企业"},
		{`{"field": "above_designated_size", "op": "ne", "value": false}`, "规模以上企业"},
		{`{"field": "name", "op": "prefix", "value": "晋江"}`, "企业名称 属于 晋江"},
		{`{"field": "business_scope", "op": "contains_any", "value": ["鞋", "服装"]}`, "经营范围含「鞋」或「服装」"},
		{`{"field": "main_products", "op": "contains_all", "value": ["陶瓷", "卫浴"]}`, "主营产品含「陶瓷」和「卫浴」"},
		{`{"field": "main_products", "op": "contains_any", "value": ["LED"]}`, "主营产品含「LED」"},
		{`{"field": "employees", "op": "gte", "value": 50, "label": "职工人数不少于50人"}`, "职工人数不少于50人"},
	}
	for _, tt := range tests {
		p := mustParse(t, doc(map[string]string{"eligibility": tt.leaf}))
		if got := p.Eligibility.DisplayLabel(); got != tt.want {
			t.Errorf("DisplayLabel(%s) = %q, want %q", tt.leaf, got, tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "id: bbb\ntitle: B\ndepartment: D\neligibility: {field: employees, op: gte, value: 1}\nbenefit: {kind: service}\n")
	write("a.json", doc(map[string]string{"id": `"aaa"`}))
	write("sub/c.yml", "id: ccc\ntitle: C\ndepartment: D\neligibility: {field: employees, op: gte, value: 1}\nbenefit: {kind: service}\n")
	write("notes.txt", "not a policy")

	list, err := policies.ParsePath(dir, today)
	if err != nil {
		t.Fatalf("ParsePath(dir): %v", err)
	}
	var ids []string
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	if want := []string{"aaa", "bbb", "ccc"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ParsePath(dir) ids = %v, want %v", ids, want)
	}
	if list, err := policies.ParsePath(filepath.Join(dir, "b.yaml"), today); err != nil || len(list) != 1 || list[0].ID != "bbb" {
		t.Errorf("ParsePath(file) = %v, %v; want [bbb]", list, err)
	}

	write("z-bad.yaml", "id: zzz\ntitle: Z\ndepartment: D\neligibility: {field: staff, op: gte, value: 1}\nbenefit: {kind: service}\n")
	_, err = policies.ParsePath(dir, today)
	var fe *policies.FileError
	if !errors.As(err, &fe) || fe.File != "z-bad.yaml" || huiqi.ErrorField(err) != "eligibility.field" {
		t.Fatalf("ParsePath(dir with bad file) = %v, want a FileError for z-bad.yaml at eligibility.field", err)
	}
	if !strings.HasPrefix(err.Error(), "z-bad.yaml: eligibility.field: ") {
		t.Errorf("FileError.Error() = %q, want it to start with the file and field path", err.Error())
	}
	if _, err := policies.ParsePath(filepath.Join(dir, "missing.yaml"), today); err == nil {
		t.Error("ParsePath(missing file) = nil error")
	}
}

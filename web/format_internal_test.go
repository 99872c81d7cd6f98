package web

import (
	"encoding/json"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

func TestActualText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field string
		v     any
		want  string
	}{
		{"Missing", "revenue", nil, "未填写"},
		{"Money", "revenue", huiqi.Money(30_000_000_00), "3000万元"},
		{"Employees", "employees", int64(120), "120人"},
		{"Age", "age_years", 11, "11年"},
		{"Ratio", "rd_ratio", json.Number("0.04"), "4%"},
		{"Tags", "tags", []string{"hightech", "park_resident"}, "高新技术企业、入驻园区"},
		{"NoTags", "tags", []string{}, "无"},
		{"Region", "region", "350582", "晋江市"},
		{"Industry", "industry", "C1952", "皮鞋制造"},
		{"Bool", "dishonest", false, "否"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := actualText(tc.field, tc.v); got != tc.want {
				t.Errorf("actualText(%s, %v) = %q, want %q", tc.field, tc.v, got, tc.want)
			}
		})
	}
}

// Highlights are HTML from a searcher: only <mark> may pass as markup.
func TestMarkHTML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Plain", "高新技术企业", "高新技术企业"},
		{"Mark", "国家<mark>高新</mark>技术", "国家<mark>高新</mark>技术"},
		{"Escaped", "a &lt;b&gt; <mark>c&amp;d</mark>", "a &lt;b&gt; <mark>c&amp;d</mark>"},
		{"OtherTags", "<b>x</b><script>alert(1)</script>", "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"Unclosed", "<mark>x", "<mark>x</mark>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(markHTML(tc.in)); got != tc.want {
				t.Errorf("markHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFragment(t *testing.T) {
	got := fragment("对认定有效期内的国家高新技术企业给予一次性奖励", []string{"高新技术"})
	if want := "对认定有效期内的国家<mark>高新技术</mark>企业给予一次性奖励"; got != want {
		t.Errorf("fragment() = %q, want %q", got, want)
	}
	if got := fragment("<b>高新</b>", []string{"高新"}); got != "&lt;b&gt;<mark>高新</mark>&lt;/b&gt;" {
		t.Errorf("fragment escapes = %q", got)
	}
	if got := fragment("无关", []string{"高新"}); got != "" {
		t.Errorf("fragment without a match = %q, want empty", got)
	}
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/ui/workbench", "/ui/workbench"},
		{"/ui/dashboard?as_of=2026-11-25", "/ui/dashboard?as_of=2026-11-25"},
		{"//evil.example", ""},
		{"/\\evil.example", ""},
		{"https://evil.example", ""},
		{"/x\r\nSet-Cookie: a=b", ""},
		{"", ""},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Conditions are written out: all, any and not in words, leaves by their
// labels.
func TestCondView(t *testing.T) {
	doc := `{"id": "cond-test", "title": "t", "department": "d", "eligibility": {"all": [
		{"field": "employees", "op": "gte", "value": 50},
		{"any": [{"field": "tags", "op": "has", "value": "hightech"}, {"field": "tags", "op": "has", "value": "tech_sme"}]},
		{"not": {"field": "tax_credit", "op": "eq", "value": "D", "label": "纳税信用等级为D级"}}
	]}, "benefit": {"kind": "award", "amount": {"rate": "0.1", "of": "rd_expense", "cap": 1000000}}}`
	p, err := policies.Parse([]byte(doc), huiqi.NewDate(2026, 11, 25))
	if err != nil {
		t.Fatal(err)
	}
	v := newCondView(p.Eligibility)
	if v.Heading != "同时满足以下条件" || len(v.Children) != 3 {
		t.Fatalf("root = %+v", v)
	}
	if got := v.Children[0].Text; got != "从业人员 ≥ 50人" {
		t.Errorf("leaf = %q", got)
	}
	if got := v.Children[1]; got.Heading != "满足以下条件之一" || got.Children[1].Text != "企业资质 具有 科技型中小企业" {
		t.Errorf("any = %+v", got)
	}
	if got := v.Children[2].Text; got != "不得：纳税信用等级为D级" {
		t.Errorf("not = %q", got)
	}
	if got := condText(p.Eligibility); got != "从业人员 ≥ 50人，且（企业资质 具有 高新技术企业，或企业资质 具有 科技型中小企业），且不满足「纳税信用等级为D级」" {
		t.Errorf("condText = %q", got)
	}
	if got := amountText(p.Benefit.Amount); got != "按研发费用的 10% 计算，最高 100万元" {
		t.Errorf("amountText = %q", got)
	}
}

func TestChart(t *testing.T) {
	if got := niceCeil(1); got != 2 {
		t.Errorf("niceCeil(1) = %d", got)
	}
	if got := niceCeil(37); got != 40 {
		t.Errorf("niceCeil(37) = %d", got)
	}
	if got := niceCeil(41); got != 100 {
		t.Errorf("niceCeil(41) = %d", got)
	}
}

func TestGapText(t *testing.T) {
	held := []string{"hightech", "park_resident"}
	for _, tc := range []struct {
		name string
		c    matcher.Check
		want string
	}{
		{"Tags", matcher.Check{Field: "tags", Op: "has_all", Required: json.RawMessage(`["park_resident","green_factory"]`), Actual: held, Gap: "尚未取得：绿色工厂"}, "尚未取得：绿色工厂"},
		{"MoneyShort", matcher.Check{Field: "revenue", Op: "gte", Required: json.RawMessage(`50000000`), Actual: huiqi.Money(30_000_000_00), Gap: "营业收入还差2000万元"}, "企业情况：3000万元，营业收入还差2000万元"},
		{"Code", matcher.Check{Field: "industry", Op: "prefix", Required: json.RawMessage(`"I65"`), Actual: "C1952"}, "企业情况：皮鞋制造"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gapText(tc.c); got != tc.want {
				t.Errorf("gapText() = %q, want %q", got, tc.want)
			}
		})
	}
}

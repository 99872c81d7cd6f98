package matcher_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// today is the date policy documents are validated on in these tests.
var today = huiqi.NewDate(2026, 6, 15)

// mustPolicy parses a policy document with policies.Parse and fails the test
// when it is rejected.
func mustPolicy(tb testing.TB, doc string) *policies.Policy {
	tb.Helper()
	p, err := policies.Parse([]byte(doc), today)
	if err != nil {
		tb.Fatalf("policies.Parse(%s): %v", doc, err)
	}
	return p
}

// mustCompile parses and compiles a policy document.
func mustCompile(tb testing.TB, doc string) *matcher.Compiled {
	tb.Helper()
	return matcher.Compile(mustPolicy(tb, doc))
}

// policyDoc returns a minimal policy document around an eligibility tree and
// an optional benefit amount; extra holds further top-level members such as
// `"region": "350582"`.
func policyDoc(id, eligibility, amount, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"id": %q, "title": "测试政策 %s", "department": "泉州市工业和信息化局"`, id, id)
	if extra != "" {
		b.WriteString(", " + extra)
	}
	fmt.Fprintf(&b, `, "eligibility": %s, "benefit": {"kind": "subsidy"`, eligibility)
	if amount != "" {
		b.WriteString(`, "amount": ` + amount)
	}
	b.WriteString("}}")
	return b.String()
}

// mustDate parses YYYY-MM-DD.
func mustDate(tb testing.TB, s string) huiqi.Date {
	tb.Helper()
	d, err := huiqi.ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// yuan parses a decimal number of yuan into fen, panicking on bad input:
// it is only given literals.
func yuan(s string) huiqi.Money {
	m, err := huiqi.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// yuanPtr is yuan as a pointer, for optional profile figures.
func yuanPtr(s string) *huiqi.Money {
	m := yuan(s)
	return &m
}

func intPtr(n int64) *int64 { return &n }

// creditCode returns a valid 统一社会信用代码 numbered n.
func creditCode(n int) string {
	first17 := fmt.Sprintf("91350500MA%07d", n%10_000_000)
	c, err := huiqi.CreditCodeCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// baseEnterprise is a 晋江 leather shoe maker with every figure present:
// 工业, 100 people and 3000万元 revenue make it small by derivation.
func baseEnterprise() huiqi.Enterprise {
	return huiqi.Enterprise{
		CreditCode:        creditCode(1),
		Name:              "晋江市测试鞋业有限公司",
		Region:            "350582",
		Industry:          "C1952",
		FoundedOn:         huiqi.NewDate(2010, 6, 15),
		Employees:         intPtr(100),
		Revenue:           yuanPtr("30000000"),
		TotalAssets:       yuanPtr("25000000"),
		RDExpense:         yuanPtr("900000"),
		TaxPaid:           yuanPtr("1200000"),
		RegisteredCapital: yuanPtr("5000000"),
		TaxCredit:         "B",
		Tags:              []string{"exporter", "hightech"},
	}
}

// moneyString formats an optional amount for messages.
func moneyString(m *huiqi.Money) string {
	if m == nil {
		return "nil"
	}
	return m.String()
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

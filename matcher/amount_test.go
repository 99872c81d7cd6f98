package matcher_test

import (
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// always holds for every profile: no dishonesty is recorded on baseEnterprise.
const always = `{"field": "dishonest", "op": "eq", "value": false}`

func TestAmount(t *testing.T) {
	revenue := func(v string) func(*huiqi.Enterprise) { return setMoney("revenue", v) }
	const tiers = `{"tiers": [
		{"when": {"field": "employees", "op": "gte", "value": 100}, "fixed": 500000},
		{"when": {"field": "employees", "op": "gte", "value": 50}, "rate": "0.05", "of": "revenue", "cap": 300000},
		{"when": ` + always + `, "fixed": 1}
	]}`
	const tiersNoFallback = `{"tiers": [
		{"when": {"field": "employees", "op": "gte", "value": 100}, "fixed": 500000},
		{"when": {"not": {"field": "tax_credit", "op": "in", "value": ["C", "D"]}}, "rate": "0.01", "of": "tax_paid"}
	]}`
	tests := []struct {
		name   string
		amount string
		edit   func(e *huiqi.Enterprise)
		want   string // yuan, or "" for no amount
	}{
		{name: "rate rounds half up", amount: `{"rate": "0.10", "of": "revenue"}`, edit: revenue("12345.65"), want: "1234.57"},
		{name: "rate half a fen up", amount: `{"rate": "0.10", "of": "revenue"}`, edit: revenue("0.05"), want: "0.01"},
		{name: "rate under half a fen down", amount: `{"rate": "0.10", "of": "revenue"}`, edit: revenue("0.04"), want: "0"},
		{name: "rate one and a half fen", amount: `{"rate": "0.10", "of": "revenue"}`, edit: revenue("0.15"), want: "0.02"},
		{name: "rate one point four fen", amount: `{"rate": "0.10", "of": "revenue"}`, edit: revenue("0.14"), want: "0.01"},
		{name: "rate 0.3%", amount: `{"rate": "0.003", "of": "revenue"}`, edit: revenue("45678901.23"), want: "137036.7"},
		{name: "rate one half of a fen", amount: `{"rate": "0.5", "of": "revenue"}`, edit: revenue("0.01"), want: "0.01"},
		{name: "rate a third of 3 yuan", amount: `{"rate": "0.333333", "of": "revenue"}`, edit: revenue("3"), want: "1"},
		{name: "rate a millionth of a fen", amount: `{"rate": "0.000001", "of": "revenue"}`, edit: revenue("0.01"), want: "0"},
		{name: "rate a millionth, exactly half a fen", amount: `{"rate": "0.000001", "of": "revenue"}`, edit: revenue("5000"), want: "0.01"},
		{name: "rate a millionth, just under half a fen", amount: `{"rate": "0.000001", "of": "revenue"}`, edit: revenue("4999.99"), want: "0"},
		{name: "rate as a JSON number", amount: `{"rate": 0.1, "of": "revenue"}`, edit: revenue("12345.65"), want: "1234.57"},
		{name: "rate zero", amount: `{"rate": "0", "of": "revenue"}`, want: "0"},
		{name: "rate one", amount: `{"rate": "1", "of": "revenue"}`, edit: revenue("0.01"), want: "0.01"},
		{name: "rate of zero", amount: `{"rate": "0.5", "of": "revenue"}`, edit: revenue("0"), want: "0"},
		{name: "rate above one", amount: `{"rate": "1000", "of": "revenue"}`, edit: revenue("0.01"), want: "10"},
		{name: "rate of rd_expense", amount: `{"rate": "0.2", "of": "rd_expense"}`, want: "180000"},
		{name: "rate of tax_paid", amount: `{"rate": "0.05", "of": "tax_paid"}`, want: "60000"},
		{name: "rate of total_assets", amount: `{"rate": "0.01", "of": "total_assets"}`, want: "250000"},
		{name: "rate of registered_capital", amount: `{"rate": "0.02", "of": "registered_capital"}`, want: "100000"},

		{name: "cap applies", amount: `{"rate": "0.10", "of": "revenue", "cap": 300000}`, edit: revenue("5000000"), want: "300000"},
		{name: "cap exactly", amount: `{"rate": "0.10", "of": "revenue", "cap": 300000}`, edit: revenue("3000000"), want: "300000"},
		{name: "cap reached by rounding", amount: `{"rate": "0.10", "of": "revenue", "cap": 300000}`, edit: revenue("2999999.99"), want: "300000"},
		{name: "cap a fen under", amount: `{"rate": "0.10", "of": "revenue", "cap": 300000}`, edit: revenue("2999999.94"), want: "299999.99"},
		{name: "cap zero", amount: `{"rate": "0.10", "of": "revenue", "cap": 0}`, want: "0"},
		{name: "floor applies", amount: `{"rate": "0.003", "of": "revenue", "cap": 300000, "floor": 20000}`, edit: revenue("5000000"), want: "20000"},
		{name: "floor reached by rounding", amount: `{"rate": "0.003", "of": "revenue", "floor": 20000}`, edit: revenue("6666666.67"), want: "20000"},
		{name: "floor passed", amount: `{"rate": "0.003", "of": "revenue", "floor": 20000}`, edit: revenue("10000000"), want: "30000"},
		{name: "floor on zero figure", amount: `{"rate": "0.003", "of": "revenue", "floor": 20000}`, edit: revenue("0"), want: "20000"},
		{name: "floor equals cap", amount: `{"rate": "0.5", "of": "revenue", "cap": 100, "floor": 100}`, edit: revenue("1"), want: "100"},
		{name: "floor zero", amount: `{"rate": "0.10", "of": "revenue", "floor": 0}`, edit: revenue("0.04"), want: "0"},

		{name: "fixed", amount: `{"fixed": 200000}`, want: "200000"},
		{name: "fixed zero", amount: `{"fixed": 0}`, want: "0"},
		{name: "fixed a fen", amount: `{"fixed": 0.01}`, want: "0.01"},
		{name: "fixed without figures", amount: `{"fixed": 50000}`, edit: func(e *huiqi.Enterprise) { e.Revenue, e.Employees = nil, nil }, want: "50000"},

		{name: "no amount", amount: "", want: ""},
		{name: "rate of missing revenue", amount: `{"rate": "0.10", "of": "revenue", "floor": 1000}`, edit: func(e *huiqi.Enterprise) { e.Revenue = nil }, want: ""},
		{name: "rate of missing rd_expense", amount: `{"rate": "0.10", "of": "rd_expense"}`, edit: func(e *huiqi.Enterprise) { e.RDExpense = nil }, want: ""},
		{name: "rate of missing tax_paid", amount: `{"rate": "0.10", "of": "tax_paid"}`, edit: func(e *huiqi.Enterprise) { e.TaxPaid = nil }, want: ""},
		{name: "rate of missing total_assets", amount: `{"rate": "0.10", "of": "total_assets"}`, edit: func(e *huiqi.Enterprise) { e.TotalAssets = nil }, want: ""},
		{name: "rate of missing registered_capital", amount: `{"rate": "0.10", "of": "registered_capital"}`, edit: func(e *huiqi.Enterprise) { e.RegisteredCapital = nil }, want: ""},

		{name: "tiers first of two that hold", amount: tiers, edit: setEmployees(100), want: "500000"},
		{name: "tiers second", amount: tiers, edit: func(e *huiqi.Enterprise) { e.Employees, e.Revenue = intPtr(99), yuanPtr("3000000") }, want: "150000"},
		{name: "tiers second capped", amount: tiers, edit: setEmployees(50), want: "300000"},
		{name: "tiers fallback", amount: tiers, edit: setEmployees(49), want: "1"},
		{name: "tiers missing figure of the tier that holds", amount: tiers, edit: func(e *huiqi.Enterprise) { e.Employees, e.Revenue = intPtr(60), nil }, want: ""},
		// A tier unknown before any that holds leaves the tier, and so the
		// amount, unknown.
		{name: "tiers missing employees", amount: tiers, edit: func(e *huiqi.Enterprise) { e.Employees = nil }, want: ""},
		{name: "tiers when on a missing value, negated", amount: tiersNoFallback, edit: func(e *huiqi.Enterprise) { e.Employees, e.TaxCredit = nil, "" }, want: ""},
		{name: "tiers none holds", amount: tiersNoFallback, edit: func(e *huiqi.Enterprise) { e.Employees, e.TaxCredit = intPtr(99), "D" }, want: ""},

		{name: "huge fixed", amount: `{"fixed": 10000000000000}`, want: "10000000000000"},
		{name: "huge rate of the largest figure", amount: `{"rate": "1000", "of": "revenue"}`, edit: revenue("10000000000000"), want: "10000000000000000"},
		{name: "huge rate just under one", amount: `{"rate": "0.999999", "of": "revenue"}`, edit: revenue("10000000000000"), want: "9999990000000"},
		{name: "huge rounding", amount: `{"rate": "0.654321", "of": "revenue"}`, edit: revenue("9876543210987.65"), want: "6462429630356.65"},
		{name: "huge rate and figure", amount: `{"rate": "999.999999", "of": "revenue"}`, edit: revenue("9876543210987.65"), want: "9876543201111106.79"},
		{name: "huge capped", amount: `{"rate": "1000", "of": "revenue", "cap": 10000000000000}`, edit: revenue("10000000000000"), want: "10000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := baseEnterprise()
			if tt.edit != nil {
				tt.edit(&e)
			}
			p := matcher.NewProfile(&e)
			c := mustCompile(t, policyDoc("amount-test", always, tt.amount, ""))
			// Compared as text: a huge amount may exceed what a profile
			// figure may hold.
			want := tt.want
			if want == "" {
				want = "nil"
			}
			if got := c.Amount(p, today); moneyString(got) != want {
				t.Errorf("Amount(%s) = %s, want %s", tt.amount, moneyString(got), want)
			}
			v := c.Judge(p, today)
			if !v.Eligible {
				t.Fatalf("Judge(%s).Eligible = false, want true", tt.amount)
			}
			if moneyString(v.Amount) != want {
				t.Errorf("Judge(%s).Amount = %s, want %s", tt.amount, moneyString(v.Amount), want)
			}
		})
	}
}

// TestAmount_NotEligible checks that a verdict that is not eligible carries
// no amount, though the formula could give one.
func TestAmount_NotEligible(t *testing.T) {
	e := baseEnterprise()
	c := mustCompile(t, policyDoc("amount-test", `{"field": "employees", "op": "gt", "value": 100}`, `{"fixed": 200000}`, ""))
	v := c.Judge(matcher.NewProfile(&e), today)
	if v.Eligible || v.Amount != nil {
		t.Errorf("Judge = eligible %v, amount %s; want not eligible, no amount", v.Eligible, moneyString(v.Amount))
	}
}

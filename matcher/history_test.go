package matcher_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// historyEnterprise is baseEnterprise with three fiscal years: revenue
// 2000万, 2500万, 3000万; rd_expense 50万, 70万, 90万; output_value 1亿,
// 1.1亿, 1.21亿; tax_paid 80万, 100万, 120万.
func historyEnterprise() huiqi.Enterprise {
	e := baseEnterprise()
	year := func(rev, rd, out, tax string) huiqi.FiscalYear {
		return huiqi.FiscalYear{Revenue: yuanPtr(rev), RDExpense: yuanPtr(rd), OutputValue: yuanPtr(out), TaxPaid: yuanPtr(tax)}
	}
	e.FiscalYears = huiqi.FiscalYearsOf(map[int]huiqi.FiscalYear{
		2023: year("20000000", "500000", "100000000", "800000"),
		2024: year("25000000", "700000", "110000000", "1000000"),
		2025: year("30000000", "900000", "121000000", "1200000"),
	})
	return e
}

// states judges c for e on the row, through the policy index and through
// the column scans, and fails unless the three agree.
func states(t *testing.T, c *matcher.Compiled, e *huiqi.Enterprise) (state string, v matcher.Verdict) {
	t.Helper()
	p := matcher.NewProfile(e)
	v = c.Judge(p, today)
	m := matcher.New()
	m.PutProfiles(e)
	m.PutPolicy(c)
	stored, _ := m.Profile(e.CreditCode)
	r := m.MatchProfile(stored, today, true)
	index := matcher.StateIneligible
	switch {
	case len(r.Eligible) == 1:
		index = matcher.StateEligible
	case len(r.Undetermined) == 1:
		index = matcher.StateUndetermined
	}
	reach := m.MatchPolicy(c, today, true)
	scan := matcher.StateIneligible
	switch {
	case reach.Total == 1:
		scan = matcher.StateEligible
	case reach.UndeterminedTotal == 1:
		scan = matcher.StateUndetermined
	}
	if index != v.State || scan != v.State {
		t.Fatalf("row %s, policy index %s, column scans %s: the paths disagree", v.State, index, scan)
	}
	return v.State, v
}

// TestEval_History checks leaves on the profile's history: each aggregate
// of over, first-time conditions, dates of dated qualifications, those in
// force counting as tags, incident counts and reviewed leaves; unknown
// where a year or a date is missing, with what to supply.
func TestEval_History(t *testing.T) {
	over := func(field, agg string, years int, op, value string) string {
		o := fmt.Sprintf(`{"agg": %q}`, agg)
		if years > 0 {
			o = fmt.Sprintf(`{"agg": %q, "years": %d}`, agg, years)
		}
		return fmt.Sprintf(`{"field": %q, "over": %s, "op": %q, "value": %s}`, field, o, op, value)
	}
	tagged := func(field, tag, op, value string) string {
		return fmt.Sprintf(`{"field": %q, "tag": %q, "op": %q, "value": %s}`, field, tag, op, value)
	}
	qual := func(tag, from, to string) func(e *huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			q := huiqi.Qualification{Tag: tag, GrantedOn: mustDateP(from)}
			if to != "" {
				q.ExpiresOn = mustDateP(to)
			}
			e.Qualifications = append(e.Qualifications, q)
		}
	}
	noTags := func(e *huiqi.Enterprise) { e.Tags = nil }
	both := func(fs ...func(e *huiqi.Enterprise)) func(e *huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			for _, f := range fs {
				f(e)
			}
		}
	}
	dropYear := func(y int) func(e *huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) { e.FiscalYears.Delete(y) }
	}
	setRevenue := func(y int, v string) func(e *huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			fy, _ := e.FiscalYears.Get(y)
			fy.Revenue = yuanPtr(v)
			e.FiscalYears.Set(y, fy)
		}
	}
	incident := func(kind, level, on string) func(e *huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			e.Incidents = append(e.Incidents, huiqi.Incident{Kind: kind, Level: level, On: mustDateP(on)})
		}
	}
	noMajor := `{"field": "incident_count", "incident": {"years": 3, "min_level": "major"}, "op": "eq", "value": 0}`
	newlyAbove := `{"all": [{"field": "above_designated_size", "op": "eq", "value": true}, ` + over("above_designated_size", "prev", 0, "eq", "false") + `]}`
	tests := []struct {
		name    string
		rule    string
		edit    func(e *huiqi.Enterprise)
		want    string
		missing []string
		review  []string
	}{
		{name: "sum", rule: over("revenue", "sum", 3, "gte", "75000000"), want: "eligible"},
		{name: "sum a fen short", rule: over("revenue", "sum", 3, "gte", "75000000.01"), want: "ineligible"},
		{name: "avg", rule: over("revenue", "avg", 3, "eq", "25000000"), want: "eligible"},
		{name: "min", rule: over("revenue", "min", 3, "eq", "20000000"), want: "eligible"},
		{name: "max", rule: over("revenue", "max", 2, "eq", "30000000"), want: "eligible"},
		{name: "prev", rule: over("revenue", "prev", 0, "eq", "25000000"), want: "eligible"},
		{name: "increase", rule: over("revenue", "increase", 0, "gte", "5000000"), want: "eligible"},
		{name: "growth", rule: over("revenue", "growth", 0, "gte", `"0.2"`), want: "eligible"},
		{name: "growth strict", rule: over("revenue", "growth", 0, "gt", `"0.2"`), want: "ineligible"},
		{name: "avg_growth", rule: over("revenue", "avg_growth", 2, "eq", `"0.225"`), want: "eligible"},
		{name: "min_growth", rule: over("revenue", "min_growth", 2, "gte", `"0.2"`), want: "eligible"},
		{name: "rd_ratio of sums", rule: over("rd_ratio", "sum", 3, "gte", `"0.028"`), want: "eligible"},
		{name: "rd_ratio of sums short", rule: over("rd_ratio", "sum", 3, "gte", `"0.028001"`), want: "ineligible"},
		{name: "rd_ratio mean of ratios", rule: over("rd_ratio", "avg", 3, "lt", `"0.027667"`), want: "eligible"},
		{name: "yearly figure, latest", rule: leaf("output_value", "gte", "121000000"), want: "eligible"},
		{name: "output increase growth", rule: over("output_value", "growth", 0, "gte", `"0.1"`), want: "eligible"},
		{name: "year missing", rule: over("revenue", "sum", 3, "gte", "1"), edit: dropYear(2023), want: "undetermined", missing: []string{"fiscal_years.2023.revenue"}},
		{name: "year missing for a growth", rule: over("revenue", "avg_growth", 2, "gte", "0"), edit: dropYear(2023), want: "undetermined", missing: []string{"fiscal_years.2023.revenue"}},
		{name: "year missing, negated", rule: `{"not": ` + over("revenue", "prev", 0, "gte", "1") + `}`, edit: dropYear(2024), want: "undetermined", missing: []string{"fiscal_years.2024.revenue"}},
		{name: "no history", rule: over("revenue", "increase", 0, "gte", "1"), edit: func(e *huiqi.Enterprise) { e.FiscalYears = huiqi.FiscalYears{} }, want: "undetermined", missing: []string{"fiscal_years"}},
		{name: "growth over nothing", rule: over("revenue", "growth", 0, "gte", "0"), edit: setRevenue(2024, "0"), want: "undetermined", missing: []string{"fiscal_years"}},
		{name: "newly above size", rule: newlyAbove, edit: setRevenue(2024, "15000000"), want: "eligible"},
		{name: "above size already last year", rule: newlyAbove, want: "ineligible"},
		{name: "granted within the year", rule: tagged("granted_on", "hightech", "between", `["2025-01-01", "2025-12-31"]`), edit: both(noTags, qual("hightech", "2025-03-01", "2028-02-28")), want: "eligible"},
		{name: "granted before the year", rule: tagged("granted_on", "hightech", "between", `["2025-01-01", "2025-12-31"]`), edit: both(noTags, qual("hightech", "2022-03-01", "2025-02-28")), want: "ineligible"},
		{name: "re-granted: the latest grant", rule: tagged("granted_on", "hightech", "gte", `"2025-01-01"`), edit: both(noTags, qual("hightech", "2022-03-01", "2025-02-28"), qual("hightech", "2025-03-01", "2028-02-28")), want: "eligible"},
		{name: "first grant", rule: tagged("first_granted_on", "hightech", "gte", `"2025-01-01"`), edit: both(noTags, qual("hightech", "2022-03-01", "2025-02-28"), qual("hightech", "2025-03-01", "2028-02-28")), want: "ineligible"},
		{name: "expires", rule: tagged("expires_on", "hightech", "gte", `"2026-12-31"`), edit: both(noTags, qual("hightech", "2025-03-01", "2028-02-28")), want: "eligible"},
		{name: "never granted", rule: tagged("granted_on", "hightech", "gte", `"2025-01-01"`), edit: noTags, want: "ineligible"},
		{name: "held undated", rule: tagged("granted_on", "hightech", "gte", `"2025-01-01"`), want: "undetermined", missing: []string{"qualifications"}},
		{name: "qualification in force is a tag", rule: leaf("tags", "has_all", `["hightech", "green_factory"]`), edit: qual("green_factory", "2024-01-01", "2026-12-31"), want: "eligible"},
		{name: "qualification expired", rule: leaf("tags", "has", `"green_factory"`), edit: qual("green_factory", "2023-01-01", "2026-06-14"), want: "ineligible"},
		{name: "qualification ending today", rule: leaf("tags", "has_any", `["green_factory", "specialized"]`), edit: qual("green_factory", "2023-01-01", "2026-06-15"), want: "eligible"},
		{name: "qualification under not", rule: `{"not": ` + leaf("tags", "has", `"green_factory"`) + `}`, edit: qual("green_factory", "2024-01-01", ""), want: "ineligible"},
		{name: "no incident", rule: noMajor, want: "eligible"},
		{name: "a general incident", rule: noMajor, edit: incident("safety", "general", "2025-01-01"), want: "eligible"},
		{name: "a major incident", rule: noMajor, edit: incident("environment", "major", "2024-07-01"), want: "ineligible"},
		{name: "a major incident long ago", rule: noMajor, edit: incident("safety", "serious", "2023-06-15"), want: "eligible"},
		{name: "review", rule: `{"all": [` + leaf("employees", "gte", "10") + `, {"review": "推动同行业科技进步作用显著"}]}`, want: "undetermined", missing: []string{}, review: []string{"推动同行业科技进步作用显著"}},
		{name: "review after a failure", rule: `{"all": [` + leaf("employees", "gte", "1000") + `, {"review": "推动同行业科技进步作用显著"}]}`, want: "ineligible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := historyEnterprise()
			if tt.edit != nil {
				tt.edit(&e)
			}
			c := mustCompile(t, policyDoc("history-test", tt.rule, "", ""))
			got, v := states(t, c, &e)
			if got != tt.want {
				t.Fatalf("state of %s = %s, want %s (conditions %+v)", tt.rule, got, tt.want, v.Conditions)
			}
			if tt.want != matcher.StateUndetermined {
				return
			}
			if diff := cmp.Diff(tt.missing, v.Missing, cmp.Comparer(func(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); diff != "" {
				t.Errorf("missing of %s (-want +got):\n%s", tt.rule, diff)
			}
			if diff := cmp.Diff(tt.review, v.Review); diff != "" {
				t.Errorf("review of %s (-want +got):\n%s", tt.rule, diff)
			}
		})
	}
}

// TestAmount_History checks the benefit formulas on history: a rate of an
// increase, marginal bands, steps and a cap taken from another figure, on
// the row and in the column scans.
func TestAmount_History(t *testing.T) {
	tests := []struct {
		name   string
		amount string
		edit   func(e *huiqi.Enterprise)
		want   string // yuan; "" for none
	}{
		// 按同比增量的0.3%: output value up 1100万.
		{name: "rate of an increase", amount: `{"rate": "0.003", "of": "output_value", "over": {"agg": "increase"}}`, want: "33000"},
		{name: "rate of an increase, capped", amount: `{"rate": "0.003", "of": "output_value", "over": {"agg": "increase"}, "cap": 20000}`, want: "20000"},
		// revenue up 500万: 200万 at 1%, 300万 at 2%.
		{name: "bands", amount: `{"bands": [{"upto": 2000000, "rate": "0.01"}, {"rate": "0.02"}], "of": "revenue", "over": {"agg": "increase"}}`, want: "80000"},
		// 每增加200万元奖励1万元: 5 whole steps of 1100万.
		{name: "step", amount: `{"step": {"per": 2000000, "fixed": 10000}, "of": "output_value", "over": {"agg": "increase"}}`, want: "50000"},
		// 不超过上年度纳税额的5%: 100万 × 5%.
		{name: "cap_of", amount: `{"fixed": 100000, "cap_of": {"field": "tax_paid", "over": {"agg": "prev"}, "rate": "0.05"}}`, want: "50000"},
		{name: "base unknown", amount: `{"rate": "0.003", "of": "output_value", "over": {"agg": "increase"}}`, edit: func(e *huiqi.Enterprise) { e.FiscalYears.Delete(2024) }, want: ""},
		{name: "cap_of unknown", amount: `{"fixed": 100000, "cap_of": {"field": "tax_paid", "over": {"agg": "prev"}}}`, edit: func(e *huiqi.Enterprise) { e.FiscalYears.Delete(2024) }, want: ""},
		{name: "tier with bands", amount: `{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1000}, "fixed": 1}, {"when": {"field": "employees", "op": "gte", "value": 10}, "step": {"per": 2000000, "fixed": 10000}, "of": "output_value", "over": {"agg": "increase"}}]}`, want: "50000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := historyEnterprise()
			if tt.edit != nil {
				tt.edit(&e)
			}
			c := mustCompile(t, policyDoc("amount-history", leaf("employees", "gte", "10"), tt.amount, ""))
			if got := moneyString(c.Judge(matcher.NewProfile(&e), today).Amount); got != moneyString(yuanPtrOrNil(tt.want)) {
				t.Errorf("Judge amount = %s, want %s", got, tt.want)
			}
			m := matcher.New()
			m.PutProfiles(&e)
			reach := m.MatchPolicy(c, today, false)
			if len(reach.Hits) != 1 || moneyString(reach.Hits[0].Amount) != moneyString(yuanPtrOrNil(tt.want)) {
				t.Errorf("MatchPolicy hits = %+v, want one of %s", reach.Hits, tt.want)
			}
			m.PutPolicy(c)
			p, _ := m.Profile(e.CreditCode)
			if ds := m.Decide(p, today); len(ds) != 1 || moneyString(ds[0].Amount) != moneyString(yuanPtrOrNil(tt.want)) {
				t.Errorf("Decide = %+v, want one of %s", ds, tt.want)
			}
		})
	}
}

func yuanPtrOrNil(s string) *huiqi.Money {
	if s == "" {
		return nil
	}
	return yuanPtr(s)
}

func mustDateP(s string) huiqi.Date {
	d, err := huiqi.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

package matcher_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// evalCase is one leaf (or small tree) judged against baseEnterprise changed
// by edit, as of asOf (default today).
type evalCase struct {
	name string
	rule string
	edit func(e *huiqi.Enterprise)
	asOf string
	want bool
	// undetermined: the rule and its negation are both unknown.
	undetermined bool
}

// runEval checks Compiled.Eligible and Judge for the rule and for its
// negation: `not` inverts a true or false leaf, and leaves an unknown one
// (on a missing value) unknown.
func runEval(t *testing.T, tests []evalCase) {
	t.Helper()
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
			c := mustCompile(t, policyDoc("eval-test", tt.rule, "", ""))
			if tt.undetermined {
				for _, rule := range []string{tt.rule, `{"not": ` + tt.rule + `}`} {
					c := mustCompile(t, policyDoc("eval-test", rule, "", ""))
					if got := c.State(p, day); got != matcher.StateUndetermined {
						t.Errorf("State(%s) = %v, want undetermined", rule, got)
					}
					if got := c.Judge(p, day).State; got != matcher.StateUndetermined {
						t.Errorf("Judge(%s).State = %v, want undetermined", rule, got)
					}
				}
				return
			}
			if got := c.Eligible(p, day); got != tt.want {
				t.Errorf("Eligible(%s) = %v, want %v", tt.rule, got, tt.want)
			}
			if got := c.Judge(p, day).Eligible; got != tt.want {
				t.Errorf("Judge(%s).Eligible = %v, want %v", tt.rule, got, tt.want)
			}
			neg := `{"not": ` + tt.rule + `}`
			c = mustCompile(t, policyDoc("eval-test", neg, "", ""))
			if got := c.Eligible(p, day); got != !tt.want {
				t.Errorf("Eligible(%s) = %v, want %v", neg, got, !tt.want)
			}
			if got := c.Judge(p, day).Eligible; got != !tt.want {
				t.Errorf("Judge(%s).Eligible = %v, want %v", neg, got, !tt.want)
			}
		})
	}
}

func leaf(field, op, value string) string {
	return fmt.Sprintf(`{"field": %q, "op": %q, "value": %s}`, field, op, value)
}

// ordered is a numeric field with a rule value and three edits that put the
// profile's figure just below, at, and just above it.
type ordered struct {
	field  string
	value  string
	set    [3]func(e *huiqi.Enterprise) // below, at, above
	isInt  bool                         // in and not_in fit
	lowHi  string
	setsLH [6]func(e *huiqi.Enterprise) // low−1, low, low+1, high−1, high, high+1
}

func setEmployees(n int64) func(*huiqi.Enterprise) {
	return func(e *huiqi.Enterprise) { e.Employees = intPtr(n) }
}

func setMoney(field, v string) func(*huiqi.Enterprise) {
	return func(e *huiqi.Enterprise) {
		m := yuanPtr(v)
		switch field {
		case "revenue":
			e.Revenue = m
		case "total_assets":
			e.TotalAssets = m
		case "rd_expense":
			e.RDExpense = m
		case "tax_paid":
			e.TaxPaid = m
		case "registered_capital":
			e.RegisteredCapital = m
		default:
			panic(field)
		}
	}
}

func setFounded(s string) func(*huiqi.Enterprise) {
	d, err := huiqi.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return func(e *huiqi.Enterprise) { e.FoundedOn = d }
}

// setRD sets revenue to 1,000,000 yuan and rd_expense to v, so that the
// ratio in millionths is v itself.
func setRD(v string) func(*huiqi.Enterprise) {
	return func(e *huiqi.Enterprise) {
		e.Revenue = yuanPtr("1000000")
		e.RDExpense = yuanPtr(v)
	}
}

func orderedFields() []ordered {
	fields := []ordered{
		{
			field: "employees", value: "50", isInt: true,
			set:   [3]func(*huiqi.Enterprise){setEmployees(49), setEmployees(50), setEmployees(51)},
			lowHi: "[20, 300]",
			setsLH: [6]func(*huiqi.Enterprise){setEmployees(19), setEmployees(20), setEmployees(21),
				setEmployees(299), setEmployees(300), setEmployees(301)},
		},
		{
			// As of 2026-06-15: founded the day after the date 16 years
			// earlier is 15 whole years, on it 16, a year before 17.
			field: "age_years", value: "16", isInt: true,
			set:   [3]func(*huiqi.Enterprise){setFounded("2010-06-16"), setFounded("2010-06-15"), setFounded("2009-06-15")},
			lowHi: "[3, 10]",
			setsLH: [6]func(*huiqi.Enterprise){setFounded("2023-06-16"), setFounded("2023-06-15"), setFounded("2022-06-15"),
				setFounded("2016-06-16"), setFounded("2016-06-15"), setFounded("2015-06-15")},
		},
		{
			field: "founded_on", value: `"2010-06-15"`,
			set:   [3]func(*huiqi.Enterprise){setFounded("2010-06-14"), setFounded("2010-06-15"), setFounded("2010-06-16")},
			lowHi: `["2010-01-01", "2010-12-31"]`,
			setsLH: [6]func(*huiqi.Enterprise){setFounded("2009-12-31"), setFounded("2010-01-01"), setFounded("2010-01-02"),
				setFounded("2010-12-30"), setFounded("2010-12-31"), setFounded("2011-01-01")},
		},
		{
			// 1,000,000 yuan revenue: one millionth is 1 yuan of rd_expense.
			field: "rd_ratio", value: `"0.03"`,
			set:   [3]func(*huiqi.Enterprise){setRD("29999"), setRD("30000"), setRD("30001")},
			lowHi: `[0.03, "0.06"]`,
			setsLH: [6]func(*huiqi.Enterprise){setRD("29999"), setRD("30000"), setRD("30001"),
				setRD("59999"), setRD("60000"), setRD("60001")},
		},
	}
	for _, f := range []string{"revenue", "total_assets", "rd_expense", "tax_paid", "registered_capital"} {
		fields = append(fields, ordered{
			field: f, value: "5000000",
			set:   [3]func(*huiqi.Enterprise){setMoney(f, "4999999.99"), setMoney(f, "5000000"), setMoney(f, "5000000.01")},
			lowHi: "[0.01, 20000000]",
			setsLH: [6]func(*huiqi.Enterprise){setMoney(f, "0"), setMoney(f, "0.01"), setMoney(f, "0.02"),
				setMoney(f, "19999999.99"), setMoney(f, "20000000"), setMoney(f, "20000000.01")},
		})
	}
	return fields
}

// TestEval_Ordered runs every comparison operator on every numeric field
// type at its boundary: 1 person, 1 fen, 1 day, 1 millionth, 1 year.
func TestEval_Ordered(t *testing.T) {
	// Truth of op for a figure below, at and above the rule's value.
	truth := []struct {
		op   string
		want [3]bool
		ints bool // in and not_in, with the value as a one-element list
	}{
		{op: "eq", want: [3]bool{false, true, false}},
		{op: "ne", want: [3]bool{true, false, true}},
		{op: "gt", want: [3]bool{false, false, true}},
		{op: "gte", want: [3]bool{false, true, true}},
		{op: "lt", want: [3]bool{true, false, false}},
		{op: "lte", want: [3]bool{true, true, false}},
		{op: "in", want: [3]bool{false, true, false}, ints: true},
		{op: "not_in", want: [3]bool{true, false, true}, ints: true},
	}
	where := [3]string{"just below", "equal", "just above"}
	var tests []evalCase
	for _, f := range orderedFields() {
		for _, tr := range truth {
			if tr.ints && !f.isInt {
				continue
			}
			value := f.value
			if tr.ints {
				value = "[7, " + f.value + "]"
			}
			for i := range 3 {
				tests = append(tests, evalCase{
					name: f.field + " " + tr.op + " " + where[i],
					rule: leaf(f.field, tr.op, value),
					edit: f.set[i],
					want: tr.want[i],
				})
			}
		}
		// between: both ends included.
		for i, want := range [6]bool{false, true, true, true, true, false} {
			tests = append(tests, evalCase{
				name: fmt.Sprintf("%s between case %d", f.field, i),
				rule: leaf(f.field, "between", f.lowHi),
				edit: f.setsLH[i],
				want: want,
			})
		}
	}
	runEval(t, tests)
}

func TestEval_Strings(t *testing.T) {
	other := creditCode(2)
	region := func(r string) func(*huiqi.Enterprise) { return func(e *huiqi.Enterprise) { e.Region = r } }
	industry := func(s string) func(*huiqi.Enterprise) { return func(e *huiqi.Enterprise) { e.Industry = s } }
	runEval(t, []evalCase{
		{name: "region eq", rule: leaf("region", "eq", `"350582"`), want: true},
		{name: "region eq other", rule: leaf("region", "eq", `"350581"`), want: false},
		{name: "region ne", rule: leaf("region", "ne", `"350581"`), want: true},
		{name: "region ne same", rule: leaf("region", "ne", `"350582"`), want: false},
		{name: "region in", rule: leaf("region", "in", `["350581", "350582"]`), want: true},
		{name: "region in other", rule: leaf("region", "in", `["350581", "350583"]`), want: false},
		{name: "region not_in", rule: leaf("region", "not_in", `["350581", "350583"]`), want: true},
		{name: "region not_in listed", rule: leaf("region", "not_in", `["350582"]`), want: false},
		{name: "region prefix city", rule: leaf("region", "prefix", `"3505"`), want: true},
		{name: "region prefix province", rule: leaf("region", "prefix", `"35"`), want: true},
		{name: "region prefix itself", rule: leaf("region", "prefix", `"350582"`), want: true},
		{name: "region prefix sibling", rule: leaf("region", "prefix", `"350581"`), want: false},
		{name: "region prefix city from 德化", rule: leaf("region", "prefix", `"3505"`), edit: region("350526"), want: true},
		{name: "region prefix 晋江 from 德化", rule: leaf("region", "prefix", `"350582"`), edit: region("350526"), want: false},
		{name: "region prefix list", rule: leaf("region", "prefix", `["350581", "350582"]`), want: true},
		{name: "region prefix list without", rule: leaf("region", "prefix", `["350526", "350581"]`), want: false},
		{name: "region prefix list with city", rule: leaf("region", "prefix", `["350526", "3505"]`), want: true},

		{name: "industry prefix section", rule: leaf("industry", "prefix", `"C"`), want: true},
		{name: "industry prefix division", rule: leaf("industry", "prefix", `"C19"`), want: true},
		{name: "industry prefix group", rule: leaf("industry", "prefix", `"C195"`), want: true},
		{name: "industry prefix class itself", rule: leaf("industry", "prefix", `"C1952"`), want: true},
		{name: "industry prefix sibling class", rule: leaf("industry", "prefix", `"C1951"`), want: false},
		{name: "industry prefix other division", rule: leaf("industry", "prefix", `"C17"`), want: false},
		{name: "industry prefix other section", rule: leaf("industry", "prefix", `"F"`), want: false},
		{name: "industry prefix class of a division firm", rule: leaf("industry", "prefix", `"C1952"`), edit: industry("C19"), want: false},
		{name: "industry prefix list", rule: leaf("industry", "prefix", `["C17", "C18", "C19"]`), want: true},
		{name: "industry prefix list without", rule: leaf("industry", "prefix", `["C17", "C18"]`), want: false},
		{name: "industry prefix list class", rule: leaf("industry", "prefix", `["C1811", "C1952"]`), want: true},
		{name: "industry eq", rule: leaf("industry", "eq", `"C1952"`), want: true},
		{name: "industry eq broader", rule: leaf("industry", "eq", `"C19"`), want: false},
		{name: "industry ne", rule: leaf("industry", "ne", `"C1951"`), want: true},
		{name: "industry ne same", rule: leaf("industry", "ne", `"C1952"`), want: false},
		{name: "industry in", rule: leaf("industry", "in", `["C1951", "C1952"]`), want: true},
		{name: "industry in broader only", rule: leaf("industry", "in", `["C", "C19"]`), want: false},
		{name: "industry not_in", rule: leaf("industry", "not_in", `["C3071", "C3072"]`), want: true},
		{name: "industry not_in listed", rule: leaf("industry", "not_in", `["C3071", "C1952"]`), want: false},

		{name: "credit_code eq", rule: leaf("credit_code", "eq", fmt.Sprintf("%q", creditCode(1))), want: true},
		{name: "credit_code eq other", rule: leaf("credit_code", "eq", fmt.Sprintf("%q", other)), want: false},
		{name: "credit_code ne other", rule: leaf("credit_code", "ne", fmt.Sprintf("%q", other)), want: true},
		{name: "credit_code in", rule: leaf("credit_code", "in", fmt.Sprintf("[%q, %q]", other, creditCode(1))), want: true},
		{name: "credit_code not_in", rule: leaf("credit_code", "not_in", fmt.Sprintf("[%q]", other)), want: true},
		{name: "credit_code prefix", rule: leaf("credit_code", "prefix", `"91350500"`), want: true},
		{name: "credit_code prefix other", rule: leaf("credit_code", "prefix", `"91440300"`), want: false},

		{name: "name eq", rule: leaf("name", "eq", `"晋江市测试鞋业有限公司"`), want: true},
		{name: "name eq other", rule: leaf("name", "eq", `"晋江市测试鞋业"`), want: false},
		{name: "name ne", rule: leaf("name", "ne", `"德化县测试陶瓷有限公司"`), want: true},
		{name: "name in", rule: leaf("name", "in", `["甲", "晋江市测试鞋业有限公司"]`), want: true},
		{name: "name not_in", rule: leaf("name", "not_in", `["晋江市测试鞋业有限公司"]`), want: false},
		{name: "name prefix", rule: leaf("name", "prefix", `"晋江市"`), want: true},
		{name: "name prefix list", rule: leaf("name", "prefix", `["泉州市", "石狮市"]`), want: false},
	})
}

func TestEval_Enums(t *testing.T) {
	given := func(s string) func(*huiqi.Enterprise) { return func(e *huiqi.Enterprise) { e.Scale = s } }
	industrial := func(employees int64, revenue string) func(*huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			e.Industry, e.Employees, e.Revenue = "C1952", intPtr(employees), yuanPtr(revenue)
		}
	}
	noEmployees := func(e *huiqi.Enterprise) { e.Employees = nil }
	noCredit := func(e *huiqi.Enterprise) { e.TaxCredit = "" }
	runEval(t, []evalCase{
		// 工业: 100 people and 3000万元 is small (medium needs 300 people too).
		{name: "scale derived eq", rule: leaf("scale", "eq", `"small"`), want: true},
		{name: "scale derived eq other", rule: leaf("scale", "eq", `"medium"`), want: false},
		{name: "scale derived ne", rule: leaf("scale", "ne", `"medium"`), want: true},
		{name: "scale derived ne same", rule: leaf("scale", "ne", `"small"`), want: false},
		{name: "scale derived in", rule: leaf("scale", "in", `["small", "micro"]`), want: true},
		{name: "scale derived not_in", rule: leaf("scale", "not_in", `["small", "micro"]`), want: false},
		{name: "scale derived medium at bounds", rule: leaf("scale", "eq", `"medium"`), edit: industrial(300, "20000000"), want: true},
		{name: "scale derived one person short of medium", rule: leaf("scale", "eq", `"small"`), edit: industrial(299, "20000000"), want: true},
		{name: "scale derived one fen short of medium", rule: leaf("scale", "eq", `"small"`), edit: industrial(300, "19999999.99"), want: true},
		{name: "scale derived small at bounds", rule: leaf("scale", "eq", `"small"`), edit: industrial(20, "3000000"), want: true},
		{name: "scale derived micro below bounds", rule: leaf("scale", "eq", `"micro"`), edit: industrial(19, "3000000"), want: true},
		{name: "scale given wins", rule: leaf("scale", "eq", `"medium"`), edit: given("medium"), want: true},
		{name: "scale given hides derived", rule: leaf("scale", "eq", `"small"`), edit: given("medium"), want: false},
		{name: "scale given without figures", rule: leaf("scale", "eq", `"micro"`), edit: func(e *huiqi.Enterprise) { e.Scale, e.Employees, e.Revenue = "micro", nil, nil }, want: true},
		{name: "scale underivable eq", rule: leaf("scale", "eq", `"small"`), edit: noEmployees, undetermined: true},
		{name: "scale underivable ne", rule: leaf("scale", "ne", `"small"`), edit: noEmployees, undetermined: true},
		{name: "scale underivable in", rule: leaf("scale", "in", `["large", "medium", "small", "micro"]`), edit: noEmployees, undetermined: true},
		{name: "scale underivable not_in", rule: leaf("scale", "not_in", `["large"]`), edit: noEmployees, undetermined: true},

		{name: "tax_credit eq", rule: leaf("tax_credit", "eq", `"B"`), want: true},
		{name: "tax_credit eq other", rule: leaf("tax_credit", "eq", `"A"`), want: false},
		{name: "tax_credit ne", rule: leaf("tax_credit", "ne", `"A"`), want: true},
		{name: "tax_credit ne same", rule: leaf("tax_credit", "ne", `"B"`), want: false},
		{name: "tax_credit in", rule: leaf("tax_credit", "in", `["A", "B"]`), want: true},
		{name: "tax_credit in other", rule: leaf("tax_credit", "in", `["A", "M"]`), want: false},
		{name: "tax_credit not_in", rule: leaf("tax_credit", "not_in", `["C", "D"]`), want: true},
		{name: "tax_credit not_in listed", rule: leaf("tax_credit", "not_in", `["B", "D"]`), want: false},
		{name: "tax_credit missing eq", rule: leaf("tax_credit", "eq", `"A"`), edit: noCredit, undetermined: true},
		{name: "tax_credit missing ne", rule: leaf("tax_credit", "ne", `"D"`), edit: noCredit, undetermined: true},
		{name: "tax_credit missing in", rule: leaf("tax_credit", "in", `["A", "B", "M", "C", "D"]`), edit: noCredit, undetermined: true},
		{name: "tax_credit missing not_in", rule: leaf("tax_credit", "not_in", `["C", "D"]`), edit: noCredit, undetermined: true},
	})
}

func TestEval_Bools(t *testing.T) {
	dishonest := func(e *huiqi.Enterprise) { e.Dishonest = true }
	revenue := func(v string) func(*huiqi.Enterprise) { return setMoney("revenue", v) }
	retail := func(e *huiqi.Enterprise) { e.Industry, e.Revenue = "F5211", yuanPtr("1000000000") }
	runEval(t, []evalCase{
		{name: "dishonest absent eq false", rule: leaf("dishonest", "eq", "false"), want: true},
		{name: "dishonest absent eq true", rule: leaf("dishonest", "eq", "true"), want: false},
		{name: "dishonest absent ne true", rule: leaf("dishonest", "ne", "true"), want: true},
		{name: "dishonest absent ne false", rule: leaf("dishonest", "ne", "false"), want: false},
		{name: "dishonest eq true", rule: leaf("dishonest", "eq", "true"), edit: dishonest, want: true},
		{name: "dishonest eq false", rule: leaf("dishonest", "eq", "false"), edit: dishonest, want: false},
		{name: "dishonest ne false", rule: leaf("dishonest", "ne", "false"), edit: dishonest, want: true},
		{name: "dishonest ne true", rule: leaf("dishonest", "ne", "true"), edit: dishonest, want: false},

		{name: "above size eq true", rule: leaf("above_designated_size", "eq", "true"), want: true},
		{name: "above size ne true", rule: leaf("above_designated_size", "ne", "true"), want: false},
		{name: "above size at 2000万元", rule: leaf("above_designated_size", "eq", "true"), edit: revenue("20000000"), want: true},
		{name: "above size one fen short", rule: leaf("above_designated_size", "eq", "true"), edit: revenue("19999999.99"), want: false},
		{name: "above size one fen short eq false", rule: leaf("above_designated_size", "eq", "false"), edit: revenue("19999999.99"), want: true},
		{name: "above size one fen short ne false", rule: leaf("above_designated_size", "ne", "false"), edit: revenue("19999999.99"), want: false},
		{name: "above size retail never", rule: leaf("above_designated_size", "eq", "true"), edit: retail, want: false},
		{name: "above size mining", rule: leaf("above_designated_size", "eq", "true"), edit: func(e *huiqi.Enterprise) { e.Industry = "B0610" }, want: true},
		{name: "above size power", rule: leaf("above_designated_size", "eq", "true"), edit: func(e *huiqi.Enterprise) { e.Industry = "D4411" }, want: true},
		{name: "above size revenue missing", rule: leaf("above_designated_size", "eq", "true"), edit: func(e *huiqi.Enterprise) { e.Revenue = nil }, undetermined: true},
	})
}

func TestEval_Tags(t *testing.T) {
	none := func(e *huiqi.Enterprise) { e.Tags = nil }
	empty := func(e *huiqi.Enterprise) { e.Tags = []string{} }
	var all []string
	for _, tag := range huiqi.Tags() {
		all = append(all, tag.Tag)
	}
	full := func(e *huiqi.Enterprise) { e.Tags = all }
	allJSON, _ := json.Marshal(all)
	runEval(t, []evalCase{
		{name: "has", rule: leaf("tags", "has", `"hightech"`), want: true},
		{name: "has not held", rule: leaf("tags", "has", `"specialized"`), want: false},
		{name: "has on absent tags", rule: leaf("tags", "has", `"hightech"`), edit: none, want: false},
		{name: "has on empty tags", rule: leaf("tags", "has", `"hightech"`), edit: empty, want: false},
		{name: "has on full tags", rule: leaf("tags", "has", `"ecommerce"`), edit: full, want: true},
		{name: "has_any one held", rule: leaf("tags", "has_any", `["specialized", "hightech"]`), want: true},
		{name: "has_any none held", rule: leaf("tags", "has_any", `["specialized", "little_giant"]`), want: false},
		{name: "has_any on empty tags", rule: leaf("tags", "has_any", `["specialized", "hightech"]`), edit: empty, want: false},
		{name: "has_any on full tags", rule: leaf("tags", "has_any", `["little_giant"]`), edit: full, want: true},
		{name: "has_all held", rule: leaf("tags", "has_all", `["exporter", "hightech"]`), want: true},
		{name: "has_all one short", rule: leaf("tags", "has_all", `["exporter", "hightech", "specialized"]`), want: false},
		{name: "has_all on absent tags", rule: leaf("tags", "has_all", `["exporter"]`), edit: none, want: false},
		{name: "has_all every tag on full tags", rule: leaf("tags", "has_all", string(allJSON)), edit: full, want: true},
		{name: "has_all every tag one short", rule: leaf("tags", "has_all", string(allJSON)), edit: func(e *huiqi.Enterprise) { e.Tags = all[1:] }, want: false},
	})
}

func TestEval_Derived(t *testing.T) {
	founded := func(s string) func(*huiqi.Enterprise) { return setFounded(s) }
	figures := func(rd, revenue string) func(*huiqi.Enterprise) {
		return func(e *huiqi.Enterprise) {
			e.RDExpense, e.Revenue = nil, nil
			if rd != "" {
				e.RDExpense = yuanPtr(rd)
			}
			if revenue != "" {
				e.Revenue = yuanPtr(revenue)
			}
		}
	}
	runEval(t, []evalCase{
		// Founded 2010-06-15.
		{name: "age day before anniversary", rule: leaf("age_years", "gte", "16"), asOf: "2026-06-14", want: false},
		{name: "age day before anniversary eq", rule: leaf("age_years", "eq", "15"), asOf: "2026-06-14", want: true},
		{name: "age on anniversary", rule: leaf("age_years", "gte", "16"), asOf: "2026-06-15", want: true},
		{name: "age on anniversary eq", rule: leaf("age_years", "eq", "16"), asOf: "2026-06-15", want: true},
		{name: "age on founding day", rule: leaf("age_years", "eq", "0"), asOf: "2010-06-15", want: true},
		{name: "age a year less a day", rule: leaf("age_years", "lt", "1"), asOf: "2011-06-14", want: true},
		{name: "age first anniversary", rule: leaf("age_years", "eq", "1"), asOf: "2011-06-15", want: true},
		{name: "age leap founding before anniversary", rule: leaf("age_years", "eq", "0"), edit: founded("2012-02-29"), asOf: "2013-02-28", want: true},
		{name: "age leap founding after anniversary", rule: leaf("age_years", "eq", "1"), edit: founded("2012-02-29"), asOf: "2013-03-01", want: true},
		{name: "age leap founding in leap year", rule: leaf("age_years", "eq", "4"), edit: founded("2012-02-29"), asOf: "2016-02-29", want: true},
		{name: "age across year end", rule: leaf("age_years", "eq", "0"), edit: founded("2025-12-31"), asOf: "2026-12-30", want: true},
		{name: "age across year end anniversary", rule: leaf("age_years", "eq", "1"), edit: founded("2025-12-31"), asOf: "2026-12-31", want: true},
		// Judged as of a date before founding (a replay): no whole year yet.
		{name: "age before founding", rule: leaf("age_years", "lt", "0"), edit: founded("2026-08-01"), want: true},
		{name: "age before founding is not zero", rule: leaf("age_years", "eq", "0"), edit: founded("2026-08-01"), want: false},

		{name: "rd_ratio at bound", rule: leaf("rd_ratio", "gte", `"0.03"`), edit: figures("300000", "10000000"), want: true},
		{name: "rd_ratio eq at bound", rule: leaf("rd_ratio", "eq", "0.03"), edit: figures("300000", "10000000"), want: true},
		{name: "rd_ratio a hundred-millionth short", rule: leaf("rd_ratio", "gte", `"0.03"`), edit: figures("299999.99", "10000000"), want: false},
		{name: "rd_ratio a third above", rule: leaf("rd_ratio", "gt", `"0.333333"`), edit: figures("0.01", "0.03"), want: true},
		{name: "rd_ratio a third below", rule: leaf("rd_ratio", "lt", `"0.333334"`), edit: figures("0.01", "0.03"), want: true},
		{name: "rd_ratio a third not eq", rule: leaf("rd_ratio", "eq", `"0.333333"`), edit: figures("0.01", "0.03"), want: false},
		{name: "rd_ratio above one", rule: leaf("rd_ratio", "gt", `"1"`), edit: figures("2", "1"), want: true},
		{name: "rd_ratio huge", rule: leaf("rd_ratio", "gte", `"1000"`), edit: figures("10000000000000", "0.01"), want: true},
		{name: "rd_ratio revenue 0 is 0", rule: leaf("rd_ratio", "eq", "0"), edit: figures("100", "0"), want: true},
		{name: "rd_ratio revenue 0 lte", rule: leaf("rd_ratio", "lte", `"0.01"`), edit: figures("100", "0"), want: true},
		{name: "rd_ratio revenue 0 gt 0", rule: leaf("rd_ratio", "gt", "0"), edit: figures("100", "0"), want: false},
		{name: "rd_ratio both 0", rule: leaf("rd_ratio", "between", "[0, 0.01]"), edit: figures("0", "0"), want: true},
		{name: "rd_ratio revenue missing", rule: leaf("rd_ratio", "gte", "0"), edit: figures("100", ""), undetermined: true},
		{name: "rd_ratio revenue missing lt", rule: leaf("rd_ratio", "lt", "1"), edit: figures("100", ""), undetermined: true},
		{name: "rd_ratio rd missing", rule: leaf("rd_ratio", "gte", "0"), edit: figures("", "100"), undetermined: true},
		{name: "rd_ratio rd missing ne", rule: leaf("rd_ratio", "ne", "0.5"), edit: figures("", "100"), undetermined: true},
	})
}

// TestEval_Missing checks the missing-value rule on every field a profile
// may lack, with operators that a zero value would satisfy.
func TestEval_Missing(t *testing.T) {
	clear := map[string]func(e *huiqi.Enterprise){
		"employees":          func(e *huiqi.Enterprise) { e.Employees = nil },
		"revenue":            func(e *huiqi.Enterprise) { e.Revenue = nil },
		"total_assets":       func(e *huiqi.Enterprise) { e.TotalAssets = nil },
		"rd_expense":         func(e *huiqi.Enterprise) { e.RDExpense = nil },
		"tax_paid":           func(e *huiqi.Enterprise) { e.TaxPaid = nil },
		"registered_capital": func(e *huiqi.Enterprise) { e.RegisteredCapital = nil },
		"tax_credit":         func(e *huiqi.Enterprise) { e.TaxCredit = "" },
		"scale":              func(e *huiqi.Enterprise) { e.Revenue = nil },
		"rd_ratio":           func(e *huiqi.Enterprise) { e.Revenue = nil },
	}
	tests := []struct {
		name string
		rule string
	}{
		{"employees", leaf("employees", "lt", "1000000")},
		{"employees", leaf("employees", "ne", "5")},
		{"employees", leaf("employees", "not_in", "[5]")},
		{"employees", leaf("employees", "between", "[0, 1000000]")},
		{"revenue", leaf("revenue", "gte", "0")},
		{"revenue", leaf("revenue", "lte", "10000000000")},
		{"revenue", leaf("revenue", "ne", "1")},
		{"total_assets", leaf("total_assets", "lt", "1000000000")},
		{"rd_expense", leaf("rd_expense", "between", "[0, 10000000]")},
		{"tax_paid", leaf("tax_paid", "between", "[0, 1000000000]")},
		{"registered_capital", leaf("registered_capital", "gt", "-1")},
		{"tax_credit", leaf("tax_credit", "ne", `"D"`)},
		{"tax_credit", leaf("tax_credit", "not_in", `["C", "D"]`)},
		{"scale", leaf("scale", "ne", `"large"`)},
		{"scale", leaf("scale", "not_in", `["large", "medium"]`)},
		{"rd_ratio", leaf("rd_ratio", "lte", `"1000"`)},
		{"rd_ratio", leaf("rd_ratio", "ne", `"0.5"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.rule, func(t *testing.T) {
			e := baseEnterprise()
			p := matcher.NewProfile(&e)
			c := mustCompile(t, policyDoc("missing-test", tt.rule, "", ""))
			if got := c.Eligible(p, today); !got {
				t.Fatalf("Eligible(%s) with the figure = %v, want true", tt.rule, got)
			}
			clear[tt.name](&e)
			p = matcher.NewProfile(&e)
			for _, rule := range []string{tt.rule, `{"not": ` + tt.rule + `}`} {
				c = mustCompile(t, policyDoc("missing-test", rule, "", ""))
				if got := c.State(p, today); got != matcher.StateUndetermined {
					t.Errorf("State(%s) = %v, want undetermined", rule, got)
				}
				v := c.Judge(p, today)
				if v.State != matcher.StateUndetermined || v.Eligible || len(v.Conditions) != 1 || v.Conditions[0].Pass != nil || v.Conditions[0].Actual != nil {
					t.Errorf("Judge(%s) = %s, conditions %+v; want undetermined with one unknown check, actual nil", rule, v.State, v.Conditions)
				}
				if len(v.Missing) == 0 {
					t.Errorf("Judge(%s).Missing is empty", rule)
				}
			}
		})
	}
}

// TestEval_Trees checks all, any and not around leaves.
func TestEval_Trees(t *testing.T) {
	yes := leaf("employees", "gte", "50")
	no := leaf("employees", "lt", "50")
	missing := leaf("tax_credit", "eq", `"A"`)
	noCredit := func(e *huiqi.Enterprise) { e.TaxCredit = "" }
	runEval(t, []evalCase{
		{name: "all true", rule: `{"all": [` + yes + `, ` + yes + `]}`, want: true},
		{name: "all one false", rule: `{"all": [` + yes + `, ` + no + `]}`, want: false},
		{name: "any one true", rule: `{"any": [` + no + `, ` + yes + `]}`, want: true},
		{name: "any none true", rule: `{"any": [` + no + `, ` + no + `]}`, want: false},
		{name: "not not", rule: `{"not": {"not": ` + yes + `}}`, want: true},
		{name: "all of not missing", rule: `{"all": [` + yes + `, {"not": ` + missing + `}]}`, edit: noCredit, undetermined: true},
		{name: "any of missing", rule: `{"any": [` + no + `, ` + missing + `]}`, edit: noCredit, undetermined: true},
		{name: "all false and missing", rule: `{"all": [` + missing + `, ` + no + `]}`, edit: noCredit, want: false},
		{name: "any true and missing", rule: `{"any": [` + missing + `, ` + yes + `]}`, edit: noCredit, want: true},
		{name: "deep", rule: `{"all": [{"any": [` + no + `, {"not": {"all": [` + no + `, ` + yes + `]}}]}, ` + yes + `]}`, want: true},
	})
}

// TestJudge_Actual checks the actual value an explanation shows per field,
// as JSON, and its pass, label, op and required value.
func TestJudge_Actual(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		edit  func(e *huiqi.Enterprise)
		asOf  string
		label string
		want  string // JSON of actual
	}{
		{name: "employees", rule: leaf("employees", "gte", "50"), label: "从业人员 ≥ 50人", want: "100"},
		{name: "revenue", rule: leaf("revenue", "gte", "20000000"), label: "营业收入 ≥ 2000万元", want: "30000000"},
		{name: "revenue fen", rule: leaf("revenue", "gte", "5000000.5"), edit: setMoney("revenue", "12345.65"), label: "营业收入 ≥ 5000000.5元", want: "12345.65"},
		{name: "region", rule: leaf("region", "prefix", `["350581", "350582"]`), label: "所在地区 属于 石狮市、晋江市", want: `"350582"`},
		{name: "industry", rule: leaf("industry", "prefix", `"C19"`), label: "所属行业 属于 皮革、毛皮、羽毛及其制品和制鞋业", want: `"C1952"`},
		{name: "scale derived", rule: leaf("scale", "in", `["small", "micro"]`), label: "企业规模 属于 小型、微型", want: `"small"`},
		{name: "scale missing", rule: leaf("scale", "eq", `"small"`), edit: func(e *huiqi.Enterprise) { e.Employees = nil }, label: "企业规模 为 小型", want: "null"},
		{name: "tax_credit missing", rule: leaf("tax_credit", "eq", `"A"`), edit: func(e *huiqi.Enterprise) { e.TaxCredit = "" }, label: "纳税信用等级 为 A", want: "null"},
		{name: "tags", rule: leaf("tags", "has", `"hightech"`), label: "企业资质 具有 高新技术企业", want: `["exporter","hightech"]`},
		{name: "tags absent", rule: leaf("tags", "has_any", `["hightech", "specialized"]`), edit: func(e *huiqi.Enterprise) { e.Tags = nil }, label: "企业资质 具有其一 高新技术企业、专精特新中小企业", want: `[]`},
		{name: "dishonest", rule: leaf("dishonest", "eq", "false"), label: "非严重失信或经营异常", want: "false"},
		{name: "above size", rule: leaf("above_designated_size", "eq", "true"), label: "规模以上企业", want: "true"},
		{name: "age day before anniversary", rule: leaf("age_years", "gte", "16"), asOf: "2026-06-14", label: "成立年限 ≥ 16年", want: "15"},
		{name: "age on anniversary", rule: leaf("age_years", "gte", "16"), label: "成立年限 ≥ 16年", want: "16"},
		{name: "founded_on", rule: leaf("founded_on", "lte", `"2015-12-31"`), label: "成立日期 ≤ 2015-12-31", want: `"2010-06-15"`},
		{name: "rd_ratio", rule: leaf("rd_ratio", "gte", `"0.03"`), label: "研发费用占营业收入比例 ≥ 3%", want: "0.03"},
		{name: "rd_ratio a third", rule: leaf("rd_ratio", "gte", `"0.3"`), edit: func(e *huiqi.Enterprise) { e.RDExpense, e.Revenue = yuanPtr("0.01"), yuanPtr("0.03") }, label: "研发费用占营业收入比例 ≥ 30%", want: "0.333333"},
		{name: "rd_ratio two thirds rounds up", rule: leaf("rd_ratio", "gte", `"0.3"`), edit: func(e *huiqi.Enterprise) { e.RDExpense, e.Revenue = yuanPtr("0.02"), yuanPtr("0.03") }, label: "研发费用占营业收入比例 ≥ 30%", want: "0.666667"},
		{name: "rd_ratio revenue 0", rule: leaf("rd_ratio", "gte", `"0.03"`), edit: func(e *huiqi.Enterprise) { e.Revenue = yuanPtr("0") }, label: "研发费用占营业收入比例 ≥ 3%", want: "0"},
		{name: "rd_ratio revenue missing", rule: leaf("rd_ratio", "gte", `"0.03"`), edit: func(e *huiqi.Enterprise) { e.Revenue = nil }, label: "研发费用占营业收入比例 ≥ 3%", want: "null"},
		{name: "rd_ratio huge", rule: leaf("rd_ratio", "gte", `"1000"`), edit: func(e *huiqi.Enterprise) { e.RDExpense, e.Revenue = yuanPtr("10000000000000"), yuanPtr("0.01") }, label: "研发费用占营业收入比例 ≥ 100000%", want: "1000000000000000"},
		{name: "employees missing", rule: leaf("employees", "between", "[10, 99]"), edit: func(e *huiqi.Enterprise) { e.Employees = nil }, label: "从业人员 介于 10人 至 99人", want: "null"},
		{name: "label given", rule: `{"field": "employees", "op": "gte", "value": 50, "label": "职工人数不少于50人"}`, label: "职工人数不少于50人", want: "100"},
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
			pol := mustPolicy(t, policyDoc("actual-test", tt.rule, "", ""))
			v := matcher.Compile(pol).Judge(matcher.NewProfile(&e), day)
			if len(v.Conditions) != 1 {
				t.Fatalf("Judge(%s).Conditions = %+v, want one", tt.rule, v.Conditions)
			}
			got := v.Conditions[0]
			actual, err := json.Marshal(got.Actual)
			if err != nil {
				t.Fatal(err)
			}
			if string(actual) != tt.want {
				t.Errorf("Judge(%s) actual = %s, want %s", tt.rule, actual, tt.want)
			}
			if got.Label != tt.label {
				t.Errorf("Judge(%s) label = %q, want %q", tt.rule, got.Label, tt.label)
			}
			if want := map[string]*bool{matcher.StateEligible: ptr(true), matcher.StateIneligible: ptr(false)}[v.State]; !cmp.Equal(got.Pass, want) {
				t.Errorf("Judge(%s) pass = %v, state = %v: a single leaf decides", tt.rule, got.Pass, v.State)
			}
			if got.Field != pol.Eligibility.Field || got.Op != pol.Eligibility.Op || string(got.Required) != string(pol.Eligibility.Value) {
				t.Errorf("Judge(%s) = %s %s %s, want the rule's field, op and value", tt.rule, got.Field, got.Op, got.Required)
			}
		})
	}
}

// TestEval_ValueForms checks that values written as numbers or strings read
// the same: ratios as "0.03" or 0.03, money with decimals or exponents.
func TestEval_ValueForms(t *testing.T) {
	e := baseEnterprise() // rd_ratio 0.03, revenue 30000000
	p := matcher.NewProfile(&e)
	for _, rule := range []string{
		leaf("rd_ratio", "eq", "0.03"),
		leaf("rd_ratio", "eq", `"0.030000"`),
		leaf("rd_ratio", "eq", "3e-2"),
		leaf("revenue", "eq", "3e7"),
		leaf("revenue", "eq", "30000000.00"),
	} {
		if got := mustCompile(t, policyDoc("forms-test", rule, "", "")).Eligible(p, today); !got {
			t.Errorf("Eligible(%s) = %v, want true", rule, got)
		}
	}
}

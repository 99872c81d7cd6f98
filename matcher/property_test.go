package matcher_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Vocabularies the generators draw from. Values cluster on boundaries so
// that equal, just below and just above all come up.
var (
	genRegions    = []string{"350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582", "350583", "350598", "350599"}
	genScopes     = append([]string{"35", "3505"}, genRegions...)
	genIndustries = []string{"C1952", "C1951", "C1811", "C1751", "C3074", "C3075", "C3071", "C2614", "C3981", "C19",
		"B0610", "D4411", "A0111", "E4710", "F5211", "H6210", "I6513", "K7010", "L7211", "M7320", "G5990"}
	genIndustryPrefixes = []string{"C", "C19", "C195", "C1952", "C17", "C18", "C30", "C307", "C3074", "B", "D", "I65", "I6513", "F", "F52", "H62", "A01"}
	genNames            = []string{"晋江市鸿星皮鞋有限公司", "德化县白瓷坊陶瓷工艺有限公司", "泉州丰泽智码软件科技有限公司"}
	genNamePrefixes     = []string{"晋江", "德化县", "泉州", "石狮"}
	genEmployees        = []int64{0, 1, 9, 10, 11, 19, 20, 49, 50, 51, 99, 100, 101, 299, 300, 301, 1000}
	genFen              = []int64{0, 1, 4, 5, 15, 1234565, 30000000, 499999999, 500000000, 500000001, 1999999999, 2000000000, 2000000001, 10000000000, 100000000000000, 1000000000000000}
	genRatios           = []int64{0, 1, 10000, 20000, 29999, 30000, 30001, 50000, 333333, 1000000, 1000000000}
	genAges             = []int64{-1, 0, 1, 2, 3, 5, 10, 16}
	// Prose, "" (missing) among it, and words in mixed case and width.
	genProse = []string{"", "", "运动鞋、服装制造；LED照明", "ＯＬＥＤ显示屏研发", "日用陶瓷、卫浴洁具", "软件开发"}
	genWords = []string{"鞋", "服装", "led", "ＬＥＤ", "Oled", "陶瓷", "卫浴", "软件", "制造"}
	genDates = []string{"2000-01-01", "2010-06-14", "2010-06-15", "2010-06-16", "2012-02-29", "2016-02-29", "2020-12-31", "2025-06-30", "2026-06-15", "2026-07-01"}
)

func genTags(t *rapid.T, label string, least int) []string {
	var out []string
	for _, tag := range huiqi.Tags() {
		out = append(out, tag.Tag)
	}
	return rapid.SliceOfNDistinct(rapid.SampledFrom(out), least, 4, rapid.ID[string]).Draw(t, label)
}

func genFenValue(t *rapid.T, label string) int64 {
	if rapid.Bool().Draw(t, label+"-pooled") {
		return rapid.SampledFrom(genFen).Draw(t, label)
	}
	return rapid.Int64Range(0, 10_000_000_000).Draw(t, label)
}

func genMoneyPtr(t *rapid.T, label string) *huiqi.Money {
	if rapid.IntRange(0, 3).Draw(t, label+"-missing") == 0 {
		return nil
	}
	m := huiqi.Money(genFenValue(t, label))
	return &m
}

func genDate(t *rapid.T, label string) huiqi.Date {
	if rapid.Bool().Draw(t, label+"-pooled") {
		d, _ := huiqi.ParseDate(rapid.SampledFrom(genDates).Draw(t, label))
		return d
	}
	return huiqi.DateFromDays(rapid.Int32Range(int32(huiqi.NewDate(1990, 1, 1).Days()), int32(huiqi.NewDate(2030, 12, 31).Days())).Draw(t, label))
}

// genEnterprise draws a profile with every field, some of them missing.
func genEnterprise(t *rapid.T, code string) *huiqi.Enterprise {
	e := &huiqi.Enterprise{
		CreditCode:        code,
		Name:              rapid.SampledFrom(genNames).Draw(t, "name"),
		Region:            rapid.SampledFrom(genRegions).Draw(t, "region"),
		Industry:          rapid.SampledFrom(genIndustries).Draw(t, "industry"),
		FoundedOn:         genDate(t, "founded_on"),
		Revenue:           genMoneyPtr(t, "revenue"),
		TotalAssets:       genMoneyPtr(t, "total_assets"),
		RDExpense:         genMoneyPtr(t, "rd_expense"),
		TaxPaid:           genMoneyPtr(t, "tax_paid"),
		RegisteredCapital: genMoneyPtr(t, "registered_capital"),
		TaxCredit:         rapid.SampledFrom([]string{"", "A", "B", "M", "C", "D"}).Draw(t, "tax_credit"),
		Dishonest:         rapid.Bool().Draw(t, "dishonest"),
		BusinessScope:     rapid.SampledFrom(genProse).Draw(t, "business_scope"),
		MainProducts:      rapid.SampledFrom(genProse).Draw(t, "main_products"),
	}
	if rapid.IntRange(0, 3).Draw(t, "employees-missing") > 0 {
		var n int64
		if rapid.Bool().Draw(t, "employees-pooled") {
			n = rapid.SampledFrom(genEmployees).Draw(t, "employees")
		} else {
			n = rapid.Int64Range(0, 5000).Draw(t, "employees")
		}
		e.Employees = &n
	}
	if rapid.IntRange(0, 3).Draw(t, "tags-absent") > 0 {
		e.Tags = huiqi.SortedTags(genTags(t, "tags", 0))
	}
	if rapid.IntRange(0, 3).Draw(t, "scale-given") == 0 {
		e.Scale = rapid.SampledFrom(huiqi.Scales).Draw(t, "scale")
	}
	if rapid.IntRange(0, 7).Draw(t, "founded_on-missing") == 0 {
		// Required of a stored profile, but the evaluator must not rely on it.
		e.FoundedOn = huiqi.Date{}
	}
	genHistory(t, e)
	return e
}

// genHistory gives e, most of the time, fiscal years (a run of years, some
// figures missing, some zero), dated qualifications and incidents.
func genHistory(t *rapid.T, e *huiqi.Enterprise) {
	if rapid.IntRange(0, 3).Draw(t, "history") == 0 {
		return
	}
	e.FiscalYears = huiqi.FiscalYears{}
	last := rapid.IntRange(2023, 2025).Draw(t, "latest-year")
	for y := last - rapid.IntRange(0, 4).Draw(t, "years"); y <= last; y++ {
		if rapid.IntRange(0, 7).Draw(t, "year-missing") == 0 {
			continue
		}
		fy := huiqi.FiscalYear{Revenue: genMoneyPtr(t, "fy-revenue"), RDExpense: genMoneyPtr(t, "fy-rd"), OutputValue: genMoneyPtr(t, "fy-output")}
		if rapid.IntRange(0, 3).Draw(t, "fy-employees-missing") > 0 {
			n := rapid.SampledFrom(genEmployees).Draw(t, "fy-employees")
			fy.Employees = &n
		}
		e.FiscalYears.Set(y, fy)
	}
	for range rapid.IntRange(0, 2).Draw(t, "qualifications") {
		q := huiqi.Qualification{Tag: rapid.SampledFrom(genTags(t, "qual-tag", 1)).Draw(t, "qual"), GrantedOn: genDate(t, "granted_on")}
		if rapid.Bool().Draw(t, "expires") {
			q.ExpiresOn = q.GrantedOn.AddDays(rapid.IntRange(0, 1500).Draw(t, "validity"))
		}
		e.Qualifications = append(e.Qualifications, q)
	}
	for range rapid.IntRange(0, 2).Draw(t, "incidents") {
		e.Incidents = append(e.Incidents, huiqi.Incident{
			Kind:  rapid.SampledFrom([]string{"safety", "quality", "environment"}).Draw(t, "incident-kind"),
			Level: rapid.SampledFrom(huiqi.IncidentLevels).Draw(t, "incident-level"),
			On:    genDate(t, "incident-on"),
		})
	}
}

// historyLeaf draws a leaf on the profile's history or a reviewed leaf.
func (g *ruleGen) historyLeaf(t *rapid.T) map[string]any {
	switch rapid.IntRange(0, 4).Draw(t, "history-kind") {
	case 0:
		return map[string]any{"review": "推动同行业科技进步作用显著"}
	case 1:
		f := rapid.SampledFrom([]string{"granted_on", "first_granted_on", "expires_on"}).Draw(t, "grant-field")
		op := rapid.SampledFrom([]string{"gte", "lte", "between", "eq"}).Draw(t, "grant-op")
		var v any = genDate(t, "grant-date").String()
		if op == "between" {
			lo, hi := genDate(t, "grant-lo").String(), genDate(t, "grant-hi").String()
			if lo > hi {
				lo, hi = hi, lo
			}
			v = []any{lo, hi}
		}
		return map[string]any{"field": f, "tag": rapid.SampledFrom(genTags(t, "grant-tag", 1)).Draw(t, "tag"), "op": op, "value": v}
	case 2:
		in := map[string]any{"years": rapid.IntRange(1, 5).Draw(t, "incident-years")}
		if rapid.Bool().Draw(t, "incident-min") {
			in["min_level"] = rapid.SampledFrom(huiqi.IncidentLevels).Draw(t, "incident-min-level")
		}
		return map[string]any{"field": "incident_count", "incident": in, "op": rapid.SampledFrom([]string{"eq", "gte", "lt"}).Draw(t, "incident-op"), "value": rapid.IntRange(0, 2).Draw(t, "incident-n")}
	case 3:
		return map[string]any{"field": "output_value", "op": rapid.SampledFrom([]string{"gte", "lt"}).Draw(t, "output-op"), "value": yuanText(genFenValue(t, "output"))}
	}
	field := rapid.SampledFrom([]string{"revenue", "employees", "rd_ratio", "output_value", "above_designated_size"}).Draw(t, "over-field")
	var aggs []string
	switch field {
	case "above_designated_size":
		return map[string]any{"field": field, "over": map[string]any{"agg": "prev"}, "op": "eq", "value": rapid.Bool().Draw(t, "prev-above")}
	case "rd_ratio":
		aggs = []string{"sum", "avg", "min", "max", "prev"}
	default:
		aggs = huiqi.Aggs
	}
	agg := rapid.SampledFrom(aggs).Draw(t, "agg")
	over := map[string]any{"agg": agg}
	if huiqi.AggTakesYears(agg) {
		over["years"] = rapid.IntRange(1, 3).Draw(t, "over-years")
	}
	op := rapid.SampledFrom([]string{"gte", "gt", "lt", "lte", "eq", "ne"}).Draw(t, "over-op")
	var v any
	switch {
	case huiqi.AggIsRate(agg):
		v = policies.FormatDecimal(rapid.SampledFrom([]int64{0, 50000, 100000, 200000, 1000000}).Draw(t, "rate"))
		if rapid.Bool().Draw(t, "rate-negative") {
			v = "-" + v.(string)
		}
	case field == "rd_ratio":
		v = ratioText(t, rapid.SampledFrom(genRatios).Draw(t, "ratio"))
	case field == "employees":
		v = rapid.SampledFrom(genEmployees).Draw(t, "employees")
	default:
		v = yuanText(genFenValue(t, "over-money"))
	}
	return map[string]any{"field": field, "over": over, "op": op, "value": v}
}

// yuanText writes fen as a JSON number of yuan.
func yuanText(fen int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", fen/100, fen%100))
}

// ratioText writes millionths as a decimal, as a JSON string or number.
func ratioText(t *rapid.T, v int64) any {
	s := policies.FormatDecimal(v)
	if rapid.Bool().Draw(t, "ratio-as-string") {
		return s
	}
	return json.Number(s)
}

// ruleGen draws rules. Half the values it draws are aimed at the figures
// of a hint profile (equal, one unit below or above, its own codes and
// tags) so that boundaries come up often.
type ruleGen struct {
	codes []string
	hint  *huiqi.Enterprise
	day   huiqi.Date
}

// aimed returns a rule value at or next to the hint profile's value of f,
// or false when the profile lacks it.
func (g *ruleGen) aimed(t *rapid.T, f huiqi.Field, op string) (any, bool) {
	e := g.hint
	d := rapid.IntRange(-1, 1).Draw(t, "offset")
	switch f.Name {
	case "credit_code", "name":
		v := refField(e, f.Name, g.day).str
		if op == huiqi.OpPrefix {
			r := []rune(v)
			return string(r[:rapid.IntRange(1, len(r)).Draw(t, "prefix-len")]), true
		}
		return v, true
	case "region":
		if op == huiqi.OpPrefix {
			return rapid.SampledFrom([]string{"35", "3505", e.Region}).Draw(t, "region-prefix"), true
		}
		return e.Region, true
	case "industry":
		var known []string
		for i := 1; i <= len(e.Industry); i++ {
			if _, ok := huiqi.LookupIndustry(e.Industry[:i]); ok && (op == huiqi.OpPrefix || i == len(e.Industry)) {
				known = append(known, e.Industry[:i])
			}
		}
		if len(known) == 0 {
			return nil, false
		}
		return rapid.SampledFrom(known).Draw(t, "industry-prefix"), true
	case "scale", "tax_credit":
		v := refField(e, f.Name, g.day)
		return v.str, !v.missing
	case "tags":
		if len(e.Tags) == 0 {
			return nil, false
		}
		return rapid.SampledFrom(e.Tags).Draw(t, "tag"), true
	case "founded_on":
		return e.FoundedOn.AddDays(d).String(), true
	case "dishonest", "above_designated_size":
		return refField(e, f.Name, g.day).b, true
	case "business_scope", "main_products":
		return nil, false // genWords hits the prose often enough
	}
	v := refField(e, f.Name, g.day)
	if v.missing {
		return nil, false
	}
	switch f.Type {
	case huiqi.TypeInt:
		return v.num.Num().Int64() + int64(d), true
	case huiqi.TypeRatio:
		// The ratio in millionths, rounded down, and the next one up.
		m := new(big.Int).Quo(new(big.Int).Mul(v.num.Num(), big.NewInt(policies.RatioScale)), v.num.Denom())
		n := min(max(m.Int64()+int64(d), 0), 1000*policies.RatioScale)
		return ratioText(t, n), true
	}
	fen := new(big.Int).Quo(new(big.Int).Mul(v.num.Num(), big.NewInt(100)), v.num.Denom()).Int64()
	return yuanText(min(max(fen+int64(d), 0), 1_000_000_000_000_000)), true
}

// scalar draws one rule value for a field.
func (g *ruleGen) scalar(t *rapid.T, f huiqi.Field, op string) any {
	if g.hint != nil && rapid.Bool().Draw(t, "aimed") {
		if v, ok := g.aimed(t, f, op); ok {
			return v
		}
	}
	switch f.Name {
	case "credit_code":
		if op == huiqi.OpPrefix {
			return rapid.SampledFrom([]string{"91350500", "91350500MA000000", "9144"}).Draw(t, "code-prefix")
		}
		return rapid.SampledFrom(g.codes).Draw(t, "code")
	case "name":
		if op == huiqi.OpPrefix {
			return rapid.SampledFrom(genNamePrefixes).Draw(t, "name-prefix")
		}
		return rapid.SampledFrom(genNames).Draw(t, "name")
	case "region":
		if op == huiqi.OpPrefix {
			return rapid.SampledFrom(genScopes).Draw(t, "region-prefix")
		}
		return rapid.SampledFrom(genRegions).Draw(t, "region")
	case "industry":
		if op == huiqi.OpPrefix {
			return rapid.SampledFrom(genIndustryPrefixes).Draw(t, "industry-prefix")
		}
		return rapid.SampledFrom(append(genIndustries, genIndustryPrefixes...)).Draw(t, "industry")
	case "scale", "tax_credit":
		return rapid.SampledFrom(f.Enum).Draw(t, f.Name)
	case "tags":
		return rapid.SampledFrom(genTags(t, "tag", 1)).Draw(t, "tag")
	case "business_scope", "main_products":
		return rapid.SampledFrom(genWords).Draw(t, "word")
	case "employees":
		return rapid.SampledFrom(genEmployees).Draw(t, "employees")
	case "age_years":
		return rapid.SampledFrom(genAges).Draw(t, "age")
	case "rd_ratio":
		return ratioText(t, rapid.SampledFrom(genRatios).Draw(t, "ratio"))
	case "founded_on":
		return genDate(t, "date").String()
	case "dishonest", "above_designated_size":
		return rapid.Bool().Draw(t, "bool")
	}
	return yuanText(genFenValue(t, "money"))
}

// leaf draws a leaf on any field with any operator that fits it, or now
// and then on the profile's history.
func (g *ruleGen) leaf(t *rapid.T) map[string]any {
	if rapid.IntRange(0, 5).Draw(t, "history-leaf") == 0 {
		return g.historyLeaf(t)
	}
	f := rapid.SampledFrom(huiqi.Fields).Draw(t, "field")
	var ops []string
	for _, op := range []string{"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "prefix", "has", "has_any", "has_all", "contains_any", "contains_all"} {
		if f.Type.Fits(op) {
			ops = append(ops, op)
		}
	}
	op := rapid.SampledFrom(ops).Draw(t, "op")
	leaf := map[string]any{"field": f.Name, "op": op}
	switch op {
	case "in", "not_in", "has_any", "has_all", "contains_any", "contains_all":
		list := make([]any, rapid.IntRange(1, 3).Draw(t, "list-len"))
		for i := range list {
			list[i] = g.scalar(t, f, op)
		}
		leaf["value"] = list
	case "prefix":
		if rapid.Bool().Draw(t, "prefix-list") {
			leaf["value"] = []any{g.scalar(t, f, op), g.scalar(t, f, op)}
		} else {
			leaf["value"] = g.scalar(t, f, op)
		}
	case "between":
		lo, hi := g.scalar(t, f, op), g.scalar(t, f, op)
		if f.Type == huiqi.TypeDate {
			if lo.(string) > hi.(string) {
				lo, hi = hi, lo
			}
		} else if ratOf(lo).Cmp(ratOf(hi)) > 0 {
			lo, hi = hi, lo
		}
		leaf["value"] = []any{lo, hi}
	default:
		leaf["value"] = g.scalar(t, f, op)
	}
	if rapid.IntRange(0, 4).Draw(t, "labelled") == 0 {
		leaf["label"] = "测试条件"
	}
	return leaf
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ratOf(v any) *big.Rat {
	_, r, _ := refScalar(mustJSON(v), 'n')
	return r
}

// cond draws a condition tree of all, any and not down to depth 4.
func (g *ruleGen) cond(t *rapid.T, depth int) map[string]any {
	if depth >= 4 || rapid.IntRange(0, 2).Draw(t, "leaf") == 0 {
		return g.leaf(t)
	}
	switch rapid.IntRange(0, 2).Draw(t, "kind") {
	case 0:
		return map[string]any{"not": g.cond(t, depth+1)}
	case 1:
		return map[string]any{"any": g.children(t, depth)}
	}
	return map[string]any{"all": g.children(t, depth)}
}

func (g *ruleGen) children(t *rapid.T, depth int) []any {
	out := make([]any, rapid.IntRange(1, 4).Draw(t, "children"))
	for i := range out {
		out[i] = g.cond(t, depth+1)
	}
	return out
}

// simpleAmount draws a fixed sum or a rate of a money figure.
func (g *ruleGen) simpleAmount(t *rapid.T) map[string]any {
	if rapid.IntRange(0, 2).Draw(t, "fixed") == 0 {
		return map[string]any{"fixed": yuanText(genFenValue(t, "fixed"))}
	}
	a := map[string]any{
		"rate": policies.FormatDecimal(rapid.SampledFrom([]int64{0, 1, 3000, 100000, 500000, 999999, 1000000, 1000000000}).Draw(t, "rate")),
		"of":   rapid.SampledFrom([]string{"revenue", "total_assets", "rd_expense", "tax_paid", "registered_capital"}).Draw(t, "of"),
	}
	floor, cap := genFenValue(t, "floor"), genFenValue(t, "cap")
	if floor > cap {
		floor, cap = cap, floor
	}
	if rapid.Bool().Draw(t, "has-cap") {
		a["cap"] = yuanText(cap)
	}
	if rapid.Bool().Draw(t, "has-floor") {
		a["floor"] = yuanText(floor)
	}
	return a
}

// policy draws a policy document: scope, validity window, rules, amount.
func (g *ruleGen) policy(t *rapid.T, id string) []byte {
	doc := map[string]any{
		"id": id, "title": "随机政策", "department": "泉州市工业和信息化局",
		"region": rapid.SampledFrom(append([]string{"", "3505", g.hint.Region}, genScopes...)).Draw(t, "scope"),
	}
	if rapid.IntRange(0, 3).Draw(t, "root-all") > 0 {
		doc["eligibility"] = map[string]any{"all": g.children(t, 0)}
	} else {
		doc["eligibility"] = g.cond(t, 0)
	}
	for _, end := range []string{"valid_from", "valid_to"} {
		switch rapid.IntRange(0, 5).Draw(t, end) {
		case 0:
			doc[end] = g.day.String()
		case 1:
			doc[end] = g.day.AddDays(-1).String()
		case 2:
			doc[end] = g.day.AddDays(1).String()
		}
	}
	if from, ok := doc["valid_from"].(string); ok {
		if to, ok := doc["valid_to"].(string); ok && to < from {
			doc["valid_from"], doc["valid_to"] = to, from
		}
	}
	benefit := map[string]any{"kind": "subsidy"}
	switch rapid.IntRange(0, 3).Draw(t, "amount") {
	case 1, 2:
		benefit["amount"] = g.simpleAmount(t)
	case 3:
		var tiers []any
		for range rapid.IntRange(1, 3).Draw(t, "tiers") {
			tier := g.simpleAmount(t)
			tier["when"] = g.cond(t, 2)
			tiers = append(tiers, tier)
		}
		benefit["amount"] = map[string]any{"tiers": tiers}
	}
	doc["benefit"] = benefit
	return mustJSON(doc)
}

// TestEval_MatchesReference compares the compiled evaluator with the plain
// reference on random profiles and rules: verdicts, every leaf's pass and
// missing value, near misses, amounts and a policy's reach.
func TestEval_MatchesReference(t *testing.T) {
	codes := []string{creditCode(1), creditCode(2), creditCode(3), creditCode(4)}
	rapid.Check(t, func(t *rapid.T) {
		var es []*huiqi.Enterprise
		for i := range rapid.IntRange(1, 4).Draw(t, "profiles") {
			es = append(es, genEnterprise(t, codes[i]))
		}
		day := genDate(t, "as_of")
		if rapid.Bool().Draw(t, "as-of-anniversary") {
			// The founding anniversary of the first profile, or the day before.
			f := es[0].FoundedOn.Time()
			day = huiqi.NewDate(f.Year()+rapid.IntRange(-1, 20).Draw(t, "years"), f.Month(), f.Day()-rapid.IntRange(0, 1).Draw(t, "day-before"))
		}
		g := &ruleGen{codes: codes, hint: es[0], day: day}
		doc := g.policy(t, "prop-test")
		pol, err := policies.Parse(doc, today)
		if err != nil {
			t.Fatalf("policies.Parse(%s): %v", doc, err)
		}
		c := matcher.Compile(pol)

		for _, e := range es {
			p := matcher.NewProfile(e)
			wantState := refStateName(refState(pol, e, day))
			want := wantState == matcher.StateEligible
			if got := c.State(p, day); got != wantState {
				t.Fatalf("State(%s) as of %s for %+v = %v, want %v", doc, day, e, got, wantState)
			}
			v := c.Judge(p, day)
			if v.State != wantState || v.Eligible != want {
				t.Fatalf("Judge(%s).State = %v, want %v", doc, v.State, wantState)
			}
			var wantMissing []string
			if wantState == matcher.StateUndetermined {
				wantMissing = refMissing(pol.Eligibility, e, day, nil)
			}
			// What history leaves lack is worded by TestEval_History.
			if diff := cmp.Diff(wantMissing, v.Missing); diff != "" && !refHistoryRule(pol.Eligibility) {
				t.Fatalf("Judge(%s).Missing for %+v (-want +got):\n%s", doc, e, diff)
			}
			var checks []refCheck
			refExplain(pol.Eligibility, e, day, &checks, false)
			if len(v.Conditions) != len(checks) {
				t.Fatalf("Judge(%s): %d conditions, want %d", doc, len(v.Conditions), len(checks))
			}
			for i, chk := range checks {
				got := v.Conditions[i]
				if gotPass := passTruth(got.Pass); gotPass != chk.Pass {
					t.Fatalf("Judge(%s).Conditions[%d] (%s %s %s) pass = %v, want %v", doc, i, got.Field, got.Op, got.Required, gotPass, chk.Pass)
				}
				if (got.Actual == nil) != chk.Missing {
					t.Fatalf("Judge(%s).Conditions[%d] (%s) actual = %v, want missing %v", doc, i, got.Field, got.Actual, chk.Missing)
				}
			}
			wantNear := refNearMiss(pol, e, day)
			gotNear := -1
			for i := range v.Conditions {
				if &v.Conditions[i] == v.NearMiss {
					gotNear = i
				}
			}
			if gotNear != wantNear {
				t.Fatalf("Judge(%s) near miss at leaf %d, want %d", doc, gotNear, wantNear)
			}
			wantAmount := refAmount(pol, e, day)
			if got := c.Amount(p, day); !sameAmount(got, wantAmount) {
				t.Fatalf("Amount(%s) = %s, want %v", doc, moneyString(got), wantAmount)
			}
			if wantState == matcher.StateIneligible {
				wantAmount = nil
			}
			if !sameAmount(v.Amount, wantAmount) {
				t.Fatalf("Judge(%s).Amount = %s, want %v", doc, moneyString(v.Amount), wantAmount)
			}
		}

		m := matcher.New()
		m.PutProfiles(es...)
		reach := m.MatchPolicy(c, day, true)
		want := refMatchPolicy(pol, es, day)
		var got []string
		for _, h := range reach.Hits {
			got = append(got, h.CreditCode)
		}
		if !slices.Equal(got, want.Codes) || reach.Total != len(want.Codes) || reach.NearMissTotal != want.NearMissTotal ||
			reach.UndeterminedTotal != len(want.Undetermined) || want.AmountTotal.Cmp(big.NewInt(int64(reach.AmountTotal))) != 0 {
			t.Fatalf("MatchPolicy(%s) = %v total %d amount %s near %d undetermined %d, want %v amount %v near %d undetermined %d",
				doc, got, reach.Total, reach.AmountTotal, reach.NearMissTotal, reach.UndeterminedTotal, want.Codes, want.AmountTotal, want.NearMissTotal, len(want.Undetermined))
		}
	})
}

// refStateName names a reference truth as a verdict state.
func refStateName(v int) string {
	return [...]string{matcher.StateIneligible, matcher.StateUndetermined, matcher.StateEligible}[v]
}

// passTruth reads a check's pass as a reference truth.
func passTruth(p *bool) int {
	switch {
	case p == nil:
		return refUnknown
	case *p:
		return refTrue
	}
	return refFalse
}

// sameAmount reports whether an amount equals the reference's, both nil
// included.
func sameAmount(got *huiqi.Money, want *big.Int) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return want.Cmp(big.NewInt(int64(*got))) == 0
}

// TestColumns_MatchReference checks the two fast paths against the plain
// reference on random profiles and rules: policy → enterprises (column
// scans, with amounts and near misses) and enterprise → policies (the policy
// index, with amounts), for stored profiles, for a profile judged without
// being stored, and again after a stored profile is replaced, so that the
// columns are seen to follow every change.
func TestColumns_MatchReference(t *testing.T) {
	codes := []string{creditCode(1), creditCode(2), creditCode(3), creditCode(4), creditCode(5), creditCode(6)}
	rapid.Check(t, func(t *rapid.T) {
		var es []*huiqi.Enterprise
		for i := range rapid.IntRange(1, 5).Draw(t, "profiles") {
			es = append(es, genEnterprise(t, codes[i]))
		}
		day := genDate(t, "as_of")
		if rapid.Bool().Draw(t, "as-of-anniversary") {
			f := es[0].FoundedOn.Time()
			day = huiqi.NewDate(f.Year()+rapid.IntRange(-1, 20).Draw(t, "years"), f.Month(), f.Day()-rapid.IntRange(0, 1).Draw(t, "day-before"))
		}
		var pols []*policies.Policy
		m := matcher.New()
		for i := range rapid.IntRange(1, 5).Draw(t, "policies") {
			hint := rapid.SampledFrom(es).Draw(t, "hint")
			g := &ruleGen{codes: codes, hint: hint, day: day}
			doc := g.policy(t, fmt.Sprintf("prop-%d", i))
			pol, err := policies.Parse(doc, today)
			if err != nil {
				t.Fatalf("policies.Parse(%s): %v", doc, err)
			}
			pols = append(pols, pol)
			m.PutPolicy(matcher.Compile(pol))
		}
		// The last profile may stay out of the store: the calculator judges
		// profiles that were never stored. Each stored one is stored under
		// several codes, so that words of 64 rows fill up and the scans take
		// their dense paths too.
		keep := es
		if len(es) > 1 && rapid.Bool().Draw(t, "one-unstored") {
			keep = es[:len(es)-1]
		}
		copies := rapid.IntRange(1, 60).Draw(t, "copies")
		var stored []*huiqi.Enterprise
		for i, e := range keep {
			stored = append(stored, e)
			for j := 1; j < copies; j++ {
				c := *e
				c.CreditCode = creditCode(1000 + 100*i + j)
				stored = append(stored, &c)
			}
		}
		// Stored in two batches in random order, so that the second is
		// merged into the credit code order of the first.
		batches := rapid.Permutation(stored).Draw(t, "store-order")
		cut := rapid.IntRange(0, len(batches)).Draw(t, "batch-cut")
		m.PutProfiles(batches[:cut]...)
		c, _ := m.Policy(pols[0].ID)
		m.MatchPolicy(c, day, false) // puts the first batch in order
		m.PutProfiles(batches[cut:]...)
		checkColumns(t, m, pols, es, stored, day)

		// Replace a stored profile by another draw under the same code.
		i := rapid.IntRange(0, len(keep)-1).Draw(t, "replaced")
		e := genEnterprise(t, es[i].CreditCode)
		stored = slices.Clone(stored)
		stored[slices.Index(stored, es[i])] = e
		es = slices.Clone(es)
		es[i] = e
		m.PutProfiles(e)
		checkColumns(t, m, pols, es, stored, day)
	})
}

// checkColumns compares the matcher's fast paths for every policy and every
// profile with the reference.
func checkColumns(t *rapid.T, m *matcher.Matcher, pols []*policies.Policy, es, stored []*huiqi.Enterprise, day huiqi.Date) {
	for _, pol := range pols {
		c, _ := m.Policy(pol.ID)
		want := refMatchPolicy(pol, stored, day)
		for _, near := range []bool{false, true} {
			reach := m.MatchPolicy(c, day, near)
			var got []string
			for _, h := range reach.Hits {
				got = append(got, h.CreditCode)
			}
			wantNear, wantUndet := want.NearMissTotal, len(want.Undetermined)
			if !near {
				wantNear, wantUndet = 0, 0
			}
			if !slices.Equal(got, want.Codes) || reach.Total != len(want.Codes) || reach.NearMissTotal != wantNear ||
				reach.UndeterminedTotal != wantUndet || !sameTotal(reach.AmountTotal, want.AmountTotal) {
				t.Fatalf("MatchPolicy(%s, near=%v) = %v total %d amount %s near %d undetermined %d, want %v amount %v near %d undetermined %d",
					mustJSON(pol), near, got, reach.Total, reach.AmountTotal, reach.NearMissTotal, reach.UndeterminedTotal, want.Codes, want.AmountTotal, wantNear, wantUndet)
			}
			for _, h := range reach.Hits {
				e := stored[slices.IndexFunc(stored, func(e *huiqi.Enterprise) bool { return e.CreditCode == h.CreditCode })]
				if a := refAmount(pol, e, day); !sameAmount(h.Amount, a) || h.Name != e.Name {
					t.Fatalf("MatchPolicy(%s) hit %s = %s %s, want %s %v", mustJSON(pol), h.CreditCode, h.Name, moneyString(h.Amount), e.Name, a)
				}
			}
		}
		undet := m.MatchPolicyUndetermined(c, day)
		var gotUndet []string
		for _, h := range undet {
			gotUndet = append(gotUndet, h.CreditCode)
			e := stored[slices.IndexFunc(stored, func(e *huiqi.Enterprise) bool { return e.CreditCode == h.CreditCode })]
			if a := refAmount(pol, e, day); !sameAmount(h.Amount, a) || h.Name != e.Name {
				t.Fatalf("MatchPolicyUndetermined(%s) hit %s = %s %s, want %s %v", mustJSON(pol), h.CreditCode, h.Name, moneyString(h.Amount), e.Name, a)
			}
			if diff := cmp.Diff(refMissing(pol.Eligibility, e, day, nil), h.Missing); diff != "" && !refHistoryRule(pol.Eligibility) {
				t.Fatalf("MatchPolicyUndetermined(%s) hit %s missing (-want +got):\n%s", mustJSON(pol), h.CreditCode, diff)
			}
		}
		if !slices.Equal(gotUndet, want.Undetermined) {
			t.Fatalf("MatchPolicyUndetermined(%s) = %v, want %v", mustJSON(pol), gotUndet, want.Undetermined)
		}
	}
	totals := m.RematchAll(day, 2)
	for _, pol := range pols {
		k := slices.IndexFunc(totals, func(pt matcher.PolicyTotal) bool { return pt.PolicyID == pol.ID })
		want := refMatchPolicy(pol, stored, day)
		if k < 0 || totals[k].Total != len(want.Codes) || !sameTotal(totals[k].AmountTotal, want.AmountTotal) {
			t.Fatalf("RematchAll(%s) = %+v, want %d amount %v", mustJSON(pol), totals, len(want.Codes), want.AmountTotal)
		}
	}

	list := m.Policies()
	for _, e := range es {
		p, ok := m.Profile(e.CreditCode)
		if !ok || p.Enterprise != e {
			p = matcher.NewProfile(e)
		}
		var wantIDs, gotIDs, wantUndet []string
		for _, pol := range pols {
			switch refState(pol, e, day) {
			case refTrue:
				wantIDs = append(wantIDs, pol.ID)
			case refUnknown:
				wantUndet = append(wantUndet, pol.ID)
			}
		}
		slices.Sort(wantIDs)
		slices.Sort(wantUndet)
		for _, d := range m.Decide(p, day) {
			gotIDs = append(gotIDs, d.Policy.Policy.ID)
			pol := d.Policy.Policy
			if a := refAmount(pol, e, day); !sameAmount(d.Amount, a) {
				t.Fatalf("Decide(%+v) amount of %s = %s, want %v", e, pol.ID, moneyString(d.Amount), a)
			}
		}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Fatalf("Decide(%+v) as of %s = %v, want %v", e, day, gotIDs, wantIDs)
		}
		if n := m.DecideCount(p, day); n != len(wantIDs) {
			t.Fatalf("DecideCount(%+v) = %d, want %d", e, n, len(wantIDs))
		}
		// MatchProfile decides through the index and explains on the row:
		// it must give what the row evaluator alone gives.
		got, want := m.MatchProfile(p, day, true), matcher.Judge(list, p, day, true)
		if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y huiqi.Date) bool { return x == y })); diff != "" {
			t.Fatalf("MatchProfile(%+v) differs from Judge (-want +got):\n%s", e, diff)
		}
		var gotUndet []string
		for _, u := range got.Undetermined {
			gotUndet = append(gotUndet, u.PolicyID)
		}
		if !slices.Equal(gotUndet, wantUndet) {
			t.Fatalf("MatchProfile(%+v).Undetermined = %v, want %v", e, gotUndet, wantUndet)
		}
	}
}

// sameTotal reports whether an amount total equals the reference's. Copies
// of a profile with the extreme figures the generator draws can sum past
// what int64 fen hold, which no real reach does; such totals are not
// compared (each hit's amount still is).
func sameTotal(got huiqi.Money, want *big.Int) bool {
	return !want.IsInt64() || want.Cmp(big.NewInt(int64(got))) == 0
}

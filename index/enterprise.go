package index

import (
	"context"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Fields of the enterprise index beyond the rule fields, which keep their
// rule names (employees, revenue, founded_on, rd_ratio, tags …).
const (
	fRegionPath   = "region_path"   // every prefix of the region code: 3, 35, 350, 3505 …
	fIndustryPath = "industry_path" // every prefix of the industry code: C, C1, C19, C195, C1952
	fHas          = "has"           // names of the fields the profile has, for ne and not_in
)

// numericFields are the profile figures indexed as numbers: money in fen,
// founded_on in days since 1970, rd_ratio as a float (a pre-filter only).
var numericFields = []string{"employees", "revenue", "total_assets", "rd_expense", "tax_paid", "registered_capital", "founded_on", "rd_ratio"}

func enterpriseMapping() *mapping.IndexMappingImpl {
	fields := map[string]*mapping.FieldMapping{
		fRegionPath: keywordField(false, false), fIndustryPath: keywordField(false, false), fHas: keywordField(false, false),
		"dishonest": boolField(), "above_designated_size": boolField(),
	}
	for _, f := range []string{"credit_code", "name", "region", "industry", "scale", "tax_credit", "tags"} {
		fields[f] = keywordField(false, false)
	}
	for _, f := range numericFields {
		fields[f] = trieField()
	}
	im := newIndexMapping(fields)
	// No query reads the composite _all field: building it cost an eighth
	// of the indexing time.
	im.DefaultMapping.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	return im
}

// trieField holds a figure written by trieValue, indexed by trieAnalyzer.
func trieField() *mapping.FieldMapping {
	f := keywordField(false, false)
	f.Analyzer = trieAnalyzer
	return f
}

// prefixes returns every non-empty prefix of an ASCII code, shortest first.
func prefixes(code string) []string {
	out := make([]string, 0, len(code))
	for i := 1; i <= len(code); i++ {
		out = append(out, code[:i])
	}
	return out
}

// ratio is rd_ratio as a float: 0 when revenue is 0, as the evaluator has it.
func ratio(rd, revenue huiqi.Money) float64 {
	if revenue == 0 {
		return 0
	}
	return float64(rd) / float64(revenue)
}

// enterpriseDoc flattens a profile into the fields rules are compiled
// against. A missing figure is left out, so that range queries skip it just
// as the evaluator fails a leaf on a missing value.
func enterpriseDoc(e *huiqi.Enterprise) map[string]any {
	d := make(map[string]any, 24)
	has := make([]string, 0, 16)
	text := func(name, v string) {
		if v != "" {
			d[name] = v
			has = append(has, name)
		}
	}
	text("credit_code", e.CreditCode)
	text("name", e.Name)
	text("region", e.Region)
	text("industry", e.Industry)
	text("scale", e.EffectiveScale())
	text("tax_credit", e.TaxCredit)
	if e.Region != "" {
		d[fRegionPath] = prefixes(e.Region)
	}
	if e.Industry != "" {
		d[fIndustryPath] = prefixes(e.Industry)
	}
	if len(e.Tags) > 0 {
		d["tags"] = e.Tags
	}
	d["dishonest"] = e.Dishonest
	d["above_designated_size"] = huiqi.AboveDesignatedSize(e.Industry, e.Revenue)
	num := func(name string, v float64) {
		d[name] = trieValue(v)
		has = append(has, name)
	}
	if e.Employees != nil {
		num("employees", float64(*e.Employees))
	}
	for _, m := range []struct {
		name string
		v    *huiqi.Money
	}{{"revenue", e.Revenue}, {"total_assets", e.TotalAssets}, {"rd_expense", e.RDExpense}, {"tax_paid", e.TaxPaid}, {"registered_capital", e.RegisteredCapital}} {
		if m.v != nil {
			num(m.name, float64(*m.v))
		}
	}
	if !e.FoundedOn.IsZero() {
		num("founded_on", float64(e.FoundedOn.Days()))
	}
	if e.RDExpense != nil && e.Revenue != nil {
		num("rd_ratio", ratio(*e.RDExpense, *e.Revenue))
	}
	d[fHas] = has
	return d
}

// bracket encloses the enterprises satisfying a condition between two
// queries: outer matches every one of them (and maybe more), inner matches
// only such enterprises (maybe not all). Candidates come from outer; a
// negation swaps the two, so that `not X` stays a superset even when X is
// only approximated — tighter than giving up on `not` altogether. exact
// means outer and inner match the same documents.
type bracket struct {
	outer, inner *q
	exact        bool
}

func exactly(x *q) bracket { return bracket{outer: x, inner: x, exact: true} }

func andB(bs ...bracket) bracket {
	r := bracket{exact: true}
	var outs, ins []*q
	for _, b := range bs {
		outs, ins = append(outs, b.outer), append(ins, b.inner)
		r.exact = r.exact && b.exact
	}
	r.outer, r.inner = and(outs...), and(ins...)
	return r
}

func orB(bs ...bracket) bracket {
	r := bracket{exact: true}
	var outs, ins []*q
	for _, b := range bs {
		outs, ins = append(outs, b.outer), append(ins, b.inner)
		r.exact = r.exact && b.exact
	}
	r.outer, r.inner = or(outs...), or(ins...)
	return r
}

func notB(b bracket) bracket {
	return bracket{outer: not(b.inner), inner: not(b.outer), exact: b.exact}
}

// compileCond translates a validated condition tree into a bracket over the
// enterprise index, for the as-of date day (age_years depends on it).
func compileCond(c *policies.Condition, day huiqi.Date) bracket {
	switch {
	case c.All != nil:
		bs := make([]bracket, len(c.All))
		for i, k := range c.All {
			bs[i] = compileCond(k, day)
		}
		return andB(bs...)
	case c.Any != nil:
		bs := make([]bracket, len(c.Any))
		for i, k := range c.Any {
			bs[i] = compileCond(k, day)
		}
		return orB(bs...)
	case c.Not != nil:
		return notB(compileCond(c.Not, day))
	}
	return compileLeaf(c, day)
}

func compileLeaf(c *policies.Condition, day huiqi.Date) bracket {
	f, _ := huiqi.LookupField(c.Field)
	a := c.Arg
	switch {
	case f.Type == huiqi.TypeTags:
		var kids []*q
		for _, t := range a.Strs {
			kids = append(kids, term("tags", t))
		}
		if c.Op == huiqi.OpHasAny {
			return exactly(or(kids...))
		}
		return exactly(and(kids...))
	case f.Type == huiqi.TypeBool:
		// dishonest and above_designated_size are never missing: an absent
		// dishonest is false and size is derived from what is there.
		return exactly(boolQ(f.Name, a.Bool == (c.Op == huiqi.OpEq)))
	case f.Name == "age_years":
		return numericLeaf(c.Op, a.Ints, "founded_on", func(lo, hi int64) bracket {
			dlo, dhi := ageDays(lo, hi, day)
			return intRange("founded_on", dlo, dhi)
		})
	case f.Name == "rd_ratio":
		return ratioLeaf(c.Op, a.Ints)
	case f.Type == huiqi.TypeInt || f.Type == huiqi.TypeMoney || f.Type == huiqi.TypeDate:
		return numericLeaf(c.Op, a.Ints, f.Name, func(lo, hi int64) bracket { return intRange(f.Name, lo, hi) })
	}
	return textLeaf(f.Name, c.Op, a.Strs)
}

func textLeaf(field, op string, vs []string) bracket {
	present := term(fHas, field)
	switch op {
	case huiqi.OpEq, huiqi.OpIn:
		return exactly(terms(field, nonEmpty(vs)))
	case huiqi.OpNe, huiqi.OpNotIn:
		return exactly(and(present, not(terms(field, nonEmpty(vs)))))
	case huiqi.OpPrefix:
		var kids []*q
		for _, s := range vs {
			switch {
			case s == "":
				kids = append(kids, present)
			case field == "region" || field == "industry":
				kids = append(kids, term(field+"_path", s))
			default:
				kids = append(kids, prefixQ(field, s))
			}
		}
		return exactly(or(kids...))
	}
	return exactly(matchNone)
}

// nonEmpty drops "": a missing text field is stored as absent, and no
// profile's value equals "" for the evaluator.
func nonEmpty(vs []string) []string {
	out := vs[:0:0]
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// numericLeaf compiles a comparison of an integer figure through interval,
// which turns a closed interval of values (math.MinInt64 and math.MaxInt64
// standing for unbounded) into a bracket. ne and not_in need the figure
// present, as the evaluator fails every leaf on a missing value.
func numericLeaf(op string, v []int64, field string, interval func(lo, hi int64) bracket) bracket {
	const lowest, highest = math.MinInt64, math.MaxInt64
	in := func() bracket {
		bs := make([]bracket, len(v))
		for i, x := range v {
			bs[i] = interval(x, x)
		}
		return orB(bs...)
	}
	switch op {
	case huiqi.OpEq:
		return interval(v[0], v[0])
	case huiqi.OpIn:
		return in()
	case huiqi.OpNe:
		return andB(exactly(term(fHas, field)), notB(interval(v[0], v[0])))
	case huiqi.OpNotIn:
		return andB(exactly(term(fHas, field)), notB(in()))
	case huiqi.OpGt:
		if v[0] == highest {
			return exactly(matchNone)
		}
		return interval(v[0]+1, highest)
	case huiqi.OpGte:
		return interval(v[0], highest)
	case huiqi.OpLt:
		if v[0] == lowest {
			return exactly(matchNone)
		}
		return interval(lowest, v[0]-1)
	case huiqi.OpLte:
		return interval(lowest, v[0])
	case huiqi.OpBetween:
		return interval(v[0], v[1])
	}
	return exactly(matchNone)
}

// exactFloat bounds the integers a float64 holds exactly: within it a
// numeric range query on the indexed float decides exactly what the integer
// comparison decides. Beyond it the float still errs only outward (rounding
// is monotone and every bound is inclusive), so the query stays a superset.
const exactFloat = 1 << 53

func intRange(field string, lo, hi int64) bracket {
	if lo > hi {
		return exactly(matchNone)
	}
	flo, fhi := math.Inf(-1), math.Inf(1)
	exact := true
	if lo != math.MinInt64 {
		flo = float64(lo)
		exact = exact && lo > -exactFloat && lo < exactFloat
	}
	if hi != math.MaxInt64 {
		fhi = float64(hi)
		exact = exact && hi > -exactFloat && hi < exactFloat
	}
	outer := trieRange(field, flo, fhi)
	if !exact {
		return bracket{outer: outer, inner: matchNone}
	}
	return exactly(outer)
}

// ratioWiden is the relative slack around an rd_ratio bound. The indexed
// float is rd/revenue with an error below 4e-16 relative, so 1e-9 outward
// keeps every true match and 1e-9 inward keeps out every false one.
const ratioWiden = 1e-9

func widenDown(x float64) float64 { return x - math.Abs(x)*ratioWiden }
func widenUp(x float64) float64   { return x + math.Abs(x)*ratioWiden }

// ratioLeaf compiles a comparison of rd_ratio (millionths) against the
// indexed float: a pre-filter, never exact, with the evaluator comparing
// rd·10⁶ with v·revenue exactly afterwards.
func ratioLeaf(op string, v []int64) bracket {
	x := func(i int) float64 { return float64(v[i]) / policies.RatioScale }
	inf := math.Inf(1)
	r := func(lo, hi float64) *q { return trieRange("rd_ratio", lo, hi) }
	eq := func() bracket {
		b := bracket{outer: r(widenDown(x(0)), widenUp(x(0))), inner: matchNone}
		if v[0] == 0 { // the float is exactly 0 when and only when the ratio is
			b.inner = r(0, 0)
		}
		return b
	}
	switch op {
	case huiqi.OpEq:
		return eq()
	case huiqi.OpNe:
		return andB(exactly(term(fHas, "rd_ratio")), notB(eq()))
	case huiqi.OpGte:
		return bracket{outer: r(widenDown(x(0)), inf), inner: r(widenUp(x(0)), inf)}
	case huiqi.OpGt:
		return bracket{outer: r(widenDown(x(0)), inf), inner: r(math.Nextafter(widenUp(x(0)), inf), inf)}
	case huiqi.OpLte:
		return bracket{outer: r(-inf, widenUp(x(0))), inner: r(-inf, widenDown(x(0)))}
	case huiqi.OpLt:
		return bracket{outer: r(-inf, widenUp(x(0))), inner: r(-inf, math.Nextafter(widenDown(x(0)), -inf))}
	case huiqi.OpBetween:
		return bracket{outer: r(widenDown(x(0)), widenUp(x(1))), inner: r(widenUp(x(0)), widenDown(x(1)))}
	}
	return exactly(matchNone)
}

// ageDays converts whole years of age on day, lo ≤ age ≤ hi, into the
// founding days that give them: [first day aged at most hi, last day aged at
// least lo]. Age falls as the founding day moves later, so each end is a
// binary search over every day a Date can hold; the arithmetic is the
// evaluator's own (yyyymmdd difference, floored to whole years).
func ageDays(lo, hi int64, day huiqi.Date) (int64, int64) {
	at := ymd(int64(day.Days()))
	age := func(d int64) int64 { return floorDiv(at-ymd(d), 10000) }
	const first, last = math.MinInt32, math.MaxInt32
	dlo, dhi := int64(math.MinInt64), int64(math.MaxInt64)
	if hi != math.MaxInt64 {
		switch {
		case age(last) > hi:
			return 1, 0
		case age(first) > hi: // smallest d with age(d) ≤ hi
			l, h := int64(first), int64(last)
			for l < h {
				m := l + (h-l)/2
				if age(m) <= hi {
					h = m
				} else {
					l = m + 1
				}
			}
			dlo = l
		}
	}
	if lo != math.MinInt64 {
		switch {
		case age(first) < lo:
			return 1, 0
		case age(last) < lo: // largest d with age(d) ≥ lo
			l, h := int64(first), int64(last)
			for l < h {
				m := l + (h-l+1)/2
				if age(m) >= lo {
					l = m
				} else {
					h = m - 1
				}
			}
			dhi = l
		}
	}
	return dlo, dhi
}

// ymd returns the date days after 1970-01-01 as yyyymmdd.
func ymd(days int64) int64 {
	t := huiqi.DateFromDays(int32(days)).Time()
	return int64(t.Year())*10000 + int64(t.Month())*100 + int64(t.Day())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ageOn returns the whole years from founding to day, as the evaluator
// computes age_years.
func ageOn(founded, day huiqi.Date) int64 {
	return floorDiv(ymd(int64(day.Days()))-ymd(int64(founded.Days())), 10000)
}

// scopeQuery matches enterprises inside a policy's region scope.
func scopeQuery(scope string) *q {
	if scope == "" {
		return matchAll
	}
	return term(fRegionPath, scope)
}

// enterpriseQuery is the candidate query of a policy on day: a superset of
// the eligible enterprises, and exact when every leaf compiled exactly.
func enterpriseQuery(p *policies.Policy, day huiqi.Date) bracket {
	if !p.OpenOn(day) {
		return exactly(matchNone)
	}
	return andB(exactly(scopeQuery(p.Region)), compileCond(p.Eligibility, day))
}

// EnterpriseCandidates returns the credit codes of the enterprises that may
// be eligible for p on day: a superset of the eligible ones, so that the
// evaluator, run on these only, finds exactly what it would find on every
// profile. A policy whose window is closed on day has none. Errors are
// internal (EInternal).
func (ix *Index) EnterpriseCandidates(ctx context.Context, p *policies.Policy, day huiqi.Date) ([]string, error) {
	if p.Eligibility == nil {
		return nil, fmt.Errorf("enterprise candidates of %s: no eligibility (not validated)", p.ID)
	}
	b := enterpriseQuery(p, day)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return collectIDs(ctx, ix.enterprises, b.outer)
}

package index

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// The rule index turns matching around (percolation): each published policy
// is a document holding the constraints every eligible profile must meet,
// and a profile becomes a query. Unlike Elasticsearch's percolator or
// Lucene's Monitor, numeric bounds are real numeric ranges, so `employees
// gte 50` is never a candidate for a 10-person firm.
//
// A rule document mostly lists what disqualifies, so that a profile's query
// is "none of my disqualifications" and an unconstrained policy needs no
// term at all:
//
//	valid_from, valid_to           days, when set
//	X_lo, X_hi                     bounds of figure X, when set
//	requires                       figures that must be present
//	need_tags, forbid_tags         tags the profile must have / must not have
//	scale_forbid, tax_credit_forbid  values that fail, "_none" when a missing
//	                               value fails
//	dishonest_forbid, above_forbid "T" or "F" when that value fails
//
// Region and industry cannot be listed by what fails, so they list what
// passes, as code atoms: "=350582" the code itself, "3505" any code with
// that prefix, "^" any code at all, "*" no constraint. tag_anchor, one of
// the needed tags or "*", is the same for tags: a positive clause lets bleve
// visit only the rules a profile could meet, where "none of my
// disqualifications" alone visits every rule.
const (
	rValidFrom     = "valid_from"
	rValidTo       = "valid_to"
	rRegionAllow   = "region_allow"
	rIndustryAllow = "industry_allow"
	rDishonest     = "dishonest_forbid"
	rAbove         = "above_forbid"
	rRequires      = "requires"
	rNeedTags      = "need_tags"
	rTagAnchor     = "tag_anchor"
	rForbidTags    = "forbid_tags"
	noneValue      = "_none"
	anyCode        = "^"
)

// ruleFigures are the figures whose bounds a rule document carries: the
// numeric profile fields and the derived age_years and rd_ratio (which the
// query computes from the profile for the date).
var ruleFigures = []string{"employees", "revenue", "total_assets", "rd_expense", "tax_paid", "registered_capital", "founded_on", "age_years", "rd_ratio"}

// enumFields are the closed-set fields whose allowed values a rule document lists.
var enumFields = []string{"scale", "tax_credit"}

func ruleMapping() *mapping.IndexMappingImpl {
	fields := map[string]*mapping.FieldMapping{
		rValidFrom: numericField(), rValidTo: numericField(),
	}
	for _, f := range []string{rRegionAllow, rIndustryAllow, rTagAnchor, rDishonest, rAbove, rRequires, rNeedTags, rForbidTags} {
		fields[f] = keywordField(false, false)
	}
	for _, f := range enumFields {
		fields[f+"_forbid"] = keywordField(false, false)
	}
	for _, f := range ruleFigures {
		fields[f+"_lo"] = numericField()
		fields[f+"_hi"] = numericField()
	}
	return newIndexMapping(fields)
}

// atom is one alternative of a code constraint: the code itself (exact) or
// every code starting with s (s "" meaning any code present).
type atom struct {
	exact bool
	s     string
}

// codeSet is a union of atoms; nil means unconstrained.
type codeSet []atom

// intersect is exact: the intersection of two unions of prefix and exact
// atoms is the union of the pairwise intersections, each an atom or empty.
func (a codeSet) intersect(b codeSet) codeSet {
	if a == nil {
		return b
	} else if b == nil {
		return a
	}
	out := codeSet{}
	for _, x := range a {
		for _, y := range b {
			switch {
			case x.exact && y.exact:
				if x.s == y.s {
					out = append(out, x)
				}
			case x.exact:
				if strings.HasPrefix(x.s, y.s) {
					out = append(out, x)
				}
			case y.exact:
				if strings.HasPrefix(y.s, x.s) {
					out = append(out, y)
				}
			case strings.HasPrefix(x.s, y.s):
				out = append(out, x)
			case strings.HasPrefix(y.s, x.s):
				out = append(out, y)
			}
		}
	}
	return out
}

func (a codeSet) terms() []string {
	if a == nil {
		return []string{anyTerm}
	}
	out := []string{}
	for _, x := range a {
		switch {
		case x.exact:
			out = append(out, "="+x.s)
		case x.s == "":
			out = append(out, anyCode)
		default:
			out = append(out, x.s)
		}
	}
	return out
}

// codeTerms are the atoms a profile's code satisfies.
func codeTerms(code string) []string {
	if code == "" {
		return []string{anyTerm}
	}
	return append(prefixes(code), "="+code, anyCode, anyTerm)
}

// span is the allowed interval of a figure and whether the figure must be
// present; a missing figure passes when it need not be.
type span struct {
	lo, hi   float64
	required bool
}

// constraints is what a policy's top-level all demands of every eligible
// profile, conservatively: leaves under any or not that cannot be stated as
// a constraint contribute nothing, which only widens the candidates.
type constraints struct {
	region, industry codeSet
	enums            map[string]map[string]bool // field → allowed values (nil: all)
	bools            map[string][2]bool         // field → allowed [false, true]
	spans            map[string]*span
	need, forbid     map[string]bool
}

func deriveConstraints(p *policies.Policy) *constraints {
	k := &constraints{
		enums:  map[string]map[string]bool{},
		bools:  map[string][2]bool{"dishonest": {true, true}, "above_designated_size": {true, true}},
		spans:  map[string]*span{},
		need:   map[string]bool{},
		forbid: map[string]bool{},
	}
	if p.Region != "" {
		k.region = codeSet{{s: p.Region}}
	}
	k.add(p.Eligibility, false)
	return k
}

// add records the constraints of c, negated when neg is set. Under negation
// any becomes all (De Morgan), so `not any[a, b]` still constrains.
func (k *constraints) add(c *policies.Condition, neg bool) {
	switch {
	case c.Not != nil:
		k.add(c.Not, !neg)
	case c.All == nil && c.Any == nil:
		k.leaf(c, neg)
	default:
		list, conjunction := c.All, c.All != nil
		if !conjunction {
			list = c.Any
		}
		// A conjunction constrains through every member; a disjunction only
		// when it has one member.
		if conjunction != neg || len(list) == 1 {
			for _, child := range list {
				k.add(child, neg)
			}
		}
	}
}

func (k *constraints) leaf(c *policies.Condition, neg bool) {
	f, _ := huiqi.LookupField(c.Field)
	a := c.Arg
	switch {
	case f.Type == huiqi.TypeTags:
		switch {
		case !neg && (c.Op == huiqi.OpHas || c.Op == huiqi.OpHasAll || len(a.Strs) == 1):
			for _, t := range a.Strs {
				k.need[t] = true
			}
		case neg && (c.Op == huiqi.OpHasAny || len(a.Strs) == 1):
			for _, t := range a.Strs {
				k.forbid[t] = true
			}
		}
	case f.Type == huiqi.TypeBool:
		v := a.Bool == (c.Op == huiqi.OpEq) != neg
		allowed := k.bools[f.Name]
		allowed[boolIndex(!v)] = false
		k.bools[f.Name] = allowed
	case f.Type == huiqi.TypeEnum:
		k.enum(f, c.Op, a.Strs, neg)
	case f.Name == "region" || f.Name == "industry":
		if neg {
			return
		}
		var set codeSet
		switch c.Op {
		case huiqi.OpEq, huiqi.OpIn:
			for _, s := range a.Strs {
				set = append(set, atom{exact: true, s: s})
			}
		case huiqi.OpPrefix:
			for _, s := range a.Strs {
				set = append(set, atom{s: s})
			}
		default:
			return
		}
		if f.Name == "region" {
			k.region = k.region.intersect(set)
		} else {
			k.industry = k.industry.intersect(set)
		}
	case f.Name == "rd_ratio":
		k.ratio(c.Op, a.Ints, neg)
	case f.Type == huiqi.TypeInt || f.Type == huiqi.TypeMoney || f.Type == huiqi.TypeDate:
		k.integer(f.Name, c.Op, a.Ints, neg)
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (k *constraints) enum(f huiqi.Field, op string, vs []string, neg bool) {
	set := map[string]bool{}
	switch op {
	case huiqi.OpEq, huiqi.OpIn:
		for _, v := range vs {
			set[v] = true
		}
	case huiqi.OpNe, huiqi.OpNotIn:
		for _, v := range f.Enum {
			set[v] = !slices.Contains(vs, v)
		}
	default:
		return
	}
	if neg { // the complement, in which a missing value now passes
		for _, v := range f.Enum {
			set[v] = !set[v]
		}
		set[noneValue] = true
	}
	if old := k.enums[f.Name]; old != nil {
		for v := range set {
			set[v] = set[v] && old[v]
		}
	}
	k.enums[f.Name] = set
}

// narrow intersects the figure's span with [lo, hi]; required says whether
// the leaf fails on a missing figure.
func (k *constraints) narrow(field string, lo, hi float64, required bool) {
	s := k.spans[field]
	if s == nil {
		s = &span{lo: math.Inf(-1), hi: math.Inf(1)}
		k.spans[field] = s
	}
	s.lo, s.hi = max(s.lo, lo), min(s.hi, hi)
	s.required = s.required || required
}

// integer records a comparison of an integer figure. Strict bounds become
// inclusive integers first, so that rounding to float64 (monotone) can only
// widen them.
func (k *constraints) integer(field, op string, v []int64, neg bool) {
	inf := math.Inf(1)
	f := func(x int64) float64 { return float64(x) }
	below := func(x int64) float64 { // largest integer < x
		if x == math.MinInt64 {
			return math.Inf(-1) // empty together with any lower bound
		}
		return f(x - 1)
	}
	above := func(x int64) float64 {
		if x == math.MaxInt64 {
			return inf
		}
		return f(x + 1)
	}
	if !neg {
		switch op {
		case huiqi.OpEq:
			k.narrow(field, f(v[0]), f(v[0]), true)
		case huiqi.OpIn:
			k.narrow(field, f(slices.Min(v)), f(slices.Max(v)), true)
		case huiqi.OpGt:
			if v[0] == math.MaxInt64 {
				k.narrow(field, inf, -inf, true)
			} else {
				k.narrow(field, above(v[0]), inf, true)
			}
		case huiqi.OpGte:
			k.narrow(field, f(v[0]), inf, true)
		case huiqi.OpLt:
			if v[0] == math.MinInt64 {
				k.narrow(field, inf, -inf, true)
			} else {
				k.narrow(field, -inf, below(v[0]), true)
			}
		case huiqi.OpLte:
			k.narrow(field, -inf, f(v[0]), true)
		case huiqi.OpBetween:
			k.narrow(field, f(v[0]), f(v[1]), true)
		case huiqi.OpNe, huiqi.OpNotIn:
			k.narrow(field, -inf, inf, true)
		}
		return
	}
	// not(leaf): missing passes, and the complement is one interval only for
	// one-sided comparisons, ne and not_in.
	switch op {
	case huiqi.OpGte:
		if v[0] == math.MinInt64 {
			k.narrow(field, inf, -inf, false)
		} else {
			k.narrow(field, -inf, below(v[0]), false)
		}
	case huiqi.OpGt:
		k.narrow(field, -inf, f(v[0]), false)
	case huiqi.OpLte:
		if v[0] == math.MaxInt64 {
			k.narrow(field, inf, -inf, false)
		} else {
			k.narrow(field, above(v[0]), inf, false)
		}
	case huiqi.OpLt:
		k.narrow(field, f(v[0]), inf, false)
	case huiqi.OpNe:
		k.narrow(field, f(v[0]), f(v[0]), false)
	case huiqi.OpNotIn:
		k.narrow(field, f(slices.Min(v)), f(slices.Max(v)), false)
	}
}

// ratio records a comparison of rd_ratio, widened by ratioWiden so that the
// profile's float ratio, compared against it, never loses a true match.
func (k *constraints) ratio(op string, v []int64, neg bool) {
	inf := math.Inf(1)
	x := func(i int) float64 { return float64(v[i]) / policies.RatioScale }
	switch {
	case !neg && (op == huiqi.OpGte || op == huiqi.OpGt):
		k.narrow("rd_ratio", widenDown(x(0)), inf, true)
	case !neg && (op == huiqi.OpLte || op == huiqi.OpLt):
		k.narrow("rd_ratio", -inf, widenUp(x(0)), true)
	case !neg && op == huiqi.OpEq:
		k.narrow("rd_ratio", widenDown(x(0)), widenUp(x(0)), true)
	case !neg && op == huiqi.OpBetween:
		k.narrow("rd_ratio", widenDown(x(0)), widenUp(x(1)), true)
	case !neg && op == huiqi.OpNe:
		k.narrow("rd_ratio", -inf, inf, true)
	case neg && (op == huiqi.OpGte || op == huiqi.OpGt):
		k.narrow("rd_ratio", -inf, widenUp(x(0)), false)
	case neg && (op == huiqi.OpLte || op == huiqi.OpLt):
		k.narrow("rd_ratio", widenDown(x(0)), inf, false)
	case neg && op == huiqi.OpNe:
		k.narrow("rd_ratio", widenDown(x(0)), widenUp(x(0)), false)
	}
}

// ruleDoc is the rule document of a policy.
func ruleDoc(p *policies.Policy) map[string]any {
	k := deriveConstraints(p)
	d := map[string]any{
		rRegionAllow:   k.region.terms(),
		rIndustryAllow: k.industry.terms(),
	}
	if !p.ValidFrom.IsZero() {
		d[rValidFrom] = float64(p.ValidFrom.Days())
	}
	if !p.ValidTo.IsZero() {
		d[rValidTo] = float64(p.ValidTo.Days())
	}
	for _, name := range enumFields {
		f, _ := huiqi.LookupField(name)
		var forbidden []string
		for _, v := range append(slices.Clone(f.Enum), noneValue) {
			if set := k.enums[name]; set != nil && !set[v] {
				forbidden = append(forbidden, v)
			}
		}
		d[name+"_forbid"] = forbidden
	}
	for field, key := range map[string]string{"dishonest": rDishonest, "above_designated_size": rAbove} {
		var forbidden []string
		if !k.bools[field][0] {
			forbidden = append(forbidden, "F")
		}
		if !k.bools[field][1] {
			forbidden = append(forbidden, "T")
		}
		d[key] = forbidden
	}
	var required []string
	for _, name := range ruleFigures {
		s := k.spans[name]
		if s == nil {
			continue
		}
		if s.required {
			required = append(required, name)
		}
		// An empty span stores +Inf as lo or -Inf as hi; clamped to the
		// largest finite numbers they still exclude every figure.
		if !math.IsInf(s.lo, -1) {
			d[name+"_lo"] = max(-math.MaxFloat64, min(math.MaxFloat64, s.lo))
		}
		if !math.IsInf(s.hi, 1) {
			d[name+"_hi"] = max(-math.MaxFloat64, min(math.MaxFloat64, s.hi))
		}
	}
	d[rRequires] = required
	d[rNeedTags] = sortedKeys(k.need)
	d[rTagAnchor] = anyTerm
	if need := sortedKeys(k.need); len(need) > 0 {
		d[rTagAnchor] = need[0]
	}
	d[rForbidTags] = sortedKeys(k.forbid)
	return d
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func boolTerm(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

// profileQuery is the percolation query of a profile on day: rule documents
// that allow its region and industry and list none of its
// disqualifications.
func profileQuery(e *huiqi.Enterprise, day huiqi.Date) *q {
	var fails []*q                           // disqualifications, any of which rules a policy out
	above := func(field string, v float64) { // the rule's lower bound is above v
		fails = append(fails, walkRange(field, math.Nextafter(v, math.Inf(1)), math.Inf(1)))
	}
	below := func(field string, v float64) {
		fails = append(fails, walkRange(field, math.Inf(-1), math.Nextafter(v, math.Inf(-1))))
	}
	dayF := float64(day.Days())
	above(rValidFrom, dayF)
	below(rValidTo, dayF)
	fails = append(fails,
		term(rDishonest, boolTerm(e.Dishonest)),
		term(rAbove, boolTerm(huiqi.AboveDesignatedSize(e.Industry, e.Revenue))))
	for name, v := range map[string]string{"scale": e.EffectiveScale(), "tax_credit": e.TaxCredit} {
		if v == "" {
			v = noneValue
		}
		fails = append(fails, term(name+"_forbid", v))
	}
	var lacking []string
	figure := func(name string, v float64, ok bool) {
		if !ok {
			lacking = append(lacking, name)
			return
		}
		above(name+"_lo", v)
		below(name+"_hi", v)
	}
	money := func(m *huiqi.Money) (float64, bool) {
		if m == nil {
			return 0, false
		}
		return float64(*m), true
	}
	if e.Employees != nil {
		figure("employees", float64(*e.Employees), true)
	} else {
		figure("employees", 0, false)
	}
	for _, m := range []struct {
		name string
		v    *huiqi.Money
	}{{"revenue", e.Revenue}, {"total_assets", e.TotalAssets}, {"rd_expense", e.RDExpense}, {"tax_paid", e.TaxPaid}, {"registered_capital", e.RegisteredCapital}} {
		v, ok := money(m.v)
		figure(m.name, v, ok)
	}
	founded := !e.FoundedOn.IsZero()
	figure("founded_on", float64(e.FoundedOn.Days()), founded)
	figure("age_years", float64(ageOn(e.FoundedOn, day)), founded)
	if e.RDExpense != nil && e.Revenue != nil {
		figure("rd_ratio", ratio(*e.RDExpense, *e.Revenue), true)
	} else {
		figure("rd_ratio", 0, false)
	}
	fails = append(fails, terms(rRequires, lacking))
	var lackingTags []string
	for _, t := range huiqi.Tags() {
		if !e.HasTag(t.Tag) {
			lackingTags = append(lackingTags, t.Tag)
		}
	}
	fails = append(fails, terms(rNeedTags, lackingTags), terms(rForbidTags, e.Tags))
	return and(
		terms(rRegionAllow, codeTerms(e.Region)),
		terms(rIndustryAllow, codeTerms(e.Industry)),
		terms(rTagAnchor, append(slices.Clone(e.Tags), anyTerm)),
		not(or(fails...)),
	)
}

// PolicyCandidates returns the ids of the published policies e may be
// eligible for on day: a superset of the eligible ones, built from each
// policy's top-level conditions, so that judging only these finds exactly
// what judging every policy finds. Errors are internal (EInternal).
func (ix *Index) PolicyCandidates(ctx context.Context, e *huiqi.Enterprise, day huiqi.Date) ([]string, error) {
	x := profileQuery(e, day)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return collectIDs(ctx, ix.rules, x)
}

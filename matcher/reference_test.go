package matcher_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// This file holds a plain reference evaluator: it walks policies.Condition
// as parsed, reads each leaf's Value JSON every time, and computes with
// big.Rat, sharing no code with the matcher package. Truth is three-valued
// (Kleene): refFalse, refUnknown or refTrue, a leaf on a value the profile
// lacks being unknown. The property test
// compares the compiled evaluator with it; the benchmarks measure both.

// Truth values of the reference: and is the least, or the greatest, not is
// refTrue minus it.
const (
	refFalse   = 0
	refUnknown = 1
	refTrue    = 2
)

func refTruth(b bool) int {
	if b {
		return refTrue
	}
	return refFalse
}

// refValue is a profile's value of a field as the reference sees it.
type refValue struct {
	missing bool
	str     string   // text, codes, enums, dates (YYYY-MM-DD orders as text)
	num     *big.Rat // whole numbers, money in yuan, ratios
	tags    []string
	b       bool
	kind    byte // 's' string, 'n' number, 't' tags, 'b' bool
}

func refMoney(m *huiqi.Money) refValue {
	if m == nil {
		return refValue{missing: true, kind: 'n'}
	}
	return refValue{num: big.NewRat(int64(*m), 100), kind: 'n'}
}

func refStr(s string) refValue {
	return refValue{str: s, missing: s == "", kind: 's'}
}

// refAge returns the whole years from founded to day, rounded down.
func refAge(founded, day huiqi.Date) int64 {
	fy, fm, fd := founded.Time().Date()
	y, m, d := day.Time().Date()
	years := y - fy
	if m < fm || (m == fm && d < fd) {
		years--
	}
	return int64(years)
}

// refField reads field from e as of day.
func refField(e *huiqi.Enterprise, field string, day huiqi.Date) refValue {
	switch field {
	case "credit_code":
		return refStr(e.CreditCode)
	case "name":
		return refStr(e.Name)
	case "region":
		return refStr(e.Region)
	case "industry":
		return refStr(e.Industry)
	case "tax_credit":
		return refStr(e.TaxCredit)
	case "business_scope":
		return refStr(e.BusinessScope)
	case "main_products":
		return refStr(e.MainProducts)
	case "scale":
		return refStr(e.EffectiveScale())
	case "founded_on":
		return refStr(e.FoundedOn.String())
	case "employees":
		if e.Employees == nil {
			return refValue{missing: true, kind: 'n'}
		}
		return refValue{num: new(big.Rat).SetInt64(*e.Employees), kind: 'n'}
	case "revenue":
		return refMoney(e.Revenue)
	case "total_assets":
		return refMoney(e.TotalAssets)
	case "rd_expense":
		return refMoney(e.RDExpense)
	case "tax_paid":
		return refMoney(e.TaxPaid)
	case "registered_capital":
		return refMoney(e.RegisteredCapital)
	case "tags":
		// Undated tags and the qualifications in force on the day.
		var held []string
		for _, t := range huiqi.Tags() {
			if e.HoldsOn(t.Tag, day) {
				held = append(held, t.Tag)
			}
		}
		return refValue{tags: held, kind: 't'}
	case "dishonest":
		return refValue{b: e.Dishonest, kind: 'b'}
	case "above_designated_size":
		if e.Industry == "" || !strings.ContainsRune("BCD", rune(e.Industry[0])) {
			return refValue{b: false, kind: 'b'}
		}
		if e.Revenue == nil {
			return refValue{missing: true, kind: 'b'}
		}
		return refValue{b: *e.Revenue >= 20_000_000*100, kind: 'b'}
	case "age_years":
		if e.FoundedOn.IsZero() {
			return refValue{missing: true, kind: 'n'}
		}
		return refValue{num: new(big.Rat).SetInt64(refAge(e.FoundedOn, day)), kind: 'n'}
	case "rd_ratio":
		if e.RDExpense == nil || e.Revenue == nil {
			return refValue{missing: true, kind: 'n'}
		}
		if *e.Revenue == 0 {
			return refValue{num: new(big.Rat), kind: 'n'}
		}
		return refValue{num: big.NewRat(int64(*e.RDExpense), int64(*e.Revenue)), kind: 'n'}
	}
	panic("reference: unknown field " + field)
}

// refScalar reads one JSON value of a rule as the reference compares it.
func refScalar(raw json.RawMessage, kind byte) (string, *big.Rat, bool) {
	switch kind {
	case 's':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			panic(fmt.Sprintf("reference: %s is not a string", raw))
		}
		return s, nil, false
	case 'b':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			panic(fmt.Sprintf("reference: %s is not a bool", raw))
		}
		return "", nil, b
	}
	text := strings.Trim(string(raw), `"`) // ratios may be written as strings
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		panic(fmt.Sprintf("reference: %s is not a number", raw))
	}
	return "", r, false
}

// refList reads a JSON value that is a list, or one value as a list of one.
func refList(raw json.RawMessage) []json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return []json.RawMessage{raw}
}

// refCompare orders the profile's value against one rule value.
func refCompare(v refValue, raw json.RawMessage) int {
	s, r, _ := refScalar(raw, v.kind)
	if v.kind == 's' {
		return strings.Compare(v.str, s)
	}
	return v.num.Cmp(r)
}

// refLeaf returns the truth of one leaf: unknown when the profile lacks its
// field.
func refLeaf(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date) int {
	if v, ok := refHistoryLeaf(c, e, day); ok {
		return v
	}
	if refField(e, c.Field, day).missing {
		return refUnknown
	}
	return refTruth(refHolds(c, e, day))
}

// refHolds reports whether a leaf on a value the profile has holds.
func refHolds(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date) bool {
	return refHolds2(c, refField(e, c.Field, day))
}

// refHolds2 reports whether a leaf holds for the value v.
func refHolds2(c *policies.Condition, v refValue) bool {
	switch v.kind {
	case 'b':
		_, _, b := refScalar(c.Value, 'b')
		return (v.b == b) == (c.Op == "eq")
	case 't':
		var want []string
		for _, raw := range refList(c.Value) {
			s, _, _ := refScalar(raw, 's')
			want = append(want, s)
		}
		held := 0
		for _, w := range want {
			if slices.Contains(v.tags, w) {
				held++
			}
		}
		switch c.Op {
		case "has", "has_all":
			return held == len(want)
		case "has_any":
			return held > 0
		}
		panic("reference: bad tags op " + c.Op)
	}
	switch c.Op {
	case "eq":
		return refCompare(v, c.Value) == 0
	case "ne":
		return refCompare(v, c.Value) != 0
	case "gt":
		return refCompare(v, c.Value) > 0
	case "gte":
		return refCompare(v, c.Value) >= 0
	case "lt":
		return refCompare(v, c.Value) < 0
	case "lte":
		return refCompare(v, c.Value) <= 0
	case "between":
		ends := refList(c.Value)
		return refCompare(v, ends[0]) >= 0 && refCompare(v, ends[1]) <= 0
	case "in", "not_in":
		found := false
		for _, raw := range refList(c.Value) {
			found = found || refCompare(v, raw) == 0
		}
		return found == (c.Op == "in")
	case "contains_any", "contains_all":
		found := 0
		for _, raw := range refList(c.Value) {
			if w, _, _ := refScalar(raw, 's'); strings.Contains(refFold(v.str), refFold(w)) {
				found++
			}
		}
		if c.Op == "contains_any" {
			return found > 0
		}
		return found == len(refList(c.Value))
	case "prefix":
		for _, raw := range refList(c.Value) {
			if s, _, _ := refScalar(raw, 's'); strings.HasPrefix(v.str, s) {
				return true
			}
		}
		return false
	}
	panic("reference: bad op " + c.Op)
}

// refEval returns the truth of a condition tree.
func refEval(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date) int {
	switch {
	case c.All != nil:
		v := refTrue
		for _, child := range c.All {
			v = min(v, refEval(child, e, day))
		}
		return v
	case c.Any != nil:
		v := refFalse
		for _, child := range c.Any {
			v = max(v, refEval(child, e, day))
		}
		return v
	case c.Not != nil:
		return refTrue - refEval(c.Not, e, day)
	}
	return refLeaf(c, e, day)
}

// refHistoryLeaf judges a leaf on the profile's history, or a reviewed
// leaf, through the profile's own history helpers; false for other leaves.
func refHistoryLeaf(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date) (int, bool) {
	cmpWith := func(v *big.Rat, kind byte) int {
		w := refValue{num: v, kind: kind}
		return refTruth(refHolds2(c, w))
	}
	switch {
	case c.Review != "":
		return refUnknown, true
	case c.Over != nil:
		r, ok := e.Aggregate(c.Field, *c.Over)
		switch {
		case !ok:
			return refUnknown, true
		case c.Field == "above_designated_size":
			_, _, b := refScalar(c.Value, 'b')
			return refTruth((r.Sign() != 0) == b), true
		case c.Field == "revenue" || c.Field == "output_value":
			if !huiqi.AggIsRate(c.Over.Agg) {
				r = new(big.Rat).Quo(r, big.NewRat(100, 1)) // fen to yuan
			}
		}
		return cmpWith(r, 'n'), true
	case c.Field == "output_value":
		n, ok := e.Figure(c.Field)
		if !ok {
			return refUnknown, true
		}
		return cmpWith(big.NewRat(n, 100), 'n'), true
	case c.Field == "incident_count":
		return cmpWith(new(big.Rat).SetInt64(e.CountIncidents(*c.Incident, day)), 'n'), true
	case c.Tag != "":
		get := e.LatestGrant
		if c.Field == "first_granted_on" {
			get = e.FirstGrant
		}
		q, ok := get(c.Tag, day)
		switch {
		case !ok && e.HasTag(c.Tag):
			return refUnknown, true
		case !ok:
			return refFalse, true
		}
		d := q.GrantedOn.String()
		if c.Field == "expires_on" {
			d = "9999-12-31" // never expires
			if !q.ExpiresOn.IsZero() {
				d = q.ExpiresOn.String()
			}
		}
		return refTruth(refHolds2(c, refValue{str: d, kind: 's'})), true
	}
	return 0, false
}

// refHistoryRule reports whether c reads the profile's history anywhere.
func refHistoryRule(c *policies.Condition) bool {
	switch {
	case c.All != nil || c.Any != nil:
		for _, k := range append(c.All, c.Any...) {
			if refHistoryRule(k) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return refHistoryRule(c.Not)
	}
	f, _ := huiqi.LookupField(c.Field)
	return c.Review != "" || c.Over != nil || c.Tag != "" || c.Incident != nil || f.Yearly && c.Field == "output_value"
}

// refMissing appends the profile fields that the unknown leaves of c lack:
// for a derived field, the figures it comes from.
func refMissing(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date, out []string) []string {
	add := func(f string) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	switch {
	case c.All != nil || c.Any != nil:
		for _, child := range append(c.All, c.Any...) {
			out = refMissing(child, e, day, out)
		}
		return out
	case c.Not != nil:
		return refMissing(c.Not, e, day, out)
	}
	if _, history := refHistoryLeaf(c, e, day); history {
		return out // not compared: see refHistoryRule
	}
	if !refField(e, c.Field, day).missing {
		return out
	}
	switch c.Field {
	case "rd_ratio":
		for _, f := range []string{"revenue", "rd_expense"} {
			if refField(e, f, day).missing {
				add(f)
			}
		}
	case "above_designated_size":
		add("revenue")
	case "age_years":
		add("founded_on")
	case "scale":
		n := len(out)
		for _, f := range []string{"employees", "revenue", "total_assets"} {
			if refField(e, f, day).missing {
				add(f)
			}
		}
		if len(out) == n {
			add("scale")
		}
	default:
		add(c.Field)
	}
	return out
}

// refCheck is the reference's explanation of one leaf.
type refCheck struct {
	Label    string
	Field    string
	Op       string
	Required json.RawMessage
	Missing  bool
	Actual   refValue
	Pass     int // the requirement is met (refTrue): the leaf holds, or under an odd number of nots does not
}

// refExplain appends every leaf's check in document order; negated says
// whether an odd number of nots lies above c.
func refExplain(c *policies.Condition, e *huiqi.Enterprise, day huiqi.Date, out *[]refCheck, negated bool) {
	switch {
	case c.All != nil || c.Any != nil:
		for _, child := range append(c.All, c.Any...) {
			refExplain(child, e, day, out, negated)
		}
	case c.Not != nil:
		refExplain(c.Not, e, day, out, !negated)
	default:
		v := refLeaf(c, e, day)
		if negated {
			v = refTrue - v
		}
		var actual refValue
		if _, history := refHistoryLeaf(c, e, day); !history {
			actual = refField(e, c.Field, day)
		}
		*out = append(*out, refCheck{
			Label: c.DisplayLabel(), Field: c.Field, Op: c.Op, Required: c.Value,
			Missing: v == refUnknown, Actual: actual, Pass: v,
		})
	}
}

// refInScope reports whether the policy is open on day and covers the
// profile's region.
func refInScope(p *policies.Policy, e *huiqi.Enterprise, day huiqi.Date) bool {
	if !p.ValidFrom.IsZero() && day.Sub(p.ValidFrom) < 0 {
		return false
	}
	if !p.ValidTo.IsZero() && day.Sub(p.ValidTo) > 0 {
		return false
	}
	return strings.HasPrefix(e.Region, p.Region)
}

// refState returns the truth of the verdict: false outside the scope.
func refState(p *policies.Policy, e *huiqi.Enterprise, day huiqi.Date) int {
	if !refInScope(p, e, day) {
		return refFalse
	}
	return refEval(p.Eligibility, e, day)
}

// refLeafCount counts the leaves under c.
func refLeafCount(c *policies.Condition) int {
	switch {
	case c.All != nil || c.Any != nil:
		n := 0
		for _, child := range append(c.All, c.Any...) {
			n += refLeafCount(child)
		}
		return n
	case c.Not != nil:
		return refLeafCount(c.Not)
	}
	return 1
}

// refNearMiss returns the document-order position of the one failing leaf
// of a top-level all whose other children all hold, or -1.
func refNearMiss(p *policies.Policy, e *huiqi.Enterprise, day huiqi.Date) int {
	if !refInScope(p, e, day) || p.Eligibility.All == nil {
		return -1
	}
	failing, at, pos := 0, -1, 0
	for _, child := range p.Eligibility.All {
		if v := refEval(child, e, day); v != refTrue {
			if v == refUnknown {
				return -1
			}
			failing++
			if child.Field != "" || (child.Not != nil && child.Not.Field != "") {
				at = pos
			} else {
				at = -1
			}
		}
		pos += refLeafCount(child)
	}
	if failing != 1 {
		return -1
	}
	return at
}

// refAmount computes the benefit in fen with big.Rat, rounding half up.
func refAmount(p *policies.Policy, e *huiqi.Enterprise, day huiqi.Date) *big.Int {
	a := p.Benefit.Amount
	if a == nil {
		return nil
	}
	if a.Tiers != nil {
		for i := range a.Tiers {
			switch refEval(a.Tiers[i].When, e, day) {
			case refTrue:
				return refSimpleAmount(&a.Tiers[i].Amount, e, day)
			case refUnknown:
				return nil // which tier applies is unknown
			}
		}
		return nil
	}
	return refSimpleAmount(a, e, day)
}

func refSimpleAmount(a *policies.Amount, e *huiqi.Enterprise, day huiqi.Date) *big.Int {
	if a.Fixed != nil {
		return big.NewInt(int64(*a.Fixed))
	}
	v := refField(e, a.Of, day)
	if v.missing {
		return nil
	}
	fen := new(big.Rat).Mul(v.num, big.NewRat(100, 1))
	fen.Mul(fen, big.NewRat(int64(*a.Rate), policies.RatioScale))
	fen.Add(fen, big.NewRat(1, 2))
	amount := new(big.Int).Quo(fen.Num(), fen.Denom()) // non-negative: floor
	if a.Cap != nil && amount.Cmp(big.NewInt(int64(*a.Cap))) > 0 {
		amount.SetInt64(int64(*a.Cap))
	}
	if a.Floor != nil && amount.Cmp(big.NewInt(int64(*a.Floor))) < 0 {
		amount.SetInt64(int64(*a.Floor))
	}
	return amount
}

// refVerdict is the reference's judgement of one policy.
type refVerdict struct {
	Policy      *policies.Policy
	Amount      *big.Int
	Recommended bool
	Checks      []refCheck
}

// refUndetermined is a policy the reference cannot decide for a profile.
type refUndetermined struct {
	ID      string
	Amount  *big.Int
	Missing []string
}

// refResult is the reference's MatchProfile.
type refResult struct {
	Eligible     []refVerdict
	NearMisses   []refCheck
	Undetermined []refUndetermined
}

// refMatchProfile judges every policy for e with explanations and near
// misses, as MatchProfile does, the plain way.
func refMatchProfile(list []*policies.Policy, e *huiqi.Enterprise, day huiqi.Date) refResult {
	var r refResult
	for _, p := range list {
		if !refInScope(p, e, day) {
			continue
		}
		var checks []refCheck
		refExplain(p.Eligibility, e, day, &checks, false)
		switch refEval(p.Eligibility, e, day) {
		case refTrue:
			r.Eligible = append(r.Eligible, refVerdict{Policy: p, Amount: refAmount(p, e, day), Recommended: true, Checks: checks})
		case refUnknown:
			r.Undetermined = append(r.Undetermined, refUndetermined{ID: p.ID, Amount: refAmount(p, e, day), Missing: refMissing(p.Eligibility, e, day, nil)})
		default:
			if i := refNearMiss(p, e, day); i >= 0 {
				r.NearMisses = append(r.NearMisses, checks[i])
			}
		}
	}
	key := func(v refVerdict) *big.Int {
		if v.Amount == nil {
			return big.NewInt(-1)
		}
		return v.Amount
	}
	slices.SortStableFunc(r.Eligible, func(a, b refVerdict) int {
		if c := key(b).Cmp(key(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.Policy.ID, b.Policy.ID)
	})
	seen := map[string]bool{}
	for i := range r.Eligible {
		if g := r.Eligible[i].Policy.ExclusiveGroup; g != "" {
			r.Eligible[i].Recommended = !seen[g]
			seen[g] = true
		}
	}
	return r
}

// refReach is the reference's MatchPolicy.
type refReach struct {
	Codes         []string
	AmountTotal   *big.Int
	NearMissTotal int
	Undetermined  []string // credit codes, sorted
}

func refMatchPolicy(p *policies.Policy, es []*huiqi.Enterprise, day huiqi.Date) refReach {
	r := refReach{AmountTotal: new(big.Int)}
	for _, e := range es {
		switch refState(p, e, day) {
		case refTrue:
			r.Codes = append(r.Codes, e.CreditCode)
			if a := refAmount(p, e, day); a != nil {
				r.AmountTotal.Add(r.AmountTotal, a)
			}
		case refUnknown:
			r.Undetermined = append(r.Undetermined, e.CreditCode)
		default:
			if refNearMiss(p, e, day) >= 0 {
				r.NearMissTotal++
			}
		}
	}
	slices.Sort(r.Codes)
	slices.Sort(r.Undetermined)
	return r
}

// refFold folds text as text conditions compare it, rune by rune: full-width
// ASCII to half-width, then lower case.
func refFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

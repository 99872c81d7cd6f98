package matcher

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Leaves on a profile's history (fiscal years across years, dated
// qualifications, incidents) and reviewed leaves are evaluated on the row,
// through the profile's own helpers: the column paths treat them as they
// treat name and credit code, so that both fast paths stay exact. Few
// policies carry them, and those few conjuncts run only for the rows (or
// policies) the columns leave standing.

// compileHistory compiles a leaf that reads the profile's history, or a
// reviewed leaf, and reports whether c is one.
func compileHistory(n *node, c *policies.Condition) bool {
	f, _ := huiqi.LookupField(c.Field)
	switch {
	case c.Review != "":
		n.acc = accReview
	case c.Over != nil:
		n.acc, n.scale = accOver, 1
		if huiqi.AggIsRate(c.Over.Agg) || f.Type == huiqi.TypeRatio {
			n.scale = policies.RatioScale
		}
	case f.Tagged:
		n.acc = accGrant
	case f.Name == "incident_count":
		n.acc = accIncident
	case f.Yearly && !isFlat(f.Name):
		n.acc = accYearly // output_value and the like: the latest year's
	default:
		return false
	}
	// No cached actual: the field's plain value is not what the leaf reads.
	n.field, n.attr = -1, attrRow
	return true
}

// isFlat reports whether the profile holds the field at the top level.
func isFlat(field string) bool {
	_, ok := moneySlots[field]
	return ok || field == "employees" || field == "rd_ratio" || field == "above_designated_size"
}

// historyLeaf returns the truth of a history or reviewed leaf for p.
func (n *node) historyLeaf(p *Profile, at *asOf) tri {
	e, c := p.Enterprise, n.cond
	switch n.acc {
	case accOver:
		r, ok := e.Aggregate(c.Field, *c.Over)
		if !ok {
			return triUnknown
		}
		if c.Field == "above_designated_size" {
			return triOf(n.holdsFlag(r.Sign() != 0))
		}
		return triOf(n.compareRat(r))
	case accYearly:
		v, ok := e.Figure(c.Field)
		if !ok {
			return triUnknown
		}
		return triOf(n.compareInt(v))
	case accGrant:
		v, ok := grantDay(e, c, at.date)
		switch {
		case ok:
			return triOf(n.compareInt(v))
		case e.HasTag(c.Tag):
			// Held, but undated: when it was granted is not known.
			return triUnknown
		}
		return triFalse
	case accIncident:
		return triOf(n.compareInt(e.CountIncidents(*c.Incident, at.date)))
	}
	return triUnknown // a review: an official decides
}

// grantDay returns the date (days since 1970) a granted_on,
// first_granted_on or expires_on leaf reads, or false when the profile
// holds no dated qualification of the tag by day. A qualification
// without an end of validity never expires.
func grantDay(e *huiqi.Enterprise, c *policies.Condition, day huiqi.Date) (int64, bool) {
	get := e.LatestGrant
	if c.Field == "first_granted_on" {
		get = e.FirstGrant
	}
	q, ok := get(c.Tag, day)
	switch {
	case !ok:
		return 0, false
	case c.Field != "expires_on":
		return int64(q.GrantedOn.Days()), true
	case q.ExpiresOn.IsZero():
		return math.MaxInt64, true
	}
	return int64(q.ExpiresOn.Days()), true
}

// compareRat compares an exact value with the leaf's values, which are in
// units of 1/n.scale.
func (n *node) compareRat(r *big.Rat) bool {
	cmp := func(v int64) int { return huiqi.CompareRat(r, v, n.scale) }
	switch n.op {
	case opEq:
		return cmp(n.ints[0]) == 0
	case opNe:
		return cmp(n.ints[0]) != 0
	case opIn, opNotIn:
		found := false
		for _, v := range n.ints {
			found = found || cmp(v) == 0
		}
		return found == (n.op == opIn)
	case opGt:
		return cmp(n.ints[0]) > 0
	case opGte:
		return cmp(n.ints[0]) >= 0
	case opLt:
		return cmp(n.ints[0]) < 0
	case opLte:
		return cmp(n.ints[0]) <= 0
	case opBetween:
		return cmp(n.ints[0]) >= 0 && cmp(n.ints[1]) <= 0
	}
	return false
}

// historyMissing appends what p lacks for an unknown history leaf: the
// yearly figures missing as fiscal_years.YEAR.FIELD (the whole
// fiscal_years when there is none), or the dated qualifications.
func (n *node) historyMissing(p *Profile, at *asOf, out []string) []string {
	e, c := p.Enterprise, n.cond
	add := func(f string) []string {
		for _, x := range out {
			if x == f {
				return out
			}
		}
		return append(out, f)
	}
	if n.acc == accGrant {
		return add("qualifications")
	}
	latest, ok := e.LatestFiscalYear()
	if !ok {
		return add("fiscal_years")
	}
	fields := []string{c.Field}
	switch c.Field {
	case "rd_ratio":
		fields = []string{"revenue", "rd_expense"}
	case "above_designated_size":
		fields = []string{"revenue"}
	}
	first, last := latest, latest
	if o := c.Over; o != nil {
		switch {
		case o.Agg == huiqi.AggPrev:
			first, last = latest-1, latest-1
		case o.Agg == huiqi.AggIncrease || o.Agg == huiqi.AggGrowth:
			first = latest - 1
		case o.Agg == huiqi.AggAvgGrowth || o.Agg == huiqi.AggMinGrowth:
			first = latest - o.Years
		default:
			first = latest - o.Years + 1
		}
	}
	lacking := false
	for y := first; y <= last; y++ {
		for _, f := range fields {
			if _, ok := e.YearFigure(f, y); !ok {
				out, lacking = add("fiscal_years."+strconv.Itoa(y)+"."+f), true
			}
		}
	}
	if !lacking {
		// Every year is there, but a base is zero: no figure settles it.
		return add("fiscal_years")
	}
	return out
}

// historyActual returns the value a leaf reads, as JSON shows it, or nil
// when unknown: an aggregate as an exact decimal, a date, a count.
func (n *node) historyActual(p *Profile, at *asOf) any {
	e, c := p.Enterprise, n.cond
	switch n.acc {
	case accOver:
		r, ok := e.Aggregate(c.Field, *c.Over)
		switch {
		case !ok:
			return nil
		case c.Field == "above_designated_size":
			return r.Sign() != 0
		case n.scale == 1 && (c.Field == "employees"):
			return json.Number(r.FloatString(0))
		case n.scale == 1:
			// Fen, as yuan with two decimals, rounded half up.
			return huiqi.Money(roundRat(r))
		}
		return json.Number(ratText(r))
	case accYearly:
		if v, ok := e.Figure(c.Field); ok {
			return huiqi.Money(v)
		}
		return nil
	case accGrant:
		v, ok := grantDay(e, c, at.date)
		switch {
		case !ok && e.HasTag(c.Tag):
			return nil // held undated: the date is unknown
		case !ok:
			return "未认定"
		case v == math.MaxInt64:
			return "长期有效"
		}
		return huiqi.DateFromDays(int32(v)).String()
	case accIncident:
		return e.CountIncidents(*c.Incident, at.date)
	case accReview:
		return nil
	}
	return actualValue(p, c.Field, at)
}

// roundRat rounds r to the nearest integer, halves away from zero.
func roundRat(r *big.Rat) int64 {
	q := new(big.Int).Quo(r.Num(), r.Denom()) // truncated toward zero
	n := q.Int64()
	frac := new(big.Rat).Sub(r, new(big.Rat).SetInt(q))
	half := big.NewRat(1, 2)
	switch {
	case frac.Cmp(half) >= 0:
		n++
	case frac.Cmp(new(big.Rat).Neg(half)) <= 0:
		n--
	}
	return n
}

// ratText writes a rate or ratio to the millionth, rounded half away from
// zero, as policies write rule values.
func ratText(r *big.Rat) string {
	m := roundRat(new(big.Rat).Mul(r, big.NewRat(policies.RatioScale, 1)))
	if m < 0 {
		return "-" + policies.FormatDecimal(-m)
	}
	return policies.FormatDecimal(m)
}

// MissingLabel names in Chinese a field an undetermined verdict lacks: a
// profile field, a year's figure (fiscal_years.2024.revenue: 2024年度营业收入),
// all fiscal years, or the dated qualifications.
func MissingLabel(field string) string {
	switch field {
	case "fiscal_years":
		return "历年财务数据"
	case "qualifications":
		return "资质认定日期"
	}
	if rest, ok := strings.CutPrefix(field, "fiscal_years."); ok {
		if year, name, ok := strings.Cut(rest, "."); ok {
			f, _ := huiqi.LookupField(name)
			return year + "年度" + f.Label
		}
	}
	f, _ := huiqi.LookupField(field)
	return f.Label
}

// aggWords names an aggregate of a figure as a noun: 工业总产值同比增量.
var aggWords = map[string]string{
	huiqi.AggSum: "合计", huiqi.AggAvg: "年均", huiqi.AggMin: "最低", huiqi.AggMax: "最高", huiqi.AggPrev: "上年度",
	huiqi.AggIncrease: "同比增量", huiqi.AggGrowth: "同比增速", huiqi.AggAvgGrowth: "年均增速", huiqi.AggMinGrowth: "最低增速",
}

// historyGap says how far p is from meeting a failing history leaf, as
// gap does for flat figures: "工业总产值同比增量还差2000万元",
// "营业收入同比增速还差1.5个百分点".
func (n *node) historyGap(p *Profile, op opcode) string {
	e, c := p.Enterprise, n.cond
	f, _ := huiqi.LookupField(c.Field)
	switch n.acc {
	case accYearly:
		v, ok := e.Figure(c.Field)
		if !ok {
			return ""
		}
		return intGap(f.Label, op, n.ints, v, 1, func(v int64) string { return huiqi.Money(v).Text() })
	case accOver:
	default:
		return ""
	}
	r, ok := e.Aggregate(c.Field, *c.Over)
	if !ok || c.Field == "above_designated_size" {
		return ""
	}
	label := f.Label + aggWords[c.Over.Agg]
	if c.Over.Agg == huiqi.AggPrev {
		label = "上年度" + f.Label
	}
	// The value in the units of the rule's values: fen, persons, millionths.
	units := new(big.Rat).Mul(r, new(big.Rat).SetInt64(n.scale))
	text := func(u int64) string { return strconv.FormatInt(u, 10) + f.Unit }
	switch {
	case n.scale != 1:
		text = percentPoints
	case f.Type == huiqi.TypeMoney:
		text = func(u int64) string { return huiqi.Money(u).Text() }
	}
	// dist returns how many units b lies above a, rounded up, and one more
	// when strict and a whole number of units apart.
	dist := func(a, b *big.Rat, strict bool) int64 {
		d := new(big.Rat).Sub(b, a)
		q := new(big.Int).Quo(d.Num(), d.Denom()) // toward zero; d ≥ 0 here
		whole := new(big.Rat).SetInt(q).Cmp(d) == 0
		if !whole || strict {
			q.Add(q, big.NewInt(1))
		}
		return q.Int64()
	}
	bound := func(i int) *big.Rat { return new(big.Rat).SetInt64(n.ints[i]) }
	switch op {
	case opGte, opGt:
		return label + "还差" + text(dist(units, bound(0), op == opGt))
	case opLte, opLt:
		return label + "超出" + text(dist(bound(0), units, op == opLt))
	case opBetween:
		if units.Cmp(bound(0)) < 0 {
			return label + "还差" + text(dist(units, bound(0), false))
		}
		return label + "超出" + text(dist(bound(1), units, false))
	}
	return ""
}

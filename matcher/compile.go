package matcher

import (
	"encoding/json"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

type nodeKind uint8

const (
	kindAll nodeKind = iota
	kindAny
	kindNot
	kindLeaf
)

// accessor says where a leaf reads its value, resolved once at compile time.
type accessor uint8

const (
	accText  accessor = iota // a string field: see textOf
	accInt                   // a numeric slot
	accAge                   // age_years, derived from founded_on and the as-of date
	accRatio                 // rd_ratio, compared exactly by cross-multiplication
	accTags
	accDishonest
	accAboveSize
	// accWords: words in business_scope or main_products, evaluated on the
	// row as name is (words.go).
	accWords
	// Leaves on the profile's history, evaluated on the row (history.go).
	accOver     // a yearly figure across years: huiqi.Enterprise.Aggregate
	accYearly   // the latest year's figure of a field with no top-level twin
	accGrant    // granted_on, first_granted_on, expires_on of a tag
	accIncident // incident_count
	accReview   // a judgement no data decides: always unknown
)

type opcode uint8

const (
	opEq opcode = iota
	opNe
	opIn
	opNotIn
	opGt
	opGte
	opLt
	opLte
	opBetween
	opPrefix
	opHas
	opHasAny
	opHasAll
)

var opcodes = map[string]opcode{
	huiqi.OpEq: opEq, huiqi.OpNe: opNe, huiqi.OpIn: opIn, huiqi.OpNotIn: opNotIn,
	huiqi.OpGt: opGt, huiqi.OpGte: opGte, huiqi.OpLt: opLt, huiqi.OpLte: opLte,
	huiqi.OpBetween: opBetween, huiqi.OpPrefix: opPrefix,
	huiqi.OpHas: opHas, huiqi.OpHasAny: opHasAny, huiqi.OpHasAll: opHasAll,
}

// node is a compiled condition: a typed, resolved form of policies.Condition
// that evaluation walks without JSON or reflection.
type node struct {
	kind     nodeKind
	children []*node
	leaves   int // leaves below, so that explanations can be sliced per child

	cond  *policies.Condition
	shown *leafText // of a leaf, what its explanations show of the rule
	acc   accessor
	text  string // name of the text field for accText and accWords
	slot  int    // numeric slot for accInt
	op    opcode
	ints  []int64
	strs  []string
	mask  uint64
	b     bool
	attr  attr // what the column paths read
	field int  // position of the field in huiqi.Fields; -1 for none

	scale int64 // accOver: the unit of the rule's values (1, or RatioScale for rates)
}

// leafText is what a leaf's explanation (Check) shows that depends on the
// policy version alone, prepared when it is compiled rather than for every
// check: an enterprise's answer explains hundreds of leaves, most of them
// near misses.
type leafText struct {
	label    string // cond.DisplayLabel()
	negLabel string // the label of the requirement not to hold
	name, op string // cond.Field, cond.Op
	field    huiqi.Field
	required json.RawMessage
	// Of a tag leaf, the bit and display name of each tag of strs, and
	// the gap when the profile holds none of them.
	tagMasks []uint64
	tagNames []string
	lacksAll string
}

// newLeafText prepares the explanation parts of the leaf condition c.
func newLeafText(c *policies.Condition) *leafText {
	t := &leafText{label: c.DisplayLabel(), name: c.Field, op: c.Op, required: c.Value}
	t.negLabel = "不得：" + t.label
	t.field, _ = huiqi.LookupField(c.Field)
	if t.field.Type == huiqi.TypeTags {
		for _, tag := range c.Arg.Strs {
			name := tag
			if d, ok := huiqi.LookupTag(tag); ok {
				name = d.Name
			}
			t.tagMasks, t.tagNames = append(t.tagMasks, tagBits[tag]), append(t.tagNames, name)
		}
		t.lacksAll = lackingText(opcodes[c.Op], t.tagNames)
	}
	return t
}

// Compiled is a published policy version compiled for evaluation.
type Compiled struct {
	Policy *policies.Policy
	root   *node
	tiers  []tier
	slot   int  // numeric slot a rate amount applies to
	rich   bool // the amount needs Amount.Compute: see richAmount
	scope  string
	// scopeLeaf is the scope as a region prefix leaf, for the policy
	// index; nil when the policy has no scope.
	scopeLeaf *node
	// children holds, of a top-level all, the facts of each child, so that
	// the search for near misses takes the truth the policy index proves
	// of a child without reading its node.
	children []childFact
}

type tier struct {
	when   *node
	amount *policies.Amount
	slot   int
	rich   bool
}

// Compile prepares a validated policy for evaluation.
func Compile(p *policies.Policy) *Compiled {
	c := &Compiled{Policy: p, root: compileNode(p.Eligibility), scope: p.Region}
	if c.root.kind == kindAll {
		c.children = childFacts(c.root)
	}
	if p.Region != "" {
		c.scopeLeaf = &node{kind: kindLeaf, leaves: 1, acc: accText, text: "region", op: opPrefix, strs: []string{p.Region}, attr: attrDict + dictRegion}
	}
	if a := p.Benefit.Amount; a != nil {
		c.slot, c.rich = moneySlots[a.Of], richAmount(a)
		for i := range a.Tiers {
			t := &a.Tiers[i]
			c.tiers = append(c.tiers, tier{when: compileNode(t.When), amount: &t.Amount, slot: moneySlots[t.Of], rich: richAmount(&t.Amount)})
		}
	}
	return c
}

func compileNode(c *policies.Condition) *node {
	switch {
	case c.All != nil || c.Any != nil:
		n := &node{kind: kindAll, cond: c}
		list := c.All
		if c.Any != nil {
			n.kind, list = kindAny, c.Any
		}
		for _, child := range list {
			cn := compileNode(child)
			n.children = append(n.children, cn)
			n.leaves += cn.leaves
		}
		return n
	case c.Not != nil:
		cn := compileNode(c.Not)
		return &node{kind: kindNot, cond: c, children: []*node{cn}, leaves: cn.leaves}
	}
	n := &node{kind: kindLeaf, cond: c, shown: newLeafText(c), leaves: 1, op: opcodes[c.Op], ints: c.Arg.Ints, strs: c.Arg.Strs, b: c.Arg.Bool, field: -1}
	if i, ok := fieldIndex[c.Field]; ok {
		n.field = i
	}
	if compileHistory(n, c) {
		return n
	}
	f, _ := huiqi.LookupField(c.Field)
	switch {
	case f.Type == huiqi.TypeWords:
		compileWords(n, f)
	case f.Type == huiqi.TypeTags:
		n.acc, n.attr = accTags, attrTags
		for _, t := range c.Arg.Strs {
			n.mask |= tagBits[t]
		}
	case f.Name == "dishonest":
		n.acc, n.attr = accDishonest, attrFlag+flagDishonest
	case f.Name == "above_designated_size":
		n.acc, n.attr = accAboveSize, attrFlag+flagAboveSize
	case f.Name == "age_years":
		n.acc, n.attr = accAge, attrNum+colFounded
	case f.Name == "rd_ratio":
		n.acc, n.attr = accRatio, attrNum+colRatio
	case f.Name == "employees":
		n.acc, n.slot = accInt, slotEmployees
		n.attr = attrNum + attr(n.slot)
	case f.Name == "founded_on":
		n.acc, n.slot = accInt, slotFoundedOn
		n.attr = attrNum + colFounded
	case f.Type == huiqi.TypeMoney:
		n.acc, n.slot = accInt, moneySlots[f.Name]
		n.attr = attrNum + attr(n.slot)
	default:
		n.acc, n.text = accText, f.Name
		n.attr = attrRow
		switch f.Name {
		case "region":
			n.attr = attrDict + dictRegion
		case "industry":
			n.attr = attrDict + dictIndustry
		case "scale":
			n.attr = attrDict + dictScale
		case "tax_credit":
			n.attr = attrDict + dictTaxCredit
		}
	}
	return n
}

// asOf is the evaluation date in the forms evaluation needs.
type asOf struct {
	date huiqi.Date
	ymd  int64 // yyyymmdd, so that whole years are (ymd − founded ymd) / 10000
	days int32 // days since 1970, for the qualifications in force

	// actuals, when set, caches the actual values of the one profile being
	// explained, by field: a profile explained against the catalogue shows
	// the same few fields in hundreds of checks.
	actuals *actualCache
}

// actualCache holds a profile's actual values by field position.
type actualCache struct {
	have uint64
	vals [64]any
}

// actual returns the profile's value of the leaf's field as it appears in
// JSON, or nil when the profile lacks it.
func (at *asOf) actual(p *Profile, n *node) any {
	if n.field < 0 {
		return n.historyActual(p, at)
	}
	c := at.actuals
	if c == nil || n.field < 0 || n.field >= len(c.vals) {
		return actualValue(p, n.cond.Field, at)
	}
	if c.have&(1<<n.field) == 0 {
		c.vals[n.field] = actualValue(p, n.cond.Field, at)
		c.have |= 1 << n.field
	}
	return c.vals[n.field]
}

// fieldIndex numbers the fields of huiqi.Fields, for caches.
var fieldIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range huiqi.Fields {
		m[f.Name] = i
	}
	return m
}()

func newAsOf(d huiqi.Date) asOf {
	t := d.Time()
	return asOf{date: d, ymd: int64(t.Year()*10000 + int(t.Month())*100 + t.Day()), days: d.Days()}
}

// wholeYears returns the whole years from the yyyymmdd date from to the
// yyyymmdd date to, rounded down: a date before founding gives a negative
// age, as huiqi.Date.YearsSince does, not 0.
func wholeYears(to, from int64) int64 {
	d := to - from
	if d < 0 {
		return -((-d + 9999) / 10000)
	}
	return d / 10000
}

// formatRatio writes rd/revenue rounded half up to millionths, splitting off
// the whole part first so that a ratio of any size cannot overflow.
func formatRatio(rd, revenue int64) string {
	q, frac := rd/revenue, roundDiv(rd%revenue, policies.RatioScale, revenue)
	if frac == policies.RatioScale {
		q, frac = q+1, 0
	}
	s := strconv.FormatInt(q, 10)
	if frac != 0 {
		s += policies.FormatDecimal(frac)[1:]
	}
	return s
}

func ymdOf(days int64) int64 {
	t := huiqi.DateFromDays(int32(days)).Time()
	return int64(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

func textOf(p *Profile, field string) string {
	e := p.Enterprise
	switch field {
	case "credit_code":
		return e.CreditCode
	case "name":
		return e.Name
	case "region":
		return e.Region
	case "industry":
		return e.Industry
	case "tax_credit":
		return e.TaxCredit
	case "scale":
		return p.scale
	case "business_scope":
		return e.BusinessScope
	case "main_products":
		return e.MainProducts
	}
	return ""
}

// tri is a truth value of three-valued (Kleene) logic, ordered false <
// unknown < true so that and is min, or is max and not is 2 − x: a profile
// that lacks a figure neither meets nor fails a condition on it.
type tri uint8

const (
	triFalse tri = iota
	triUnknown
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// known reports whether p has the value the leaf reads. The tags and the
// dishonesty flag are always known: their lists are authoritative, so that
// absence means "not held".
func (n *node) known(p *Profile) bool {
	switch n.acc {
	case accTags, accDishonest, accIncident:
		return true
	case accOver, accYearly, accGrant, accReview:
		return false // known or not on the row: see historyLeaf
	case accAboveSize:
		return p.aboveKnown
	case accText, accWords:
		return textOf(p, n.text) != ""
	case accRatio:
		return p.has(slotRDExpense) && p.has(slotRevenue)
	case accAge:
		return p.has(slotFoundedOn)
	}
	return p.has(n.slot)
}

// evalLeaf returns the truth of the leaf for p: unknown on a value p lacks.
func (n *node) evalLeaf(p *Profile, at *asOf) tri {
	switch n.acc {
	case accOver, accYearly, accGrant, accIncident, accReview:
		return n.historyLeaf(p, at)
	}
	if !n.known(p) {
		return triUnknown
	}
	switch n.acc {
	case accTags:
		tags := p.tagsOn(at.days)
		switch n.op {
		case opHas, opHasAll:
			return triOf(tags&n.mask == n.mask)
		case opHasAny:
			return triOf(tags&n.mask != 0)
		}
		return triFalse
	case accDishonest:
		return triOf(n.holdsFlag(p.Enterprise.Dishonest))
	case accAboveSize:
		return triOf(n.holdsFlag(p.aboveSize))
	case accText:
		return triOf(n.holdsText(textOf(p, n.text)))
	case accWords:
		return triOf(n.holdsWords(textOf(p, n.text)))
	case accRatio:
		return triOf(n.compareRatio(p.nums[slotRDExpense], p.nums[slotRevenue]))
	case accAge:
		return triOf(n.compareInt(wholeYears(at.ymd, p.foundedYMD)))
	}
	return triOf(n.compareInt(p.nums[n.slot]))
}

// missingFields appends the profile fields p lacks that decide the leaf:
// for a derived field, the figures it is derived from.
func (n *node) missingFields(p *Profile, at *asOf, out []string) []string {
	add := func(field string) {
		if !slices.Contains(out, field) {
			out = append(out, field)
		}
	}
	switch n.acc {
	case accOver, accYearly, accGrant:
		return n.historyMissing(p, at, out)
	case accReview:
		return out // an official's finding settles it, no field
	case accRatio:
		if !p.has(slotRevenue) {
			add("revenue")
		}
		if !p.has(slotRDExpense) {
			add("rd_expense")
		}
	case accAboveSize:
		add("revenue")
	case accAge:
		add("founded_on")
	case accText:
		if n.text != "scale" {
			add(n.text)
			break
		}
		// A scale not given is derived from these figures.
		e, before := p.Enterprise, len(out)
		if e.Employees == nil {
			add("employees")
		}
		if e.Revenue == nil {
			add("revenue")
		}
		if e.TotalAssets == nil {
			add("total_assets")
		}
		if len(out) == before {
			add("scale")
		}
	default:
		add(n.cond.Field)
	}
	return out
}

// holdsFlag reports whether a leaf on a boolean field holds for the value v.
func (n *node) holdsFlag(v bool) bool { return (v == n.b) == (n.op == opEq) }

// holdsText reports whether a leaf on a text field holds for the known value
// v; "" is a missing value, for which the leaf is not true (it is unknown:
// callers that can meet "" test for it first).
func (n *node) holdsText(v string) bool { return v != "" && n.compareText(v) }

func (n *node) compareText(v string) bool {
	switch n.op {
	case opEq:
		return v == n.strs[0]
	case opNe:
		return v != n.strs[0]
	case opIn:
		return slices.Contains(n.strs, v)
	case opNotIn:
		return !slices.Contains(n.strs, v)
	case opPrefix:
		for _, s := range n.strs {
			if strings.HasPrefix(v, s) {
				return true
			}
		}
	}
	return false
}

func (n *node) compareInt(v int64) bool {
	switch n.op {
	case opEq:
		return v == n.ints[0]
	case opNe:
		return v != n.ints[0]
	case opIn:
		return slices.Contains(n.ints, v)
	case opNotIn:
		return !slices.Contains(n.ints, v)
	case opGt:
		return v > n.ints[0]
	case opGte:
		return v >= n.ints[0]
	case opLt:
		return v < n.ints[0]
	case opLte:
		return v <= n.ints[0]
	case opBetween:
		return v >= n.ints[0] && v <= n.ints[1]
	}
	return false
}

// compareRatio compares rd/revenue with millionths values exactly:
// rd/revenue ≥ v/10⁶ ⇔ rd·10⁶ ≥ v·revenue, in 128-bit arithmetic. A zero
// revenue gives a ratio of 0.
func (n *node) compareRatio(rd, revenue int64) bool {
	if revenue == 0 {
		return n.compareInt(0)
	}
	cmp := func(v int64) int { return cmp128(uint64(rd), policies.RatioScale, uint64(v), uint64(revenue)) }
	switch n.op {
	case opEq:
		return cmp(n.ints[0]) == 0
	case opNe:
		return cmp(n.ints[0]) != 0
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

// cmp128 compares a·b with c·d for non-negative operands without overflow.
func cmp128(a, b, c, d uint64) int {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	switch {
	case h1 != h2:
		return cmpUint(h1, h2)
	default:
		return cmpUint(l1, l2)
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// eval returns the truth of the tree for p under Kleene logic,
// short-circuiting on a false child of an all and a true child of an any.
func (n *node) eval(p *Profile, at *asOf) tri {
	switch n.kind {
	case kindAll:
		r := triTrue
		for _, c := range n.children {
			v := c.eval(p, at)
			if v == triFalse {
				return triFalse
			}
			r = min(r, v)
		}
		return r
	case kindAny:
		r := triFalse
		for _, c := range n.children {
			v := c.eval(p, at)
			if v == triTrue {
				return triTrue
			}
			r = max(r, v)
		}
		return r
	case kindNot:
		return triTrue - n.children[0].eval(p, at)
	}
	return n.evalLeaf(p, at)
}

// explain evaluates every leaf, without short-circuit, appending one check
// per leaf in document order, and returns the truth of the tree.
//
// Under an odd number of nots a leaf is a requirement not to hold: its check
// is marked negated and passes when the leaf does not hold, so that pass
// always means "this requirement is met".
func (n *node) explain(p *Profile, at *asOf, out *[]Check, negated bool) tri {
	switch n.kind {
	case kindAll, kindAny:
		all, any := triTrue, triFalse
		for _, c := range n.children {
			v := c.explain(p, at, out, negated)
			all, any = min(all, v), max(any, v)
		}
		if n.kind == kindAll {
			return all
		}
		return any
	case kindNot:
		return triTrue - n.children[0].explain(p, at, out, !negated)
	}
	v := n.evalLeaf(p, at)
	*out = append(*out, n.check(p, at, v, negated))
	return v
}

// Truth values as a check's pass: shared, since checks only read them.
var (
	passTrue  = true
	passFalse = false
)

// check explains the leaf n for p, given its truth; see explain for negated
// leaves.
func (n *node) check(p *Profile, at *asOf, v tri, negated bool) Check {
	shown := n.shown
	c := Check{
		Label:    shown.label,
		Field:    shown.name,
		Op:       shown.op,
		Required: shown.required,
		Actual:   at.actual(p, n),
		Negated:  negated,
	}
	switch {
	case v == triUnknown:
		c.Actual = nil // a derived value that cannot be derived shows as missing
	case (v == triTrue) != negated:
		c.Pass = &passTrue
	default:
		c.Pass = &passFalse
		c.Gap = n.gap(p, at, negated)
	}
	if negated {
		c.Label = shown.negLabel
	}
	return c
}

// actualValue returns the profile's value of a field as it appears in JSON,
// or nil when the profile lacks it.
func actualValue(p *Profile, field string, at *asOf) any {
	e := p.Enterprise
	switch field {
	case "tags":
		return p.tagsHeld(at.days)
	case "dishonest":
		return e.Dishonest
	case "above_designated_size":
		if !p.aboveKnown {
			return nil
		}
		return p.aboveSize
	case "employees":
		if e.Employees == nil {
			return nil
		}
		return *e.Employees
	case "founded_on":
		if !p.has(slotFoundedOn) {
			return nil
		}
		return e.FoundedOn.String()
	case "age_years":
		if !p.has(slotFoundedOn) {
			return nil
		}
		return wholeYears(at.ymd, p.foundedYMD)
	case "rd_ratio":
		if !p.has(slotRDExpense) || !p.has(slotRevenue) {
			return nil
		} else if p.nums[slotRevenue] == 0 {
			return json.Number("0")
		}
		return json.Number(formatRatio(p.nums[slotRDExpense], p.nums[slotRevenue]))
	}
	if slot, ok := moneySlots[field]; ok {
		if !p.has(slot) {
			return nil
		}
		return huiqi.Money(p.nums[slot])
	}
	if v := textOf(p, field); v != "" {
		return v
	}
	return nil
}

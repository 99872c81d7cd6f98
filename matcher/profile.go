// Package matcher is the rule evaluator: policies compiled once into
// evaluators, profiles flattened into typed values, verdicts with a
// per-condition explanation, near misses (差一项) and exact amounts.
package matcher

import (
	"math"
	"math/bits"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Numeric slots of a profile. Money is in fen, dates in days since 1970.
const (
	slotEmployees = iota
	slotRevenue
	slotTotalAssets
	slotRDExpense
	slotTaxPaid
	slotRegisteredCapital
	slotFoundedOn
	numSlots
)

var moneySlots = map[string]int{
	"revenue": slotRevenue, "total_assets": slotTotalAssets, "rd_expense": slotRDExpense,
	"tax_paid": slotTaxPaid, "registered_capital": slotRegisteredCapital,
}

// tagBits numbers the tag vocabulary so that a profile's tags are one word.
var tagBits = map[string]uint64{}

func init() {
	if len(huiqi.Tags()) > 64 {
		panic("matcher: more than 64 tags do not fit the tag bitset")
	}
	for i, t := range huiqi.Tags() {
		tagBits[t.Tag] = 1 << i
	}
}

// Profile is an enterprise flattened for evaluation: every field a rule can
// name is a typed value reached without maps or reflection.
type Profile struct {
	Enterprise *huiqi.Enterprise

	nums       [numSlots]int64
	present    uint16 // bit per numeric slot
	scale      string
	tags       uint64
	quals      []qualSpan // dated qualifications, which count as tags while in force
	aboveSize  bool
	aboveKnown bool  // above_designated_size is known: see NewProfile
	foundedYMD int64 // yyyymmdd of founded_on, for whole-year ages
	ratioKey   int64 // rd_ratio as an ordered integer, see ratioKeyOf

	// owner is the column store whose dictionary ids the profile carries,
	// set when a Matcher stores it, so that the decision path reads ids
	// instead of hashing strings.
	owner *columns
	ids   [numDicts]uint16
}

// NewProfile flattens e. The enterprise must not change afterwards.
func NewProfile(e *huiqi.Enterprise) *Profile {
	p := &Profile{Enterprise: e, scale: e.EffectiveScale(), aboveSize: huiqi.AboveDesignatedSize(e.Industry, e.Revenue)}
	set := func(slot int, v int64) {
		p.nums[slot] = v
		p.present |= 1 << slot
	}
	if e.Employees != nil {
		set(slotEmployees, *e.Employees)
	}
	for i, m := range [...]*huiqi.Money{e.Revenue, e.TotalAssets, e.RDExpense, e.TaxPaid, e.RegisteredCapital} {
		if m != nil {
			set(slotRevenue+i, int64(*m))
		}
	}
	if !e.FoundedOn.IsZero() {
		set(slotFoundedOn, int64(e.FoundedOn.Days()))
		p.foundedYMD = ymdOf(int64(e.FoundedOn.Days()))
	}
	// Only an enterprise of sections B, C and D can be 规模以上, and only
	// its revenue tells.
	p.aboveKnown = e.Revenue != nil || e.Industry == "" || !strings.ContainsRune("BCD", rune(e.Industry[0]))
	if p.has(slotRDExpense) && p.has(slotRevenue) {
		p.ratioKey = ratioKeyOf(p.nums[slotRDExpense], p.nums[slotRevenue])
	}
	for _, t := range e.Tags {
		p.tags |= tagBits[t]
	}
	for _, q := range e.Qualifications {
		span := qualSpan{bit: tagBits[q.Tag], from: q.GrantedOn.Days(), to: math.MaxInt32}
		if !q.ExpiresOn.IsZero() {
			span.to = q.ExpiresOn.Days()
		}
		p.quals = append(p.quals, span)
	}
	return p
}

// qualSpan is a dated qualification: its tag's bit, held from day from to
// day to, both included.
type qualSpan struct {
	bit      uint64
	from, to int32
}

// tagsOn returns the tags p holds on the day (days since 1970): the
// undated ones and the qualifications in force.
func (p *Profile) tagsOn(day int32) uint64 {
	tags := p.tags
	for _, q := range p.quals {
		if q.from <= day && day <= q.to {
			tags |= q.bit
		}
	}
	return tags
}

// tagsHeld lists the tags p holds on the day, sorted as a profile's tags
// are.
func (p *Profile) tagsHeld(day int32) []string {
	held := append([]string{}, p.Enterprise.Tags...)
	if len(p.quals) == 0 {
		return held
	}
	for _, q := range p.Enterprise.Qualifications {
		if !q.GrantedOn.After(huiqi.DateFromDays(day)) && (q.ExpiresOn.IsZero() || !q.ExpiresOn.Before(huiqi.DateFromDays(day))) {
			held = append(held, q.Tag)
		}
	}
	return huiqi.SortedTags(held)
}

func (p *Profile) has(slot int) bool { return p.present&(1<<slot) != 0 }

// maxRatioQuotient bounds the whole millionths of a ratio key: rule values
// of rd_ratio are at most 1000 (10⁹ millionths), so every larger ratio
// compares the same with all of them.
const maxRatioQuotient = 1 << 50

// ratioKeyOf maps rd/revenue to an integer that orders exactly like the
// ratio against every rule value v (in millionths): with q the whole
// millionths of the ratio, the key is 2q when the ratio is exactly q/10⁶
// and 2q+1 when it lies strictly between q and q+1. Then ratio = v ⇔
// key = 2v, ratio > v ⇔ key > 2v and ratio < v ⇔ key < 2v, so that rd_ratio
// leaves become integer ranges for the column paths without rounding. A
// zero revenue gives the ratio 0, as the evaluator has it.
func ratioKeyOf(rd, revenue int64) int64 {
	if revenue <= 0 || rd < 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(rd), policies.RatioScale)
	if hi >= uint64(revenue) {
		return 2*maxRatioQuotient + 1 // the quotient would not fit 64 bits
	}
	q, r := bits.Div64(hi, lo, uint64(revenue))
	if q >= maxRatioQuotient {
		return 2*maxRatioQuotient + 1
	}
	return int64(2*q + b2u(r != 0))
}

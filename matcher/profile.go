// Package matcher is the rule evaluator: policies compiled once into
// evaluators, profiles flattened into typed values, verdicts with a
// per-condition explanation, near misses (差一项) and exact amounts.
package matcher

import (
	"github.com/huiqi/huiqi"
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
	aboveSize  bool
	foundedYMD int64 // yyyymmdd of founded_on, for whole-year ages
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
	for name, slot := range moneySlots {
		if m := moneyOf(e, name); m != nil {
			set(slot, int64(*m))
		}
	}
	if !e.FoundedOn.IsZero() {
		set(slotFoundedOn, int64(e.FoundedOn.Days()))
		p.foundedYMD = ymdOf(int64(e.FoundedOn.Days()))
	}
	for _, t := range e.Tags {
		p.tags |= tagBits[t]
	}
	return p
}

func moneyOf(e *huiqi.Enterprise, name string) *huiqi.Money {
	switch name {
	case "revenue":
		return e.Revenue
	case "total_assets":
		return e.TotalAssets
	case "rd_expense":
		return e.RDExpense
	case "tax_paid":
		return e.TaxPaid
	case "registered_capital":
		return e.RegisteredCapital
	}
	return nil
}

func (p *Profile) has(slot int) bool { return p.present&(1<<slot) != 0 }

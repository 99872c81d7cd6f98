package matcher

import (
	"math/bits"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// amount computes the benefit of a profile, eligible or undetermined, in
// fen, or false when the policy gives no money figure, the figure it is a
// rate of is missing, no tier holds, or a tier before the first that holds
// is unknown (which tier applies is then unknown).
func (c *Compiled) amount(p *Profile, at *asOf) (huiqi.Money, bool) {
	a := c.Policy.Benefit.Amount
	if a == nil {
		return 0, false
	}
	if a.Tiers != nil {
		for _, t := range c.tiers {
			switch t.when.eval(p, at) {
			case triTrue:
				return formulaAmount(t.amount, p, t.slot, t.rich)
			case triUnknown:
				return 0, false
			}
		}
		return 0, false
	}
	return formulaAmount(a, p, c.slot, c.rich)
}

// richAmount reports whether a formula (not tiered) reads more than one
// flat figure of the profile: a figure across years, a yearly figure with
// no top-level twin, bands, a step or a cap from another figure. Those
// are computed by the policy's own formula, exactly; the others from the
// profile's numeric slots, which the columns hold too.
func richAmount(a *policies.Amount) bool {
	if a.Tiers != nil {
		return false
	}
	_, flat := moneySlots[a.Of]
	return a.Over != nil || a.Bands != nil || a.Step != nil || a.CapOf != nil || (a.Fixed == nil && !flat)
}

// formulaAmount computes a formula that is not tiered for p; slot is the
// numeric slot of its figure and rich says whether it needs more.
func formulaAmount(a *policies.Amount, p *Profile, slot int, rich bool) (huiqi.Money, bool) {
	if rich {
		return a.Compute(p.Enterprise)
	}
	return simpleAmount(a, p.nums[slot], p.has(slot))
}

// simpleAmount is a fixed sum, or the rate of the figure v (present
// when has) with cap and floor.
func simpleAmount(a *policies.Amount, v int64, has bool) (huiqi.Money, bool) {
	t := termsOf(a)
	return t.of(v, has)
}

// rateAmount applies a rate amount to a present figure.
func rateAmount(a *policies.Amount, fig int64) huiqi.Money {
	t := termsOf(a)
	return t.rateOf(fig)
}

// terms are the figures of a simple amount (a fixed sum, or a rate with
// cap and floor), copied out of the policy's pointers so that the policy
// index holds them in its own plan.
type terms struct {
	fixed, cap, floor         huiqi.Money
	rate                      int64
	isFixed, hasCap, hasFloor bool
}

func termsOf(a *policies.Amount) terms {
	var t terms
	if a.Fixed != nil {
		t.fixed, t.isFixed = *a.Fixed, true
	}
	if a.Rate != nil {
		t.rate = int64(*a.Rate)
	}
	if a.Cap != nil {
		t.cap, t.hasCap = *a.Cap, true
	}
	if a.Floor != nil {
		t.floor, t.hasFloor = *a.Floor, true
	}
	return t
}

// of is simpleAmount.
func (t *terms) of(v int64, has bool) (huiqi.Money, bool) {
	if t.isFixed {
		return t.fixed, true
	}
	if !has {
		return 0, false
	}
	return t.rateOf(v), true
}

// rateOf is rateAmount.
func (t *terms) rateOf(fig int64) huiqi.Money {
	var v huiqi.Money
	if hi, lo := bits.Mul64(uint64(fig), uint64(t.rate)); hi == 0 {
		// The common case, the product within 64 bits: a division by the
		// constant scale, which the compiler makes a multiplication,
		// rather than roundDiv's 128-bit one; the same rounding.
		q, r := lo/policies.RatioScale, lo%policies.RatioScale
		v = huiqi.Money(q + b2u(2*r >= policies.RatioScale))
	} else {
		v = huiqi.Money(roundDiv(fig, t.rate, policies.RatioScale))
	}
	if t.hasCap && v > t.cap {
		v = t.cap
	}
	if t.hasFloor && v < t.floor {
		v = t.floor
	}
	return v
}

// roundDiv returns a·b/c rounded half up, for non-negative a, b and positive
// c, in 128-bit intermediate arithmetic so that no product overflows.
func roundDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c)) // hi < c holds: amounts are bounded (huiqi.Money)
	if 2*r >= uint64(c) {
		q++
	}
	return int64(q)
}

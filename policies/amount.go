package policies

import (
	"math/big"

	"github.com/huiqi/huiqi"
)

// Compute returns the money of a formula that is not tiered (a tier's
// own formula included) for the profile e: fixed, or a rate, bands or a
// step of the base figure with cap and floor; then cap_of, last, so
// that a cap taken from another figure limits even the floor. It
// computes in exact rationals and rounds half up to the fen once, at the
// end. known is false when a figure it needs is missing (the base, the
// previous year a growth bound is a share of, the cap_of figure): the
// amount is unknown, never zero. A falling base (a negative increase)
// earns nothing.
func (a *Amount) Compute(e *huiqi.Enterprise) (m huiqi.Money, known bool) {
	if a.Tiers != nil {
		return 0, false
	}
	if a.Fixed != nil {
		return a.capOf(e, *a.Fixed)
	}
	base, ok := figureOf(e, a.Of, a.Over)
	if !ok {
		return 0, false
	}
	if base.Sign() < 0 {
		base.SetInt64(0)
	}
	var v *big.Rat
	switch {
	case a.Rate != nil:
		v = new(big.Rat).Mul(base, rateRat(*a.Rate))
	case a.Step != nil:
		// whole steps: ⌊num / (den·per)⌋, the base being ≥ 0
		steps := new(big.Int).Quo(base.Num(), new(big.Int).Mul(base.Denom(), big.NewInt(int64(a.Step.Per))))
		v = new(big.Rat).SetInt(steps.Mul(steps, big.NewInt(int64(a.Step.Fixed))))
	default:
		var scale *big.Rat // what a growth bound is a share of
		if a.Bands[0].UptoGrowth != nil {
			prev, ok := e.Aggregate(a.Of, huiqi.Over{Agg: huiqi.AggPrev})
			if !ok {
				return 0, false
			}
			scale = prev
		}
		v = banded(base, a.Bands, scale)
	}
	m = roundHalfUp(v)
	if a.Cap != nil && m > *a.Cap {
		m = *a.Cap
	}
	if a.Floor != nil && m < *a.Floor {
		m = *a.Floor
	}
	return a.capOf(e, m)
}

// capOf limits m by the cap_of figure, if any; known is false when that
// figure is missing.
func (a *Amount) capOf(e *huiqi.Enterprise, m huiqi.Money) (huiqi.Money, bool) {
	c := a.CapOf
	if c == nil {
		return m, true
	}
	limit, ok := figureOf(e, c.Field, c.Over)
	if !ok {
		return 0, false
	}
	if c.Rate != nil {
		limit.Mul(limit, rateRat(*c.Rate))
	}
	return min(m, roundHalfUp(limit)), true
}

// banded sums each band's rate of the part of base inside the band. Growth
// bounds are shares of scale; amount bounds are fen.
func banded(base *big.Rat, bands []Band, scale *big.Rat) *big.Rat {
	sum, lo := new(big.Rat), new(big.Rat)
	for _, b := range bands {
		part := new(big.Rat).Sub(base, lo)
		var hi *big.Rat
		switch {
		case b.UptoGrowth != nil:
			hi = new(big.Rat).Mul(rateRat(*b.UptoGrowth), scale)
		case b.Upto != nil:
			hi = new(big.Rat).SetInt64(int64(*b.Upto))
		}
		if hi != nil {
			if width := new(big.Rat).Sub(hi, lo); part.Cmp(width) > 0 {
				part = width
			}
		}
		if part.Sign() <= 0 {
			break
		}
		sum.Add(sum, part.Mul(part, rateRat(*b.Rate)))
		lo = hi
	}
	return sum
}

// figureOf reads a money figure: the latest value, or over the years.
func figureOf(e *huiqi.Enterprise, field string, o *huiqi.Over) (*big.Rat, bool) {
	if o != nil {
		return e.Aggregate(field, *o)
	}
	n, ok := e.Figure(field)
	if !ok {
		return nil, false
	}
	return new(big.Rat).SetInt64(n), true
}

func rateRat(r Rate) *big.Rat { return big.NewRat(int64(r), RatioScale) }

// roundHalfUp rounds a non-negative r to the nearest fen, halves up; a
// negative r gives 0.
func roundHalfUp(r *big.Rat) huiqi.Money {
	if r.Sign() <= 0 {
		return 0
	}
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom())
	n.Quo(n, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if !n.IsInt64() {
		return huiqi.Money(1<<63 - 1)
	}
	return huiqi.Money(n.Int64())
}

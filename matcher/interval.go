package matcher

import (
	"math"
	"slices"
)

// ival is the closed range [lo, hi] of a numeric column's values.
type ival struct{ lo, hi int64 }

const (
	minInt = math.MinInt64
	maxInt = math.MaxInt64
)

// contains reports whether v lies in one of the sorted ranges.
func contains(ivs []ival, v int64) bool {
	for _, iv := range ivs {
		if v < iv.lo {
			return false
		}
		if v <= iv.hi {
			return true
		}
	}
	return false
}

// intervals returns the values of the leaf's numeric column for which the
// leaf holds, as sorted disjoint ranges, on the date at: every numeric leaf,
// derived ones included, is a set of ranges of one column, which both column
// paths evaluate without the row. A missing value is not in any range; the
// presence bitmaps decide that.
func (n *node) intervals(at *asOf) []ival {
	switch n.acc {
	case accRatio:
		return n.ratioIntervals()
	case accAge:
		return ageIntervals(n.intIntervals(), at)
	case accInt:
		ivs := n.intIntervals()
		if n.slot == slotFoundedOn {
			// Days to yyyymmdd: both order dates alike.
			for i := range ivs {
				if ivs[i].lo != minInt {
					ivs[i].lo = ymdOf(ivs[i].lo)
				}
				if ivs[i].hi != maxInt {
					ivs[i].hi = ymdOf(ivs[i].hi)
				}
			}
		}
		return ivs
	}
	panic("matcher: intervals of a non-numeric leaf")
}

// intIntervals returns the integers for which compareInt holds.
func (n *node) intIntervals() []ival {
	v := n.ints
	switch n.op {
	case opEq:
		return []ival{{v[0], v[0]}}
	case opNe:
		return complement([]ival{{v[0], v[0]}})
	case opIn:
		return points(v)
	case opNotIn:
		return complement(points(v))
	case opGt:
		if v[0] == maxInt {
			return nil
		}
		return []ival{{v[0] + 1, maxInt}}
	case opGte:
		return []ival{{v[0], maxInt}}
	case opLt:
		if v[0] == minInt {
			return nil
		}
		return []ival{{minInt, v[0] - 1}}
	case opLte:
		return []ival{{minInt, v[0]}}
	case opBetween:
		if v[0] > v[1] {
			return nil
		}
		return []ival{{v[0], v[1]}}
	}
	return nil
}

// ratioIntervals returns the ratio keys (see ratioKeyOf) for which
// compareRatio holds: the ratio equals v exactly at key 2v, and lies above
// it from 2v+1. Rule values are at most 10⁹, so nothing overflows.
func (n *node) ratioIntervals() []ival {
	v := n.ints
	switch n.op {
	case opEq:
		return []ival{{2 * v[0], 2 * v[0]}}
	case opNe:
		return complement([]ival{{2 * v[0], 2 * v[0]}})
	case opGt:
		return []ival{{2*v[0] + 1, maxInt}}
	case opGte:
		return []ival{{2 * v[0], maxInt}}
	case opLt:
		return []ival{{minInt, 2*v[0] - 1}}
	case opLte:
		return []ival{{minInt, 2 * v[0]}}
	case opBetween:
		if v[0] > v[1] {
			return nil
		}
		return []ival{{2 * v[0], 2 * v[1]}}
	}
	return nil // as compareRatio: no other operator holds
}

// maxAge bounds ages in years: yyyymmdd dates differ by less than 10⁸, so
// whole years lie within ±10⁴ and any bound beyond ±10⁶ acts as no bound.
const maxAge = 1_000_000

// ageIntervals turns ranges of age_years into ranges of the founding date
// as yyyymmdd. The age as of at is ⌊(at − f)/10000⌋ with both dates as
// yyyymmdd (see wholeYears), so a ≤ age ≤ b ⇔ at − 10000b − 9999 ≤ f ≤
// at − 10000a: exact on every date, 29 February included.
func ageIntervals(ages []ival, at *asOf) []ival {
	out := make([]ival, 0, len(ages))
	for _, a := range slices.Backward(ages) { // the map reverses order
		f := ival{minInt, maxInt}
		if a.hi != maxInt {
			f.lo = at.ymd - 10000*min(max(a.hi, -maxAge), maxAge) - 9999
		}
		if a.lo != minInt {
			f.hi = at.ymd - 10000*min(max(a.lo, -maxAge), maxAge)
		}
		out = append(out, f)
	}
	return out
}

// points returns the values as sorted, merged one-value ranges.
func points(vs []int64) []ival {
	s := slices.Clone(vs)
	slices.Sort(s)
	s = slices.Compact(s)
	out := make([]ival, len(s))
	for i, v := range s {
		out[i] = ival{v, v}
	}
	return out
}

// complement returns the int64 values outside the sorted disjoint ranges.
func complement(ivs []ival) []ival {
	var out []ival
	next, open := int64(minInt), true // next value not yet covered
	for _, iv := range ivs {
		if iv.lo > next {
			out = append(out, ival{next, iv.lo - 1})
		}
		if iv.hi == maxInt {
			open = false
			break
		}
		next = iv.hi + 1
	}
	if open {
		out = append(out, ival{next, maxInt})
	}
	return out
}

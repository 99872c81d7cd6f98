package huiqi

import (
	"math/big"
	"math/bits"
)

// Over says how a rule reads a yearly figure across the latest fiscal
// years (those counted back from LatestFiscalYear).
type Over struct {
	// Years is how many years sum, avg, min and max read, and how many
	// year-on-year rates avg_growth and min_growth read (Years + 1 years
	// of data); prev, increase and growth take none.
	Years int    `json:"years,omitempty"`
	Agg   string `json:"agg"`
}

// Aggregates of Over.
const (
	AggSum       = "sum"        // 合计
	AggAvg       = "avg"        // 平均
	AggMin       = "min"        // 最低
	AggMax       = "max"        // 最高
	AggPrev      = "prev"       // 上年度 (the year before the latest)
	AggIncrease  = "increase"   // 同比增量: latest − previous
	AggGrowth    = "growth"     // 同比增速: latest / previous − 1
	AggAvgGrowth = "avg_growth" // 年均增速: mean of Years yearly rates
	AggMinGrowth = "min_growth" // 逐年增速的最低值: smallest of Years yearly rates
)

// Aggs lists the aggregates in the order documentation shows them.
var Aggs = []string{AggSum, AggAvg, AggMin, AggMax, AggPrev, AggIncrease, AggGrowth, AggAvgGrowth, AggMinGrowth}

// AggTakesYears reports whether agg reads a number of years.
func AggTakesYears(agg string) bool {
	switch agg {
	case AggSum, AggAvg, AggMin, AggMax, AggAvgGrowth, AggMinGrowth:
		return true
	}
	return false
}

// AggIsRate reports whether agg yields a rate (an exact fraction, 0.05 for
// 5%) rather than a value in the figure's own unit.
func AggIsRate(agg string) bool {
	return agg == AggGrowth || agg == AggAvgGrowth || agg == AggMinGrowth
}

// Aggregate computes o over the yearly field, counting back from the
// profile's latest fiscal year, as an exact rational: in fen for money
// figures (avg may fall between two fen), in persons for employees, as a
// plain fraction for rates and for rd_ratio (0.05 is 1/20), and 1 or 0 for
// above_designated_size (whose only aggregate is prev). ok is false when a
// year or a figure it needs is missing, or a rate's base is zero (a growth
// over a year of nothing, rd_ratio over no revenue): the value is unknown,
// never zero. Growth over a negative base cannot arise: figures are ≥ 0.
func (e *Enterprise) Aggregate(field string, o Over) (v *big.Rat, ok bool) {
	latest, ok := e.LatestFiscalYear()
	if !ok {
		return nil, false
	}
	if field == "above_designated_size" {
		if o.Agg != AggPrev {
			return nil, false
		}
		above, known := e.AboveSizeIn(latest - 1)
		if !known {
			return nil, false
		}
		return big.NewRat(int64(b2i(above)), 1), true
	}
	// year returns the field's value in year y, a ratio for rd_ratio.
	year := func(y int) (*big.Rat, bool) {
		if field == "rd_ratio" {
			rd, ok1 := e.YearFigure("rd_expense", y)
			rev, ok2 := e.YearFigure("revenue", y)
			if !ok1 || !ok2 || rev == 0 {
				return nil, false
			}
			return big.NewRat(rd, rev), true
		}
		n, ok := e.YearFigure(field, y)
		if !ok {
			return nil, false
		}
		return new(big.Rat).SetInt64(n), true
	}
	// growth returns the rate of year y over the year before.
	growth := func(y int) (*big.Rat, bool) {
		cur, ok1 := year(y)
		prev, ok2 := year(y - 1)
		if !ok1 || !ok2 || prev.Sign() == 0 {
			return nil, false
		}
		r := new(big.Rat).Sub(cur, prev)
		return r.Quo(r, prev), true
	}
	switch o.Agg {
	case AggPrev:
		return year(latest - 1)
	case AggIncrease:
		cur, ok1 := year(latest)
		prev, ok2 := year(latest - 1)
		if !ok1 || !ok2 {
			return nil, false
		}
		return cur.Sub(cur, prev), true
	case AggGrowth:
		return growth(latest)
	case AggSum, AggAvg, AggMin, AggMax, AggAvgGrowth, AggMinGrowth:
	default:
		return nil, false
	}
	if o.Years < 1 || o.Years > MaxHistoryYears {
		return nil, false
	}
	if field == "rd_ratio" && o.Agg == AggSum {
		// 研发费用总额占销售收入总额: the ratio of the sums.
		var rd, rev int64
		for y := latest - o.Years + 1; y <= latest; y++ {
			r, ok1 := e.YearFigure("rd_expense", y)
			s, ok2 := e.YearFigure("revenue", y)
			if !ok1 || !ok2 {
				return nil, false
			}
			rd, rev = rd+r, rev+s
		}
		if rev == 0 {
			return nil, false
		}
		return big.NewRat(rd, rev), true
	}
	each := year
	if o.Agg == AggAvgGrowth || o.Agg == AggMinGrowth {
		each = growth
	}
	var acc *big.Rat
	for y := latest - o.Years + 1; y <= latest; y++ {
		v, ok := each(y)
		if !ok {
			return nil, false
		}
		switch {
		case acc == nil:
			acc = v
		case o.Agg == AggMin || o.Agg == AggMinGrowth:
			if v.Cmp(acc) < 0 {
				acc = v
			}
		case o.Agg == AggMax:
			if v.Cmp(acc) > 0 {
				acc = v
			}
		default:
			acc.Add(acc, v)
		}
	}
	if o.Agg == AggAvg || o.Agg == AggAvgGrowth {
		acc.Quo(acc, big.NewRat(int64(o.Years), 1))
	}
	return acc, true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CompareRat compares the exact value r with the rule value v/scale (scale
// 1 for fen and whole numbers, RatioScale-style millionths for rates): -1,
// 0 or +1 as r is less than, equal to or greater than it. It is exact: no
// rounding to the scale happens.
func CompareRat(r *big.Rat, v, scale int64) int {
	// r.Num/r.Denom vs v/scale ⇔ r.Num·scale vs v·r.Denom (both
	// denominators positive).
	if r.Num().IsInt64() && r.Denom().IsInt64() {
		return cmpProducts(r.Num().Int64(), scale, v, r.Denom().Int64())
	}
	lhs := new(big.Int).Mul(r.Num(), big.NewInt(scale))
	rhs := new(big.Int).Mul(big.NewInt(v), r.Denom())
	return lhs.Cmp(rhs)
}

// cmpProducts compares a·b with c·d for b, d > 0, in 128-bit arithmetic
// so that no product overflows.
func cmpProducts(a, b, c, d int64) int {
	if (a < 0) != (c < 0) {
		if a < 0 {
			return -1
		}
		return 1
	}
	hi1, lo1 := bits.Mul64(abs64(a), uint64(b))
	hi2, lo2 := bits.Mul64(abs64(c), uint64(d))
	r := 0
	switch {
	case hi1 < hi2 || (hi1 == hi2 && lo1 < lo2):
		r = -1
	case hi1 > hi2 || lo1 > lo2:
		r = 1
	}
	if a < 0 {
		r = -r
	}
	return r
}

func abs64(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

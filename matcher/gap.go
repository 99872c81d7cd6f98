package matcher

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// gap says in Chinese how far p is from meeting the failing leaf n (差多少):
// for a figure the difference ("营业收入还差320万元", "研发费用占营业收入比例
// 还差0.5个百分点", "成立年限还差1年"), for qualifications only those lacking
// ("尚未取得：绿色工厂"), never the whole list. Negated is the leaf's
// requirement not to hold. It is "" where no distance applies (a code, a
// date, equality).
func (n *node) gap(p *Profile, at *asOf, negated bool) string {
	if n.acc == accTags {
		return n.tagGap(p, negated)
	}
	if n.acc == accWords && !negated {
		return n.wordsGap(p)
	}
	op := n.op
	if negated {
		// not (v ≥ x) is v < x, and so on; other operators have no distance.
		var ok bool
		if op, ok = negatedOps[op]; !ok {
			return ""
		}
	}
	f := &n.shown.field
	switch n.acc {
	case accOver, accYearly:
		return n.historyGap(p, op)
	case accRatio:
		return ratioGap(f.Label, op, n.ints, p.nums[slotRDExpense], p.nums[slotRevenue])
	case accAge:
		unit := func(v int64) string { return strconv.FormatInt(v, 10) + f.Unit }
		return intGap(f.Label, op, n.ints, wholeYears(at.ymd, p.foundedYMD), 1, unit)
	case accInt:
		switch {
		case n.slot == slotFoundedOn:
			return ""
		case f.Type == huiqi.TypeMoney:
			return intGap(f.Label, op, n.ints, p.nums[n.slot], 1, func(v int64) string { return huiqi.Money(v).Text() })
		}
		unit := func(v int64) string { return strconv.FormatInt(v, 10) + f.Unit }
		return intGap(f.Label, op, n.ints, p.nums[n.slot], 1, unit)
	}
	return ""
}

var negatedOps = map[opcode]opcode{opGte: opLt, opGt: opLte, opLt: opGte, opLte: opGt}

// intGap writes the distance of the value v from the bound of op: what is
// lacking below a lower bound, what is over an upper one. step is the
// smallest difference (a fen, a person, a year), so that "more than x"
// lacks x − v + step.
func intGap(label string, op opcode, bound []int64, v, step int64, text func(int64) string) string {
	switch op {
	case opGte:
		return label + "还差" + text(bound[0]-v)
	case opGt:
		return label + "还差" + text(bound[0]-v+step)
	case opLte:
		return label + "超出" + text(v-bound[0])
	case opLt:
		return label + "超出" + text(v-bound[0]+step)
	case opBetween:
		if v < bound[0] {
			return label + "还差" + text(bound[0]-v)
		}
		return label + "超出" + text(v-bound[1])
	}
	return ""
}

// ratioGap writes the distance of rd/revenue from a bound in millionths, in
// percentage points rounded up to the hundredth, so that the gap stated is
// always enough: a zero revenue is the ratio 0.
func ratioGap(label string, op opcode, bound []int64, rd, revenue int64) string {
	// The ratio in millionths, as a floor and whether it is exact.
	var q int64
	exact := true
	if revenue > 0 {
		hi, lo := bits.Mul64(uint64(rd), policies.RatioScale)
		if hi >= uint64(revenue) {
			return ""
		}
		u, r := bits.Div64(hi, lo, uint64(revenue))
		q, exact = int64(u), r == 0
	}
	// below is how far the ratio lies under x, above how far over it, both
	// in millionths rounded up.
	below := func(x int64) int64 { return x - q }
	above := func(x int64) int64 {
		if exact {
			return q - x
		}
		return q + 1 - x
	}
	// Strict bounds need one millionth more when the ratio sits on them.
	var onBound int64
	if exact && q == bound[0] {
		onBound = 1
	}
	var text string
	switch op {
	case opGte:
		text = "还差" + percentPoints(below(bound[0]))
	case opGt:
		text = "还差" + percentPoints(below(bound[0])+onBound)
	case opLte:
		text = "超出" + percentPoints(above(bound[0]))
	case opLt:
		text = "超出" + percentPoints(above(bound[0])+onBound)
	case opBetween:
		if below(bound[0]) > 0 {
			text = "还差" + percentPoints(below(bound[0]))
		} else {
			text = "超出" + percentPoints(above(bound[1]))
		}
	default:
		return ""
	}
	return label + text
}

// percentPoints writes millionths of a ratio as percentage points, rounded up to
// the hundredth: 5000 millionths is "0.5个百分点".
func percentPoints(m int64) string {
	h := (max(m, 0) + 99) / 100 // hundredths of a point
	s := strconv.FormatInt(h/100, 10)
	if frac := h % 100; frac != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(100+frac, 10)[1:], "0")
	}
	return s + "个百分点"
}

// tagGap names the qualifications a failing tag leaf lacks, or under not
// those held that it excludes.
func (n *node) tagGap(p *Profile, negated bool) string {
	var names []string
	for i, mask := range n.shown.tagMasks {
		if held := p.tags&mask != 0; held == negated {
			names = append(names, n.shown.tagNames[i])
		}
	}
	switch {
	case len(names) == 0:
		return ""
	case negated:
		return "企业现为：" + strings.Join(names, "、")
	case len(names) == len(n.shown.tagNames):
		return n.shown.lacksAll // the usual near miss: none held, named when compiled
	}
	return lackingText(n.op, names)
}

// lackingText says which of the qualifications a has or has_any leaf
// requires are lacking, given their names.
func lackingText(op opcode, names []string) string {
	if op == opHasAny && len(names) > 1 {
		return "尚未取得以下任一项：" + strings.Join(names, "、")
	}
	return "尚未取得：" + strings.Join(names, "、")
}

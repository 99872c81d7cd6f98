package policies

import (
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
)

var opSymbols = map[string]string{
	huiqi.OpEq: "为", huiqi.OpNe: "不为", huiqi.OpIn: "属于", huiqi.OpNotIn: "不属于",
	huiqi.OpGt: ">", huiqi.OpGte: "≥", huiqi.OpLt: "<", huiqi.OpLte: "≤", huiqi.OpBetween: "介于",
	huiqi.OpPrefix: "属于", huiqi.OpHas: "具有", huiqi.OpHasAny: "具有其一", huiqi.OpHasAll: "全部具有",
}

// DisplayLabel returns the leaf's label, or a Chinese one generated from its
// field, operator and value, such as "从业人员 ≥ 50人".
func (c *Condition) DisplayLabel() string {
	if c.Label != "" {
		return c.Label
	}
	f, _ := huiqi.LookupField(c.Field)
	if f.Type == huiqi.TypeBool {
		if c.Arg.Bool == (c.Op == huiqi.OpEq) {
			return f.Label
		}
		return "非" + f.Label
	}
	values := make([]string, 0, len(c.Arg.Strs)+len(c.Arg.Ints))
	for _, s := range c.Arg.Strs {
		values = append(values, DisplayString(f, s))
	}
	for _, n := range c.Arg.Ints {
		values = append(values, DisplayNumber(f, n))
	}
	sep := "、"
	if c.Op == huiqi.OpBetween {
		sep = " 至 "
	}
	return f.Label + " " + opSymbols[c.Op] + " " + strings.Join(values, sep)
}

// DisplayString names a code, enum value or tag in Chinese: "350582" → "晋江市".
func DisplayString(f huiqi.Field, s string) string {
	switch f.Name {
	case "region":
		if r, ok := huiqi.LookupRegion(s); ok {
			return r.Name
		}
		switch s {
		case "35":
			return "福建省"
		case "3505":
			return "泉州市"
		}
	case "industry":
		if i, ok := huiqi.LookupIndustry(s); ok {
			return i.Name
		}
	case "tags":
		if t, ok := huiqi.LookupTag(s); ok {
			return t.Name
		}
	case "scale":
		return huiqi.ScaleLabel(s)
	}
	return s
}

// DisplayNumber writes a typed number with its unit: money in 万元 or 元,
// ratios as percentages, dates as YYYY-MM-DD.
func DisplayNumber(f huiqi.Field, n int64) string {
	switch f.Type {
	case huiqi.TypeMoney:
		if n != 0 && n%1_000_000 == 0 {
			return strconv.FormatInt(n/1_000_000, 10) + "万元"
		}
		return huiqi.Money(n).String() + "元"
	case huiqi.TypeRatio:
		return FormatDecimal(n*100) + "%"
	case huiqi.TypeDate:
		return huiqi.DateFromDays(int32(n)).String()
	}
	return strconv.FormatInt(n, 10) + f.Unit
}

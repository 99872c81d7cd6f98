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
	if c.Review != "" {
		return c.Review
	}
	f, _ := huiqi.LookupField(c.Field)
	if l, ok := c.historyLabel(f); ok {
		return l
	}
	if f.Type == huiqi.TypeWords {
		// 经营范围含「鞋」或「服装」, 主营产品含「陶瓷」和「卫浴」.
		join := "或"
		if c.Op == huiqi.OpContainsAll {
			join = "和"
		}
		return f.Label + "含「" + strings.Join(c.Arg.Strs, "」"+join+"「") + "」"
	}
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

// phraseOps words comparisons as a sentence does: 不少于1000万元.
var phraseOps = map[string]string{
	huiqi.OpEq: "为", huiqi.OpNe: "不为", huiqi.OpGt: "超过", huiqi.OpGte: "不少于",
	huiqi.OpLt: "少于", huiqi.OpLte: "不超过", huiqi.OpBetween: "介于", huiqi.OpIn: "为", huiqi.OpNotIn: "不为",
}

// rateOps words comparisons of rates: 增长不低于5%.
var rateOps = map[string]string{
	huiqi.OpEq: "为", huiqi.OpNe: "不为", huiqi.OpGt: "高于", huiqi.OpGte: "不低于",
	huiqi.OpLt: "低于", huiqi.OpLte: "不高于", huiqi.OpBetween: "介于", huiqi.OpIn: "为", huiqi.OpNotIn: "不为",
}

// historyLabel generates the label of a leaf that reads history: figures
// over years (近3年营业收入合计不少于1000万元), grant dates (2026年内新认定高新技术企业)
// and incident counts (近3年未发生较大及以上安全事故).
func (c *Condition) historyLabel(f huiqi.Field) (string, bool) {
	switch {
	case c.Over != nil:
		return c.overLabel(f), true
	case f.Tagged:
		return c.grantLabel(f), true
	case c.Incident != nil:
		return c.incidentLabel(), true
	}
	return "", false
}

func (c *Condition) overLabel(f huiqi.Field) string {
	o := c.Over
	n := strconv.Itoa(o.Years)
	if f.Name == "above_designated_size" {
		if c.Arg.Bool == (c.Op == huiqi.OpEq) {
			return "上年度为规模以上企业"
		}
		return "上年度未达规模以上"
	}
	var subject string
	switch o.Agg {
	case huiqi.AggSum:
		subject = "近" + n + "年" + f.Label + "合计"
		if f.Name == "rd_ratio" {
			subject = "近" + n + "年研发费用总额占营业收入总额比例"
		}
	case huiqi.AggAvg:
		subject = "近" + n + "年" + f.Label + "年均"
	case huiqi.AggMin:
		subject = "近" + n + "年" + f.Label + "每年均"
	case huiqi.AggMax:
		subject = "近" + n + "年" + f.Label + "最高"
	case huiqi.AggPrev:
		subject = "上年度" + f.Label
	case huiqi.AggIncrease:
		subject = f.Label + "同比增量"
	case huiqi.AggGrowth:
		subject = f.Label + "同比增长"
	case huiqi.AggAvgGrowth:
		subject = "近" + n + "年" + f.Label + "年均增长"
	case huiqi.AggMinGrowth:
		if c.Op == huiqi.OpGt && len(c.Arg.Ints) == 1 && c.Arg.Ints[0] == 0 {
			return "近" + n + "年" + f.Label + "逐年增长"
		}
		subject = "近" + n + "年" + f.Label + "每年增长"
	}
	vf := f
	vf.Type = f.OverType(o.Agg)
	ops := phraseOps
	if vf.Type == huiqi.TypeRatio {
		ops = rateOps
	}
	return subject + ops[c.Op] + c.valueText(vf)
}

// valueText writes the leaf's values: "1000万元", "5%", "10万元至20万元".
func (c *Condition) valueText(f huiqi.Field) string {
	values := make([]string, 0, len(c.Arg.Ints))
	for _, v := range c.Arg.Ints {
		values = append(values, DisplayNumber(f, v))
	}
	if c.Op == huiqi.OpBetween {
		return strings.Join(values, "至")
	}
	return strings.Join(values, "、")
}

func (c *Condition) grantLabel(f huiqi.Field) string {
	tag := DisplayString(huiqi.Field{Name: "tags"}, c.Tag)
	verb, fresh := "认定", "新认定"
	switch f.Name {
	case "first_granted_on":
		verb, fresh = "首次认定", "首次认定"
	case "expires_on":
		return tag + "有效期截止日" + phraseDateOps[c.Op] + c.valueText(f)
	}
	if c.Op == huiqi.OpBetween && len(c.Arg.Ints) == 2 {
		lo, hi := huiqi.DateFromDays(int32(c.Arg.Ints[0])), huiqi.DateFromDays(int32(c.Arg.Ints[1]))
		if lo.Year() == hi.Year() && lo == huiqi.NewDate(lo.Year(), 1, 1) && hi == huiqi.NewDate(lo.Year(), 12, 31) {
			return strconv.Itoa(lo.Year()) + "年内" + fresh + tag
		}
		return lo.String() + "至" + hi.String() + "期间" + verb + tag
	}
	return verb + tag + "的日期" + phraseDateOps[c.Op] + c.valueText(f)
}

// phraseDateOps words comparisons of dates.
var phraseDateOps = map[string]string{
	huiqi.OpEq: "为", huiqi.OpNe: "不为", huiqi.OpGt: "晚于", huiqi.OpGte: "不早于",
	huiqi.OpLt: "早于", huiqi.OpLte: "不晚于", huiqi.OpBetween: "介于",
}

func (c *Condition) incidentLabel() string {
	in := c.Incident
	what := ""
	if in.MinLevel != "" && in.MinLevel != huiqi.IncidentLevels[0] {
		what = huiqi.IncidentLevelNames[in.MinLevel] + "及以上"
	}
	kinds := make([]string, 0, len(in.Kinds))
	for _, k := range in.Kinds {
		kinds = append(kinds, huiqi.IncidentKinds[k])
	}
	what += strings.Join(kinds, "、") + "事故"
	period := "近" + strconv.Itoa(in.Years) + "年"
	if (c.Op == huiqi.OpEq && c.Arg.Ints[0] == 0) || (c.Op == huiqi.OpLt && c.Arg.Ints[0] == 1) || (c.Op == huiqi.OpLte && c.Arg.Ints[0] == 0) {
		return period + "未发生" + what
	}
	f, _ := huiqi.LookupField("incident_count")
	return period + what + phraseOps[c.Op] + c.valueText(f)
}

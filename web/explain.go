package web

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// figureOf reads a money figure of the profile by its field name, through
// the profile's JSON, whose names are the rule language's: one place that
// knows the fields, the profile itself. Absent or not money: false.
func figureOf(en *huiqi.Enterprise, field string) (huiqi.Money, bool) {
	b, err := json.Marshal(en)
	if err != nil {
		return 0, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, false
	}
	raw, ok := m[field]
	if !ok || string(raw) == "null" {
		return 0, false
	}
	v, err := huiqi.ParseMoney(string(raw))
	return v, err == nil
}

// workedOut says how an amount the matcher computed follows from the
// benefit formula of a validated policy and the profile, e.g. 营业收入
// 3000万元 × 0.3% = 9万元. It does no arithmetic of its own: the amount is
// the matcher's, and a cap or floor is named when the amount equals it. For
// a tiered benefit the matcher also judges which tier holds. Formulas it
// cannot write out, or a missing figure, give "".
func workedOut(p *policies.Policy, en *huiqi.Enterprise, day huiqi.Date, amount *huiqi.Money) string {
	a := p.Benefit.Amount
	if a == nil || amount == nil {
		return ""
	}
	if len(a.Tiers) == 0 {
		return simpleWorkedOut(a, en, *amount)
	}
	profile := matcher.NewProfile(en)
	for _, t := range a.Tiers {
		// The tier as a policy of its own: its condition is the eligibility.
		tier := *p
		tier.Eligibility, tier.Benefit.Amount = t.When, &t.Amount
		if matcher.Compile(&tier).Eligible(profile, day) {
			if s := simpleWorkedOut(&t.Amount, en, *amount); s != "" {
				return "符合「" + condText(t.When) + "」档：" + s
			}
			return ""
		}
	}
	return ""
}

func simpleWorkedOut(a *policies.Amount, en *huiqi.Enterprise, amount huiqi.Money) string {
	switch {
	case a.Fixed != nil:
		if *a.Fixed != amount {
			return ""
		}
		return "定额 " + amount.Text()
	case a.Rate != nil:
		fig, ok := figureOf(en, a.Of)
		if !ok {
			return ""
		}
		f, _ := huiqi.LookupField(a.Of)
		s := f.Label + " " + fig.Text() + " × " + policies.FormatDecimal(int64(*a.Rate)*100) + "%"
		switch {
		case a.Cap != nil && amount == *a.Cap:
			return s + "，按上限 " + amount.Text()
		case a.Floor != nil && *a.Floor > 0 && amount == *a.Floor:
			return s + "，按下限 " + amount.Text()
		}
		return s + " = " + amount.Text()
	}
	return ""
}

// gapText says what a failing condition lacks and how far the profile is
// from it: the tags not yet held rather than the whole tag list, the
// difference of a figure, or that the field is not filled in.
func gapText(c matcher.Check) string {
	f, _ := huiqi.LookupField(c.Field)
	if c.Actual == nil {
		if c.Field == "tax_credit" {
			return "未评定纳税信用等级"
		}
		return f.Label + "未填写，填写后即可判断"
	}
	switch f.Type {
	case huiqi.TypeTags:
		var want []string
		if json.Unmarshal(c.Required, &want) != nil {
			var one string
			if json.Unmarshal(c.Required, &one) != nil {
				return ""
			}
			want = []string{one}
		}
		held, _ := c.Actual.([]string)
		if c.Negated {
			var bad []string
			for _, t := range want {
				if slices.Contains(held, t) {
					bad = append(bad, tagName(t))
				}
			}
			return "企业现为：" + strings.Join(bad, "、")
		}
		var lack []string
		for _, t := range want {
			if !slices.Contains(held, t) {
				lack = append(lack, tagName(t))
			}
		}
		if c.Op == huiqi.OpHasAny {
			return "尚未取得以下任一项：" + strings.Join(lack, "、")
		}
		return "尚未取得：" + strings.Join(lack, "、")
	case huiqi.TypeMoney:
		have, ok := c.Actual.(huiqi.Money)
		need, err := huiqi.ParseMoney(string(c.Required))
		if ok && err == nil {
			return distance(int64(have), int64(need), func(n int64) string { return huiqi.Money(n).Text() }, c.Op)
		}
	case huiqi.TypeInt:
		have, ok := c.Actual.(int64)
		need, err := strconv.ParseInt(string(c.Required), 10, 64)
		if ok && err == nil {
			return distance(have, need, func(n int64) string { return strconv.FormatInt(n, 10) + f.Unit }, c.Op)
		}
	}
	return "企业情况：" + actualText(c.Field, c.Actual)
}

// distance writes the profile's figure and how far it is from the bound
// of a comparison, both written by text.
func distance(have, bound int64, text func(int64) string, op string) string {
	s := "企业情况：" + text(have)
	switch {
	case op == huiqi.OpGte && have < bound:
		return s + "，还差 " + text(bound-have)
	case op == huiqi.OpGt && have <= bound:
		return s + "，需超过 " + text(bound)
	case (op == huiqi.OpLte || op == huiqi.OpLt) && have > bound:
		return s + "，超出 " + text(have-bound)
	}
	return s
}

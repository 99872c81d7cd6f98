package web

import (
	"encoding/json"

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
	if a.Over != nil || a.CapOf != nil {
		// A rate of an increase or a sum, or a cap from another figure: the
		// latest figure times the rate would not give the amount.
		return ""
	}
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
// from it, as the matcher words it: of qualifications only those lacking
// rather than the whole list, of a figure the profile's value and the
// difference.
func gapText(c matcher.Check) string {
	if f, _ := huiqi.LookupField(c.Field); f.Type == huiqi.TypeTags && c.Gap != "" {
		return c.Gap
	}
	s := "企业情况：" + actualText(c.Field, c.Actual)
	if c.Gap != "" {
		s += "，" + c.Gap
	}
	return s
}

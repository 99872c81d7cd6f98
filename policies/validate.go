package policies

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/huiqi/huiqi"
)

// MaxDepth is the deepest condition tree a policy may have.
const MaxDepth = 32

// Defaults of the redemption clock: 45 days, and 10% faster as the target.
const (
	DefaultDeadlineDays = 45
	DefaultTargetDays   = 40
)

var idPattern = regexp.MustCompile(`^[a-z0-9-]{3,64}$`)

// moneyFields are the profile figures a rate may apply to.
var moneyFields = map[string]bool{}

func init() {
	for _, f := range huiqi.Fields {
		if f.Type == huiqi.TypeMoney {
			moneyFields[f.Name] = true
		}
	}
}

// Validate checks p, applies defaults and types every leaf value (Arg). It
// returns an EInvalid error naming the path of the first offending node. The
// test profiles are checked as profiles; whether they pass is the matcher's
// business.
func (p *Policy) Validate(today huiqi.Date) error {
	if !idPattern.MatchString(p.ID) {
		return huiqi.FieldErrorf("id", "政策编号应为 3 至 64 位小写字母、数字或连字符，收到 %q", p.ID)
	}
	if p.Title = strings.TrimSpace(p.Title); p.Title == "" {
		return huiqi.FieldErrorf("title", "政策标题不能为空")
	}
	if p.Department = strings.TrimSpace(p.Department); p.Department == "" {
		return huiqi.FieldErrorf("department", "主管部门不能为空")
	}
	if !huiqi.ValidRegionScope(p.Region) {
		return huiqi.FieldErrorf("region", "未知的地区范围 %q（如 3505 为全市，350582 为晋江市）", p.Region)
	}
	if !p.ValidFrom.IsZero() && !p.ValidTo.IsZero() && p.ValidTo.Before(p.ValidFrom) {
		return huiqi.FieldErrorf("valid_to", "有效期截止日 %s 早于起始日 %s", p.ValidTo, p.ValidFrom)
	}
	switch p.Mode {
	case "":
		p.Mode = ModeApply
	case ModeApply, ModeAuto:
	default:
		return huiqi.FieldErrorf("mode", "兑现方式应为 apply（申报）或 auto（免申即享），收到 %q", p.Mode)
	}
	if p.DeadlineDays == 0 {
		p.DeadlineDays = DefaultDeadlineDays
	}
	if p.TargetDays == 0 {
		p.TargetDays = min(DefaultTargetDays, p.DeadlineDays)
	}
	if p.DeadlineDays < 1 || p.DeadlineDays > 365 {
		return huiqi.FieldErrorf("deadline_days", "兑现时限应为 1 至 365 天")
	} else if p.TargetDays < 1 || p.TargetDays > p.DeadlineDays {
		return huiqi.FieldErrorf("target_days", "提速目标应为 1 天至兑现时限 %d 天", p.DeadlineDays)
	}
	switch p.Clock {
	case "":
		p.Clock = ClockCalendarDays
	case ClockCalendarDays, ClockWorkingDays:
	default:
		return huiqi.FieldErrorf("clock", "计时方式应为 calendar_days 或 working_days，收到 %q", p.Clock)
	}
	if p.Budget != nil && *p.Budget <= 0 {
		return huiqi.FieldErrorf("budget", "预算总额应大于 0")
	}
	if p.Eligibility == nil {
		return huiqi.FieldErrorf("eligibility", "必须给出申报条件")
	}
	if err := p.Eligibility.validate("eligibility", 1); err != nil {
		return err
	}
	if _, ok := KindLabels[p.Benefit.Kind]; !ok {
		return huiqi.FieldErrorf("benefit.kind", "未知的兑现类型 %q", p.Benefit.Kind)
	}
	if p.Benefit.Amount != nil {
		if err := p.Benefit.Amount.validate("benefit.amount", true); err != nil {
			return err
		}
	}
	for i := range p.Tests {
		if err := p.Tests[i].validate(p, huiqi.IndexPath("tests", i), today); err != nil {
			return err
		}
	}
	return nil
}

// OpenOn reports whether the policy's validity window contains day.
func (p *Policy) OpenOn(day huiqi.Date) bool {
	return (p.ValidFrom.IsZero() || !day.Before(p.ValidFrom)) && (p.ValidTo.IsZero() || !day.After(p.ValidTo))
}

func (tc *TestCase) validate(p *Policy, path string, today huiqi.Date) error {
	if tc.AsOf.IsZero() {
		tc.AsOf = p.ValidFrom
		if tc.AsOf.IsZero() {
			tc.AsOf = today
		}
	}
	if tc.Profile.CreditCode == "" {
		tc.Profile.CreditCode = huiqi.PlaceholderCreditCode
	}
	if tc.Profile.Name == "" {
		tc.Profile.Name = "测试企业"
	}
	if err := tc.Profile.Validate(tc.AsOf, true); err != nil {
		return huiqi.WithPrefix(path+".profile", err)
	}
	if tc.Amount != nil && !tc.Eligible {
		return huiqi.FieldErrorf(path+".amount", "不符合条件的用例不应给出金额")
	}
	return nil
}

func (c *Condition) validate(path string, depth int) error {
	if depth > MaxDepth {
		return huiqi.FieldErrorf(path, "条件嵌套超过 %d 层", MaxDepth)
	}
	isLeaf := c.Field != "" || c.Op != "" || c.Value != nil
	kinds := 0
	for _, present := range []bool{c.All != nil, c.Any != nil, c.Not != nil, isLeaf} {
		if present {
			kinds++
		}
	}
	if kinds != 1 {
		return huiqi.FieldErrorf(path, "条件节点应恰好是 all、any、not 或 {field, op, value} 之一")
	}
	if c.Label != "" && !isLeaf {
		return huiqi.FieldErrorf(path+".label", "只有单项条件可以有 label")
	}
	switch {
	case c.All != nil || c.Any != nil:
		key, list := "all", c.All
		if c.Any != nil {
			key, list = "any", c.Any
		}
		if len(list) == 0 {
			return huiqi.FieldErrorf(path+"."+key, "%s 不能为空", key)
		}
		for i, child := range list {
			if child == nil {
				return huiqi.FieldErrorf(huiqi.IndexPath(path+"."+key, i), "条件不能为 null")
			}
			if err := child.validate(huiqi.IndexPath(path+"."+key, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case c.Not != nil:
		return c.Not.validate(path+".not", depth+1)
	}
	return c.validateLeaf(path)
}

func (c *Condition) validateLeaf(path string) error {
	f, ok := huiqi.LookupField(c.Field)
	if !ok {
		return huiqi.FieldErrorf(path+".field", "未知字段 %q", c.Field)
	}
	if !huiqi.IsOp(c.Op) {
		return huiqi.FieldErrorf(path+".op", "未知运算符 %q", c.Op)
	}
	if !f.Type.Fits(c.Op) {
		return huiqi.FieldErrorf(path+".op", "运算符 %s 不适用于字段 %s（%s）", c.Op, c.Field, f.Label)
	}
	if c.Value == nil || string(c.Value) == "null" {
		// A null would read as "" or false and silently compare with that.
		return huiqi.FieldErrorf(path+".value", "缺少 value")
	}
	arg, err := parseArg(f, c.Op, c.Value)
	if err != nil {
		return huiqi.WithPrefix(path+".value", err)
	}
	c.Arg = arg
	return nil
}

// parseArg types a leaf's value by its field and operator.
func parseArg(f huiqi.Field, op string, raw json.RawMessage) (Arg, error) {
	var list []json.RawMessage
	isList := true
	switch op {
	case huiqi.OpBetween:
		if json.Unmarshal(raw, &list) != nil || len(list) != 2 {
			return Arg{}, huiqi.Errorf(huiqi.EInvalid, "between 需要 [下限, 上限] 两个值")
		}
	case huiqi.OpIn, huiqi.OpNotIn, huiqi.OpHasAny, huiqi.OpHasAll:
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return Arg{}, huiqi.Errorf(huiqi.EInvalid, "%s 需要非空数组", op)
		}
	case huiqi.OpPrefix:
		if json.Unmarshal(raw, &list) != nil {
			list, isList = []json.RawMessage{raw}, false
		} else if len(list) == 0 {
			return Arg{}, huiqi.Errorf(huiqi.EInvalid, "prefix 需要字符串或非空字符串数组")
		}
	default:
		list, isList = []json.RawMessage{raw}, false
	}
	var arg Arg
	for i, item := range list {
		wrap := func(err error) error {
			if !isList {
				return err
			}
			return huiqi.WithPrefix(huiqi.IndexPath("", i), err)
		}
		if f.Type == huiqi.TypeBool {
			if json.Unmarshal(item, &arg.Bool) != nil {
				return Arg{}, huiqi.Errorf(huiqi.EInvalid, "%s 的值应为 true 或 false", f.Label)
			}
			continue
		}
		if isStringType(f.Type) {
			var s string
			if json.Unmarshal(item, &s) != nil {
				return Arg{}, wrap(huiqi.Errorf(huiqi.EInvalid, "%s 的值应为字符串", f.Label))
			}
			if err := checkVocabulary(f, op, s); err != nil {
				return Arg{}, wrap(err)
			}
			arg.Strs = append(arg.Strs, s)
			continue
		}
		n, err := parseNumber(f, item)
		if err != nil {
			return Arg{}, wrap(err)
		}
		arg.Ints = append(arg.Ints, n)
	}
	if op == huiqi.OpBetween && arg.Ints[0] > arg.Ints[1] {
		return Arg{}, huiqi.Errorf(huiqi.EInvalid, "between 的下限大于上限")
	}
	return arg, nil
}

func isStringType(t huiqi.FieldType) bool {
	return t == huiqi.TypeText || t == huiqi.TypeCode || t == huiqi.TypeEnum || t == huiqi.TypeTags
}

// checkVocabulary rejects values no profile can take, so that a typo in a
// rule is an error rather than a condition that silently never holds.
func checkVocabulary(f huiqi.Field, op, s string) error {
	switch f.Name {
	case "region":
		if op == huiqi.OpPrefix {
			if !huiqi.ValidRegionScope(s) {
				return huiqi.Errorf(huiqi.EInvalid, "未知的地区前缀 %q", s)
			}
		} else if _, ok := huiqi.LookupRegion(s); !ok {
			return huiqi.Errorf(huiqi.EInvalid, "未知的地区代码 %q", s)
		}
	case "industry":
		if _, ok := huiqi.LookupIndustry(s); !ok {
			return huiqi.Errorf(huiqi.EInvalid, "未知的行业代码 %q（GB/T 4754-2017）", s)
		}
	case "tags":
		if _, ok := huiqi.LookupTag(s); !ok {
			return huiqi.Errorf(huiqi.EInvalid, "未知的企业资质标签 %q", s)
		}
	case "credit_code":
		if op == huiqi.OpPrefix {
			return nil
		}
		if _, err := huiqi.ValidateCreditCode(s); err != nil {
			return err
		}
	}
	if f.Type == huiqi.TypeEnum {
		for _, v := range f.Enum {
			if v == s {
				return nil
			}
		}
		return huiqi.Errorf(huiqi.EInvalid, "%s 的值应为 %s 之一，收到 %q", f.Label, strings.Join(f.Enum, "、"), s)
	}
	return nil
}

// parseNumber reads a whole number, money (yuan → fen), ratio (→ millionths)
// or date (→ days since 1970-01-01).
func parseNumber(f huiqi.Field, raw json.RawMessage) (int64, error) {
	switch f.Type {
	case huiqi.TypeDate:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, huiqi.Errorf(huiqi.EInvalid, "%s 的值应为日期字符串 YYYY-MM-DD", f.Label)
		}
		d, err := huiqi.ParseDate(s)
		return int64(d.Days()), err
	case huiqi.TypeRatio:
		s, ok := decimalText(raw)
		if !ok {
			return 0, huiqi.Errorf(huiqi.EInvalid, "%s 的值应为小数", f.Label)
		}
		return ParseDecimal(s)
	}
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0, huiqi.Errorf(huiqi.EInvalid, "%s 的值应为数字", f.Label)
	}
	if f.Type == huiqi.TypeMoney {
		m, err := huiqi.ParseMoney(n.String())
		return int64(m), err
	}
	i, err := n.Int64()
	if err != nil {
		return 0, huiqi.Errorf(huiqi.EInvalid, "%s 的值应为整数，收到 %s", f.Label, n)
	}
	return i, nil
}

func (a *Amount) validate(path string, tiersAllowed bool) error {
	forms := 0
	for _, present := range []bool{a.Fixed != nil, a.Rate != nil, a.Tiers != nil} {
		if present {
			forms++
		}
	}
	if forms != 1 {
		return huiqi.FieldErrorf(path, "金额应恰好是 fixed、rate 或 tiers 之一")
	}
	switch {
	case a.Fixed != nil:
		if *a.Fixed < 0 {
			return huiqi.FieldErrorf(path+".fixed", "金额不能为负数")
		}
		if a.Of != "" || a.Cap != nil || a.Floor != nil {
			return huiqi.FieldErrorf(path, "fixed 金额不带 of、cap、floor")
		}
	case a.Rate != nil:
		if !moneyFields[a.Of] {
			return huiqi.FieldErrorf(path+".of", "rate 应作用于金额字段（revenue、rd_expense、tax_paid、total_assets、registered_capital），收到 %q", a.Of)
		}
		if a.Cap != nil && *a.Cap < 0 {
			return huiqi.FieldErrorf(path+".cap", "上限不能为负数")
		}
		if a.Floor != nil && *a.Floor < 0 {
			return huiqi.FieldErrorf(path+".floor", "下限不能为负数")
		}
		if a.Cap != nil && a.Floor != nil && *a.Floor > *a.Cap {
			return huiqi.FieldErrorf(path+".floor", "下限大于上限")
		}
	default:
		if !tiersAllowed {
			return huiqi.FieldErrorf(path+".tiers", "档位内不能再分档")
		}
		if len(a.Tiers) == 0 {
			return huiqi.FieldErrorf(path+".tiers", "tiers 不能为空")
		}
		if a.Of != "" || a.Cap != nil || a.Floor != nil {
			return huiqi.FieldErrorf(path, "分档金额的 of、cap、floor 写在各档内")
		}
		for i := range a.Tiers {
			tp := huiqi.IndexPath(path+".tiers", i)
			if a.Tiers[i].When == nil {
				return huiqi.FieldErrorf(tp+".when", "每一档都需要 when 条件")
			}
			if err := a.Tiers[i].When.validate(tp+".when", 1); err != nil {
				return err
			}
			if err := a.Tiers[i].Amount.validate(tp, false); err != nil {
				return err
			}
		}
	}
	return nil
}

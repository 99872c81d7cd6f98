package policies

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
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
	for _, f := range append(slices.Clip(huiqi.Fields), huiqi.HistoryFields...) {
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
	isLeaf := c.Field != "" || c.Op != "" || c.Value != nil || c.Over != nil || c.Tag != "" || c.Incident != nil
	kinds := 0
	for _, present := range []bool{c.All != nil, c.Any != nil, c.Not != nil, isLeaf, c.Review != ""} {
		if present {
			kinds++
		}
	}
	if kinds != 1 {
		return huiqi.FieldErrorf(path, "条件节点应恰好是 all、any、not、{field, op, value} 或 {review} 之一")
	}
	if c.Review != "" {
		if strings.TrimSpace(c.Review) == "" {
			return huiqi.FieldErrorf(path+".review", "审核事项不能为空白")
		}
		if c.Label != "" {
			return huiqi.FieldErrorf(path+".label", "审核条件的说明即 review 本身，不另带 label")
		}
		return nil
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
	if err := validateOver(f, c.Over, path+".over", false); err != nil {
		return err
	}
	if err := c.validateQualifiers(f, path); err != nil {
		return err
	}
	vf := f
	if c.Over != nil {
		vf.Type = f.OverType(c.Over.Agg)
	}
	if !vf.Type.Fits(c.Op) {
		return huiqi.FieldErrorf(path+".op", "运算符 %s 不适用于字段 %s（%s）", c.Op, c.Field, f.Label)
	}
	if c.Value == nil || string(c.Value) == "null" {
		// A null would read as "" or false and silently compare with that.
		return huiqi.FieldErrorf(path+".value", "缺少 value")
	}
	// Rates and increases may fall: a rule may bound them from below
	// with a negative value (降幅不超过10%).
	signed := c.Over != nil && (huiqi.AggIsRate(c.Over.Agg) || c.Over.Agg == huiqi.AggIncrease)
	arg, err := parseArg(vf, c.Op, c.Value, signed)
	if err != nil {
		return huiqi.WithPrefix(path+".value", err)
	}
	c.Arg = arg
	return nil
}

// validateQualifiers checks Tag and Incident, which only the fields that
// need them take.
func (c *Condition) validateQualifiers(f huiqi.Field, path string) error {
	switch {
	case f.Tagged && c.Tag == "":
		return huiqi.FieldErrorf(path+".tag", "字段 %s（%s）需要 tag 指明哪项资质", f.Name, f.Label)
	case f.Tagged:
		if _, ok := huiqi.LookupTag(c.Tag); !ok {
			return huiqi.FieldErrorf(path+".tag", "未知的企业资质标签 %q", c.Tag)
		}
	case c.Tag != "":
		return huiqi.FieldErrorf(path+".tag", "只有 granted_on、first_granted_on、expires_on 带 tag")
	}
	if f.Name != "incident_count" {
		if c.Incident != nil {
			return huiqi.FieldErrorf(path+".incident", "只有 incident_count 带 incident")
		}
		return nil
	}
	in := c.Incident
	if in == nil {
		return huiqi.FieldErrorf(path+".incident", "incident_count 需要 incident 指明统计哪些事故（years 必填）")
	}
	if in.Years < 1 || in.Years > huiqi.MaxHistoryYears {
		return huiqi.FieldErrorf(path+".incident.years", "统计年数应为 1 至 %d 年", huiqi.MaxHistoryYears)
	}
	for i, k := range in.Kinds {
		if _, ok := huiqi.IncidentKinds[k]; !ok {
			return huiqi.FieldErrorf(huiqi.IndexPath(path+".incident.kinds", i), "事故类别应为 safety、quality、environment 之一，收到 %q", k)
		}
	}
	if in.MinLevel != "" && huiqi.IncidentLevelRank(in.MinLevel) < 0 {
		return huiqi.FieldErrorf(path+".incident.min_level", "事故等级应为 general、major、serious、especially_serious 之一，收到 %q", in.MinLevel)
	}
	return nil
}

// validateOver checks o (possibly nil) on the yearly field f at path;
// money says the value must stay an amount (a benefit's base or cap),
// which rules out the rate aggregates.
func validateOver(f huiqi.Field, o *huiqi.Over, path string, money bool) error {
	if o == nil {
		return nil
	}
	if !f.Yearly {
		return huiqi.FieldErrorf(path, "字段 %s（%s）没有逐年数据，不能带 over", f.Name, f.Label)
	}
	if !slices.Contains(huiqi.Aggs, o.Agg) {
		return huiqi.FieldErrorf(path+".agg", "未知的统计方式 %q（应为 %s 之一）", o.Agg, strings.Join(huiqi.Aggs, "、"))
	}
	switch {
	case f.Name == "above_designated_size" && o.Agg != huiqi.AggPrev:
		return huiqi.FieldErrorf(path+".agg", "规模以上企业只能取上年度（prev）")
	case f.Name == "rd_ratio" && (o.Agg == huiqi.AggIncrease || huiqi.AggIsRate(o.Agg)):
		return huiqi.FieldErrorf(path+".agg", "研发费用占比只能取 sum、avg、min、max、prev")
	case money && huiqi.AggIsRate(o.Agg):
		return huiqi.FieldErrorf(path+".agg", "金额的计算基数应为金额，%s 是增速", o.Agg)
	}
	if huiqi.AggTakesYears(o.Agg) {
		if o.Years < 1 || o.Years > huiqi.MaxHistoryYears {
			return huiqi.FieldErrorf(path+".years", "%s 需要 years：1 至 %d 年", o.Agg, huiqi.MaxHistoryYears)
		}
	} else if o.Years != 0 {
		return huiqi.FieldErrorf(path+".years", "%s 只比较最近两年，不带 years", o.Agg)
	}
	return nil
}

// parseArg types a leaf's value by its field and operator.
// signed admits negative rates, for growth and increases.
func parseArg(f huiqi.Field, op string, raw json.RawMessage, signed bool) (Arg, error) {
	var list []json.RawMessage
	isList := true
	switch op {
	case huiqi.OpBetween:
		if json.Unmarshal(raw, &list) != nil || len(list) != 2 {
			return Arg{}, huiqi.Errorf(huiqi.EInvalid, "between 需要 [下限, 上限] 两个值")
		}
	case huiqi.OpIn, huiqi.OpNotIn, huiqi.OpHasAny, huiqi.OpHasAll, huiqi.OpContainsAny, huiqi.OpContainsAll:
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
		n, err := parseNumber(f, item, signed)
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
	return t == huiqi.TypeText || t == huiqi.TypeCode || t == huiqi.TypeEnum || t == huiqi.TypeTags || t == huiqi.TypeWords
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
	case "business_scope", "main_products":
		// An empty word is in every text: the condition would only ask
		// that the text be there.
		if strings.TrimSpace(s) == "" {
			return huiqi.Errorf(huiqi.EInvalid, "%s 的词语不能为空", f.Label)
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
func parseNumber(f huiqi.Field, raw json.RawMessage, signed bool) (int64, error) {
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
		if signed {
			return ParseSignedDecimal(s)
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
	for _, present := range []bool{a.Fixed != nil, a.Rate != nil, a.Bands != nil, a.Step != nil, a.Tiers != nil} {
		if present {
			forms++
		}
	}
	if forms != 1 {
		return huiqi.FieldErrorf(path, "金额应恰好是 fixed、rate、bands、step 或 tiers 之一")
	}
	switch {
	case a.Fixed != nil:
		if *a.Fixed < 0 {
			return huiqi.FieldErrorf(path+".fixed", "金额不能为负数")
		}
		if a.Of != "" || a.Over != nil || a.Cap != nil || a.Floor != nil {
			return huiqi.FieldErrorf(path, "fixed 金额不带 of、over、cap、floor（可带 cap_of）")
		}
		return a.validateCapOf(path)
	case a.Tiers != nil:
		if !tiersAllowed {
			return huiqi.FieldErrorf(path+".tiers", "档位内不能再分档")
		}
		if len(a.Tiers) == 0 {
			return huiqi.FieldErrorf(path+".tiers", "tiers 不能为空")
		}
		if a.Of != "" || a.Over != nil || a.Cap != nil || a.CapOf != nil || a.Floor != nil {
			return huiqi.FieldErrorf(path, "分档金额的 of、over、cap、cap_of、floor 写在各档内")
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
		return nil
	}
	// A rate, bands or a step of a figure.
	f, ok := huiqi.LookupField(a.Of)
	if !ok || !moneyFields[a.Of] {
		return huiqi.FieldErrorf(path+".of", "计算基数 of 应为金额字段（%s），收到 %q", strings.Join(slices.Sorted(maps.Keys(moneyFields)), "、"), a.Of)
	}
	if err := validateOver(f, a.Over, path+".over", true); err != nil {
		return err
	}
	switch {
	case a.Bands != nil:
		if err := a.validateBands(path + ".bands"); err != nil {
			return err
		}
	case a.Step != nil:
		if a.Step.Per <= 0 {
			return huiqi.FieldErrorf(path+".step.per", "步长 per 应大于 0")
		}
		if a.Step.Fixed <= 0 {
			return huiqi.FieldErrorf(path+".step.fixed", "每步金额 fixed 应大于 0")
		}
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
	return a.validateCapOf(path)
}

func (a *Amount) validateCapOf(path string) error {
	c := a.CapOf
	if c == nil {
		return nil
	}
	cf, ok := huiqi.LookupField(c.Field)
	if !ok || !moneyFields[c.Field] {
		return huiqi.FieldErrorf(path+".cap_of.field", "上限所取的字段应为金额字段，收到 %q", c.Field)
	}
	return validateOver(cf, c.Over, path+".cap_of.over", true)
}

// validateBands checks marginal rate bands: each with a rate, bounds of one
// kind rising strictly, the last band open; growth bounds only on an
// increase, whose previous year they are a share of.
func (a *Amount) validateBands(path string) error {
	if len(a.Bands) == 0 {
		return huiqi.FieldErrorf(path, "bands 不能为空")
	}
	growth := a.Bands[0].UptoGrowth != nil
	if growth && (a.Over == nil || a.Over.Agg != huiqi.AggIncrease) {
		return huiqi.FieldErrorf(huiqi.IndexPath(path, 0)+".upto_growth", "按增幅分段（upto_growth）要求计算基数为同比增量（over: {agg: increase}）")
	}
	var last int64
	for i, b := range a.Bands {
		bp := huiqi.IndexPath(path, i)
		if b.Rate == nil {
			return huiqi.FieldErrorf(bp+".rate", "每一段都需要 rate")
		}
		if b.Upto != nil && b.UptoGrowth != nil {
			return huiqi.FieldErrorf(bp, "upto 与 upto_growth 只能给出一个")
		}
		var bound int64
		switch {
		case i == len(a.Bands)-1:
			if b.Upto != nil || b.UptoGrowth != nil {
				return huiqi.FieldErrorf(bp, "最后一段不设上界（其上的部分全部按该段比例）")
			}
			continue
		case b.Upto == nil && b.UptoGrowth == nil:
			return huiqi.FieldErrorf(bp, "除最后一段外，每一段都需要上界 upto 或 upto_growth")
		case growth && b.UptoGrowth == nil:
			return huiqi.FieldErrorf(bp+".upto", "各段上界应同为 upto_growth")
		case !growth && b.Upto == nil:
			return huiqi.FieldErrorf(bp+".upto_growth", "各段上界应同为 upto")
		case growth:
			bound = int64(*b.UptoGrowth)
		default:
			bound = int64(*b.Upto)
		}
		key := ".upto"
		if growth {
			key = ".upto_growth"
		}
		if bound <= last {
			return huiqi.FieldErrorf(bp+key, "各段上界应大于 0 且逐段递增")
		}
		last = bound
	}
	return nil
}

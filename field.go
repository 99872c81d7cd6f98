package huiqi

import (
	"slices"
	"strings"
)

// FieldType is the type of a profile field as rules see it; it decides which
// operators fit the field and how a rule's value is read.
type FieldType int

// Field types of the rule language.
const (
	TypeText  FieldType = iota // free text: credit_code, name
	TypeCode                   // hierarchical code: region, industry
	TypeEnum                   // closed set: scale, tax_credit
	TypeInt                    // whole number: employees, age_years
	TypeMoney                  // yuan in rules, fen inside
	TypeRatio                  // exact decimal fraction: rd_ratio
	TypeDate                   // YYYY-MM-DD
	TypeBool                   // dishonest, above_designated_size
	TypeTags                   // set of tags
	TypeWords                  // prose searched for words: business_scope, main_products
)

// Field describes a profile field or derived field that rules may name.
type Field struct {
	Name    string
	Label   string // Chinese label used in generated explanations
	Unit    string // unit shown after numbers, e.g. "人", "元", "年"
	Type    FieldType
	Derived bool
	Enum    []string // allowed values of a TypeEnum field
	// Yearly marks a figure the profile holds per fiscal year, which a
	// rule may read across years with over; without over a rule reads the
	// latest year's.
	Yearly bool
	// Tagged marks a field that is read for one tag (granted_on of
	// hightech): the rule names the tag.
	Tagged bool
}

// Operators of the rule language.
const (
	OpEq      = "eq"
	OpNe      = "ne"
	OpIn      = "in"
	OpNotIn   = "not_in"
	OpGt      = "gt"
	OpGte     = "gte"
	OpLt      = "lt"
	OpLte     = "lte"
	OpBetween = "between"
	OpPrefix  = "prefix"
	OpHas     = "has"
	OpHasAny  = "has_any"
	OpHasAll  = "has_all"
	// The prose of a TypeWords field contains one (contains_any) or every
	// (contains_all) word as a substring, both sides folded by FoldText.
	OpContainsAny = "contains_any"
	OpContainsAll = "contains_all"
)

// Scales of 《中小企业划型标准规定》 and tax credit grades, as rule values.
var (
	Scales      = []string{ScaleLarge, ScaleMedium, ScaleSmall, ScaleMicro}
	TaxCredits  = []string{"A", "B", "M", "C", "D"}
	fieldByName = map[string]Field{}
)

// Fields lists every field rules may name, in the order explanations and
// documentation show them.
var Fields = []Field{
	{Name: "credit_code", Label: "统一社会信用代码", Type: TypeText},
	{Name: "name", Label: "企业名称", Type: TypeText},
	{Name: "region", Label: "所在地区", Type: TypeCode},
	{Name: "industry", Label: "所属行业", Type: TypeCode},
	{Name: "founded_on", Label: "成立日期", Type: TypeDate},
	{Name: "employees", Label: "从业人员", Unit: "人", Type: TypeInt, Yearly: true},
	{Name: "revenue", Label: "营业收入", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "total_assets", Label: "资产总额", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "rd_expense", Label: "研发费用", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "tax_paid", Label: "纳税额", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "registered_capital", Label: "注册资本", Unit: "元", Type: TypeMoney},
	{Name: "tax_credit", Label: "纳税信用等级", Type: TypeEnum, Enum: TaxCredits},
	{Name: "tags", Label: "企业资质", Type: TypeTags},
	{Name: "business_scope", Label: "经营范围", Type: TypeWords},
	{Name: "main_products", Label: "主营产品", Type: TypeWords},
	{Name: "dishonest", Label: "严重失信或经营异常", Type: TypeBool},
	{Name: "scale", Label: "企业规模", Type: TypeEnum, Enum: Scales},
	{Name: "age_years", Label: "成立年限", Unit: "年", Type: TypeInt, Derived: true},
	{Name: "rd_ratio", Label: "研发费用占营业收入比例", Type: TypeRatio, Derived: true, Yearly: true},
	{Name: "above_designated_size", Label: "规模以上企业", Type: TypeBool, Derived: true, Yearly: true},
}

// HistoryFields lists the fields rules may name that read the profile's
// fiscal years, dated qualifications and incidents rather than one flat
// figure: yearly figures with no top-level twin (a rule without over reads
// the latest year's), the dates of a tag's grants, and incident counts.
var HistoryFields = []Field{
	{Name: "output_value", Label: "工业总产值", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "import_export", Label: "进出口额", Unit: "元", Type: TypeMoney, Yearly: true},
	{Name: "equipment_investment", Label: "设备投资", Unit: "元", Type: TypeMoney, Yearly: true},
	// granted_on is the latest grant of the tag on or before the
	// evaluation date (新认定 and 重新认定 alike); first_granted_on the
	// earliest (首次认定); expires_on the latest grant's end of validity.
	{Name: "granted_on", Label: "认定日期", Type: TypeDate, Derived: true, Tagged: true},
	{Name: "first_granted_on", Label: "首次认定日期", Type: TypeDate, Derived: true, Tagged: true},
	{Name: "expires_on", Label: "有效期截止日", Type: TypeDate, Derived: true, Tagged: true},
	// incident_count counts the incidents a leaf's incident filter selects.
	{Name: "incident_count", Label: "事故", Unit: "起", Type: TypeInt, Derived: true},
}

func init() {
	for _, f := range append(slices.Clip(Fields), HistoryFields...) {
		fieldByName[f.Name] = f
	}
}

// LookupField returns the field a rule names.
func LookupField(name string) (Field, bool) {
	f, ok := fieldByName[name]
	return f, ok
}

// Fits reports whether operator op applies to fields of type t.
func (t FieldType) Fits(op string) bool {
	switch op {
	case OpEq, OpNe:
		return t != TypeTags && t != TypeWords
	case OpIn, OpNotIn:
		return t == TypeText || t == TypeCode || t == TypeEnum || t == TypeInt
	case OpGt, OpGte, OpLt, OpLte, OpBetween:
		return t == TypeInt || t == TypeMoney || t == TypeRatio || t == TypeDate
	case OpPrefix:
		return t == TypeText || t == TypeCode
	case OpHas, OpHasAny, OpHasAll:
		return t == TypeTags
	case OpContainsAny, OpContainsAll:
		return t == TypeWords
	}
	return false
}

// IsOp reports whether op is an operator of the rule language.
func IsOp(op string) bool {
	switch op {
	case OpEq, OpNe, OpIn, OpNotIn, OpGt, OpGte, OpLt, OpLte, OpBetween, OpPrefix, OpHas, OpHasAny, OpHasAll, OpContainsAny, OpContainsAll:
		return true
	}
	return false
}

// OverType returns the type of the value a rule compares when it reads the
// yearly field f with the aggregate agg: a rate for growth aggregates, the
// field's own type otherwise.
func (f Field) OverType(agg string) FieldType {
	if AggIsRate(agg) {
		return TypeRatio
	}
	return f.Type
}

// FoldText is how text conditions compare words with prose: lower case,
// full-width ASCII (Ｌｅｄ, ３Ｄ) folded to half-width, so that a word
// matches however the registry happened to type it.
func FoldText(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, strings.ToLower(s))
}

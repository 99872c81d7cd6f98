package huiqi

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Enterprise is an enterprise profile (企业画像). Optional figures are
// pointers: nil means the figure is unknown, which rules treat as missing.
type Enterprise struct {
	CreditCode        string   `json:"credit_code"`
	Name              string   `json:"name"`
	Region            string   `json:"region"`
	Industry          string   `json:"industry"`
	FoundedOn         Date     `json:"founded_on"`
	Employees         *int64   `json:"employees,omitempty"`
	Revenue           *Money   `json:"revenue,omitempty"`
	TotalAssets       *Money   `json:"total_assets,omitempty"`
	RDExpense         *Money   `json:"rd_expense,omitempty"`
	TaxPaid           *Money   `json:"tax_paid,omitempty"`
	RegisteredCapital *Money   `json:"registered_capital,omitempty"`
	TaxCredit         string   `json:"tax_credit,omitempty"`
	Tags              []string `json:"tags"`
	Dishonest         bool     `json:"dishonest"`
	// Scale is the scale as given; EffectiveScale derives it when absent.
	Scale string `json:"scale,omitempty"`
	// BusinessScope (经营范围) and MainProducts (主营产品) are free text
	// that rules search for words; "" is unknown.
	BusinessScope string `json:"business_scope,omitempty"`
	MainProducts  string `json:"main_products,omitempty"`
	// FiscalYears holds closed fiscal years' figures by four-digit year;
	// the top-level figures are the latest year's.
	FiscalYears FiscalYears `json:"fiscal_years,omitzero"`
	// Qualifications are dated qualifications; one in force counts as its
	// tag. Tags keeps the undated ones.
	Qualifications []Qualification `json:"qualifications,omitempty"`
	// Incidents are the recorded accidents; absent means none.
	Incidents []Incident `json:"incidents,omitempty"`
	// LegacyCode marks an early pilot credit code that predates the check
	// character; only an admin bulk import may set it.
	LegacyCode bool `json:"legacy_code,omitempty"`

	// Set by the store.
	Version   int       `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

var industryPattern = regexp.MustCompile(`^[A-T][0-9]{2,4}$`)

// Validate checks e as a profile on the given date, upper-cases its credit
// code and normalises its tags; it returns an EInvalid error naming the first
// offending field. A legacy code is accepted only when allowLegacy is set
// (admin bulk import).
func (e *Enterprise) Validate(today Date, allowLegacy bool) error {
	var err error
	if e.LegacyCode {
		if !allowLegacy {
			return FieldErrorf("legacy_code", "仅管理员批量导入可标记早期试点代码")
		}
		e.CreditCode, err = ValidateLegacyCreditCode(e.CreditCode)
	} else {
		e.CreditCode, err = ValidateCreditCode(e.CreditCode)
	}
	if err != nil {
		return WithPrefix("credit_code", err)
	}
	if e.Name = strings.TrimSpace(e.Name); e.Name == "" {
		return FieldErrorf("name", "企业名称不能为空")
	}
	if e.Region == "" {
		return FieldErrorf("region", "所在地区不能为空")
	} else if _, ok := LookupRegion(e.Region); !ok || e.Region == "350527" {
		return FieldErrorf("region", "未知的地区代码 %q（应为泉州市的6位行政区划代码）", e.Region)
	}
	if e.Industry == "" {
		return FieldErrorf("industry", "所属行业不能为空")
	} else if _, ok := LookupIndustry(e.Industry); !ok || !industryPattern.MatchString(e.Industry) {
		return FieldErrorf("industry", "未知的行业代码 %q（应为 GB/T 4754-2017 门类字母加2至4位数字，如 C1952）", e.Industry)
	}
	if e.FoundedOn.IsZero() {
		return FieldErrorf("founded_on", "成立日期不能为空")
	} else if e.FoundedOn.After(today) {
		return FieldErrorf("founded_on", "成立日期 %s 晚于今天", e.FoundedOn)
	}
	if e.Employees != nil && *e.Employees < 0 {
		return FieldErrorf("employees", "从业人员不能为负数")
	}
	for _, m := range []struct {
		name string
		v    *Money
	}{
		{"revenue", e.Revenue}, {"total_assets", e.TotalAssets}, {"rd_expense", e.RDExpense},
		{"tax_paid", e.TaxPaid}, {"registered_capital", e.RegisteredCapital},
	} {
		if m.v != nil && *m.v < 0 {
			return FieldErrorf(m.name, "%s不能为负数", fieldByName[m.name].Label)
		}
	}
	if e.TaxCredit != "" && !slices.Contains(TaxCredits, e.TaxCredit) {
		return FieldErrorf("tax_credit", "纳税信用等级应为 A、B、M、C、D 之一，收到 %q", e.TaxCredit)
	}
	for i, t := range e.Tags {
		if _, ok := LookupTag(t); !ok {
			return FieldErrorf("tags["+strconv.Itoa(i)+"]", "未知的企业资质标签 %q", t)
		}
	}
	e.Tags = SortedTags(e.Tags)
	if e.Scale != "" && !slices.Contains(Scales, e.Scale) {
		return FieldErrorf("scale", "企业规模应为 large、medium、small、micro 之一，收到 %q", e.Scale)
	}
	return e.validateHistory(today)
}

// EffectiveScale returns the given scale, or the one derived by
// 《中小企业划型标准规定》, or "" when a needed figure is missing.
func (e *Enterprise) EffectiveScale() string {
	if e.Scale != "" {
		return e.Scale
	}
	return DeriveScale(e.Industry, e.Employees, e.Revenue, e.TotalAssets)
}

// HasTag reports whether e carries tag.
func (e *Enterprise) HasTag(tag string) bool { return slices.Contains(e.Tags, tag) }

// PlaceholderCreditCode stands in for the credit code of a profile that is
// judged but never stored (policy test cases, the policy calculator): rules
// are about figures, not identities.
var PlaceholderCreditCode = func() string {
	const first17 = "91350500MA0000000"
	c, err := CreditCodeCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}()

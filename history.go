package huiqi

import (
	"slices"
	"strconv"
)

// FiscalYear holds one closed fiscal year's figures (年度数据). A nil figure
// is unknown. Money is in fen.
type FiscalYear struct {
	Revenue     *Money `json:"revenue,omitempty"`
	TaxPaid     *Money `json:"tax_paid,omitempty"`
	RDExpense   *Money `json:"rd_expense,omitempty"`
	TotalAssets *Money `json:"total_assets,omitempty"`
	Employees   *int64 `json:"employees,omitempty"`
	// OutputValue is 工业总产值 at current prices.
	OutputValue *Money `json:"output_value,omitempty"`
	// ImportExport is 进出口额, imports and exports together.
	ImportExport *Money `json:"import_export,omitempty"`
	// EquipmentInvestment is 设备投资 (software included), without VAT.
	EquipmentInvestment *Money `json:"equipment_investment,omitempty"`
}

// Qualification is a dated qualification (资质认定): held from GrantedOn to
// ExpiresOn, both included; a zero ExpiresOn never expires.
type Qualification struct {
	Tag       string `json:"tag"`
	GrantedOn Date   `json:"granted_on"`
	ExpiresOn Date   `json:"expires_on,omitzero"`
}

// Incident is a recorded safety, quality or environmental accident (事故)
// with its grade and date. The list is authoritative, like tags: an absent
// list means no incident.
type Incident struct {
	Kind  string `json:"kind"`
	Level string `json:"level"`
	On    Date   `json:"on"`
}

// Incident kinds.
const (
	IncidentSafety      = "safety"      // 安全生产事故
	IncidentQuality     = "quality"     // 质量事故
	IncidentEnvironment = "environment" // 环境污染事故
)

// IncidentKinds lists the incident kinds with their Chinese names.
var IncidentKinds = map[string]string{
	IncidentSafety: "安全", IncidentQuality: "质量", IncidentEnvironment: "环保",
}

// IncidentLevels are the accident grades of 《生产安全事故报告和调查处理条例》,
// mildest first: 一般, 较大, 重大, 特别重大. Quality and environmental
// incidents are graded on the same four steps.
var IncidentLevels = []string{"general", "major", "serious", "especially_serious"}

// IncidentLevelNames gives the Chinese name of each grade.
var IncidentLevelNames = map[string]string{
	"general": "一般", "major": "较大", "serious": "重大", "especially_serious": "特别重大",
}

// IncidentLevelRank returns the position of level in IncidentLevels, or -1.
func IncidentLevelRank(level string) int { return slices.Index(IncidentLevels, level) }

// IncidentFilter selects incidents for a count: of the given kinds (all
// kinds when empty), of MinLevel or worse (any grade when empty), that
// happened within Years years before the evaluation date: after the same
// day Years years earlier, up to and including the evaluation date.
type IncidentFilter struct {
	Kinds    []string `json:"kinds,omitempty"`
	MinLevel string   `json:"min_level,omitempty"`
	Years    int      `json:"years"`
}

// MaxHistoryYears bounds every look back into history (over.years,
// incident years): no policy reads further back than ten years.
const MaxHistoryYears = 10

// validateHistory checks the fiscal years, qualifications and incidents,
// and makes the top-level figures and the latest year's agree: a figure
// given in only one place is copied to the other, one given in both with
// different values is an error.
func (e *Enterprise) validateHistory(today Date) error {
	years := e.FiscalYears.Years()
	for _, year := range years {
		path := JoinPath("fiscal_years", strconv.Itoa(year))
		if year < MinYear {
			return FieldErrorf(path, "会计年度应为四位年份，如 \"2025\"，收到 %q", strconv.Itoa(year))
		}
		if year >= today.Year() {
			return FieldErrorf(path, "会计年度 %d 尚未结束（最近已结束的年度为 %d）", year, today.Year()-1)
		}
		if !e.FoundedOn.IsZero() && year < e.FoundedOn.Year() {
			return FieldErrorf(path, "会计年度 %d 早于成立年份 %d", year, e.FoundedOn.Year())
		}
		for _, f := range YearlyFigures {
			if v, ok := e.FiscalYears.figure(year, f); ok && v < 0 {
				return FieldErrorf(JoinPath(path, f), "%s不能为负数", fieldByName[f].Label)
			}
		}
	}
	if len(years) > 0 {
		latest := years[len(years)-1]
		key := strconv.Itoa(latest)
		fy, _ := e.FiscalYears.Get(latest)
		for _, p := range []struct {
			name     string
			top, fig **Money
		}{
			{"revenue", &e.Revenue, &fy.Revenue}, {"tax_paid", &e.TaxPaid, &fy.TaxPaid},
			{"rd_expense", &e.RDExpense, &fy.RDExpense}, {"total_assets", &e.TotalAssets, &fy.TotalAssets},
		} {
			if err := agree(p.name, key, p.top, p.fig); err != nil {
				return err
			}
		}
		if err := agree("employees", key, &e.Employees, &fy.Employees); err != nil {
			return err
		}
		e.FiscalYears.Set(latest, fy)
	}
	for i, q := range e.Qualifications {
		path := IndexPath("qualifications", i)
		if _, ok := LookupTag(q.Tag); !ok {
			return FieldErrorf(path+".tag", "未知的企业资质标签 %q", q.Tag)
		}
		if q.GrantedOn.IsZero() {
			return FieldErrorf(path+".granted_on", "认定日期不能为空")
		} else if q.GrantedOn.After(today) {
			return FieldErrorf(path+".granted_on", "认定日期 %s 晚于今天", q.GrantedOn)
		}
		if !q.ExpiresOn.IsZero() && q.ExpiresOn.Before(q.GrantedOn) {
			return FieldErrorf(path+".expires_on", "有效期截止日 %s 早于认定日期 %s", q.ExpiresOn, q.GrantedOn)
		}
	}
	for i, in := range e.Incidents {
		path := IndexPath("incidents", i)
		if _, ok := IncidentKinds[in.Kind]; !ok {
			return FieldErrorf(path+".kind", "事故类别应为 safety（安全）、quality（质量）、environment（环保）之一，收到 %q", in.Kind)
		}
		if IncidentLevelRank(in.Level) < 0 {
			return FieldErrorf(path+".level", "事故等级应为 general（一般）、major（较大）、serious（重大）、especially_serious（特别重大）之一，收到 %q", in.Level)
		}
		if in.On.IsZero() {
			return FieldErrorf(path+".on", "事故日期不能为空")
		} else if in.On.After(today) {
			return FieldErrorf(path+".on", "事故日期 %s 晚于今天", in.On)
		}
	}
	return nil
}

// agree makes a top-level figure and the latest year's (year) agree: one
// given in only one place is copied to the other, both given and different
// is an error naming the top-level field.
func agree[T Money | int64](name, year string, top, yearly **T) error {
	switch {
	case *top == nil && *yearly != nil:
		v := **yearly
		*top = &v
	case *yearly == nil && *top != nil:
		v := **top
		*yearly = &v
	case *top == nil:
	case **top != **yearly:
		return FieldErrorf(name, "%s %v 与最近年度 fiscal_years.%s.%s 的 %v 不一致（顶层数字即最近年度的数字）",
			fieldByName[name].Label, **top, year, name, **yearly)
	}
	return nil
}

// YearlyFigures are the JSON names of FiscalYear's figures, in the order
// documentation and the CSV import list them.
var YearlyFigures = []string{"revenue", "tax_paid", "rd_expense", "total_assets", "employees", "output_value", "import_export", "equipment_investment"}

// LatestFiscalYear returns the latest fiscal year the profile holds.
// Aggregates over years count back from it.
func (e *Enterprise) LatestFiscalYear() (int, bool) {
	return e.FiscalYears.Latest()
}

// YearFigure returns a yearly figure (a FiscalYear field by its JSON name,
// such as "revenue" or "output_value") of the given year, in fen for
// money and persons for employees; false when the year or the figure is
// missing.
func (e *Enterprise) YearFigure(field string, year int) (int64, bool) {
	return e.FiscalYears.figure(year, field)
}

// AboveSizeIn reports whether the enterprise was 规模以上 in the given
// year by that year's revenue; known is false when the industry is one
// of B, C or D and that year's revenue is missing.
func (e *Enterprise) AboveSizeIn(year int) (above, known bool) {
	if !validIndustryCode(e.Industry) || !slices.Contains([]byte("BCD"), e.Industry[0]) {
		return false, true
	}
	rev, ok := e.YearFigure("revenue", year)
	if !ok {
		return false, false
	}
	m := Money(rev)
	return AboveDesignatedSize(e.Industry, &m), true
}

// QualificationOn returns the qualification of the tag in force on day:
// granted on or before it and not expired; of several, the latest granted.
func (e *Enterprise) QualificationOn(tag string, day Date) (Qualification, bool) {
	var best Qualification
	found := false
	for _, q := range e.Qualifications {
		if q.Tag != tag || q.GrantedOn.After(day) || (!q.ExpiresOn.IsZero() && q.ExpiresOn.Before(day)) {
			continue
		}
		if !found || q.GrantedOn.After(best.GrantedOn) {
			best, found = q, true
		}
	}
	return best, found
}

// LatestGrant returns the latest qualification of the tag granted on or
// before day, in force or not: the grant a rule on granted_on reads
// (新认定 and 重新认定 alike).
func (e *Enterprise) LatestGrant(tag string, day Date) (Qualification, bool) {
	return e.grant(tag, day, Date.After)
}

// FirstGrant returns the earliest qualification of the tag granted on or
// before day: the grant a rule on first_granted_on reads (首次认定).
func (e *Enterprise) FirstGrant(tag string, day Date) (Qualification, bool) {
	return e.grant(tag, day, Date.Before)
}

func (e *Enterprise) grant(tag string, day Date, better func(a, b Date) bool) (Qualification, bool) {
	var best Qualification
	found := false
	for _, q := range e.Qualifications {
		if q.Tag == tag && !q.GrantedOn.After(day) && (!found || better(q.GrantedOn, best.GrantedOn)) {
			best, found = q, true
		}
	}
	return best, found
}

// HoldsOn reports whether the enterprise holds the tag on day: as an
// undated tag, or as a qualification in force that day. This is what
// has, has_any and has_all test.
func (e *Enterprise) HoldsOn(tag string, day Date) bool {
	if e.HasTag(tag) {
		return true
	}
	_, ok := e.QualificationOn(tag, day)
	return ok
}

// CountIncidents returns how many recorded incidents f selects as of day.
func (e *Enterprise) CountIncidents(f IncidentFilter, day Date) int64 {
	from := day.AddYears(-f.Years)
	minRank := max(IncidentLevelRank(f.MinLevel), 0)
	var n int64
	for _, in := range e.Incidents {
		if in.On.After(from) && !in.On.After(day) && IncidentLevelRank(in.Level) >= minRank &&
			(len(f.Kinds) == 0 || slices.Contains(f.Kinds, in.Kind)) {
			n++
		}
	}
	return n
}

// Figure returns the latest value of a figure as a rule without over reads
// it, in fen or persons: the top-level figure where the profile has one,
// else (output_value, import_export, equipment_investment) the latest
// fiscal year's.
func (e *Enterprise) Figure(field string) (int64, bool) {
	var m *Money
	switch field {
	case "employees":
		if e.Employees == nil {
			return 0, false
		}
		return *e.Employees, true
	case "revenue":
		m = e.Revenue
	case "total_assets":
		m = e.TotalAssets
	case "rd_expense":
		m = e.RDExpense
	case "tax_paid":
		m = e.TaxPaid
	case "registered_capital":
		m = e.RegisteredCapital
	default:
		latest, ok := e.LatestFiscalYear()
		if !ok {
			return 0, false
		}
		return e.YearFigure(field, latest)
	}
	if m == nil {
		return 0, false
	}
	return int64(*m), true
}

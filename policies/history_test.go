package policies_test

import (
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

func TestParse_HistoryErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		doc   string
		field string
	}{
		// over
		{"OverUnknownAgg", doc(elig(`{"field": "revenue", "over": {"years": 3, "agg": "median"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.agg"},
		{"OverNoYears", doc(elig(`{"field": "revenue", "over": {"agg": "sum"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.years"},
		{"OverTooManyYears", doc(elig(`{"field": "revenue", "over": {"years": 11, "agg": "sum"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.years"},
		{"OverNegativeYears", doc(elig(`{"field": "revenue", "over": {"years": -1, "agg": "avg_growth"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.years"},
		{"PrevWithYears", doc(elig(`{"field": "revenue", "over": {"years": 2, "agg": "prev"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.years"},
		{"OverNotYearly", doc(elig(`{"field": "registered_capital", "over": {"agg": "prev"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over"},
		{"OverOnTags", doc(elig(`{"field": "tags", "over": {"agg": "prev"}, "op": "has", "value": "hightech"}`)), "eligibility.all[2].over"},
		{"OverUnknownKey", doc(elig(`{"field": "revenue", "over": {"agg": "prev", "year": 2024}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.year"},
		{"OverYearsString", doc(elig(`{"field": "revenue", "over": {"agg": "sum", "years": "3"}, "op": "gte", "value": 1}`)), "eligibility.all[2].over.years"},
		{"GrowthValueMoney", doc(elig(`{"field": "revenue", "over": {"agg": "growth"}, "op": "gte", "value": "5%"}`)), "eligibility.all[2].value"},
		{"GrowthOpPrefix", doc(elig(`{"field": "revenue", "over": {"agg": "growth"}, "op": "prefix", "value": "1"}`)), "eligibility.all[2].op"},
		{"RDRatioGrowth", doc(elig(`{"field": "rd_ratio", "over": {"agg": "growth"}, "op": "gte", "value": "0.1"}`)), "eligibility.all[2].over.agg"},
		{"AboveSizeSum", doc(elig(`{"field": "above_designated_size", "over": {"years": 2, "agg": "sum"}, "op": "eq", "value": true}`)), "eligibility.all[2].over.agg"},
		{"AboveSizePrevNotBool", doc(elig(`{"field": "above_designated_size", "over": {"agg": "prev"}, "op": "eq", "value": 1}`)), "eligibility.all[2].value"},
		// granted_on
		{"GrantedNoTag", doc(elig(`{"field": "granted_on", "op": "gte", "value": "2026-01-01"}`)), "eligibility.all[2].tag"},
		{"GrantedUnknownTag", doc(elig(`{"field": "granted_on", "tag": "gold", "op": "gte", "value": "2026-01-01"}`)), "eligibility.all[2].tag"},
		{"TagOnPlainField", doc(elig(`{"field": "revenue", "tag": "hightech", "op": "gte", "value": 1}`)), "eligibility.all[2].tag"},
		{"GrantedBadDate", doc(elig(`{"field": "granted_on", "tag": "hightech", "op": "between", "value": ["2026-01-01", "2026-13-01"]}`)), "eligibility.all[2].value[1]"},
		{"GrantedReversed", doc(elig(`{"field": "granted_on", "tag": "hightech", "op": "between", "value": ["2026-12-31", "2026-01-01"]}`)), "eligibility.all[2].value"},
		{"GrantedOpHas", doc(elig(`{"field": "granted_on", "tag": "hightech", "op": "has", "value": "2026-01-01"}`)), "eligibility.all[2].op"},
		// incidents
		{"IncidentNoFilter", doc(elig(`{"field": "incident_count", "op": "eq", "value": 0}`)), "eligibility.all[2].incident"},
		{"IncidentNoYears", doc(elig(`{"field": "incident_count", "incident": {"min_level": "major"}, "op": "eq", "value": 0}`)), "eligibility.all[2].incident.years"},
		{"IncidentKind", doc(elig(`{"field": "incident_count", "incident": {"years": 3, "kinds": ["safety", "fire"]}, "op": "eq", "value": 0}`)), "eligibility.all[2].incident.kinds[1]"},
		{"IncidentLevel", doc(elig(`{"field": "incident_count", "incident": {"years": 3, "min_level": "big"}, "op": "eq", "value": 0}`)), "eligibility.all[2].incident.min_level"},
		{"IncidentOnRevenue", doc(elig(`{"field": "revenue", "incident": {"years": 3}, "op": "gte", "value": 1}`)), "eligibility.all[2].incident"},
		// review
		{"ReviewWithField", doc(elig(`{"review": "作用显著", "field": "revenue", "op": "gte", "value": 1}`)), "eligibility.all[2]"},
		{"ReviewBlank", doc(elig(`{"review": "   "}`)), "eligibility.all[2].review"},
		{"ReviewLabel", doc(elig(`{"review": "作用显著", "label": "x"}`)), "eligibility.all[2].label"},
		{"ReviewWithAll", doc(elig(`{"review": "作用显著", "all": [{"field": "employees", "op": "gte", "value": 1}]}`)), "eligibility.all[2]"},
		{"ReviewNotString", doc(elig(`{"review": true}`)), "eligibility.all[2].review"},
		// amounts
		{"OfOver", doc(amount(`{"rate": "0.003", "of": "output_value", "over": {"agg": "growth"}}`)), "benefit.amount.over.agg"},
		{"OfOverNoYears", doc(amount(`{"rate": "0.003", "of": "output_value", "over": {"agg": "sum"}}`)), "benefit.amount.over.years"},
		{"OfNotMoney", doc(amount(`{"rate": "0.003", "of": "employees"}`)), "benefit.amount.of"},
		{"FixedWithOver", doc(amount(`{"fixed": 1, "over": {"agg": "prev"}}`)), "benefit.amount"},
		{"TwoForms", doc(amount(`{"rate": "0.01", "step": {"per": 1, "fixed": 1}, "of": "revenue"}`)), "benefit.amount"},
		{"BandsEmpty", doc(amount(`{"bands": [], "of": "revenue"}`)), "benefit.amount.bands"},
		{"BandNoRate", doc(amount(`{"bands": [{"upto": 100}, {}], "of": "revenue"}`)), "benefit.amount.bands[0].rate"},
		{"BandBadRate", doc(amount(`{"bands": [{"upto": 100, "rate": "0.01"}, {"rate": "-1"}], "of": "revenue"}`)), "benefit.amount.bands[1].rate"},
		{"BandLastBounded", doc(amount(`{"bands": [{"upto": 100, "rate": "0.01"}, {"upto": 200, "rate": "0.02"}], "of": "revenue"}`)), "benefit.amount.bands[1]"},
		{"BandMiddleOpen", doc(amount(`{"bands": [{"rate": "0.01"}, {"rate": "0.02"}], "of": "revenue"}`)), "benefit.amount.bands[0]"},
		{"BandNotRising", doc(amount(`{"bands": [{"upto": 200, "rate": "0.01"}, {"upto": 100, "rate": "0.01"}, {"rate": "0.02"}], "of": "revenue"}`)), "benefit.amount.bands[1].upto"},
		{"BandZeroBound", doc(amount(`{"bands": [{"upto": 0, "rate": "0.01"}, {"rate": "0.02"}], "of": "revenue"}`)), "benefit.amount.bands[0].upto"},
		{"BandBothBounds", doc(amount(`{"bands": [{"upto": 1, "upto_growth": "0.6", "rate": "0.01"}, {"rate": "0.02"}], "of": "revenue", "over": {"agg": "increase"}}`)), "benefit.amount.bands[0]"},
		{"BandMixedBounds", doc(amount(`{"bands": [{"upto_growth": "0.6", "rate": "0.01"}, {"upto": 5, "rate": "0.01"}, {"rate": "0.02"}], "of": "revenue", "over": {"agg": "increase"}}`)), "benefit.amount.bands[1].upto"},
		{"BandGrowthNotIncrease", doc(amount(`{"bands": [{"upto_growth": "0.6", "rate": "0.01"}, {"rate": "0.012"}], "of": "output_value"}`)), "benefit.amount.bands[0].upto_growth"},
		{"StepZeroPer", doc(amount(`{"step": {"per": 0, "fixed": 10000}, "of": "import_export", "over": {"agg": "increase"}}`)), "benefit.amount.step.per"},
		{"StepNoFixed", doc(amount(`{"step": {"per": 20000000}, "of": "import_export", "over": {"agg": "increase"}}`)), "benefit.amount.step.fixed"},
		{"StepNoOf", doc(amount(`{"step": {"per": 20000000, "fixed": 10000}}`)), "benefit.amount.of"},
		{"FixedWithCap", doc(amount(`{"fixed": 1, "cap": 5}`)), "benefit.amount"},
		{"FixedCapOfBad", doc(amount(`{"fixed": 1, "cap_of": {"field": "name"}}`)), "benefit.amount.cap_of.field"},
		{"CapOfNotMoney", doc(amount(`{"rate": "0.5", "of": "tax_paid", "cap_of": {"field": "employees"}}`)), "benefit.amount.cap_of.field"},
		{"CapOfOverYears", doc(amount(`{"rate": "0.5", "of": "tax_paid", "cap_of": {"field": "tax_paid", "over": {"agg": "sum"}}}`)), "benefit.amount.cap_of.over.years"},
		{"CapOfGrowth", doc(amount(`{"rate": "0.5", "of": "tax_paid", "cap_of": {"field": "tax_paid", "over": {"agg": "growth"}}}`)), "benefit.amount.cap_of.over.agg"},
		{"TierBandError", doc(amount(`{"tiers": [{"when": {"field": "employees", "op": "gte", "value": 1}, "bands": [{"upto": 100}], "of": "revenue"}]}`)), "benefit.amount.tiers[0].bands[0].rate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policies.Parse([]byte(tt.doc), today)
			if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
				t.Fatalf("Parse(%s) = %v, %v; want an %s error", tt.doc, p, err, huiqi.EInvalid)
			}
			if got := huiqi.ErrorField(err); got != tt.field {
				t.Errorf("Parse(%s) field = %q (%s), want %q", tt.doc, got, huiqi.ErrorMessage(err), tt.field)
			}
		})
	}
}

func TestCondition_DisplayLabelHistory(t *testing.T) {
	for _, tt := range []struct {
		leaf, want string
	}{
		{`{"field": "revenue", "over": {"years": 3, "agg": "sum"}, "op": "gte", "value": 10000000}`, "近3年营业收入合计不少于1000万元"},
		{`{"field": "revenue", "over": {"agg": "growth"}, "op": "gte", "value": "0.05"}`, "营业收入同比增长不低于5%"},
		{`{"field": "revenue", "over": {"agg": "growth"}, "op": "gte", "value": "-0.1"}`, "营业收入同比增长不低于-10%"},
		{`{"field": "revenue", "over": {"years": 3, "agg": "min_growth"}, "op": "gt", "value": 0}`, "近3年营业收入逐年增长"},
		{`{"field": "revenue", "over": {"years": 3, "agg": "min_growth"}, "op": "gte", "value": "0.2"}`, "近3年营业收入每年增长不低于20%"},
		{`{"field": "revenue", "over": {"years": 2, "agg": "avg_growth"}, "op": "gte", "value": "0.1"}`, "近2年营业收入年均增长不低于10%"},
		{`{"field": "output_value", "over": {"agg": "increase"}, "op": "gte", "value": 100000000}`, "工业总产值同比增量不少于10000万元"},
		{`{"field": "tax_paid", "over": {"agg": "prev"}, "op": "gte", "value": 500000}`, "上年度纳税额不少于50万元"},
		{`{"field": "employees", "over": {"years": 2, "agg": "avg"}, "op": "lt", "value": 300}`, "近2年从业人员年均少于300人"},
		{`{"field": "tax_paid", "over": {"years": 3, "agg": "min"}, "op": "gte", "value": 100000}`, "近3年纳税额每年均不少于10万元"},
		{`{"field": "rd_ratio", "over": {"years": 3, "agg": "sum"}, "op": "gte", "value": "0.03"}`, "近3年研发费用总额占营业收入总额比例不低于3%"},
		{`{"field": "above_designated_size", "over": {"agg": "prev"}, "op": "eq", "value": false}`, "上年度未达规模以上"},
		{`{"field": "granted_on", "tag": "hightech", "op": "between", "value": ["2026-01-01", "2026-12-31"]}`, "2026年内新认定高新技术企业"},
		{`{"field": "first_granted_on", "tag": "hightech", "op": "between", "value": ["2026-01-01", "2026-12-31"]}`, "2026年内首次认定高新技术企业"},
		{`{"field": "granted_on", "tag": "green_factory", "op": "gte", "value": "2025-01-01"}`, "认定绿色工厂的日期不早于2025-01-01"},
		{`{"field": "granted_on", "tag": "hightech", "op": "between", "value": ["2025-07-01", "2026-06-30"]}`, "2025-07-01至2026-06-30期间认定高新技术企业"},
		{`{"field": "incident_count", "incident": {"years": 3, "kinds": ["safety", "environment"], "min_level": "major"}, "op": "eq", "value": 0}`, "近3年未发生较大及以上安全、环保事故"},
		{`{"field": "incident_count", "incident": {"years": 1}, "op": "lte", "value": 2}`, "近1年事故不超过2起"},
		{`{"field": "output_value", "op": "gte", "value": 50000000}`, "工业总产值 ≥ 5000万元"},
		{`{"review": "推动同行业科技进步作用显著"}`, "推动同行业科技进步作用显著"},
	} {
		p, err := policies.Parse([]byte(doc(elig(tt.leaf))), today)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tt.leaf, err)
		}
		if got := p.Eligibility.All[2].DisplayLabel(); got != tt.want {
			t.Errorf("DisplayLabel(%s) = %q, want %q", tt.leaf, got, tt.want)
		}
	}
}

// profileYears builds a profile with the given yearly figures (yuan) of
// one field by year.
func profileYears(t *testing.T, figures string) *huiqi.Enterprise {
	t.Helper()
	var e huiqi.Enterprise
	doc := `{"credit_code": "` + huiqi.PlaceholderCreditCode + `", "name": "甲", "region": "350582", "industry": "C1952",
		"founded_on": "2000-01-01", "fiscal_years": ` + figures + `}`
	if err := huiqi.DecodeJSON([]byte(doc), &e); err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(today, false); err != nil {
		t.Fatal(err)
	}
	return &e
}

func TestAmount_Compute(t *testing.T) {
	// D12: output 2亿 → 3.4亿, an increase of 70%: the part up to 60%
	// (1.2亿) at 1%, the remaining 0.2亿 at 1.2%: 120万 + 24万.
	output := `{"2024": {"output_value": 200000000}, "2025": {"output_value": 340000000}}`
	// D21: 进出口额 10亿 → 11.3亿: 6 whole steps of 2000万 at 1万.
	trade := `{"2024": {"import_export": 1000000000}, "2025": {"import_export": 1130000000}}`
	bigTrade := `{"2024": {"import_export": 1000000000}, "2025": {"import_export": 1700000000}}`
	falling := `{"2024": {"import_export": 1000000000}, "2025": {"import_export": 900000000}}`
	// D9: R&D 300万 → 450万, 6% of the 150万 increase.
	rd := `{"2024": {"rd_expense": 3000000, "tax_paid": 80000}, "2025": {"rd_expense": 4500000, "tax_paid": 120000.5}}`
	onlyLatest := `{"2025": {"rd_expense": 4500000}}`
	for _, tt := range []struct {
		name, amount, years string
		want                string // yuan, "" for unknown
	}{
		{"BandsOnGrowth", `{"bands": [{"upto_growth": "0.6", "rate": "0.01"}, {"rate": "0.012"}], "of": "output_value", "over": {"agg": "increase"}, "cap": 10000000}`, output, "1440000"},
		{"BandsBelowFirstBound", `{"bands": [{"upto_growth": "0.8", "rate": "0.01"}, {"rate": "0.012"}], "of": "output_value", "over": {"agg": "increase"}}`, output, "1400000"},
		{"BandsOnAmount", `{"bands": [{"upto": 100000000, "rate": "0.01"}, {"upto": 130000000, "rate": "0.02"}, {"rate": "0.03"}], "of": "output_value", "over": {"agg": "increase"}}`, output, "1900000"},
		{"BandsFalling", `{"bands": [{"upto_growth": "0.6", "rate": "0.01"}, {"rate": "0.012"}], "of": "import_export", "over": {"agg": "increase"}}`, falling, "0"},
		{"Step", `{"step": {"per": 20000000, "fixed": 10000}, "of": "import_export", "over": {"agg": "increase"}, "cap": 300000}`, trade, "60000"},
		{"StepCapped", `{"step": {"per": 20000000, "fixed": 10000}, "of": "import_export", "over": {"agg": "increase"}, "cap": 300000}`, bigTrade, "300000"},
		{"StepFalling", `{"step": {"per": 20000000, "fixed": 10000}, "of": "import_export", "over": {"agg": "increase"}}`, falling, "0"},
		{"RateOfIncrease", `{"rate": "0.06", "of": "rd_expense", "over": {"agg": "increase"}, "cap": 6000000}`, rd, "90000"},
		{"RateOfIncreaseUnknown", `{"rate": "0.06", "of": "rd_expense", "over": {"agg": "increase"}}`, onlyLatest, ""},
		{"RateOfAvgRounds", `{"rate": "0.1", "of": "tax_paid", "over": {"years": 2, "agg": "avg"}}`, rd, "10000.03"}, // (80000 + 120000.5) / 2 × 0.1 = 10000.025
		{"FixedCapOfLatest", `{"fixed": 200000, "cap_of": {"field": "tax_paid"}}`, rd, "120000.5"},
		{"FixedCapOfPrevShare", `{"fixed": 200000, "cap_of": {"field": "tax_paid", "over": {"agg": "prev"}, "rate": "0.5"}}`, rd, "40000"},
		{"FixedUnderCapOf", `{"fixed": 20000, "cap_of": {"field": "tax_paid"}}`, rd, "20000"},
		{"CapOfUnknown", `{"fixed": 20000, "cap_of": {"field": "tax_paid", "over": {"agg": "prev"}}}`, onlyLatest, ""},
		{"CapOfBelowFloor", `{"rate": "0.5", "of": "rd_expense", "floor": 100000, "cap_of": {"field": "tax_paid"}}`, rd, "120000.5"},
		{"LatestYearlyFigure", `{"rate": "0.01", "of": "output_value"}`, output, "3400000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policies.Parse([]byte(doc(amount(tt.amount))), today)
			if err != nil {
				t.Fatal(err)
			}
			m, ok := p.Benefit.Amount.Compute(profileYears(t, tt.years))
			got := ""
			if ok {
				got = m.String()
			}
			if got != tt.want {
				t.Errorf("Compute(%s) = %q, want %q", tt.amount, got, tt.want)
			}
		})
	}
}

func TestPolicy_DependsOnDate(t *testing.T) {
	for _, tt := range []struct {
		leaf string
		want bool
	}{
		{`{"field": "age_years", "op": "gte", "value": 3}`, true},
		{`{"field": "tags", "op": "has", "value": "hightech"}`, true},
		{`{"field": "incident_count", "incident": {"years": 3}, "op": "eq", "value": 0}`, true},
		{`{"field": "granted_on", "tag": "hightech", "op": "gte", "value": "2026-01-01"}`, false},
		{`{"field": "revenue", "over": {"agg": "growth"}, "op": "gte", "value": "0.1"}`, false},
	} {
		p, err := policies.Parse([]byte(doc(elig(tt.leaf))), today)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.DependsOnDate(); got != tt.want {
			t.Errorf("DependsOnDate(%s) = %v, want %v", tt.leaf, got, tt.want)
		}
	}
}

package huiqi_test

import (
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

var historyToday = huiqi.NewDate(2026, 12, 7)

// historyProfile decodes a profile with the fixed fields filled in around
// the JSON of its history.
func historyProfile(t *testing.T, extra string) (*huiqi.Enterprise, error) {
	t.Helper()
	doc := `{"credit_code": "` + huiqi.PlaceholderCreditCode + `", "name": "甲公司", "region": "350582",
		"industry": "C1952", "founded_on": "2010-03-01"` + extra + `}`
	var e huiqi.Enterprise
	if err := huiqi.DecodeJSON([]byte(doc), &e); err != nil {
		return nil, err
	}
	return &e, e.Validate(historyToday, false)
}

func TestEnterprise_ValidateHistory(t *testing.T) {
	for _, tc := range []struct {
		name, extra, field string
	}{
		{"OK", `, "revenue": 300, "fiscal_years": {"2025": {"revenue": 300, "output_value": 500}, "2024": {"revenue": 200}},
			"qualifications": [{"tag": "hightech", "granted_on": "2023-12-01", "expires_on": "2026-11-30"}],
			"incidents": [{"kind": "safety", "level": "major", "on": "2025-06-01"}]`, ""},
		{"YearNotFourDigits", `, "fiscal_years": {"25": {"revenue": 1}}`, "fiscal_years.25"},
		{"YearWord", `, "fiscal_years": {"abcd": {"revenue": 1}}`, "fiscal_years.abcd"},
		{"YearNotClosed", `, "fiscal_years": {"2026": {"revenue": 1}}`, "fiscal_years.2026"},
		{"YearBeforeFounding", `, "fiscal_years": {"2009": {"revenue": 1}}`, "fiscal_years.2009"},
		{"NegativeFigure", `, "fiscal_years": {"2024": {"revenue": -1}}`, "fiscal_years.2024.revenue"},
		{"NegativeOutput", `, "fiscal_years": {"2024": {"output_value": -1}}`, "fiscal_years.2024.output_value"},
		{"NegativeEmployees", `, "fiscal_years": {"2024": {"employees": -1}}`, "fiscal_years.2024.employees"},
		{"UnknownYearlyField", `, "fiscal_years": {"2024": {"profit": 1}}`, "fiscal_years.2024.profit"},
		{"FigureNotNumber", `, "fiscal_years": {"2024": {"revenue": "many"}}`, "fiscal_years.2024.revenue"},
		{"YearNotObject", `, "fiscal_years": {"2024": 5}`, "fiscal_years.2024"},
		{"TopDiffers", `, "revenue": 5, "fiscal_years": {"2025": {"revenue": 6}}`, "revenue"},
		{"EmployeesDiffer", `, "employees": 5, "fiscal_years": {"2025": {"employees": 6}}`, "employees"},
		{"UnknownTag", `, "qualifications": [{"tag": "hightech", "granted_on": "2020-01-01"}, {"tag": "nope", "granted_on": "2020-01-01"}]`, "qualifications[1].tag"},
		{"NoGrantDate", `, "qualifications": [{"tag": "hightech"}]`, "qualifications[0].granted_on"},
		{"GrantInFuture", `, "qualifications": [{"tag": "hightech", "granted_on": "2026-12-08"}]`, "qualifications[0].granted_on"},
		{"ExpiresBeforeGrant", `, "qualifications": [{"tag": "hightech", "granted_on": "2024-01-02", "expires_on": "2024-01-01"}]`, "qualifications[0].expires_on"},
		{"BadGrantDate", `, "qualifications": [{"tag": "hightech", "granted_on": "2024-13-01"}]`, "qualifications[0].granted_on"},
		{"IncidentKind", `, "incidents": [{"kind": "fire", "level": "major", "on": "2025-01-01"}]`, "incidents[0].kind"},
		{"IncidentLevel", `, "incidents": [{"kind": "safety", "level": "big", "on": "2025-01-01"}]`, "incidents[0].level"},
		{"IncidentNoDate", `, "incidents": [{"kind": "safety", "level": "general"}]`, "incidents[0].on"},
		{"IncidentInFuture", `, "incidents": [{"kind": "safety", "level": "general", "on": "2027-01-01"}]`, "incidents[0].on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := historyProfile(t, tc.extra)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != tc.field {
				t.Fatalf("Validate = %v (field %q), want EInvalid on %q", err, huiqi.ErrorField(err), tc.field)
			}
		})
	}
}

func TestEnterprise_ValidateHistoryFillsLatest(t *testing.T) {
	e, err := historyProfile(t, `, "tax_paid": 7, "fiscal_years": {"2025": {"revenue": 300, "employees": 12}, "2024": {"revenue": 200}}`)
	if err != nil {
		t.Fatal(err)
	}
	if e.Revenue == nil || *e.Revenue != 30000 || e.Employees == nil || *e.Employees != 12 {
		t.Errorf("top-level revenue, employees = %v, %v; want 300 yuan and 12 from 2025", e.Revenue, e.Employees)
	}
	if v, ok := e.YearFigure("tax_paid", 2025); !ok || v != 700 {
		t.Errorf("YearFigure(tax_paid, 2025) = %d, %v; want 700 copied from the top level", v, ok)
	}
	if _, ok := e.YearFigure("tax_paid", 2024); ok {
		t.Error("YearFigure(tax_paid, 2024) known, want unknown: only the latest year takes the top level")
	}
	if y, ok := e.LatestFiscalYear(); !ok || y != 2025 {
		t.Errorf("LatestFiscalYear = %d, %v", y, ok)
	}
}

// yearsOf builds a profile whose fiscal years hold the given figure;
// a negative value leaves the year out.
func yearsOf(field string, byYear map[int]int64) *huiqi.Enterprise {
	e := &huiqi.Enterprise{Industry: "C1952"}
	for y, v := range byYear {
		if v < 0 {
			continue
		}
		fy, _ := e.FiscalYears.Get(y)
		m := huiqi.Money(v)
		switch field {
		case "revenue":
			fy.Revenue = &m
		case "rd_expense":
			fy.RDExpense = &m
		case "output_value":
			fy.OutputValue = &m
		case "employees":
			fy.Employees = &v
		}
		e.FiscalYears.Set(y, fy)
	}
	return e
}

func TestEnterprise_Aggregate(t *testing.T) {
	// output value in fen by year
	full := map[int]int64{2022: 100, 2023: 200, 2024: 150, 2025: 300}
	gap := map[int]int64{2022: 100, 2024: 150, 2025: 300}
	zero := map[int]int64{2023: 0, 2024: 150, 2025: 300}
	for _, tc := range []struct {
		name  string
		years map[int]int64
		over  huiqi.Over
		want  string // exact value as a big.Rat string, "" for unknown
	}{
		{"Sum3", full, huiqi.Over{Years: 3, Agg: "sum"}, "650"},
		{"Sum4", full, huiqi.Over{Years: 4, Agg: "sum"}, "750"},
		{"Sum5MissingYear", full, huiqi.Over{Years: 5, Agg: "sum"}, ""},
		{"SumGap", gap, huiqi.Over{Years: 3, Agg: "sum"}, ""},
		{"Sum2Gap", gap, huiqi.Over{Years: 2, Agg: "sum"}, "450"},
		{"Avg3", full, huiqi.Over{Years: 3, Agg: "avg"}, "650/3"},
		{"Avg2", full, huiqi.Over{Years: 2, Agg: "avg"}, "225"},
		{"Min3", full, huiqi.Over{Years: 3, Agg: "min"}, "150"},
		{"Max3", full, huiqi.Over{Years: 3, Agg: "max"}, "300"},
		{"MaxGap", gap, huiqi.Over{Years: 3, Agg: "max"}, ""},
		{"Prev", full, huiqi.Over{Agg: "prev"}, "150"},
		{"PrevMissing", map[int]int64{2025: 1}, huiqi.Over{Agg: "prev"}, ""},
		{"Increase", full, huiqi.Over{Agg: "increase"}, "150"},
		{"IncreaseNegative", map[int]int64{2024: 300, 2025: 100}, huiqi.Over{Agg: "increase"}, "-200"},
		{"IncreaseFromZero", zero, huiqi.Over{Agg: "increase"}, "150"},
		{"Growth", full, huiqi.Over{Agg: "growth"}, "1"},
		{"GrowthNegative", map[int]int64{2024: 300, 2025: 100}, huiqi.Over{Agg: "growth"}, "-2/3"},
		{"GrowthZeroBase", map[int]int64{2024: 0, 2025: 100}, huiqi.Over{Agg: "growth"}, ""},
		{"IncreaseGapEarlier", gap, huiqi.Over{Agg: "increase"}, "150"},
		// rates 2023: +1, 2024: −1/4, 2025: +1
		{"AvgGrowth3", full, huiqi.Over{Years: 3, Agg: "avg_growth"}, "7/12"},
		{"AvgGrowth2", full, huiqi.Over{Years: 2, Agg: "avg_growth"}, "3/8"},
		{"MinGrowth3", full, huiqi.Over{Years: 3, Agg: "min_growth"}, "-1/4"},
		{"MinGrowthGap", gap, huiqi.Over{Years: 2, Agg: "min_growth"}, ""},
		{"MinGrowthZeroBase", zero, huiqi.Over{Years: 2, Agg: "min_growth"}, ""},
		{"MinGrowth1", zero, huiqi.Over{Years: 1, Agg: "min_growth"}, "1"},
		{"NoYears", nil, huiqi.Over{Years: 1, Agg: "sum"}, ""},
		{"YearsZero", full, huiqi.Over{Agg: "sum"}, ""},
		{"YearsTooMany", full, huiqi.Over{Years: 11, Agg: "sum"}, ""},
		{"UnknownAgg", full, huiqi.Over{Years: 1, Agg: "median"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := yearsOf("output_value", tc.years).Aggregate("output_value", tc.over)
			got := ""
			if ok {
				got = v.RatString()
			}
			if got != tc.want {
				t.Errorf("Aggregate(output_value, %+v) = %q, want %q", tc.over, got, tc.want)
			}
		})
	}
}

func TestEnterprise_AggregateRDRatio(t *testing.T) {
	e := yearsOf("revenue", map[int]int64{2023: 1000, 2024: 2000, 2025: 1000})
	for y, rd := range map[int]int64{2023: 10, 2024: 100, 2025: 40} {
		fy, _ := e.FiscalYears.Get(y)
		m := huiqi.Money(rd)
		fy.RDExpense = &m
		e.FiscalYears.Set(y, fy)
	}
	zeroRev := yearsOf("revenue", map[int]int64{2024: 0, 2025: 1000})
	for y := range 2 {
		fy, _ := zeroRev.FiscalYears.Get(2024 + y)
		m := huiqi.Money(5)
		fy.RDExpense = &m
		zeroRev.FiscalYears.Set(2024+y, fy)
	}
	for _, tc := range []struct {
		name string
		e    *huiqi.Enterprise
		over huiqi.Over
		want string
	}{
		{"SumIsRatioOfSums", e, huiqi.Over{Years: 3, Agg: "sum"}, "3/80"},             // 150 / 4000
		{"AvgIsMeanOfRatios", e, huiqi.Over{Years: 3, Agg: "avg"}, "1/30"},            // (0.01 + 0.05 + 0.04) / 3
		{"Min", e, huiqi.Over{Years: 3, Agg: "min"}, "1/100"},                         //
		{"Prev", e, huiqi.Over{Agg: "prev"}, "1/20"},                                  //
		{"SumZeroYearStillKnown", zeroRev, huiqi.Over{Years: 2, Agg: "sum"}, "1/100"}, // 10 / 1000
		{"AvgZeroYearUnknown", zeroRev, huiqi.Over{Years: 2, Agg: "avg"}, ""},
		{"SumMissingYear", e, huiqi.Over{Years: 4, Agg: "sum"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := tc.e.Aggregate("rd_ratio", tc.over)
			got := ""
			if ok {
				got = v.RatString()
			}
			if got != tc.want {
				t.Errorf("Aggregate(rd_ratio, %+v) = %q, want %q", tc.over, got, tc.want)
			}
		})
	}
}

func TestEnterprise_AggregateAboveSize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		industry string
		years    map[int]int64
		want     string
	}{
		{"BelowLastYear", "C1952", map[int]int64{2024: 1_999_999_999, 2025: 3_000_000_000}, "0"},
		{"AboveLastYear", "C1952", map[int]int64{2024: 2_000_000_000, 2025: 3_000_000_000}, "1"},
		{"LastYearMissing", "C1952", map[int]int64{2025: 3_000_000_000}, ""},
		{"NotIndustrial", "F5165", map[int]int64{2025: 3_000_000_000}, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := yearsOf("revenue", tc.years)
			e.Industry = tc.industry
			v, ok := e.Aggregate("above_designated_size", huiqi.Over{Agg: "prev"})
			got := ""
			if ok {
				got = v.RatString()
			}
			if got != tc.want {
				t.Errorf("Aggregate(above_designated_size, prev) = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEnterprise_Qualifications(t *testing.T) {
	d := func(s string) huiqi.Date {
		v, err := huiqi.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	e := &huiqi.Enterprise{Tags: []string{"park_resident"}, Qualifications: []huiqi.Qualification{
		{Tag: "hightech", GrantedOn: d("2019-12-02"), ExpiresOn: d("2022-12-01")},
		{Tag: "hightech", GrantedOn: d("2022-11-20"), ExpiresOn: d("2025-11-19")},
		{Tag: "hightech", GrantedOn: d("2025-12-10"), ExpiresOn: d("2028-12-09")},
		{Tag: "green_factory", GrantedOn: d("2024-05-01")},
	}}
	for _, tc := range []struct {
		name    string
		got     func() (huiqi.Qualification, bool)
		granted string // "" when none
	}{
		{"InForceLatest", func() (huiqi.Qualification, bool) { return e.QualificationOn("hightech", d("2026-03-01")) }, "2025-12-10"},
		{"InForceOverlap", func() (huiqi.Qualification, bool) { return e.QualificationOn("hightech", d("2022-11-30")) }, "2022-11-20"},
		{"GapBetweenGrants", func() (huiqi.Qualification, bool) { return e.QualificationOn("hightech", d("2025-12-01")) }, ""},
		{"BeforeFirst", func() (huiqi.Qualification, bool) { return e.QualificationOn("hightech", d("2019-12-01")) }, ""},
		{"NoExpiry", func() (huiqi.Qualification, bool) { return e.QualificationOn("green_factory", d("2040-01-01")) }, "2024-05-01"},
		{"LatestGrantExpired", func() (huiqi.Qualification, bool) { return e.LatestGrant("hightech", d("2025-12-01")) }, "2022-11-20"},
		{"LatestGrantNotYet", func() (huiqi.Qualification, bool) { return e.LatestGrant("hightech", d("2019-01-01")) }, ""},
		{"FirstGrant", func() (huiqi.Qualification, bool) { return e.FirstGrant("hightech", d("2026-01-01")) }, "2019-12-02"},
		{"OtherTag", func() (huiqi.Qualification, bool) { return e.LatestGrant("little_giant", d("2026-01-01")) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := tc.got()
			got := ""
			if ok {
				got = q.GrantedOn.String()
			}
			if got != tc.granted {
				t.Errorf("granted_on = %q, want %q", got, tc.granted)
			}
		})
	}
	holds := map[string]bool{}
	for _, tag := range []string{"hightech", "park_resident", "green_factory", "little_giant"} {
		holds[tag] = e.HoldsOn(tag, d("2025-12-01"))
	}
	want := map[string]bool{"hightech": false, "park_resident": true, "green_factory": true, "little_giant": false}
	if diff := cmp.Diff(want, holds); diff != "" {
		t.Errorf("HoldsOn (-want +got):\n%s", diff)
	}
}

func TestEnterprise_CountIncidents(t *testing.T) {
	d := func(s string) huiqi.Date {
		v, _ := huiqi.ParseDate(s)
		return v
	}
	e := &huiqi.Enterprise{Incidents: []huiqi.Incident{
		{Kind: "safety", Level: "general", On: d("2025-05-01")},
		{Kind: "safety", Level: "major", On: d("2023-12-08")},
		{Kind: "environment", Level: "serious", On: d("2023-12-07")},
		{Kind: "quality", Level: "especially_serious", On: d("2026-12-08")},
	}}
	day := d("2026-12-07")
	for _, tc := range []struct {
		name string
		f    huiqi.IncidentFilter
		want int64
	}{
		{"All3Years", huiqi.IncidentFilter{Years: 3}, 2}, // 2023-12-07 is exactly three years back: out; 2026-12-08 is after the day
		{"All4Years", huiqi.IncidentFilter{Years: 4}, 3},
		{"MajorUp", huiqi.IncidentFilter{Years: 3, MinLevel: "major"}, 1},
		{"SafetyMajorUp", huiqi.IncidentFilter{Years: 4, MinLevel: "major", Kinds: []string{"safety"}}, 1},
		{"EnvQuality", huiqi.IncidentFilter{Years: 4, Kinds: []string{"environment", "quality"}}, 1},
		{"SeriousUp1Year", huiqi.IncidentFilter{Years: 1, MinLevel: "serious"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.CountIncidents(tc.f, day); got != tc.want {
				t.Errorf("CountIncidents(%+v) = %d, want %d", tc.f, got, tc.want)
			}
		})
	}
}

func TestCompareRat(t *testing.T) {
	for _, tc := range []struct {
		r     string
		v     int64
		scale int64
		want  int
	}{
		{"1/20", 50000, 1_000_000, 0},
		{"1/20", 50001, 1_000_000, -1},
		{"1/3", 333333, 1_000_000, 1},
		{"-1/4", -250000, 1_000_000, 0},
		{"-1/4", 0, 1_000_000, -1},
		{"650/3", 216, 1, 1},
		{"650/3", 217, 1, -1},
		{"9000000000000000000", 9000000000000000000, 1, 0},
		{"9000000000000000001/7", 1285714285714285714, 1, 1},
		{"12345678901234567890123/1", 5, 1, 1},
	} {
		r, _ := new(big.Rat).SetString(tc.r)
		if got := huiqi.CompareRat(r, tc.v, tc.scale); got != tc.want {
			t.Errorf("CompareRat(%s, %d/%d) = %d, want %d", tc.r, tc.v, tc.scale, got, tc.want)
		}
	}
}

package huiqi_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// refEnterprise is Enterprise as encoding/json alone reads and writes it,
// fiscal years in a plain map: the reference the fast codec is held to.
type refEnterprise struct {
	CreditCode        string                      `json:"credit_code"`
	Name              string                      `json:"name"`
	Region            string                      `json:"region"`
	Industry          string                      `json:"industry"`
	FoundedOn         huiqi.Date                  `json:"founded_on"`
	Employees         *int64                      `json:"employees,omitempty"`
	Revenue           *huiqi.Money                `json:"revenue,omitempty"`
	TotalAssets       *huiqi.Money                `json:"total_assets,omitempty"`
	RDExpense         *huiqi.Money                `json:"rd_expense,omitempty"`
	TaxPaid           *huiqi.Money                `json:"tax_paid,omitempty"`
	RegisteredCapital *huiqi.Money                `json:"registered_capital,omitempty"`
	TaxCredit         string                      `json:"tax_credit,omitempty"`
	Tags              []string                    `json:"tags"`
	Dishonest         bool                        `json:"dishonest"`
	Scale             string                      `json:"scale,omitempty"`
	BusinessScope     string                      `json:"business_scope,omitempty"`
	MainProducts      string                      `json:"main_products,omitempty"`
	FiscalYears       map[string]huiqi.FiscalYear `json:"fiscal_years,omitempty"`
	Qualifications    []huiqi.Qualification       `json:"qualifications,omitempty"`
	Incidents         []huiqi.Incident            `json:"incidents,omitempty"`
	LegacyCode        bool                        `json:"legacy_code,omitempty"`
	Version           int                         `json:"version,omitempty"`
	UpdatedAt         time.Time                   `json:"updated_at,omitzero"`
}

func toRef(e *huiqi.Enterprise) refEnterprise {
	r := refEnterprise{
		CreditCode: e.CreditCode, Name: e.Name, Region: e.Region, Industry: e.Industry, FoundedOn: e.FoundedOn,
		Employees: e.Employees, Revenue: e.Revenue, TotalAssets: e.TotalAssets, RDExpense: e.RDExpense, TaxPaid: e.TaxPaid,
		RegisteredCapital: e.RegisteredCapital, TaxCredit: e.TaxCredit, Tags: e.Tags, Dishonest: e.Dishonest, Scale: e.Scale,
		BusinessScope: e.BusinessScope, MainProducts: e.MainProducts, Qualifications: e.Qualifications, Incidents: e.Incidents,
		LegacyCode: e.LegacyCode, Version: e.Version, UpdatedAt: e.UpdatedAt,
	}
	if e.FiscalYears.Len() > 0 {
		r.FiscalYears = map[string]huiqi.FiscalYear{}
		for _, y := range e.FiscalYears.Years() {
			r.FiscalYears[strconv.Itoa(y)], _ = e.FiscalYears.Get(y)
		}
	}
	return r
}

// yearKeys returns the fiscal years of a reference profile by year, or
// false when a key is not a four-digit year, which the codec refuses.
func yearKeys(m map[string]huiqi.FiscalYear) (map[int]huiqi.FiscalYear, bool) {
	years := map[int]huiqi.FiscalYear{}
	for k, fy := range m {
		y, err := strconv.Atoi(k)
		if err != nil || len(k) != 4 || k[0] < '1' || k[0] > '9' {
			return nil, false
		}
		years[y] = fy
	}
	return years, true
}

func fromRef(r refEnterprise) huiqi.Enterprise {
	years, _ := yearKeys(r.FiscalYears)
	return huiqi.Enterprise{
		CreditCode: r.CreditCode, Name: r.Name, Region: r.Region, Industry: r.Industry, FoundedOn: r.FoundedOn,
		Employees: r.Employees, Revenue: r.Revenue, TotalAssets: r.TotalAssets, RDExpense: r.RDExpense, TaxPaid: r.TaxPaid,
		RegisteredCapital: r.RegisteredCapital, TaxCredit: r.TaxCredit, Tags: r.Tags, Dishonest: r.Dishonest, Scale: r.Scale,
		BusinessScope: r.BusinessScope, MainProducts: r.MainProducts, FiscalYears: huiqi.FiscalYearsOf(years),
		Qualifications: r.Qualifications, Incidents: r.Incidents, LegacyCode: r.LegacyCode, Version: r.Version, UpdatedAt: r.UpdatedAt,
	}
}

// sameAsReference decodes data with the profile's codec, called directly
// as the stores do and through json.Unmarshal, and with encoding/json into
// the reference; all must agree on refusing it, or give equal profiles.
// The one difference: a fiscal year keyed by anything but four digits is
// the codec's error.
func sameAsReference(t *testing.T, data []byte) {
	t.Helper()
	var ref refEnterprise
	refErr := json.Unmarshal(data, &ref)
	var direct, viaStd huiqi.Enterprise
	directErr := direct.UnmarshalJSON(data)
	stdErr := json.Unmarshal(data, &viaStd)
	if _, years := yearKeys(ref.FiscalYears); refErr == nil && !years {
		if directErr == nil || stdErr == nil {
			t.Fatalf("decoding %q: a fiscal year not keyed by four digits accepted (%v, %v)", data, directErr, stdErr)
		}
		return
	}
	if (refErr == nil) != (directErr == nil) || (refErr == nil) != (stdErr == nil) {
		t.Fatalf("decoding %q: encoding/json says %v, UnmarshalJSON %v, json.Unmarshal %v", data, refErr, directErr, stdErr)
	}
	if refErr != nil {
		return
	}
	want := fromRef(ref)
	if diff := cmp.Diff(want, direct, equateDates); diff != "" {
		t.Fatalf("UnmarshalJSON(%q) (-encoding/json +fast):\n%s", data, diff)
	}
	if diff := cmp.Diff(want, viaStd, equateDates); diff != "" {
		t.Fatalf("json.Unmarshal(%q) (-encoding/json +fast):\n%s", data, diff)
	}
	// Encoding: the bytes encoding/json writes for the reference.
	got, err := json.Marshal(&direct)
	if err != nil {
		t.Fatalf("encode %q: %v", data, err)
	}
	wantOut, err := json.Marshal(toRef(&direct))
	if err != nil {
		t.Fatalf("encode the reference of %q: %v", data, err)
	}
	direct2, err := direct.AppendJSON(nil)
	if err != nil {
		t.Fatalf("AppendJSON of %q: %v", data, err)
	}
	if !bytes.Equal(got, wantOut) || !bytes.Equal(direct2, wantOut) {
		t.Fatalf("encoding %q:\n got %s\n and %s\nwant %s", data, got, direct2, wantOut)
	}
}

// TestEnterpriseJSON_MatchesEncodingJSON holds the codec to encoding/json
// on generated profiles with history, as stored and as served (version
// and time set), and on every mutation of a byte of some of them.
func TestEnterpriseJSON_MatchesEncodingJSON(t *testing.T) {
	es := demo.Enterprises(1000, 5, huiqi.NewDate(2026, 6, 15))
	withHistory := 0
	var docs [][]byte
	for i, e := range es {
		if e.FiscalYears.Len() > 0 && len(e.Qualifications) > 0 {
			withHistory++
		}
		if i%7 == 0 {
			e.LegacyCode = true
		}
		if i%2 == 0 {
			e.Version, e.UpdatedAt = i+1, time.Date(2026, 6, 15, 8, 30, i%60, i*1000, huiqi.Shanghai)
		}
		data, err := json.Marshal(toRef(e))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := e.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) || !bytes.Equal(direct, data) {
			t.Fatalf("profile %d encodes as\n%s\nand\n%s\nwant\n%s", i, got, direct, data)
		}
		var back huiqi.Enterprise
		if err := back.UnmarshalJSON(data); err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		if diff := cmp.Diff(*e, back, equateDates); diff != "" {
			t.Fatalf("profile %d round trip (-generated +decoded):\n%s", i, diff)
		}
		sameAsReference(t, data)
		docs = append(docs, data)
	}
	if withHistory < 50 {
		t.Fatalf("only %d profiles with fiscal years and qualifications", withHistory)
	}
	// Every byte of a few documents, changed to a character JSON gives a
	// meaning to or removed: the fast path must refuse or agree.
	r := rand.New(rand.NewPCG(1, 2))
	special := []byte(`{}[]",:0123456789.-eE+ntfu\ ` + "\x00\x7f\xff")
	for _, doc := range docs[:3] {
		for i := range doc {
			m := bytes.Clone(doc)
			m[i] = special[r.IntN(len(special))]
			sameAsReference(t, m)
			sameAsReference(t, append(bytes.Clone(doc[:i]), doc[i+1:]...))
		}
	}
}

// TestEnterpriseJSON_Forms checks forms the generator never writes, which
// the fast path leaves to encoding/json or reads itself.
func TestEnterpriseJSON_Forms(t *testing.T) {
	for _, s := range []string{
		`{}`, `null`, ` {"name": "x"} `, `{"Name": "x"}`, `{"name": "\u6cc9\u5dde <&>"}`, `{"na\u006de": "x"}`,
		`{"revenue": 1.5, "revenue": 2}`, `{"employees": 3, "employees": 4}`, `{"revenue": 1e3}`, `{"revenue": 1.234}`,
		`{"revenue": -0.5}`, `{"revenue": 0.10}`, `{"revenue": 012}`, `{"employees": 1.0}`, `{"employees": -0}`,
		`{"version": 99999999999999999999}`, `{"founded_on": "2024-02-29"}`, `{"founded_on": "2023-02-29"}`,
		`{"founded_on": "1899-12-31"}`, `{"founded_on": null}`, `{"tags": null}`, `{"tags": []}`, `{"tags": ["a"], "tags": ["b"]}`,
		`{"fiscal_years": {}}`, `{"fiscal_years": null}`, `{"fiscal_years": {"2025": {}, "2024": {"revenue": 1}}}`,
		`{"fiscal_years": {"2024": {"revenue": 1}, "2024": {"tax_paid": 2}}}`, `{"fiscal_years": {"abc": {"employees": 2}}}`,
		`{"fiscal_years": {"2024": {"Revenue": 1}}}`, `{"fiscal_years": {"2024": {"bogus": 1}}}`, `{"fiscal_years": {"2024": null}}`,
		`{"fiscal_years": {"2024": {"revenue": 1}}, "fiscal_years": {"2023": {"revenue": 2}}}`,
		`{"qualifications": []}`, `{"qualifications": [{}]}`, `{"qualifications": [{"tag": "hightech", "granted_on": "2024-12-01", "expires_on": "2027-11-30"}]}`,
		`{"incidents": [{"kind": "safety", "level": "general", "on": "2025-03-01"}, {"kind": "x"}]}`,
		`{"updated_at": "2026-06-15T08:30:00.123+08:00", "version": 3}`, `{"updated_at": "yesterday"}`,
		`{"dishonest": true, "legacy_code": false}`, `{"dishonest": 0}`, `{"name": "a` + "\x01" + `"}`, `{"name": "` + "\xff" + `"}`,
		`{"unknown": {"deep": [1, {"x": null}]}, "name": "y"}`, `{"name": "x"} {}`, `{"name": "x",}`, `[]`, ``,
	} {
		sameAsReference(t, []byte(s))
	}
}

// TestEnterpriseJSON_KeepsAbsentFields checks that decoding into a filled
// profile keeps what the document does not name and adds fiscal years to
// those held, as encoding/json does with a struct and a map.
func TestEnterpriseJSON_KeepsAbsentFields(t *testing.T) {
	m := huiqi.Money(100)
	e := huiqi.Enterprise{Name: "before", Region: "350582", FiscalYears: huiqi.FiscalYearsOf(map[int]huiqi.FiscalYear{2023: {Revenue: &m}})}
	if err := json.Unmarshal([]byte(`{"name": "after", "fiscal_years": {"2024": {"tax_paid": 2}}}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.Name != "after" || e.Region != "350582" || e.FiscalYears.Len() != 2 {
		t.Errorf("decoded into a filled profile: name %q, region %q, %d years; want after, 350582, 2", e.Name, e.Region, e.FiscalYears.Len())
	}
}

// FuzzEnterpriseJSON holds the profile codec to encoding/json on any
// input: the same profile or the same refusal, and the same bytes out.
func FuzzEnterpriseJSON(f *testing.F) {
	var lines bytes.Buffer
	if err := demo.WriteNDJSON(&lines, demo.Enterprises(20, 2, huiqi.NewDate(2026, 6, 15))); err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(lines.Bytes()), []byte("\n")) {
		f.Add(line)
	}
	f.Add([]byte(`{"fiscal_years": {"2024": {"revenue": 1}, "2024": {"tax_paid": 2}}}`))
	f.Add([]byte(`{"qualifications": [{"tag": "hightech", "granted_on": "2024-12-01"}], "updated_at": "2026-06-15T08:30:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameAsReference(t, data) })
}

// TestDecodeJSON_FiscalYearsPaths checks that strict decoding names the
// path inside fiscal years, which are no longer a map to encoding/json.
func TestDecodeJSON_FiscalYearsPaths(t *testing.T) {
	for _, tt := range []struct{ in, field, want string }{
		{`{"fiscal_years": {"2024": {"revenue": 1.234}}}`, "fiscal_years.2024.revenue", "两位小数"},
		{`{"fiscal_years": {"2024": {"revenue": "1"}}}`, "fiscal_years.2024.revenue", "金额应为数字"},
		{`{"fiscal_years": {"2024": {"employees": 1.5}}}`, "fiscal_years.2024.employees", "应为整数"},
		{`{"fiscal_years": {"2024": {"revenu": 1}}}`, "fiscal_years.2024.revenu", "未知字段"},
		{`{"fiscal_years": {"2024": {"revenue": 1}, "2024": {}}}`, "fiscal_years.2024", "重复"},
		{`{"fiscal_years": {"2024": []}}`, "fiscal_years.2024", "应为对象"},
		{`{"fiscal_years": [1]}`, "fiscal_years", "应为对象"},
		{`{"Fiscal_years": {}}`, "Fiscal_years", "未知字段"},
	} {
		var e huiqi.Enterprise
		err := huiqi.DecodeJSON([]byte(tt.in), &e)
		if huiqi.ErrorField(err) != tt.field || !bytes.Contains([]byte(huiqi.ErrorMessage(err)), []byte(tt.want)) {
			t.Errorf("DecodeJSON(%s) = %v, want field %s with %q", tt.in, err, tt.field, tt.want)
		}
	}
	// A key that is no year is refused with its path, by DecodeJSON and by
	// the exact-keys decoding of an import alike.
	for _, key := range []string{"20x4", "0999", "20245"} {
		in := `{"fiscal_years": {"` + key + `": {"revenue": 1}}}`
		var e huiqi.Enterprise
		err := huiqi.DecodeJSON([]byte(in), &e)
		if huiqi.ErrorField(err) != "fiscal_years."+key || !bytes.Contains([]byte(huiqi.ErrorMessage(err)), []byte("四位年份")) {
			t.Errorf("DecodeJSON(%s) = %v, want field fiscal_years.%s with 四位年份", in, err, key)
		}
		if err := json.Unmarshal([]byte(in), &e); huiqi.ErrorField(err) != key {
			t.Errorf("json.Unmarshal(%s) = %v, want an error naming %q", in, err, key)
		}
	}
}

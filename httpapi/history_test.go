package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

// TestAPI_ProfileHistory sends fiscal years, qualifications and incidents
// through the single-profile routes and the bulk import: bad history is a
// 400 (a line error in bulk) naming its path and stores nothing, good
// history makes a new version.
func TestAPI_ProfileHistory(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(1)
	s.mustCreateEnterprise(t, apiProfile(code))

	with := func(mod func(p map[string]any)) map[string]any {
		p := apiProfile(code)
		mod(p)
		return p
	}
	for _, tt := range []struct {
		name  string
		mod   func(p map[string]any)
		field string
	}{
		{"YearNotClosed", func(p map[string]any) { p["fiscal_years"] = map[string]any{"2026": map[string]any{"revenue": 1}} }, "fiscal_years.2026"},
		{"NegativeYearly", func(p map[string]any) {
			p["fiscal_years"] = map[string]any{"2024": map[string]any{"output_value": -1}}
		}, "fiscal_years.2024.output_value"},
		{"UnknownYearly", func(p map[string]any) { p["fiscal_years"] = map[string]any{"2024": map[string]any{"profit": 1}} }, "fiscal_years.2024.profit"},
		{"LatestDiffers", func(p map[string]any) {
			p["fiscal_years"] = map[string]any{"2025": map[string]any{"revenue": 29000000}}
		}, "revenue"},
		{"GrantAfterExpiry", func(p map[string]any) {
			p["qualifications"] = []any{map[string]any{"tag": "hightech", "granted_on": "2025-12-10", "expires_on": "2025-12-01"}}
		}, "qualifications[0].expires_on"},
		{"IncidentLevel", func(p map[string]any) {
			p["incidents"] = []any{map[string]any{"kind": "safety", "level": "huge", "on": "2025-01-01"}}
		}, "incidents[0].level"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "PUT", "/v1/enterprises/"+code, s.Admin, with(tt.mod))
			wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, tt.field)
		})
	}

	good := with(func(p map[string]any) {
		delete(p, "revenue")
		p["fiscal_years"] = map[string]any{"2024": map[string]any{"revenue": 25000000, "output_value": 24000000}, "2025": map[string]any{"revenue": 30000000}}
		p["qualifications"] = []any{map[string]any{"tag": "hightech", "granted_on": "2025-12-10", "expires_on": "2028-12-09"}}
	})
	var got struct {
		Version     int                         `json:"version"`
		Revenue     json.Number                 `json:"revenue"`
		FiscalYears map[string]huiqi.FiscalYear `json:"fiscal_years"`
	}
	s.mustDo(t, "PUT", "/v1/enterprises/"+code, s.Admin, good, http.StatusOK, &got)
	if got.Version != 2 || got.Revenue != "30000000" || len(got.FiscalYears) != 2 {
		t.Errorf("PUT with history = version %d, revenue %s, %d years; want 2, 30000000 from 2025, 2", got.Version, got.Revenue, len(got.FiscalYears))
	}

	line := func(p map[string]any) string {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	other := apiProfile(apiCode(2))
	other["fiscal_years"] = map[string]any{"2025": map[string]any{"revenue": 30000000, "import_export": 5000000}}
	bad := apiProfile(apiCode(3))
	bad["fiscal_years"] = map[string]any{"2025": map[string]any{"Revenue": 1}}
	var report bulkReport
	s.mustDo(t, "POST", "/v1/enterprises/bulk", s.Admin, strings.Join([]string{line(other), line(bad)}, "\n")+"\n", http.StatusOK, &report)
	want := bulkReport{Accepted: 1, Rejected: 1, Errors: []bulkErr{{Line: 2, Code: huiqi.EInvalid, Field: "fiscal_years.2025.Revenue"}}}
	if diff := cmp.Diff(want, report, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())); diff != "" {
		t.Errorf("bulk report (-want +got):\n%s", diff)
	}
}

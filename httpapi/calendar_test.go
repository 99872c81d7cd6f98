package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
)

func TestAPI_Calendar(t *testing.T) {
	s := newAppServerAt(t, time.Date(2027, 10, 5, 10, 0, 0, 0, huiqi.Shanghai))
	off := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	doc := map[string]any{"source": "国务院办公厅关于2028年部分节假日安排的通知", "off": []string{"2028-01-01", "2028-01-02", "2028-01-03"}, "work": []string{}}

	var ready map[string]any
	s.must(t, "GET", "/readyz", "", nil, http.StatusOK, &ready)
	if ws, _ := ready["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "2028") {
		t.Fatalf("readyz on 2027-10-05 without 2028 = %v, want a warning naming 2028", ready)
	}
	metrics := s.call(t, "GET", "/metrics", "", nil)
	if !strings.Contains(string(metrics.body), "huiqi_calendar_next_year_missing 1") ||
		!strings.Contains(string(metrics.body), "huiqi_calendar_last_covered_date_seconds") {
		t.Fatalf("metrics lack the calendar gauges")
	}

	t.Run("Errors", func(t *testing.T) {
		s.call(t, "PUT", "/v1/calendar/2028", off, doc).wantError(t, http.StatusForbidden, huiqi.EForbidden, "")
		s.call(t, "PUT", "/v1/calendar/2028", "", doc).wantError(t, http.StatusUnauthorized, huiqi.EUnauthorized, "")
		s.call(t, "PUT", "/v1/calendar/next", s.admin, doc).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "year")
		s.call(t, "PUT", "/v1/calendar/2029", s.admin, doc).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "off[0]")
		bad := map[string]any{"source": "s", "off": []string{"2028-01-03"}, "work": []string{"2028-01-03"}}
		s.call(t, "PUT", "/v1/calendar/2028", s.admin, bad).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "work[0]")
	})
	var before struct {
		Years []struct {
			Year   int    `json:"year"`
			Origin string `json:"origin"`
			Source string `json:"source"`
			Actor  string `json:"actor"`
		} `json:"years"`
		LastCovered string `json:"last_covered"`
		Warning     string `json:"warning"`
	}
	s.must(t, "GET", "/v1/calendar", off, nil, http.StatusOK, &before)
	if len(before.Years) != 5 || before.Years[0].Year != 2023 || before.LastCovered != "2027-12-31" || before.Warning == "" {
		t.Fatalf("GET /v1/calendar = %+v, want 2023–2027 embedded with a warning", before)
	}
	s.must(t, "PUT", "/v1/calendar/2028", s.admin, doc, http.StatusOK, nil)
	after := before
	after.Warning = "" // left out of the response when there is none
	s.must(t, "GET", "/v1/calendar", off, nil, http.StatusOK, &after)
	last := after.Years[len(after.Years)-1]
	if last.Year != 2028 || last.Origin != "operator" || last.Actor != "admin" || after.LastCovered != "2028-12-31" || after.Warning != "" {
		t.Fatalf("after PUT: %+v", after)
	}
	ready = nil
	s.must(t, "GET", "/readyz", "", nil, http.StatusOK, &ready)
	if _, ok := ready["warnings"]; ok {
		t.Fatalf("readyz after 2028 is added = %v, want no warning", ready)
	}
}

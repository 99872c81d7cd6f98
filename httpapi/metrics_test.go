package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// /metrics speaks the Prometheus text format with huiqi's own figures,
// among them request latency by route and the clock counts by department.
func TestMetrics(t *testing.T) {
	s := mustAPIServer(t)
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("metrics-a", apiDeptA), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/policies/metrics-a/publish", s.Admin, nil, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/enterprises", s.Admin, apiProfile(apiCode(3)), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/applications", s.Admin, map[string]any{"policy_id": "metrics-a", "credit_code": apiCode(3)}, http.StatusCreated, nil)
	s.mustDo(t, "GET", "/v1/policies", "", nil, http.StatusOK, nil)
	r := s.mustDo(t, "GET", "/metrics", s.Admin, nil, http.StatusOK, nil)
	body := string(r.Body)
	for _, want := range []string{
		`huiqi_http_request_duration_seconds_count{method="GET",route="/v1/policies",status="200"} 1`,
		"huiqi_evaluations_total",
		"huiqi_outbox_backlog",
		"huiqi_index_lag",
		`huiqi_applications_by_clock_status{department="` + apiDeptA + `",status="overdue"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

// TestAPI_Undetermined checks three-valued verdicts through the API: a
// profile without revenue is neither eligible nor ineligible for policies
// that read it; it gets them as undetermined, with the fields to supply
// ranked, and a policy's matches count and list it apart. Only eligible
// verdicts are stored and pushed: supplying the figure makes a new match.
func TestAPI_Undetermined(t *testing.T) {
	s := mustAPIServer(t)
	leaf := func(field, op string, value any, label string) map[string]any {
		return map[string]any{"field": field, "op": op, "value": value, "label": label}
	}
	policy := func(id string, elig []any, amount map[string]any) map[string]any {
		return map[string]any{"id": id, "title": "标题 " + id, "department": apiDeptA,
			"eligibility": map[string]any{"all": elig}, "benefit": map[string]any{"kind": "award", "amount": amount}}
	}
	for _, p := range []map[string]any{
		policy("u-rev", []any{leaf("employees", "gte", 10, "从业人员不少于10人"), leaf("revenue", "gte", 10000000, "营业收入不少于1000万元")}, map[string]any{"fixed": 50000}),
		policy("u-ratio", []any{leaf("rd_ratio", "gte", "0.03", "研发费用占比不低于3%")}, map[string]any{"rate": "0.1", "of": "rd_expense"}),
		policy("u-size", []any{leaf("above_designated_size", "eq", true, "规模以上工业企业")}, map[string]any{"fixed": 1000}),
		policy("u-staff", []any{leaf("employees", "gte", 500, "从业人员不少于500人")}, map[string]any{"fixed": 1}),
	} {
		s.mustPublishPolicy(t, p)
	}
	code := apiCode(41)
	profile := apiProfile(code)
	delete(profile, "revenue")
	s.mustCreateEnterprise(t, profile)

	type undetermined struct {
		PolicyID string   `json:"policy_id"`
		Title    string   `json:"title"`
		Amount   *float64 `json:"amount"`
		Missing  []string `json:"missing"`
		Unknown  []struct {
			Label  string `json:"label"`
			Actual any    `json:"actual"`
			Pass   *bool  `json:"pass"`
		} `json:"unknown"`
	}
	type settle struct {
		Field    string `json:"field"`
		Label    string `json:"label"`
		Policies int    `json:"policies"`
	}
	type matches struct {
		Eligible     []json.RawMessage `json:"eligible"`
		NearMisses   []json.RawMessage `json:"near_misses"`
		Undetermined []undetermined    `json:"undetermined"`
		Settle       []settle          `json:"settle"`
	}
	f := func(v float64) *float64 { return &v }
	check := func(t *testing.T, got matches) {
		t.Helper()
		if len(got.Eligible) != 0 || len(got.NearMisses) != 1 {
			t.Errorf("%d eligible, %d near misses; want 0 and u-staff", len(got.Eligible), len(got.NearMisses))
		}
		type short struct {
			ID      string
			Amount  *float64
			Missing []string
		}
		var ids []short
		for _, u := range got.Undetermined {
			ids = append(ids, short{u.PolicyID, u.Amount, u.Missing})
			for _, c := range u.Unknown {
				if c.Pass != nil || c.Actual != nil {
					t.Errorf("%s: unknown check %q pass %v actual %v, want both null", u.PolicyID, c.Label, c.Pass, c.Actual)
				}
			}
			if len(u.Unknown) != 1 {
				t.Errorf("%s: %d unknown checks, want 1", u.PolicyID, len(u.Unknown))
			}
		}
		// The rate amount of u-ratio is known: rd_expense is.
		want := []short{{"u-ratio", f(120000), []string{"revenue"}}, {"u-rev", f(50000), []string{"revenue"}}, {"u-size", f(1000), []string{"revenue"}}}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("undetermined (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]settle{{"revenue", "营业收入", 3}}, got.Settle); diff != "" {
			t.Errorf("settle (-want +got):\n%s", diff)
		}
	}

	t.Run("EnterpriseMatches", func(t *testing.T) {
		var got matches
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches?near=true", s.Admin, nil, http.StatusOK, &got)
		check(t, got)
	})
	t.Run("Calculator", func(t *testing.T) {
		p := apiProfile(code)
		delete(p, "revenue")
		delete(p, "credit_code")
		var got matches
		s.mustDo(t, "POST", "/v1/match", "", p, http.StatusOK, &got)
		check(t, got)
	})
	t.Run("PolicyMatches", func(t *testing.T) {
		type reach struct {
			Total             int    `json:"total"`
			UndeterminedTotal int    `json:"undetermined_total"`
			State             string `json:"state"`
			Items             []struct {
				CreditCode string   `json:"credit_code"`
				Amount     *float64 `json:"amount"`
				Missing    []string `json:"missing"`
			} `json:"items"`
		}
		for _, path := range []string{"/v1/policies/u-rev/matches", "/v1/policies/u-rev/preview"} {
			method := "GET"
			if path == "/v1/policies/u-rev/preview" {
				method = "POST"
			}
			var got reach
			s.mustDo(t, method, path, s.Admin, nil, http.StatusOK, &got)
			if got.Total != 0 || got.UndeterminedTotal != 1 || got.State != "eligible" || len(got.Items) != 0 {
				t.Errorf("%s %s = %+v, want none eligible, 1 undetermined", method, path, got)
			}
			got = reach{}
			s.mustDo(t, method, path+"?state=undetermined", s.Admin, nil, http.StatusOK, &got)
			if got.State != "undetermined" || len(got.Items) != 1 || got.Items[0].CreditCode != code ||
				!slices.Equal(got.Items[0].Missing, []string{"revenue"}) || got.Items[0].Amount == nil || *got.Items[0].Amount != 50000 {
				t.Errorf("%s %s?state=undetermined = %+v, want %s lacking revenue, 50000", method, path, got, code)
			}
			r := s.do(t, method, path+"?state=maybe", s.Admin, nil)
			wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "state")
		}
	})
	t.Run("OnlyEligiblePushed", func(t *testing.T) {
		type feed struct {
			Items []struct {
				Kind     string `json:"kind"`
				PolicyID string `json:"policy_id"`
			} `json:"items"`
		}
		var before feed
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/notifications", s.Admin, nil, http.StatusOK, &before)
		if len(before.Items) != 0 {
			t.Errorf("notifications of an undetermined profile = %+v, want none", before.Items)
		}
		if n, err := s.DB.PolicyVerdictCount(context.Background(), "u-rev"); err != nil || n != 0 {
			t.Errorf("PolicyVerdictCount(u-rev) = %d, %v; want 0 while undetermined", n, err)
		}
		// The revenue supplied settles u-rev eligible, u-size eligible
		// (30 million yuan of a manufacturer) and u-ratio eligible (4%).
		profile["revenue"] = 30000000
		s.mustDo(t, "PUT", "/v1/enterprises/"+code, s.Admin, profile, http.StatusOK, nil)
		var after feed
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/notifications", s.Admin, nil, http.StatusOK, &after)
		var got []string
		for _, it := range after.Items {
			if it.Kind == "new_match" {
				got = append(got, it.PolicyID)
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff([]string{"u-ratio", "u-rev", "u-size"}, got); diff != "" {
			t.Errorf("new matches once revenue is supplied (-want +got):\n%s", diff)
		}
	})
}

package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/huiqi/huiqi"
)

// groupPolicies publishes two policies of department A in the exclusive
// group rd-subsidy, worth 100,000 and 200,000 yuan, the second with a
// budget of 300,000.
func (s *appServer) groupPolicies(tb testing.TB) {
	tb.Helper()
	for id, amount := range map[string]int{"p-sme": 100000, "p-hightech": 200000} {
		doc := map[string]any{
			"id": id, "title": "测试政策 " + id, "department": appDeptA, "region": "3505", "mode": "apply",
			"exclusive_group": "rd-subsidy",
			"eligibility":     map[string]any{"all": []any{map[string]any{"field": "region", "op": "prefix", "value": "3505"}}},
			"benefit":         map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": amount}},
		}
		if id == "p-hightech" {
			doc["budget"] = 300000
		}
		s.must(tb, "POST", "/v1/policies", s.admin, doc, http.StatusCreated, nil)
		s.must(tb, "POST", "/v1/policies/"+id+"/publish", s.admin, nil, http.StatusOK, nil)
	}
}

// acceptedVia files an application of the enterprise and accepts it,
// returning its events path.
func (s *appServer) acceptedVia(tb testing.TB, off, policyID, code string) (int64, string) {
	tb.Helper()
	var a appApplication
	s.must(tb, "POST", "/v1/applications", s.admin, map[string]any{"policy_id": policyID, "credit_code": code}, http.StatusCreated, &a)
	events := fmt.Sprintf("/v1/applications/%d/events", a.ID)
	s.must(tb, "POST", events, off, map[string]any{"type": "accept"}, http.StatusCreated, nil)
	return a.ID, events
}

// eventCount returns the number of events of an application.
func (s *appServer) eventCount(tb testing.TB, id int64) int {
	tb.Helper()
	var a appApplication
	s.must(tb, "GET", fmt.Sprintf("/v1/applications/%d", id), s.admin, nil, http.StatusOK, &a)
	return len(a.Events)
}

func TestAPI_Payouts(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	s.groupPolicies(t)
	off := s.token(t, huiqi.RoleOfficial, appDeptA, "")

	t.Run("ApprovedAmountBoundsPayout", func(t *testing.T) {
		id, events := s.acceptedVia(t, off, "p-a", appCodes[0])
		s.call(t, "POST", events, off, map[string]any{"type": "approve", "amount": 150000}).
			wantError(t, http.StatusBadRequest, huiqi.EInvalid, "note")
		var a map[string]any
		s.must(t, "POST", events, off, map[string]any{"type": "approve", "amount": 150000, "note": "追加奖励"}, http.StatusCreated, &a)
		if a["amount_approved"] != 150000.0 || a["approval_estimate"] != 100000.0 || a["over_estimate"] != true {
			t.Fatalf("approved %v, estimate %v, over %v; want 150000 over 100000 flagged", a["amount_approved"], a["approval_estimate"], a["over_estimate"])
		}
		r := s.call(t, "POST", events, off, map[string]any{"type": "disburse", "amount": 5000000})
		r.wantError(t, http.StatusConflict, huiqi.EConflict, "")
		if !strings.Contains(string(r.body), fmt.Sprintf("申请 %d", id)) {
			t.Fatalf("409 %s does not name the application", r.body)
		}
		if n := s.eventCount(t, id); n != 3 {
			t.Fatalf("after refusals %d events, want 3", n)
		}
		s.must(t, "POST", events, off, map[string]any{"type": "disburse", "amount": 150000}, http.StatusCreated, nil)
	})
	t.Run("ExclusiveGroup", func(t *testing.T) {
		sme, smeEvents := s.acceptedVia(t, off, "p-sme", appCodes[1])
		hi, hiEvents := s.acceptedVia(t, off, "p-hightech", appCodes[1])
		s.must(t, "POST", hiEvents, off, map[string]any{"type": "approve"}, http.StatusCreated, nil)
		r := s.call(t, "POST", smeEvents, off, map[string]any{"type": "approve"})
		r.wantError(t, http.StatusConflict, huiqi.EConflict, "")
		if !strings.Contains(string(r.body), fmt.Sprintf("申请 %d", hi)) || !strings.Contains(string(r.body), "p-hightech") {
			t.Fatalf("409 %s does not name application %d and its policy", r.body, hi)
		}
		if n := s.eventCount(t, sme); n != 2 {
			t.Fatalf("after the refusal %d events, want 2", n)
		}
	})
	t.Run("RacingApprovalsOfAGroup", func(t *testing.T) {
		// Two enterprises, each with an application under both policies;
		// the budget of p-hightech (300,000) leaves room for one more.
		var paths []string
		for _, code := range appCodes[2:] {
			_, a := s.acceptedVia(t, off, "p-sme", code)
			_, b := s.acceptedVia(t, off, "p-hightech", code)
			paths = append(paths, a, b)
		}
		statuses := map[int]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, p := range paths {
			for range 3 { // each approval sent three times at once
				wg.Go(func() {
					<-start
					r := s.call(t, "POST", p, off, map[string]any{"type": "approve"})
					mu.Lock()
					statuses[r.status]++
					mu.Unlock()
				})
			}
		}
		close(start)
		wg.Wait()
		if statuses[http.StatusCreated] != 2 || statuses[http.StatusConflict] != 10 {
			t.Fatalf("12 racing approvals: %v, want two 201 (one per enterprise) and ten 409", statuses)
		}
		for _, code := range appCodes[2:] {
			var list struct {
				Total int `json:"total"`
			}
			s.must(t, "GET", "/v1/applications?state=approved&credit_code="+code, s.admin, nil, http.StatusOK, &list)
			if list.Total != 1 {
				t.Fatalf("enterprise %s: %d approved, want 1", code, list.Total)
			}
		}
		var st struct {
			Total struct {
				Funnel struct {
					AmountApproved  *int64 `json:"amount_approved"`
					AmountDisbursed *int64 `json:"amount_disbursed"`
				} `json:"funnel"`
			} `json:"total"`
		}
		s.must(t, "GET", "/v1/audit/stats", s.admin, nil, http.StatusOK, &st)
		// 150,000 paid under p-a, 200,000 approved under p-hightech, and two
		// of 100,000 under p-sme.
		if f := st.Total.Funnel; f.AmountApproved == nil || *f.AmountApproved != 550000 || *f.AmountDisbursed != 150000 {
			t.Fatalf("audit stats funnel approved %v, disbursed %v; want 550000 and 150000", f.AmountApproved, f.AmountDisbursed)
		}
	})
}

func TestAPI_Once(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	off := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	s.must(t, "POST", "/v1/policies", s.admin, map[string]any{
		"id": "p-once", "title": "一次性奖励", "department": appDeptA, "region": "3505", "mode": "apply", "once": true,
		"eligibility": map[string]any{"all": []any{map[string]any{"field": "region", "op": "prefix", "value": "3505"}}},
		"benefit":     map[string]any{"kind": "award", "amount": map[string]any{"fixed": 100000}},
	}, http.StatusCreated, nil)
	s.must(t, "POST", "/v1/policies/p-once/publish", s.admin, nil, http.StatusOK, nil)
	id, events := s.acceptedVia(t, off, "p-once", appCodes[0])
	s.must(t, "POST", events, off, map[string]any{"type": "approve"}, http.StatusCreated, nil)
	s.must(t, "POST", events, off, map[string]any{"type": "disburse", "amount": 100000}, http.StatusCreated, nil)

	var m struct {
		Eligible []struct {
			PolicyID string `json:"policy_id"`
		} `json:"eligible"`
		NearMisses []struct {
			PolicyID string `json:"policy_id"`
			Missing  struct {
				Label  string `json:"label"`
				Actual string `json:"actual"`
				Pass   bool   `json:"pass"`
			} `json:"missing"`
		} `json:"near_misses"`
	}
	s.must(t, "GET", "/v1/enterprises/"+appCodes[0]+"/matches?near=true", s.admin, nil, http.StatusOK, &m)
	for _, v := range m.Eligible {
		if v.PolicyID == "p-once" {
			t.Fatal("paid enterprise still eligible for p-once")
		}
	}
	found := false
	for _, nm := range m.NearMisses {
		if nm.PolicyID == "p-once" {
			found = nm.Missing.Label == "未享受过本政策" && !nm.Missing.Pass && strings.Contains(nm.Missing.Actual, fmt.Sprintf("申请 %d", id))
		}
	}
	if !found {
		t.Fatalf("matches %+v: want p-once missing 未享受过本政策 naming application %d", m, id)
	}
	r := s.call(t, "POST", "/v1/applications", s.admin, map[string]any{"policy_id": "p-once", "credit_code": appCodes[0]})
	r.wantError(t, http.StatusConflict, huiqi.EConflict, "")
	if !strings.Contains(string(r.body), fmt.Sprintf("申请 %d", id)) {
		t.Fatalf("409 %s does not name the payout", r.body)
	}
	var list struct {
		Total int `json:"total"`
	}
	s.must(t, "GET", "/v1/applications?policy_id=p-once", s.admin, nil, http.StatusOK, &list)
	if list.Total != 1 {
		t.Fatalf("%d applications of p-once after the refusal, want 1", list.Total)
	}
}

func TestAPI_GroupOffers(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	for id, amount := range map[string]int{"p-auto-low": 100000, "p-auto-high": 200000} {
		s.must(t, "POST", "/v1/policies", s.admin, map[string]any{
			"id": id, "title": "免申即享 " + id, "department": appDeptA, "region": "3505", "mode": "auto",
			"exclusive_group": "rd-subsidy",
			"eligibility":     map[string]any{"all": []any{map[string]any{"field": "region", "op": "prefix", "value": "3505"}}},
			"benefit":         map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": amount}},
		}, http.StatusCreated, nil)
	}
	// Published together in one order: the lower first is offered, and
	// the higher waits until that offer closes.
	s.must(t, "POST", "/v1/policies/p-auto-low/publish", s.admin, nil, http.StatusOK, nil)
	s.must(t, "POST", "/v1/policies/p-auto-high/publish", s.admin, nil, http.StatusOK, nil)
	ent := s.token(t, huiqi.RoleEnterprise, "", appCodes[0])
	offers := func() []string {
		var list struct {
			Items []struct {
				ID       int64  `json:"id"`
				PolicyID string `json:"policy_id"`
			} `json:"items"`
		}
		s.must(t, "GET", "/v1/applications?state=offered", ent, nil, http.StatusOK, &list)
		var ids []string
		for _, a := range list.Items {
			ids = append(ids, fmt.Sprintf("%s/%d", a.PolicyID, a.ID))
		}
		return ids
	}
	got := offers()
	if len(got) != 1 || !strings.HasPrefix(got[0], "p-auto-low/") {
		t.Fatalf("offers %v, want p-auto-low only", got)
	}
	s.must(t, "POST", "/v1/applications/"+strings.TrimPrefix(got[0], "p-auto-low/")+"/events", ent, map[string]any{"type": "withdraw"}, http.StatusCreated, nil)
	if got := offers(); len(got) != 1 || !strings.HasPrefix(got[0], "p-auto-high/") {
		t.Fatalf("offers after the withdrawal %v, want p-auto-high only", got)
	}
}

// A credit code typed in lower case in a path names the same enterprise,
// even to the enterprise itself.
func TestAPI_LowerCaseCreditCode(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	code := appCodes[1] // ends in X G
	ent := s.token(t, huiqi.RoleEnterprise, "", code)
	lower := strings.ToLower(code)
	for _, path := range []string{"/v1/enterprises/" + lower, "/v1/enterprises/" + lower + "/matches", "/v1/enterprises/" + lower + "/notifications"} {
		s.must(t, "GET", path, ent, nil, http.StatusOK, nil)
		s.must(t, "GET", path, s.admin, nil, http.StatusOK, nil)
	}
}

// POST /v1/policies/{id}/preview with an empty object previews the stored
// draft.
func TestAPI_PreviewEmptyObject(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	var pv struct {
		PolicyID string `json:"policy_id"`
		Total    int    `json:"total"`
	}
	s.must(t, "POST", "/v1/policies/p-a/preview", s.admin, map[string]any{}, http.StatusOK, &pv)
	if pv.PolicyID != "p-a" || pv.Total != len(appCodes) {
		t.Fatalf("preview with {} = %+v, want p-a reaching %d", pv, len(appCodes))
	}
	s.call(t, "POST", "/v1/policies", s.admin, map[string]any{
		"id": "p-zero", "title": "t", "department": appDeptA, "deadline_days": 0,
		"eligibility": map[string]any{"field": "region", "op": "prefix", "value": "3505"},
		"benefit":     map[string]any{"kind": "service"},
	}).wantError(t, http.StatusBadRequest, huiqi.EInvalid, "deadline_days")
	s.call(t, "GET", "/v1/policies/p-zero", s.admin, nil).wantError(t, http.StatusNotFound, huiqi.ENotFound, "")
}

func TestAPI_Review(t *testing.T) {
	s := newAppServer(t)
	s.setup(t)
	off := s.token(t, huiqi.RoleOfficial, appDeptA, "")
	id, events := s.acceptedVia(t, off, "p-a", appCodes[0])
	s.call(t, "POST", events, off, map[string]any{"type": "review", "note": "现场核查"}).
		wantError(t, http.StatusBadRequest, huiqi.EInvalid, "passed")
	s.call(t, "POST", events, off, map[string]any{"type": "accept", "passed": true}).
		wantError(t, http.StatusBadRequest, huiqi.EInvalid, "passed")
	var a struct {
		State  string `json:"state"`
		Review struct {
			Passed bool   `json:"passed"`
			Note   string `json:"note"`
		} `json:"review"`
		Events []struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"events"`
	}
	s.must(t, "POST", events, off, map[string]any{"type": "review", "passed": true, "note": "现场核查通过"}, http.StatusCreated, &a)
	if a.State != "accepted" || !a.Review.Passed || a.Review.Note != "现场核查通过" || a.Events[2].Type != "review" || a.Events[2].Reason != "passed" {
		t.Fatalf("after a review: %+v", a)
	}
	if n := s.eventCount(t, id); n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
}

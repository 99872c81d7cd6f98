package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

func TestAPI_Token(t *testing.T) {
	s := mustAPIServer(t)
	var created struct {
		Token      string `json:"token"`
		Role       string `json:"role"`
		Department string `json:"department"`
	}
	s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "official", "department": apiDeptA}, http.StatusCreated, &created)
	if created.Token == "" || created.Role != huiqi.RoleOfficial || created.Department != apiDeptA {
		t.Fatalf("POST /v1/tokens = %+v, want an official token of %s", created, apiDeptA)
	}
	secret := created.Token

	t.Run("Usable", func(t *testing.T) {
		s.mustDo(t, "GET", "/v1/enterprises", secret, nil, http.StatusOK, nil)
		r := s.do(t, "POST", "/v1/tokens", secret, map[string]any{"role": "admin"})
		wantAPIError(t, r, http.StatusForbidden, huiqi.EForbidden, "")
	})
	t.Run("FindToken", func(t *testing.T) {
		ctx := context.Background()
		got, err := s.DB.FindToken(ctx, secret)
		if err != nil {
			t.Fatalf("FindToken(secret) = %v", err)
		}
		if got.Role != huiqi.RoleOfficial || got.Department != apiDeptA || got.CreditCode != "" {
			t.Errorf("FindToken(secret) = %+v, want official of %s", got, apiDeptA)
		}
		for _, wrong := range []string{secret + "x", secret[:len(secret)-1], strings.ToUpper(secret)} {
			if _, err := s.DB.FindToken(ctx, wrong); huiqi.ErrorCode(err) != huiqi.EUnauthorized {
				t.Errorf("FindToken(%q) = %v, want code %s", wrong, err, huiqi.EUnauthorized)
			}
		}
	})
	t.Run("WrongSecret", func(t *testing.T) {
		// A wrong secret, and no token on a route that needs one.
		for _, token := range []string{secret + "x", "hq_", ""} {
			r := s.do(t, "GET", "/v1/enterprises", token, nil)
			wantAPIError(t, r, http.StatusUnauthorized, huiqi.EUnauthorized, "")
		}
		req, _ := http.NewRequest("GET", s.URL()+"/healthz", nil)
		req.Header.Set("Authorization", "Basic "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization: Basic …: status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("ShownOnce", func(t *testing.T) {
		// Each creation issues a new secret; the database holds no secret in
		// clear, so it can never be shown again.
		var again struct {
			Token string `json:"token"`
		}
		s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "official", "department": apiDeptA}, http.StatusCreated, &again)
		if again.Token == "" || again.Token == secret {
			t.Errorf("second token %q, want a new secret", again.Token)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			data, err := os.ReadFile(s.Path + suffix)
			if os.IsNotExist(err) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			for _, sec := range []string{secret, again.Token, s.Admin} {
				if bytes.Contains(data, []byte(sec)) {
					t.Errorf("%s holds a token secret in clear", s.Path+suffix)
				}
			}
		}
	})
	t.Run("EnterpriseToken", func(t *testing.T) {
		code := apiCode(5)
		s.mustCreateEnterprise(t, apiProfile(code))
		var tok struct {
			Token      string `json:"token"`
			CreditCode string `json:"credit_code"`
		}
		s.mustDo(t, "POST", "/v1/tokens", s.Admin, map[string]any{"role": "enterprise", "credit_code": strings.ToLower(code)}, http.StatusCreated, &tok)
		if tok.CreditCode != code {
			t.Errorf("credit_code = %q, want upper-cased %q", tok.CreditCode, code)
		}
		s.mustDo(t, "GET", "/v1/enterprises/"+code, tok.Token, nil, http.StatusOK, nil)
	})
}

// policyView is the part of a policy response the tests look at.
type policyView struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Status       string `json:"status"`
	Version      int    `json:"version"`
	TestFailures []struct {
		Index int `json:"index"`
	} `json:"test_failures"`
}

// matchesView is the response of enterprise matches and the calculator.
type matchesView struct {
	AsOf     string `json:"as_of"`
	Eligible []struct {
		PolicyID    string   `json:"policy_id"`
		Version     int      `json:"version"`
		Title       string   `json:"title"`
		Department  string   `json:"department"`
		Mode        string   `json:"mode"`
		Amount      *float64 `json:"amount"`
		Recommended bool     `json:"recommended"`
		Conditions  []check  `json:"conditions"`
	} `json:"eligible"`
	NearMisses []struct {
		PolicyID string `json:"policy_id"`
		Title    string `json:"title"`
		Missing  check  `json:"missing"`
	} `json:"near_misses"`
}

type check struct {
	Label    string `json:"label"`
	Field    string `json:"field"`
	Op       string `json:"op"`
	Required any    `json:"required"`
	Actual   any    `json:"actual"`
	Pass     bool   `json:"pass"`
	Gap      string `json:"gap"`
}

// eligibleIDs returns "id@version" of the eligible policies, in order.
func (m matchesView) eligibleIDs() []string {
	var ids []string
	for _, e := range m.Eligible {
		ids = append(ids, e.PolicyID)
	}
	return ids
}

func TestAPI_PolicyLifecycle(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(1)
	s.mustCreateEnterprise(t, apiProfile(code))
	matches := func(t *testing.T) matchesView {
		var m matchesView
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches", s.Admin, nil, http.StatusOK, &m)
		return m
	}

	var p policyView
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("life-json", apiDeptA), http.StatusCreated, &p)
	if p.Status != "draft" || p.Version != 1 || p.TestFailures == nil {
		t.Errorf("created JSON policy = %+v, want a draft, version 1, with test_failures []", p)
	}
	yamlDoc, err := yaml.Marshal(apiPolicy("life-yaml", apiDeptA))
	if err != nil {
		t.Fatal(err)
	}
	s.mustDo(t, "POST", "/v1/policies", s.Admin, yamlDoc, http.StatusCreated, &p)
	if p.ID != "life-yaml" || p.Status != "draft" || p.Version != 1 {
		t.Errorf("created YAML policy = %+v, want life-yaml, a draft, version 1", p)
	}
	r := s.do(t, "POST", "/v1/policies", s.Admin, yamlDoc)
	wantAPIError(t, r, http.StatusConflict, huiqi.EConflict, "")
	if got := matches(t).eligibleIDs(); len(got) != 0 {
		t.Errorf("drafts match: %v", got)
	}

	// A draft changes in place.
	draft := apiPolicy("life-yaml", apiDeptA)
	draft["title"] = "草稿改名"
	s.mustDo(t, "PUT", "/v1/policies/life-yaml", s.Admin, draft, http.StatusOK, &p)
	if p.Version != 1 || p.Status != "draft" || p.Title != "草稿改名" {
		t.Errorf("changed draft = %+v, want version 1, draft, 草稿改名", p)
	}

	s.mustDo(t, "POST", "/v1/policies/life-json/publish", s.Admin, nil, http.StatusOK, &p)
	if p.Status != "published" || p.Version != 1 {
		t.Errorf("published = %+v, want published version 1", p)
	}
	s.mustDo(t, "GET", "/v1/policies/life-json", "", nil, http.StatusOK, nil)
	if m := matches(t); len(m.Eligible) != 1 || m.Eligible[0].PolicyID != "life-json" || m.Eligible[0].Version != 1 || *m.Eligible[0].Amount != 100000 {
		t.Errorf("matches after publish = %+v, want life-json v1 for 100000", m.Eligible)
	}

	// A change of a published policy is a new version, published at once;
	// the old version stays readable.
	v2 := apiPolicy("life-json", apiDeptA)
	v2["title"] = "第二版"
	v2["benefit"] = map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 200000}}
	s.mustDo(t, "PUT", "/v1/policies/life-json", s.Admin, v2, http.StatusOK, &p)
	if p.Status != "published" || p.Version != 2 || p.Title != "第二版" {
		t.Errorf("changed published policy = %+v, want published version 2 第二版", p)
	}
	s.mustDo(t, "GET", "/v1/policies/life-json", "", nil, http.StatusOK, &p)
	if p.Version != 2 || p.Title != "第二版" {
		t.Errorf("GET latest = %+v, want version 2", p)
	}
	s.mustDo(t, "GET", "/v1/policies/life-json?version=1", "", nil, http.StatusOK, &p)
	if p.Version != 1 || p.Title != "测试政策 life-json" {
		t.Errorf("GET ?version=1 = %+v, want version 1 with the first title", p)
	}
	s.mustDo(t, "GET", "/v1/policies/life-json?version=3", s.Admin, nil, http.StatusNotFound, nil)
	if m := matches(t); len(m.Eligible) != 1 || m.Eligible[0].Version != 2 || *m.Eligible[0].Amount != 200000 {
		t.Errorf("matches after change = %+v, want life-json v2 for 200000", m.Eligible)
	}
	var pm struct {
		Total int `json:"total"`
	}
	s.mustDo(t, "GET", "/v1/policies/life-json/matches", s.Admin, nil, http.StatusOK, &pm)
	if pm.Total != 1 {
		t.Errorf("policy matches total = %d, want 1", pm.Total)
	}

	s.mustDo(t, "POST", "/v1/policies/life-json/withdraw", s.Admin, nil, http.StatusOK, &p)
	if p.Status != "withdrawn" || p.Version != 2 {
		t.Errorf("withdrawn = %+v, want withdrawn version 2", p)
	}
	r = s.do(t, "GET", "/v1/policies/life-json/matches", s.Admin, nil)
	wantAPIError(t, r, http.StatusNotFound, huiqi.ENotFound, "")
	if got := matches(t).eligibleIDs(); len(got) != 0 {
		t.Errorf("matches after withdraw = %v, want none", got)
	}
	s.mustDo(t, "GET", "/v1/policies/life-json", "", nil, http.StatusNotFound, nil)
	r = s.do(t, "POST", "/v1/policies/life-json/withdraw", s.Admin, nil)
	wantAPIError(t, r, http.StatusConflict, huiqi.EConflict, "")
	r = s.do(t, "POST", "/v1/policies/life-json/publish", s.Admin, nil)
	wantAPIError(t, r, http.StatusConflict, huiqi.EConflict, "")
	r = s.do(t, "POST", "/v1/policies/life-yaml/withdraw", s.Admin, nil)
	wantAPIError(t, r, http.StatusConflict, huiqi.EConflict, "")

	// Saving a withdrawn policy again makes a new draft, to be published.
	s.mustDo(t, "PUT", "/v1/policies/life-json", s.Admin, v2, http.StatusOK, &p)
	if p.Status != "draft" || p.Version != 3 {
		t.Errorf("saved withdrawn policy = %+v, want draft version 3", p)
	}
	s.mustDo(t, "POST", "/v1/policies/life-json/publish", s.Admin, nil, http.StatusOK, nil)
	if m := matches(t); len(m.Eligible) != 1 || m.Eligible[0].Version != 3 {
		t.Errorf("matches after republish = %+v, want life-json v3", m.Eligible)
	}
	s.mustDo(t, "GET", "/v1/policies/nope", s.Admin, nil, http.StatusNotFound, nil)
	s.mustDo(t, "POST", "/v1/policies/nope/publish", s.Admin, nil, http.StatusNotFound, nil)
}

func TestAPI_PublishRefusedWhenTestsFail(t *testing.T) {
	s := mustAPIServer(t)
	profile := map[string]any{"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "employees": 50, "tags": []string{"hightech"}}
	noTag := map[string]any{"region": "350582", "industry": "C1952", "founded_on": "2015-01-01", "employees": 50}
	doc := apiPolicy("tested", apiDeptA)
	doc["tests"] = []any{
		map[string]any{"name": "符合", "profile": profile, "eligible": true, "amount": 100000},
		map[string]any{"name": "不符合", "profile": noTag, "eligible": false},
		map[string]any{"name": "写错的用例", "profile": noTag, "eligible": true},
	}
	var p policyView
	s.mustDo(t, "POST", "/v1/policies", s.Admin, doc, http.StatusCreated, &p)
	if len(p.TestFailures) != 1 || p.TestFailures[0].Index != 2 {
		t.Errorf("test_failures = %+v, want the case at index 2", p.TestFailures)
	}
	r := s.do(t, "POST", "/v1/policies/tested/publish", s.Admin, nil)
	wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "tests[2]")
	s.mustDo(t, "GET", "/v1/policies/tested", s.Admin, nil, http.StatusOK, &p)
	if p.Status != "draft" {
		t.Errorf("status after refused publish = %q, want draft", p.Status)
	}
	s.mustDo(t, "GET", "/v1/policies/tested", "", nil, http.StatusNotFound, nil)

	// Fixed, it publishes; a change of the published policy whose tests
	// fail is refused and leaves version 1 live.
	doc["tests"].([]any)[2].(map[string]any)["eligible"] = false
	s.mustDo(t, "PUT", "/v1/policies/tested", s.Admin, doc, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/policies/tested/publish", s.Admin, nil, http.StatusOK, nil)
	doc["benefit"] = map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 5}}
	r = s.do(t, "PUT", "/v1/policies/tested", s.Admin, doc)
	wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "tests[0]")
	s.mustDo(t, "GET", "/v1/policies/tested", "", nil, http.StatusOK, &p)
	if p.Version != 1 || p.Status != "published" {
		t.Errorf("after refused change: %+v, want published version 1", p)
	}
}

// enterpriseView is the part of a profile response the tests look at.
type enterpriseView struct {
	CreditCode   string `json:"credit_code"`
	Name         string `json:"name"`
	Version      int    `json:"version"`
	Scale        string `json:"scale"`
	ScaleDerived bool   `json:"scale_derived"`
}

func TestAPI_EnterpriseVersions(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(1)
	p := apiProfile(strings.ToLower(code)) // stored upper-cased
	var got enterpriseView
	s.mustDo(t, "POST", "/v1/enterprises", s.Admin, p, http.StatusCreated, &got)
	want := enterpriseView{CreditCode: code, Name: p["name"].(string), Version: 1, Scale: "small", ScaleDerived: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("POST (-want +got):\n%s", diff)
	}
	r := s.do(t, "POST", "/v1/enterprises", s.Admin, apiProfile(code))
	wantAPIError(t, r, http.StatusConflict, huiqi.EConflict, "")

	steps := []struct {
		name string
		mod  func(p map[string]any)
		want enterpriseView
	}{
		// 350 staff and 30 million yuan make a medium industrial firm.
		{"Grows", func(p map[string]any) { p["employees"] = 350 }, enterpriseView{Version: 2, Scale: "medium", ScaleDerived: true}},
		{"Unchanged", func(p map[string]any) { p["employees"] = 350 }, enterpriseView{Version: 2, Scale: "medium", ScaleDerived: true}},
		{"ScaleGiven", func(p map[string]any) { p["employees"], p["scale"] = 350, "large" }, enterpriseView{Version: 3, Scale: "large"}},
		{"FigureMissing", func(p map[string]any) { delete(p, "employees") }, enterpriseView{Version: 4, Scale: "", ScaleDerived: true}},
		{"CodeFromPath", func(p map[string]any) { delete(p, "credit_code"); p["employees"] = 5 }, enterpriseView{Version: 5, Scale: "micro", ScaleDerived: true}},
	}
	for _, st := range steps {
		p := apiProfile(code)
		st.mod(p)
		st.want.CreditCode, st.want.Name = code, p["name"].(string)
		got = enterpriseView{}
		s.mustDo(t, "PUT", "/v1/enterprises/"+code, s.Admin, p, http.StatusOK, &got)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: PUT (-want +got):\n%s", st.name, diff)
		}
		got = enterpriseView{}
		s.mustDo(t, "GET", "/v1/enterprises/"+code, s.Admin, nil, http.StatusOK, &got)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: GET (-want +got):\n%s", st.name, diff)
		}
	}

	other := apiProfile(apiCode(2))
	r = s.do(t, "PUT", "/v1/enterprises/"+code, s.Admin, other)
	wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "credit_code")
	r = s.do(t, "PUT", "/v1/enterprises/"+apiCode(2), s.Admin, other)
	wantAPIError(t, r, http.StatusNotFound, huiqi.ENotFound, "")
	if n := s.enterpriseTotal(t); n != 1 {
		t.Errorf("enterprise total = %d, want 1", n)
	}
}

func TestAPI_EnterpriseList(t *testing.T) {
	s := mustAPIServer(t)
	type spec struct {
		region, industry string
		employees        any // nil: absent
		revenue          int
		scale            string
		tags             []string
	}
	specs := []spec{
		{"350582", "C1952", 120, 30000000, "", []string{"hightech"}},                         // 0 small
		{"350582", "C1811", 5, 1000000, "", []string{"exporter"}},                            // 1 micro
		{"350583", "C1952", 400, 50000000, "", []string{"hightech", "specialized"}},          // 2 medium
		{"350503", "I6513", 50, 5000000, "", []string{"tech_sme"}},                           // 3 small
		{"350598", "C3073", 30, 5000000, "large", nil},                                       // 4 large, given
		{"350582", "F5131", nil, 9000000, "", []string{"hightech"}},                          // 5 no scale
		{"350581", "C1952", 10, 1000000, "", []string{"hightech", "exporter"}},               // 6 micro
		{"350524", "A0164", 8, 600000, "", []string{"ecommerce"}},                            // 7 small (farming)
		{"350582", "C1952", 25, 4000000, "", []string{"hightech", "specialized", "gazelle"}}, // 8 small
	}
	codes := make([]string, len(specs))
	for i, sp := range specs {
		codes[i] = apiCode(500 + i)
		p := apiProfile(codes[i])
		p["region"], p["industry"], p["revenue"], p["tags"] = sp.region, sp.industry, sp.revenue, sp.tags
		if sp.employees == nil {
			delete(p, "employees")
		} else {
			p["employees"] = sp.employees
		}
		if sp.scale != "" {
			p["scale"] = sp.scale
		}
		s.mustCreateEnterprise(t, p)
	}
	pick := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, codes[i])
		}
		slices.Sort(out)
		return out
	}
	all := pick(0, 1, 2, 3, 4, 5, 6, 7, 8)

	type page struct {
		Total int              `json:"total"`
		Items []enterpriseView `json:"items"`
		Next  *string          `json:"next"`
	}
	// listAll follows the cursor to the end and checks that every page
	// reports the same total and that only the last has no next.
	listAll := func(t *testing.T, query string, limit int) ([]string, int) {
		t.Helper()
		var codes []string
		total := -1
		after := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatalf("%s: cursor does not end", query)
			}
			q := url.Values{}
			if query != "" {
				var err error
				if q, err = url.ParseQuery(query); err != nil {
					t.Fatal(err)
				}
			}
			q.Set("limit", strconv.Itoa(limit))
			if after != "" {
				q.Set("after", after)
			}
			var pg page
			s.mustDo(t, "GET", "/v1/enterprises?"+q.Encode(), s.Admin, nil, http.StatusOK, &pg)
			if total >= 0 && pg.Total != total {
				t.Errorf("%s: total changed from %d to %d between pages", query, total, pg.Total)
			}
			total = pg.Total
			if len(pg.Items) > limit {
				t.Errorf("%s: page of %d items, limit %d", query, len(pg.Items), limit)
			}
			for _, it := range pg.Items {
				codes = append(codes, it.CreditCode)
			}
			if pg.Next == nil {
				return codes, total
			}
			if len(pg.Items) == 0 {
				t.Fatalf("%s: empty page with a next cursor", query)
			}
			after = *pg.Next
		}
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"region=3505", all},
		{"region=350582", pick(0, 1, 5, 8)},
		{"region=350583", pick(2)},
		{"region=350599", nil},
		{"industry=C19", pick(0, 2, 6, 8)},
		{"industry=c19", pick(0, 2, 6, 8)},
		{"industry=C1952", pick(0, 2, 6, 8)},
		{"industry=C", pick(0, 1, 2, 4, 6, 8)},
		{"industry=I65", pick(3)},
		{"scale=small", pick(0, 3, 7, 8)},
		{"scale=micro", pick(1, 6)},
		{"scale=medium", pick(2)},
		{"scale=large", pick(4)},
		{"tag=hightech", pick(0, 2, 5, 6, 8)},
		{"tag=specialized", pick(2, 8)},
		{"tag=little_giant", nil},
		{"region=350582&tag=hightech", pick(0, 5, 8)},
		{"industry=C19&scale=small&tag=specialized", pick(8)},
	}
	for _, tt := range tests {
		for _, limit := range []int{2, 3, 9} {
			got, total := listAll(t, tt.query, limit)
			if !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Errorf("GET /v1/enterprises?%s with limit %d = %v (total %d), want %v (total %d)", tt.query, limit, got, total, tt.want, len(tt.want))
			}
		}
	}

	// The derived scale is shown in the list as in GET.
	var pg page
	s.mustDo(t, "GET", "/v1/enterprises?region=350598", s.Admin, nil, http.StatusOK, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Scale != "large" || pg.Items[0].ScaleDerived {
		t.Errorf("list item of a given scale = %+v, want large, not derived", pg.Items)
	}
}

// matchPolicies are the policies of the matches tests. The profile of
// apiProfile (晋江, C1952, 120 staff, 30 million revenue, 1.2 million R&D,
// hightech) qualifies for m-high, m-tiers, m-rate, m-deptb and m-none; it
// misses m-near by its revenue alone.
func matchPolicies() []map[string]any {
	leaf := func(field, op string, value any, label string) map[string]any {
		return map[string]any{"field": field, "op": op, "value": value, "label": label}
	}
	all := func(cs ...any) map[string]any { return map[string]any{"all": cs} }
	policy := func(id, dept, kind string, elig map[string]any, amount map[string]any) map[string]any {
		p := map[string]any{"id": id, "title": "标题 " + id, "department": dept, "eligibility": elig,
			"benefit": map[string]any{"kind": kind}}
		if amount != nil {
			p["benefit"].(map[string]any)["amount"] = amount
		}
		return p
	}
	hightech := leaf("tags", "has", "hightech", "国家高新技术企业")
	high := policy("m-high", apiDeptA, "award", all(hightech, leaf("employees", "gte", 50, "从业人员不少于50人")), map[string]any{"fixed": 300000})
	high["exclusive_group"], high["mode"] = "rd", "auto"
	rate := policy("m-rate", apiDeptA, "subsidy", all(leaf("rd_expense", "gte", 1000000, "研发费用不少于100万元")),
		map[string]any{"rate": "0.10", "of": "rd_expense", "cap": 150000})
	rate["exclusive_group"] = "rd"
	tiers := policy("m-tiers", apiDeptA, "award", all(hightech), map[string]any{"tiers": []any{
		map[string]any{"when": leaf("revenue", "gte", 100000000, "营业收入1亿元以上"), "fixed": 500000},
		map[string]any{"when": map[string]any{"not": leaf("revenue", "gte", 100000000, "")}, "rate": "0.01", "of": "revenue", "cap": 250000},
	}})
	deptB := policy("m-deptb", apiDeptB, "service", all(leaf("employees", "gte", 10, "从业人员不少于10人")), map[string]any{"fixed": 5000})
	none := policy("m-none", apiDeptA, "rent_waiver", all(leaf("region", "prefix", "350582", "注册在晋江市")), nil)
	near := policy("m-near", apiDeptA, "award", all(
		leaf("employees", "gte", 50, "从业人员不少于50人"),
		leaf("revenue", "gte", 100000000, "营业收入不少于1亿元"),
		hightech,
	), map[string]any{"fixed": 1000000})
	far := policy("m-far", apiDeptA, "award", all(
		leaf("revenue", "gte", 1000000000, "营业收入不少于10亿元"),
		leaf("employees", "gte", 5000, "从业人员不少于5000人"),
	), map[string]any{"fixed": 1000000})
	scoped := policy("m-scoped", apiDeptA, "award", all(hightech), map[string]any{"fixed": 1})
	scoped["region"] = "350583" // 南安 only: a 晋江 firm is neither eligible nor a near miss
	future := policy("m-future", apiDeptA, "award", all(hightech), map[string]any{"fixed": 7000})
	future["valid_from"] = "2027-01-01"
	return []map[string]any{high, rate, tiers, deptB, none, near, far, scoped, future}
}

func TestAPI_EnterpriseMatches(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(1)
	s.mustCreateEnterprise(t, apiProfile(code))
	for _, p := range matchPolicies() {
		s.mustPublishPolicy(t, p)
	}
	entX := s.mustToken(t, huiqi.RoleEnterprise, "", code)
	offA := s.mustToken(t, huiqi.RoleOfficial, apiDeptA, "")

	r := s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches?near=true", entX, nil, http.StatusOK, nil)
	var got matchesView
	r.mustDecode(t, &got)

	f := func(v float64) *float64 { return &v }
	type eligible struct {
		ID          string
		Amount      *float64
		Recommended bool
	}
	wantOrder := []eligible{{"m-high", f(300000), true}, {"m-tiers", f(250000), true}, {"m-rate", f(120000), false}, {"m-deptb", f(5000), true}, {"m-none", nil, true}}
	var gotOrder []eligible
	for _, e := range got.Eligible {
		gotOrder = append(gotOrder, eligible{e.PolicyID, e.Amount, e.Recommended})
	}
	if diff := cmp.Diff(wantOrder, gotOrder); diff != "" {
		t.Errorf("eligible (id, amount, recommended) (-want +got):\n%s", diff)
	}
	if got.AsOf != "2026-11-25" {
		t.Errorf("as_of = %q, want 2026-11-25", got.AsOf)
	}
	if len(got.Eligible) > 0 {
		e := got.Eligible[0]
		if e.Version != 1 || e.Title != "标题 m-high" || e.Department != apiDeptA || e.Mode != "auto" {
			t.Errorf("first eligible = {version %d, title %q, department %q, mode %q}, want {1, 标题 m-high, %s, auto}", e.Version, e.Title, e.Department, e.Mode, apiDeptA)
		}
		wantConds := []check{
			{Label: "国家高新技术企业", Field: "tags", Op: "has", Required: "hightech", Actual: []any{"hightech"}, Pass: true},
			{Label: "从业人员不少于50人", Field: "employees", Op: "gte", Required: 50.0, Actual: 120.0, Pass: true},
		}
		if diff := cmp.Diff(wantConds, e.Conditions); diff != "" {
			t.Errorf("conditions of m-high (-want +got):\n%s", diff)
		}
	}
	type nearMiss struct {
		PolicyID string
		Missing  check
	}
	var gotNear []nearMiss
	for _, n := range got.NearMisses {
		gotNear = append(gotNear, nearMiss{n.PolicyID, n.Missing})
	}
	wantNear := []nearMiss{{"m-near", check{Label: "营业收入不少于1亿元", Field: "revenue", Op: "gte", Required: 100000000.0, Actual: 30000000.0, Gap: "营业收入还差7000万元"}}}
	if diff := cmp.Diff(wantNear, gotNear); diff != "" {
		t.Errorf("near misses (-want +got):\n%s", diff)
	}

	// The names of the contract are present, null amounts included.
	var raw struct {
		Eligible   []map[string]json.RawMessage `json:"eligible"`
		NearMisses []map[string]json.RawMessage `json:"near_misses"`
	}
	r.mustDecode(t, &raw)
	for _, e := range raw.Eligible {
		for _, k := range []string{"policy_id", "version", "title", "department", "mode", "amount", "recommended", "conditions"} {
			if _, ok := e[k]; !ok {
				t.Errorf("eligible item %s lacks %q", e["policy_id"], k)
			}
		}
		var conds []map[string]json.RawMessage
		json.Unmarshal(e["conditions"], &conds)
		for _, c := range conds {
			for _, k := range []string{"label", "field", "op", "required", "actual", "pass"} {
				if _, ok := c[k]; !ok {
					t.Errorf("condition of %s lacks %q", e["policy_id"], k)
				}
			}
		}
	}
	for _, n := range raw.NearMisses {
		for _, k := range []string{"policy_id", "title", "missing"} {
			if _, ok := n[k]; !ok {
				t.Errorf("near miss lacks %q", k)
			}
		}
	}

	t.Run("WithoutNear", func(t *testing.T) {
		var m matchesView
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches", s.Admin, nil, http.StatusOK, &m)
		if len(m.NearMisses) != 0 || len(m.Eligible) != 5 {
			t.Errorf("without near: %d eligible, %d near misses; want 5, 0", len(m.Eligible), len(m.NearMisses))
		}
	})
	t.Run("AsOf", func(t *testing.T) {
		var m matchesView
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches?as_of=2027-06-01", s.Admin, nil, http.StatusOK, &m)
		if m.AsOf != "2027-06-01" || !slices.Contains(m.eligibleIDs(), "m-future") {
			t.Errorf("as of 2027-06-01: as_of %q, eligible %v; want m-future among them", m.AsOf, m.eligibleIDs())
		}
	})
	t.Run("OfficialSeesOwnDepartment", func(t *testing.T) {
		var m matchesView
		s.mustDo(t, "GET", "/v1/enterprises/"+code+"/matches?near=true", offA, nil, http.StatusOK, &m)
		want := []string{"m-high", "m-tiers", "m-rate", "m-none"}
		if diff := cmp.Diff(want, m.eligibleIDs()); diff != "" {
			t.Errorf("official's eligible (-want +got):\n%s", diff)
		}
	})
	t.Run("CalculatorAgrees", func(t *testing.T) {
		p := apiProfile(code)
		delete(p, "credit_code")
		var m matchesView
		s.mustDo(t, "POST", "/v1/match", "", p, http.StatusOK, &m)
		if diff := cmp.Diff(got, m); diff != "" {
			t.Errorf("POST /v1/match differs from the stored profile's matches (-stored +calculator):\n%s", diff)
		}
		var noNear matchesView
		s.mustDo(t, "POST", "/v1/match?near=false", "", p, http.StatusOK, &noNear)
		if len(noNear.NearMisses) != 0 {
			t.Errorf("POST /v1/match?near=false lists %d near misses", len(noNear.NearMisses))
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		r := s.do(t, "GET", "/v1/enterprises/"+apiCode(99)+"/matches", s.Admin, nil)
		wantAPIError(t, r, http.StatusNotFound, huiqi.ENotFound, "")
	})
}

func TestAPI_MatchStoresNothing(t *testing.T) {
	s := mustAPIServer(t)
	s.mustCreateEnterprise(t, apiProfile(apiCode(1)))
	for _, p := range matchPolicies() {
		s.mustPublishPolicy(t, p)
	}
	before := s.enterpriseTotal(t)
	code := apiCode(2)
	var m matchesView
	s.mustDo(t, "POST", "/v1/match", "", apiProfile(code), http.StatusOK, &m)
	if len(m.Eligible) == 0 {
		t.Fatalf("POST /v1/match: no eligible policy, want some")
	}
	if got := s.enterpriseTotal(t); got != before {
		t.Errorf("enterprise total = %d after POST /v1/match, want %d", got, before)
	}
	s.mustDo(t, "GET", "/v1/enterprises/"+code, s.Admin, nil, http.StatusNotFound, nil)
	vs, err := s.DB.EnterpriseVerdicts(context.Background(), code)
	if err != nil || len(vs) != 0 {
		t.Errorf("EnterpriseVerdicts(%s) = %v, %v; want none", code, vs, err)
	}
	var pm struct {
		Total int `json:"total"`
	}
	s.mustDo(t, "GET", "/v1/policies/m-high/matches", s.Admin, nil, http.StatusOK, &pm)
	if pm.Total != 1 {
		t.Errorf("m-high matches total = %d after POST /v1/match, want 1", pm.Total)
	}
	// The calculator validates like any profile.
	p := apiProfile(code)
	p["region"] = "350527"
	r := s.do(t, "POST", "/v1/match", "", p)
	wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "region")
}

// reachView is the response of policy matches and preview.
type reachView struct {
	Total         int     `json:"total"`
	AmountTotal   float64 `json:"amount_total"`
	NearMissTotal int     `json:"near_miss_total"`
	Items         []struct {
		CreditCode string   `json:"credit_code"`
		Name       string   `json:"name"`
		Amount     *float64 `json:"amount"`
	} `json:"items"`
	Next *string `json:"next"`
}

func TestAPI_PolicyMatchesAndPreview(t *testing.T) {
	s := mustAPIServer(t)
	var eligible []string
	for i := range 6 {
		code := apiCode(700 + i)
		p := apiProfile(code)
		switch i {
		case 4: // misses employees only: a near miss
			p["employees"] = 3
		case 5: // misses employees and the tag
			p["employees"], p["tags"] = 3, []string{}
		default:
			p["rd_expense"] = 1000000 + 1000*i
			eligible = append(eligible, code)
		}
		s.mustCreateEnterprise(t, p)
	}
	slices.Sort(eligible)
	doc := apiPolicy("reach", apiDeptA)
	doc["benefit"] = map[string]any{"kind": "subsidy", "amount": map[string]any{"rate": "0.05", "of": "rd_expense"}}

	check := func(t *testing.T, method, path string, wantTotal int, wantAmount float64) {
		t.Helper()
		var first reachView
		s.mustDo(t, method, path+"?limit=3", s.Admin, nil, http.StatusOK, &first)
		if first.Total != wantTotal || first.AmountTotal != wantAmount || first.NearMissTotal != 1 {
			t.Errorf("%s %s: total %d, amount_total %v, near_miss_total %d; want %d, %v, 1",
				method, path, first.Total, first.AmountTotal, first.NearMissTotal, wantTotal, wantAmount)
		}
		if len(first.Items) != 3 || first.Next == nil {
			t.Fatalf("%s %s?limit=3: %d items, next %v; want 3 and a cursor", method, path, len(first.Items), first.Next)
		}
		var second reachView
		s.mustDo(t, method, path+"?limit=3&after="+url.QueryEscape(*first.Next), s.Admin, nil, http.StatusOK, &second)
		if second.Next != nil || second.Total != wantTotal {
			t.Errorf("%s %s last page: has next %v, total %d; want null, %d", method, path, second.Next != nil, second.Total, wantTotal)
		}
		var codes []string
		var sum float64
		for _, it := range append(first.Items, second.Items...) {
			codes = append(codes, it.CreditCode)
			if it.Name == "" || it.Amount == nil {
				t.Errorf("item %s: name %q amount %v, want both", it.CreditCode, it.Name, it.Amount)
			} else {
				sum += *it.Amount
			}
		}
		if !slices.Equal(codes, eligible) {
			t.Errorf("%s %s items = %v, want %v", method, path, codes, eligible)
		}
		if sum != wantAmount {
			t.Errorf("%s %s: item amounts sum to %v, want amount_total %v", method, path, sum, wantAmount)
		}
	}

	s.mustDo(t, "POST", "/v1/policies", s.Admin, doc, http.StatusCreated, nil)
	// 5% of 1,000,000 + 1,000·i yuan for i = 0..3: 50,000, 50,050, 50,100, 50,150.
	check(t, "POST", "/v1/policies/reach/preview", 4, 200300)
	if n, err := s.DB.PolicyVerdictCount(context.Background(), "reach"); err != nil || n != 0 {
		t.Errorf("PolicyVerdictCount after preview of a draft = %d, %v; want 0", n, err)
	}
	// A previewed document is judged without being stored.
	changed := apiPolicy("reach", apiDeptA)
	changed["benefit"] = map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 10}}
	var pv reachView
	s.mustDo(t, "POST", "/v1/policies/reach/preview", s.Admin, changed, http.StatusOK, &pv)
	if pv.Total != 4 || pv.AmountTotal != 40 {
		t.Errorf("preview of a document: total %d amount_total %v, want 4, 40", pv.Total, pv.AmountTotal)
	}
	r := s.do(t, "POST", "/v1/policies/reach/preview", s.Admin, apiPolicy("other", apiDeptA))
	wantAPIError(t, r, http.StatusBadRequest, huiqi.EInvalid, "id")

	r = s.do(t, "GET", "/v1/policies/reach/matches", s.Admin, nil)
	wantAPIError(t, r, http.StatusNotFound, huiqi.ENotFound, "")
	s.mustDo(t, "POST", "/v1/policies/reach/publish", s.Admin, nil, http.StatusOK, nil)
	check(t, "GET", "/v1/policies/reach/matches", 4, 200300)
	if n, err := s.DB.PolicyVerdictCount(context.Background(), "reach"); err != nil || n != 4 {
		t.Errorf("PolicyVerdictCount after publish = %d, %v; want 4", n, err)
	}

	var raw map[string]json.RawMessage
	s.mustDo(t, "GET", "/v1/policies/reach/matches", s.Admin, nil, http.StatusOK, &raw)
	for _, k := range []string{"total", "amount_total", "near_miss_total", "items", "next"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("policy matches lack %q", k)
		}
	}
	if string(raw["next"]) != "null" {
		t.Errorf("next = %s on the only page, want null", raw["next"])
	}
}

func TestAPI_Persistence(t *testing.T) {
	s := mustAPIServer(t)
	for i := range 3 {
		s.mustCreateEnterprise(t, apiProfile(apiCode(1+i)))
	}
	for _, p := range matchPolicies() {
		s.mustPublishPolicy(t, p)
	}
	v2 := matchPolicies()[0]
	v2["title"] = "第二版"
	s.mustDo(t, "PUT", "/v1/policies/m-high", s.Admin, v2, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/policies/m-far/withdraw", s.Admin, nil, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("still-draft", apiDeptA), http.StatusCreated, nil)
	changed := apiProfile(apiCode(2))
	changed["tags"] = []string{}
	s.mustDo(t, "PUT", "/v1/enterprises/"+apiCode(2), s.Admin, changed, http.StatusOK, nil)
	official := s.mustToken(t, huiqi.RoleOfficial, apiDeptA, "")

	paths := []string{
		"/v1/enterprises?limit=1000",
		"/v1/enterprises/" + apiCode(1),
		"/v1/enterprises/" + apiCode(2),
		"/v1/enterprises/" + apiCode(1) + "/matches?near=true",
		"/v1/enterprises/" + apiCode(2) + "/matches?near=true",
		"/v1/policies?limit=1000",
		"/v1/policies/m-high",
		"/v1/policies/m-high?version=1",
		"/v1/policies/m-far",
		"/v1/policies/still-draft",
		"/v1/policies/m-high/matches",
		"/v1/policies/m-tiers/matches",
	}
	snapshot := func(s *apiServer) map[string]any {
		out := map[string]any{}
		for _, p := range paths {
			var v any
			s.mustDo(t, "GET", p, s.Admin, nil, http.StatusOK, &v)
			out[p] = v
		}
		return out
	}
	before := snapshot(s)
	verdicts, err := s.DB.EnterpriseVerdicts(context.Background(), apiCode(1))
	if err != nil || len(verdicts) == 0 {
		t.Fatalf("EnterpriseVerdicts = %v, %v; want some", verdicts, err)
	}
	admin, path := s.Admin, s.Path
	s.close(t)

	s2 := mustAPIServerAt(t, path)
	s2.Admin = admin // the old token still works: its hash is stored
	after := snapshot(s2)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("after reopening (-before +after):\n%s", diff)
	}
	s2.mustDo(t, "GET", "/v1/enterprises", official, nil, http.StatusOK, nil)
	verdicts2, err := s2.DB.EnterpriseVerdicts(context.Background(), apiCode(1))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(verdicts, verdicts2, cmp.Comparer(func(a, b huiqi.Date) bool { return a == b })); diff != "" {
		t.Errorf("decision record after reopening (-before +after):\n%s", diff)
	}
}

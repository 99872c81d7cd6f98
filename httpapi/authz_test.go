package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// authzRoles are the callers of the matrix. "Own" and "other" are relative
// to the object a request is about: the department of a policy, the credit
// code of an enterprise.
var authzRoles = [...]string{
	"anonymous", "bad token", "admin", "official/own", "official/other", "auditor", "enterprise/own", "enterprise/other",
}

// authzObject is what the requests of one pass of the matrix are about: a
// department's policies and one enterprise, with the tokens of every role
// relative to them.
type authzObject struct {
	name       string
	department string
	suffix     string // of the fixture policies' ids: pub-a, draft-a, wd-a
	code       string // the enterprise
	tokens     [len(authzRoles)]string
}

// authzFixture is a server with two departments' policies (published,
// draft, withdrawn) and two enterprises.
type authzFixture struct {
	*apiServer
	objects [2]authzObject
	seq     int // makes every created id and code unique
}

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	s := mustAPIServer(t)
	f := &authzFixture{apiServer: s}
	x, y := apiCode(1), apiCode(2)
	s.mustCreateEnterprise(t, apiProfile(x))
	s.mustCreateEnterprise(t, apiProfile(y))
	for _, d := range []struct{ suffix, dept string }{{"a", apiDeptA}, {"b", apiDeptB}} {
		s.mustPublishPolicy(t, apiPolicy("pub-"+d.suffix, d.dept))
		s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("draft-"+d.suffix, d.dept), http.StatusCreated, nil)
		s.mustPublishPolicy(t, apiPolicy("wd-"+d.suffix, d.dept))
		s.mustDo(t, "POST", "/v1/policies/wd-"+d.suffix+"/withdraw", s.Admin, nil, http.StatusOK, nil)
	}
	offA, offB := s.mustToken(t, huiqi.RoleOfficial, apiDeptA, ""), s.mustToken(t, huiqi.RoleOfficial, apiDeptB, "")
	auditor := s.mustToken(t, huiqi.RoleAuditor, "", "")
	entX, entY := s.mustToken(t, huiqi.RoleEnterprise, "", x), s.mustToken(t, huiqi.RoleEnterprise, "", y)
	const bad = "hq_this-token-was-never-issued"
	f.objects = [2]authzObject{
		{"A/X", apiDeptA, "a", x, [len(authzRoles)]string{"", bad, s.Admin, offA, offB, auditor, entX, entY}},
		{"B/Y", apiDeptB, "b", y, [len(authzRoles)]string{"", bad, s.Admin, offB, offA, auditor, entY, entX}},
	}
	return f
}

// next returns a number not used before in the fixture.
func (f *authzFixture) next() int {
	f.seq++
	return f.seq
}

// freshPolicy stores a new policy of the department as admin, published
// when asked, and returns its id.
func (f *authzFixture) freshPolicy(t *testing.T, department string, publish bool) string {
	t.Helper()
	id := fmt.Sprintf("fresh-%d", f.next())
	doc, _ := json.Marshal(apiPolicy(id, department))
	ctx := engine.System(context.Background())
	if _, err := f.Eng.CreatePolicy(ctx, doc); err != nil {
		t.Fatalf("CreatePolicy(%s) = %v", id, err)
	}
	if publish {
		if _, err := f.Eng.PublishPolicy(ctx, id); err != nil {
			t.Fatalf("PublishPolicy(%s) = %v", id, err)
		}
	}
	return id
}

// authzRequest builds one request of a route about an object; it may first
// store what the request needs, so that requests do not depend on each
// other.
type authzRequest func(t *testing.T, f *authzFixture, o authzObject) (method, path string, body any)

func TestAuthorization_Matrix(t *testing.T) {
	f := newAuthzFixture(t)

	const (
		ok      = http.StatusOK
		created = http.StatusCreated
		unauth  = http.StatusUnauthorized
		forbid  = http.StatusForbidden
		missing = http.StatusNotFound
	)
	matrix := []struct {
		route string
		req   authzRequest
		// Statuses by role, in the order of authzRoles:
		//   anonymous, bad token, admin, official/own, official/other, auditor, enterprise/own, enterprise/other
		want [len(authzRoles)]int
	}{
		{"GET /healthz", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/healthz", nil
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},

		{"GET /readyz", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/readyz", nil
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},

		{"GET /metrics", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/metrics", nil
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},

		{"POST /v1/tokens", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "POST", "/v1/tokens", map[string]any{"role": "auditor"}
		}, [...]int{unauth, unauth, created, forbid, forbid, forbid, forbid, forbid}},

		{"GET /v1/policies", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/v1/policies", nil
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},

		{"GET /v1/policies/{published}", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/policies/pub-" + o.suffix, nil
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},

		{"GET /v1/policies/{draft}", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/policies/draft-" + o.suffix, nil
		}, [...]int{missing, unauth, ok, ok, missing, ok, missing, missing}},

		{"GET /v1/policies/{draft}?version=1", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/policies/draft-" + o.suffix + "?version=1", nil
		}, [...]int{missing, unauth, ok, ok, missing, ok, missing, missing}},

		{"GET /v1/policies/{withdrawn}", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/policies/wd-" + o.suffix, nil
		}, [...]int{missing, unauth, ok, ok, missing, ok, missing, missing}},

		{"POST /v1/policies", func(_ *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			return "POST", "/v1/policies", apiPolicy(fmt.Sprintf("new-%d", f.next()), o.department)
		}, [...]int{unauth, unauth, created, created, forbid, forbid, forbid, forbid}},

		{"PUT /v1/policies/{draft}", func(_ *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			doc := apiPolicy("draft-"+o.suffix, o.department)
			doc["title"] = fmt.Sprintf("改过的标题 %d", f.next())
			return "PUT", "/v1/policies/draft-" + o.suffix, doc
		}, [...]int{unauth, unauth, ok, ok, missing, forbid, forbid, forbid}},

		{"PUT /v1/policies/{published}", func(t *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			id := f.freshPolicy(t, o.department, true)
			doc := apiPolicy(id, o.department)
			doc["title"] = "新版本"
			return "PUT", "/v1/policies/" + id, doc
		}, [...]int{unauth, unauth, ok, ok, forbid, forbid, forbid, forbid}},

		{"POST /v1/policies/{draft}/publish", func(t *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			return "POST", "/v1/policies/" + f.freshPolicy(t, o.department, false) + "/publish", nil
		}, [...]int{unauth, unauth, ok, ok, missing, forbid, forbid, forbid}},

		{"POST /v1/policies/{published}/withdraw", func(t *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			return "POST", "/v1/policies/" + f.freshPolicy(t, o.department, true) + "/withdraw", nil
		}, [...]int{unauth, unauth, ok, ok, forbid, forbid, forbid, forbid}},

		{"POST /v1/policies/{draft}/preview", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "POST", "/v1/policies/draft-" + o.suffix + "/preview", nil
		}, [...]int{unauth, unauth, ok, ok, missing, forbid, forbid, forbid}},

		{"GET /v1/policies/{published}/matches", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/policies/pub-" + o.suffix + "/matches", nil
		}, [...]int{unauth, unauth, ok, ok, forbid, ok, forbid, forbid}},

		{"POST /v1/enterprises", func(_ *testing.T, f *authzFixture, _ authzObject) (string, string, any) {
			return "POST", "/v1/enterprises", apiProfile(apiCode(1000 + f.next()))
		}, [...]int{unauth, unauth, created, forbid, forbid, forbid, forbid, forbid}},

		{"GET /v1/enterprises", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/v1/enterprises", nil
		}, [...]int{unauth, unauth, ok, ok, ok, ok, forbid, forbid}},

		{"POST /v1/enterprises/bulk", func(_ *testing.T, f *authzFixture, _ authzObject) (string, string, any) {
			line, _ := json.Marshal(apiProfile(apiCode(1000 + f.next())))
			return "POST", "/v1/enterprises/bulk", string(line) + "\n"
		}, [...]int{unauth, unauth, ok, forbid, forbid, forbid, forbid, forbid}},

		{"GET /v1/enterprises/{code}", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/enterprises/" + o.code, nil
		}, [...]int{unauth, unauth, ok, ok, ok, ok, ok, forbid}},

		{"PUT /v1/enterprises/{code}", func(_ *testing.T, f *authzFixture, o authzObject) (string, string, any) {
			p := apiProfile(o.code)
			p["employees"] = 100 + f.next()
			return "PUT", "/v1/enterprises/" + o.code, p
		}, [...]int{unauth, unauth, ok, forbid, forbid, forbid, forbid, forbid}},

		{"GET /v1/enterprises/{code}/matches", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/enterprises/" + o.code + "/matches?near=true", nil
		}, [...]int{unauth, unauth, ok, ok, ok, ok, ok, forbid}},

		{"GET /v1/enterprises/{code}/notifications", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "GET", "/v1/enterprises/" + o.code + "/notifications", nil
		}, [...]int{unauth, unauth, ok, forbid, forbid, forbid, ok, forbid}},

		{"POST /v1/webhooks", func(_ *testing.T, f *authzFixture, _ authzObject) (string, string, any) {
			return "POST", "/v1/webhooks", map[string]any{"url": fmt.Sprintf("https://203.0.113.10/%d", f.next()), "secret": "0123456789abcdef"}
		}, [...]int{unauth, unauth, created, forbid, forbid, forbid, forbid, forbid}},

		{"GET /v1/webhooks", func(*testing.T, *authzFixture, authzObject) (string, string, any) {
			return "GET", "/v1/webhooks", nil
		}, [...]int{unauth, unauth, ok, forbid, forbid, forbid, forbid, forbid}},

		{"POST /v1/match", func(_ *testing.T, _ *authzFixture, o authzObject) (string, string, any) {
			return "POST", "/v1/match", apiProfile(o.code)
		}, [...]int{ok, unauth, ok, ok, ok, ok, ok, ok}},
	}

	for _, row := range matrix {
		for _, o := range f.objects {
			for i, role := range authzRoles {
				method, path, body := row.req(t, f, o)
				r := f.do(t, method, path, o.tokens[i], body)
				if r.Status != row.want[i] {
					t.Errorf("%s on %s as %s: status %d, want %d; body %.200s", row.route, o.name, role, r.Status, row.want[i], r.Body)
					continue
				}
				if r.Status >= 400 {
					e := r.apiError(t)
					if want := wantCodeOf(r.Status); e.Code != want {
						t.Errorf("%s on %s as %s: error code %q, want %q", row.route, o.name, role, e.Code, want)
					}
				}
			}
		}
	}
}

// wantCodeOf returns the error code that goes with an HTTP status.
func wantCodeOf(status int) string {
	return map[int]string{
		http.StatusBadRequest: huiqi.EInvalid, http.StatusUnauthorized: huiqi.EUnauthorized,
		http.StatusForbidden: huiqi.EForbidden, http.StatusNotFound: huiqi.ENotFound,
		http.StatusConflict: huiqi.EConflict,
	}[status]
}

// A refused write stores nothing: the draft keeps its title, the withdrawn
// policy stays withdrawn, the profile keeps its version.
func TestAuthorization_RefusedWritesStoreNothing(t *testing.T) {
	f := newAuthzFixture(t)
	o := f.objects[0]
	offOther, auditor, entOwn := o.tokens[4], o.tokens[5], o.tokens[6]

	doc := apiPolicy("draft-a", apiDeptA)
	doc["title"] = "不应保存"
	for _, tok := range []string{"", offOther, auditor, entOwn} {
		f.do(t, "PUT", "/v1/policies/draft-a", tok, doc)
		f.do(t, "POST", "/v1/policies/draft-a/publish", tok, nil)
		f.do(t, "POST", "/v1/policies/pub-a/withdraw", tok, nil)
		p := apiProfile(o.code)
		p["name"] = "不应保存"
		f.do(t, "PUT", "/v1/enterprises/"+o.code, tok, p)
		f.do(t, "POST", "/v1/enterprises", tok, apiProfile(apiCode(900)))
		f.do(t, "POST", "/v1/policies", tok, apiPolicy("never-stored", apiDeptA))
	}
	// An official may not move a policy of its department to another one.
	moved := apiPolicy("draft-a", apiDeptB)
	r := f.do(t, "PUT", "/v1/policies/draft-a", o.tokens[3], moved)
	if r.Status != http.StatusForbidden {
		t.Errorf("PUT draft-a into another department as its official: status %d, want 403; body %s", r.Status, r.Body)
	}

	type policyState struct {
		Title, Status, Department string
		Version                   int
	}
	for id, want := range map[string]policyState{
		"draft-a": {"测试政策 draft-a", "draft", apiDeptA, 1},
		"pub-a":   {"测试政策 pub-a", "published", apiDeptA, 1},
	} {
		var got policyState
		f.mustDo(t, "GET", "/v1/policies/"+id, f.Admin, nil, http.StatusOK, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("policy %s after refused writes (-want +got):\n%s", id, diff)
		}
	}
	f.mustDo(t, "GET", "/v1/policies/never-stored", f.Admin, nil, http.StatusNotFound, nil)
	f.mustDo(t, "GET", "/v1/enterprises/"+apiCode(900), f.Admin, nil, http.StatusNotFound, nil)
	var e struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	f.mustDo(t, "GET", "/v1/enterprises/"+o.code, f.Admin, nil, http.StatusOK, &e)
	if e.Version != 1 || e.Name == "不应保存" {
		t.Errorf("enterprise after refused writes: %+v, want version 1 with its name", e)
	}
}

// Drafts and withdrawn policies do not leak through the list either.
func TestAuthorization_PolicyListVisibility(t *testing.T) {
	f := newAuthzFixture(t)
	o := f.objects[0] // tokens relative to department A and enterprise X
	all := []string{"draft-a", "draft-b", "pub-a", "pub-b", "wd-a", "wd-b"}
	tests := []struct {
		role  int
		query string
		want  []string
	}{
		{0, "", []string{"pub-a", "pub-b"}},
		{6, "", []string{"pub-a", "pub-b"}},
		{7, "", []string{"pub-a", "pub-b"}},
		{2, "", all},
		{5, "", all},
		{3, "?status=published", []string{"pub-a", "pub-b"}},
		{3, "?status=draft", []string{"draft-a"}},
		{4, "?status=draft", []string{"draft-b"}},
		{4, "?department=" + url.QueryEscape(apiDeptA) + "&status=published", []string{"pub-a"}},
		{6, "?status=published", []string{"pub-a", "pub-b"}},
	}
	for _, tt := range tests {
		var list struct {
			Total int `json:"total"`
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		f.mustDo(t, "GET", "/v1/policies"+tt.query, o.tokens[tt.role], nil, http.StatusOK, &list)
		var got []string
		for _, it := range list.Items {
			got = append(got, it.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) || list.Total != len(tt.want) {
			t.Errorf("GET /v1/policies%s as %s = %v (total %d), want %v", tt.query, authzRoles[tt.role], got, list.Total, tt.want)
		}
	}
	// Asking for drafts without the right to see any is refused rather than
	// answered with an empty page; an official asking for another
	// department's drafts gets the empty page its visibility allows.
	var none struct {
		Total int `json:"total"`
	}
	f.mustDo(t, "GET", "/v1/policies?status=draft&department="+url.QueryEscape(apiDeptB), o.tokens[3], nil, http.StatusOK, &none)
	if none.Total != 0 {
		t.Errorf("official of A listing B's drafts: total %d, want 0", none.Total)
	}
	for _, tt := range []struct {
		role  int
		query string
	}{
		{6, "?status=draft"},
	} {
		r := f.do(t, "GET", "/v1/policies"+tt.query, o.tokens[tt.role], nil)
		wantAPIError(t, r, http.StatusForbidden, huiqi.EForbidden, "")
	}
}

// A withdrawn policy leaves public view with all its versions; its
// department and auditors still read every version.
func TestAuthorization_WithdrawnVersions(t *testing.T) {
	s := mustAPIServer(t)
	s.mustDo(t, "POST", "/v1/policies", s.Admin, apiPolicy("old-versions", apiDeptA), http.StatusCreated, nil)
	s.mustDo(t, "POST", "/v1/policies/old-versions/publish", s.Admin, nil, http.StatusOK, nil)
	changed := apiPolicy("old-versions", apiDeptA)
	changed["title"] = "第二版"
	s.mustDo(t, "PUT", "/v1/policies/old-versions", s.Admin, changed, http.StatusOK, nil)
	s.mustDo(t, "GET", "/v1/policies/old-versions?version=1", "", nil, http.StatusOK, nil)
	s.mustDo(t, "POST", "/v1/policies/old-versions/withdraw", s.Admin, nil, http.StatusOK, nil)

	for _, path := range []string{"/v1/policies/old-versions", "/v1/policies/old-versions?version=1"} {
		wantAPIError(t, s.do(t, "GET", path, "", nil), http.StatusNotFound, huiqi.ENotFound, "")
		s.mustDo(t, "GET", path, s.mustToken(t, huiqi.RoleAuditor, "", ""), nil, http.StatusOK, nil)
		s.mustDo(t, "GET", path, s.mustToken(t, huiqi.RoleOfficial, apiDeptA, ""), nil, http.StatusOK, nil)
	}
	wantAPIError(t, s.do(t, "GET", "/v1/policies?status=draft", "", nil), http.StatusUnauthorized, huiqi.EUnauthorized, "")
}

// Only a bulk import may mark a pilot code legacy: a PUT cannot.
func TestAuthorization_LegacyOnlyInBulk(t *testing.T) {
	s := mustAPIServer(t)
	code := apiCode(7)
	s.mustDo(t, "POST", "/v1/enterprises", s.Admin, apiProfile(code), http.StatusCreated, nil)
	p := apiProfile(code)
	p["legacy_code"] = true
	wantAPIError(t, s.do(t, "PUT", "/v1/enterprises/"+code, s.Admin, p), http.StatusBadRequest, huiqi.EInvalid, "legacy_code")
}

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/sqlite"
	"github.com/huiqi/huiqi/web"
)

// The tests run on a fixed clock, so that nothing depends on the day they
// run: founding dates, validity windows and as-of dates are all relative to
// 2026-11-25.
var apiNow = time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)

// Departments of the officials in the tests.
const (
	apiDeptA = "泉州市工业和信息化局"
	apiDeptB = "泉州市科学技术局"
)

// apiServer is a running API over a real SQLite file and a real listener
// on 127.0.0.1, with an admin token.
type apiServer struct {
	*httpapi.Server
	Eng   *engine.Engine
	DB    *sqlite.DB
	Path  string // the SQLite file
	Admin string // an admin token's secret

	closed bool
}

// mustAPIServer starts a server over a new database under tb.TempDir; it is
// closed at the end of the test.
func mustAPIServer(tb testing.TB, configure ...func(*httpapi.Server)) *apiServer {
	tb.Helper()
	return mustAPIServerAt(tb, filepath.Join(tb.TempDir(), "huiqi.db"), configure...)
}

// apiQuiet logs only errors, so that request logs do not drown test output
// while an internal error still shows.
var apiQuiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// mustAPIServerAt starts a server over the database file at path (opened,
// or created when missing) with an engine loaded from it. configure runs
// before the server starts listening.
func mustAPIServerAt(tb testing.TB, path string, configure ...func(*httpapi.Server)) *apiServer {
	tb.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(path)
	db.Now = func() time.Time { return apiNow }
	if err := db.Open(ctx); err != nil {
		tb.Fatalf("Open(%q) = %v", path, err)
	}
	eng := engine.New(db)
	eng.Now = func() time.Time { return apiNow }
	eng.Logger = apiQuiet
	if err := eng.Load(ctx); err != nil {
		db.Close()
		tb.Fatalf("Load() = %v", err)
	}
	srv := newServer(eng)
	srv.Addr, srv.Logger = "127.0.0.1:0", apiQuiet
	// The engine's clock stands still in tests, so throttles would never
	// refill: they are off unless a test sets them.
	srv.SetLimits(httpapi.Limits{})
	for _, f := range configure {
		f(srv)
	}
	if err := srv.Open(); err != nil {
		db.Close()
		tb.Fatalf("Open server: %v", err)
	}
	s := &apiServer{Server: srv, Eng: eng, DB: db, Path: path}
	tb.Cleanup(func() { s.close(tb) })
	s.Admin = s.mustToken(tb, huiqi.RoleAdmin, "", "")
	return s
}

// TestMain puts gin in release mode, as a program's main does: gin decides
// its mode before the test flags exist, and would print every route.
func TestMain(m *testing.M) {
	httpapi.ReleaseMode()
	os.Exit(m.Run())
}

// newServer wires the engine's server as huiqi serve does: metrics, and
// the web pages beside the API.
func newServer(eng *engine.Engine) *httpapi.Server {
	srv := httpapi.NewServer(eng, metrics.New(eng))
	pages := web.New(eng)
	pages.Logger = apiQuiet
	srv.Mount(pages)
	srv.WorkbookLabels = web.Labels()
	return srv
}

// close stops the server and closes the database; closing twice is allowed.
func (s *apiServer) close(tb testing.TB) {
	tb.Helper()
	if s.closed {
		return
	}
	s.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Server.Close(ctx); err != nil {
		tb.Errorf("close server: %v", err)
	}
	if err := s.DB.Close(); err != nil {
		tb.Errorf("close database: %v", err)
	}
}

// mustToken issues a token directly through the engine and returns its
// secret.
func (s *apiServer) mustToken(tb testing.TB, role, department, creditCode string) string {
	tb.Helper()
	secret, err := s.Eng.CreateToken(engine.System(context.Background()),
		&huiqi.Token{Role: role, Department: department, CreditCode: creditCode})
	if err != nil {
		tb.Fatalf("CreateToken(%s, %q, %q) = %v", role, department, creditCode, err)
	}
	return secret
}

// apiResponse is a response read in full.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// apiChunked marks a request body that is sent without Content-Length, in
// chunks, as a client streaming a large upload does.
type apiChunked struct{ io.Reader }

// do sends a request to the server; see apiSend.
func (s *apiServer) do(tb testing.TB, method, path, token string, body any) apiResponse {
	tb.Helper()
	return apiSend(tb, s.URL(), method, path, token, body)
}

// apiSend sends a request to the server at baseURL and checks the exchange
// against openapi.yaml. body is nil, a string or []byte sent as is, an
// apiChunked sent chunked, or any other value sent as JSON. An empty token
// sends no Authorization header.
func apiSend(tb testing.TB, baseURL, method, path, token string, body any) apiResponse {
	tb.Helper()
	var (
		r       io.Reader
		reqBody []byte // a JSON body, checked against openapi.yaml
	)
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case apiChunked:
		r = struct{ io.Reader }{b.Reader} // hides the length from net/http
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("marshal request body: %v", err)
		}
		r, reqBody = bytes.NewReader(data), data
	}
	req, err := http.NewRequest(method, baseURL+path, r)
	if err != nil {
		tb.Fatalf("NewRequest(%s %s): %v", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	apiCheckResponse(tb, req, reqBody, resp.StatusCode, resp.Header, data)
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// mustDo sends a request and fails the test unless the status is want; v,
// when not nil, receives the decoded JSON body.
func (s *apiServer) mustDo(tb testing.TB, method, path, token string, body any, want int, v any) apiResponse {
	tb.Helper()
	r := s.do(tb, method, path, token, body)
	if r.Status != want {
		tb.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	if v != nil {
		r.mustDecode(tb, v)
	}
	return r
}

// mustDecode decodes the JSON body into v.
func (r apiResponse) mustDecode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// apiError returns the error of an error response, failing the test when the
// body is not one.
func (r apiResponse) apiError(tb testing.TB) apiErr {
	tb.Helper()
	var body struct {
		Error *apiErr `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Error == nil {
		tb.Fatalf("status %d: body is not an error: %s", r.Status, r.Body)
	}
	if body.Error.Message == "" {
		tb.Errorf("status %d: error without message: %s", r.Status, r.Body)
	}
	return *body.Error
}

// apiErr is the error object of a response; Message is for people and is
// not compared.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// wantAPIError fails the test unless r is an error with the status, code
// and field.
func wantAPIError(tb testing.TB, r apiResponse, status int, code, field string) {
	tb.Helper()
	if r.Status != status {
		tb.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
		return
	}
	e := r.apiError(tb)
	if e.Code != code || e.Field != field {
		tb.Errorf("error (code %q, field %q), want (%q, %q); message %q", e.Code, e.Field, code, field, e.Message)
	}
}

// enterpriseTotal returns the number of stored profiles, as the list says.
func (s *apiServer) enterpriseTotal(tb testing.TB) int {
	tb.Helper()
	var list struct {
		Total int `json:"total"`
	}
	s.mustDo(tb, "GET", "/v1/enterprises?limit=1", s.Admin, nil, http.StatusOK, &list)
	return list.Total
}

// policyTotal returns the number of stored policies of any status, as an
// admin's list says.
func (s *apiServer) policyTotal(tb testing.TB) int {
	tb.Helper()
	var list struct {
		Total int `json:"total"`
	}
	s.mustDo(tb, "GET", "/v1/policies?limit=1", s.Admin, nil, http.StatusOK, &list)
	return list.Total
}

// apiCode returns the i-th valid credit code of a series of 晋江 companies.
func apiCode(i int) string {
	first := fmt.Sprintf("91350582%09d", i)
	c, err := huiqi.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// apiProfile returns a valid profile: a shoe maker in 晋江 with 120 staff
// and 30 million yuan of revenue, a small firm by the standard.
func apiProfile(code string) map[string]any {
	return map[string]any{
		"credit_code": code, "name": "晋江测试鞋业有限公司" + code[len(code)-4:],
		"region": "350582", "industry": "C1952", "founded_on": "2015-01-01",
		"employees": 120, "revenue": 30000000, "total_assets": 20000000,
		"rd_expense": 1200000, "tags": []string{"hightech"},
	}
}

// apiPolicy returns a valid policy document: a subsidy of the department for
// high-tech firms with at least 10 staff in Quanzhou.
func apiPolicy(id, department string) map[string]any {
	return map[string]any{
		"id": id, "title": "测试政策 " + id, "department": department, "region": "3505",
		"eligibility": map[string]any{"all": []any{
			map[string]any{"field": "employees", "op": "gte", "value": 10, "label": "从业人员不少于10人"},
			map[string]any{"field": "region", "op": "prefix", "value": "3505", "label": "注册在泉州市"},
			map[string]any{"field": "tags", "op": "has", "value": "hightech", "label": "国家高新技术企业"},
		}},
		"benefit": map[string]any{"kind": "subsidy", "amount": map[string]any{"fixed": 100000}},
	}
}

// mustCreateEnterprise stores a profile through the API as admin.
func (s *apiServer) mustCreateEnterprise(tb testing.TB, profile map[string]any) {
	tb.Helper()
	s.mustDo(tb, "POST", "/v1/enterprises", s.Admin, profile, http.StatusCreated, nil)
}

// mustPublishPolicy creates and publishes a policy through the API as admin.
func (s *apiServer) mustPublishPolicy(tb testing.TB, doc map[string]any) {
	tb.Helper()
	s.mustDo(tb, "POST", "/v1/policies", s.Admin, doc, http.StatusCreated, nil)
	s.mustDo(tb, "POST", "/v1/policies/"+doc["id"].(string)+"/publish", s.Admin, nil, http.StatusOK, nil)
}

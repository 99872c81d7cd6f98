package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/huiqi/huiqi/httpapi"
)

var (
	apiDocOnce   sync.Once
	apiDoc       *openapi3.T
	apiDocRouter routers.Router
	apiDocErr    error
)

// apiOpenAPI loads and validates the served OpenAPI document once.
func apiOpenAPI(tb testing.TB) (*openapi3.T, routers.Router) {
	tb.Helper()
	apiDocOnce.Do(func() {
		loader := openapi3.NewLoader()
		if apiDoc, apiDocErr = loader.LoadFromData(httpapi.OpenAPI); apiDocErr != nil {
			return
		}
		if apiDocErr = apiDoc.Validate(context.Background()); apiDocErr != nil {
			return
		}
		apiDocRouter, apiDocErr = legacy.NewRouter(apiDoc)
	})
	if apiDocErr != nil {
		tb.Fatalf("openapi.yaml: %v", apiDocErr)
	}
	return apiDoc, apiDocRouter
}

// apiCheckResponse validates an exchange against the OpenAPI document: the
// JSON body of an accepted request must fit its schema, the response status
// must be documented for the route, and its JSON body must fit the schema.
// Every request the tests send goes through it.
func apiCheckResponse(tb testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	tb.Helper()
	_, router := apiOpenAPI(tb)
	route, params, err := router.FindRoute(req)
	if err != nil {
		if status != http.StatusNotFound {
			tb.Errorf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, status, err)
		}
		return
	}
	reqIn := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	// A request the server accepted must fit the document too; refused
	// ones are often malformed on purpose.
	if status < 300 && reqBody != nil && req.Header.Get("Content-Type") == "application/json" {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
			tb.Errorf("%s %s %d: accepted request does not fit openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, status, err, reqBody)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			// Non-JSON bodies (CSV, YAML, metrics text) are not checked.
			ExcludeResponseBody: !strings.HasPrefix(header.Get("Content-Type"), "application/json"),
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		tb.Errorf("%s %s %d: response does not fit openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, status, err, body)
	}
}

// Every API route the server has is documented, and everything documented is a
// route.
func TestOpenAPI_Routes(t *testing.T) {
	doc, _ := apiOpenAPI(t)
	s := mustAPIServer(t)
	var served []string
	for _, r := range s.Routes() {
		// Web pages are HTML for people, not part of the JSON API.
		if !strings.HasPrefix(r.Path, "/v1/") && !slices.Contains([]string{"/healthz", "/readyz", "/metrics"}, r.Path) {
			continue
		}
		served = append(served, r.Method+" "+r.Path)
		item := doc.Paths.Find(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is missing from openapi.yaml", r.Method, r.Path)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !slices.Contains(served, method+" "+path) {
				t.Errorf("openapi.yaml documents %s %s, which no route serves", method, path)
			}
		}
	}
}

func TestOpenAPI_Served(t *testing.T) {
	s := mustAPIServer(t)
	r := s.do(t, "GET", "/v1/openapi.yaml", "", nil)
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, httpapi.OpenAPI) {
		t.Fatalf("GET /v1/openapi.yaml: status %d, %d bytes; want 200 and the document", r.Status, len(r.Body))
	}
}

// Client generators name their methods after operationIds: every operation
// has one, camelCase and unique. (.ci/run lints the whole document with
// Redocly; this holds the part generators depend on without Node.)
func TestOpenAPI_OperationIDs(t *testing.T) {
	doc, _ := apiOpenAPI(t)
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch id := op.OperationID; {
			case !camel.MatchString(id):
				t.Errorf("%s: operationId %q is not camelCase", where, id)
			case seen[id] != "":
				t.Errorf("%s: operationId %q is also %s", where, id, seen[id])
			default:
				seen[id] = where
			}
		}
	}
}

package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
)

// Pages are the web pages served beside the API by the same server
// (package web provides them). The server routes their requests,
// identifies the caller by the session cookie, and turns a page's error
// into its status; the pages draw the HTML.
type Pages interface {
	// Routes lists the pages.
	Routes() []PageRoute
	// Session returns the token secret of the browser's signed-in session
	// and the request carrying that session for the pages' forms; ok is
	// false when the browser has none.
	Session(r *http.Request) (secret string, withSession *http.Request, ok bool)
	// SignOut ends the request's session, whose token is no longer valid.
	SignOut(w http.ResponseWriter, r *http.Request)
	// Fail answers err, whose status is given, with an error page in
	// Chinese, or a redirect to sign-in.
	Fail(w http.ResponseWriter, r *http.Request, status int, err error)
}

// A PageRoute is one page: its method, its path in gin's syntax (":id"
// names a segment, which the handler reads as r.PathValue("id")), and its
// handler, whose error becomes the error page.
type PageRoute struct {
	Method, Path string
	Serve        func(w http.ResponseWriter, r *http.Request) error
}

// Mount adds the pages' routes to the server; call it once, before Open.
// Any path outside the API's that no route takes gets the pages' 404 page.
func (s *Server) Mount(p Pages) {
	s.pages = p
	for _, rt := range p.Routes() {
		h := s.page(rt.Serve)
		s.router.Handle(rt.Method, rt.Path, h)
		if rt.Method == http.MethodGet {
			s.router.HEAD(rt.Path, h) // as net/http's mux would
		}
	}
}

// page adapts a page's handler to gin: the route's parameters become the
// request's path values, and an error goes the way of every other.
func (s *Server) page(serve func(http.ResponseWriter, *http.Request) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			c.Request.SetPathValue(p.Key, p.Value)
		}
		if err := serve(c.Writer, c.Request); err != nil {
			s.fail(c, err)
		}
	}
}

// apiPath reports whether a path is the API's (or the operators'), where
// callers are programs: answered in JSON, authenticated by bearer token.
// Every other path is a page's.
func apiPath(p string) bool {
	for _, api := range []string{"/v1", "/healthz", "/readyz", "/metrics"} {
		if p == api || strings.HasPrefix(p, api+"/") {
			return true
		}
	}
	return false
}

// noRoute answers a path no route takes: under the API's prefixes with the
// API's JSON error, anywhere else with the pages' 404 page, since a person
// typed or followed it.
func (s *Server) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if apiPath(p) {
		s.fail(c, huiqi.Errorf(huiqi.ENotFound, "未找到 %s %s", c.Request.Method, p))
		return
	}
	s.fail(c, huiqi.Errorf(huiqi.ENotFound, "页面不存在：%s", p))
}

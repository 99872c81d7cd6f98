// Package httpapi is huiqi's one HTTP server, on gin: the JSON API's
// routes and handlers, the web pages' routes (their handlers live in
// package web), the one authentication path, the throttles, and the one
// table that maps error codes to statuses for both.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/xlsx"
)

// Server is the HTTP server of the API.
type Server struct {
	Engine *engine.Engine
	Logger *slog.Logger
	// Addr is the address to listen on; ":0" or "127.0.0.1:0" picks a port.
	Addr string
	// BodyLimit bounds request bodies except bulk imports.
	BodyLimit int64
	// BulkLimit bounds bulk import bodies.
	BulkLimit int64
	// RequestTimeout bounds the handling of one request (bulk imports
	// excepted); 0 means none.
	RequestTimeout time.Duration
	// Version is reported by /healthz.
	Version string
	// WorkbookLabels name states and clock statuses in the clock workbook;
	// the pages' labels (web.Labels()), so that it reads as the screen does.
	WorkbookLabels xlsx.Labels
	// BodyRate is the slowest a request body may arrive.
	BodyRate BodyRate
	// MetricsAddr, when set, is a second address serving /metrics with
	// every department's figures, for a scraper on a private network; the
	// main address shows them only to tokens entitled to them.
	MetricsAddr string

	metrics *metrics.Metrics
	// pages are the web pages Mount added, nil without them.
	pages Pages
	// The throttles; SetLimits replaces them.
	authFailures, anonymous, bulk *throttle

	metricsLn     net.Listener
	metricsServer *http.Server

	ln     net.Listener
	server *http.Server
	router *gin.Engine
}

// Defaults for body limits.
const (
	DefaultBodyLimit = 1 << 20   // 1 MiB: a policy document or a profile
	DefaultBulkLimit = 512 << 20 // 512 MiB: a city's profiles as NDJSON
)

// NewServer returns a Server of the engine's API with default limits,
// recording requests and throttles in m; Mount adds the web pages.
func NewServer(e *engine.Engine, m *metrics.Metrics) *Server {
	s := &Server{Engine: e, Logger: slog.Default(), Addr: "127.0.0.1:8080", BodyLimit: DefaultBodyLimit, BulkLimit: DefaultBulkLimit,
		BodyRate: BodyRate{Grace: 10 * time.Second, MinRate: 2 << 10, Window: 16 << 10}, Version: "dev", metrics: m}
	s.SetLimits(DefaultLimits())
	s.router = gin.New()
	s.router.Use(s.recoverer, s.logRequests, s.limitTime, s.limitAuthFailures, s.authenticate, s.limitRequests)
	s.router.NoRoute(s.noRoute)
	s.routes()
	return s
}

// ReleaseMode puts gin, whose mode is process-wide, in release mode: out of
// tests it starts in debug mode and prints every route on stdout. A
// program's main calls it, once, before any server starts; a server never
// changes the process's settings.
func ReleaseMode() { gin.SetMode(gin.ReleaseMode) }

// SetLimits replaces the throttles, emptying their buckets; call it before
// Open.
func (s *Server) SetLimits(l Limits) {
	s.authFailures = newThrottle("auth_failures", l.AuthFailures, l.MaxClients)
	s.anonymous = newThrottle("anonymous", l.Anonymous, l.MaxClients)
	s.bulk = newThrottle("bulk", l.Bulk, l.MaxClients)
	for _, t := range []*throttle{s.authFailures, s.anonymous, s.bulk} {
		perSecond := 0.0
		if t.rate.Events > 0 {
			perSecond = float64(t.rate.Events) / t.rate.Period.Seconds()
		}
		s.metrics.SetLimit(t.name, perSecond)
	}
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.guardBodies(s.router) }

// Open starts listening and serving in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	if s.MetricsAddr != "" {
		if s.metricsLn, err = net.Listen("tcp", s.MetricsAddr); err != nil {
			ln.Close()
			return err
		}
		s.metricsServer = &http.Server{Handler: s.metrics.Handler(metrics.Scope{All: true}), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
		go s.metricsServer.Serve(s.metricsLn)
	}
	s.ln = ln
	// Headers must arrive within ten seconds, bodies at BodyRate; an idle
	// kept-alive connection closes after two minutes.
	s.server = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go s.server.Serve(ln)
	return nil
}

// serveMetrics serves /metrics: every department's clock figures for an
// admin or auditor, its own for an official, totals only otherwise.
func (s *Server) serveMetrics(c *gin.Context) {
	var scope metrics.Scope
	if t := huiqi.TokenFromContext(c.Request.Context()); t != nil {
		switch t.Role {
		case huiqi.RoleAdmin, huiqi.RoleAuditor:
			scope.All = true
		case huiqi.RoleOfficial:
			scope.Department = t.Department
		}
	}
	s.metrics.Handler(scope).ServeHTTP(c.Writer, c.Request)
}

// URL returns the base URL the server listens on, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests and waits for those in flight, up to the
// context's deadline.
func (s *Server) Close(ctx context.Context) error {
	if s.server == nil {
		return nil
	}
	if s.metricsServer != nil {
		s.metricsServer.Shutdown(ctx)
	}
	return s.server.Shutdown(ctx)
}

// statuses maps each domain error code to its HTTP status, for the API
// and the pages alike.
var statuses = map[string]int{
	huiqi.EInvalid:      http.StatusBadRequest,
	huiqi.EUnauthorized: http.StatusUnauthorized,
	huiqi.EForbidden:    http.StatusForbidden,
	huiqi.ENotFound:     http.StatusNotFound,
	huiqi.EConflict:     http.StatusConflict,
	huiqi.ETooLarge:     http.StatusRequestEntityTooLarge,
	huiqi.ETooMany:      http.StatusTooManyRequests,
	huiqi.EInternal:     http.StatusInternalServerError,
	huiqi.EUnavailable:  http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status of err: its code's, or 500 for a code
// the table lacks, so that a new code can never produce an invalid status.
func StatusOf(err error) int {
	if status, ok := statuses[huiqi.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON of an error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// fail writes err as the error response: the pages' error page on a page's
// path, the JSON error body anywhere else. Internal errors are logged with
// their cause and answered with a plain message.
func (s *Server) fail(c *gin.Context, err error) {
	status := StatusOf(err)
	if status == http.StatusInternalServerError {
		s.Logger.Error("internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "request_id", c.GetString("request_id"), "err", err)
	}
	if s.pages != nil && !apiPath(c.Request.URL.Path) {
		c.Abort()
		s.pages.Fail(c.Writer, c.Request, status, err)
		return
	}
	var body ErrorBody
	body.Error.Code = huiqi.ErrorCode(err)
	body.Error.Message = huiqi.ErrorMessage(err)
	body.Error.Field = huiqi.ErrorField(err)
	if status == http.StatusInternalServerError {
		body.Error.Code = huiqi.EInternal // a code the table lacks is not the client's to see
	}
	c.AbortWithStatusJSON(status, body)
}

func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.fail(c, errors.New("panic: "+strings.TrimSpace(slog.AnyValue(r).String())))
		}
	}()
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set("request_id", id)
	c.Header("X-Request-Id", id)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.ObserveRequest(route, c.Request.Method, c.Writer.Status(), time.Since(start))
	s.Logger.Info("request", "request_id", id, "method", c.Request.Method, "route", route,
		"status", c.Writer.Status(), "latency_ms", float64(time.Since(start).Microseconds())/1000,
		"role", huiqi.RoleFromContext(c.Request.Context()))
}

// limitTime bounds a request's handling by RequestTimeout; bulk imports,
// which stream a city's profiles, are exempt.
func (s *Server) limitTime(c *gin.Context) {
	if s.RequestTimeout <= 0 || strings.HasSuffix(c.Request.URL.Path, "/bulk") {
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// authenticate is the one path by which a caller is identified: by the
// bearer token on the API's paths, by the session cookie on the pages'
// (pages are for browsers, whose state-changing forms are guarded by CSRF
// tokens tied to the session). Either credential is authenticated once,
// and the token goes into the request context for the handlers and the
// engine's role checks. A request without one is anonymous; a bad bearer
// token is refused outright, even on public routes, so that a client
// learns its token is wrong; a session whose token is no longer valid
// ends, and the browser continues anonymous.
func (s *Server) authenticate(c *gin.Context) {
	r := c.Request
	var secret string
	session := false
	switch {
	case apiPath(r.URL.Path):
		h := c.GetHeader("Authorization")
		if h == "" {
			c.Next()
			return
		}
		var ok bool
		if secret, ok = strings.CutPrefix(h, "Bearer "); !ok || secret == "" {
			s.fail(c, huiqi.Errorf(huiqi.EUnauthorized, "Authorization 头应为 Bearer TOKEN"))
			return
		}
		secret = strings.TrimSpace(secret)
	case s.pages != nil:
		if secret, r, session = s.pages.Session(r); !session {
			c.Next()
			return
		}
	default:
		c.Next()
		return
	}
	t, err := s.Engine.Authenticate(r.Context(), secret)
	switch {
	case err == nil:
		c.Request = r.WithContext(huiqi.NewContextWithToken(r.Context(), t))
	case session && huiqi.ErrorCode(err) == huiqi.EUnauthorized:
		s.pages.SignOut(c.Writer, c.Request)
	default:
		s.fail(c, err)
		return
	}
	c.Next()
}

// body reads the request body up to the server's limit. Only the policy
// calculator takes a body from anonymous callers: for everything else a
// missing token is answered before the body is read.
func (s *Server) body(c *gin.Context) ([]byte, error) {
	if huiqi.TokenFromContext(c.Request.Context()) == nil && c.FullPath() != "/v1/match" {
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "需要登录令牌")
	}
	if c.Request.ContentLength > s.BodyLimit {
		return nil, tooLarge(s.BodyLimit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.BodyLimit))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, tooLarge(s.BodyLimit)
	} else if err != nil {
		return nil, huiqi.Errorf(huiqi.EInvalid, "无法读取请求体: %v", err)
	}
	return b, nil
}

func tooLarge(limit int64) error {
	return huiqi.Errorf(huiqi.ETooLarge, "请求体超过 %d 字节", limit)
}

// decode reads the body as strict JSON into v.
func (s *Server) decode(c *gin.Context, v any) error {
	b, err := s.body(c)
	if err != nil {
		return err
	}
	return huiqi.DecodeJSON(b, v)
}

// asOf reads the as_of query parameter, today when absent.
func (s *Server) asOf(c *gin.Context) (huiqi.Date, error) {
	v := c.Query("as_of")
	if v == "" {
		return s.Engine.Today(), nil
	}
	d, err := huiqi.ParseDate(v)
	return d, huiqi.WithPrefix("as_of", err)
}

// asOfPage reads the as_of, limit and after query parameters of a list.
func (s *Server) asOfPage(c *gin.Context) (huiqi.Date, engine.Page, error) {
	day, err := s.asOf(c)
	if err != nil {
		return day, engine.Page{}, err
	}
	pg, err := page(c)
	return day, pg, err
}

// page reads the limit and after query parameters.
func page(c *gin.Context) (engine.Page, error) {
	n, err := huiqi.ParseLimit(c.Query("limit"))
	return engine.Page{Limit: n, After: c.Query("after")}, err
}

// boolQuery reads a boolean query parameter.
func boolQuery(c *gin.Context, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, huiqi.FieldErrorf(name, "%s 应为 true 或 false", name)
	}
	return b, nil
}

// respond writes v as JSON, or the error.
func (s *Server) respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, v)
}

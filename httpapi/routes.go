package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/index"
)

func (s *Server) routes() {
	r := s.router
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.serveMetrics)

	v1 := r.Group("/v1")
	v1.Use(upperCreditCode)
	v1.GET("/openapi.yaml", s.openapi)
	v1.POST("/tokens", s.createToken)
	s.tokenRoutes(v1)

	v1.POST("/policies", s.createPolicy)
	v1.GET("/policies", s.listPolicies)
	v1.GET("/policies/search", s.searchPolicies)
	v1.GET("/policies/:id", s.getPolicy)
	v1.PUT("/policies/:id", s.updatePolicy)
	v1.POST("/policies/:id/publish", s.publishPolicy)
	v1.POST("/policies/:id/withdraw", s.withdrawPolicy)
	v1.POST("/policies/:id/preview", s.previewPolicy)
	v1.GET("/policies/:id/matches", s.policyMatches)
	v1.GET("/policies/:id/matches.xlsx", s.matchesWorkbook)
	v1.GET("/audit/export.xlsx", s.auditWorkbook)

	v1.POST("/enterprises", s.createEnterprise)
	v1.GET("/enterprises", s.listEnterprises)
	v1.POST("/enterprises/bulk", s.bulkEnterprises)
	v1.GET("/enterprises/:code", s.getEnterprise)
	v1.PUT("/enterprises/:code", s.updateEnterprise)
	v1.GET("/enterprises/:code/matches", s.enterpriseMatches)

	v1.POST("/match", s.match)
	s.pushRoutes(v1)
	s.applicationRoutes(v1)
	s.checkpointRoutes(v1)
	s.calendarRoutes(v1)
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.Version})
}

func (s *Server) readyz(c *gin.Context) {
	if err := s.Engine.Ready(c.Request.Context()); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": huiqi.ErrorMessage(err)})
		return
	}
	ready := gin.H{"status": "ready"}
	if w := s.Engine.CalendarWarning(); w != "" {
		ready["warnings"] = []string{w} // ready still: only next year's deadlines are provisional
	}
	c.JSON(http.StatusOK, ready)
}

func (s *Server) createToken(c *gin.Context) {
	var t huiqi.Token
	if err := s.decode(c, &t); err != nil {
		s.fail(c, err)
		return
	}
	t.ID = 0
	secret, err := s.Engine.CreateToken(c.Request.Context(), &t)
	body := gin.H{"token": secret, "id": t.ID, "role": t.Role, "department": t.Department, "credit_code": t.CreditCode}
	if !t.ExpiresAt.IsZero() {
		body["expires_at"] = t.ExpiresAt
	}
	s.respond(c, http.StatusCreated, body, err)
}

// Policies.

func (s *Server) createPolicy(c *gin.Context) {
	b, err := s.body(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Engine.CreatePolicy(c.Request.Context(), b)
	s.respond(c, http.StatusCreated, p, err)
}

func (s *Server) updatePolicy(c *gin.Context) {
	b, err := s.body(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Engine.UpdatePolicy(c.Request.Context(), c.Param("id"), b)
	s.respond(c, http.StatusOK, p, err)
}

func (s *Server) getPolicy(c *gin.Context) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(c, huiqi.FieldErrorf("version", "version 应为正整数"))
			return
		}
		version = n
	}
	p, err := s.Engine.FindPolicy(c.Request.Context(), c.Param("id"), version)
	s.respond(c, http.StatusOK, p, err)
}

// listResponse is the shape of every paged list.
type listResponse[T any] struct {
	Total int     `json:"total"`
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

func newList[T any](items []T, total int, next string) listResponse[T] {
	r := listResponse[T]{Total: total, Items: items}
	if r.Items == nil {
		r.Items = []T{}
	}
	if next != "" {
		r.Next = &next
	}
	return r
}

func (s *Server) listPolicies(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := huiqi.PolicyFilter{
		Status: c.Query("status"), Department: c.Query("department"), Mode: c.Query("mode"),
		Kind: c.Query("kind"), Region: c.Query("region"), Limit: pg.Limit, After: pg.After,
	}
	items, total, next, err := s.Engine.ListPolicies(c.Request.Context(), f)
	s.respond(c, http.StatusOK, newList(items, total, next), err)
}

func (s *Server) publishPolicy(c *gin.Context) {
	p, err := s.Engine.PublishPolicy(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusOK, p, err)
}

func (s *Server) withdrawPolicy(c *gin.Context) {
	p, err := s.Engine.WithdrawPolicy(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusOK, p, err)
}

func (s *Server) previewPolicy(c *gin.Context) {
	day, pg, err := s.asOfPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.body(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	pv, err := s.Engine.PreviewPolicy(c.Request.Context(), c.Param("id"), b, day, c.Query("state"), pg)
	s.respond(c, http.StatusOK, pv, err)
}

func (s *Server) policyMatches(c *gin.Context) {
	day, pg, err := s.asOfPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	pv, err := s.Engine.PolicyMatches(c.Request.Context(), c.Param("id"), day, c.Query("state"), pg)
	s.respond(c, http.StatusOK, pv, err)
}

// Enterprises.

// enterpriseView is a profile as the API shows it: with its effective scale,
// marked when derived by 《中小企业划型标准规定》.
type enterpriseView struct {
	*huiqi.Enterprise
	Scale        string `json:"scale,omitempty"`
	ScaleDerived bool   `json:"scale_derived"`
}

func viewEnterprise(e *huiqi.Enterprise) enterpriseView {
	return enterpriseView{Enterprise: e, Scale: e.EffectiveScale(), ScaleDerived: e.Scale == ""}
}

func (s *Server) createEnterprise(c *gin.Context) {
	var e huiqi.Enterprise
	if err := s.decode(c, &e); err != nil {
		s.fail(c, err)
		return
	}
	err := s.Engine.CreateEnterprise(c.Request.Context(), &e)
	s.respond(c, http.StatusCreated, viewEnterprise(&e), err)
}

func (s *Server) updateEnterprise(c *gin.Context) {
	var e huiqi.Enterprise
	if err := s.decode(c, &e); err != nil {
		s.fail(c, err)
		return
	}
	err := s.Engine.UpdateEnterprise(c.Request.Context(), c.Param("code"), &e)
	s.respond(c, http.StatusOK, viewEnterprise(&e), err)
}

func (s *Server) getEnterprise(c *gin.Context) {
	e, err := s.Engine.FindEnterprise(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, viewEnterprise(e))
}

func (s *Server) listEnterprises(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := huiqi.EnterpriseFilter{
		Region: c.Query("region"), Industry: c.Query("industry"), Scale: c.Query("scale"),
		Tag: c.Query("tag"), Limit: pg.Limit, After: pg.After,
	}
	items, total, next, err := s.Engine.ListEnterprises(c.Request.Context(), f)
	views := make([]enterpriseView, len(items))
	for i, e := range items {
		views[i] = viewEnterprise(e)
	}
	s.respond(c, http.StatusOK, newList(views, total, next), err)
}

func (s *Server) bulkEnterprises(c *gin.Context) {
	if c.Request.ContentLength > s.BulkLimit {
		s.fail(c, tooLarge(s.BulkLimit))
		return
	}
	if huiqi.TokenFromContext(c.Request.Context()) == nil {
		s.fail(c, huiqi.Errorf(huiqi.EUnauthorized, "需要登录令牌"))
		return
	}
	var body io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, s.BulkLimit)
	if c.Request.ContentLength < 0 {
		// A body of unknown length is spooled to disk first, so that one
		// over the limit is refused before any batch is committed.
		spool, err := spoolBody(body)
		if err != nil {
			s.fail(c, err)
			return
		}
		defer spool.Close()
		body = spool
	}
	report, err := s.Engine.ImportEnterprises(c.Request.Context(), engine.NewNDJSONSource(body), nil)
	s.respond(c, http.StatusOK, report, err)
}

// spoolBody copies a request body into a temporary file that is removed
// when closed; a body over the limit is ETooLarge.
func spoolBody(body io.Reader) (io.ReadCloser, error) {
	f, err := os.CreateTemp("", "huiqi-bulk-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("spool bulk body: %w", err)
	}
	os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	var maxErr *http.MaxBytesError
	if n, err := io.Copy(f, body); errors.As(err, &maxErr) {
		f.Close()
		return nil, tooLarge(maxErr.Limit)
	} else if err != nil {
		f.Close()
		return nil, huiqi.Errorf(huiqi.EInvalid, "无法读取请求体（已读 %d 字节）: %v", n, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool bulk body: %w", err)
	}
	return f, nil
}

func (s *Server) enterpriseMatches(c *gin.Context) {
	day, err := s.asOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	near, err := boolQuery(c, "near")
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Engine.MatchEnterprise(c.Request.Context(), c.Param("code"), day, near)
	s.respondResult(c, &r, err)
}

// match is the policy calculator: a profile in, verdicts out, nothing stored.
func (s *Server) match(c *gin.Context) {
	day, err := s.asOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var e huiqi.Enterprise
	if err := s.decode(c, &e); err != nil {
		s.fail(c, err)
		return
	}
	near := c.Query("near") != "false" // the calculator shows near misses unless told not to
	r, err := s.Engine.MatchProfile(c.Request.Context(), &e, day, near)
	s.respondResult(c, &r, err)
}

func (s *Server) searchPolicies(c *gin.Context) {
	r := index.SearchRequest{
		Query: c.Query("q"), Department: c.Query("department"), Kind: c.Query("kind"),
		Region: c.Query("region"), Mode: c.Query("mode"), Cursor: c.Query("after"),
	}
	if v := c.Query("open_on"); v != "" {
		d, err := huiqi.ParseDate(v)
		if err != nil {
			s.fail(c, huiqi.WithPrefix("open_on", err))
			return
		}
		r.OpenOn = d
	}
	pg, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r.Size = pg.Limit
	res, err := s.Engine.SearchPolicies(c.Request.Context(), r)
	s.respond(c, http.StatusOK, res, err)
}

package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
)

// applicationRoutes registers applications, their events and the audit.
func (s *Server) applicationRoutes(v1 *gin.RouterGroup) {
	v1.POST("/applications", s.createApplication)
	v1.GET("/applications", s.listApplications)
	v1.GET("/applications/:id", s.getApplication)
	v1.POST("/applications/:id/events", s.addEvent)

	v1.GET("/audit/clock", s.auditClock)
	v1.GET("/audit/stats", s.auditStats)
	v1.GET("/audit/export.csv", s.auditExport)
	v1.GET("/audit/verify", s.auditVerify)
}

// upperCreditCode upper-cases the credit code of a path such as
// /v1/enterprises/{code}: codes are stored in upper case, and one typed in
// lower case names the same enterprise.
func upperCreditCode(c *gin.Context) {
	for i, p := range c.Params {
		if p.Key == "code" {
			c.Params[i].Value = strings.ToUpper(strings.TrimSpace(p.Value))
		}
	}
	c.Next()
}

// calendarRoutes registers the statutory calendar: the years it covers,
// and an operator's year.
func (s *Server) calendarRoutes(v1 *gin.RouterGroup) {
	v1.GET("/calendar", s.getCalendar)
	v1.PUT("/calendar/:year", s.putCalendarYear)
}

func (s *Server) getCalendar(c *gin.Context) {
	st, err := s.Engine.CalendarYears(c.Request.Context())
	s.respond(c, http.StatusOK, st, err)
}

func (s *Server) putCalendarYear(c *gin.Context) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		s.fail(c, huiqi.FieldErrorf("year", "年份应为四位数字，收到 %q", c.Param("year")))
		return
	}
	b, err := s.body(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	info, err := s.Engine.PutCalendarYear(c.Request.Context(), year, b)
	s.respond(c, http.StatusOK, info, err)
}

// applicationRequest is the body of POST /v1/applications.
type applicationRequest struct {
	PolicyID   string  `json:"policy_id"`
	CreditCode string  `json:"credit_code"`
	At         *string `json:"at"`
}

// eventRequest is the body of POST /v1/applications/{id}/events.
type eventRequest struct {
	Type   string       `json:"type"`
	At     *string      `json:"at"`
	Reason string       `json:"reason"`
	Note   string       `json:"note"`
	Amount *huiqi.Money `json:"amount"`
	Passed *bool        `json:"passed"` // the finding of a review
}

// parseAt reads the optional "at" of a request as RFC 3339.
func parseAt(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, huiqi.FieldErrorf("at", "时间应为 RFC 3339 格式，如 2025-03-01T10:00:00+08:00，收到 %q", *s)
	}
	return &t, nil
}

// applicationID reads the :id path parameter.
func applicationID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, huiqi.Errorf(huiqi.ENotFound, "未找到编号为 %q 的申请", c.Param("id"))
	}
	return id, nil
}

func (s *Server) createApplication(c *gin.Context) {
	var req applicationRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	at, err := parseAt(req.At)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Engine.SubmitApplication(c.Request.Context(), engine.ApplicationInput{PolicyID: req.PolicyID, CreditCode: req.CreditCode, At: at})
	s.respond(c, http.StatusCreated, a, err)
}

func (s *Server) addEvent(c *gin.Context) {
	id, err := applicationID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req eventRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	at, err := parseAt(req.At)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Engine.AddEvent(c.Request.Context(), id, engine.EventInput{Type: req.Type, At: at, Reason: req.Reason, Note: req.Note, Amount: req.Amount, Passed: req.Passed})
	s.respond(c, http.StatusCreated, a, err)
}

func (s *Server) getApplication(c *gin.Context) {
	id, err := applicationID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	day, err := s.asOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Engine.FindApplication(c.Request.Context(), id, day)
	s.respond(c, http.StatusOK, a, err)
}

func (s *Server) listApplications(c *gin.Context) {
	day, pg, err := s.asOfPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := engine.ApplicationQuery{CreditCode: c.Query("credit_code"), PolicyID: c.Query("policy_id"), State: c.Query("state"), Department: c.Query("department")}
	items, total, next, err := s.Engine.ListApplications(c.Request.Context(), q, day, pg)
	if items == nil {
		items = []*engine.Application{}
	}
	s.respond(c, http.StatusOK, listResponse[*engine.Application]{Total: total, Items: items, Next: next}, err)
}

// clockQuery reads the filters of the clock list and its export.
func (s *Server) clockQuery(c *gin.Context) (engine.ClockQuery, error) {
	day, err := s.asOf(c)
	return engine.ClockQuery{AsOf: day, Status: c.Query("status"), Department: c.Query("department"), PolicyID: c.Query("policy_id")}, err
}

func (s *Server) auditClock(c *gin.Context) {
	q, err := s.clockQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	pg, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Engine.AuditClock(c.Request.Context(), q, pg)
	s.respond(c, http.StatusOK, list, err)
}

func (s *Server) auditStats(c *gin.Context) {
	day, err := s.asOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.Engine.AuditStats(c.Request.Context(), engine.StatsQuery{AsOf: day, By: c.Query("by"), Department: c.Query("department")})
	s.respond(c, http.StatusOK, st, err)
}

// csvResponse starts the CSV response on the first write, so that an error
// found before any row (a bad token, a bad filter) is still a JSON error
// with its status.
type csvResponse struct {
	c        *gin.Context
	filename string
	started  bool
}

func (w *csvResponse) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		h := w.c.Writer.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, w.filename))
		w.c.Status(http.StatusOK)
	}
	return w.c.Writer.Write(p)
}

func (s *Server) auditExport(c *gin.Context) {
	q, err := s.clockQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	w := &csvResponse{c: c, filename: "huiqi-clock-" + q.AsOf.String() + ".csv"}
	err = exchange.ClockCSV(c.Request.Context(), s.Engine, q, w)
	switch {
	case err != nil && !w.started:
		s.fail(c, err)
	case err != nil:
		// The status line is gone; cutting the connection short tells the
		// client the file is incomplete.
		s.Logger.Error("csv export cut short", "request_id", c.GetString("request_id"), "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) auditVerify(c *gin.Context) {
	v, err := s.Engine.VerifyChain(c.Request.Context())
	s.respond(c, http.StatusOK, v, err)
}

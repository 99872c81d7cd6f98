package httpapi

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi/xlsx"
)

// auditWorkbook is the clock list as an Excel workbook, for people; the
// CSV export is for scripts.
func (s *Server) auditWorkbook(c *gin.Context) {
	q, err := s.clockQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := xlsx.Clock(c.Request.Context(), s.Engine, q, &buf, s.WorkbookLabels); err != nil {
		s.fail(c, err)
		return
	}
	workbook(c, "huiqi-clock-"+q.AsOf.String()+".xlsx", buf.Bytes())
}

// matchesWorkbook is the enterprises a published policy reaches as an
// Excel workbook.
func (s *Server) matchesWorkbook(c *gin.Context) {
	day, err := s.asOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := xlsx.Matches(c.Request.Context(), s.Engine, c.Param("id"), day, &buf); err != nil {
		s.fail(c, err)
		return
	}
	workbook(c, "huiqi-matches-"+c.Param("id")+"-"+day.String()+".xlsx", buf.Bytes())
}

func workbook(c *gin.Context, name string, b []byte) {
	c.Header("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, xlsx.ContentType, b)
}

package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
)

func (s *Server) tokenRoutes(v1 *gin.RouterGroup) {
	v1.GET("/tokens", s.listTokens)
	v1.DELETE("/tokens/:id", s.revokeToken)
}

func (s *Server) listTokens(c *gin.Context) {
	ts, err := s.Engine.Tokens(c.Request.Context())
	s.respond(c, http.StatusOK, gin.H{"items": ts}, err)
}

func (s *Server) revokeToken(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(c, huiqi.FieldErrorf("id", "令牌 id 应为正整数"))
		return
	}
	if err := s.Engine.RevokeToken(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

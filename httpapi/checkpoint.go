package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi"
)

func (s *Server) checkpointRoutes(v1 *gin.RouterGroup) {
	v1.GET("/audit/checkpoints", s.listCheckpoints)
	v1.POST("/audit/checkpoints", s.createCheckpoint)
	v1.POST("/audit/checkpoints/verify", s.verifyCheckpoint)
}

func (s *Server) listCheckpoints(c *gin.Context) {
	cs, err := s.Engine.Checkpoints(c.Request.Context())
	s.respond(c, http.StatusOK, gin.H{"items": cs}, err)
}

func (s *Server) createCheckpoint(c *gin.Context) {
	cp, err := s.Engine.Checkpoint(c.Request.Context())
	s.respond(c, http.StatusCreated, cp, err)
}

func (s *Server) verifyCheckpoint(c *gin.Context) {
	var cp huiqi.Checkpoint
	if err := s.decode(c, &cp); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Engine.VerifyCheckpoint(c.Request.Context(), cp)
	s.respond(c, http.StatusOK, v, err)
}

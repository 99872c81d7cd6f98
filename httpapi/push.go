package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/huiqi/huiqi/engine"
)

func (s *Server) pushRoutes(v1 *gin.RouterGroup) {
	v1.GET("/enterprises/:code/notifications", s.notifications)
	v1.POST("/webhooks", s.createWebhook)
	v1.GET("/webhooks", s.listWebhooks)
}

func (s *Server) notifications(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.Engine.Notifications(c.Request.Context(), c.Param("code"), c.Query("after"), pg.Limit)
	s.respond(c, http.StatusOK, f, err)
}

func (s *Server) createWebhook(c *gin.Context) {
	var r engine.WebhookRequest
	if err := s.decode(c, &r); err != nil {
		s.fail(c, err)
		return
	}
	w, err := s.Engine.CreateWebhook(c.Request.Context(), r)
	s.respond(c, http.StatusCreated, w, err)
}

func (s *Server) listWebhooks(c *gin.Context) {
	ws, err := s.Engine.Webhooks(c.Request.Context())
	s.respond(c, http.StatusOK, gin.H{"items": ws}, err)
}

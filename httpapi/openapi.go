package httpapi

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the OpenAPI 3 description of every route, served at
// /v1/openapi.yaml. Tests hold it to the routes and validate responses
// against it, so that it cannot drift from the code.
//
//go:embed openapi.yaml
var OpenAPI []byte

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", OpenAPI)
}

// Route is a method and an OpenAPI path template such as /v1/policies/{id}.
type Route struct {
	Method, Path string
}

// Routes lists the server's routes with their paths in OpenAPI form.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.router.Routes() {
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		out = append(out, Route{Method: r.Method, Path: strings.Join(parts, "/")})
	}
	return out
}

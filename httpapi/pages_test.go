package httpapi_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/web"
)

// failingPages are the real pages plus pages that fail in each way a
// handler can: with a code the table maps, with a code it lacks, with a
// plain error and with a panic.
type failingPages struct{ *web.Handler }

func (p failingPages) Routes() []httpapi.PageRoute {
	fail := func(path string, err error) httpapi.PageRoute {
		return httpapi.PageRoute{Method: http.MethodGet, Path: path, Serve: func(http.ResponseWriter, *http.Request) error { return err }}
	}
	return append(p.Handler.Routes(),
		fail("/ui/fail/unavailable", huiqi.Errorf(huiqi.EUnavailable, "索引正在重建，请稍后再试")),
		fail("/ui/fail/unknown", huiqi.Errorf("no_such_code", "未知错误码")),
		fail("/ui/fail/plain", errors.New("disk on fire")),
		httpapi.PageRoute{Method: http.MethodGet, Path: "/ui/fail/panic", Serve: func(http.ResponseWriter, *http.Request) error { panic("page bug") }},
	)
}

// A page's error goes through the server's one table: an EUnavailable is
// a 503 page, anything the table lacks a 500 page, both in Chinese and
// neither a panic of the server (a status of 0 once did).
func TestPages_ErrorStatuses(t *testing.T) {
	eng := mustAPIServer(t).Eng
	srv := httpapi.NewServer(eng, metrics.New(eng))
	srv.Logger = slog.New(slog.DiscardHandler)
	pages := web.New(eng)
	pages.Logger = srv.Logger
	srv.Mount(failingPages{pages})
	h := srv.Handler()
	for _, tt := range []struct {
		name, path string
		status     int
		heading    string
		hidden     string // what the page must not show
	}{
		{"Unavailable", "/ui/fail/unavailable", http.StatusServiceUnavailable, "暂时无法提供服务", ""},
		{"UnknownCode", "/ui/fail/unknown", http.StatusInternalServerError, "系统内部错误", "未知错误码"},
		{"Plain", "/ui/fail/plain", http.StatusInternalServerError, "系统内部错误", "disk on fire"},
		{"Panic", "/ui/fail/panic", http.StatusInternalServerError, "系统内部错误", "page bug"},
		{"NoRoute", "/ui/nothing", http.StatusNotFound, "未找到", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.status {
				t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s Content-Type = %q, want an HTML page", tt.path, ct)
			}
			if !strings.Contains(string(body), tt.heading) {
				t.Errorf("GET %s lacks %q:\n%s", tt.path, tt.heading, body)
			}
			if tt.hidden != "" && strings.Contains(string(body), tt.hidden) {
				t.Errorf("GET %s shows the internal %q", tt.path, tt.hidden)
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Errorf("GET %s has no Content-Security-Policy", tt.path)
			}
		})
	}
}

// StatusOf is the one table: every code has its status, and a code the
// table lacks is a 500, never 0.
func TestStatusOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"Invalid", huiqi.FieldErrorf("limit", "limit 应为正整数"), http.StatusBadRequest},
		{"Unauthorized", huiqi.Errorf(huiqi.EUnauthorized, "x"), http.StatusUnauthorized},
		{"Forbidden", huiqi.Errorf(huiqi.EForbidden, "x"), http.StatusForbidden},
		{"NotFound", huiqi.Errorf(huiqi.ENotFound, "x"), http.StatusNotFound},
		{"Conflict", huiqi.Errorf(huiqi.EConflict, "x"), http.StatusConflict},
		{"TooLarge", huiqi.Errorf(huiqi.ETooLarge, "x"), http.StatusRequestEntityTooLarge},
		{"TooMany", huiqi.Errorf(huiqi.ETooMany, "x"), http.StatusTooManyRequests},
		{"Internal", huiqi.Errorf(huiqi.EInternal, "x"), http.StatusInternalServerError},
		{"Unavailable", huiqi.Errorf(huiqi.EUnavailable, "x"), http.StatusServiceUnavailable},
		{"UnknownCode", huiqi.Errorf("no_such_code", "x"), http.StatusInternalServerError},
		{"Plain", errors.New("x"), http.StatusInternalServerError},
	} {
		if got := httpapi.StatusOf(tt.err); got != tt.want {
			t.Errorf("%s: StatusOf(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

// Package web serves huiqi's pages for the people who use it: the policy
// calculator and policy search for enterprises, the enterprise workbench,
// and the redemption-clock dashboard and policy preview for officials.
// Pages are rendered on the server with html/template from files embedded
// in the binary, in Chinese, and work without JavaScript.
//
// The pages call the same engine methods as the JSON API, with the signed-in
// user's token in the request context, so that roles are enforced by the
// engine exactly as for the API. They are served by the API's server
// (httpapi.Server.Mount), which routes them, identifies the browser by its
// session (Session) and maps their errors to statuses; this package draws
// the pages and the error page.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Handler provides the pages under "/", "/ui/" and "/static/" to an
// httpapi.Server.
type Handler struct {
	Engine *engine.Engine
	// Searcher finds policies for the search page; New sets the engine's
	// full-text index, with a substring filter over the published policies
	// while the index is unavailable.
	Searcher PolicySearcher
	Logger   *slog.Logger
	// FormLimit bounds a form body, an uploaded policy document included.
	FormLimit int64

	sessions *sessions
	pages    map[string]*template.Template
	static   http.Handler
}

// DefaultFormLimit leaves room for a policy document of
// policies.MaxDocumentSize sent both pasted and uploaded.
const DefaultFormLimit = 3 << 20

// New returns a Handler over the engine.
func New(e *engine.Engine) *Handler {
	h := &Handler{
		Engine:    e,
		Searcher:  &IndexSearcher{Engine: e, Fallback: &ListSearcher{Engine: e}},
		Logger:    slog.Default(),
		FormLimit: DefaultFormLimit,
		sessions:  newSessions(),
		pages:     parsePages(),
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	h.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	return h
}

// Routes lists the pages for the server; each sets the pages' security
// headers first.
func (h *Handler) Routes() []httpapi.PageRoute {
	route := func(method, path string, serve func(http.ResponseWriter, *http.Request) error) httpapi.PageRoute {
		return httpapi.PageRoute{Method: method, Path: path, Serve: func(w http.ResponseWriter, r *http.Request) error {
			secureHeaders(w)
			return serve(w, r)
		}}
	}
	return []httpapi.PageRoute{
		route("GET", "/static/*path", h.staticFiles),
		route("GET", "/favicon.ico", h.favicon),
		route("GET", "/ui/", h.home),
		route("GET", "/", h.calculator),
		route("POST", "/", h.calculate),
		route("GET", "/ui/login", h.loginForm),
		route("POST", "/ui/login", h.login),
		route("POST", "/ui/logout", h.logout),
		route("GET", "/ui/policies", h.searchPolicies),
		route("GET", "/ui/policies/:id", h.policyPage),
		route("GET", "/ui/workbench", h.workbench),
		route("POST", "/ui/workbench/apply", h.apply),
		route("POST", "/ui/workbench/applications/:id/events", h.applicationEvent),
		route("GET", "/ui/dashboard", h.dashboard),
		route("GET", "/ui/cases/:id", h.caseView),
		route("POST", "/ui/cases/:id/events", h.caseEvent),
		route("GET", "/ui/export.csv", h.exportCSV),
		route("GET", "/ui/export.xlsx", h.exportXLSX),
		route("GET", "/ui/policies/:id/matches.xlsx", h.matchesXLSX),
		route("GET", "/ui/editor", h.editor),
		route("POST", "/ui/editor", h.editorAction),
		route("POST", "/ui/editor/sandbox", h.sandboxPart),
		route("GET", "/ui/preview", h.previewForm),
		route("POST", "/ui/preview", h.preview),
	}
}

// home sends a signed-in user to their own start page, anyone else to the
// calculator.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	home := "/"
	if t := huiqi.TokenFromContext(r.Context()); t != nil {
		home = homeOf(t)
	}
	http.Redirect(w, r, home, http.StatusFound)
	return nil
}

// Session finds the browser's live session by its cookie, for the
// server's authentication: the token secret it stands for, and the request
// with the session in its context for the CSRF tokens of the forms.
func (h *Handler) Session(r *http.Request) (secret string, withSession *http.Request, ok bool) {
	s := h.session(r)
	if s == nil {
		return "", r, false
	}
	return s.secret, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)), true
}

// SignOut ends the request's session, whose token is no longer valid, and
// clears its cookie.
func (h *Handler) SignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		h.sessions.delete(c.Value)
	}
	clearCookie(w, r, sessionCookie)
}

// secureHeaders sets the headers of every page and error page. The pages load nothing
// from elsewhere and run no inline script, so a strict policy costs
// nothing and blunts any injection that slips by.
func secureHeaders(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
}

// staticFiles serves the embedded CSS and icon; they change only with the
// binary, so browsers may keep them for a day. A folder is not a page: it
// gets the 404 page rather than a listing.
func (h *Handler) staticFiles(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if f, err := fs.Stat(staticFiles, "static/"+name); err != nil || f.IsDir() {
		return huiqi.Errorf(huiqi.ENotFound, "页面不存在：%s", r.URL.Path)
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	h.static.ServeHTTP(w, r)
	return nil
}

// favicon answers the browsers that ask for /favicon.ico before reading
// the page's icon link, with the same SVG icon.
func (h *Handler) favicon(w http.ResponseWriter, r *http.Request) error {
	b, err := staticFiles.ReadFile("static/favicon.svg")
	if err != nil {
		return err // embedded at build time: never
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
	return nil
}

// statusOf returns the HTTP status of err, by the server's one table.
func statusOf(err error) int { return httpapi.StatusOf(err) }

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
	Field   string
}

var errorHeadings = map[int]string{
	http.StatusBadRequest:            "输入有误",
	http.StatusUnauthorized:          "请先登录",
	http.StatusForbidden:             "无权访问",
	http.StatusNotFound:              "未找到",
	http.StatusConflict:              "操作未能完成",
	http.StatusRequestEntityTooLarge: "内容过大",
	http.StatusTooManyRequests:       "请求过于频繁",
	http.StatusServiceUnavailable:    "暂时无法提供服务",
	http.StatusInternalServerError:   "系统内部错误",
}

// Fail answers err, whose status the server gave: an anonymous GET of a
// page that needs a sign-in is sent to the sign-in page; anything else
// gets the error page with that status. The server has logged an internal
// error's cause; the page shows a plain message.
func (h *Handler) Fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	secureHeaders(w)
	if status == http.StatusUnauthorized && r.Method == http.MethodGet && huiqi.TokenFromContext(r.Context()) == nil {
		http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	msg := huiqi.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		msg = "系统内部错误，请稍后重试。"
	}
	heading, ok := errorHeadings[status]
	if !ok {
		heading = errorHeadings[http.StatusInternalServerError]
	}
	data := errorPage{Status: status, Heading: heading, Message: msg, Field: huiqi.ErrorField(err)}
	h.render(w, r, status, "error", data.Heading, "", data)
}

// view is what every page template gets: the signed-in user, the CSRF
// token for its forms, the navigation state and the page's own data.
type view struct {
	Title  string
	Nav    string // the navigation entry to mark as current
	User   *huiqi.Token
	CSRF   string
	Path   string
	Notice string // a one-line confirmation after a redirect
	Data   any
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) {
	t, ok := h.pages[name]
	if !ok {
		panic("web: no page template " + name)
	}
	v := view{Title: title, Nav: nav, User: huiqi.TokenFromContext(r.Context()), CSRF: h.csrfFor(r), Path: r.URL.Path, Data: data}
	v.Notice = notices[r.URL.Query().Get("ok")]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.Logger.Error("render page", "page", name, "err", err)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, renderFailed)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // pages show a user's own data
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderFailed is the page of a page that could not be drawn: plain, so
// that it cannot fail in turn.
const renderFailed = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>系统内部错误 · 惠企政策直达兑现</title><h1>系统内部错误</h1><p>页面暂时无法显示，请稍后重试。<a href="/">返回政策计算器</a></p></html>`

// renderPart executes one template of a page without the layout, for a
// page's script that replaces part of the page.
func (h *Handler) renderPart(w http.ResponseWriter, r *http.Request, page, part string, data any) {
	v := view{User: huiqi.TokenFromContext(r.Context()), CSRF: h.csrfFor(r), Path: r.URL.Path, Data: data}
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, part, v); err != nil {
		h.Logger.Error("render part", "page", page, "part", part, "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// notices are the confirmations shown after a form's redirect (?ok=KEY);
// keys rather than text in the URL, so that a link cannot put words in
// huiqi's mouth.
var notices = map[string]string{
	"confirm":  "已确认兑现意愿，兑现计时已开始。",
	"withdraw": "申请已撤回。",
	"resume":   "已提交补正材料，计时已恢复。",
	"applied":  "申报已提交，请等待主管部门受理。",
	"login":    "已登录。",
	"logout":   "已退出登录。",
	// An official's actions on a case.
	"case-accept":   "已受理，兑现计时开始。",
	"case-pause":    "已中止计时，书面告知已送达企业。",
	"case-resume":   "已恢复计时。",
	"case-approve":  "已批准。",
	"case-disburse": "已兑现，计时结束。",
	"case-reject":   "已驳回，驳回理由已告知企业。",
	// The policy editor's.
	"policy-save":     "已保存。",
	"policy-publish":  "已保存并发布，符合条件的企业将收到推送。",
	"policy-withdraw": "政策已撤回。",
}

// parsePages parses each page with the shared layout and partials.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"calculator", "login", "search", "policy", "workbench", "dashboard", "case", "editor", "preview", "error"} {
		t := template.New(name).Funcs(funcs)
		t = template.Must(t.ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
		pages[name] = t
	}
	return pages
}

// parseForm reads a form, a multipart one included, after bounding its body
// by the handler's limit. It returns ETooLarge or EInvalid.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, h.FormLimit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(h.FormLimit)
	} else {
		err = r.ParseForm()
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return huiqi.Errorf(huiqi.ETooLarge, "提交的内容超过 %d 字节", h.FormLimit)
	} else if err != nil {
		return huiqi.Errorf(huiqi.EInvalid, "无法读取表单: %v", err)
	}
	return nil
}

// asOf reads the as_of query or form value, today when absent.
func (h *Handler) asOf(r *http.Request) (huiqi.Date, error) {
	v := strings.TrimSpace(r.FormValue("as_of"))
	if v == "" {
		return h.Engine.Today(), nil
	}
	d, err := huiqi.ParseDate(v)
	return d, huiqi.WithPrefix("as_of", err)
}

// redirect answers a successful form with 303 See Other, so that reloading
// the page that follows does not send the form again.
func redirect(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// roleLabels name roles in the header.
var roleLabels = map[string]string{
	huiqi.RoleAdmin: "管理员", huiqi.RoleOfficial: "主管部门", huiqi.RoleAuditor: "审计", huiqi.RoleEnterprise: "企业",
}

// homeOf is where a user lands after signing in.
func homeOf(t *huiqi.Token) string {
	switch t.Role {
	case huiqi.RoleEnterprise:
		return "/ui/workbench"
	case huiqi.RoleOfficial, huiqi.RoleAuditor, huiqi.RoleAdmin:
		return "/ui/dashboard"
	}
	return "/"
}

package web

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/huiqi/huiqi"
)

// Sign-in keeps the API token on the server: the browser holds only a
// random session id in an HttpOnly, SameSite=Strict cookie, mapped in
// memory to the token's secret. A stolen cookie is therefore worth less
// than the token (it dies at sign-out, after idling, and at a restart), no
// script can read it, and the secret never travels again after sign-in.
// The secret is authenticated again on every request, so that a token
// revoked in the database stops working at once. Sessions do not survive a
// restart; users sign in again.
//
// Forms that change state carry a CSRF token: the HMAC-SHA256 of the
// session id under a key drawn when the process starts. Before sign-in, the
// sign-in form is tied the same way to a random pre-session cookie, so that
// another site cannot sign a browser in as someone else.

// Cookie names.
const (
	sessionCookie = "huiqi_session"
	loginCookie   = "huiqi_login"
)

// Session lifetimes: a working day of idling, and a day at most.
const (
	sessionIdle    = 8 * time.Hour
	sessionMaxAge  = 24 * time.Hour
	loginCookieAge = time.Hour
	// maxSessionsPerToken bounds the browsers signed in with one token: a
	// new sign-in beyond it ends the token's oldest session. Only an admin
	// issues tokens, so this bounds the memory sessions take, and one
	// token's holder cannot lock anyone else out.
	maxSessionsPerToken = 20
)

// session is one signed-in browser.
type session struct {
	id      string
	secret  string
	created time.Time
	seen    time.Time
	// order counts sign-ins: the oldest session is the one with the lowest,
	// even when the clock gave two sign-ins the same time.
	order uint64
}

type sessionKey struct{}
type loginKey struct{}

// sessions holds the signed-in browsers and the process's CSRF key.
type sessions struct {
	mu     sync.Mutex
	m      map[string]*session
	key    []byte
	signed uint64 // sign-ins so far, for session.order
}

func newSessions() *sessions {
	return &sessions{m: map[string]*session{}, key: randomBytes(32)}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return b
}

func randomID() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// create starts a session for secret, sweeping expired ones first and
// ending the secret's oldest sessions beyond maxSessionsPerToken.
func (s *sessions) create(secret string, now time.Time) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var mine []*session
	for id, x := range s.m {
		if x.expired(now) {
			delete(s.m, id)
		} else if x.secret == secret {
			mine = append(mine, x)
		}
	}
	if len(mine) >= maxSessionsPerToken {
		slices.SortFunc(mine, func(a, b *session) int { return cmp.Compare(a.order, b.order) })
		for _, x := range mine[:len(mine)-maxSessionsPerToken+1] {
			delete(s.m, x.id)
		}
	}
	s.signed++
	x := &session{id: randomID(), secret: secret, created: now, seen: now, order: s.signed}
	s.m[x.id] = x
	return x, nil
}

// get returns the live session with the id and marks it seen.
func (s *sessions) get(id string, now time.Time) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok {
		return nil
	}
	if x.expired(now) {
		delete(s.m, id)
		return nil
	}
	x.seen = now
	return x
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func (x *session) expired(now time.Time) bool {
	return now.Sub(x.seen) > sessionIdle || now.Sub(x.created) > sessionMaxAge
}

// mac is the CSRF token of an id under the process key; the purpose keeps
// a pre-session token from passing as a session's.
func (s *sessions) mac(purpose, id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session returns the request's live session, or nil.
func (h *Handler) session(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	return h.sessions.get(c.Value, h.Engine.Now())
}

// sessionOf returns the session the server authenticated the request by,
// or nil.
func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// csrfFor returns the CSRF token the page's forms carry: tied to the
// session, or before sign-in to the pre-session cookie; "" when neither
// exists.
func (h *Handler) csrfFor(r *http.Request) string {
	if s := sessionOf(r); s != nil {
		return h.sessions.mac("session", s.id)
	}
	if id, ok := r.Context().Value(loginKey{}).(string); ok {
		return h.sessions.mac("login", id)
	}
	if c, err := r.Cookie(loginCookie); err == nil && c.Value != "" {
		return h.sessions.mac("login", c.Value)
	}
	return ""
}

// errCSRF refuses a form that does not come from huiqi's own page.
var errCSRF = huiqi.Errorf(huiqi.EForbidden, "表单已失效或并非来自本站，请刷新页面后重试")

// checkCSRF returns EForbidden unless the request's form carries the token
// of its session (or, for sign-in, of its pre-session cookie) and, when the
// browser names the origin, comes from this site. The form must be parsed.
func (h *Handler) checkCSRF(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameOrigin(o, r) {
		return errCSRF
	}
	got := r.PostFormValue("csrf")
	var want string
	if s := sessionOf(r); s != nil {
		want = h.sessions.mac("session", s.id)
	} else if c, err := r.Cookie(loginCookie); err == nil && c.Value != "" && r.URL.Path == "/ui/login" {
		want = h.sessions.mac("login", c.Value)
	}
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

// sameOrigin reports whether an Origin header names the host the request
// was sent to.
func sameOrigin(origin string, r *http.Request) bool {
	_, host, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(host, r.Host)
}

// secure reports whether the browser reached huiqi over HTTPS, directly or
// through a proxy that says so; cookies are then marked Secure.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode,
	})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// loginPage is the data of the sign-in page.
type loginPage struct {
	Next    string
	Message string
}

// loginForm shows the sign-in form and sets the pre-session cookie its
// CSRF token is tied to.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	r = h.withLoginCookie(w, r)
	h.render(w, r, http.StatusOK, "login", "登录", "login", loginPage{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

// withLoginCookie makes sure the browser has a pre-session cookie and puts
// its id in the request's context for the form's CSRF token.
func (h *Handler) withLoginCookie(w http.ResponseWriter, r *http.Request) *http.Request {
	id := ""
	if c, err := r.Cookie(loginCookie); err == nil && c.Value != "" {
		id = c.Value
	} else {
		id = randomID()
		setCookie(w, r, loginCookie, id, loginCookieAge)
	}
	return r.WithContext(context.WithValue(r.Context(), loginKey{}, id))
}

// login exchanges a token for a session.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(w, r); err != nil {
		return err
	}
	if err := h.checkCSRF(r); err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	secret := strings.TrimSpace(r.PostFormValue("token"))
	t, err := h.Engine.Authenticate(r.Context(), secret)
	if secret == "" || huiqi.ErrorCode(err) == huiqi.EUnauthorized {
		r = h.withLoginCookie(w, r)
		h.render(w, r, http.StatusUnauthorized, "login", "登录", "login", loginPage{Next: next, Message: "令牌无效，请检查后重新输入。"})
		return nil
	} else if err != nil {
		return err
	}
	if old := sessionOf(r); old != nil {
		h.sessions.delete(old.id) // a new sign-in never reuses an id (session fixation)
	}
	s, err := h.sessions.create(secret, h.Engine.Now())
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, s.id, sessionMaxAge)
	clearCookie(w, r, loginCookie)
	if next == "" {
		next = homeOf(t)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session on the server and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(w, r); err != nil {
		return err
	}
	if s := sessionOf(r); s != nil {
		if err := h.checkCSRF(r); err != nil {
			return err
		}
		h.sessions.delete(s.id)
	}
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/?ok=logout", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in destination on this site: a path, never a
// scheme-relative or absolute URL that would send the user elsewhere.
// Browsers strip tabs and newlines from a URL and read a backslash as a
// slash, so "/\t/evil.example" or "/\\evil" would leave the site: any
// control character or backslash refuses the destination.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			return ""
		}
	}
	return next
}

// requireSignIn returns EUnauthorized for an anonymous caller, so that the
// page redirects to sign-in before doing any work.
func requireSignIn(r *http.Request) (*huiqi.Token, error) {
	t := huiqi.TokenFromContext(r.Context())
	if t == nil {
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "请先登录")
	}
	return t, nil
}

package httpapi

import (
	"container/list"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/huiqi/huiqi"
)

// Rate is a limit of Events per Period, with bursts of as many.
type Rate struct {
	Events int
	Period time.Duration
}

// ParseRate reads a rate written "N/PERIOD", such as "10/1m" or "300/1m";
// "0" or "off" turns the limit off.
func ParseRate(s string) (Rate, error) {
	if s == "0" || s == "off" {
		return Rate{}, nil
	}
	n, p, ok := strings.Cut(s, "/")
	events, err := strconv.Atoi(n)
	if !ok || err != nil || events < 1 {
		return Rate{}, fmt.Errorf("rate %q: want N/PERIOD, e.g. 10/1m", s)
	}
	period, err := time.ParseDuration(p)
	if err != nil || period <= 0 {
		return Rate{}, fmt.Errorf("rate %q: want N/PERIOD, e.g. 10/1m", s)
	}
	return Rate{Events: events, Period: period}, nil
}

func (r Rate) String() string {
	if r.Events == 0 {
		return "off"
	}
	return strconv.Itoa(r.Events) + "/" + r.Period.String()
}

// Limits are the server's throttles. Each keeps one token bucket per
// client (an address, or a token for bulk imports), at most MaxClients of
// them: the least recently seen goes first, so memory stays bounded however
// many addresses an attacker uses.
type Limits struct {
	// AuthFailures bounds failed authentications (a wrong API token, a
	// wrong token at the web sign-in) per client address; once spent, the
	// address is answered 429 before any token is looked at.
	AuthFailures Rate
	// Anonymous bounds the calculator and search without a token, per
	// client address.
	Anonymous Rate
	// Bulk bounds bulk imports per token.
	Bulk Rate
	// MaxClients bounds the buckets each throttle keeps.
	MaxClients int
}

// DefaultLimits returns limits that allow what people and well-behaved
// scripts do, a fresh value the caller may change.
func DefaultLimits() Limits {
	return Limits{
		AuthFailures: Rate{Events: 10, Period: time.Minute},
		Anonymous:    Rate{Events: 300, Period: time.Minute},
		Bulk:         Rate{Events: 30, Period: time.Minute},
		MaxClients:   10_000,
	}
}

// throttle is one limit with its buckets, least recently used last.
type throttle struct {
	name  string
	rate  Rate
	max   int
	mu    sync.Mutex
	byKey map[string]*list.Element
	lru   *list.List // of *bucket, most recent first
}

type bucket struct {
	key string
	lim *rate.Limiter
}

func newThrottle(name string, r Rate, max int) *throttle {
	return &throttle{name: name, rate: r, max: max, byKey: map[string]*list.Element{}, lru: list.New()}
}

// limiter returns the key's bucket, made full when new.
func (t *throttle) limiter(key string) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.byKey[key]; ok {
		t.lru.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	b := &bucket{key: key, lim: rate.NewLimiter(rate.Limit(float64(t.rate.Events)/t.rate.Period.Seconds()), t.rate.Events)}
	t.byKey[key] = t.lru.PushFront(b)
	for t.lru.Len() > max(t.max, 1) {
		old := t.lru.Back()
		t.lru.Remove(old)
		delete(t.byKey, old.Value.(*bucket).key)
	}
	return b.lim
}

// Len is the number of buckets kept.
func (t *throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// take spends one event of key's bucket at now; when none is left it
// returns how long until one is, and spends nothing.
func (t *throttle) take(key string, now time.Time) (retryAfter time.Duration, ok bool) {
	if t == nil || t.rate.Events == 0 {
		return 0, true
	}
	r := t.limiter(key).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// wait returns how long until key's bucket has an event again, 0 when it
// has one now; it spends nothing.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	if t == nil || t.rate.Events == 0 {
		return 0
	}
	lim := t.limiter(key)
	if lim.TokensAt(now) >= 1 {
		return 0
	}
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return d
}

// clientKey is the bucket key of a request's address: the connection's
// peer, never a header a client could set. IPv6 clients are keyed by their
// /64, which one subscriber usually holds whole.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// throttled answers 429 with Retry-After, in whole seconds rounded up.
func (s *Server) throttled(c *gin.Context, t *throttle, wait time.Duration) {
	s.metrics.Throttled(t.name)
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.fail(c, huiqi.Errorf(huiqi.ETooMany, "请求过于频繁，请 %d 秒后再试", int(math.Ceil(wait.Seconds()))))
}

// presentsCredentials reports whether a request tries to authenticate: an
// Authorization header, or a sign-in form.
func presentsCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || (r.Method == http.MethodPost && r.URL.Path == "/ui/login")
}

// limitAuthFailures refuses, with 429, a client address that failed to
// authenticate too often, before its credentials are checked, and counts
// every failed authentication (a 401 to a request with credentials).
func (s *Server) limitAuthFailures(c *gin.Context) {
	if !presentsCredentials(c.Request) {
		c.Next()
		return
	}
	key := clientKey(c.Request)
	if wait := s.authFailures.wait(key, s.Engine.Now()); wait > 0 {
		s.throttled(c, s.authFailures, wait)
		return
	}
	c.Next()
	if c.Writer.Status() == http.StatusUnauthorized {
		s.authFailures.take(key, s.Engine.Now())
	}
}

// anonymousPath reports whether a request is one anyone may make that costs
// real work: the policy calculator and search, in the API and on the web
// pages.
func anonymousPath(r *http.Request) bool {
	switch {
	case r.URL.Path == "/v1/match" || r.URL.Path == "/v1/policies/search":
		return true
	case r.Method == http.MethodPost && r.URL.Path == "/":
		return true
	case r.Method == http.MethodGet && r.URL.Path == "/ui/policies":
		return true
	}
	return false
}

// limitRequests applies the anonymous throttle per address to anonymous
// calculator and search requests, and the bulk throttle per token to bulk
// imports. It runs after authentication, so it knows the caller.
func (s *Server) limitRequests(c *gin.Context) {
	t := huiqi.TokenFromContext(c.Request.Context())
	now := s.Engine.Now()
	switch {
	case t == nil && anonymousPath(c.Request):
		if wait, ok := s.anonymous.take(clientKey(c.Request), now); !ok {
			s.throttled(c, s.anonymous, wait)
			return
		}
	case t != nil && strings.HasSuffix(c.Request.URL.Path, "/bulk") && c.Request.Method == http.MethodPost:
		if wait, ok := s.bulk.take("token:"+strconv.FormatInt(t.ID, 10), now); !ok {
			s.throttled(c, s.bulk, wait)
			return
		}
	}
	c.Next()
}

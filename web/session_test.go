package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
)

// A sign-in sends the user on only to a path of this site: destinations
// that browsers would read as another host (after stripping a tab or
// newline, or reading a backslash as a slash) go to the user's home page.
func TestLogin_NextStaysLocal(t *testing.T) {
	w := mustWorld(t)
	secret := w.token(t, huiqi.RoleOfficial, deptIndustry, "")
	for _, tc := range []struct{ next, want string }{
		{"/ui/workbench", "/ui/workbench"},
		{"/ui/dashboard?as_of=2026-11-25", "/ui/dashboard?as_of=2026-11-25"},
		{"/\t/evil.example", "/ui/dashboard"},
		{"/\n/evil.example", "/ui/dashboard"},
		{"/\r/evil.example", "/ui/dashboard"},
		{"/\x00/evil.example", "/ui/dashboard"},
		{"/\x7f/evil.example", "/ui/dashboard"},
		{"//evil.example", "/ui/dashboard"},
		{"/\\evil.example", "/ui/dashboard"},
		{"/ui/\\\\evil.example", "/ui/dashboard"},
		{"https://evil.example", "/ui/dashboard"},
		{"evil.example", "/ui/dashboard"},
	} {
		c := w.client(t)
		// The form carries next from the query string, decoded as the
		// browser sent it: next=/%09/evil.example arrives as "/\t/evil.example".
		form := c.get(t, "/ui/login?next="+url.QueryEscape(tc.next))
		if strings.Contains(form.Body, "evil.example") {
			t.Errorf("next=%q: the sign-in form carries it on", tc.next)
		}
		p := c.post(t, "/ui/login", url.Values{"csrf": {csrf(t, form)}, "token": {secret}, "next": {tc.next}})
		if loc := p.Header.Get("Location"); p.StatusCode != http.StatusSeeOther || loc != tc.want {
			t.Errorf("next=%q: %d Location %q, want 303 %q", tc.next, p.StatusCode, loc, tc.want)
		}
	}
}

// One token's sign-ins are capped: the oldest session ends, the others'
// sessions are untouched and nobody is locked out.
func TestLogin_SessionsCappedPerToken(t *testing.T) {
	w := mustWorld(t)
	secret := w.token(t, huiqi.RoleOfficial, deptIndustry, "")
	other := w.client(t)
	other.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))

	const n = 25 // more than the cap of 20
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = w.client(t)
		clients[i].signIn(t, secret)
	}
	live := 0
	for i, c := range clients {
		p := c.get(t, "/ui/dashboard")
		ok := p.StatusCode == http.StatusOK
		if ok {
			live++
		}
		if want := i >= n-20; ok != want {
			t.Errorf("session %d live = %v, want %v", i, ok, want)
		}
	}
	if live != 20 {
		t.Errorf("%d of %d sessions of one token live, want 20", live, n)
	}
	if p := other.get(t, "/ui/dashboard"); p.StatusCode != http.StatusOK {
		t.Errorf("another token's session = %d after the cap, want 200", p.StatusCode)
	}
}

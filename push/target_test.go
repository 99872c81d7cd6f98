package push_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/push"
)

// The check at connect time refuses every internal address unless its host
// is on the allow-list; unspecified and multicast addresses never pass.
func TestCheckDialAddr(t *testing.T) {
	for _, tt := range []struct {
		addr          string
		public, named bool // admitted without and with the host on the allow-list
	}{
		{"203.0.113.10", true, true},
		{"8.8.8.8", true, true},
		{"2001:db8::1", true, true},
		{"127.0.0.1", false, true},
		{"127.255.255.254", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"::127.0.0.1", false, true},
		{"10.0.0.1", false, true},
		{"172.16.0.1", false, true},
		{"192.168.0.1", false, true},
		{"::ffff:192.168.0.1", false, true},
		{"fd12::1", false, true},
		{"169.254.169.254", false, true},
		{"fe80::1", false, true},
		{"100.64.0.1", false, true},
		{"100.127.255.255", false, true},
		{"64:ff9b::7f00:1", false, true},
		{"2002:a00:1::", false, true},
		{"0.0.0.0", false, false},
		{"0.1.2.3", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
	} {
		a := netip.MustParseAddr(tt.addr)
		if err := push.CheckDialAddr(a, false); (err == nil) != tt.public {
			t.Errorf("CheckDialAddr(%s, not listed) = %v, want admitted %v", a, err, tt.public)
		}
		if err := push.CheckDialAddr(a, true); (err == nil) != tt.named {
			t.Errorf("CheckDialAddr(%s, listed) = %v, want admitted %v", a, err, tt.named)
		}
	}
}

// countingListener is a server on 127.0.0.1 that counts the connections it
// accepts: the proof that a refused dial never connected.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

// A name that was public at registration and resolves to an internal
// address at delivery (DNS rebinding) is refused at the dial, which never
// connects; the same name on the allow-list connects.
func TestTargets_DialRebinding(t *testing.T) {
	addr, accepted := countingListener(t)
	ap := netip.MustParseAddrPort(addr)
	res := push.StaticResolver{"rebind.example.com": {netip.MustParseAddr("203.0.113.10")}}
	targets := &push.Targets{Resolver: res}
	if err := targets.CheckURL(context.Background(), "http://rebind.example.com:"+itoa(ap.Port())+"/hook"); err != nil {
		t.Fatalf("CheckURL() at registration = %v, want the public name admitted", err)
	}
	res["rebind.example.com"] = []netip.Addr{ap.Addr()} // the name now points at 127.0.0.1
	for _, dial := range []string{"rebind.example.com:" + itoa(ap.Port()), addr, "localhost:" + itoa(ap.Port()), "0x7f000001:" + itoa(ap.Port())} {
		c, err := targets.DialContext(context.Background(), "tcp", dial)
		if err == nil {
			c.Close()
			t.Errorf("DialContext(%s) connected, want it refused", dial)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the internal listener accepted %d connections, want none", n)
	}
	allowed := &push.Targets{Hosts: []string{"rebind.example.com"}, Resolver: res}
	c, err := allowed.DialContext(context.Background(), "tcp", "rebind.example.com:"+itoa(ap.Port()))
	if err != nil {
		t.Fatalf("DialContext() of an allowed host = %v", err)
	}
	c.Close()
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

// The default deliverer refuses a receiver on 127.0.0.1 at the dial: the
// attempt fails and is retried, the receiver sees nothing.
func TestPushDeliverer_RefusesInternal(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	addr, accepted := countingListener(t)
	w := pushMustWebhook(t, db, "http://"+addr+"/hook", "0123456789abcdef")
	pushAddNotifications(t, db, 1)
	d := push.NewDeliverer(db)
	d.Now, d.Logger = clock.Now, pushQuiet
	pushDeliverDue(t, d)
	got := pushWebhook(t, db, w.ID)
	if got.DeliveredUpto != 0 || got.Attempts != 1 || !strings.Contains(got.LastError, "refused") {
		t.Errorf("after delivery to %s: %+v, want one failed attempt, refused", addr, got)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the internal receiver accepted %d connections, want none", n)
	}
}

// A redirect is never followed: neither a 307, which would re-send the
// signed body to another host, nor a 302, which would turn the POST into a
// GET whose 200 would count as delivered. Either is a failed attempt,
// retried; only a 2xx acknowledges.
func TestPushDeliverer_NoRedirects(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			clock := newPushClock()
			db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
			var elsewhere atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elsewhere.Add(1)
			}))
			t.Cleanup(other.Close)
			redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/stolen", status)
			}))
			t.Cleanup(redirect.Close)
			w := pushMustWebhook(t, db, redirect.URL+"/hook", "0123456789abcdef")
			pushAddNotifications(t, db, 1)
			d := pushDeliverer(db, clock)
			wait := pushDeliverDue(t, d)
			got := pushWebhook(t, db, w.ID)
			if got.DeliveredUpto != 0 || got.Attempts != 1 || wait <= 0 {
				t.Errorf("after a %d: %+v (retry in %v), want one failed attempt, retried", status, got, wait)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("the redirect's target got %d requests, want none", n)
			}
		})
	}
}

// Only the notification kinds the README documents reach subscribers; a
// pause notice stays in the enterprise's inbox.
func TestPushDeliverer_DocumentedKinds(t *testing.T) {
	clock := newPushClock()
	db := pushMustOpenDB(t, filepath.Join(t.TempDir(), "huiqi.db"), clock)
	r := newPushReceiver(t, pushAlways(http.StatusOK))
	w := pushMustWebhook(t, db, r.URL+"/hook", "0123456789abcdef")
	ns := []huiqi.Notification{
		{CreditCode: "914403001922038216", Kind: huiqi.NotifyNewMatch, PolicyID: "p", Version: 1, Title: "政策"},
		{CreditCode: "914403001922038216", Kind: huiqi.NotifyPauseNotice, PolicyID: "p", Version: 1, Title: "政策", Note: "补正材料"},
		{CreditCode: "914403001922038216", Kind: huiqi.NotifyWithdrawn, PolicyID: "p", Version: 1, Title: "政策"},
	}
	if err := db.AddNotifications(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	pushDeliverDue(t, pushDeliverer(db, clock))
	var kinds []string
	for _, a := range r.Attempts() {
		kinds = append(kinds, a.Payload.Kind)
	}
	if strings.Join(kinds, ",") != "new_match,withdrawn" {
		t.Errorf("delivered kinds = %v, want new_match, withdrawn", kinds)
	}
	if got := pushWebhook(t, db, w.ID); got.DeliveredUpto != ns[2].ID {
		t.Errorf("delivered_upto = %d, want %d", got.DeliveredUpto, ns[2].ID)
	}
}

// An unlisted host is refused at the dial even when it resolves publicly,
// once an allow-list is set.
func TestTargets_AllowList(t *testing.T) {
	targets := &push.Targets{Hosts: []string{"hooks.example.com"}, Resolver: push.StaticResolver{"evil.example.com": {netip.MustParseAddr("203.0.113.66")}}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := targets.DialContext(ctx, "tcp", "evil.example.com:443")
	if err == nil || !strings.Contains(err.Error(), "allow-list") {
		t.Errorf("DialContext(unlisted) = %v, want refused by the allow-list", err)
	}
	if err := targets.CheckURL(ctx, "https://evil.example.com/"); huiqi.ErrorField(err) != "url" {
		t.Errorf("CheckURL(unlisted) = %v, want an error naming url", err)
	}
}

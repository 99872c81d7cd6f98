package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/huiqi/huiqi"
)

// Targets is the rule for webhook addresses. A webhook POSTs signed data to
// whatever URL an admin registered, from inside the network huiqi runs in;
// without a rule, a URL naming 127.0.0.1, a cloud metadata address or an
// office network host would make huiqi a way in to them. So by default
// every address a host resolves to must be a public unicast address, and
// the connection goes to the very address that was checked, so that a name
// that resolves differently a moment later (DNS rebinding) gains nothing.
type Targets struct {
	// Hosts, when not empty, is the allow-list: only these hosts may be
	// subscribers, and they may resolve to internal addresses too, since an
	// operator named them.
	Hosts []string
	// Resolver looks host names up; nil is the system resolver. Tests use a
	// fixed table, so that no lookup leaves the machine.
	Resolver Resolver
}

// Resolver looks a host name up, as net.Resolver does.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ParseHosts reads a comma-separated allow-list, as HUIQI_WEBHOOK_HOSTS
// holds it.
func ParseHosts(list string) []string {
	var hosts []string
	for _, h := range strings.Split(list, ",") {
		if h = normalHost(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// normalHost is a host name as compared with the allow-list: lower case,
// without brackets or a trailing dot.
func normalHost(h string) string {
	h = strings.TrimSpace(strings.ToLower(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// CheckURL validates a webhook URL at registration: http or https, no
// credentials (they would be stored and shown back), a host on the
// allow-list when there is one, and every address the host resolves to
// admitted. It returns EInvalid naming the field url.
func (t *Targets) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return huiqi.FieldErrorf("url", "url 应为 http(s) 地址")
	}
	if u.User != nil {
		return huiqi.FieldErrorf("url", "url 不能包含用户名或密码；请用签名密钥鉴别推送")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return huiqi.FieldErrorf("url", "url 的端口应为 1 至 65535")
		}
	}
	host := normalHost(u.Hostname())
	if len(t.Hosts) > 0 && !slices.Contains(t.Hosts, host) {
		return huiqi.FieldErrorf("url", "主机 %q 不在允许的推送地址列表中", u.Hostname())
	}
	if _, err := t.resolve(ctx, host); err != nil {
		return huiqi.FieldErrorf("url", "%s", err.Error())
	}
	return nil
}

// errRefused marks an address the rule refuses.
var errRefused = errors.New("refused")

// resolve returns the addresses of host, all of them admitted, or an error
// that says why not. Every address must pass: a name that resolves to one
// public and one internal address is refused, since the dialer could be
// steered to either.
func (t *Targets) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	allowed := len(t.Hosts) > 0 && slices.Contains(t.Hosts, host)
	var addrs []netip.Addr
	if a, ok := parseIP(host); ok {
		addrs = []netip.Addr{a}
	} else if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		addrs = []netip.Addr{netip.IPv6Loopback()} // reserved for loopback whatever DNS says
	} else {
		r := t.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		found, err := r.LookupNetIP(ctx, "ip", host)
		if err != nil || len(found) == 0 {
			return nil, fmt.Errorf("主机 %q 无法解析", host)
		}
		addrs = found
	}
	for i, a := range addrs {
		a = a.Unmap()
		addrs[i] = a
		if why := internal(a); why != "" && !(allowed && why != "unspecified" && why != "multicast") {
			return nil, fmt.Errorf("推送地址 %s 指向%s地址 %s，不允许（可用 --webhook-hosts 明确允许内部主机）: %w", host, whyText[why], a, errRefused)
		}
	}
	return addrs, nil
}

var whyText = map[string]string{
	"loopback": "本机", "private": "内网", "link-local": "链路本地", "cgnat": "运营商级 NAT",
	"multicast": "组播", "unspecified": "未指定", "reserved": "保留",
}

// special are the ranges internal refuses beyond what netip classifies.
var special = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"}, // "this network": Linux connects 0.x to itself
	{netip.MustParsePrefix("100.64.0.0/10"), "cgnat"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b::/96"), "reserved"}, // NAT64: reaches any IPv4 address
	{netip.MustParsePrefix("64:ff9b:1::/48"), "reserved"},
	{netip.MustParsePrefix("2002::/16"), "reserved"}, // 6to4: embeds an IPv4 address
	{netip.MustParsePrefix("2001::/32"), "reserved"}, // Teredo: likewise
	{netip.MustParsePrefix("100::/64"), "reserved"},  // discard
}

// internal names the class of an address that is not public unicast, or
// returns "" for a public one.
func internal(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "multicast"
	}
	if a.Is6() && a.Zone() != "" {
		return "link-local"
	}
	// An IPv4-compatible IPv6 address (::a.b.c.d) is another spelling of
	// an IPv4 one.
	if b := a.As16(); a.Is6() && [12]byte(b[:12]) == [12]byte{} {
		return internal(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.why
		}
	}
	return ""
}

// parseIP reads a host that is an IP address in any spelling a resolver or
// browser accepts: dotted decimal, IPv6 (with a zone), and the older IPv4
// forms inet_aton reads, such as 0x7f000001, 2130706433, 0177.0.0.1 or
// 127.1, which would otherwise pass as names and reach 127.0.0.1.
func parseIP(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32) // base 0: 0x hex, leading 0 octal
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// The last part fills the remaining bytes: a.b.c.d, a.b.cd, a.bcd, abcd.
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// DialContext connects to addr ("host:port") only at an address the rule
// admits, resolving the host now, at delivery, and dialling the checked
// address itself.
func (t *Targets) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host = normalHost(host)
	if len(t.Hosts) > 0 && !slices.Contains(t.Hosts, host) {
		return nil, fmt.Errorf("host %q is not on the webhook allow-list: %w", host, errRefused)
	}
	addrs, err := t.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second, ControlContext: t.control(host)}
	var first error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// control checks, just before the socket connects, the address it is about
// to connect to: the last word, whatever path led to the dial.
func (t *Targets) control(host string) func(ctx context.Context, network, address string, _ syscall.RawConn) error {
	allowed := len(t.Hosts) > 0 && slices.Contains(t.Hosts, host)
	return func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, errRefused)
		}
		return CheckDialAddr(ap.Addr(), allowed)
	}
}

// CheckDialAddr is the check at connect time of a resolved address: nil
// when huiqi may connect to it, given whether its host is on the
// allow-list.
func CheckDialAddr(a netip.Addr, allowedHost bool) error {
	why := internal(a)
	if why == "" || (allowedHost && why != "unspecified" && why != "multicast") {
		return nil
	}
	return fmt.Errorf("dial %s (%s): %w", a, why, errRefused)
}

// Client returns an HTTP client that connects only where the rule admits,
// through no proxy (a proxy would dial for it, unchecked), and follows no
// redirect: a 3xx is answered as it is, so the delivery counts as failed
// and is retried, rather than re-sent elsewhere or turned into a GET.
func (t *Targets) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           t.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// StaticResolver answers from a fixed table, like a hosts file: tests use
// it so that no lookup leaves the machine. A name not in it does not
// resolve.
type StaticResolver map[string][]netip.Addr

// LookupNetIP implements Resolver.
func (r StaticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return slices.Clone(a), nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

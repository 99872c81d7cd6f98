package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
	"github.com/huiqi/huiqi/web"
)

// The tests run on a fixed clock, 2026-11-25 10:00 in Shanghai, so that
// founding dates, validity windows and clocks do not depend on the day.
var (
	webNow   = time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)
	webToday = huiqi.DateOf(webNow)
)

// Departments of the officials in the tests.
const (
	deptIndustry = "泉州市工业和信息化局"
	deptScience  = "泉州市科学技术局"
)

// overduePolicy is an apply-mode policy of deptIndustry counted in
// calendar days with the default 45-day limit.
const overduePolicy = "qz-green-factory-award"

// quiet logs only errors, so that request logs do not drown test output.
var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// world is a running huiqi: the API and the pages over a real SQLite file,
// with the demo catalogue and 300 demo enterprises loaded.
type world struct {
	Srv *httpapi.Server
	Eng *engine.Engine
	DB  *sqlite.DB
	URL string
}

// mustWorld starts huiqi on 127.0.0.1 with a new database under
// tb.TempDir; it stops at the end of the test.
// TestMain puts gin in release mode, as a program's main does: gin decides
// its mode before the test flags exist, and would print every route.
func TestMain(m *testing.M) {
	httpapi.ReleaseMode()
	os.Exit(m.Run())
}

func mustWorld(tb testing.TB) *world { tb.Helper(); return newWorld(tb, false) }

// mustIndexedWorld is mustWorld with the full-text index attached, as
// serve runs it, caught up before it returns.
func mustIndexedWorld(tb testing.TB) *world { tb.Helper(); return newWorld(tb, true) }

func newWorld(tb testing.TB, indexed bool) *world {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "huiqi.db")
	db := sqlite.NewDB(path)
	db.Now = func() time.Time { return webNow }
	if err := db.Open(ctx); err != nil {
		tb.Fatalf("Open(%q) = %v", path, err)
	}
	eng := engine.New(db)
	eng.Now = func() time.Time { return webNow }
	eng.Logger = quiet
	if err := eng.Load(ctx); err != nil {
		db.Close()
		tb.Fatalf("Load() = %v", err)
	}
	stopIndexer := func() {}
	if indexed {
		ix, err := index.OpenMem()
		if err != nil {
			tb.Fatalf("index.OpenMem() = %v", err)
		}
		eng.AttachIndex(ix)
		ictx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- eng.RunIndexer(ictx) }()
		stopIndexer = func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("RunIndexer() = %v", err)
			}
			ix.Close()
		}
	}
	catalogue, err := policies.Catalogue(webToday)
	if err != nil {
		tb.Fatalf("Catalogue() = %v", err)
	}
	if _, err := eng.LoadDemo(ctx, catalogue, demo.Enterprises(300, 1, webToday)); err != nil {
		db.Close()
		tb.Fatalf("LoadDemo() = %v", err)
	}
	srv := httpapi.NewServer(eng, metrics.New(eng))
	srv.Addr, srv.Logger, srv.WorkbookLabels = "127.0.0.1:0", quiet, web.Labels()
	pages := web.New(eng)
	pages.Logger = quiet
	srv.Mount(pages)
	if err := srv.Open(); err != nil {
		db.Close()
		tb.Fatalf("Open server: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			tb.Errorf("close server: %v", err)
		}
		stopIndexer()
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	})
	if indexed {
		deadline := time.Now().Add(30 * time.Second)
		for lag, ready := eng.IndexLag(); !ready || lag != 0; lag, ready = eng.IndexLag() {
			if time.Now().After(deadline) {
				tb.Fatalf("index not caught up after 30 s: lag %d, ready %v", lag, ready)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return &world{Srv: srv, Eng: eng, DB: db, URL: srv.URL()}
}

// admin is the context of an admin acting through the engine.
func admin() context.Context { return engine.System(context.Background()) }

// token issues a token and returns its secret.
func (w *world) token(tb testing.TB, role, department, creditCode string) string {
	tb.Helper()
	secret, err := w.Eng.CreateToken(admin(), &huiqi.Token{Role: role, Department: department, CreditCode: creditCode})
	if err != nil {
		tb.Fatalf("CreateToken(%s, %q, %q) = %v", role, department, creditCode, err)
	}
	return secret
}

// overdueApplication files an application for overduePolicy of the
// enterprise 60 days ago and accepts it the next day, as an admin
// migrating history may: its clock is past the 45-day limit today.
func (w *world) overdueApplication(tb testing.TB, code string) *engine.Application {
	tb.Helper()
	submitted := webNow.AddDate(0, 0, -60)
	a, err := w.Eng.SubmitApplication(admin(), engine.ApplicationInput{PolicyID: overduePolicy, CreditCode: code, At: &submitted})
	if err != nil {
		tb.Fatalf("SubmitApplication() = %v", err)
	}
	accepted := submitted.Add(24 * time.Hour)
	a, err = w.Eng.AddEvent(admin(), a.ID, engine.EventInput{Type: huiqi.EventAccept, At: &accepted})
	if err != nil {
		tb.Fatalf("AddEvent(accept) = %v", err)
	}
	if a.Clock.Status != "overdue" {
		tb.Fatalf("application %d clock status = %s, want overdue", a.ID, a.Clock.Status)
	}
	return a
}

// offered returns an application offered to a demo enterprise by a
// 免申即享 policy on publication.
func (w *world) offered(tb testing.TB) *engine.Application {
	tb.Helper()
	list, _, _, err := w.Eng.ListApplications(admin(), engine.ApplicationQuery{State: huiqi.StateOffered}, webToday, engine.Page{Limit: 1})
	if err != nil || len(list) == 0 {
		tb.Fatalf("ListApplications(offered) = %d, %v; want an offer from the demo catalogue", len(list), err)
	}
	return list[0]
}

// enterprises returns the credit codes of two demo enterprises.
func (w *world) enterprises(tb testing.TB) (string, string) {
	tb.Helper()
	codes := w.codes(tb, 2)
	return codes[0], codes[1]
}

// codes returns the credit codes of n demo enterprises.
func (w *world) codes(tb testing.TB, n int) []string {
	tb.Helper()
	list, _, _, err := w.Eng.ListEnterprises(admin(), huiqi.EnterpriseFilter{Limit: n})
	if err != nil || len(list) < n {
		tb.Fatalf("ListEnterprises() = %d, %v; want %d", len(list), err, n)
	}
	out := make([]string, n)
	for i, en := range list {
		out[i] = en.CreditCode
	}
	return out
}

// client is a browser without the browser: it keeps cookies and does not
// follow redirects, so that tests see them.
type client struct {
	*http.Client
	base string
}

func (w *world) client(tb testing.TB) *client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &client{
		Client: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		base: w.URL,
	}
}

// page is a response with its body read.
type page struct {
	*http.Response
	Body string
}

func (c *client) get(tb testing.TB, path string) page {
	tb.Helper()
	resp, err := c.Get(c.base + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	return readPage(tb, resp)
}

func (c *client) post(tb testing.TB, path string, form url.Values) page {
	tb.Helper()
	resp, err := c.PostForm(c.base+path, form)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	return readPage(tb, resp)
}

func readPage(tb testing.TB, resp *http.Response) page {
	tb.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	// html/template writes ZgotmplZ where it refused an unsafe value: a
	// template bug on any page.
	if strings.Contains(string(b), "ZgotmplZ") {
		tb.Errorf("%s %s: the page holds ZgotmplZ", resp.Request.Method, resp.Request.URL.Path)
	}
	return page{Response: resp, Body: string(b)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of a page's forms.
func csrf(tb testing.TB, p page) string {
	tb.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		tb.Fatalf("no CSRF token on the page:\n%s", p.Body)
	}
	return m[1]
}

// signIn signs the client in with a token through the sign-in form.
func (c *client) signIn(tb testing.TB, secret string) page {
	tb.Helper()
	form := c.get(tb, "/ui/login")
	p := c.post(tb, "/ui/login", url.Values{"csrf": {csrf(tb, form)}, "token": {secret}})
	if p.StatusCode != http.StatusSeeOther {
		tb.Fatalf("POST /ui/login = %d, want 303:\n%s", p.StatusCode, p.Body)
	}
	return p
}

// mustContain fails unless the page holds every string.
func mustContain(tb testing.TB, p page, want ...string) {
	tb.Helper()
	for _, s := range want {
		if !strings.Contains(p.Body, s) {
			tb.Errorf("%s %s: page lacks %q", p.Request.Method, p.Request.URL.Path, s)
		}
	}
}

// mustNotContain fails if the page holds any of the strings.
func mustNotContain(tb testing.TB, p page, unwanted ...string) {
	tb.Helper()
	for _, s := range unwanted {
		if strings.Contains(p.Body, s) {
			tb.Errorf("%s %s: page holds %q", p.Request.Method, p.Request.URL.Path, s)
		}
	}
}

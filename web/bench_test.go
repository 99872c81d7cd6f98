package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Sizes the page budget is stated at: a city's enterprises and a
// catalogue of generated policies, with every page rendered in under 50 ms
// on the server.
const (
	benchEnterprises = 200_000
	benchPolicies    = 2_000
	// benchApplications are filed with histories of up to 70 days, so that
	// the dashboard has lists, rates and a chart to compute.
	benchApplications = 1_000
)

// BenchmarkPages renders the calculator's answer, the dashboard and a
// policy page through the server's handler, with 200,000 profiles and
// 2,000 generated policies (beside the catalogue) in the matcher.
func BenchmarkPages(b *testing.B) {
	w := mustWorld(b)
	start := time.Now()
	// The demo world's 300 enterprises and the catalogue are stored; the
	// city's profiles and the generated policies go straight into the
	// matcher, as a server loads them at start.
	w.Eng.Matcher.PutProfiles(demo.Enterprises(benchEnterprises, 1, webToday)...)
	addGeneratedPolicies(b, w, benchPolicies)
	codes := w.codes(b, 300)
	var firstCase int64 // an application of the official's department
	for i := range benchApplications {
		submitted := webNow.AddDate(0, 0, -1-i%70).Add(-time.Duration(i) * time.Second)
		policy := []string{overduePolicy, "qz-talent-harbour", "qz-tech-sme-rd-subsidy", "qz-software-it-award"}[i%4]
		a, err := w.Eng.SubmitApplication(admin(), engine.ApplicationInput{PolicyID: policy, CreditCode: codes[i%len(codes)], At: &submitted})
		if huiqi.ErrorCode(err) == huiqi.EConflict {
			continue // the enterprise has one open for the policy already
		} else if err != nil {
			b.Fatal(err)
		}
		if firstCase == 0 && policy == overduePolicy {
			firstCase = a.ID
		}
		if i%5 != 0 {
			accepted := submitted.Add(time.Hour)
			if _, err := w.Eng.AddEvent(admin(), a.ID, engine.EventInput{Type: huiqi.EventAccept, At: &accepted}); err != nil {
				b.Fatal(err)
			}
		}
	}
	_, apps, _, err := w.Eng.ListApplications(admin(), engine.ApplicationQuery{}, webToday, engine.Page{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	r, err := w.Eng.MatchProfile(admin(), shoeMakerProfile(), webToday, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("setup in %s: %d profiles and %d policies in the matcher, %d applications; the calculator's example is eligible for %d and a near miss of %d",
		time.Since(start).Round(time.Millisecond), w.Eng.Matcher.ProfileCount(), len(w.Eng.Matcher.Policies()), apps, len(r.Eligible), len(r.NearMisses))

	official := sessionCookie(b, w, w.token(b, huiqi.RoleOfficial, deptIndustry, ""))
	adminCookie := sessionCookie(b, w, w.token(b, huiqi.RoleAdmin, "", ""))
	auditor := sessionCookie(b, w, w.token(b, huiqi.RoleAuditor, "", ""))
	h := w.Srv.Handler()
	// runStatus renders a page again and again, and reports the time and
	// the bytes of its HTML (the stylesheet, one for all pages, aside).
	runStatus := func(b *testing.B, status int, newRequest func() *http.Request, want string) {
		b.Helper()
		b.ReportAllocs()
		size := 0
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newRequest())
			if rec.Code != status {
				b.Fatalf("status %d, want %d:\n%s", rec.Code, status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), want) {
				b.Fatalf("page lacks %q", want)
			}
			size = rec.Body.Len()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		b.ReportMetric(float64(size), "html-bytes")
	}
	run := func(b *testing.B, newRequest func() *http.Request, want string) {
		b.Helper()
		runStatus(b, http.StatusOK, newRequest, want)
	}
	signedIn := func(method, path string, ck *http.Cookie) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(method, path, nil)
			r.AddCookie(ck)
			return r
		}
	}
	form := shoeMaker.Encode()
	b.Run("Calculator", func(b *testing.B) {
		run(b, func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, "可享政策")
	})
	b.Run("DashboardOfficial", func(b *testing.B) {
		run(b, func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/ui/dashboard", nil)
			r.AddCookie(official)
			return r
		}, "100% 时限")
	})
	b.Run("DashboardAuditor", func(b *testing.B) {
		run(b, func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/ui/dashboard", nil)
			r.AddCookie(auditor)
			return r
		}, "事件链校验")
	})
	b.Run("Policy", func(b *testing.B) {
		run(b, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/ui/policies/qz-hightech-award", nil)
		}, "同时满足以下条件")
	})
	b.Run("Search", func(b *testing.B) {
		run(b, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/ui/policies?q="+url.QueryEscape("高新技术"), nil)
		}, "共找到")
	})
	b.Run("Workbench", func(b *testing.B) {
		run(b, signedIn(http.MethodGet, "/ui/workbench?code="+codes[0], adminCookie), "企业工作台")
	})
	b.Run("Case", func(b *testing.B) {
		run(b, signedIn(http.MethodGet, "/ui/cases/"+itoa(firstCase), official), "办理记录")
	})
	b.Run("Editor", func(b *testing.B) {
		run(b, signedIn(http.MethodGet, "/ui/editor?id="+overduePolicy, official), "沙盘")
	})
	b.Run("Login", func(b *testing.B) {
		run(b, func() *http.Request { return httptest.NewRequest(http.MethodGet, "/ui/login", nil) }, "登录")
	})
	b.Run("NotFound", func(b *testing.B) {
		runStatus(b, http.StatusNotFound, func() *http.Request { return httptest.NewRequest(http.MethodGet, "/ui/nothing", nil) }, "未找到")
	})
}

// addGeneratedPolicies adds n generated policies beside the catalogue,
// published. They are stored as well as put in the matcher: the
// calculator's cards read each policy's record for its facts.
func addGeneratedPolicies(tb testing.TB, w *world, n int) {
	tb.Helper()
	ctx := context.Background()
	for _, p := range demo.Policies(n, 1, webToday) {
		if err := w.Eng.DB.CreatePolicy(ctx, p); err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Eng.DB.SetPolicyStatus(ctx, p.ID, policies.StatusPublished); err != nil {
			tb.Fatal(err)
		}
		w.Eng.Matcher.PutPolicy(matcher.Compile(p))
	}
}

// sessionCookie signs in through the pages and returns the session cookie.
func sessionCookie(tb testing.TB, w *world, secret string) *http.Cookie {
	tb.Helper()
	c := w.client(tb)
	p := c.signIn(tb, secret)
	for _, ck := range p.Cookies() {
		if ck.Name == "huiqi_session" {
			return &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	tb.Fatal("no session cookie")
	return nil
}

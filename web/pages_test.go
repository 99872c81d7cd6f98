package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/xlsx"
)

// shoeMaker is the calculator's example: a shoe maker in 晋江 with the
// figures of the README's walk-through, typed in 万元 as the form asks.
var shoeMaker = url.Values{
	"name": {"示例鞋业"}, "region": {"350582"}, "industry": {"C1952"}, "founded_on": {"2015-01-01"},
	"employees": {"120"}, "revenue": {"3000"}, "total_assets": {"2000"}, "rd_expense": {"120"},
	"tags": {"hightech", "tech_sme", "park_resident", "insured_full"},
}

// shoeMakerProfile is the profile the form above describes, for the engine.
func shoeMakerProfile() *huiqi.Enterprise {
	money := func(yuan int64) *huiqi.Money { m := huiqi.Money(yuan) * huiqi.Yuan; return &m }
	employees := int64(120)
	return &huiqi.Enterprise{
		Name: "示例鞋业", Region: "350582", Industry: "C1952", FoundedOn: huiqi.NewDate(2015, 1, 1),
		Employees: &employees, Revenue: money(30_000_000), TotalAssets: money(20_000_000), RDExpense: money(1_200_000),
		Tags: []string{"hightech", "tech_sme", "park_resident", "insured_full"},
	}
}

// verdict is an eligible policy as a page lists it.
type verdict struct{ Policy, Amount string }

var verdictItem = regexp.MustCompile(`<li class="verdict[^"]*" data-policy="([^"]+)" data-amount="([^"]*)">`)

// pageVerdicts returns the eligible policies a page lists, in order.
func pageVerdicts(body string) []verdict {
	var out []verdict
	for _, m := range verdictItem.FindAllStringSubmatch(body, -1) {
		out = append(out, verdict{m[1], m[2]})
	}
	return out
}

// wantVerdicts returns what the engine's calculator says for the profile.
func wantVerdicts(tb testing.TB, w *world, en *huiqi.Enterprise) []verdict {
	tb.Helper()
	r, err := w.Eng.MatchProfile(context.Background(), en, webToday, true)
	if err != nil {
		tb.Fatalf("MatchProfile() = %v", err)
	}
	if len(r.Eligible) == 0 {
		tb.Fatal("MatchProfile() found nothing: the example should qualify for some policies")
	}
	var out []verdict
	for _, v := range r.Eligible {
		a := ""
		if v.Amount != nil {
			a = v.Amount.String()
		}
		out = append(out, verdict{v.PolicyID, a})
	}
	return out
}

// Every page answers in Chinese, with the zh-CN language tag and a viewport
// for phones.
func TestPages_Public(t *testing.T) {
	w := mustWorld(t)
	c := w.client(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"政策计算器", "所在地区", "晋江市", "高新技术企业", "开始测算"}},
		{"/ui/policies", []string{"政策检索", "共找到", "主管部门", "兑现类型"}},
		{"/ui/policies?q=高新技术", []string{"<mark>高新技术</mark>", `data-policy="qz-hightech-award"`}},
		{"/ui/policies/qz-hightech-award", []string{"泉州市国家高新技术企业认定奖励", "泉科规〔2023〕4号", "免申即享", "同时满足以下条件", "不得：", "2023-06-01 至 2027-12-31", "定额 30万元"}},
		{"/ui/login", []string{"访问令牌", "登录"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p := c.get(t, tc.path)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", tc.path, p.StatusCode)
			}
			if ct := p.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			mustContain(t, p, append(tc.want, `<html lang="zh-CN">`, `name="viewport"`, "/static/style.css")...)
		})
	}
	t.Run("NotFound", func(t *testing.T) {
		p := c.get(t, "/ui/nothing-here")
		if p.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", p.StatusCode)
		}
		mustContain(t, p, `<html lang="zh-CN">`, "未找到")
		if p := c.get(t, "/ui/policies/no-such-policy"); p.StatusCode != http.StatusNotFound {
			t.Errorf("unknown policy: status = %d, want 404", p.StatusCode)
		}
	})
	t.Run("Static", func(t *testing.T) {
		p := c.get(t, "/static/style.css")
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
			t.Errorf("GET /static/style.css = %d %q", p.StatusCode, p.Header.Get("Content-Type"))
		}
	})
	t.Run("APIStillJSON", func(t *testing.T) {
		p := c.get(t, "/v1/policies?limit=1")
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET /v1/policies = %d %q", p.StatusCode, p.Header.Get("Content-Type"))
		}
	})
}

// With the full-text index attached, the search page shows the index's
// hits, highlights and facets; the facets filter.
func TestSearch_Index(t *testing.T) {
	w := mustIndexedWorld(t)
	c := w.client(t)
	p := c.get(t, "/ui/policies?q="+url.QueryEscape("小巨人"))
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/policies = %d:\n%s", p.StatusCode, p.Body)
	}
	res, err := w.Eng.SearchPolicies(context.Background(), index.SearchRequest{Query: "小巨人"})
	if err != nil || res.Total == 0 {
		t.Fatalf("SearchPolicies(小巨人) = %+v, %v; want hits", res, err)
	}
	mustContain(t, p, `id="hit-total">`+strconv.FormatUint(res.Total, 10)+"<", `data-policy="`+res.Hits[0].ID+`"`, "<mark>小巨人</mark>")
	dept := res.Facets.Department[0].Term
	p = c.get(t, "/ui/policies?q="+url.QueryEscape("小巨人")+"&department="+url.QueryEscape(dept))
	mustContain(t, p, `class="chip"`, dept+" ✕")
}

// The calculator lists what the engine's calculator finds for the profile,
// in the same order and with the same amounts, stores nothing, and explains
// each condition.
func TestCalculator(t *testing.T) {
	w := mustWorld(t)
	c := w.client(t)
	before, _ := w.DB.EnterpriseCount(context.Background())
	p := c.post(t, "/", shoeMaker)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("POST / = %d:\n%s", p.StatusCode, p.Body)
	}
	if diff := cmp.Diff(wantVerdicts(t, w, shoeMakerProfile()), pageVerdicts(p.Body)); diff != "" {
		t.Errorf("eligible policies (-want +got):\n%s", diff)
	}
	mustContain(t, p, "可享政策", "✓", "差一项", "就高不重复", "示例鞋业")
	if after, _ := w.DB.EnterpriseCount(context.Background()); after != before {
		t.Errorf("enterprises %d → %d: the calculator must store nothing", before, after)
	}

	t.Run("Invalid", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range shoeMaker {
			bad[k] = v
		}
		bad.Set("industry", "Z9999")
		p := c.post(t, "/", bad)
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", p.StatusCode)
		}
		mustContain(t, p, "未知的行业代码", `value="Z9999"`, `class="invalid"`)
	})
	t.Run("Undetermined", func(t *testing.T) {
		// Without revenue the policies that read it are neither met nor
		// failed: the page lists them apart with the field to supply.
		form := url.Values{}
		for k, v := range shoeMaker {
			form[k] = v
		}
		form.Del("revenue")
		p := c.post(t, "/", form)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("POST / without revenue = %d", p.StatusCode)
		}
		e := shoeMakerProfile()
		e.Revenue = nil
		r, err := w.Eng.MatchProfile(admin(), e, webToday, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Undetermined) == 0 || !slices.ContainsFunc(r.Settle, func(s matcher.Settle) bool { return s.Field == "revenue" }) {
			t.Fatalf("MatchProfile without revenue: %d undetermined, settle %+v; want some, revenue among the fields", len(r.Undetermined), r.Settle)
		}
		mustContain(t, p, "补充以下信息可确认", `data-field="revenue"`, "<strong>营业收入</strong>", "需补充：")
		for _, u := range r.Undetermined {
			mustContain(t, p, `data-policy="`+u.PolicyID+`"`)
		}
	})
	t.Run("Mine", func(t *testing.T) {
		code, _ := w.enterprises(t)
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", code))
		p := c.get(t, "/?profile=mine")
		r, err := w.Eng.MatchEnterprise(admin(), code, webToday, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageVerdicts(p.Body); len(got) != len(r.Eligible) {
			t.Errorf("stored profile: %d eligible on the page, engine says %d", len(got), len(r.Eligible))
		}
		mustContain(t, p, "本企业已登记画像")
	})
}

// Signing in sets an HttpOnly, SameSite=Strict session cookie that holds
// no token; signing out ends the session on the server too.
func TestLogin(t *testing.T) {
	w := mustWorld(t)
	secret := w.token(t, huiqi.RoleOfficial, deptIndustry, "")
	c := w.client(t)
	p := c.signIn(t, secret)
	if loc := p.Header.Get("Location"); loc != "/ui/dashboard" {
		t.Errorf("after sign-in, Location = %q, want /ui/dashboard", loc)
	}
	var session *http.Cookie
	for _, ck := range p.Cookies() {
		if ck.Name == "huiqi_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("no session cookie in %v", p.Header["Set-Cookie"])
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Strict, /", session.HttpOnly, session.SameSite, session.Path)
	}
	if strings.Contains(session.Value, secret) {
		t.Error("the session cookie carries the token")
	}
	dash := c.get(t, "/ui/dashboard")
	if dash.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/dashboard signed in = %d", dash.StatusCode)
	}
	mustContain(t, dash, "主管部门 · "+deptIndustry, "退出登录")

	out := c.post(t, "/ui/logout", url.Values{"csrf": {csrf(t, dash)}})
	if out.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /ui/logout = %d", out.StatusCode)
	}
	cleared := false
	for _, ck := range out.Cookies() {
		cleared = cleared || (ck.Name == "huiqi_session" && ck.MaxAge < 0)
	}
	if !cleared {
		t.Errorf("sign-out does not clear the cookie: %v", out.Header["Set-Cookie"])
	}
	// The old cookie is dead on the server, not just in this browser.
	stale := w.client(t)
	u, _ := url.Parse(w.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "huiqi_session", Value: session.Value}})
	if p := stale.get(t, "/ui/dashboard"); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/ui/login") {
		t.Errorf("dashboard with a signed-out cookie = %d %q, want a redirect to sign-in", p.StatusCode, p.Header.Get("Location"))
	}

	t.Run("BadToken", func(t *testing.T) {
		c := w.client(t)
		form := c.get(t, "/ui/login")
		p := c.post(t, "/ui/login", url.Values{"csrf": {csrf(t, form)}, "token": {"hq_not-a-token"}})
		if p.StatusCode != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", p.StatusCode)
		}
		mustContain(t, p, "令牌无效")
	})
	t.Run("Next", func(t *testing.T) {
		c := w.client(t)
		p := c.get(t, "/ui/workbench")
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/ui/login?next=%2Fui%2Fworkbench" {
			t.Fatalf("anonymous workbench = %d %q, want a redirect to sign-in", p.StatusCode, p.Header.Get("Location"))
		}
		form := c.get(t, "/ui/login?next=%2F%2Fevil.example")
		p = c.post(t, "/ui/login", url.Values{"csrf": {csrf(t, form)}, "token": {secret}, "next": {"//evil.example"}})
		if loc := p.Header.Get("Location"); loc != "/ui/dashboard" {
			t.Errorf("next=//evil.example: Location = %q, want the user's home page", loc)
		}
	})
}

// A state-changing form without the session's CSRF token is refused, and
// so is one posted from another origin.
func TestCSRF(t *testing.T) {
	w := mustWorld(t)
	a := w.offered(t)
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", a.CreditCode))
	bench := c.get(t, "/ui/workbench")
	token := csrf(t, bench)
	path := "/ui/workbench/applications/" + itoa(a.ID) + "/events"
	for _, tc := range []struct {
		name string
		path string
		form url.Values
	}{
		{"NoToken", path, url.Values{"type": {"confirm"}}},
		{"WrongToken", path, url.Values{"type": {"confirm"}, "csrf": {"x" + token}}},
		{"Apply", "/ui/workbench/apply", url.Values{"policy_id": {overduePolicy}}},
		{"Logout", "/ui/logout", url.Values{}},
		{"Preview", "/ui/preview", url.Values{"doc": {"id: x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := c.post(t, tc.path, tc.form); p.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s = %d, want 403", tc.path, p.StatusCode)
			}
		})
	}
	t.Run("LoginWithoutForm", func(t *testing.T) {
		fresh := w.client(t)
		if p := fresh.post(t, "/ui/login", url.Values{"token": {"anything"}}); p.StatusCode != http.StatusForbidden {
			t.Errorf("POST /ui/login without the form's token = %d, want 403", p.StatusCode)
		}
	})
	t.Run("CrossOrigin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, w.URL+path, strings.NewReader(url.Values{"type": {"confirm"}, "csrf": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST = %d, want 403", resp.StatusCode)
		}
	})
	if got, _ := w.Eng.FindApplication(admin(), a.ID, webToday); got.State != huiqi.StateOffered {
		t.Errorf("after refused forms the application is %s, want still offered", got.State)
	}
	t.Run("OK", func(t *testing.T) {
		p := c.post(t, path, url.Values{"type": {"confirm"}, "csrf": {token}})
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST with the token = %d:\n%s", p.StatusCode, p.Body)
		}
		if got, _ := w.Eng.FindApplication(admin(), a.ID, webToday); got.State != huiqi.StateAccepted {
			t.Errorf("after confirm the application is %s, want accepted", got.State)
		}
	})
}

// An enterprise's workbench shows its own data only; another enterprise's
// is refused, and so are events on its applications.
func TestWorkbench(t *testing.T) {
	w := mustWorld(t)
	mine, other := w.enterprises(t)
	ownApp := w.overdueApplication(t, mine)
	otherApp := w.overdueApplication(t, other)
	minePro, _ := w.Eng.FindEnterprise(admin(), mine)
	otherPro, _ := w.Eng.FindEnterprise(admin(), other)

	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", mine))
	p := c.get(t, "/ui/workbench")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/workbench = %d", p.StatusCode)
	}
	mustContain(t, p, minePro.Name, "我的申请", "消息通知", "可享政策", `data-app="`+itoa(ownApp.ID)+`"`, "截止日期", "撤回申请")
	mustNotContain(t, p, otherPro.Name, other, `data-app="`+itoa(otherApp.ID)+`"`)

	if p := c.get(t, "/ui/workbench?code="+other); p.StatusCode != http.StatusForbidden {
		t.Errorf("another enterprise's workbench = %d, want 403", p.StatusCode)
	} else {
		mustNotContain(t, p, otherPro.Name)
	}
	token := csrf(t, p)
	if p := c.post(t, "/ui/workbench/applications/"+itoa(otherApp.ID)+"/events", url.Values{"type": {"withdraw"}, "csrf": {token}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("withdrawing another's application = %d, want 403", p.StatusCode)
	}
	if p := c.get(t, "/ui/dashboard"); p.StatusCode != http.StatusForbidden {
		t.Errorf("an enterprise's dashboard = %d, want 403", p.StatusCode)
	}

	t.Run("Withdraw", func(t *testing.T) {
		p := c.post(t, "/ui/workbench/applications/"+itoa(ownApp.ID)+"/events", url.Values{"type": {"withdraw"}, "csrf": {token}})
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw = %d:\n%s", p.StatusCode, p.Body)
		}
		after := c.get(t, p.Header.Get("Location"))
		mustContain(t, after, "申请已撤回")
	})
	t.Run("Apply", func(t *testing.T) {
		p := c.post(t, "/ui/workbench/apply", url.Values{"policy_id": {"qz-talent-harbour"}, "csrf": {token}})
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply = %d:\n%s", p.StatusCode, p.Body)
		}
		list, _, _, _ := w.Eng.ListApplications(admin(), engine.ApplicationQuery{CreditCode: mine, PolicyID: "qz-talent-harbour"}, webToday, engine.Page{})
		if len(list) != 1 || list[0].State != huiqi.StateSubmitted {
			t.Errorf("applications after apply = %+v, want one submitted", list)
		}
		// A second application while one is open is a conflict, shown as such.
		if p := c.post(t, "/ui/workbench/apply", url.Values{"policy_id": {"qz-talent-harbour"}, "csrf": {token}}); p.StatusCode != http.StatusConflict {
			t.Errorf("second apply = %d, want 409", p.StatusCode)
		}
	})
	t.Run("PauseNotice", func(t *testing.T) {
		a := w.overdueApplication(t, mine)
		if _, err := w.Eng.AddEvent(admin(), a.ID, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseSupplement, Note: "请补交2025年度审计报告"}); err != nil {
			t.Fatal(err)
		}
		p := c.get(t, "/ui/workbench")
		mustContain(t, p, "因补正中止计时", "请补交2025年度审计报告", "已补正材料，恢复计时", "中止计时告知")
	})
	t.Run("Officials", func(t *testing.T) {
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))
		if p := c.get(t, "/ui/workbench"); p.StatusCode != http.StatusForbidden {
			t.Errorf("an official's workbench = %d, want 403", p.StatusCode)
		}
	})
}

// The dashboard of an official shows its department's applications only,
// with the overdue list, the chart and the export; auditors also see the
// event chain's state.
func TestDashboard(t *testing.T) {
	w := mustWorld(t)
	code, _ := w.enterprises(t)
	overdue := w.overdueApplication(t, code)
	// An application of another department must not show.
	submitted := webNow.AddDate(0, 0, -30)
	foreign, err := w.Eng.SubmitApplication(admin(), engine.ApplicationInput{PolicyID: "qz-tech-sme-rd-subsidy", CreditCode: code, At: &submitted})
	if err != nil {
		t.Fatal(err)
	}

	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))
	p := c.get(t, "/ui/dashboard")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/dashboard = %d:\n%s", p.StatusCode, p.Body)
	}
	mustContain(t, p, "申兑时限看板", "已超期", `data-app="`+itoa(overdue.ID)+`"`, "<svg", "100% 时限", `href="/ui/cases/`+itoa(overdue.ID)+`"`,
		"按部门统计", "按政策统计", "/ui/export.csv?as_of=2026-11-25", deptIndustry)
	mustNotContain(t, p, `data-app="`+itoa(foreign.ID)+`"`, deptScience, "事件链校验")
	if p := c.get(t, "/ui/dashboard?department="+url.QueryEscape(deptScience)); p.StatusCode != http.StatusForbidden {
		t.Errorf("another department's dashboard = %d, want 403", p.StatusCode)
	}

	t.Run("AsOf", func(t *testing.T) {
		// Thirty days ago the application was still within its limit.
		p := c.get(t, "/ui/dashboard?as_of=2026-10-26")
		mustContain(t, p, `value="2026-10-26"`)
		if strings.Contains(p.Body, `<tr data-app="`+itoa(overdue.ID)+`" class="status-overdue">`) {
			t.Error("as of 2026-10-26 the application shows as overdue")
		}
		if p := c.get(t, "/ui/dashboard?as_of=yesterday"); p.StatusCode != http.StatusBadRequest {
			t.Errorf("bad as_of = %d, want 400", p.StatusCode)
		}
	})
	t.Run("Status", func(t *testing.T) {
		p := c.get(t, "/ui/dashboard?status=overdue")
		mustContain(t, p, `<option value="overdue" selected>`, `data-app="`+itoa(overdue.ID)+`"`)
	})
	t.Run("ChartLinks", func(t *testing.T) {
		// The overdue bar leads to the list of overdue cases, which leads to
		// the case.
		bar := regexp.MustCompile(`<a href="([^"]*)"><rect class="bar-overdue"`).FindStringSubmatch(p.Body)
		if bar == nil {
			t.Fatal("the chart's overdue bar links nowhere")
		}
		list := c.get(t, html.UnescapeString(bar[1]))
		mustContain(t, list, `id="filtered"`, `<option value="overdue" selected>`, `href="/ui/cases/`+itoa(overdue.ID)+`"`)
	})
	t.Run("Export", func(t *testing.T) {
		p := c.get(t, "/ui/export.csv?as_of=2026-11-25")
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET /ui/export.csv = %d %q", p.StatusCode, p.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(p.Body, "\ufeff申请编号,") || !strings.Contains(p.Body, "已超期") || strings.Contains(p.Body, deptScience) {
			t.Errorf("CSV:\n%s", p.Body)
		}
		if !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("Content-Disposition = %q", p.Header.Get("Content-Disposition"))
		}
		anon := w.client(t)
		if p := anon.get(t, "/ui/export.csv"); p.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous export = %d, want a redirect to sign-in", p.StatusCode)
		}
	})
	t.Run("Auditor", func(t *testing.T) {
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleAuditor, "", ""))
		p := c.get(t, "/ui/dashboard?status=on_track")
		mustContain(t, p, "事件链校验：完好", deptScience, deptIndustry, `data-app="`+itoa(foreign.ID)+`"`)
		// A department's row leads to that department's cases alone.
		row := regexp.MustCompile(`<a href="([^"]*department=[^"]*)">` + deptIndustry + `</a>`).FindStringSubmatch(c.get(t, "/ui/dashboard").Body)
		if row == nil {
			t.Fatalf("the row of %s links nowhere", deptIndustry)
		}
		list := c.get(t, html.UnescapeString(row[1]))
		mustContain(t, list, `id="filtered"`, `data-app="`+itoa(overdue.ID)+`"`)
		mustNotContain(t, list, `data-app="`+itoa(foreign.ID)+`"`)
		if strings.Contains(p.Body, `action="/ui/preview"`) {
			t.Error("an auditor is offered the preview")
		}
	})
}

// The preview shows a document's reach and tests, or its validation error
// with the path; only officials of its department and admins may use it.
func TestPreview(t *testing.T) {
	w := mustWorld(t)
	doc := strings.Replace(mustCatalogueDoc(t, "qz-hightech-award"), "id: qz-hightech-award", "id: qz-hightech-award-2027", 1)
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleOfficial, deptScience, ""))
	form := c.get(t, "/ui/preview")
	if form.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/preview = %d", form.StatusCode)
	}
	token := csrf(t, form)
	p := c.post(t, "/ui/preview", url.Values{"csrf": {token}, "doc": {doc}})
	if p.StatusCode != http.StatusOK {
		t.Fatalf("POST /ui/preview = %d:\n%s", p.StatusCode, p.Body)
	}
	pv, err := w.Eng.PreviewPolicy(huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: deptScience}), "", []byte(doc), webToday, "", engine.Page{})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, p, `id="reach-total">`+itoa(int64(pv.Total))+"<", `data-amount="`+pv.AmountTotal.String()+`"`, "测试用例", "未通过 0 个", "✓", "同时满足以下条件")
	if _, err := w.Eng.FindPolicy(admin(), "qz-hightech-award-2027", 0); huiqi.ErrorCode(err) != huiqi.ENotFound {
		t.Errorf("after preview FindPolicy() = %v, want not found: the preview must store nothing", err)
	}

	t.Run("Invalid", func(t *testing.T) {
		bad := strings.Replace(doc, "op: has, value: hightech", "op: gte, value: hightech", 1)
		p := c.post(t, "/ui/preview", url.Values{"csrf": {token}, "doc": {bad}})
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", p.StatusCode)
		}
		mustContain(t, p, "校验未通过", `<code class="path">eligibility.all[0]`)
	})
	t.Run("OtherDepartment", func(t *testing.T) {
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))
		token := csrf(t, c.get(t, "/ui/preview"))
		if p := c.post(t, "/ui/preview", url.Values{"csrf": {token}, "doc": {doc}}); p.StatusCode != http.StatusForbidden {
			t.Errorf("another department's policy = %d, want 403", p.StatusCode)
		}
	})
	t.Run("Enterprise", func(t *testing.T) {
		code, _ := w.enterprises(t)
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", code))
		if p := c.get(t, "/ui/preview"); p.StatusCode != http.StatusForbidden {
			t.Errorf("an enterprise's preview = %d, want 403", p.StatusCode)
		}
	})
}

// mustCatalogueDoc returns a policy document of the bundled catalogue.
func mustCatalogueDoc(tb testing.TB, id string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "policies", "catalogue", id+".yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// amountOnPage is a figure with a money unit in a page's text.
var amountOnPage = regexp.MustCompile(`[0-9][0-9,.]*(万元|元)`)

// wellWritten is the one way amounts are written: under 1万 in 元 with two
// decimals, from 1万 in 万元 with at most two decimals.
var wellWritten = regexp.MustCompile(`^([1-9][0-9]*(\.[0-9]?[1-9])?万元|[0-9]{1,4}\.[0-9]{2}元)$`)

// Every amount on the calculator's answer, a policy page and the dashboard
// is written the one way.
func TestPages_MoneyOneWay(t *testing.T) {
	w := mustWorld(t)
	w.overdueApplication(t, w.codes(t, 1)[0])
	c := w.client(t)
	official := w.client(t)
	official.signIn(t, w.token(t, huiqi.RoleAdmin, "", ""))
	for _, p := range []page{
		c.post(t, "/", shoeMaker),
		c.get(t, "/ui/policies/qz-hightech-award"),
		c.get(t, "/ui/policies/qz-hightech-rd-subsidy"),
		official.get(t, "/ui/dashboard"),
	} {
		text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(p.Body, "")
		n := 0
		for _, a := range amountOnPage.FindAllString(text, -1) {
			n++
			if !wellWritten.MatchString(a) {
				t.Errorf("%s %s: amount written %q", p.Request.Method, p.Request.URL.Path, a)
			}
		}
		if n == 0 && p.Request.Method == http.MethodPost {
			t.Errorf("the calculator's answer shows no amount")
		}
	}
}

// With a catalogue of hundreds of policies, a profile misses scores of them
// by one condition and cannot settle scores more: the answer shows every
// eligible policy but only the first maxListed (20) of the other two lists,
// those that would bring the most, with 另有 N 项 and a way to see them all;
// the summary line still counts every one.
func TestCalculator_LongLists(t *testing.T) {
	w := mustWorld(t)
	addGeneratedPolicies(t, w, 300)
	const shown = 20
	form := url.Values{}
	for k, v := range shoeMaker {
		form[k] = v
	}
	form.Del("revenue") // leaves the policies that read it undetermined
	e := shoeMakerProfile()
	e.Revenue = nil
	r, err := w.Eng.MatchProfile(admin(), e, webToday, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.NearMisses) <= shown || len(r.Undetermined) <= shown {
		t.Fatalf("%d near misses and %d undetermined: too few to cut; add policies", len(r.NearMisses), len(r.Undetermined))
	}
	c := w.client(t)
	p := c.post(t, "/", form)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("POST / = %d", p.StatusCode)
	}
	if diff := cmp.Diff(wantVerdicts(t, w, e), pageVerdicts(p.Body)); diff != "" {
		t.Errorf("eligible policies, all of them (-want +got):\n%s", diff)
	}
	mustContain(t, p, "；差一项的政策 "+strconv.Itoa(len(r.NearMisses))+" 项", "；补充信息后可确认 "+strconv.Itoa(len(r.Undetermined))+" 项",
		"另有 "+strconv.Itoa(len(r.NearMisses)-shown)+" 项", "另有 "+strconv.Itoa(len(r.Undetermined)-shown)+" 项",
		`<button type="submit" form="calc" name="all" value="1" class="link">显示全部 `+strconv.Itoa(len(r.NearMisses))+" 项</button>")

	// The near misses shown are those worth most on the profile's figures.
	worth := map[string]*huiqi.Money{}
	prof := matcher.NewProfile(e)
	for _, n := range r.NearMisses {
		c, _ := w.Eng.Matcher.Policy(n.PolicyID)
		worth[n.PolicyID] = c.Amount(prof, webToday)
	}
	for _, u := range r.Undetermined {
		worth[u.PolicyID] = u.Amount
	}
	for _, l := range []struct{ section, name string }{{"near", "差一项"}, {"undetermined", "补充以下信息可确认"}} {
		ids := listed(p.Body, l.section)
		if len(ids) != shown {
			t.Errorf("%s lists %d, want %d", l.name, len(ids), shown)
			continue
		}
		// Ranks amounts highest first, unknown last.
		rank := func(id string) int64 {
			if m := worth[id]; m != nil {
				return -int64(*m)
			}
			return 1
		}
		for i := 1; i < len(ids); i++ {
			if rank(ids[i]) < rank(ids[i-1]) {
				t.Errorf("%s: %s (%v) after %s (%v)", l.name, ids[i], worth[ids[i]], ids[i-1], worth[ids[i-1]])
			}
		}
		all := listed(c.post(t, "/", withAll(form)).Body, l.section)
		if len(all) <= shown || !slices.Equal(all[:shown], ids) {
			t.Fatalf("%s with all=1: %d listed, first %v; want more than %d, first %v", l.name, len(all), all[:min(len(all), shown)], shown, ids)
		}
		for _, id := range all[shown:] {
			if rank(id) < rank(ids[shown-1]) {
				t.Errorf("%s: %s (%v) is left off for %s (%v)", l.name, id, worth[id], ids[shown-1], worth[ids[shown-1]])
			}
		}
	}
	if n := len(listed(c.post(t, "/", withAll(form)).Body, "near")); n != len(r.NearMisses) {
		t.Errorf("差一项 with all=1 lists %d, want %d", n, len(r.NearMisses))
	}

	// A page reached by GET links to the whole lists.
	t.Run("Workbench", func(t *testing.T) {
		code, _ := w.enterprises(t)
		res, err := w.Eng.MatchEnterprise(admin(), code, webToday, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.NearMisses) <= shown {
			t.Skipf("the enterprise misses %d policies by one: nothing to cut", len(res.NearMisses))
		}
		c := w.client(t)
		c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", code))
		p := c.get(t, "/ui/workbench")
		if n := len(listed(p.Body, "near")); n != shown {
			t.Errorf("差一项 lists %d, want %d", n, shown)
		}
		mustContain(t, p, `<a href="/ui/workbench?all=1#near-h">显示全部 `+strconv.Itoa(len(res.NearMisses))+" 项</a>")
		if n := len(listed(c.get(t, "/ui/workbench?all=1").Body, "near")); n != len(res.NearMisses) {
			t.Errorf("差一项 with all=1 lists %d, want %d", n, len(res.NearMisses))
		}
	})
}

// withAll is a form asking for the whole lists.
func withAll(form url.Values) url.Values {
	all := url.Values{"all": {"1"}}
	for k, v := range form {
		all[k] = v
	}
	return all
}

// listed returns the policies a result section (near, undetermined) lists,
// in order.
func listed(body, section string) []string {
	start := strings.Index(body, `<section class="`+section+`"`)
	if start < 0 {
		return nil
	}
	body = body[start:]
	body = body[:strings.Index(body, "</section>")]
	var ids []string
	for _, m := range listedItem.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var listedItem = regexp.MustCompile(`<li data-policy="([^"]+)"`)

// A signed-in enterprise's own results offer 一键申报 on each apply-mode
// policy; the button files the application.
func TestCalculator_ApplyFromCard(t *testing.T) {
	w := mustWorld(t)
	code, policy := "", ""
	for _, c := range w.codes(t, 50) {
		r, err := w.Eng.MatchEnterprise(admin(), c, webToday, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Eligible {
			if v.Mode == "apply" {
				code, policy = c, v.PolicyID
				break
			}
		}
		if code != "" {
			break
		}
	}
	if code == "" {
		t.Fatal("no demo enterprise qualifies for an apply-mode policy")
	}
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleEnterprise, "", code))
	p := c.get(t, "/?profile=mine")
	mustContain(t, p, `id="summary"`, `class="inline apply-one" data-policy="`+policy+`"`, "一键申报")
	got := c.post(t, "/ui/workbench/apply", url.Values{"csrf": {csrf(t, p)}, "policy_id": {policy}})
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("一键申报 = %d, want 303:\n%s", got.StatusCode, got.Body)
	}
	list, _, _, err := w.Eng.ListApplications(admin(), engine.ApplicationQuery{CreditCode: code, PolicyID: policy}, webToday, engine.Page{Limit: 5})
	if err != nil || len(list) != 1 || list[0].State != huiqi.StateSubmitted {
		t.Errorf("applications of %s for %s = %v, %v; want one submitted", code, policy, list, err)
	}
}

// submitted files an application of the enterprise for the policy, days
// ago, as an admin migrating history may.
func (w *world) submitted(tb testing.TB, policy, code string, daysAgo int) *engine.Application {
	tb.Helper()
	at := webNow.AddDate(0, 0, -daysAgo)
	a, err := w.Eng.SubmitApplication(admin(), engine.ApplicationInput{PolicyID: policy, CreditCode: code, At: &at})
	if err != nil {
		tb.Fatalf("SubmitApplication(%s, %s) = %v", policy, code, err)
	}
	return a
}

// An official works a case on its page: each action is a CSRF-protected
// form calling the engine; a missing notice comes back at its field; a
// paused case reads 中止计时 on the page and the dashboard.
func TestCases(t *testing.T) {
	w := mustWorld(t)
	codes := w.codes(t, 3)
	a := w.submitted(t, overduePolicy, codes[0], 3)
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))
	path := "/ui/cases/" + itoa(a.ID)
	p := c.get(t, path)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", path, p.StatusCode, p.Body)
	}
	mustContain(t, p, "办件详情", "办理记录", `data-action="accept"`, `data-action="pause"`, `data-action="reject"`, "尚未开始计时")
	mustNotContain(t, p, `data-action="disburse"`, `data-action="approve"`)
	send := func(form url.Values) page {
		t.Helper()
		form.Set("csrf", csrf(t, c.get(t, path)))
		return c.post(t, path+"/events", form)
	}
	if got := c.post(t, path+"/events", url.Values{"type": {"accept"}}); got.StatusCode != http.StatusForbidden {
		t.Errorf("accept without CSRF token = %d, want 403", got.StatusCode)
	}
	if got := send(url.Values{"type": {"accept"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept = %d:\n%s", got.StatusCode, got.Body)
	}
	// A pause needs its written notice: the form comes back with the error
	// tied to the field.
	bad := send(url.Values{"type": {"pause"}, "reason": {huiqi.PauseExpertReview}})
	if bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("pause without notice = %d, want 400", bad.StatusCode)
	}
	mustContain(t, bad, `id="pause-error"`, `name="note" rows="3" maxlength="2000" aria-invalid="true" aria-describedby="pause-error" autofocus`, `<option value="expert_review" selected>`)
	if got := send(url.Values{"type": {"pause"}, "reason": {huiqi.PauseExpertReview}, "note": {"组织专家评审，预计 10 个工作日"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause = %d:\n%s", got.StatusCode, got.Body)
	}
	p = c.get(t, path+"?ok=case-pause")
	mustContain(t, p, "中止计时", "组织专家评审，预计 10 个工作日", "专家评审", `data-action="resume"`, "已中止计时")
	mustNotContain(t, p, "正常计时")

	d := c.get(t, "/ui/dashboard?status=paused")
	mustContain(t, d, `<option value="paused" selected>`, `<tr data-app="`+itoa(a.ID)+`" class="status-paused">`, "中止计时")
	if strings.Contains(d.Body, `<tr data-app="`+itoa(a.ID)+`" class="status-on_track">`) {
		t.Error("the paused case reads as running on the dashboard")
	}
	if got := send(url.Values{"type": {"resume"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume = %d:\n%s", got.StatusCode, got.Body)
	}
	mustContain(t, c.get(t, path+"?ok=case-resume"), "已恢复计时", `data-action="approve"`)
	// A rejection needs its reason, which the enterprise is told.
	bad = send(url.Values{"type": {"reject"}})
	if bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("reject without a reason = %d, want 400", bad.StatusCode)
	}
	mustContain(t, bad, `aria-describedby="reject-error"`)
	if got := send(url.Values{"type": {"reject"}, "note": {"不属于本政策支持范围"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject = %d:\n%s", got.StatusCode, got.Body)
	}
	mustContain(t, c.get(t, path+"?ok=case-reject"), "已驳回", "不属于本政策支持范围")
	got, err := w.Eng.FindApplication(admin(), a.ID, webToday)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range got.Events {
		types = append(types, e.Type)
	}
	if diff := cmp.Diff([]string{"submit", "accept", "pause", "resume", "reject"}, types); diff != "" || got.State != huiqi.StateRejected {
		t.Errorf("after the page's actions: %s, events (-want +got):\n%s", got.State, diff)
	}

	t.Run("WorkingDays", func(t *testing.T) {
		// A 20-working-day policy is counted and labelled in working days.
		b := w.submitted(t, "qz-digital-transformation", codes[1], 40)
		accepted := webNow.AddDate(0, 0, -39)
		if _, err := w.Eng.AddEvent(admin(), b.ID, engine.EventInput{Type: huiqi.EventAccept, At: &accepted}); err != nil {
			t.Fatal(err)
		}
		d := c.get(t, "/ui/dashboard?policy=qz-digital-transformation")
		mustContain(t, d, `<tr data-app="`+itoa(b.ID)+`" class="status-overdue">`, " / 20 工作日", `id="filtered"`)
		mustContain(t, c.get(t, "/ui/cases/"+itoa(b.ID)), "20 工作日", "已超期")
	})
	t.Run("ExclusiveGroup", func(t *testing.T) {
		// Two applications under policies of one group: each page says only
		// one can be paid, without the group's code.
		for _, policy := range []string{"qz-hightech-rd-subsidy", "qz-tech-sme-rd-subsidy"} {
			g := w.submitted(t, policy, codes[2], 1)
			admin := w.client(t)
			admin.signIn(t, w.token(t, huiqi.RoleAdmin, "", ""))
			for _, p := range []page{admin.get(t, "/ui/cases/"+itoa(g.ID)), admin.get(t, "/ui/workbench?code="+codes[2])} {
				mustContain(t, p, "只能有一项申请获批兑现")
				mustNotContain(t, p, "（rd-subsidy）", ">rd-subsidy<")
			}
		}
	})
	t.Run("OtherDepartment", func(t *testing.T) {
		other := w.client(t)
		other.signIn(t, w.token(t, huiqi.RoleOfficial, deptScience, ""))
		if p := other.get(t, path); p.StatusCode != http.StatusForbidden && p.StatusCode != http.StatusNotFound {
			t.Errorf("another department's official: GET %s = %d, want 403 or 404", path, p.StatusCode)
		}
	})
}

// Outside the API every path answers a person in Chinese: an HTML 404 page,
// no folder listing, /ui leads somewhere, the icon is there; the API keeps
// its JSON.
func TestPages_ChineseEverywhere(t *testing.T) {
	w := mustWorld(t)
	c := w.client(t)
	for _, path := range []string{"/nothing", "/ui/nothing", "/static/", "/static/nothing.css", "/admin/login.php"} {
		t.Run(path, func(t *testing.T) {
			p := c.get(t, path)
			if p.StatusCode != http.StatusNotFound || p.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("GET %s = %d %q, want an HTML 404", path, p.StatusCode, p.Header.Get("Content-Type"))
			}
			mustContain(t, p, `<html lang="zh-CN">`, "未找到", "返回政策计算器")
			mustNotContain(t, p, `<a href="style.css">`, "<pre>")
		})
	}
	for _, path := range []string{"/v1/nothing", "/v1"} {
		if p := c.get(t, path); p.StatusCode != http.StatusNotFound || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s = %d %q, want the API's JSON 404", path, p.StatusCode, p.Header.Get("Content-Type"))
		}
	}
	if p := c.get(t, "/ui"); p.StatusCode != http.StatusMovedPermanently || p.Header.Get("Location") != "/ui/" {
		t.Errorf("GET /ui = %d → %q, want 301 → /ui/", p.StatusCode, p.Header.Get("Location"))
	}
	if p := c.get(t, "/ui/"); p.StatusCode != http.StatusFound || p.Header.Get("Location") != "/" {
		t.Errorf("GET /ui/ = %d → %q, want 302 → /", p.StatusCode, p.Header.Get("Location"))
	}
	if p := c.get(t, "/favicon.ico"); p.StatusCode != http.StatusOK || p.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET /favicon.ico = %d %q", p.StatusCode, p.Header.Get("Content-Type"))
	}
	mustContain(t, c.get(t, "/"), `rel="icon" href="/static/favicon.svg"`)

	// A policy page names the other policies of its group, never the
	// group's code, and says when applications close.
	p := c.get(t, "/ui/policies/qz-hightech-rd-subsidy")
	mustContain(t, p, "同组政策", `<a href="/ui/policies/qz-tech-sme-rd-subsidy">`, "申报截止", "2027-12-31", `id="original"`, "政策原文")
	mustNotContain(t, p, "rd-subsidy：", ">rd-subsidy<")
}

// openWorkbook reads a downloaded workbook.
func openWorkbook(t *testing.T, p page) *excelize.File {
	t.Helper()
	if p.StatusCode != http.StatusOK || p.Header.Get("Content-Type") != xlsx.ContentType {
		t.Fatalf("%s = %d %q:\n%.300s", p.Request.URL, p.StatusCode, p.Header.Get("Content-Type"), p.Body)
	}
	f, err := excelize.OpenReader(strings.NewReader(p.Body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// cellFormat returns a cell's number format: its built-in id, or the
// custom format code.
func cellFormat(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return strconv.Itoa(st.NumFmt)
}

// The clock list and a policy's matches download as workbooks people can
// open: Chinese headers, a frozen header row, credit codes as text, dates
// as dates, amounts as numbers of yuan; the CSV keeps codes as they are.
func TestExports(t *testing.T) {
	w := mustWorld(t)
	code := w.codes(t, 1)[0]
	a := w.overdueApplication(t, code)
	amount := huiqi.Money(100000 * huiqi.Yuan)
	if _, err := w.Eng.AddEvent(admin(), a.ID, engine.EventInput{Type: huiqi.EventApprove, Amount: &amount}); err != nil {
		t.Fatal(err)
	}
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleOfficial, deptIndustry, ""))
	mustContain(t, c.get(t, "/ui/dashboard"), `href="/ui/export.xlsx?as_of=2026-11-25"`)

	check := func(t *testing.T, f *excelize.File) {
		sheet := f.GetSheetName(0)
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) < 2 {
			t.Fatalf("rows = %d, %v", len(rows), err)
		}
		want := []string{"申请编号", "政策名称", "政策版本", "主管部门", "统一社会信用代码", "企业名称", "办理状态", "时限状态", "申请时间", "受理日期", "截止日期", "办结日期", "已用", "中止天数", "时限", "提速目标", "计时单位", "批准金额（元）", "兑现金额（元）"}
		if diff := cmp.Diff(want, rows[0]); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		var row int
		for i, r := range rows {
			if r[0] == itoa(a.ID) {
				row = i + 1
			}
		}
		if row == 0 {
			t.Fatalf("application %d not in the workbook", a.ID)
		}
		cell := func(col string) string { return col + strconv.Itoa(row) }
		if typ, _ := f.GetCellType(sheet, cell("E")); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("credit code cell type = %v, want text", typ)
		}
		if v, _ := f.GetCellValue(sheet, cell("E")); v != code {
			t.Errorf("credit code = %q, want %q", v, code)
		}
		if got := cellFormat(t, f, sheet, cell("E")); got != "49" {
			t.Errorf("credit code format = %s, want 49 (text)", got)
		}
		if raw, _ := f.GetCellValue(sheet, cell("J"), excelize.Options{RawCellValue: true}); raw != "46292" { // 2026-09-27, the day after the submission 60 days ago
			t.Errorf("受理日期 stored as %q, want the date serial 46292", raw)
		}
		if got := cellFormat(t, f, sheet, cell("J")); got != "yyyy-mm-dd" {
			t.Errorf("date format = %q", got)
		}
		if raw, _ := f.GetCellValue(sheet, cell("R"), excelize.Options{RawCellValue: true}); raw != "100000" {
			t.Errorf("批准金额 stored as %q, want the number 100000", raw)
		}
		if got := cellFormat(t, f, sheet, cell("R")); got != "#,##0.00" {
			t.Errorf("money format = %q", got)
		}
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes = %+v, %v; want the header row frozen", panes, err)
		}
	}
	t.Run("Page", func(t *testing.T) {
		check(t, openWorkbook(t, c.get(t, "/ui/export.xlsx?as_of=2026-11-25")))
	})
	t.Run("API", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, w.URL+"/v1/audit/export.xlsx?as_of=2026-11-25", nil)
		req.Header.Set("Authorization", "Bearer "+w.token(t, huiqi.RoleAuditor, "", ""))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		check(t, openWorkbook(t, readPage(t, resp)))
	})
	t.Run("Matches", func(t *testing.T) {
		p := c.get(t, "/ui/policies/"+overduePolicy)
		mustContain(t, p, "/ui/policies/"+overduePolicy+"/matches.xlsx?as_of=2026-11-25")
		f := openWorkbook(t, c.get(t, "/ui/policies/"+overduePolicy+"/matches.xlsx?as_of=2026-11-25"))
		rows, _ := f.GetRows("匹配企业")
		pv, err := w.Eng.PolicyMatches(admin(), overduePolicy, webToday, "", engine.Page{Limit: huiqi.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != pv.Total+1 || (len(rows) > 1 && rows[1][0] != pv.Items[0].CreditCode) {
			t.Errorf("workbook rows = %d, engine matches %d", len(rows)-1, pv.Total)
		}
		if diff := cmp.Diff([]string{"统一社会信用代码", "企业名称", "预计金额（元）", "测算日期"}, rows[0]); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if p := c.get(t, "/ui/policies/qz-tech-sme-rd-subsidy/matches.xlsx"); p.StatusCode != http.StatusForbidden {
			t.Errorf("another department's matches = %d, want 403", p.StatusCode)
		}
	})
	t.Run("CSVKeepsCodes", func(t *testing.T) {
		p := c.get(t, "/ui/export.csv?as_of=2026-11-25")
		if strings.Contains(p.Body, "\t") || !strings.Contains(p.Body, ","+code+",") {
			t.Errorf("the CSV does not carry the credit code %s as it is", code)
		}
	})
}

// techForm is the editor's form for the science bureau's subsidy of
// 科技型中小企业 as the page fills it, with the 研发费用 threshold (row 2)
// in 万元.
func techForm(rdWan string) url.Values {
	return url.Values{
		"id": {"qz-tech-sme-rd-subsidy"}, "f_title": {"科技型中小企业研发费用补助"},
		"f_valid_from": {"2023-05-01"}, "f_valid_to": {"2027-12-31"}, "f_mode": {"apply"}, "f_deadline_days": {"45"},
		"f_amount_kind": {"rate"}, "f_rate": {"10"}, "f_of": {"rd_expense"}, "f_cap": {"50"}, "f_floor": {"2"},
		"f_cond_field": {"tags", "scale", "rd_expense", "rd_ratio", "dishonest", ""}, "f_cond_op": {"has", "ne", "gte", "gte", "eq", "eq"},
		"f_cond_value": {"tech_sme", "large", rdWan, "0.03", "否", ""},
		"f_cond_label": {"入库科技型中小企业", "非大型企业", "上年度研发费用不少于10万元", "研发费用占营业收入比例不低于3%", "", ""},
	}
}

// techThreshold is the 研发费用 threshold of qz-tech-sme-rd-subsidy in its
// YAML, and raisedThreshold the one the tests type (16万元): it fails the
// policy's 15万元 case and no other.
const (
	techThreshold   = "value: 100000,"
	raisedThreshold = "value: 160000,"
)

// An official edits a policy in the browser's editor: the sandbox gives
// the engine's reach for the form as typed, a bad value comes back at its
// row, a change that breaks the policy's own tests is refused, and a good
// one is saved as a new version, then withdrawn.
func TestEditor(t *testing.T) {
	w := mustWorld(t)
	c := w.client(t)
	c.signIn(t, w.token(t, huiqi.RoleOfficial, deptScience, ""))
	p := c.get(t, "/ui/editor?id=qz-tech-sme-rd-subsidy")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET the editor = %d:\n%.500s", p.StatusCode, p.Body)
	}
	doc := mustCatalogueDoc(t, "qz-tech-sme-rd-subsidy")
	preview := func(d string) *engine.Preview {
		t.Helper()
		pv, err := w.Eng.PreviewPolicy(huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: deptScience}), "", []byte(d), webToday, "", engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return pv
	}
	reach := func(d string) int { t.Helper(); return preview(d).Total }
	if pv := preview(doc); pv.UndeterminedTotal == 0 {
		t.Errorf("no enterprise is undetermined for %s: the sandbox's 待确认 figure goes untested", "qz-tech-sme-rd-subsidy")
	} else {
		mustContain(t, p, `id="sandbox-undetermined">`+strconv.Itoa(pv.UndeterminedTotal)+"<")
	}
	mustContain(t, p, `id="sandbox-reach">`+strconv.Itoa(reach(doc))+"<", `value="入库科技型中小企业"`, `<option value="rd_expense" selected>`, strings.TrimSuffix(techThreshold, ","))
	token := csrf(t, p)
	send := func(action string, form url.Values) page {
		t.Helper()
		form.Set("csrf", token)
		form.Set("action", action)
		form.Set("doc", doc)
		return c.post(t, "/ui/editor", form)
	}

	// The sandbox part the page's script asks for, with the threshold raised.
	form := techForm("16")
	form.Set("csrf", token)
	form.Set("doc", doc)
	part := c.post(t, "/ui/editor/sandbox", form)
	raised := preview(strings.Replace(doc, techThreshold, raisedThreshold, 1))
	if raised.Total == reach(doc) {
		t.Errorf("the raised threshold reaches as many (%d): pick another", raised.Total)
	}
	mustContain(t, part, `id="sandbox-reach">`+strconv.Itoa(raised.Total)+"<", `id="sandbox-failed">1<`,
		`data-amount="`+raised.AmountTotal.String()+`">`+raised.AmountTotal.Text()+"<", `id="sandbox-near">`+strconv.Itoa(raised.NearMissTotal)+"<",
		`id="sandbox-undetermined">`+strconv.Itoa(raised.UndeterminedTotal)+"<", "缺数据或待审核")
	mustNotContain(t, part, "<html")

	bad := send("try", techForm("很多"))
	if bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad value = %d, want 400", bad.StatusCode)
	}
	mustContain(t, bad, `<div class="cond-row invalid" data-row="2">`, "研发费用应为以万元计的金额", `aria-describedby="form-error"`)

	// A published policy's change goes live, so its tests must pass.
	if refused := send("save", techForm("16")); refused.StatusCode == http.StatusSeeOther {
		t.Fatal("a change that fails the policy's own tests was saved")
	} else {
		mustContain(t, refused, `id="form-error"`)
	}
	if saved := send("save", techForm("5")); saved.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%.800s", saved.StatusCode, saved.Body)
	}
	got, err := w.Eng.FindPolicy(admin(), "qz-tech-sme-rd-subsidy", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || !strings.Contains(string(got.Eligibility.All[2].Value), "50000") || got.Benefit.Amount.Floor == nil {
		t.Errorf("saved version %d: 研发费用 condition %s, floor %v", got.Version, got.Eligibility.All[2].Value, got.Benefit.Amount.Floor)
	}
	if p := send("withdraw", url.Values{"id": {"qz-tech-sme-rd-subsidy"}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw = %d:\n%.500s", p.StatusCode, p.Body)
	}
	mustContain(t, c.get(t, "/ui/editor?id=qz-tech-sme-rd-subsidy&ok=policy-withdraw"), "政策已撤回", "已撤回")

	t.Run("New", func(t *testing.T) {
		p := c.get(t, "/ui/editor")
		mustContain(t, p, "新建政策", "id: qz-new-policy", deptScience)
		d := strings.Replace(strings.Replace(newDocOf(p.Body), "qz-new-policy", "jj-new-award", 1), "新政策", "晋江市新政策", 1)
		got := c.post(t, "/ui/editor", url.Values{"csrf": {token}, "action": {"publish"}, "doc": {d}})
		if got.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish a new policy = %d:\n%.800s", got.StatusCode, got.Body)
		}
		pol, err := w.Eng.FindPolicy(admin(), "jj-new-award", 0)
		if err != nil || pol.Status != "published" || pol.Title != "晋江市新政策" {
			t.Errorf("new policy = %+v, %v", pol, err)
		}
	})
	t.Run("Enterprises", func(t *testing.T) {
		e := w.client(t)
		e.signIn(t, w.token(t, huiqi.RoleEnterprise, "", w.codes(t, 1)[0]))
		if p := e.get(t, "/ui/editor"); p.StatusCode != http.StatusForbidden {
			t.Errorf("an enterprise's editor = %d, want 403", p.StatusCode)
		}
	})
}

// newDocOf returns the YAML in an editor page's text box.
func newDocOf(body string) string {
	m := regexp.MustCompile(`(?s)<textarea name="doc"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

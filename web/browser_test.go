package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// The browser tests drive headless Chromium against a running huiqi. They
// run wherever Chromium is installed; CI sets HUIQI_BROWSER_TESTS=1, which
// makes a missing browser a failure rather than a skip.
//
// HUIQI_WEB_SCREENSHOTS=DIR keeps screenshots of the key pages in DIR.
// Screenshots of failures always go to HUIQI_WEB_FAILURES, or to a folder
// under the system's temporary folder, and the test logs their path.

// chromium returns the path of the browser, or "".
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needBrowser returns the browser's path, or skips the test when there is
// none and HUIQI_BROWSER_TESTS is not set (or in -short mode). Tests call it
// first, so that a skipped test starts no huiqi.
func needBrowser(t *testing.T) string {
	t.Helper()
	required := os.Getenv("HUIQI_BROWSER_TESTS") == "1"
	path := chromium()
	switch {
	case path == "" && required:
		t.Fatal("HUIQI_BROWSER_TESTS=1 but no Chromium found (apt-get install -y chromium)")
	case path == "":
		t.Skip("no Chromium: install it (apt-get install -y chromium) to run the browser tests; set HUIQI_BROWSER_TESTS=1 to make a missing browser a failure")
	case testing.Short() && !required:
		t.Skip("browser tests skipped in -short mode; set HUIQI_BROWSER_TESTS=1 to run them")
	}
	return path
}

// tab is a browser tab on a running huiqi.
type tab struct {
	ctx    context.Context // with the test's deadline
	t      *testing.T
	w      *world
	screen string // the screen size's name, for messages and screenshots
}

// browserTimeout bounds one browser test.
const browserTimeout = 90 * time.Second

// newTab starts headless Chromium for the test, or skips the test when no
// browser is installed and HUIQI_BROWSER_TESTS is not set. On failure it
// saves a screenshot of the page and logs where.
func newTab(t *testing.T, w *world) *tab {
	t.Helper()
	path := needBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first run starts the browser; it must not carry the deadline,
	// which would stop the browser before the failure screenshot.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, browserTimeout)
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			shot(t, browserCtx, failureDir(), strings.ReplaceAll(t.Name(), "/", "_")+".png")
		}
		cancelBrowser()
		cancelAlloc()
	})
	return &tab{ctx: ctx, t: t, w: w}
}

// failureDir is where screenshots of failures go.
func failureDir() string {
	if d := os.Getenv("HUIQI_WEB_FAILURES"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "huiqi-web-failures")
}

// shot saves a full-page screenshot as dir/name and logs the path.
func shot(t *testing.T, browserCtx context.Context, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(browserCtx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", p)
}

// keep saves a screenshot of the page when HUIQI_WEB_SCREENSHOTS names a
// folder.
func (b *tab) keep(name string) {
	if dir := os.Getenv("HUIQI_WEB_SCREENSHOTS"); dir != "" {
		shot(b.t, b.ctx, dir, name)
	}
}

// do runs browser actions and fails the test on error.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a page of huiqi.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.w.URL+path))
}

// submit clicks a button that sends a form and waits for the next page.
func (b *tab) submit(what string, button chromedp.CSS) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(button))); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script in the page.
func eval[T any](b *tab, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// bodyText is the text a user sees on the page.
func (b *tab) bodyText() string { return eval[string](b, `document.body.innerText`) }

// signIn signs in through the sign-in page with a token typed once.
func (b *tab) signIn(secret, wantPath string) {
	b.t.Helper()
	b.open("/ui/login")
	b.do("type the token", chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), secret))
	b.submit("sign in", `form[action="/ui/login"] button[type="submit"]`)
	if loc := eval[string](b, `location.pathname`); loc != wantPath {
		b.t.Fatalf("after sign-in at %s, want %s:\n%s", loc, wantPath, b.bodyText())
	}
}

// screens are the widths every page is tried at: a desktop and a phone.
var screens = []struct {
	name          string
	width, height int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// onScreens runs the test once per screen size, each with its own huiqi
// and browser tab sized to the screen.
func onScreens(t *testing.T, test func(t *testing.T, b *tab)) {
	needBrowser(t)
	for _, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			b := newTab(t, mustWorld(t))
			opts := []chromedp.EmulateViewportOption{}
			if s.width < 720 {
				opts = append(opts, chromedp.EmulateMobile)
			}
			b.do("size the screen", chromedp.EmulateViewport(s.width, s.height, opts...))
			b.screen = s.name
			test(t, b)
		})
	}
}

// noOverflow fails when the page is wider than the screen.
func (b *tab) noOverflow(page string) {
	b.t.Helper()
	if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		b.t.Errorf("%s at %s: %d px wider than the screen", page, b.screen, over)
	}
}

// The calculator, filled in as a user would, lands on its answer: the
// summary in view, the policies and amounts the engine computes for the
// same profile, amounts written the one way, and near misses that say what
// is lacking rather than listing the enterprise's tags.
func TestBrowser_Calculator(t *testing.T) {
	onScreens(t, func(t *testing.T, b *tab) {
		w := b.w
		b.open("/")
		b.do("fill the calculator",
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "示例鞋业"),
			chromedp.SetValue(chromedp.CSS(`select[name="region"]`), "350582"),
			chromedp.SendKeys(chromedp.CSS(`input[name="industry"]`), "C1952"),
			chromedp.SetValue(chromedp.CSS(`input[name="founded_on"]`), "2015-01-01"),
			chromedp.SendKeys(chromedp.CSS(`input[name="employees"]`), "120"),
			chromedp.SendKeys(chromedp.CSS(`input[name="revenue"]`), "3000"),
			chromedp.SendKeys(chromedp.CSS(`input[name="total_assets"]`), "2000"),
			chromedp.SendKeys(chromedp.CSS(`input[name="rd_expense"]`), "120"),
			chromedp.Click(chromedp.CSS(`input[name="tags"][value="hightech"]`)),
			chromedp.Click(chromedp.CSS(`input[name="tags"][value="tech_sme"]`)),
			chromedp.Click(chromedp.CSS(`input[name="tags"][value="park_resident"]`)),
			chromedp.Click(chromedp.CSS(`input[name="tags"][value="insured_full"]`)),
		)
		b.submit("calculate", `#calc button[type="submit"]`)
		b.do("wait for the result", chromedp.WaitVisible(chromedp.CSS("#result")))

		// The answer is on screen, not below the form.
		top := eval[float64](b, `document.querySelector("#summary").getBoundingClientRect().top`)
		if height := eval[float64](b, `window.innerHeight`); top < 0 || top > height-40 {
			t.Errorf("summary at %.0f px of a %.0f px screen: not in view after submit", top, height)
		}
		summary := eval[string](b, `document.querySelector("#summary").innerText`)
		if !regexp.MustCompile(`^可享 \d+ 项，预计 \S+元`).MatchString(summary) {
			t.Errorf("summary = %q, want 可享 N 项，预计 X", summary)
		}

		var got []verdict
		for _, v := range eval[[][2]string](b, `[...document.querySelectorAll("#result li.verdict")].map(li => [li.dataset.policy, li.dataset.amount])`) {
			got = append(got, verdict{v[0], v[1]})
		}
		if diff := cmp.Diff(wantVerdicts(t, w, shoeMakerProfile()), got); diff != "" {
			t.Errorf("eligible policies (-want +got):\n%s", diff)
		}
		for _, a := range eval[[]string](b, `[...document.querySelectorAll("#result .amount")].map(e => e.innerText)`) {
			if a != "不涉及资金数额" && !wellWritten.MatchString(a) {
				t.Errorf("amount on the page written %q", a)
			}
		}
		// The rate-based subsidy shows how its amount was worked out.
		worked := eval[string](b, `document.querySelector('li[data-policy="qz-tech-sme-rd-subsidy"] .worked').innerText`)
		if worked != "计算方式：研发费用 120万元 × 10% = 12万元" {
			t.Errorf("worked out = %q", worked)
		}
		// qz-talent-harbour asks for two qualifications in one condition; the
		// shoe maker holds one (足额参保), and only the other is named.
		near := eval[string](b, `document.querySelector('.near-list li[data-policy="qz-talent-harbour"] .missing').innerText`)
		lacking, _ := strings.CutPrefix(near[strings.Index(near, "差一项："):], "差一项：当年引进经认定的高层次人才且按时足额缴纳社会保险")
		if !strings.Contains(near, "差一项：当年引进经认定的高层次人才且按时足额缴纳社会保险") || !strings.Contains(lacking, "尚未取得：") || strings.Contains(lacking, "足额参保") || strings.Contains(near, "高新技术企业") {
			t.Errorf("near miss reads %q: want what is lacking, not the tags held", near)
		}
		text := b.bodyText()
		for _, s := range []string{"可享政策", "✓", "差一项", "有效期", "政策原文", "补齐后可享：定额 10万元"} {
			if !strings.Contains(text, s) {
				t.Errorf("result lacks %q", s)
			}
		}
		// The form keeps what was typed, so that the user can adjust and retry.
		if v := eval[string](b, `document.querySelector('select[name="region"]').value`); v != "350582" {
			t.Errorf("region after submit = %q, want 350582", v)
		}
		b.noOverflow("calculator")
		b.keep("calculator-" + b.screen + ".png")
	})
}

// A user searches, sees highlighted hits and opens a policy, whose
// conditions are written out in Chinese.
func TestBrowser_Search(t *testing.T) {
	needBrowser(t)
	w := mustWorld(t)
	b := newTab(t, w)
	b.open("/ui/policies")
	b.do("type a query", chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "高新技术"))
	b.submit("search", `form[role="search"] button[type="submit"]`)
	hit := chromedp.CSS(`li[data-policy="qz-hightech-award"] a.title`)
	b.do("wait for the hit", chromedp.WaitVisible(hit))
	if n := eval[int](b, `document.querySelectorAll(".hit-list mark").length`); n == 0 {
		t.Error("no highlighted match in the hits")
	}
	b.submit("open the policy", hit)
	title := eval[string](b, `document.querySelector("h1").innerText`)
	if title != "泉州市国家高新技术企业认定奖励" {
		t.Errorf("policy page h1 = %q", title)
	}
	text := b.bodyText()
	for _, s := range []string{"同时满足以下条件", "国家高新技术企业（认定有效期内）", "不得：纳税信用等级为D级", "免申即享", "泉科规〔2023〕4号", "定额 30万元"} {
		if !strings.Contains(text, s) {
			t.Errorf("policy page lacks %q", s)
		}
	}
}

// An official signs in and sees the overdue application in the list and
// the chart of elapsed days with the 45-day limit and the 40-day target.
func TestBrowser_Dashboard(t *testing.T) {
	needBrowser(t)
	w := mustWorld(t)
	codes := w.codes(t, 6)
	a := w.overdueApplication(t, codes[0])
	// A few more applications fill the chart with running clocks.
	for i, days := range []int{3, 12, 25, 38, 43} {
		submitted := webNow.AddDate(0, 0, -days)
		x, err := w.Eng.SubmitApplication(admin(), engine.ApplicationInput{PolicyID: overduePolicy, CreditCode: codes[i+1], At: &submitted})
		if err != nil {
			t.Fatalf("SubmitApplication(%d days ago) = %v", days, err)
		}
		accepted := submitted.Add(2 * time.Hour)
		if _, err := w.Eng.AddEvent(admin(), x.ID, engine.EventInput{Type: huiqi.EventAccept, At: &accepted}); err != nil {
			t.Fatal(err)
		}
	}
	b := newTab(t, w)
	b.signIn(w.token(t, huiqi.RoleOfficial, deptIndustry, ""), "/ui/dashboard")
	b.do("wait for the chart", chromedp.WaitVisible(chromedp.CSS("#elapsed-chart")))
	row := `#overdue tr[data-app="` + itoa(a.ID) + `"]`
	if n := eval[int](b, `document.querySelectorAll('`+row+`').length`); n != 1 {
		t.Errorf("overdue list rows for application %d = %d, want 1", a.ID, n)
	}
	labels := eval[[]string](b, `[...document.querySelectorAll("#elapsed-chart text")].map(t => t.textContent)`)
	for _, want := range []string{"100% 时限", "提速目标"} {
		if !strings.Contains(strings.Join(labels, " "), want) {
			t.Errorf("chart labels %v lack %q", labels, want)
		}
	}
	if n := eval[int](b, `document.querySelectorAll("#elapsed-chart rect.bar-overdue").length`); n == 0 {
		t.Error("the chart draws no overdue bar")
	}
	if w := eval[float64](b, `document.querySelector("#elapsed-chart").getBoundingClientRect().width`); w < 300 {
		t.Errorf("chart width = %v px, want it to fill the page", w)
	}
	b.keep("dashboard.png")

	// The as-of picker: a month earlier nothing was overdue yet.
	b.do("pick a date", chromedp.SetValue(chromedp.CSS(`input[name="as_of"]`), "2026-10-20"))
	b.submit("apply the date", `.filters-form button[type="submit"]`)
	if n := eval[int](b, `document.querySelectorAll('`+row+`').length`); n != 0 {
		t.Errorf("as of 2026-10-20 application %d is listed overdue", a.ID)
	}
	if v := eval[string](b, `document.querySelector('input[name="as_of"]').value`); v != "2026-10-20" {
		t.Errorf("as_of after submit = %q", v)
	}
}

// An enterprise signs in and confirms a 免申即享 offer: the clock starts.
func TestBrowser_ConfirmOffer(t *testing.T) {
	needBrowser(t)
	w := mustWorld(t)
	a := w.offered(t)
	b := newTab(t, w)
	b.signIn(w.token(t, huiqi.RoleEnterprise, "", a.CreditCode), "/ui/workbench")
	button := chromedp.CSS(`#app-` + itoa(a.ID) + ` button[data-action="confirm"]`)
	b.do("wait for the offer", chromedp.WaitVisible(button))
	b.submit("confirm", button)
	if text := b.bodyText(); !strings.Contains(text, "已确认兑现意愿") {
		t.Errorf("no confirmation on the page:\n%s", text)
	}
	state := eval[string](b, `document.querySelector('#app-`+itoa(a.ID)+`').dataset.state`)
	if state != huiqi.StateAccepted {
		t.Errorf("application on the page is %s, want accepted", state)
	}
	got, err := w.Eng.FindApplication(admin(), a.ID, webToday)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != huiqi.StateAccepted || got.Clock.AcceptedOn != webToday {
		t.Errorf("application %d: state %s, accepted on %s; want accepted today", a.ID, got.State, got.Clock.AcceptedOn)
	}
	b.keep("workbench.png")
}

// An official uploads a policy file and sees its reach and tests before
// anything is stored.
func TestBrowser_Preview(t *testing.T) {
	needBrowser(t)
	w := mustWorld(t)
	doc := strings.Replace(mustCatalogueDoc(t, "qz-hightech-award"), "id: qz-hightech-award", "id: qz-hightech-award-v2", 1)
	file := filepath.Join(t.TempDir(), "qz-hightech-award-v2.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, w)
	b.signIn(w.token(t, huiqi.RoleOfficial, deptScience, ""), "/ui/dashboard")
	b.open("/ui/preview")
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
	b.submit("preview", `.preview-form button[type="submit"]`)
	b.do("wait for the reach", chromedp.WaitVisible(chromedp.CSS("#reach-total")))
	pv, err := w.Eng.PreviewPolicy(huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: deptScience}), "", []byte(doc), webToday, "", engine.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if got := eval[string](b, `document.querySelector("#reach-total").textContent`); got != itoa(int64(pv.Total)) {
		t.Errorf("reach on the page = %s, engine says %d", got, pv.Total)
	}
	if got := eval[string](b, `document.querySelector("#reach-amount").dataset.amount`); got != pv.AmountTotal.String() {
		t.Errorf("amount on the page = %s, engine says %s", got, pv.AmountTotal)
	}
	if text := b.bodyText(); !strings.Contains(text, "未通过 0 个") || !strings.Contains(text, "泉州市国家高新技术企业认定奖励") {
		t.Errorf("preview page:\n%s", text)
	}
	// The uploaded document is shown in the text box, to correct in place.
	if v := eval[string](b, `document.querySelector('textarea[name="doc"]').value`); !strings.HasPrefix(v, "id: qz-hightech-award-v2") {
		t.Errorf("text box after upload starts %q", v[:min(len(v), 40)])
	}
	b.keep("preview.png")
}

// An official opens a case from the dashboard and takes it from 受理 to
// 兑现 in the browser: each step's form is on the case's page, and the
// engine records each event.
func TestBrowser_OfficialCase(t *testing.T) {
	onScreens(t, func(t *testing.T, b *tab) {
		w := b.w
		a := w.submitted(t, overduePolicy, w.codes(t, 1)[0], 2)
		b.signIn(w.token(t, huiqi.RoleOfficial, deptIndustry, ""), "/ui/dashboard")
		b.open("/ui/dashboard?status=not_started")
		link := chromedp.CSS(`tr[data-app="` + itoa(a.ID) + `"] a.case-link`)
		b.do("wait for the case", chromedp.WaitVisible(link))
		b.noOverflow("dashboard")
		b.submit("open the case", link)
		b.noOverflow("case page")
		b.submit("accept", `form[data-action="accept"] button[type="submit"]`)
		if text := b.bodyText(); !strings.Contains(text, "已受理，兑现计时开始") {
			t.Fatalf("no confirmation after 受理:\n%s", text)
		}
		b.do("type the approved amount",
			chromedp.SendKeys(chromedp.CSS(`form[data-action="approve"] input[name="amount"]`), "100000"),
			chromedp.SendKeys(chromedp.CSS(`form[data-action="approve"] textarea[name="note"]`), "材料齐全，同意"))
		b.submit("approve", `form[data-action="approve"] button[type="submit"]`)
		if got := eval[string](b, `document.querySelector("#amount-approved").innerText`); got != "10万元" {
			t.Errorf("approved amount on the page = %q, want 10万元", got)
		}
		// The disbursement starts from the approved amount.
		if v := eval[string](b, `document.querySelector('form[data-action="disburse"] input[name="amount"]').value`); v != "100000" {
			t.Errorf("disburse amount starts at %q, want 100000", v)
		}
		b.submit("disburse", `form[data-action="disburse"] button[type="submit"]`)
		if state := eval[string](b, `document.querySelector("#case-state").dataset.state`); state != huiqi.StateDisbursed {
			t.Errorf("state on the page = %s, want disbursed", state)
		}
		events := eval[[]string](b, `[...document.querySelectorAll("#events li")].map(li => li.dataset.type)`)
		if diff := cmp.Diff([]string{"submit", "accept", "approve", "disburse"}, events); diff != "" {
			t.Errorf("办理记录 (-want +got):\n%s", diff)
		}
		got, err := w.Eng.FindApplication(admin(), a.ID, webToday)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != huiqi.StateDisbursed || got.AmountDisbursed == nil || *got.AmountDisbursed != 100000*huiqi.Yuan {
			t.Errorf("application %d: %s, disbursed %v; want disbursed 100000", a.ID, got.State, got.AmountDisbursed)
		}
		b.noOverflow("case page")
		b.keep("case-" + b.screen + ".png")
	})
}

// Every page fits the screen: nothing wider than a phone's 390 px, the
// navigation folded behind 菜单 there, the search filters folded.
func TestBrowser_EveryPageFits(t *testing.T) {
	onScreens(t, func(t *testing.T, b *tab) {
		w := b.w
		a := w.overdueApplication(t, w.codes(t, 1)[0])
		phone := b.screen == "phone"
		pages := []string{"/", "/ui/policies", "/ui/policies?q=" + "研发", "/ui/policies/qz-hightech-rd-subsidy", "/ui/login", "/ui/nothing-here"}
		check := func(path string) {
			t.Helper()
			b.open(path)
			b.noOverflow(path)
			b.keep("page" + strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(path) + "-" + b.screen + ".png")
			navShown := eval[bool](b, `document.querySelector("nav.menu").offsetParent !== null`)
			if navShown == phone {
				t.Errorf("%s at %s: navigation shown = %v", path, b.screen, navShown)
			}
		}
		for _, path := range pages {
			check(path)
		}
		b.open("/ui/policies")
		if open := eval[bool](b, `document.querySelector("details.fold").open`); open == phone {
			t.Errorf("search filters open = %v at %s", open, b.screen)
		}
		if phone {
			b.do("open the menu", chromedp.Click(chromedp.CSS(`label.menu-toggle`)))
			if !eval[bool](b, `document.querySelector("nav.menu").offsetParent !== null`) {
				t.Error("菜单 does not open the navigation")
			}
		}
		b.signIn(w.token(t, huiqi.RoleAdmin, "", ""), "/ui/dashboard")
		for _, path := range []string{"/ui/dashboard", "/ui/dashboard?status=overdue", "/ui/cases/" + itoa(a.ID), "/ui/editor?id=" + overduePolicy, "/ui/preview", "/ui/workbench?code=" + a.CreditCode, "/?profile=mine"} {
			check(path)
		}
		if phone {
			// The clock list is cards with the status first.
			b.open("/ui/dashboard")
			first := eval[string](b, `document.querySelector("#overdue tbody tr td").dataset.label`)
			if display := eval[string](b, `getComputedStyle(document.querySelector("#overdue tbody tr")).display`); display != "block" || first != "状态" {
				t.Errorf("clock list on a phone: rows display %s, first cell %q; want cards with 状态 first", display, first)
			}
			b.keep("dashboard-phone.png")
		}
	})
}

// contrastScript lists the texts on the page whose colour is below WCAG
// AA against the background they are drawn on: 4.5:1, or 3:1 for large
// text. Opacity on the way up is blended in; SVG text is judged by its fill
// on the chart's white.
const contrastScript = `(() => {
  const parse = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const bgOf = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const opacityOf = el => { let o = 1; for (; el; el = el.parentElement) o *= parseFloat(getComputedStyle(el).opacity); return o; };
  const bad = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || el.closest(".sr, option, title, desc")) continue;
    const inSVG = el.closest("svg");
    const bg = inSVG ? [255, 255, 255] : bgOf(el);
    let fg = parse(inSVG ? cs.fill : cs.color).slice(0, 3);
    if (fg.length < 3) continue;
    const o = opacityOf(el);
    fg = fg.map((v, i) => v * o + bg[i] * (1 - o));
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < need) bad.add(node.textContent.trim().slice(0, 20) + " " + r.toFixed(2) + ":1 (" + cs.color + " on rgb(" + bg.join(",") + "))");
  }
  return [...bad];
})()`

// Every text colour meets WCAG AA, errors are tied to their fields and
// take the focus, and the header shows where the keyboard is.
func TestBrowser_Accessibility(t *testing.T) {
	needBrowser(t)
	w := mustWorld(t)
	codes := w.codes(t, 3)
	a := w.overdueApplication(t, codes[0])
	risk := w.submitted(t, overduePolicy, codes[1], 43)
	accepted := webNow.AddDate(0, 0, -42)
	if _, err := w.Eng.AddEvent(admin(), risk.ID, engine.EventInput{Type: huiqi.EventAccept, At: &accepted}); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, w)
	check := func(path string) {
		t.Helper()
		if bad := eval[[]string](b, contrastScript); len(bad) > 0 {
			t.Errorf("%s: text below WCAG AA contrast:\n%s", path, strings.Join(bad, "\n"))
		}
	}
	for _, path := range []string{"/", "/ui/policies", "/ui/policies/qz-hightech-award", "/ui/login", "/ui/nothing"} {
		b.open(path)
		check(path)
	}
	// A field error: marked, described by the message, focused.
	b.open("/")
	b.do("type a bad revenue",
		chromedp.SetValue(chromedp.CSS(`select[name="region"]`), "350582"),
		chromedp.SendKeys(chromedp.CSS(`input[name="industry"]`), "C1952"),
		chromedp.SetValue(chromedp.CSS(`input[name="founded_on"]`), "2015-01-01"),
		chromedp.SendKeys(chromedp.CSS(`input[name="revenue"]`), "三千"))
	b.submit("calculate", `#calc button[type="submit"]`)
	check("/ (error)")
	got := eval[[]string](b, `(() => { const e = document.activeElement; return [e.name, e.getAttribute("aria-invalid"), document.getElementById(e.getAttribute("aria-describedby") || "x")?.innerText || ""]; })()`)
	if got[0] != "revenue" || got[1] != "true" || !strings.Contains(got[2], "营业收入") {
		t.Errorf("after a bad revenue the focus is on %q (aria-invalid %q, described by %q); want the revenue field", got[0], got[1], got[2])
	}
	// The calculator's answer and the officials' pages.
	b.open("/")
	b.do("fill the calculator",
		chromedp.SetValue(chromedp.CSS(`select[name="region"]`), "350582"),
		chromedp.SendKeys(chromedp.CSS(`input[name="industry"]`), "C1952"),
		chromedp.SetValue(chromedp.CSS(`input[name="founded_on"]`), "2015-01-01"),
		chromedp.SendKeys(chromedp.CSS(`input[name="revenue"]`), "3000"),
		chromedp.Click(chromedp.CSS(`input[name="tags"][value="hightech"]`)))
	b.submit("calculate", `#calc button[type="submit"]`)
	check("/ (answer)")
	b.signIn(w.token(t, huiqi.RoleAdmin, "", ""), "/ui/dashboard")
	for _, path := range []string{"/ui/dashboard", "/ui/dashboard?status=at_risk", "/ui/cases/" + itoa(a.ID), "/ui/editor?id=" + overduePolicy, "/ui/preview", "/ui/workbench?code=" + codes[2]} {
		b.open(path)
		check(path)
	}
	// The keyboard's place shows on the red header.
	b.open("/ui/dashboard")
	b.do("tab to the first link", chromedp.KeyEvent("\t"))
	if f := eval[string](b, `document.activeElement.className`); f != "brand" {
		t.Fatalf("the first tab stop is %q, want the brand link", f)
	}
	if outline := eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
		t.Error("the header's focused link shows no focus ring")
	}
}

// An official edits a policy in the editor and sees its reach change in
// the sandbox as she types, then saves it.
func TestBrowser_Editor(t *testing.T) {
	onScreens(t, func(t *testing.T, b *tab) {
		w := b.w
		b.signIn(w.token(t, huiqi.RoleOfficial, deptScience, ""), "/ui/dashboard")
		b.open("/ui/editor?id=qz-tech-sme-rd-subsidy")
		b.noOverflow("editor")
		before := eval[string](b, `document.querySelector("#sandbox-reach").textContent`)
		const rdCSS = `.cond-row[data-row="2"] input[name="f_cond_value"]`
		rd := chromedp.CSS(rdCSS)
		clear := func() { eval[bool](b, `(document.querySelector('`+rdCSS+`').value = "", true)`) }
		clear()
		b.do("raise the 研发费用 threshold", chromedp.SendKeys(rd, "16"))
		doc := strings.Replace(mustCatalogueDoc(t, "qz-tech-sme-rd-subsidy"), techThreshold, raisedThreshold, 1)
		pv, err := w.Eng.PreviewPolicy(huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: deptScience}), "", []byte(doc), webToday, "", engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		want := itoa(int64(pv.Total))
		if want == before {
			t.Fatalf("the raised threshold reaches as many (%s): pick another", want)
		}
		_, err = chromedp.Run(b.ctx, chromedp.Poll[string](`(() => { const r = document.querySelector("#sandbox-reach").textContent; return r === "`+want+`" ? r : null; })()`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			t.Fatalf("the sandbox did not show the reach %s (it showed %s before): %v", want, before, err)
		}
		if failed := eval[string](b, `document.querySelector("#sandbox-failed").textContent`); failed != "1" {
			t.Errorf("failed tests in the sandbox = %s, want 1 (the 15万元 case)", failed)
		}
		if undet := eval[string](b, `document.querySelector("#sandbox-undetermined").textContent`); undet != itoa(int64(pv.UndeterminedTotal)) {
			t.Errorf("undetermined in the sandbox = %s, want %d", undet, pv.UndeterminedTotal)
		}
		clear()
		b.do("lower it", chromedp.SendKeys(rd, "5"))
		b.submit("save", `button[name="action"][value="save"]`)
		if text := b.bodyText(); !strings.Contains(text, "已保存") {
			t.Fatalf("no confirmation after saving:\n%s", text)
		}
		p, err := w.Eng.FindPolicy(admin(), "qz-tech-sme-rd-subsidy", 0)
		if err != nil || p.Version != 2 {
			t.Errorf("after saving: version %v, %v; want 2", p.Version, err)
		}
		b.noOverflow("editor")
		b.keep("editor-" + b.screen + ".png")
	})
}

package web

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// calcForm is the calculator's form as typed, so that a page with an error
// gives it back unchanged. Money is entered in 万元, as enterprises quote it.
type calcForm struct {
	Name, Region, Industry, FoundedOn, Employees string
	Revenue, TotalAssets, RDExpense, TaxPaid     string
	TaxCredit, Scale                             string
	Tags                                         map[string]bool
	Dishonest                                    bool
}

// calculatorPage is the data of the policy calculator.
type calculatorPage struct {
	Form       calcForm
	Regions    []huiqi.Region
	Tags       []huiqi.Tag
	TaxCredits []string
	Scales     []string
	Error      string
	ErrorField string
	// Mine is set when the results are of the signed-in enterprise's
	// stored profile; CanUseMine offers that.
	Mine, CanUseMine bool
	Result           *resultView
}

// resultView is a matcher.Result in words.
type resultView struct {
	AsOf         huiqi.Date
	Eligible     []verdictView
	NearMisses   []nearMissView
	Undetermined []undeterminedView
	// NearMissTotal and UndeterminedTotal count the whole lists; with many
	// policies only the first maxListed of each are shown, unless All.
	NearMissTotal, UndeterminedTotal int
	All                              bool
	// AllURL shows the whole lists on a page reached by GET; a posted
	// calculator posts its form again instead.
	AllURL string
	// Settle is the few fields whose values would settle the most
	// undetermined policies, most first.
	Settle []matcher.Settle
	// Recommended counts the policies the enterprise can redeem together
	// (就高不重复) and Total their known amounts.
	Recommended int
	Total       huiqi.Money
	// CanApply offers 一键申报 on the cards of apply-mode policies: the
	// caller is a signed-in enterprise judged on its own profile. CSRF is
	// the token of those forms.
	CanApply bool
	CSRF     string
}

// verdictView is an eligible policy's card: the verdict with the facts of
// the policy an enterprise needs to act on it.
type verdictView struct {
	matcher.Verdict
	Conditions []checkView
	WorkedOut  string // how the amount follows from the formula
	Facts      cardFacts
}

// cardFacts are the facts of a policy that a result card shows.
type cardFacts struct {
	Validity string
	Deadline huiqi.Date // 申报截止: the last day of validity, if any
	Apply    bool       // 需申报 rather than 免申即享
	Formula  string     // the benefit in words, for near misses
	URL      string     // the published text, else the policy's own page
	External bool
}

type checkView struct {
	Label  string
	Pass   bool
	Actual string
}

// nearMissView is a policy the profile misses by one condition: what that
// condition asks, how far the profile is from it and what it would bring.
type nearMissView struct {
	PolicyID, Title string
	Need, Gap       string
	// Amount is what the policy would bring on the profile's figures as
	// they are, where it can be worked out: the list's order.
	Amount  *huiqi.Money
	Facts   cardFacts
	version int // of the policy judged, whose facts the card shows
}

// undeterminedView is a policy the profile lacks values to decide: what it
// would bring, the conditions left open and the fields to supply.
type undeterminedView struct {
	PolicyID, Title string
	Amount          *huiqi.Money
	Open, Supply    string
}

// maxSettle is how many fields the calculator asks for first.
const maxSettle = 5

// maxListed is how many near misses and undetermined policies a result
// shows before 另有 N 项: with thousands of policies a profile misses
// hundreds by one condition, and rendering them all made the answer a
// page of more than half a megabyte.
const maxListed = 20

// newResultView turns a result into words; en is the profile judged, whose
// figures explain the amounts. Policies are read for their facts. The near
// misses and the undetermined are listed by what they would bring, most
// first, and cut to maxListed unless the request asks for all (all=1).
func (h *Handler) newResultView(r *http.Request, res matcher.Result, en *huiqi.Enterprise) (*resultView, error) {
	v := &resultView{AsOf: res.AsOf, NearMissTotal: len(res.NearMisses), UndeterminedTotal: len(res.Undetermined), All: r.FormValue("all") == "1"}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		q.Set("all", "1")
		v.AllURL = r.URL.Path + "?" + q.Encode()
	}
	listed := func(n int) int {
		if v.All {
			return n
		}
		return min(n, maxListed)
	}
	facts := func(id string, version int) (*policies.Policy, cardFacts, error) {
		p, err := h.Engine.FindPolicy(r.Context(), id, version)
		if err == nil {
			// Validation types the leaf values that labels are written from.
			err = p.Validate(res.AsOf)
		}
		if err != nil {
			return nil, cardFacts{}, err
		}
		pv := newPolicyView(p)
		f := cardFacts{Validity: pv.Validity, Deadline: p.ValidTo, Apply: p.Mode == policies.ModeApply, Formula: pv.Benefit.Formula, URL: "/ui/policies/" + url.PathEscape(p.ID) + "#original"}
		switch {
		case len(pv.Benefit.Tiers) > 0:
			f.Formula = pv.Benefit.Kind + "，按档次确定金额"
		case p.Benefit.Amount == nil:
			f.Formula = pv.Benefit.Kind + "（不涉及资金数额）"
		}
		if p.URL != "" {
			f.URL, f.External = p.URL, true
		}
		return p, f, nil
	}
	for _, x := range res.Eligible {
		p, f, err := facts(x.PolicyID, x.Version)
		if err != nil {
			return nil, err
		}
		vv := verdictView{Verdict: x, Facts: f, WorkedOut: workedOut(p, en, res.AsOf, x.Amount)}
		for _, c := range x.Conditions {
			vv.Conditions = append(vv.Conditions, checkOf(c))
		}
		if x.Recommended {
			v.Recommended++
			if x.Amount != nil {
				v.Total += *x.Amount
			}
		}
		v.Eligible = append(v.Eligible, vv)
	}
	near := make([]nearMissView, len(res.NearMisses))
	prof := matcher.NewProfile(en)
	for i, n := range res.NearMisses {
		near[i] = nearMissView{PolicyID: n.PolicyID, Title: n.Title, Need: n.Missing.Label, Gap: gapText(n.Missing), version: n.Version}
		if c, ok := h.Engine.Matcher.Policy(n.PolicyID); ok {
			near[i].Amount = c.Amount(prof, res.AsOf)
		}
	}
	slices.SortStableFunc(near, func(a, b nearMissView) int { return byAmount(a.Amount, b.Amount) })
	v.NearMisses = near[:listed(len(near))]
	for i := range v.NearMisses {
		n := &v.NearMisses[i]
		var err error
		if _, n.Facts, err = facts(n.PolicyID, n.version); err != nil {
			return nil, err
		}
	}
	undet := slices.Clone(res.Undetermined)
	slices.SortStableFunc(undet, func(a, b matcher.Undetermined) int { return byAmount(a.Amount, b.Amount) })
	for _, u := range undet[:listed(len(undet))] {
		open := make([]string, len(u.Unknown))
		for i, c := range u.Unknown {
			open[i] = c.Label
		}
		supply := make([]string, len(u.Missing))
		for i, f := range u.Missing {
			supply[i] = matcher.MissingLabel(f)
		}
		if len(u.Review) > 0 {
			supply = append(supply, "部门审核（"+strings.Join(u.Review, "；")+"）")
		}
		v.Undetermined = append(v.Undetermined, undeterminedView{PolicyID: u.PolicyID, Title: u.Title, Amount: u.Amount,
			Open: strings.Join(open, "；"), Supply: strings.Join(supply, "、")})
	}
	v.Settle = res.Settle[:min(len(res.Settle), maxSettle)]
	return v, nil
}

// moreView is the end of a result list cut to maxListed: Shown of Total,
// and where the whole list is (AllURL, else the calculator's form again).
type moreView struct {
	Shown, Total   int
	AllURL, Anchor string
}

func moreOf(v *resultView, shown, total int, anchor string) moreView {
	return moreView{Shown: shown, Total: total, AllURL: v.AllURL, Anchor: anchor}
}

// byAmount orders amounts highest first, unknown ones last.
func byAmount(a, b *huiqi.Money) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*b, *a)
}

func checkOf(c matcher.Check) checkView {
	return checkView{Label: c.Label, Pass: c.Pass != nil && *c.Pass, Actual: actualText(c.Field, c.Actual)}
}

// newCalculatorPage returns the calculator with its choices filled in.
func newCalculatorPage() calculatorPage {
	p := calculatorPage{Tags: huiqi.Tags(), TaxCredits: huiqi.TaxCredits, Scales: huiqi.Scales}
	for _, r := range huiqi.Regions() {
		if r.Code != "350527" { // nominal: no mainland registration carries it
			p.Regions = append(p.Regions, r)
		}
	}
	p.Form.Tags = map[string]bool{}
	return p
}

// calculator shows the form; a signed-in enterprise gets it filled from its
// stored profile and, with ?profile=mine, the results for that profile.
func (h *Handler) calculator(w http.ResponseWriter, r *http.Request) error {
	p := newCalculatorPage()
	t := huiqi.TokenFromContext(r.Context())
	if t != nil && t.Role == huiqi.RoleEnterprise {
		en, err := h.Engine.FindEnterprise(r.Context(), t.CreditCode)
		switch {
		case huiqi.ErrorCode(err) == huiqi.ENotFound:
			// No profile on file yet: the calculator is still open to fill in.
			h.render(w, r, http.StatusOK, "calculator", "政策计算器", "calculator", p)
			return nil
		case err != nil:
			return err
		}
		p.CanUseMine, p.Form = true, formOf(en)
		if r.URL.Query().Get("profile") == "mine" {
			res, err := h.Engine.MatchEnterprise(r.Context(), t.CreditCode, h.Engine.Today(), true)
			if err != nil {
				return err
			}
			if p.Result, err = h.newResultView(r, res, en); err != nil {
				return err
			}
			p.Mine, p.Result.CanApply, p.Result.CSRF = true, true, h.csrfFor(r)
		}
	}
	h.render(w, r, http.StatusOK, "calculator", "政策计算器", "calculator", p)
	return nil
}

// calculate judges every published policy for the profile in the form. It
// stores nothing, so it needs no sign-in and no CSRF token.
func (h *Handler) calculate(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(w, r); err != nil {
		return err
	}
	p := newCalculatorPage()
	if t := huiqi.TokenFromContext(r.Context()); t != nil && t.Role == huiqi.RoleEnterprise {
		p.CanUseMine = true
	}
	p.Form = readCalcForm(r)
	en, err := p.Form.enterprise()
	if err == nil {
		var res matcher.Result
		res, err = h.Engine.MatchProfile(r.Context(), en, h.Engine.Today(), true)
		if err == nil {
			p.Result, err = h.newResultView(r, res, en)
		}
	}
	status := http.StatusOK
	if err != nil {
		if huiqi.ErrorCode(err) != huiqi.EInvalid {
			return err
		}
		status, p.Error, p.ErrorField = http.StatusBadRequest, huiqi.ErrorMessage(err), huiqi.ErrorField(err)
	}
	h.render(w, r, status, "calculator", "政策计算器", "calculator", p)
	return nil
}

func readCalcForm(r *http.Request) calcForm {
	f := calcForm{Tags: map[string]bool{}}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f.Name, f.Region, f.Industry, f.FoundedOn, f.Employees = v("name"), v("region"), strings.ToUpper(v("industry")), v("founded_on"), v("employees")
	f.Revenue, f.TotalAssets, f.RDExpense, f.TaxPaid = v("revenue"), v("total_assets"), v("rd_expense"), v("tax_paid")
	f.TaxCredit, f.Scale = v("tax_credit"), v("scale")
	for _, t := range r.PostForm["tags"] {
		f.Tags[t] = true
	}
	f.Dishonest = r.PostFormValue("dishonest") != ""
	return f
}

// wanPattern is an amount in 万元 as typed: digits with an optional
// decimal part.
var wanPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// enterprise reads the form as a profile; empty figures are unknown, which
// rules treat as missing. It returns EInvalid naming the field.
func (f calcForm) enterprise() (*huiqi.Enterprise, error) {
	en := &huiqi.Enterprise{
		Name: f.Name, Region: f.Region, Industry: f.Industry,
		TaxCredit: f.TaxCredit, Scale: f.Scale, Dishonest: f.Dishonest,
	}
	if en.Name == "" {
		en.Name = "试算企业"
	}
	if f.FoundedOn != "" {
		d, err := huiqi.ParseDate(f.FoundedOn)
		if err != nil {
			return nil, huiqi.WithPrefix("founded_on", err)
		}
		en.FoundedOn = d
	}
	if f.Employees != "" {
		n, err := strconv.ParseInt(f.Employees, 10, 64)
		if err != nil || n < 0 {
			return nil, huiqi.FieldErrorf("employees", "从业人员应为不小于 0 的整数")
		}
		en.Employees = &n
	}
	for _, m := range []struct {
		name, text string
		dst        **huiqi.Money
	}{
		{"revenue", f.Revenue, &en.Revenue}, {"total_assets", f.TotalAssets, &en.TotalAssets},
		{"rd_expense", f.RDExpense, &en.RDExpense}, {"tax_paid", f.TaxPaid, &en.TaxPaid},
	} {
		if m.text == "" {
			continue
		}
		field, _ := huiqi.LookupField(m.name)
		if !wanPattern.MatchString(m.text) {
			return nil, huiqi.FieldErrorf(m.name, "%s应为以万元计的非负数，如 3000 或 12.5", field.Label)
		}
		// The exponent moves 万元 to 元 exactly; ParseMoney refuses more
		// precision than the fen.
		v, err := huiqi.ParseMoney(m.text + "e4")
		if err != nil {
			return nil, huiqi.FieldErrorf(m.name, "%s最多精确到分（万元后六位小数）", field.Label)
		}
		*m.dst = &v
	}
	for _, t := range huiqi.Tags() {
		if f.Tags[t.Tag] {
			en.Tags = append(en.Tags, t.Tag)
		}
	}
	for t := range f.Tags {
		if _, ok := huiqi.LookupTag(t); !ok {
			return nil, huiqi.FieldErrorf("tags", "未知的企业资质标签 %q", t)
		}
	}
	return en, nil
}

// formOf fills the form from a stored profile.
func formOf(en *huiqi.Enterprise) calcForm {
	f := calcForm{
		Name: en.Name, Region: en.Region, Industry: en.Industry, FoundedOn: en.FoundedOn.String(),
		TaxCredit: en.TaxCredit, Scale: en.Scale, Dishonest: en.Dishonest, Tags: map[string]bool{},
	}
	if en.Employees != nil {
		f.Employees = strconv.FormatInt(*en.Employees, 10)
	}
	wan := func(m *huiqi.Money) string {
		if m == nil {
			return ""
		}
		// fen to 万元: six decimal places, trailing zeros trimmed.
		n := int64(*m)
		s := strconv.FormatInt(n/1_000_000, 10)
		if frac := n % 1_000_000; frac != 0 {
			s += strings.TrimRight("."+strconv.FormatInt(1_000_000+frac, 10)[1:], "0")
		}
		return s
	}
	f.Revenue, f.TotalAssets, f.RDExpense, f.TaxPaid = wan(en.Revenue), wan(en.TotalAssets), wan(en.RDExpense), wan(en.TaxPaid)
	for _, t := range en.Tags {
		f.Tags[t] = true
	}
	return f
}

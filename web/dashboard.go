package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
)

// dashboardPage is the data of the redemption-clock dashboard.
type dashboardPage struct {
	AsOf       huiqi.Date
	Status     string
	Department string
	Policy     string // a policy id the lists are narrowed to
	PolicyName string
	// Departments are offered as a filter to those who see them all;
	// an official's dashboard is its own department's.
	Departments []string
	Official    bool
	Statuses    []option

	Overdue, AtRisk []clockRow
	OverdueTotal    int
	AtRiskTotal     int
	Filtered        []clockRow // the list of the filters, when one is set
	FilteredTotal   int
	FilterHeading   string
	Total           int // applications opened by the date
	ByDepartment    *engine.Stats
	ByPolicy        []engine.StatsGroup
	Chart           chart
	Verification    *engine.Verification // admins and auditors only
	ExportURL       string
	WorkbookURL     string
}

type option struct{ Value, Label string }

// clockRow is an application of the clock list with its days to or past
// the deadline as of the dashboard's date, counted in its clock's unit.
type clockRow struct {
	*engine.Application
	OverdueDays int
	DaysLeft    int
	Unit        string // 天 or 工作日
	StatusLabel string
	StatusClass string
}

// maxRows is how many applications each list shows; the totals stay exact.
const maxRows = 100

// clockStatuses are the statuses the filter offers, in the clock's order.
var clockStatuses = []string{
	clock.StatusNotStarted, clock.StatusOnTrack, clock.StatusAtRisk, clock.StatusOverdue,
	clock.StatusMetTarget, clock.StatusOnTime, clock.StatusLate, clock.StatusClosed,
}

// dashboard is the officials' page: what is overdue and at risk, the rates
// per department and per policy, the chart of elapsed days, the export and,
// for auditors, the state of the event chain.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) error {
	t, err := requireSignIn(r)
	if err != nil {
		return err
	}
	if t.Role == huiqi.RoleEnterprise {
		return huiqi.Errorf(huiqi.EForbidden, "申兑时限看板供主管部门、审计和管理员使用；企业请使用企业工作台")
	}
	day, err := h.asOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := dashboardPage{AsOf: day, Status: q.Get("status"), Department: q.Get("department"), Policy: q.Get("policy"), Official: t.Role == huiqi.RoleOfficial}
	if p.Official {
		if p.Department != "" && p.Department != t.Department {
			return huiqi.Errorf(huiqi.EForbidden, "只能查看本部门（%s）的申请和统计", t.Department)
		}
		p.Department = t.Department
	}
	for _, s := range clockStatuses {
		p.Statuses = append(p.Statuses, option{s, clockStatusLabels[s]})
	}
	p.Statuses = append(p.Statuses, option{statusPaused, "中止计时"})
	ctx := r.Context()
	// Paused is a state of the application, not a clock status: the whole
	// list is read and narrowed here.
	clockStatus := p.Status
	if clockStatus == statusPaused {
		clockStatus = ""
	}
	items, err := h.clockList(r, engine.ClockQuery{AsOf: day, Status: clockStatus, Department: p.Department, PolicyID: p.Policy})
	if err != nil {
		return err
	}
	units := h.dayUnits(r)
	var rows []clockRow
	for _, a := range items {
		row := clockRow{Application: a, DaysLeft: a.Clock.DeadlineOn.Sub(day), Unit: units.of(a)}
		row.OverdueDays = -row.DaysLeft
		row.StatusLabel, row.StatusClass = caseStatus(a)
		if p.Status == statusPaused && row.StatusClass != statusPaused {
			continue
		}
		rows = append(rows, row)
		if p.PolicyName == "" && a.PolicyID == p.Policy {
			p.PolicyName = a.PolicyTitle
		}
	}
	p.Total = len(rows)
	for _, row := range rows {
		switch row.StatusClass {
		case clock.StatusOverdue:
			p.Overdue = append(p.Overdue, row)
		case clock.StatusAtRisk:
			p.AtRisk = append(p.AtRisk, row)
		}
		if p.Status != "" || p.Policy != "" || (p.Department != "" && !p.Official) {
			p.Filtered = append(p.Filtered, row)
		}
	}
	p.FilterHeading = p.filterHeading()
	// Longest overdue and nearest deadline first: the order to act in.
	slices.SortStableFunc(p.Overdue, func(a, b clockRow) int { return cmp.Compare(b.OverdueDays, a.OverdueDays) })
	slices.SortStableFunc(p.AtRisk, func(a, b clockRow) int { return cmp.Compare(a.DaysLeft, b.DaysLeft) })
	p.OverdueTotal, p.AtRiskTotal, p.FilteredTotal = len(p.Overdue), len(p.AtRisk), len(p.Filtered)
	p.Overdue, p.AtRisk, p.Filtered = p.Overdue[:min(len(p.Overdue), maxRows)], p.AtRisk[:min(len(p.AtRisk), maxRows)], p.Filtered[:min(len(p.Filtered), maxRows)]
	p.Chart = newChart(rows, p.filterURL)

	if p.ByDepartment, err = h.Engine.AuditStats(ctx, engine.StatsQuery{AsOf: day, By: "department", Department: p.Department}); err != nil {
		return err
	}
	byPolicy, err := h.Engine.AuditStats(ctx, engine.StatsQuery{AsOf: day, By: "policy", Department: p.Department})
	if err != nil {
		return err
	}
	// Policies that no one has applied for have no clock figures; their
	// funnel starts on the policy's own page of matches.
	for _, g := range byPolicy.Groups {
		if g.Count > 0 {
			p.ByPolicy = append(p.ByPolicy, g)
		}
	}
	if !p.Official {
		all := p.ByDepartment
		if p.Department != "" {
			if all, err = h.Engine.AuditStats(ctx, engine.StatsQuery{AsOf: day, By: "department"}); err != nil {
				return err
			}
		}
		for _, g := range all.Groups {
			p.Departments = append(p.Departments, g.Key)
		}
	}
	if t.Role == huiqi.RoleAdmin || t.Role == huiqi.RoleAuditor {
		if p.Verification, err = h.Engine.VerifyChain(ctx); err != nil {
			return err
		}
	}
	export := url.Values{"as_of": {day.String()}}
	if p.Status != "" && p.Status != statusPaused {
		export.Set("status", p.Status)
	}
	if p.Department != "" && !p.Official {
		export.Set("department", p.Department)
	}
	if p.Policy != "" {
		export.Set("policy", p.Policy)
	}
	p.ExportURL = "/ui/export.csv?" + export.Encode()
	p.WorkbookURL = "/ui/export.xlsx?" + export.Encode()
	h.render(w, r, http.StatusOK, "dashboard", "申兑时限看板", "dashboard", p)
	return nil
}

// filterURL is the dashboard as of the same date and department, listing
// the applications of one status, a department's or a policy's: where
// chart bars and table rows lead. Empty arguments keep the page's own.
func (p dashboardPage) filterURL(status, department, policy string) string {
	q := url.Values{"as_of": {p.AsOf.String()}}
	set := func(key, v, own string) {
		if v == "" {
			v = own
		}
		if v != "" {
			q.Set(key, v)
		}
	}
	set("status", status, "")
	if !p.Official {
		set("department", department, p.Department)
	}
	set("policy", policy, p.Policy)
	return "/ui/dashboard?" + q.Encode() + "#filtered"
}

// filterHeading names the filtered list: 中止计时 · 某政策 · 某部门.
func (p dashboardPage) filterHeading() string {
	var parts []string
	for _, o := range p.Statuses {
		if o.Value == p.Status {
			parts = append(parts, o.Label)
		}
	}
	if p.Policy != "" {
		parts = append(parts, cmp.Or(p.PolicyName, "所选政策"))
	}
	if p.Department != "" && !p.Official {
		parts = append(parts, p.Department)
	}
	return strings.Join(parts, " · ")
}

// DepartmentURL lists a department's applications, for the stats rows.
func (p dashboardPage) DepartmentURL(department string) string {
	return p.filterURL("", department, "")
}

// PolicyURL lists a policy's applications, for the stats rows.
func (p dashboardPage) PolicyURL(policy string) string { return p.filterURL("", "", policy) }

// StatusURL lists the applications of a clock status.
func (p dashboardPage) StatusURL(status string) string { return p.filterURL(status, "", "") }

// clockList reads the whole clock list of q, page by page.
func (h *Handler) clockList(r *http.Request, q engine.ClockQuery) ([]*engine.Application, error) {
	var out []*engine.Application
	pg := engine.Page{Limit: huiqi.MaxLimit}
	for {
		l, err := h.Engine.AuditClock(r.Context(), q, pg)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.Next == nil {
			return out, nil
		}
		pg.After = *l.Next
	}
}

// exportCSV streams the clock list as CSV for a signed-in user: the API's
// export needs a bearer token, which a download link cannot carry.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireSignIn(r); err != nil {
		return err
	}
	day, err := h.asOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	cw := &csvWriter{w: w, name: "申兑时限-" + day.String() + ".csv"}
	err = exchange.ClockCSV(r.Context(), h.Engine, engine.ClockQuery{AsOf: day, Status: q.Get("status"), Department: q.Get("department")}, cw)
	if err != nil && cw.started {
		// Half a file has gone out: all that is left is to say so in the log.
		h.Logger.Error("export csv", "err", err)
		return nil
	}
	return err
}

// csvWriter sends the download headers with the first byte, so that an
// error before it can still be an error page.
type csvWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (c *csvWriter) Write(b []byte) (int, error) {
	if !c.started {
		c.started = true
		hdr := c.w.Header()
		hdr.Set("Content-Type", "text/csv; charset=utf-8")
		hdr.Set("Content-Disposition", "attachment; filename=\"clock.csv\"; filename*=UTF-8''"+url.PathEscape(c.name))
		hdr.Set("Cache-Control", "no-store")
	}
	return c.w.Write(b)
}

// statsRows are the rows of a stats table with the page they link into.
type statsRows struct {
	Page   dashboardPage
	Groups []engine.StatsGroup
	By     string // department or policy
}

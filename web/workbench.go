package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// workbenchPage is the data of an enterprise's workbench.
type workbenchPage struct {
	Enterprise    *huiqi.Enterprise
	Admin         bool // an admin looking at an enterprise's workbench
	Notifications []huiqi.Notification
	Matches       *resultView
	Applications  []applicationView
	// Applicable are the eligible apply-mode policies without an open
	// application: each gets an apply button.
	Applicable map[string]bool
	Open       map[string]int64 // policy id → its open application
}

// applicationView is an application with what the enterprise may do next.
type applicationView struct {
	*engine.Application
	Pauses      []pauseView
	CanConfirm  bool
	CanResume   bool // a pause for supplement, ended by handing in the materials
	CanWithdraw bool
	Running     bool   // the clock runs
	Unit        string // 天 or 工作日
}

// pauseView is a pause of the clock with its written notice.
type pauseView struct {
	Reason  string
	Notice  string
	From    time.Time
	Resumed *time.Time
}

func newApplicationView(a *engine.Application) applicationView {
	v := applicationView{Application: a}
	for _, ev := range a.Events {
		switch ev.Type {
		case huiqi.EventPause:
			v.Pauses = append(v.Pauses, pauseView{Reason: huiqi.PauseReasons[ev.Reason], Notice: ev.Note, From: ev.At})
		case huiqi.EventResume:
			if n := len(v.Pauses); n > 0 && v.Pauses[n-1].Resumed == nil {
				at := ev.At
				v.Pauses[n-1].Resumed = &at
			}
		}
	}
	switch a.State {
	case huiqi.StateOffered:
		v.CanConfirm, v.CanWithdraw = true, true
	case huiqi.StateSubmitted, huiqi.StateAccepted:
		v.CanWithdraw = true
	case huiqi.StatePaused:
		v.CanWithdraw = true
		if n := len(a.Events); n > 0 && a.Events[n-1].Reason == huiqi.PauseSupplement {
			v.CanResume = true
		}
	}
	v.Running = !a.Clock.AcceptedOn.IsZero() && a.Clock.StoppedOn.IsZero()
	return v
}

// closedStates are the states after which an application is over.
var closedStates = []string{huiqi.StateDisbursed, huiqi.StateRejected, huiqi.StateWithdrawn}

// workbenchCode returns whose workbench the caller may open: an
// enterprise its own (asking for another's is EForbidden), an admin any
// enterprise's by ?code=. Officials and auditors have none.
func workbenchCode(t *huiqi.Token, asked string) (string, error) {
	asked = strings.ToUpper(strings.TrimSpace(asked))
	switch t.Role {
	case huiqi.RoleEnterprise:
		if asked != "" && asked != t.CreditCode {
			return "", huiqi.Errorf(huiqi.EForbidden, "只能查看本企业的工作台")
		}
		return t.CreditCode, nil
	case huiqi.RoleAdmin:
		return asked, nil
	}
	return "", huiqi.Errorf(huiqi.EForbidden, "企业工作台供企业使用；当前角色（%s）请使用申兑时限看板", roleLabels[t.Role])
}

// workbench is an enterprise's own page: notifications, matches and
// applications with their clocks.
func (h *Handler) workbench(w http.ResponseWriter, r *http.Request) error {
	t, err := requireSignIn(r)
	if err != nil {
		return err
	}
	code, err := workbenchCode(t, r.URL.Query().Get("code"))
	if err != nil {
		return err
	}
	p := workbenchPage{Admin: t.Role == huiqi.RoleAdmin}
	if code == "" { // an admin who has not chosen an enterprise yet
		h.render(w, r, http.StatusOK, "workbench", "企业工作台", "workbench", p)
		return nil
	}
	ctx := r.Context()
	if p.Enterprise, err = h.Engine.FindEnterprise(ctx, code); err != nil {
		return err
	}
	if p.Notifications, err = h.notifications(r, code); err != nil {
		return err
	}
	today := h.Engine.Today()
	res, err := h.Engine.MatchEnterprise(ctx, code, today, true)
	if err != nil {
		return err
	}
	if p.Matches, err = h.newResultView(r, res, p.Enterprise); err != nil {
		return err
	}
	apps, _, _, err := h.Engine.ListApplications(ctx, engine.ApplicationQuery{CreditCode: code}, today, engine.Page{Limit: huiqi.MaxLimit})
	if err != nil {
		return err
	}
	p.Open = map[string]int64{}
	units := h.dayUnits(r)
	// Newest first: what is under way matters more than what is closed.
	for i := len(apps) - 1; i >= 0; i-- {
		a := apps[i]
		v := newApplicationView(a)
		v.Unit = units.of(a)
		p.Applications = append(p.Applications, v)
		if !slices.Contains(closedStates, a.State) {
			p.Open[a.PolicyID] = a.ID
		}
	}
	p.Applicable = map[string]bool{}
	for _, v := range res.Eligible {
		if _, open := p.Open[v.PolicyID]; !open && v.Mode == policies.ModeApply {
			p.Applicable[v.PolicyID] = true
		}
	}
	h.render(w, r, http.StatusOK, "workbench", "企业工作台", "workbench", p)
	return nil
}

// maxNotifications is how many of the latest notifications the workbench
// lists.
const maxNotifications = 50

// notifications returns the enterprise's latest notifications, newest
// first. The feed runs oldest first with a cursor, so it is read to its end.
func (h *Handler) notifications(r *http.Request, code string) ([]huiqi.Notification, error) {
	var all []huiqi.Notification
	after := ""
	for {
		f, err := h.Engine.Notifications(r.Context(), code, after, huiqi.MaxLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, f.Items...)
		if len(all) > maxNotifications {
			all = all[len(all)-maxNotifications:]
		}
		if len(f.Items) < huiqi.MaxLimit || f.Next == nil {
			break
		}
		after = *f.Next
	}
	slices.Reverse(all)
	return all, nil
}

// apply files an application (申报) for the enterprise.
func (h *Handler) apply(w http.ResponseWriter, r *http.Request) error {
	t, err := h.stateChange(w, r)
	if err != nil {
		return err
	}
	code, err := workbenchCode(t, r.PostFormValue("code"))
	if err != nil {
		return err
	}
	a, err := h.Engine.SubmitApplication(r.Context(), engine.ApplicationInput{PolicyID: r.PostFormValue("policy_id"), CreditCode: code})
	if err != nil {
		return err
	}
	h.backToWorkbench(w, r, t, a.CreditCode, "applied", a.ID)
	return nil
}

// pageEvents are the events an enterprise sends from its workbench.
var pageEvents = map[string]bool{huiqi.EventConfirm: true, huiqi.EventWithdraw: true, huiqi.EventResume: true}

// applicationEvent confirms an offer, withdraws an application or ends a
// pause for supplement; the engine checks that the application is the
// caller's and that the event fits its state.
func (h *Handler) applicationEvent(w http.ResponseWriter, r *http.Request) error {
	t, err := h.stateChange(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return huiqi.Errorf(huiqi.ENotFound, "未找到编号为 %q 的申请", r.PathValue("id"))
	}
	typ := r.PostFormValue("type")
	if !pageEvents[typ] {
		return huiqi.FieldErrorf("type", "工作台只能确认、撤回或恢复计时")
	}
	a, err := h.Engine.AddEvent(r.Context(), id, engine.EventInput{Type: typ, Note: strings.TrimSpace(r.PostFormValue("note"))})
	if err != nil {
		return err
	}
	h.backToWorkbench(w, r, t, a.CreditCode, typ, a.ID)
	return nil
}

// stateChange reads a state-changing form: it needs a sign-in and the
// session's CSRF token.
func (h *Handler) stateChange(w http.ResponseWriter, r *http.Request) (*huiqi.Token, error) {
	if err := h.parseForm(w, r); err != nil {
		return nil, err
	}
	t := huiqi.TokenFromContext(r.Context())
	if err := h.checkCSRF(r); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "请先登录")
	}
	return t, nil
}

// backToWorkbench redirects to the workbench at the application, with a
// confirmation.
func (h *Handler) backToWorkbench(w http.ResponseWriter, r *http.Request, t *huiqi.Token, code, ok string, id int64) {
	q := url.Values{"ok": {ok}}
	if t.Role == huiqi.RoleAdmin {
		q.Set("code", code)
	}
	http.Redirect(w, r, "/ui/workbench?"+q.Encode()+"#app-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// caseStatus names where an application's clock stands. A paused case
// reads 中止计时: its clock status is still that of its days so far, which
// would say 正常计时 of a clock that is not running. A pause that began
// past the target or the deadline says so too.
func caseStatus(a *engine.Application) (label, class string) {
	if a.State == huiqi.StatePaused && a.Clock.StoppedOn.IsZero() {
		label = "中止计时"
		if s := a.Clock.Status; s == clock.StatusOverdue || s == clock.StatusAtRisk {
			label += "（" + clockStatusLabels[s] + "）"
		}
		return label, statusPaused
	}
	return clockStatusLabels[a.Clock.Status], a.Clock.Status
}

// statusPaused is the dashboard's filter value for paused cases: a state of
// the application rather than a clock status.
const statusPaused = "paused"

// dayUnits tells, per policy version, whether its clock counts calendar
// days (天) or working days (工作日); it reads each policy once per page.
type dayUnits struct {
	h     *Handler
	r     *http.Request
	cache map[string]string
}

func (h *Handler) dayUnits(r *http.Request) *dayUnits {
	return &dayUnits{h: h, r: r, cache: map[string]string{}}
}

// of returns the unit of the application's clock; a policy the caller
// cannot read (it has moved on, or it is another department's) leaves 天.
func (u *dayUnits) of(a *engine.Application) string {
	key := a.PolicyID + "@" + strconv.Itoa(a.PolicyVersion)
	if unit, ok := u.cache[key]; ok {
		return unit
	}
	unit := "天"
	if p, err := u.h.Engine.FindPolicy(u.r.Context(), a.PolicyID, a.PolicyVersion); err == nil && p.Clock == policies.ClockWorkingDays {
		unit = "工作日"
	}
	u.cache[key] = unit
	return unit
}

// caseActions are the events an official sends from a case's page, in the
// order of the case's life.
var caseActions = []string{huiqi.EventAccept, huiqi.EventPause, huiqi.EventResume, huiqi.EventApprove, huiqi.EventDisburse, huiqi.EventReject}

// mayDo reports whether the role may send an event of type typ to the
// application as it stands, by asking the application's own rules with a
// sample event: the page offers exactly what the engine would accept.
func mayDo(role string, a *engine.Application, typ string) bool {
	ev := huiqi.Event{Type: typ, At: time.Now(), Actor: "page", Note: "—"}
	switch typ {
	case huiqi.EventPause:
		ev.Reason = huiqi.PauseSupplement
	case huiqi.EventDisburse:
		ev.Amount = new(huiqi.Money)
		*ev.Amount = huiqi.Yuan
	}
	pauseReason := ""
	if n := len(a.Events); n > 0 && a.State == huiqi.StatePaused {
		pauseReason = a.Events[n-1].Reason
	}
	if !huiqi.EventAllowedFor(role, ev, pauseReason) {
		return false
	}
	_, err := huiqi.NextState(a.State, false, ev)
	return err == nil
}

// casePage is the data of an application's page (办件详情).
type casePage struct {
	App         *engine.Application
	Unit        string // 天 or 工作日
	StatusLabel string
	StatusClass string
	Pauses      []pauseView
	Actions     map[string]bool
	Reasons     []option
	// The form sent back after an error, with the field at fault.
	Failed     string // the action whose form failed
	Error      string
	ErrorField string
	Form       url.Values
	// Disburse is the amount the 兑现 form starts with: the approved one.
	Disburse string
}

// caseView shows an application to those who handle or audit it.
func (h *Handler) caseView(w http.ResponseWriter, r *http.Request) error {
	p, err := h.casePage(r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "case", "办件详情 · "+p.App.PolicyTitle, "dashboard", p)
	return nil
}

func (h *Handler) casePage(r *http.Request) (*casePage, error) {
	t, err := requireSignIn(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到编号为 %q 的申请", r.PathValue("id"))
	}
	a, err := h.Engine.FindApplication(r.Context(), id, h.Engine.Today())
	if err != nil {
		return nil, err
	}
	p := &casePage{App: a, Unit: h.dayUnits(r).of(a), Pauses: newApplicationView(a).Pauses, Actions: map[string]bool{}}
	p.StatusLabel, p.StatusClass = caseStatus(a)
	if t.Role == huiqi.RoleOfficial || t.Role == huiqi.RoleAdmin {
		for _, typ := range caseActions {
			p.Actions[typ] = mayDo(t.Role, a, typ)
		}
	}
	for _, code := range []string{huiqi.PauseSupplement, huiqi.PauseExpertReview, huiqi.PauseHearing, huiqi.PauseInspection, huiqi.PausePublicNotice} {
		p.Reasons = append(p.Reasons, option{code, huiqi.PauseReasons[code]})
	}
	if a.AmountApproved != nil {
		p.Disburse = a.AmountApproved.String()
	}
	return p, nil
}

// caseEvent sends an official's action on a case to the engine, as the API
// does; a form with a wrong field comes back with the error at the field.
func (h *Handler) caseEvent(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.stateChange(w, r); err != nil {
		return err
	}
	typ := r.PostFormValue("type")
	if !slices.Contains(caseActions, typ) {
		return huiqi.FieldErrorf("type", "未知的办理操作 %q", typ)
	}
	in := engine.EventInput{Type: typ, Note: strings.TrimSpace(r.PostFormValue("note"))}
	if typ == huiqi.EventPause {
		in.Reason = r.PostFormValue("reason")
	}
	err := func() error {
		if v := strings.TrimSpace(r.PostFormValue("amount")); v != "" {
			m, err := huiqi.ParseMoney(v)
			if err != nil || m <= 0 {
				return huiqi.FieldErrorf("amount", "金额应为以元计的正数，最多两位小数，如 90000 或 1234.5")
			}
			in.Amount = &m
		}
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		_, err := h.Engine.AddEvent(r.Context(), id, in)
		return err
	}()
	if err == nil {
		redirect(w, r, "/ui/cases/"+r.PathValue("id"), url.Values{"ok": {"case-" + typ}})
		return nil
	}
	if c := huiqi.ErrorCode(err); c != huiqi.EInvalid && c != huiqi.EConflict {
		return err
	}
	p, perr := h.casePage(r)
	if perr != nil {
		return perr
	}
	p.Failed, p.Error, p.ErrorField, p.Form = typ, huiqi.ErrorMessage(err), huiqi.ErrorField(err), r.PostForm
	h.render(w, r, statusOf(err), "case", "办件详情 · "+p.App.PolicyTitle, "dashboard", p)
	return nil
}

// actionError is the error of an action's form, for the form's template.
type actionError struct{ Action, Message string }

// Err returns the error to show on the action's form, if it failed.
func (p *casePage) Err(action string) actionError {
	if p.Failed != action {
		return actionError{Action: action}
	}
	return actionError{Action: action, Message: p.Error}
}

// actionField is a field of an action's form: the value it shows and
// whether the error is its own.
type actionField struct {
	Action, Name, Label, Value string
	Invalid                    bool
}

// Field returns a field of the action's form, with what was typed when
// the form failed and marked when the failure is the field's.
func (p *casePage) Field(action, name, label string) actionField {
	return actionField{Action: action, Name: name, Label: label, Value: p.Value(action, name), Invalid: p.Failed == action && p.ErrorField == name}
}

// Value returns what the field holds: as typed after a failure, else its
// starting value.
func (p *casePage) Value(action, name string) string {
	if p.Failed == action {
		return p.Form.Get(name)
	}
	if action == huiqi.EventDisburse && name == "amount" {
		return p.Disburse
	}
	return ""
}

package engine

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Application is an application as the API shows it: the stored
// record with its events, and its redemption clock as of a date.
type Application struct {
	ID              int64        `json:"id"`
	PolicyID        string       `json:"policy_id"`
	PolicyVersion   int          `json:"policy_version"`
	PolicyTitle     string       `json:"policy_title"`
	Department      string       `json:"department"`
	CreditCode      string       `json:"credit_code"`
	EnterpriseName  string       `json:"enterprise_name"`
	State           string       `json:"state"`
	OpenedAt        time.Time    `json:"opened_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	AmountApproved  *huiqi.Money `json:"amount_approved"`
	AmountDisbursed *huiqi.Money `json:"amount_disbursed"`
	// ApprovalEstimate is the estimate the approval was measured against;
	// OverEstimate flags an approved amount above it, which needed a note.
	ApprovalEstimate *huiqi.Money `json:"approval_estimate"`
	OverEstimate     bool         `json:"over_estimate"`
	// ExclusiveGroup is the policy's 就高不重复 group: of the enterprise's
	// applications under it only one can be approved and paid.
	ExclusiveGroup string `json:"exclusive_group,omitempty"`
	ExclusiveNote  string `json:"exclusive_note,omitempty"`
	// ReviewStatus is 需部门审核 while a policy with conditions a department
	// checks by hand awaits its finding, then the finding's outcome;
	// Review is the last finding.
	ReviewStatus string             `json:"review_status,omitempty"`
	Review       *Finding           `json:"review,omitempty"`
	Events       []ApplicationEvent `json:"events,omitempty"` // left out of the audit lists
	AsOf         huiqi.Date         `json:"as_of"`
	Clock        clock.Clock        `json:"clock"`
}

// ApplicationEvent is one event of an application as the API shows it:
// every field present, so that a client can recompute the hash chain.
type ApplicationEvent struct {
	Seq      int          `json:"seq"`
	Type     string       `json:"type"`
	At       time.Time    `json:"at"`
	Actor    string       `json:"actor"`
	Reason   string       `json:"reason"`
	Note     string       `json:"note"`
	Amount   *huiqi.Money `json:"amount"`
	PrevHash string       `json:"prev_hash"`
	Hash     string       `json:"hash"`
}

// ApplicationInput is a new application: the enterprise applying and the
// policy. At, the time of the submission, is for admins migrating history
// only; everyone else's submission takes the server's time.
type ApplicationInput struct {
	PolicyID   string
	CreditCode string // an enterprise's own when empty
	At         *time.Time
}

// EventInput is an event as a caller sends it. At is for admins migrating
// history only; everyone else's events take the server's time, so that no
// one can backdate an acceptance.
type EventInput struct {
	Type   string
	At     *time.Time
	Reason string
	Note   string
	Amount *huiqi.Money
	Passed *bool // the finding of a review
}

// ApplicationQuery selects applications for ListApplications. Empty fields
// select everything the caller may see.
type ApplicationQuery struct {
	CreditCode string
	PolicyID   string
	State      string
	Department string
}

// actorSystem is the actor of what huiqi does on its own: 免申即享 offers.
const actorSystem = "system"

// rules returns the clock settings an application copied from its policy
// version.
func rules(a *huiqi.ApplicationRecord) clock.Rules {
	return clock.Rules{DeadlineDays: a.DeadlineDays, TargetDays: a.TargetDays, WorkingDays: a.WorkingDays}
}

// view returns the API view of a with its events and its clock as of asOf.
func (e *Engine) view(a *huiqi.ApplicationRecord, asOf huiqi.Date) *Application {
	return e.viewWith(a, asOf, clock.Compute(e.Calendar, rules(a), a.Events, asOf), true)
}

// viewWith returns the API view of a with the clock c of asOf, and its
// events when withEvents is set.
func (e *Engine) viewWith(a *huiqi.ApplicationRecord, asOf huiqi.Date, c clock.Clock, withEvents bool) *Application {
	v := &Application{
		ID: a.ID, PolicyID: a.PolicyID, PolicyVersion: a.PolicyVersion, PolicyTitle: a.PolicyTitle,
		Department: a.Department, CreditCode: a.CreditCode, State: a.State,
		OpenedAt: a.OpenedAt.In(huiqi.Shanghai), UpdatedAt: a.UpdatedAt.In(huiqi.Shanghai),
		AmountApproved: a.AmountApproved, AmountDisbursed: a.AmountDisbursed,
		ApprovalEstimate: a.ApprovalEstimate, AsOf: asOf, Clock: c,
	}
	if a.AmountApproved != nil {
		v.OverEstimate = overEstimate(a.AmountApproved, a.ApprovalEstimate)
	}
	v.ReviewStatus, v.Review = e.reviewStatus(a, a.Events, a.State), lastFinding(a.Events)
	if c, ok := e.Matcher.Policy(a.PolicyID); ok && c.Policy.ExclusiveGroup != "" {
		v.ExclusiveGroup = c.Policy.ExclusiveGroup
		// Said in words: the group's code means nothing to an enterprise.
		v.ExclusiveNote = "本政策与同组政策就高不重复：本企业在同组政策中只能有一项申请获批兑现"
	}
	if p, ok := e.Matcher.Profile(a.CreditCode); ok {
		v.EnterpriseName = p.Enterprise.Name
	}
	if withEvents {
		v.Events = make([]ApplicationEvent, len(a.Events))
		for i, ev := range a.Events {
			v.Events[i] = ApplicationEvent{
				Seq: ev.Seq, Type: ev.Type, At: ev.At.In(huiqi.Shanghai), Actor: ev.Actor, Reason: ev.Reason,
				Note: ev.Note, Amount: ev.Amount, PrevHash: ev.PrevHash, Hash: ev.Hash,
			}
		}
	}
	return v
}

// mayReadApplication returns EForbidden unless t may see a: admins and
// auditors see every application, officials their department's, an
// enterprise its own.
func mayReadApplication(t *huiqi.Token, a *huiqi.ApplicationRecord) error {
	switch {
	case t.Role == huiqi.RoleOfficial && t.Department != a.Department:
		return huiqi.Errorf(huiqi.EForbidden, "只能查看本部门（%s）政策的申请", t.Department)
	case t.Role == huiqi.RoleEnterprise && t.CreditCode != a.CreditCode:
		return huiqi.Errorf(huiqi.EForbidden, "只能查看本企业的申请")
	}
	return nil
}

// newApplication returns a stored application of an enterprise for a
// validated policy version, with the settings it copies from the version.
func newApplication(p *policies.Policy, code string) *huiqi.ApplicationRecord {
	return &huiqi.ApplicationRecord{
		PolicyID: p.ID, PolicyVersion: p.Version, PolicyTitle: p.Title, Department: p.Department,
		CreditCode: code, DeadlineDays: p.DeadlineDays, TargetDays: p.TargetDays,
		WorkingDays: p.Clock == policies.ClockWorkingDays,
	}
}

// openPolicy returns the validated current version of a policy that takes
// applications: published. A draft the caller may not see is ENotFound, so
// that drafts do not leak; any other unpublished policy is EConflict.
func (e *Engine) openPolicy(ctx context.Context, id string) (*policies.Policy, error) {
	if id == "" {
		return nil, huiqi.FieldErrorf("policy_id", "政策编号不能为空")
	}
	p, err := e.DB.FindPolicy(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Status == policies.StatusPublished:
	case !mayReadPolicy(ctx, p, p) && p.Status == policies.StatusDraft:
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q", id)
	case p.Status == policies.StatusWithdrawn:
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 已撤回，不再受理申请", id)
	default:
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 尚未发布，不能申请", id)
	}
	// Validation fills the defaults (45 and 40 days) into documents that
	// omit them.
	if err := p.Validate(e.Today()); err != nil {
		return nil, err
	}
	return p, nil
}

// SubmitApplication files an application (申报) of an enterprise for the
// current published version of an apply-mode policy; its first event is
// submit. Enterprises apply for themselves; admins for anyone, and only
// they may give a past time (migration). It returns EInvalid (field
// "policy_id", "credit_code" or "at"), EForbidden, ENotFound for an unknown
// policy or enterprise, and EConflict when the policy is not published, is
// 免申即享, is not valid on the day, or when the enterprise already has an
// open application for it.
func (e *Engine) SubmitApplication(ctx context.Context, in ApplicationInput) (*Application, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleEnterprise)
	if err != nil {
		return nil, err
	}
	code := strings.ToUpper(strings.TrimSpace(in.CreditCode))
	if code == "" && t.Role == huiqi.RoleEnterprise {
		code = t.CreditCode
	}
	switch {
	case code == "":
		return nil, huiqi.FieldErrorf("credit_code", "统一社会信用代码不能为空")
	case t.Role == huiqi.RoleEnterprise && code != t.CreditCode:
		return nil, huiqi.Errorf(huiqi.EForbidden, "只能为本企业申报")
	}
	now := e.Now()
	at := now
	if in.At != nil {
		if t.Role != huiqi.RoleAdmin {
			return nil, errAtAdminOnly
		}
		at = *in.At
	}
	ev := huiqi.Event{Type: huiqi.EventSubmit, At: at, Actor: t.Actor()}
	if err := ev.ValidateTime(now); err != nil {
		return nil, err
	}
	p, err := e.openPolicy(ctx, in.PolicyID)
	if err != nil {
		return nil, err
	}
	if p.Mode == policies.ModeAuto {
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 为免申即享，由系统推送后确认即可，无需申报", p.ID)
	}
	if err := e.checkOnce(p, code); err != nil {
		return nil, err
	}
	if day := huiqi.DateOf(at); !p.OpenOn(day) {
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 在 %s 不在有效期内，不受理申请", p.ID, day)
	}
	if _, err := e.DB.FindEnterprise(ctx, code); err != nil {
		return nil, err
	}
	a := newApplication(p, code)
	if err := e.DB.CreateApplication(ctx, a, []huiqi.Event{ev}); err != nil {
		return nil, err
	}
	return e.view(a, huiqi.DateOf(now)), nil
}

// errAtAdminOnly refuses an event time from anyone but an admin: silently
// replacing it with the server's time would let a client believe its
// backdated event was recorded as sent.
var errAtAdminOnly = huiqi.FieldErrorf("at", "只有管理员迁移历史数据时可以指定时间；其他事件一律以服务器时间为准，请去掉 at")

// OfferApplication opens a 免申即享 application of an enterprise for the
// current published version of an auto-mode policy, with an offer event by
// the system, awaiting the enterprise's confirmation. It is idempotent: while
// the enterprise has an open application for the policy, that one is
// returned and nothing is written. It is for huiqi's own passes (admin,
// engine.System). It returns EForbidden, ENotFound for an unknown policy or
// enterprise, and EConflict when the policy is not published, not
// 免申即享 or not valid today.
func (e *Engine) OfferApplication(ctx context.Context, policyID, creditCode string) (*Application, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return nil, err
	}
	now := e.Now()
	if a, err := e.DB.FindOpenApplication(ctx, creditCode, policyID); err == nil {
		return e.view(a, huiqi.DateOf(now)), nil
	} else if huiqi.ErrorCode(err) != huiqi.ENotFound {
		return nil, err
	}
	p, err := e.openPolicy(ctx, policyID)
	if err != nil {
		return nil, err
	}
	if p.Mode != policies.ModeAuto {
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 不是免申即享政策，不能由系统推送申请", p.ID)
	}
	if !p.OpenOn(huiqi.DateOf(now)) {
		return nil, huiqi.Errorf(huiqi.EConflict, "政策 %q 今天不在有效期内", p.ID)
	}
	if err := e.checkOnce(p, creditCode); err != nil {
		return nil, err
	}
	if ok, err := e.offeredInGroup(ctx, p, creditCode); err != nil {
		return nil, err
	} else if !ok {
		return nil, huiqi.Errorf(huiqi.EConflict, "就高不重复：企业 %s 在同组（%s）政策中已有申请或另有推荐，不推送政策 %q", creditCode, p.ExclusiveGroup, p.ID)
	}
	if _, err := e.DB.FindEnterprise(ctx, creditCode); err != nil {
		return nil, err
	}
	a := newApplication(p, creditCode)
	err = e.DB.CreateApplication(ctx, a, []huiqi.Event{{Type: huiqi.EventOffer, At: now, Actor: actorSystem}})
	if huiqi.ErrorCode(err) == huiqi.EConflict {
		// Another pass opened it between our look and our write: theirs is
		// the one open application, and ours is it.
		if open, ferr := e.DB.FindOpenApplication(ctx, creditCode, policyID); ferr == nil {
			return e.view(open, huiqi.DateOf(now)), nil
		}
	}
	if err != nil {
		return nil, err
	}
	return e.view(a, huiqi.DateOf(now)), nil
}

// AddEvent appends an event to an application, as the caller: who may send
// which event is huiqi.EventAllowedFor (officials only on their
// department's applications, enterprises only on their own), and only an
// admin may give the time. The event takes the server's time otherwise.
// Everything is checked against the application as it stands inside the
// write transaction, so that racing events are applied one after the
// other: two racing disbursements give one payout and one EConflict.
//
// approve records the approved amount: the amount given, else the estimate
// of the policy version for the current profile. An amount above the
// estimate needs a note (EInvalid on "note") and is flagged in the audit
// lists. approve is refused with EConflict when the enterprise is now on the
// dishonesty list, when the approved amounts of the policy's applications
// would exceed its budget, or when another application of the enterprise in
// the same exclusive group is approved or disbursed. disburse is refused
// with EConflict above the approved amount still unpaid.
//
// It returns EInvalid naming the field, EForbidden, ENotFound for an unknown
// application, and EConflict for an event out of order.
func (e *Engine) AddEvent(ctx context.Context, id int64, in EventInput) (*Application, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial, huiqi.RoleEnterprise)
	if err != nil {
		return nil, err
	}
	if in.At != nil && t.Role != huiqi.RoleAdmin {
		return nil, errAtAdminOnly
	}
	a, err := e.DB.AppendEvent(ctx, id, func(tx huiqi.EventTx, a *huiqi.ApplicationRecord) (huiqi.Event, error) {
		return e.buildEvent(ctx, t, tx, a, in)
	}, e.eventAppended)
	if err != nil {
		return nil, err
	}
	// The event has committed and stands: what follows from it is logged
	// when it fails, and a rematch catches up the decision record.
	switch a.State {
	case huiqi.StateDisbursed:
		err = e.paidOut(ctx, a)
	case huiqi.StateRejected, huiqi.StateWithdrawn:
		err = e.offerNextInGroup(ctx, a)
	}
	if err != nil {
		e.Logger.Error("after event", "application", a.ID, "state", a.State, "err", err)
	}
	return e.view(a, e.Today()), nil
}

// buildEvent checks in against a as it stands inside the write transaction
// and returns the event to append.
func (e *Engine) buildEvent(ctx context.Context, t *huiqi.Token, tx huiqi.EventTx, a *huiqi.ApplicationRecord, in EventInput) (huiqi.Event, error) {
	if err := mayReadApplication(t, a); err != nil {
		return huiqi.Event{}, err
	}
	ev := huiqi.Event{Type: in.Type, Actor: t.Actor(), Reason: in.Reason, Note: in.Note, Amount: in.Amount}
	if err := reviewEvent(&ev, in); err != nil {
		return ev, err
	}
	now := e.Now()
	if in.At != nil {
		ev.At = *in.At
		if err := ev.ValidateTime(now); err != nil {
			return ev, err
		}
	} else {
		ev.At = now
		// The server's clock may step back (NTP); the record must not.
		if n := len(a.Events); n > 0 && ev.At.Before(a.Events[n-1].At) {
			ev.At = a.Events[n-1].At
		}
	}
	if err := ev.Validate(); err != nil {
		return ev, err
	}
	if !huiqi.EventAllowedFor(t.Role, ev, a.PauseReason()) {
		return ev, huiqi.Errorf(huiqi.EForbidden, "当前角色（%s）不能对此申请执行「%s」", t.Role, in.Type)
	}
	// A trial run on a copy gives the state machine's answer before the
	// money checks, so that an approval out of order reads as out of order.
	trial := a.Application
	trial.Events = slices.Clip(trial.Events)
	if err := trial.Apply(ev); err != nil {
		return ev, err
	}
	switch ev.Type {
	case huiqi.EventApprove:
		if err := e.checkApproval(ctx, tx, a, &ev); err != nil {
			return ev, err
		}
	case huiqi.EventDisburse:
		if err := checkDisbursement(a, ev); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// checkApproval checks an approval against the enterprise, the money and
// the exclusive group, sets its amount (the estimate when none is given)
// and records the estimate it was measured against.
func (e *Engine) checkApproval(ctx context.Context, tx huiqi.EventTx, a *huiqi.ApplicationRecord, ev *huiqi.Event) error {
	en, err := e.DB.FindEnterprise(ctx, a.CreditCode)
	if err != nil {
		return err
	}
	if en.Dishonest {
		return huiqi.Errorf(huiqi.EConflict, "企业 %s 目前被列入严重失信或经营异常名单，不能批准", a.CreditCode)
	}
	est, err := e.estimate(ctx, a, en)
	if err != nil {
		return err
	}
	if est != nil && *est <= 0 {
		est = nil // an event's amount is positive or absent
	}
	switch {
	case ev.Amount == nil:
		ev.Amount = est
	case overEstimate(ev.Amount, est) && strings.TrimSpace(ev.Note) == "":
		if est == nil {
			return huiqi.FieldErrorf("note", "政策对本企业没有测算金额，批准金额 %s 元须在 note 中说明依据", *ev.Amount)
		}
		return huiqi.FieldErrorf("note", "批准金额 %s 元高于测算金额 %s 元，须在 note 中说明理由", *ev.Amount, *est)
	}
	p, err := e.DB.FindPolicy(ctx, a.PolicyID, 0)
	if err != nil {
		return err
	}
	paid, err := tx.PaidApplications(a.CreditCode, a.ID)
	if err != nil {
		return err
	}
	if err := e.checkGroup(ctx, paid, a, p); err != nil {
		return err
	}
	if i := slices.IndexFunc(paid, func(o huiqi.Paid) bool {
		return o.PolicyID == p.ID && o.State == huiqi.StateDisbursed
	}); p.Once && i >= 0 {
		return errPaidOnce(p, a.CreditCode, paid[i].ID, huiqi.DateOf(paid[i].At))
	}
	if err := checkReviewed(a, p); err != nil {
		return err
	}
	if err := checkBudget(tx, a, p, *ev); err != nil {
		return err
	}
	a.ApprovalEstimate = est
	return tx.SetApprovalEstimate(a.ID, est)
}

// errPaidOnce refuses an application or approval under a once-only policy
// that the enterprise was paid under already, naming that payout.
func errPaidOnce(p *policies.Policy, code string, appID int64, on huiqi.Date) error {
	return huiqi.Errorf(huiqi.EConflict, "政策 %q 为一次性奖励，不重复享受：企业 %s 已于 %s 兑现（申请 %d）", p.ID, code, on, appID)
}

// checkOnce returns errPaidOnce when p is once-only and the enterprise was
// paid under it, as the matcher knows.
func (e *Engine) checkOnce(p *policies.Policy, code string) error {
	if !p.Once {
		return nil
	}
	if paid, ok := e.Matcher.Paid(p.ID, code); ok {
		return errPaidOnce(p, code, paid.ApplicationID, paid.On)
	}
	return nil
}

// paidOut runs after a disbursement commits: the matcher learns the payout,
// and under a once-only policy the enterprise's decision record drops the
// policy, so that it is neither matched nor offered again.
func (e *Engine) paidOut(ctx context.Context, a *huiqi.ApplicationRecord) error {
	e.Matcher.AddPayout(a.PolicyID, a.CreditCode, matcher.Payout{ApplicationID: a.ID, On: huiqi.DateOf(a.UpdatedAt)})
	c, ok := e.Matcher.Policy(a.PolicyID)
	p, found := e.Matcher.Profile(a.CreditCode)
	if !ok || !c.Policy.Once || !found {
		return nil
	}
	return e.refreshProfiles(ctx, []*huiqi.Enterprise{p.Enterprise})
}

// overEstimate reports whether an approved amount exceeds the estimate it
// is measured against; any amount does when there is no estimate.
func overEstimate(amount, est *huiqi.Money) bool {
	return amount != nil && (est == nil || *amount > *est)
}

// checkDisbursement returns EConflict when a payout exceeds what was
// approved and is not yet paid: one disbursement stops the clock, so that
// is the approved amount itself.
func checkDisbursement(a *huiqi.ApplicationRecord, ev huiqi.Event) error {
	if a.AmountApproved == nil {
		return huiqi.Errorf(huiqi.EConflict, "申请 %d 批准时未核定金额，不能兑现 %s 元", a.ID, *ev.Amount)
	}
	if *ev.Amount > *a.AmountApproved {
		return huiqi.Errorf(huiqi.EConflict, "兑现金额 %s 元超过申请 %d 已批准未兑现的 %s 元", *ev.Amount, a.ID, *a.AmountApproved)
	}
	return nil
}

// checkGroup returns EConflict when another application of the enterprise
// under a policy of p's exclusive group is among paid, those approved or
// disbursed (就高不重复), naming it. The groups are the latest versions',
// like the budget.
func (e *Engine) checkGroup(ctx context.Context, paid []huiqi.Paid, a *huiqi.ApplicationRecord, p *policies.Policy) error {
	if p.ExclusiveGroup == "" {
		return nil
	}
	for _, o := range paid {
		op, err := e.DB.FindPolicy(ctx, o.PolicyID, 0)
		if err != nil {
			return err
		}
		if op.ExclusiveGroup == p.ExclusiveGroup {
			return huiqi.Errorf(huiqi.EConflict, "就高不重复：企业 %s 的申请 %d（政策 %q %s）%s，同组（%s）政策只能兑现一项，不能再批准",
				a.CreditCode, o.ID, op.ID, op.Title, huiqi.StateLabel(o.State), p.ExclusiveGroup)
		}
	}
	return nil
}

// estimate returns the benefit the application's policy version gives the
// enterprise's current profile today, nil for a benefit without a money
// figure.
func (e *Engine) estimate(ctx context.Context, a *huiqi.ApplicationRecord, en *huiqi.Enterprise) (*huiqi.Money, error) {
	p, err := e.DB.FindPolicy(ctx, a.PolicyID, a.PolicyVersion)
	if err != nil {
		return nil, err
	}
	c, err := e.compile(p)
	if err != nil {
		return nil, fmt.Errorf("compile policy %s v%d: %w", p.ID, p.Version, err)
	}
	return c.Amount(matcher.NewProfile(en), e.Today()), nil
}

// checkBudget returns EConflict when ev's amount, with what the policy has
// reserved on its other applications (approved amounts, and what was paid
// on those disbursed), would exceed p's budget. p is the latest version: a
// change of budget is a new version.
func checkBudget(tx huiqi.EventTx, a *huiqi.ApplicationRecord, p *policies.Policy, ev huiqi.Event) error {
	if ev.Amount == nil || p.Budget == nil {
		return nil
	}
	committed, err := tx.CommittedAmount(a.PolicyID, a.ID)
	if err != nil {
		return err
	}
	if committed+*ev.Amount > *p.Budget {
		return huiqi.Errorf(huiqi.EConflict, "超出政策预算：预算 %s 元，其他申请已批准或兑现 %s 元，本次 %s 元",
			*p.Budget, committed, *ev.Amount)
	}
	return nil
}

// eventAppended runs inside the transaction that appended ev to a, after
// it is written. It is the one place where an event is told to anyone: a
// pause's note is the written notice the enterprise is owed for it, written
// as a pause_notice notification through tx, so that the notice commits
// with the pause or neither does.
func (e *Engine) eventAppended(tx huiqi.EventTx, a *huiqi.ApplicationRecord, ev huiqi.Event) error {
	if ev.Type != huiqi.EventPause {
		return nil
	}
	return tx.Notify([]huiqi.Notification{{
		CreditCode: a.CreditCode, Kind: huiqi.NotifyPauseNotice, PolicyID: a.PolicyID, Version: a.PolicyVersion,
		Title: a.PolicyTitle, Note: huiqi.PauseReasons[ev.Reason] + "：" + ev.Note, ApplicationID: a.ID,
	}})
}

// FindApplication returns an application with its clock as of asOf (admin,
// auditor; official of its department; enterprise its own). It returns
// EForbidden or ENotFound.
func (e *Engine) FindApplication(ctx context.Context, id int64, asOf huiqi.Date) (*Application, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor, huiqi.RoleOfficial, huiqi.RoleEnterprise)
	if err != nil {
		return nil, err
	}
	a, err := e.DB.FindApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayReadApplication(t, a); err != nil {
		return nil, err
	}
	return e.view(a, asOf), nil
}

// scope narrows q to what the caller may see: an official to its
// department, an enterprise to itself. Asking for another's is EForbidden.
func scope(t *huiqi.Token, department, creditCode *string) error {
	switch t.Role {
	case huiqi.RoleOfficial:
		if *department != "" && *department != t.Department {
			return huiqi.Errorf(huiqi.EForbidden, "只能查看本部门（%s）的申请和统计", t.Department)
		}
		*department = t.Department
	case huiqi.RoleEnterprise:
		if *creditCode != "" && !strings.EqualFold(*creditCode, t.CreditCode) {
			return huiqi.Errorf(huiqi.EForbidden, "只能查看本企业的申请")
		}
		*creditCode = t.CreditCode
	}
	return nil
}

// ListApplications returns a page of applications in id order with their
// clocks as of asOf, the number of all that match, and the cursor of the
// next page (nil on the last). Admins and auditors see all, officials their
// department's, an enterprise its own. It returns EInvalid for a bad state,
// limit or cursor, EForbidden for a filter on someone else's.
func (e *Engine) ListApplications(ctx context.Context, q ApplicationQuery, asOf huiqi.Date, pg Page) ([]*Application, int, *string, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor, huiqi.RoleOfficial, huiqi.RoleEnterprise)
	if err != nil {
		return nil, 0, nil, err
	}
	if err := scope(t, &q.Department, &q.CreditCode); err != nil {
		return nil, 0, nil, err
	}
	limit, after, err := pg.ids()
	if err != nil {
		return nil, 0, nil, err
	}
	list, total, nextID, err := e.DB.ListApplications(ctx, huiqi.ApplicationFilter{
		CreditCode: strings.ToUpper(q.CreditCode), PolicyID: q.PolicyID, State: q.State, Department: q.Department,
		AfterID: after, Limit: limit,
	})
	if err != nil {
		return nil, 0, nil, err
	}
	items := make([]*Application, len(list))
	for i, a := range list {
		items[i] = e.view(a, asOf)
	}
	var next *string
	if nextID != 0 {
		next = new(encodeID(nextID))
	}
	return items, total, next, nil
}

// ids reads a page request over lists in id order: the page size and the
// id the page starts after.
func (pg Page) ids() (limit int, after int64, err error) {
	if limit, err = huiqi.PageLimit(pg.Limit); err != nil {
		return 0, 0, err
	}
	if pg.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(pg.After)
		if err == nil {
			after, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || after < 0 {
			return 0, 0, huiqi.FieldErrorf("after", "无效的分页游标")
		}
	}
	return limit, after, nil
}

// encodeID is the opaque cursor of a list in id order.
func encodeID(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// HistoricalApplication is one line of an application import: an application
// of an earlier platform with its past events. PolicyVersion 0 takes the
// latest version that was published.
type HistoricalApplication struct {
	PolicyID      string        `json:"policy_id"`
	PolicyVersion int           `json:"policy_version"`
	CreditCode    string        `json:"credit_code"`
	Events        []RecordEvent `json:"events"`
}

// RecordEvent is a past event of an imported application. At is RFC 3339;
// Actor defaults to the enterprise for its own events, to the policy's
// department for an official's, and to the system for an offer.
type RecordEvent struct {
	Type   string       `json:"type"`
	At     string       `json:"at"`
	Actor  string       `json:"actor"`
	Reason string       `json:"reason"`
	Note   string       `json:"note"`
	Amount *huiqi.Money `json:"amount"`
}

// ImportApplicationsBatch is how many applications one import transaction
// commits.
const ImportApplicationsBatch = 500

// An ApplicationSource yields historical applications one at a time: the
// line (or record) number counted from 1 and the record, an EInvalid error
// for a line that cannot be read as a record, or io.EOF at the end; any
// other error ends the import. Package exchange reads them from NDJSON.
type ApplicationSource interface {
	Next() (line int, rec *HistoricalApplication, err error)
}

// ImportApplications loads historical applications with their past events
// from src (admin): the migration from an earlier platform. Each line is checked like a live application, except
// that the budget and dishonesty checks of approve are not replayed on
// history: the policy version must have been published, the enterprise must
// exist, every event must be valid, in order, no earlier than the one
// before it and not in the future, and an application still open must not
// meet another open one. A line that fails is reported (lines counted from
// 1) and skipped; the rest are kept. progress, when not nil, is called after
// each batch. It returns EForbidden for anyone but an admin; other errors
// than per-line ones are internal.
func (e *Engine) ImportApplications(ctx context.Context, src ApplicationSource, progress func(BulkReport)) (BulkReport, error) {
	rep := BulkReport{Errors: []BulkError{}}
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return rep, err
	}
	reject := func(line int, err error) {
		rep.Rejected++
		if len(rep.Errors) < MaxBulkErrors {
			rep.Errors = append(rep.Errors, BulkError{Line: line, Code: huiqi.ErrorCode(err), Message: huiqi.ErrorMessage(err), Field: huiqi.ErrorField(err)})
		}
	}
	var (
		batch []huiqi.ImportedApplication
		lines []int
		cache = map[string]*policies.Policy{}
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		errs, err := e.DB.ImportApplications(ctx, batch)
		if err != nil {
			return err
		}
		for i, err := range errs {
			if err != nil {
				reject(lines[i], err)
				continue
			}
			rep.Accepted++
			if a := batch[i].Application; a.State == huiqi.StateDisbursed {
				if err := e.paidOut(ctx, a); err != nil {
					return err
				}
			}
		}
		batch, lines = batch[:0], lines[:0]
		if progress != nil {
			progress(rep)
		}
		return nil
	}
	for {
		line, rec, err := src.Next()
		if err == io.EOF {
			break
		} else if huiqi.ErrorCode(err) == huiqi.EInvalid {
			reject(line, err)
			continue
		} else if err != nil {
			return rep, err
		}
		item, err := e.importRecord(ctx, rec, cache)
		if huiqi.ErrorCode(err) == huiqi.EInternal {
			return rep, err
		} else if err != nil {
			reject(line, err)
			continue
		}
		batch, lines = append(batch, item), append(lines, line)
		if len(batch) >= ImportApplicationsBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	err := flush()
	// A line refused by the store is reported when its batch commits, after
	// later lines refused on reading: put them back in line order.
	slices.SortStableFunc(rep.Errors, func(a, b BulkError) int { return a.Line - b.Line })
	return rep, err
}

// importRecord checks one import line and returns what to store.
func (e *Engine) importRecord(ctx context.Context, rec *HistoricalApplication, cache map[string]*policies.Policy) (huiqi.ImportedApplication, error) {
	var none huiqi.ImportedApplication
	p, err := e.importPolicy(ctx, rec.PolicyID, rec.PolicyVersion, cache)
	if err != nil {
		return none, err
	}
	code := strings.ToUpper(strings.TrimSpace(rec.CreditCode))
	if code == "" {
		return none, huiqi.FieldErrorf("credit_code", "统一社会信用代码不能为空")
	}
	if _, ok := e.Matcher.Profile(code); !ok {
		if _, err := e.DB.FindEnterprise(ctx, code); err != nil {
			return none, huiqi.WithPrefix("credit_code", err)
		}
	}
	if len(rec.Events) == 0 {
		return none, huiqi.FieldErrorf("events", "申请至少需要一个事件")
	}
	now := e.Now()
	events := make([]huiqi.Event, len(rec.Events))
	for i, re := range rec.Events {
		path := huiqi.IndexPath("events", i)
		at, err := time.Parse(time.RFC3339Nano, re.At)
		if err != nil {
			return none, huiqi.FieldErrorf(path+".at", "时间应为 RFC 3339 格式，如 2025-03-01T10:00:00+08:00，收到 %q", re.At)
		}
		ev := huiqi.Event{Type: re.Type, At: at, Actor: re.Actor, Reason: re.Reason, Note: re.Note, Amount: re.Amount}
		if ev.Actor == "" {
			ev.Actor = defaultActor(ev.Type, code, p.Department)
		}
		if err := ev.Validate(); err != nil {
			return none, huiqi.WithPrefix(path, err)
		}
		if err := ev.ValidateTime(now); err != nil {
			return none, huiqi.WithPrefix(path, err)
		}
		events[i] = ev
	}
	return huiqi.ImportedApplication{Application: newApplication(p, code), Events: events}, nil
}

// importPolicy returns the policy version an imported application ties to:
// the one named, or the latest that was published. A version never
// published (a draft) cannot have had applications.
func (e *Engine) importPolicy(ctx context.Context, id string, version int, cache map[string]*policies.Policy) (*policies.Policy, error) {
	if id == "" {
		return nil, huiqi.FieldErrorf("policy_id", "政策编号不能为空")
	}
	key := id + "@" + strconv.Itoa(version)
	if p, ok := cache[key]; ok {
		return p, nil
	}
	p, err := e.DB.FindPolicy(ctx, id, version)
	for err == nil && version == 0 && p.Status == policies.StatusDraft && p.Version > 1 {
		p, err = e.DB.FindPolicy(ctx, id, p.Version-1)
	}
	if err != nil {
		return nil, huiqi.WithPrefix("policy_id", err)
	}
	if p.Status == policies.StatusDraft {
		return nil, huiqi.FieldErrorf("policy_version", "政策 %q 第 %d 版是未发布的草稿，不可能有申请", id, p.Version)
	}
	if err := p.Validate(e.Today()); err != nil {
		return nil, fmt.Errorf("stored policy %s v%d: %w", id, p.Version, err)
	}
	cache[key] = p
	return p, nil
}

// defaultActor names who sends an event of type typ when an import does not
// say: the enterprise its own events, the system an offer, the policy's
// department the rest.
func defaultActor(typ, code, department string) string {
	switch typ {
	case huiqi.EventSubmit, huiqi.EventConfirm, huiqi.EventWithdraw:
		return "enterprise:" + code
	case huiqi.EventOffer:
		return actorSystem
	}
	return "official:" + department
}

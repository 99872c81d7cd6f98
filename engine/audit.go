package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

// ClockQuery selects the applications of the audit's clock list. Empty
// fields select everything the caller may see.
type ClockQuery struct {
	AsOf       huiqi.Date
	Status     string // a clock status such as overdue
	Department string
	PolicyID   string
}

// ClockList is a page of the audit's clock list.
type ClockList struct {
	AsOf  huiqi.Date     `json:"as_of"`
	Items []*Application `json:"items"`
	Next  *string        `json:"next"`
}

// clockStatuses are the valid values of ClockQuery.Status.
var clockStatuses = []string{
	clock.StatusNotStarted, clock.StatusOnTrack, clock.StatusAtRisk, clock.StatusOverdue,
	clock.StatusMetTarget, clock.StatusOnTime, clock.StatusLate, clock.StatusClosed,
}

// auditScope checks that the caller may read audit figures (admin, auditor,
// official) and narrows an official to its department.
func auditScope(ctx context.Context, department *string) error {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor, huiqi.RoleOfficial)
	if err != nil {
		return err
	}
	var none string
	return scope(t, department, &none)
}

// errStop ends a scan early; it never leaves this package.
var errStop = errors.New("stop scan")

// auditItem is one application of the audit as of a date.
type auditItem struct {
	a     *huiqi.ApplicationRecord
	clock clock.Clock
	state string // as of the date
}

// scanAudit calls fn with every application of q that had been opened by
// q.AsOf, with its clock and state as of then, in id order after after.
// fn returns false to stop.
func (e *Engine) scanAudit(ctx context.Context, q ClockQuery, after int64, fn func(auditItem) bool) error {
	if err := validStatus(q.Status); err != nil {
		return err
	}
	err := e.DB.ForEachApplication(ctx, huiqi.ApplicationFilter{Department: q.Department, PolicyID: q.PolicyID, AfterID: after}, true,
		func(a *huiqi.ApplicationRecord) error {
			// Applications opened after the date did not exist then.
			if len(a.Events) == 0 || huiqi.DateOf(a.Events[0].At).After(q.AsOf) {
				return nil
			}
			it := auditItem{a: a, clock: clock.Compute(e.Calendar, rules(a), a.Events, q.AsOf), state: stateAsOf(a.Events, q.AsOf)}
			if q.Status != "" && it.clock.Status != q.Status {
				return nil
			}
			if !fn(it) {
				return errStop
			}
			return nil
		})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// validStatus returns EInvalid unless status is empty or a clock status.
func validStatus(status string) error {
	if status != "" && !slices.Contains(clockStatuses, status) {
		return huiqi.FieldErrorf("status", "时限状态应为 not_started、on_track、at_risk、overdue、met_target、on_time、late、closed 之一，收到 %q", status)
	}
	return nil
}

// stateAsOf returns the state an application's events had reached by the
// end of day asOf.
func stateAsOf(events []huiqi.Event, asOf huiqi.Date) string {
	state, accepted := "", false
	for _, ev := range events {
		if huiqi.DateOf(ev.At).After(asOf) {
			break
		}
		switch ev.Type {
		case huiqi.EventSubmit:
			state = huiqi.StateSubmitted
		case huiqi.EventOffer:
			state = huiqi.StateOffered
		case huiqi.EventAccept, huiqi.EventConfirm:
			state, accepted = huiqi.StateAccepted, true
		case huiqi.EventPause:
			state = huiqi.StatePaused
		case huiqi.EventResume:
			state = huiqi.StateSubmitted
			if accepted {
				state = huiqi.StateAccepted
			}
		case huiqi.EventApprove:
			state = huiqi.StateApproved
		case huiqi.EventDisburse:
			state = huiqi.StateDisbursed
		case huiqi.EventReject:
			state = huiqi.StateRejected
		case huiqi.EventWithdraw:
			state = huiqi.StateWithdrawn
		}
	}
	return state
}

// AuditClock returns a page of the clock list: the applications opened by
// q.AsOf, in id order, with their clock and state as of then, filtered by
// clock status, department and policy (admin, auditor; an official sees its
// department's). It returns EInvalid for a bad status, limit or cursor,
// EForbidden for another department.
func (e *Engine) AuditClock(ctx context.Context, q ClockQuery, pg Page) (*ClockList, error) {
	if err := auditScope(ctx, &q.Department); err != nil {
		return nil, err
	}
	limit, after, err := pg.ids()
	if err != nil {
		return nil, err
	}
	list := &ClockList{AsOf: q.AsOf, Items: []*Application{}}
	more := false
	err = e.scanAudit(ctx, q, after, func(it auditItem) bool {
		if len(list.Items) == limit {
			more = true
			return false
		}
		v := e.viewWith(it.a, q.AsOf, it.clock, false)
		v.State = it.state // as of the date, like the clock, and so are the amounts
		events := eventsBy(it.a.Events, q.AsOf)
		v.AmountApproved, v.AmountDisbursed = huiqi.Amounts(events)
		// The clock list's events carry no notes: its review is the status.
		v.ReviewStatus, v.Review = e.reviewStatus(it.a, events, it.state), nil
		if v.AmountApproved == nil {
			v.OverEstimate = false
		}
		list.Items = append(list.Items, v)
		return true
	})
	if err != nil {
		return nil, err
	}
	if more {
		list.Next = new(encodeID(list.Items[limit-1].ID))
	}
	return list, nil
}

// Stats are the audit figures as of a date, by department or by policy.
type Stats struct {
	AsOf   huiqi.Date   `json:"as_of"`
	By     string       `json:"by"`
	Groups []StatsGroup `json:"groups"`
	Total  StatsGroup   `json:"total"` // all groups together
}

// StatsGroup holds the figures of one department or policy, as
// GET /v1/audit/stats reports them.
// Rates are fractions from 0 to 1 over the applications whose clock has
// stopped by disbursement, and null when there are none; median_days and
// p90_days are over the applications whose clock has started, null when
// none has.
type StatsGroup struct {
	Key        string   `json:"key"`
	Title      string   `json:"title,omitempty"`      // the policy's, by policy
	Department string   `json:"department,omitempty"` // the policy's, by policy
	Count      int      `json:"count"`                // applications opened by as_of
	Started    int      `json:"started"`
	OnTimeRate *float64 `json:"on_time_rate"`
	TargetRate *float64 `json:"target_rate"`
	MedianDays *int     `json:"median_days"`
	P90Days    *int     `json:"p90_days"`
	Overdue    int      `json:"overdue"`
	AtRisk     int      `json:"at_risk"`
	Funnel     Funnel   `json:"funnel"`
}

// Funnel follows enterprises from match to payout.
type Funnel struct {
	// Matched counts the enterprises recorded eligible now: the decision
	// record keeps the current verdicts only, so this stage is not as of.
	Matched int `json:"matched"`
	// Pushed counts the enterprises sent a new-match notification of the
	// policy by as_of. It is cumulative, so a match that lapsed later still
	// counts: pushed can exceed matched.
	Pushed    int `json:"pushed"`
	Applied   int `json:"applied"`   // applications opened (submit or offer)
	Accepted  int `json:"accepted"`  // whose clock has started: accept, confirm or deemed acceptance
	Disbursed int `json:"disbursed"` // paid out
	// AmountApproved is what the applications approved or paid by as_of
	// were approved for: the money reserved against the budgets.
	AmountApproved  huiqi.Money `json:"amount_approved"`
	AmountDisbursed huiqi.Money `json:"amount_disbursed"`
}

// StatsQuery selects the audit figures: as of AsOf, grouped By "department"
// (the default) or "policy", for one Department or all the caller may see.
type StatsQuery struct {
	AsOf       huiqi.Date
	By         string
	Department string
}

// AuditStats returns the audit figures of the applications opened by
// q.AsOf, with their clocks as of then (admin, auditor; an official gets
// its department's only). It returns EInvalid for a bad "by", EForbidden
// for another department.
func (e *Engine) AuditStats(ctx context.Context, q StatsQuery) (*Stats, error) {
	if err := auditScope(ctx, &q.Department); err != nil {
		return nil, err
	}
	switch q.By {
	case "":
		q.By = "department"
	case "department", "policy":
	default:
		return nil, huiqi.FieldErrorf("by", "by 应为 department 或 policy，收到 %q", q.By)
	}
	type group struct {
		StatsGroup
		clocks []clock.Clock
	}
	groups := map[string]*group{}
	get := func(key, title, department string) *group {
		g, ok := groups[key]
		if !ok {
			g = &group{StatsGroup: StatsGroup{Key: key}}
			if q.By == "policy" {
				g.Title, g.Department = title, department
			}
			groups[key] = g
		}
		return g
	}
	keyOf := func(policyID, department string) string {
		if q.By == "policy" {
			return policyID
		}
		return department
	}
	var all []clock.Clock
	var total Funnel
	err := e.scanAudit(ctx, ClockQuery{AsOf: q.AsOf, Department: q.Department}, 0, func(it auditItem) bool {
		g := get(keyOf(it.a.PolicyID, it.a.Department), it.a.PolicyTitle, it.a.Department)
		g.clocks = append(g.clocks, it.clock)
		f := &g.Funnel
		if applied(it.a.Events, q.AsOf) {
			f.Applied++
		}
		if !it.clock.AcceptedOn.IsZero() {
			f.Accepted++
		}
		// The state as of the date says whether the payout had happened then;
		// a disbursed application's amount never changes afterwards.
		if it.state == huiqi.StateDisbursed && it.a.AmountDisbursed != nil {
			f.Disbursed++
			f.AmountDisbursed += *it.a.AmountDisbursed
		}
		if approved, _ := huiqi.Amounts(eventsBy(it.a.Events, q.AsOf)); approved != nil &&
			(it.state == huiqi.StateApproved || it.state == huiqi.StateDisbursed) {
			f.AmountApproved += *approved
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	matched, err := e.DB.MatchedCounts(ctx)
	if err != nil {
		return nil, err
	}
	pushed, err := e.DB.PushedCounts(ctx, q.AsOf.AddDays(1).Time())
	if err != nil {
		return nil, err
	}
	for _, stage := range []struct {
		counts []huiqi.PolicyCount
		field  func(*Funnel) *int
	}{
		{matched, func(f *Funnel) *int { return &f.Matched }},
		{pushed, func(f *Funnel) *int { return &f.Pushed }},
	} {
		for _, m := range stage.counts {
			if q.Department == "" || m.Department == q.Department {
				*stage.field(&get(keyOf(m.PolicyID, m.Department), m.Title, m.Department).Funnel) += m.Count
			}
		}
	}

	st := &Stats{AsOf: q.AsOf, By: q.By, Groups: []StatsGroup{}}
	for _, g := range groups {
		fill(&g.StatsGroup, g.clocks)
		st.Groups = append(st.Groups, g.StatsGroup)
		all = append(all, g.clocks...)
		total.Matched += g.Funnel.Matched
		total.Pushed += g.Funnel.Pushed
		total.Applied += g.Funnel.Applied
		total.Accepted += g.Funnel.Accepted
		total.Disbursed += g.Funnel.Disbursed
		total.AmountApproved += g.Funnel.AmountApproved
		total.AmountDisbursed += g.Funnel.AmountDisbursed
	}
	slices.SortFunc(st.Groups, func(a, b StatsGroup) int { return strings.Compare(a.Key, b.Key) })
	st.Total = StatsGroup{Key: "全部", Funnel: total}
	fill(&st.Total, all)
	return st, nil
}

// applied reports whether an application counts as applied by asOf in the
// funnel: a submission does at once, a 免申即享 offer only once the
// enterprise confirms it (an offer is huiqi's push, not the enterprise's
// application).
func applied(events []huiqi.Event, asOf huiqi.Date) bool {
	if len(events) == 0 || events[0].Type != huiqi.EventOffer {
		return true
	}
	for _, ev := range eventsBy(events, asOf) {
		if ev.Type == huiqi.EventConfirm {
			return true
		}
	}
	return false
}

// fill sets a group's clock figures from its clocks.
func fill(g *StatsGroup, clocks []clock.Clock) {
	s := clock.Summarize(clocks)
	g.Count, g.Started = s.Count, s.Started
	g.OnTimeRate, g.TargetRate = s.OnTimeRate, s.TargetRate
	g.MedianDays, g.P90Days = s.MedianElapsedDays, s.P90ElapsedDays
	g.Overdue, g.AtRisk = s.Overdue, s.AtRisk
}

// eventsBy returns the events that had happened by the end of day asOf:
// those the clock of that date counts, so that the amounts shown are those
// of the same date.
func eventsBy(events []huiqi.Event, asOf huiqi.Date) []huiqi.Event {
	n := 0
	for n < len(events) && !huiqi.DateOf(events[n].At).After(asOf) {
		n++
	}
	return events[:n]
}

// Verification is the outcome of walking every application's event chain.
type Verification struct {
	// OK is true when every chain is intact.
	OK bool `json:"ok"`
	// Checked is the number of events found intact before the first break
	// (all of them when OK).
	Checked int `json:"checked"`
	// Applications is the number of applications walked.
	Applications int `json:"applications"`
	// BrokenAt is the first broken link, in id and sequence order; nil when OK.
	BrokenAt *BrokenLink `json:"broken_at"`
	// AppendOnly reports whether the database's triggers that refuse to
	// change or delete events and applications are in place. The chain is
	// verified either way; a missing trigger means someone took the guard off.
	AppendOnly    bool     `json:"append_only"`
	MissingGuards []string `json:"missing_guards,omitempty"`
}

// BrokenLink names where a chain breaks.
type BrokenLink struct {
	ApplicationID int64 `json:"application_id"`
	// Seq is the first event that fails; 0 when what fails is the
	// application record itself (removed as a whole, or disagreeing with
	// its events).
	Seq     int    `json:"seq"`
	Message string `json:"message"`
}

// VerifyChain walks every application's event chain (admin, auditor): each
// event must carry the sequence number that follows its predecessor's,
// follow the state machine, carry its predecessor's hash and its own content's
// hash, and each application's record (state, amounts, number of events,
// last hash) must agree with its events; no application may be missing.
// It names the first broken link. It returns EForbidden; other errors are
// internal.
func (e *Engine) VerifyChain(ctx context.Context) (*Verification, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor); err != nil {
		return nil, err
	}
	v := &Verification{}
	var next int64 = 1 // ids run 1, 2, … with no gaps
	facts, err := e.DB.ScanChains(ctx, func(a *huiqi.ApplicationRecord) error {
		if a.ID != next {
			v.BrokenAt = &BrokenLink{ApplicationID: next, Message: fmt.Sprintf("申请 %d 缺失：申请记录连同其事件被删除", next)}
			return errStop
		}
		next++
		v.Applications++
		n, broken := verifyApplication(a)
		v.Checked += n
		if broken != nil {
			v.BrokenAt = broken
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if v.BrokenAt == nil && facts.LastID >= next {
		v.BrokenAt = &BrokenLink{ApplicationID: next, Message: fmt.Sprintf("申请 %d 缺失：申请记录连同其事件被删除", next)}
	}
	if o := facts.Orphan; o != nil && (v.BrokenAt == nil || o[0] < v.BrokenAt.ApplicationID) {
		v.BrokenAt = &BrokenLink{ApplicationID: o[0], Seq: int(o[1]), Message: fmt.Sprintf("事件所属的申请 %d 的记录缺失", o[0])}
	}
	v.OK = v.BrokenAt == nil
	v.MissingGuards = facts.MissingGuards
	v.AppendOnly = len(facts.MissingGuards) == 0
	return v, nil
}

// verifyApplication checks one application's chain and record, and returns
// the number of events found intact and the first broken link, if any.
func verifyApplication(a *huiqi.ApplicationRecord) (int, *BrokenLink) {
	broken := func(seq int, format string, args ...any) *BrokenLink {
		return &BrokenLink{ApplicationID: a.ID, Seq: seq, Message: fmt.Sprintf(format, args...)}
	}
	if len(a.Events) == 0 {
		return 0, broken(1, "申请没有任何事件：事件被删除")
	}
	r := huiqi.Application{ID: a.ID}
	for i, ev := range a.Events {
		seq := i + 1
		switch err := r.Apply(ev); {
		case ev.Seq != seq:
			return i, broken(seq, "第 %d 个事件缺失或序号被改动（存储的下一个事件序号为 %d）", seq, ev.Seq)
		case err != nil:
			return i, broken(seq, "第 %d 个事件不合规：%s", seq, huiqi.ErrorMessage(err))
		case r.Events[i].PrevHash != ev.PrevHash:
			return i, broken(seq, "第 %d 个事件记录的上一事件哈希不符：上一事件被改动、删除或插入", seq)
		case r.Events[i].Hash != ev.Hash:
			return i, broken(seq, "第 %d 个事件的内容与其哈希不符：事件被改动", seq)
		case strings.HasPrefix(ev.Actor, "enterprise:") && ev.Actor != "enterprise:"+a.CreditCode:
			return i, broken(seq, "第 %d 个事件的操作企业与申请企业 %s 不符", seq, a.CreditCode)
		}
	}
	n := len(a.Events)
	approved, disbursed := huiqi.Amounts(a.Events)
	switch {
	case a.EventCount > n:
		return n, broken(n+1, "申请记录有 %d 个事件，现存 %d 个：末尾的事件被删除", a.EventCount, n)
	case a.EventCount < n:
		return a.EventCount, broken(a.EventCount+1, "申请记录有 %d 个事件，现存 %d 个：事件被插入", a.EventCount, n)
	case a.HeadHash != a.Events[n-1].Hash:
		return n - 1, broken(n, "最后一个事件的哈希与申请记录不符：末尾事件被替换")
	case a.State != r.State:
		return n, broken(0, "申请记录的状态为 %q，事件重放得到 %q：状态被改动", a.State, r.State)
	case !sameMoney(a.AmountApproved, approved) || !sameMoney(a.AmountDisbursed, disbursed):
		return n, broken(0, "申请记录的批准或兑现金额与事件不符：金额被改动")
	}
	return n, nil
}

func sameMoney(a, b *huiqi.Money) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

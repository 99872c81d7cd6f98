package engine

import (
	"strings"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Review statuses of an application, as the clock list and the export show
// them.
const (
	reviewNeeded = "需部门审核"
	reviewPassed = "审核通过"
	reviewFailed = "审核未通过"
)

// Finding is the last review of an application: a department's finding on
// the conditions of its policy that no profile field settles.
type Finding struct {
	Passed bool      `json:"passed"`
	Note   string    `json:"note"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// reviewLabels returns the labels of the review leaves of a condition
// tree, in tree order: the leaves a department decides by hand. The walk
// is cheap enough to repeat for every application a list shows.
func reviewLabels(c *policies.Condition) []string {
	if c == nil {
		return nil
	}
	var out []string
	if c.Review != "" {
		label := c.Label
		if label == "" {
			label = c.Review
		}
		out = append(out, label)
	}
	for _, sub := range c.All {
		out = append(out, reviewLabels(sub)...)
	}
	for _, sub := range c.Any {
		out = append(out, reviewLabels(sub)...)
	}
	return append(out, reviewLabels(c.Not)...)
}

// lastFinding returns the last review among events, nil for none.
func lastFinding(events []huiqi.Event) *Finding {
	for i := len(events) - 1; i >= 0; i-- {
		if ev := events[i]; ev.Type == huiqi.EventReview {
			return &Finding{Passed: ev.Reason == huiqi.ReviewPassed, Note: ev.Note, Actor: ev.Actor, At: ev.At.In(huiqi.Shanghai)}
		}
	}
	return nil
}

// reviewStatus returns where an application's review stands as of its
// events: "" when its policy has no review conditions, 需部门审核 until a
// finding is recorded on an open application, else the finding.
func (e *Engine) reviewStatus(a *huiqi.ApplicationRecord, events []huiqi.Event, state string) string {
	c, ok := e.Matcher.Policy(a.PolicyID)
	if !ok || len(reviewLabels(c.Policy.Eligibility)) == 0 {
		return ""
	}
	switch f := lastFinding(events); {
	case f != nil && f.Passed:
		return reviewPassed
	case f != nil:
		return reviewFailed
	case state == huiqi.StateRejected || state == huiqi.StateWithdrawn:
		return ""
	}
	return reviewNeeded
}

// checkReviewed returns EConflict when p has review conditions and the
// application's last finding is not a pass: a department approves what it
// has checked.
func checkReviewed(a *huiqi.ApplicationRecord, p *policies.Policy) error {
	labels := reviewLabels(p.Eligibility)
	if len(labels) == 0 {
		return nil
	}
	if f := lastFinding(a.Events); f == nil || !f.Passed {
		return huiqi.Errorf(huiqi.EConflict, "政策 %q 有须部门审核的条件（%s），申请 %d 须先记录审核通过（review）才能批准",
			p.ID, strings.Join(labels, "、"), a.ID)
	}
	return nil
}

// reviewEvent sets the outcome of a review from in, and refuses a passed
// on any other event: it returns EInvalid on "passed" or "reason".
func reviewEvent(ev *huiqi.Event, in EventInput) error {
	switch {
	case in.Type != huiqi.EventReview && in.Passed != nil:
		return huiqi.FieldErrorf("passed", "只有部门审核（review）事件可以注明 passed")
	case in.Type != huiqi.EventReview:
		return nil
	case in.Reason != "":
		return huiqi.FieldErrorf("reason", "部门审核以 passed 注明结论，不用 reason")
	case in.Passed == nil:
		return huiqi.FieldErrorf("passed", "部门审核须注明是否通过（passed: true 或 false）")
	}
	ev.Reason = huiqi.ReviewFailed
	if *in.Passed {
		ev.Reason = huiqi.ReviewPassed
	}
	return nil
}

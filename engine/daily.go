package engine

import (
	"context"
	"time"

	"github.com/huiqi/huiqi"
)

const dailyPassKey = "daily_pass_on"

// DailyPass re-evaluates what the calendar alone changes since the last
// pass: policies whose validity window opened or closed, and policies that
// read age_years, which grows on founding anniversaries. It runs at most
// once a day; it reports whether it ran.
func (e *Engine) DailyPass(ctx context.Context) (bool, error) {
	today := e.Today()
	last := today.AddDays(-1)
	if s, err := e.DB.GetMeta(ctx, dailyPassKey); err == nil {
		if last, err = huiqi.ParseDate(s); err != nil {
			return false, err
		}
	} else if huiqi.ErrorCode(err) != huiqi.ENotFound {
		return false, err
	}
	if !last.Before(today) {
		return false, nil
	}
	if w := e.CalendarWarning(); w != "" {
		e.Logger.Warn("statutory calendar", "warning", w, "last_covered", e.Calendar.LastCovered().String())
	}
	crossed := func(d huiqi.Date) bool { return !d.IsZero() && d.After(last) && !d.After(today) }
	for _, c := range e.Matcher.Policies() {
		p := c.Policy
		// valid_to is the last open day: the window closes the day after.
		if crossed(p.ValidFrom) || (!p.ValidTo.IsZero() && crossed(p.ValidTo.AddDays(1))) || p.DependsOnDate() {
			if err := e.refreshCurrent(ctx, p.ID); err != nil {
				return false, err
			}
		}
	}
	return true, e.DB.SetMeta(ctx, dailyPassKey, today.String())
}

// RunDaily runs DailyPass at start and then every hour (a pass does work
// only once the date has changed), reloading the operators' calendar years
// first, until ctx is done.
func (e *Engine) RunDaily(ctx context.Context) {
	for {
		// A year imported from the command line beside a running server is
		// in force within the hour.
		if err := e.loadCalendar(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("reload calendar", "err", err)
		}
		if ran, err := e.DailyPass(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("daily pass", "err", err)
		} else if ran {
			e.Logger.Info("daily pass done", "date", e.Today().String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// RematchProgress is how far a rematch has come.
type RematchProgress struct {
	Policies int `json:"policies"` // recomputed so far
	Total    int `json:"total"`    // published policies
	Eligible int `json:"eligible"` // eligible pairs recorded so far
}

// Rematch recomputes the decision record of every published policy as of
// today (admin): eligible pairs that appear are notified (and 免申即享
// offers opened) as after any change, those that lapse are dropped. It is
// for after a bulk change the engine did not see, such as a restored
// database or a payout recorded elsewhere. progress, when not nil, is
// called after each policy. It returns EForbidden; other errors are
// internal.
func (e *Engine) Rematch(ctx context.Context, progress func(RematchProgress)) (RematchProgress, error) {
	var p RematchProgress
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return p, err
	}
	list := e.Matcher.Policies()
	p.Total = len(list)
	for _, c := range list {
		if err := e.refreshCurrent(ctx, c.Policy.ID); err != nil {
			return p, err
		}
		n, err := e.DB.PolicyVerdictCount(ctx, c.Policy.ID)
		if err != nil {
			return p, err
		}
		p.Policies++
		p.Eligible += n
		if progress != nil {
			progress(p)
		}
	}
	return p, nil
}

package clock

import "github.com/huiqi/huiqi"

// Defaults of Rules: the statutory deadline and the service target, in days.
const (
	DefaultDeadlineDays = 45
	DefaultTargetDays   = 40
)

// deemedWindow is the number of working days an authority has, after a
// submission, to accept it or ask for supplements before the application
// counts as accepted anyway (行政许可法 第三十二条).
const deemedWindow = 5

// Rules are a policy's clock settings. A zero DeadlineDays or TargetDays
// takes its default; WorkingDays chooses working-day counting over calendar
// days.
type Rules struct {
	DeadlineDays int  `json:"deadline_days"`
	TargetDays   int  `json:"target_days"`
	WorkingDays  bool `json:"working_days"`
}

// Clock statuses, as the API and the officials' dashboard report them.
const (
	StatusNotStarted = "not_started"
	StatusOnTrack    = "on_track"
	StatusAtRisk     = "at_risk" // over the target, not yet over the deadline
	StatusOverdue    = "overdue" // past the deadline and not stopped
	StatusMetTarget  = "met_target"
	StatusOnTime     = "on_time" // disbursed by the deadline, over the target
	StatusLate       = "late"    // disbursed after the deadline
	StatusClosed     = "closed"  // rejected or withdrawn
)

// Clock is the redemption clock of one application as of a date. Day counts
// are calendar days, or working days under Rules.WorkingDays.
type Clock struct {
	AcceptedOn   huiqi.Date `json:"accepted_on"` // start date S, zero before the start
	DeadlineOn   huiqi.Date `json:"deadline_on"` // zero before the start
	StoppedOn    huiqi.Date `json:"stopped_on"`  // date of disburse, reject or withdraw
	ElapsedDays  int        `json:"elapsed_days"`
	PausedDays   int        `json:"paused_days"`
	DeadlineDays int        `json:"deadline_days"`
	TargetDays   int        `json:"target_days"`
	Status       string     `json:"status"`
	Deemed       bool       `json:"deemed_acceptance"`
	// CalendarProvisional marks a deadline counted through a year whose
	// holiday notice the calendar lacks: weekends only are rest days there,
	// and the deadline is recomputed once the year is added.
	CalendarProvisional bool `json:"calendar_provisional"`
}

// span is a pause from date from to date to; it pauses the days in (from, to].
type span struct{ from, to huiqi.Date }

// Compute returns the clock of an application with the given events (in
// order, as huiqi.Application.Apply keeps them) as of date asOf; events after
// asOf are ignored, so a past date gives the clock as it stood then.
//
// Once an application counts as accepted, by accept, confirm or deemed
// acceptance, its start is fixed: a later accept changes nothing, and a
// supplement notice sent after a deemed acceptance is an ordinary pause.
func Compute(cal *Calendar, r Rules, events []huiqi.Event, asOf huiqi.Date) Clock {
	if r.DeadlineDays == 0 {
		r.DeadlineDays = DefaultDeadlineDays
	}
	if r.TargetDays == 0 {
		r.TargetDays = DefaultTargetDays
	}
	c := Clock{DeadlineDays: r.DeadlineDays, TargetDays: r.TargetDays}

	var (
		start, stop, pauseFrom huiqi.Date
		stopType               string
		pauses                 []span
		// anchor is the submit or pre-acceptance resume date from which the
		// deemed acceptance window runs; zero when no window is open.
		anchor huiqi.Date
	)
	// deem starts the clock on the anchor once the window has passed by date d.
	deem := func(d huiqi.Date) {
		if start.IsZero() && !anchor.IsZero() && d.After(cal.AddWorkingDays(anchor, deemedWindow)) {
			start, c.Deemed = anchor, true
		}
	}
	for _, e := range events {
		d := huiqi.DateOf(e.At)
		if d.After(asOf) || !stop.IsZero() {
			break
		}
		deem(d)
		switch e.Type {
		case huiqi.EventSubmit:
			anchor = d
		case huiqi.EventAccept, huiqi.EventConfirm:
			if start.IsZero() {
				start = d
			}
		case huiqi.EventPause:
			if start.IsZero() {
				anchor = huiqi.Date{} // a supplement notice in time: no deemed acceptance, nothing to pause
			} else {
				pauseFrom = d
			}
		case huiqi.EventResume:
			if !pauseFrom.IsZero() {
				pauses = append(pauses, span{pauseFrom, d})
				pauseFrom = huiqi.Date{}
			} else if start.IsZero() {
				anchor = d
			}
		case huiqi.EventDisburse, huiqi.EventReject, huiqi.EventWithdraw:
			stop, stopType = d, e.Type
		}
	}
	end := asOf
	if !stop.IsZero() {
		end = stop
	} else {
		deem(asOf)
	}
	c.StoppedOn = stop
	if start.IsZero() {
		c.Status = StatusNotStarted
		if stopType == huiqi.EventReject || stopType == huiqi.EventWithdraw {
			c.Status = StatusClosed
		}
		return c
	}
	if !pauseFrom.IsZero() {
		pauses = append(pauses, span{pauseFrom, end}) // an open pause runs to the end
	}

	c.AcceptedOn = start
	if r.WorkingDays {
		for _, p := range pauses {
			c.PausedDays += cal.WorkingDaysBetween(p.from, p.to)
		}
		c.ElapsedDays = cal.WorkingDaysBetween(start, end) - c.PausedDays
		c.DeadlineOn = cal.AddWorkingDays(start, r.DeadlineDays+c.PausedDays)
	} else {
		for _, p := range pauses {
			c.PausedDays += p.to.Sub(p.from)
		}
		c.ElapsedDays = end.Sub(start) - c.PausedDays
		c.DeadlineOn = cal.NextWorkingDay(start.AddDays(r.DeadlineDays + c.PausedDays))
	}
	c.CalendarProvisional = cal.provisional(start, c.DeadlineOn)

	switch {
	case stopType == huiqi.EventDisburse && c.ElapsedDays <= r.TargetDays:
		c.Status = StatusMetTarget
	case stopType == huiqi.EventDisburse && !stop.After(c.DeadlineOn):
		c.Status = StatusOnTime
	case stopType == huiqi.EventDisburse:
		c.Status = StatusLate
	case stopType != "":
		c.Status = StatusClosed
	case asOf.After(c.DeadlineOn):
		c.Status = StatusOverdue
	case c.ElapsedDays > r.TargetDays:
		c.Status = StatusAtRisk
	default:
		c.Status = StatusOnTrack
	}
	return c
}

package clock_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

// ev returns an event of type typ at 10:00 in Shanghai on y-m-d.
func ev(typ string, y int, m time.Month, d int) huiqi.Event {
	return huiqi.Event{Type: typ, At: time.Date(y, m, d, 10, 0, 0, 0, huiqi.Shanghai)}
}

// pause returns a pause for reason at 10:00 in Shanghai on y-m-d.
func pause(reason string, y int, m time.Month, d int) huiqi.Event {
	e := ev(huiqi.EventPause, y, m, d)
	e.Reason, e.Note = reason, "书面告知"
	return e
}

// dateEqual lets cmp compare huiqi.Date, whose fields are unexported.
var dateEqual = cmp.Comparer(func(a, b huiqi.Date) bool { return a == b })

const (
	submit   = huiqi.EventSubmit
	offer    = huiqi.EventOffer
	confirm  = huiqi.EventConfirm
	accept   = huiqi.EventAccept
	resume   = huiqi.EventResume
	approve  = huiqi.EventApprove
	disburse = huiqi.EventDisburse
	reject   = huiqi.EventReject
	withdraw = huiqi.EventWithdraw
)

// Every expectation below was worked out by hand from the 2024/2025 State
// Council holiday notices; the comments show the arithmetic. "S" is the start
// date, "+N" counts calendar days.
func TestCompute(t *testing.T) {
	// A case without rules gets the defaults: calendar days, a 45-day
	// deadline and a 40-day target.
	workingDays := clock.Rules{WorkingDays: true}
	type c = clock.Clock

	tests := []struct {
		name   string
		rules  clock.Rules
		events []huiqi.Event
		asOf   huiqi.Date
		want   clock.Clock
	}{
		{
			// S 07-03 (Wed). Elapsed 07-31 − 07-03 = 28.
			// Deadline 07-03 + 45 = 08-17, a Saturday → Monday 08-19.
			name:   "DeadlineOnSaturday",
			events: []huiqi.Event{ev(submit, 2024, 7, 3), ev(accept, 2024, 7, 3)},
			asOf:   day(2024, 7, 31),
			want: c{AcceptedOn: day(2024, 7, 3), DeadlineOn: day(2024, 8, 19), ElapsedDays: 28,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// S 07-04 (Thu). Elapsed 31 − 4 = 27.
			// Deadline 07-04 + 45 = 08-18, a Sunday → Monday 08-19.
			name:   "DeadlineOnSunday",
			events: []huiqi.Event{ev(submit, 2024, 7, 4), ev(accept, 2024, 7, 4)},
			asOf:   day(2024, 7, 31),
			want: c{AcceptedOn: day(2024, 7, 4), DeadlineOn: day(2024, 8, 19), ElapsedDays: 27,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// S 08-19. Deadline 08-19 + 45 = 08-31 (+12) → 09-30 (+42) →
			// 10-03 (+45), National Day (10-01..07 off) → 10-08.
			// Elapsed as of 10-08: 12 + 30 + 8 = 50 > 40, and 10-08 is not
			// after the deadline: at risk, not overdue.
			name:   "DeadlineOnNationalDay",
			events: []huiqi.Event{ev(submit, 2024, 8, 19), ev(accept, 2024, 8, 19)},
			asOf:   day(2024, 10, 8),
			want: c{AcceptedOn: day(2024, 8, 19), DeadlineOn: day(2024, 10, 8), ElapsedDays: 50,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusAtRisk},
		},
		{
			// S 2024-12-16. Deadline 12-16 + 45 = 12-31 (+15) → 2025-01-30
			// (+45), Spring Festival (01-28..02-04 off) → 02-05.
			// Elapsed as of 02-06: 15 + 31 + 6 = 52; 02-06 > 02-05: overdue.
			name:   "DeadlineInSpringFestival",
			events: []huiqi.Event{ev(submit, 2024, 12, 16), ev(accept, 2024, 12, 16)},
			asOf:   day(2025, 2, 6),
			want: c{AcceptedOn: day(2024, 12, 16), DeadlineOn: day(2025, 2, 5), ElapsedDays: 52,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOverdue},
		},
		{
			// S 08-28. Deadline 08-28 + 45 = 08-31 (+3) → 09-30 (+33) →
			// 10-12 (+45): a Saturday, but worked (调休), so it stays.
			// As of Sunday 10-13: elapsed 3 + 30 + 13 = 46, past the deadline.
			name:   "DeadlineOnWorkedSaturday",
			events: []huiqi.Event{ev(submit, 2024, 8, 28), ev(accept, 2024, 8, 28)},
			asOf:   day(2024, 10, 13),
			want: c{AcceptedOn: day(2024, 8, 28), DeadlineOn: day(2024, 10, 12), ElapsedDays: 46,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOverdue},
		},
		{
			// S 09-02. Pause 09-27 → resume 10-09: 3 + 9 = 12 days, the
			// holiday included (calendar days count everything).
			// Elapsed 10-15 − 09-02 = 28 + 15 = 43, − 12 = 31.
			// Deadline 09-02 + 45 + 12 = 09-02 + 57 = 09-30 (+28) → 10-29 (+57), a Tuesday.
			name: "PauseOverNationalDay",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 2),
				pause(huiqi.PauseExpertReview, 2024, 9, 27), ev(resume, 2024, 10, 9)},
			asOf: day(2024, 10, 15),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 10, 29), ElapsedDays: 31, PausedDays: 12,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// The same events counted in working days.
			// Paused: working days in (09-27, 10-09] = 09-29 (worked Sunday),
			// 09-30, 10-08, 10-09 = 4.
			// Working days in (09-02, 10-15]: 09-03..06 (4), 09-09..13 (9),
			// 09-14 worked Saturday (10), 09-15..17 Mid-Autumn off, 09-18..20
			// (13), 09-23..27 (18), 09-29, 09-30 (20), 10-01..07 off, 10-08..11
			// (24), 10-12 worked Saturday (25), 10-14, 10-15 (27). Elapsed 27 − 4 = 23.
			// Deadline: the 45 + 4 = 49th working day after 09-02: 27 at 10-15,
			// 10-16..18 (30), 10-21..25 (35), 10-28..11-01 (40),
			// 11-04..08 (45), 11-11, 12, 13, 14 (49) → 11-14.
			name:  "PauseOverNationalDayWorkingDays",
			rules: workingDays,
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 2),
				pause(huiqi.PauseExpertReview, 2024, 9, 27), ev(resume, 2024, 10, 9)},
			asOf: day(2024, 10, 15),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 11, 14), ElapsedDays: 23, PausedDays: 4,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// S 2025-01-02 (Thu), working days.
			// Working days in (01-02, 02-10]: 01-03 (1), 01-06..10 (6),
			// 01-13..17 (11), 01-20..24 (16), 01-26 worked Sunday, 01-27 (18),
			// 01-28..02-04 off, 02-05..07 (21), 02-08 worked Saturday (22),
			// 02-10 (23). Elapsed 23.
			// Deadline, the 45th: 02-11..14 (27), 02-17..21 (32), 02-24..28
			// (37), 03-03..07 (42), 03-10, 11, 12 (45) → 03-12.
			name:   "WorkingDaysOverSpringFestival",
			rules:  workingDays,
			events: []huiqi.Event{ev(submit, 2025, 1, 2), ev(accept, 2025, 1, 2)},
			asOf:   day(2025, 2, 10),
			want: c{AcceptedOn: day(2025, 1, 2), DeadlineOn: day(2025, 3, 12), ElapsedDays: 23,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// S 09-02. Open pause from 09-20 runs to asOf 10-10: 10 + 10 = 20.
			// Elapsed (28 + 10) − 20 = 18.
			// Deadline 09-02 + 45 + 20 = 09-02 + 65 = 09-30 (+28) → 10-31
			// (+59) → 11-06 (+65), a Wednesday.
			name: "OpenPause",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 2),
				pause(huiqi.PauseInspection, 2024, 9, 20)},
			asOf: day(2024, 10, 10),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 11, 6), ElapsedDays: 18, PausedDays: 20,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// As OpenPause, but rejected on 10-10 while paused: the pause
			// runs to the stop date, not to asOf 10-31.
			name: "OpenPauseThenRejected",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 2),
				pause(huiqi.PauseInspection, 2024, 9, 20), ev(reject, 2024, 10, 10)},
			asOf: day(2024, 10, 31),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 11, 6), StoppedOn: day(2024, 10, 10),
				ElapsedDays: 18, PausedDays: 20, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusClosed},
		},
		{
			// Submit 09-02; supplement notice 09-04, inside the window
			// (09-02, 09-09]; resume 09-10 opens a new window (09-10, 09-18]
			// (09-11, 12, 13, 14 worked Saturday, 15..17 off, 18); accept 09-12
			// is inside it. S 09-12, the pre-acceptance pause pauses nothing.
			// Elapsed 10-08 − 09-12 = 18 + 8 = 26.
			// Deadline 09-12 + 45 = 09-30 (+18) → 10-27 (+45), a Sunday → 10-28.
			name: "SupplementBeforeAcceptance",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 4),
				ev(resume, 2024, 9, 10), ev(accept, 2024, 9, 12)},
			asOf: day(2024, 10, 8),
			want: c{AcceptedOn: day(2024, 9, 12), DeadlineOn: day(2024, 10, 28), ElapsedDays: 26,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// Supplement notice sent, materials never handed in: the clock
			// never starts and no acceptance is deemed.
			name:   "SupplementNeverResumed",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 4)},
			asOf:   day(2024, 12, 31),
			want:   c{DeadlineDays: 45, TargetDays: 40, Status: clock.StatusNotStarted},
		},
		{
			// Submit Monday 09-02: window (09-02, 09-09] (09-03..06, 09-09).
			// Accept 09-12 is late: deemed accepted on 09-02.
			// Elapsed 09-30 − 09-02 = 28. Deadline 09-02 + 45 = 10-17, a Thursday.
			name:   "LateAcceptanceDeemed",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 12)},
			asOf:   day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 10, 17), ElapsedDays: 28,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack, Deemed: true},
		},
		{
			// Accept on 09-09, the 5th working day: in time. S 09-09.
			// Elapsed 30 − 9 = 21. Deadline 09-09 + 45 = 09-30 (+21) → 10-24 (+45), a Thursday.
			name:   "AcceptOnLastDayOfWindow",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 9)},
			asOf:   day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 9), DeadlineOn: day(2024, 10, 24), ElapsedDays: 21,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// Never accepted, as of 09-09, the window's last day: not yet deemed.
			name:   "NeverAcceptedWindowOpen",
			events: []huiqi.Event{ev(submit, 2024, 9, 2)},
			asOf:   day(2024, 9, 9),
			want:   c{DeadlineDays: 45, TargetDays: 40, Status: clock.StatusNotStarted},
		},
		{
			// Never accepted, as of 09-10: deemed accepted on 09-02.
			// Elapsed 10 − 2 = 8. Deadline 09-02 + 45 = 10-17.
			name:   "NeverAcceptedDeemed",
			events: []huiqi.Event{ev(submit, 2024, 9, 2)},
			asOf:   day(2024, 9, 10),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 10, 17), ElapsedDays: 8,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack, Deemed: true},
		},
		{
			// Supplement 09-03, resume Tuesday 09-10: the window restarts,
			// (09-10, 09-18] (09-11, 12, 13, 14 worked Saturday, 15..17
			// Mid-Autumn off, 18). As of 09-18 it is still open.
			name: "DeemedFromResumeWindowOpen",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 3),
				ev(resume, 2024, 9, 10)},
			asOf: day(2024, 9, 18),
			want: c{DeadlineDays: 45, TargetDays: 40, Status: clock.StatusNotStarted},
		},
		{
			// As above, as of 09-19: deemed accepted on the resume date 09-10.
			// Elapsed 19 − 10 = 9. Deadline 09-10 + 45 = 09-30 (+20) → 10-25 (+45), a Friday.
			name: "DeemedFromResume",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 3),
				ev(resume, 2024, 9, 10)},
			asOf: day(2024, 9, 19),
			want: c{AcceptedOn: day(2024, 9, 10), DeadlineOn: day(2024, 10, 25), ElapsedDays: 9,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack, Deemed: true},
		},
		{
			// As above with a late accept on 09-19: the start stays 09-10.
			// Elapsed 30 − 10 = 20.
			name: "DeemedFromResumeThenAccepted",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 3),
				ev(resume, 2024, 9, 10), ev(accept, 2024, 9, 19)},
			asOf: day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 10), DeadlineOn: day(2024, 10, 25), ElapsedDays: 20,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack, Deemed: true},
		},
		{
			// Supplement notice on 09-11, after the window (09-02, 09-09]:
			// too late to hold the clock back, deemed from 09-02, and the
			// notice is an ordinary pause: 09-11 → 09-20 = 9 days.
			// Elapsed 28 − 9 = 19. Deadline 09-02 + 45 + 9 = 09-02 + 54 =
			// 09-30 (+28) → 10-26 (+54), a Saturday → Monday 10-28.
			name: "SupplementAfterDeemedAcceptance",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), pause(huiqi.PauseSupplement, 2024, 9, 11),
				ev(resume, 2024, 9, 20)},
			asOf: day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 10, 28), ElapsedDays: 19, PausedDays: 9,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack, Deemed: true},
		},
		{
			// Offers are confirmed by the enterprise: no deemed acceptance
			// however long it waits. S 09-20. Elapsed 10.
			// Deadline 09-20 + 45 = 09-30 (+10) → 10-31 (+41) → 11-04 (+45), a Monday.
			name:   "OfferConfirmed",
			events: []huiqi.Event{ev(offer, 2024, 9, 2), ev(confirm, 2024, 9, 20)},
			asOf:   day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 20), DeadlineOn: day(2024, 11, 4), ElapsedDays: 10,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			name:   "OfferNotConfirmed",
			events: []huiqi.Event{ev(offer, 2024, 9, 2)},
			asOf:   day(2024, 12, 31),
			want:   c{DeadlineDays: 45, TargetDays: 40, Status: clock.StatusNotStarted},
		},
		{
			// Accepted at 00:30 in Shanghai, still 08-31 in UTC: S is the
			// Shanghai date 09-01. Elapsed 29. Deadline 09-01 + 45 = 10-16, a Wednesday.
			name: "DateInShanghai",
			events: []huiqi.Event{
				{Type: submit, At: time.Date(2024, 8, 31, 15, 0, 0, 0, time.UTC)},
				{Type: accept, At: time.Date(2024, 8, 31, 16, 30, 0, 0, time.UTC)},
			},
			asOf: day(2024, 9, 30),
			want: c{AcceptedOn: day(2024, 9, 1), DeadlineOn: day(2024, 10, 16), ElapsedDays: 29,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},

		// Boundaries, all from S 2024-03-01 (Fri). Deadline 03-01 + 45 =
		// 03-31 (+30) → 04-15 (+45), a Monday (Qingming 04-04..06 is earlier).
		{
			// Elapsed 30 + 10 = 40 = target: on track.
			name:   "ElapsedAtTarget",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1)},
			asOf:   day(2024, 4, 10),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), ElapsedDays: 40,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTrack},
		},
		{
			// Elapsed 41 = target + 1: at risk.
			name:   "ElapsedOverTarget",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1)},
			asOf:   day(2024, 4, 11),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), ElapsedDays: 41,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusAtRisk},
		},
		{
			// As of the deadline day itself, elapsed 45: not overdue.
			name:   "AsOfDeadline",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1)},
			asOf:   day(2024, 4, 15),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), ElapsedDays: 45,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusAtRisk},
		},
		{
			// The day after the deadline, elapsed 46: overdue.
			name:   "AsOfDayAfterDeadline",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1)},
			asOf:   day(2024, 4, 16),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), ElapsedDays: 46,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOverdue},
		},
		{
			// Disbursed 04-10, elapsed 40 ≤ 40: met the target.
			name: "MetTarget",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1),
				ev(approve, 2024, 4, 8), ev(disburse, 2024, 4, 10)},
			asOf: day(2024, 6, 30),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), StoppedOn: day(2024, 4, 10),
				ElapsedDays: 40, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusMetTarget},
		},
		{
			// Disbursed on the deadline day 04-15, elapsed 45: on time.
			name: "DisbursedOnDeadline",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1),
				ev(approve, 2024, 4, 12), ev(disburse, 2024, 4, 15)},
			asOf: day(2024, 6, 30),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), StoppedOn: day(2024, 4, 15),
				ElapsedDays: 45, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusOnTime},
		},
		{
			// Disbursed 04-16, the day after the deadline, elapsed 46: late.
			name: "DisbursedDayAfterDeadline",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1),
				ev(approve, 2024, 4, 12), ev(disburse, 2024, 4, 16)},
			asOf: day(2024, 6, 30),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), StoppedOn: day(2024, 4, 16),
				ElapsedDays: 46, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusLate},
		},
		{
			// As of 04-11 the disbursement of 04-15 has not happened yet:
			// elapsed 41, at risk, no stop date.
			name: "AsOfBeforeDisbursement",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1),
				ev(approve, 2024, 4, 8), ev(disburse, 2024, 4, 15)},
			asOf: day(2024, 4, 11),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), ElapsedDays: 41,
				DeadlineDays: 45, TargetDays: 40, Status: clock.StatusAtRisk},
		},
		{
			// Rejected 03-20: elapsed 19, closed.
			name:   "Rejected",
			events: []huiqi.Event{ev(submit, 2024, 3, 1), ev(accept, 2024, 3, 1), ev(reject, 2024, 3, 20)},
			asOf:   day(2024, 6, 30),
			want: c{AcceptedOn: day(2024, 3, 1), DeadlineOn: day(2024, 4, 15), StoppedOn: day(2024, 3, 20),
				ElapsedDays: 19, DeadlineDays: 45, TargetDays: 40, Status: clock.StatusClosed},
		},
		{
			// Withdrawn inside the acceptance window: never started, closed.
			name:   "WithdrawnBeforeStart",
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(withdraw, 2024, 9, 4)},
			asOf:   day(2024, 12, 31),
			want: c{StoppedOn: day(2024, 9, 4), DeadlineDays: 45, TargetDays: 40,
				Status: clock.StatusClosed},
		},
		{
			// 10-day deadline, 5-day target. S 09-02. Elapsed 8 > 5.
			// Deadline 09-02 + 10 = 09-12, a Thursday.
			name:   "CustomRules",
			rules:  clock.Rules{DeadlineDays: 10, TargetDays: 5},
			events: []huiqi.Event{ev(submit, 2024, 9, 2), ev(accept, 2024, 9, 2)},
			asOf:   day(2024, 9, 10),
			want: c{AcceptedOn: day(2024, 9, 2), DeadlineOn: day(2024, 9, 12), ElapsedDays: 8,
				DeadlineDays: 10, TargetDays: 5, Status: clock.StatusAtRisk},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clock.Compute(clock.Default(), tt.rules, tt.events, tt.asOf)
			if diff := cmp.Diff(tt.want, got, dateEqual); diff != "" {
				t.Errorf("Compute(%s) mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

package clock_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

func ptr[T any](v T) *T { return &v }

// started returns a clock started on 2024-09-02 with the given elapsed days
// and status.
func started(elapsed int, status string) clock.Clock {
	return clock.Clock{AcceptedOn: huiqi.NewDate(2024, 9, 2), ElapsedDays: elapsed, Status: status}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name   string
		clocks []clock.Clock
		want   clock.Summary
	}{
		{
			name: "Empty",
			want: clock.Summary{},
		},
		{
			name:   "NotStartedOnly",
			clocks: []clock.Clock{{Status: clock.StatusNotStarted}, {Status: clock.StatusClosed}},
			want:   clock.Summary{Count: 2},
		},
		{
			// Started, sorted: 5 10 30 42 44 46 50 (n = 7).
			// Median: rank ⌈0.5 × 7⌉ = 4 → 42. P90: rank ⌈0.9 × 7⌉ = 7 → 50.
			// Disbursed: met_target, on_time, late = 3; on time 2/3, target 1/3.
			name: "Mixed",
			clocks: []clock.Clock{
				started(30, clock.StatusMetTarget),
				started(44, clock.StatusOnTime),
				started(50, clock.StatusLate),
				started(46, clock.StatusOverdue),
				started(42, clock.StatusAtRisk),
				started(10, clock.StatusOnTrack),
				started(5, clock.StatusClosed),
				{Status: clock.StatusNotStarted},
				{Status: clock.StatusClosed},
			},
			want: clock.Summary{
				Count: 9, Started: 7, MedianElapsedDays: ptr(42), P90ElapsedDays: ptr(50),
				Disbursed: 3, OnTimeRate: ptr(2.0 / 3), TargetRate: ptr(1.0 / 3),
				Overdue: 1, AtRisk: 1,
			},
		},
		{
			// Sorted 1 2 3 4: median rank ⌈2⌉ = 2 → 2 (the lower middle, no
			// averaging); p90 rank ⌈3.6⌉ = 4 → 4.
			name: "EvenCount",
			clocks: []clock.Clock{
				started(4, clock.StatusOnTrack), started(1, clock.StatusOnTrack),
				started(3, clock.StatusOnTrack), started(2, clock.StatusOnTrack),
			},
			want: clock.Summary{Count: 4, Started: 4, MedianElapsedDays: ptr(2), P90ElapsedDays: ptr(4)},
		},
		{
			// 1..10: p90 rank ⌈9⌉ = 9 → 9; median rank 5 → 5.
			name: "Ten",
			clocks: func() []clock.Clock {
				var cs []clock.Clock
				for i := 10; i >= 1; i-- {
					cs = append(cs, started(i, clock.StatusMetTarget))
				}
				return cs
			}(),
			want: clock.Summary{Count: 10, Started: 10, MedianElapsedDays: ptr(5), P90ElapsedDays: ptr(9),
				Disbursed: 10, OnTimeRate: ptr(1.0), TargetRate: ptr(1.0)},
		},
		{
			name:   "AllLate",
			clocks: []clock.Clock{started(60, clock.StatusLate)},
			want: clock.Summary{Count: 1, Started: 1, MedianElapsedDays: ptr(60), P90ElapsedDays: ptr(60),
				Disbursed: 1, OnTimeRate: ptr(0.0), TargetRate: ptr(0.0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clock.Summarize(tt.clocks)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Summarize(%s) mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

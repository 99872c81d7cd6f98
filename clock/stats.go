package clock

import "slices"

// Summary holds the audit figures over many clocks. A figure with nothing to
// measure is nil (JSON null) rather than zero or NaN, so that "no data" is
// not mistaken for "0%".
type Summary struct {
	Count             int      `json:"count"`
	Started           int      `json:"started"` // clocks with a start date: the population of the elapsed figures
	MedianElapsedDays *int     `json:"median_elapsed_days"`
	P90ElapsedDays    *int     `json:"p90_elapsed_days"`
	Disbursed         int      `json:"disbursed"` // met_target + on_time + late: the population of the rates
	OnTimeRate        *float64 `json:"on_time_rate"`
	TargetRate        *float64 `json:"target_rate"`
	Overdue           int      `json:"overdue"`
	AtRisk            int      `json:"at_risk"`
}

// Summarize returns the audit figures over clocks. The elapsed-day
// percentiles are taken over every started clock, running or stopped; the
// rates over the clocks stopped by disbursement: on_time_rate =
// (met_target + on_time) / disbursed, target_rate = met_target / disbursed,
// as fractions from 0 to 1.
func Summarize(clocks []Clock) Summary {
	s := Summary{Count: len(clocks)}
	var elapsed []int
	var onTime, met int
	for _, c := range clocks {
		if !c.AcceptedOn.IsZero() {
			elapsed = append(elapsed, c.ElapsedDays)
		}
		switch c.Status {
		case StatusMetTarget:
			met++
			onTime++
			s.Disbursed++
		case StatusOnTime:
			onTime++
			s.Disbursed++
		case StatusLate:
			s.Disbursed++
		case StatusOverdue:
			s.Overdue++
		case StatusAtRisk:
			s.AtRisk++
		}
	}
	s.Started = len(elapsed)
	if len(elapsed) > 0 {
		slices.Sort(elapsed)
		s.MedianElapsedDays = ptr(nearestRank(elapsed, 50))
		s.P90ElapsedDays = ptr(nearestRank(elapsed, 90))
	}
	if s.Disbursed > 0 {
		s.OnTimeRate = ptr(float64(onTime) / float64(s.Disbursed))
		s.TargetRate = ptr(float64(met) / float64(s.Disbursed))
	}
	return s
}

// nearestRank returns the p-th percentile of the sorted, non-empty xs by the
// nearest-rank method: the value at rank ⌈p/100 × n⌉ (counting from 1). It
// is always an observed value, so the median of an even count is the lower
// middle one rather than an average.
func nearestRank(xs []int, p int) int {
	rank := (p*len(xs) + 99) / 100
	return xs[max(rank, 1)-1]
}

func ptr[T any](v T) *T { return &v }

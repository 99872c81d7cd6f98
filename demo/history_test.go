package demo_test

import (
	"testing"

	"github.com/huiqi/huiqi/demo"
)

// TestEnterprises_History checks the generated history against the rates
// the generator means: most firms with three fiscal years ending last
// year, the latest agreeing with the top level, most term-certified tags
// dated and in force, incidents rare.
func TestEnterprises_History(t *testing.T) {
	const n = 5000
	es := demo.Enterprises(n, 3, today)
	var three, some, dated, datedInForce, hightech, incidents, output, industrial int
	for i, e := range es {
		if err := e.Validate(today, false); err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		if latest, ok := e.LatestFiscalYear(); ok {
			some++
			if latest != today.Year()-1 {
				t.Errorf("profile %d: latest fiscal year %d, want %d", i, latest, today.Year()-1)
			}
			if e.FiscalYears.Len() == 3 {
				three++
			}
			if rev, _ := e.YearFigure("revenue", latest); e.Revenue == nil || rev != int64(*e.Revenue) {
				t.Errorf("profile %d: latest revenue %d, top level %v", i, rev, e.Revenue)
			}
			if e.Industry[0] == 'C' {
				industrial++
				if _, ok := e.YearFigure("output_value", latest); ok {
					output++
				}
			}
		}
		if e.HasTag("hightech") {
			hightech++
			if _, ok := e.LatestGrant("hightech", today); ok {
				dated++
				if _, ok := e.QualificationOn("hightech", today); ok {
					datedInForce++
				}
			}
		}
		incidents += len(e.Incidents)
	}
	for _, c := range []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"share with history", float64(some) / n, 0.75, 0.95},
		{"share with three years", float64(three) / float64(some), 0.6, 0.9},
		{"hightech dated", float64(dated) / float64(hightech), 0.7, 0.9},
		{"dated hightech in force", float64(datedInForce) / float64(dated), 1, 1},
		{"manufacturers with output value", float64(output) / float64(industrial), 1, 1},
		{"incidents per firm", float64(incidents) / n, 0.005, 0.06},
	} {
		t.Logf("%s = %.3f", c.name, c.got)
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s = %.3f, want %.3f to %.3f", c.name, c.got, c.lo, c.hi)
		}
	}
}

package demo_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

func TestPolicies(t *testing.T) {
	today := huiqi.NewDate(2026, 11, 25)
	a, b := demo.Policies(200, 3, today), demo.Policies(200, 3, today)
	if diff := cmp.Diff(a, b, cmp.Comparer(func(x, y huiqi.Date) bool { return x == y })); diff != "" {
		t.Fatalf("Policies not deterministic (-first +second):\n%s", diff)
	}
	// The mix must span selective and broad rules over a realistic population.
	es := demo.Enterprises(3000, 1, today)
	var reach []int
	for _, p := range a {
		c := matcher.Compile(p)
		n := 0
		for _, e := range es {
			if c.Eligible(matcher.NewProfile(e), today) {
				n++
			}
		}
		reach = append(reach, n)
	}
	var none, broad int
	for _, n := range reach {
		if n == 0 {
			none++
		}
		if n > len(es)/5 {
			broad++
		}
	}
	if broad == 0 || none == len(reach) || none > len(reach)/2 {
		t.Errorf("reach of 200 policies over 3000 profiles: %d broad (>20%%), %d matching none; want a spread", broad, none)
	}
	t.Logf("reach: %d broad, %d none", broad, none)
}

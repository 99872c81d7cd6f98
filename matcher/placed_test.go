package matcher_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

// TestMatcher_PutProfilesPlaced loads profiles out of credit code order with
// their places, right or wrong, and checks that every policy's hits come as
// from a matcher given the same profiles by PutProfiles: in code order,
// whatever the places said.
func TestMatcher_PutProfilesPlaced(t *testing.T) {
	es := demo.Enterprises(3000, 4, today) // random codes
	pols := demo.Policies(20, 4, today)
	byCode := slices.Clone(es)
	slices.SortFunc(byCode, func(a, b *huiqi.Enterprise) int { return strings.Compare(a.CreditCode, b.CreditCode) })
	place := map[string]int{}
	for i, e := range byCode {
		place[e.CreditCode] = i
	}
	right := func(es []*huiqi.Enterprise) []int {
		ps := make([]int, len(es))
		for i, e := range es {
			ps[i] = place[e.CreditCode]
		}
		return ps
	}
	want := matcher.New()
	want.PutProfiles(es...)
	for _, tc := range []struct {
		name string
		load func(m *matcher.Matcher)
	}{
		{"Right", func(m *matcher.Matcher) {
			m.Grow(len(es))
			for i := 0; i < len(es); i += 700 {
				batch := es[i:min(i+700, len(es))]
				m.PutProfilesPlaced(right(batch), batch)
			}
		}},
		{"Reversed", func(m *matcher.Matcher) {
			ps := right(es)
			for i := range ps {
				ps[i] = len(es) - 1 - ps[i]
			}
			m.PutProfilesPlaced(ps, es)
		}},
		{"Twice", func(m *matcher.Matcher) {
			ps := right(es)
			ps[1] = ps[0]
			m.PutProfilesPlaced(ps, es)
		}},
		{"OneMissing", func(m *matcher.Matcher) {
			ps := right(es)
			m.PutProfilesPlaced(ps[1:], es[1:])
			m.PutProfiles(es[0])
		}},
		{"PutAgain", func(m *matcher.Matcher) {
			m.Grow(10) // fewer than come
			m.PutProfilesPlaced(right(es), es)
			m.PutProfilesPlaced(right(es[:10]), es[:10])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := matcher.New()
			tc.load(m)
			m.Prepare(today)
			for _, p := range pols {
				c := matcher.Compile(p)
				want.PutPolicy(c)
				m.PutPolicy(c)
				if diff := cmp.Diff(want.MatchPolicy(c, today, true), m.MatchPolicy(c, today, true)); diff != "" {
					t.Errorf("MatchPolicy(%s) (-PutProfiles +PutProfilesPlaced):\n%s", p.ID, diff)
				}
			}
		})
	}
}

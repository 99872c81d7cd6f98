package matcher_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

// TestMatcher_Concurrent runs every kind of use of a Matcher at once, so
// that go test -race sees the lazily built parts (the code order, the policy
// indexes) shared safely.
func TestMatcher_Concurrent(t *testing.T) {
	es := demo.Enterprises(2000, 9, today)
	pols := demo.Policies(60, 9, today)
	m := matcher.New()
	m.PutProfiles(es[:500]...)
	for _, p := range pols[:30] {
		m.PutPolicy(matcher.Compile(p))
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 500; i < len(es); i += 100 {
			m.PutProfiles(es[i : i+100]...)
			m.PutProfiles(es[i-500 : i-450]...) // changes of stored profiles
		}
	})
	wg.Go(func() {
		for _, p := range pols[30:] {
			m.PutPolicy(matcher.Compile(p))
		}
		m.RemovePolicy(pols[0].ID)
	})
	for w := range 3 {
		wg.Go(func() {
			for i := range 40 {
				c := matcher.Compile(pols[(i+w)%len(pols)])
				m.MatchPolicy(c, today, i%2 == 0)
				p, ok := m.Profile(es[(i*37+w)%500].CreditCode)
				if !ok {
					panic(fmt.Sprintf("profile %d missing", i))
				}
				m.MatchProfile(p, today.AddDays(i%3), true)
				m.Decide(p, today)
				m.RematchAll(today, 2)
			}
		})
	}
	wg.Wait()
}

package matcher_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

// TestMatcher_Concurrent runs every kind of use of a Matcher at once, so
// that go test -race sees the lazily built parts (the code order, the policy
// indexes) shared safely. The writers only add profiles and policies (and
// take one policy away), so every answer read meanwhile lies between what a
// matcher of the start and one of the end give; once they are done, the
// matcher answers exactly as one built in a single goroutine.
func TestMatcher_Concurrent(t *testing.T) {
	es := demo.Enterprises(2000, 9, today)
	pols := demo.Policies(60, 9, today)
	compiled := make([]*matcher.Compiled, len(pols))
	for i, p := range pols {
		compiled[i] = matcher.Compile(p)
	}
	build := func(es []*huiqi.Enterprise, cs []*matcher.Compiled) *matcher.Matcher {
		m := matcher.New()
		m.PutProfiles(es...)
		for _, c := range cs {
			m.PutPolicy(c)
		}
		return m
	}
	// first holds what the matcher holds from start to end: the first 500
	// profiles and policies 1 to 29. all holds everything ever put.
	first, all := build(es[:500], compiled[1:30]), build(es, compiled)

	m := build(es[:500], compiled[:30])
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 500; i < len(es); i += 100 {
			m.PutProfiles(es[i : i+100]...)
			m.PutProfiles(es[i-500 : i-450]...) // stored profiles put again
		}
	})
	wg.Go(func() {
		for _, c := range compiled[30:] {
			m.PutPolicy(c)
		}
		m.RemovePolicy(pols[0].ID)
	})
	errs := make(chan string, 3*40*3)
	for w := range 3 {
		wg.Go(func() {
			for i := range 40 {
				c := compiled[(i+w)%len(pols)]
				got := hitCodes(m.MatchPolicy(c, today, i%2 == 0).Hits)
				if lo, hi := hitCodes(first.MatchPolicy(c, today, false).Hits), hitCodes(all.MatchPolicy(c, today, false).Hits); !between(lo, got, hi) {
					errs <- fmt.Sprintf("MatchPolicy(%s) = %d hits, not between the %d of the start and the %d of the end", c.Policy.ID, len(got), len(lo), len(hi))
				}
				code := es[(i*37+w)%500].CreditCode
				p, ok := m.Profile(code)
				if !ok {
					errs <- fmt.Sprintf("profile %s, stored from the start, missing", code)
					continue
				}
				m.MatchProfile(p, today.AddDays(i%3), true)
				got = decided(m.Decide(p, today))
				if lo, hi := decided(first.Decide(p, today)), decided(all.Decide(p, today)); !between(lo, got, hi) {
					errs <- fmt.Sprintf("Decide(%s) = %v, not between %v and %v", code, keys(got), keys(lo), keys(hi))
				}
				m.RematchAll(today, 2)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	want := build(es, compiled[1:])
	if got := m.ProfileCount(); got != len(es) {
		t.Errorf("ProfileCount = %d, want %d", got, len(es))
	}
	if _, ok := m.Policy(pols[0].ID); ok {
		t.Errorf("policy %s is still there after RemovePolicy", pols[0].ID)
	}
	if diff := cmp.Diff(want.RematchAll(today, 2), m.RematchAll(today, 2)); diff != "" {
		t.Errorf("RematchAll after the writers (-built in one goroutine +built concurrently):\n%s", diff)
	}
	for _, c := range compiled[1:] {
		if diff := cmp.Diff(want.MatchPolicy(c, today, true), m.MatchPolicy(c, today, true)); diff != "" {
			t.Errorf("MatchPolicy(%s) after the writers (-one goroutine +concurrent):\n%s", c.Policy.ID, diff)
		}
	}
	for _, e := range es[:100] {
		p, _ := m.Profile(e.CreditCode)
		wp, _ := want.Profile(e.CreditCode)
		if diff := cmp.Diff(want.MatchProfile(wp, today, true), m.MatchProfile(p, today, true), cmpopts.EquateComparable(huiqi.Date{})); diff != "" {
			t.Errorf("MatchProfile(%s) after the writers (-one goroutine +concurrent):\n%s", e.CreditCode, diff)
		}
	}
}

func hitCodes(hs []matcher.Hit) map[string]bool {
	out := map[string]bool{}
	for _, h := range hs {
		out[h.CreditCode] = true
	}
	return out
}

func decided(ds []matcher.Decision) map[string]bool {
	out := map[string]bool{}
	for _, d := range ds {
		out[d.Policy.Policy.ID] = true
	}
	return out
}

// between reports whether lo ⊆ got ⊆ hi.
func between(lo, got, hi map[string]bool) bool {
	for k := range lo {
		if !got[k] {
			return false
		}
	}
	for k := range got {
		if !hi[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

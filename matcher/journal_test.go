package matcher_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// allHits lists every hit of a tracked reach.
func allHits(r *matcher.PolicyReach) []matcher.Hit {
	return r.From("", math.MaxInt)
}

// TestCatchUp_MatchesRecompute checks that a policy's reach brought up to
// date by the profile changes since (profiles replaced, stored unchanged,
// stored for the first time, a batch at a time, with missing values and
// history, under once-only policies with payouts) equals the reach
// computed afresh, hits, amounts and every total; that the reach caught up
// from is left as it was; and that a change of anything but profiles asks
// for a recompute.
func TestCatchUp_MatchesRecompute(t *testing.T) {
	matcher.SetReachBlock(t, 3) // a few hits fill, split and empty blocks
	codes := []string{creditCode(1), creditCode(2), creditCode(3), creditCode(4), creditCode(5)}
	rapid.Check(t, func(t *rapid.T) {
		var es []*huiqi.Enterprise
		for i := range rapid.IntRange(1, 3).Draw(t, "profiles") {
			es = append(es, genEnterprise(t, codes[i]))
		}
		day := genDate(t, "as_of")
		m := matcher.New()
		var cs []*matcher.Compiled
		for i := range rapid.IntRange(1, 4).Draw(t, "policies") {
			g := &ruleGen{codes: codes, hint: rapid.SampledFrom(es).Draw(t, "hint"), day: day}
			doc := g.policy(t, fmt.Sprintf("catch-up-%d", i))
			if rapid.Bool().Draw(t, "once") {
				var d map[string]any
				if err := json.Unmarshal(doc, &d); err != nil {
					t.Fatal(err)
				}
				d["once"] = true
				doc = mustJSON(d)
			}
			pol, err := policies.Parse(doc, today)
			if err != nil {
				t.Fatalf("policies.Parse(%s): %v", doc, err)
			}
			c := matcher.Compile(pol)
			m.PutPolicy(c)
			cs = append(cs, c)
		}
		// Each drawn profile stored under several codes, in random order.
		var stored []string
		var batch []*huiqi.Enterprise
		for i, e := range es {
			for j := range rapid.IntRange(1, 8).Draw(t, "copies") {
				c := *e
				if j > 0 {
					c.CreditCode = creditCode(1000 + 100*i + j)
				}
				batch = append(batch, &c)
				stored = append(stored, c.CreditCode)
			}
		}
		m.PutProfiles(rapid.Permutation(batch).Draw(t, "store-order")...)
		for _, code := range rapid.SliceOfN(rapid.SampledFrom(stored), 0, 3).Draw(t, "paid") {
			m.AddPayout(cs[0].Policy.ID, code, matcher.Payout{ApplicationID: 1, On: day})
		}

		rs := make([]*matcher.PolicyReach, len(cs))
		for i, c := range cs {
			rs[i] = m.TrackPolicy(c, day)
		}
		next := 2000
		for step := range rapid.IntRange(1, 5).Draw(t, "steps") {
			var batch []*huiqi.Enterprise
			before := stored // stored before this batch
			for range rapid.IntRange(1, 3).Draw(t, "changes") {
				var e *huiqi.Enterprise
				switch rapid.IntRange(0, 3).Draw(t, "change") {
				case 0: // a profile stored for the first time
					next++
					e = genEnterprise(t, creditCode(next))
					stored = append(stored, e.CreditCode)
				case 1: // stored again, unchanged
					p, _ := m.Profile(rapid.SampledFrom(before).Draw(t, "again"))
					e = p.Enterprise
				default: // replaced by another draw
					e = genEnterprise(t, rapid.SampledFrom(stored).Draw(t, "replaced"))
				}
				batch = append(batch, e)
			}
			m.PutProfiles(batch...)
			if step > 0 && rapid.Bool().Draw(t, "wait") {
				continue // caught up over several changes at once
			}
			for i, c := range cs {
				was, wasHits := rs[i].Reach(), allHits(rs[i])
				got, _, ok := m.CatchUp(rs[i])
				if !ok {
					t.Fatalf("CatchUp(%s) after profile changes alone = false", c.Policy.ID)
				}
				want := m.TrackPolicy(c, day)
				if diff := cmp.Diff(want.Reach(), got.Reach()); diff != "" {
					t.Fatalf("CatchUp(%s) totals (-recomputed +caught up):\n%s", c.Policy.ID, diff)
				}
				if diff := cmp.Diff(allHits(want), allHits(got)); diff != "" {
					t.Fatalf("CatchUp(%s) hits (-recomputed +caught up):\n%s", c.Policy.ID, diff)
				}
				if got.Generation() != m.Generation() {
					t.Fatalf("CatchUp(%s) at generation %d, want %d", c.Policy.ID, got.Generation(), m.Generation())
				}
				if diff := cmp.Diff(was, rs[i].Reach()); diff != "" {
					t.Fatalf("CatchUp(%s) changed the totals caught up from (-before +after):\n%s", c.Policy.ID, diff)
				}
				if diff := cmp.Diff(wasHits, allHits(rs[i])); diff != "" {
					t.Fatalf("CatchUp(%s) changed the hits caught up from (-before +after):\n%s", c.Policy.ID, diff)
				}
				rs[i] = got
			}
		}

		// A payout, a policy: only a recompute can tell.
		m.AddPayout(cs[0].Policy.ID, stored[0], matcher.Payout{ApplicationID: 2, On: day.AddDays(-1)}) // before any other
		if _, _, ok := m.CatchUp(rs[0]); ok {
			t.Fatalf("CatchUp after a payout = true, want false")
		}
		r := m.TrackPolicy(cs[0], day)
		m.PutPolicy(cs[0])
		if _, _, ok := m.CatchUp(r); ok {
			t.Fatalf("CatchUp after a policy stored = true, want false")
		}
	})
}

// A journal holds so many profile changes: a batch larger, or older
// changes pushed out, leave a recompute.
func TestCatchUp_JournalBound(t *testing.T) {
	c := mustCompile(t, policyDoc("bound", `{"field": "employees", "op": "gte", "value": 10}`, `{"fixed": 1000}`, ""))
	m := matcher.New()
	m.PutPolicy(c)
	profiles := func(from, n int) []*huiqi.Enterprise {
		var es []*huiqi.Enterprise
		for i := range n {
			e := baseEnterprise()
			e.CreditCode = creditCode(from + i)
			es = append(es, &e)
		}
		return es
	}
	m.PutProfiles(profiles(0, 10)...)
	r := m.TrackPolicy(c, today)
	m.PutProfiles(profiles(100, 1000)...)
	got, n, ok := m.CatchUp(r)
	if !ok || n != 1000 || got.Reach().Total != 1010 {
		t.Fatalf("CatchUp over 1,000 changes = %d changes, %+v, %v; want 1000, 1010 hits, true", n, got.Reach(), ok)
	}
	m.PutProfiles(profiles(2000, 30)...) // pushes the first batch out
	if _, _, ok := m.CatchUp(r); ok {
		t.Fatalf("CatchUp from before the changes journaled = true, want false")
	}
	if _, _, ok := m.CatchUp(got); !ok {
		t.Fatalf("CatchUp over the changes journaled = false, want true")
	}
	r = m.TrackPolicy(c, today)
	m.PutProfiles(profiles(5000, 1025)...)
	if _, _, ok := m.CatchUp(r); ok {
		t.Fatalf("CatchUp over a batch larger than the journal = true, want false")
	}
}

// TestPolicyReach_From pages a reach across its blocks.
func TestPolicyReach_From(t *testing.T) {
	matcher.SetReachBlock(t, 3)
	c := mustCompile(t, policyDoc("pages", `{"field": "employees", "op": "gte", "value": 10}`, `{"fixed": 1000}`, ""))
	m := matcher.New()
	m.PutPolicy(c)
	var codes []string
	for i := range 10 {
		e := baseEnterprise()
		e.CreditCode = creditCode(i)
		m.PutProfiles(&e)
		codes = append(codes, e.CreditCode)
	}
	r := m.TrackPolicy(c, today)
	for _, tt := range []struct {
		name  string
		after string
		n     int
		want  []string
	}{
		{"first", "", 2, codes[:2]},
		{"one block", codes[2], 2, codes[3:5]},
		{"across blocks", codes[1], 5, codes[2:7]},
		{"past the end", codes[7], 5, codes[8:]},
		{"after the last", codes[9], 5, nil},
		{"between codes", codes[4] + "0", 1, codes[5:6]},
		{"none asked", "", 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range r.From(tt.after, tt.n) {
				got = append(got, h.CreditCode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("From(%q, %d) = %v, want %v", tt.after, tt.n, got, tt.want)
			}
		})
	}
}

// BenchmarkCatchUp compares, on the benchmark's 200,000 profiles, bringing
// a policy's reach up to date after one profile changed with computing it
// afresh; the profile alternates between eligible and not, so that each
// patch moves a hit in or out.
func BenchmarkCatchUp(b *testing.B) {
	loadBenchProfiles()
	m := benchProfileMatch
	c := mustCompile(b, benchReachPolicy)
	r := m.TrackPolicy(c, benchDay)
	hit, _ := m.Profile(allHits(r)[r.Reach().Total/2].CreditCode)
	off := *hit.Enterprise
	off.Dishonest = true
	versions := []*huiqi.Enterprise{&off, hit.Enterprise}
	defer m.PutProfiles(hit.Enterprise)
	b.Run("patch", func(b *testing.B) {
		r := m.TrackPolicy(c, benchDay)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.PutProfiles(versions[i%2])
			i++
			var ok bool
			if r, _, ok = m.CatchUp(r); !ok {
				b.Fatal("CatchUp = false")
			}
		}
		b.ReportMetric(float64(r.Reach().Total), "eligible")
	})
	b.Run("recompute", func(b *testing.B) {
		var r *matcher.PolicyReach
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.PutProfiles(versions[i%2])
			i++
			r = m.TrackPolicy(c, benchDay)
		}
		b.ReportMetric(float64(r.Reach().Total), "eligible")
	})
}

// Reaches caught up while profiles are stored, and read while caught up
// from: -race checks that a catch-up shares nothing it changes, and once
// the writes are done the last reach caught up equals one computed afresh.
func TestCatchUp_Concurrent(t *testing.T) {
	matcher.SetReachBlock(t, 4)
	c := mustCompile(t, policyDoc("concurrent", `{"all": [{"field": "employees", "op": "gte", "value": 10}, {"field": "tags", "op": "has", "value": "hightech"}]}`, `{"rate": "0.01", "of": "revenue"}`, ""))
	m := matcher.New()
	m.PutPolicy(c)
	profile := func(i int, on bool) *huiqi.Enterprise {
		e := baseEnterprise()
		e.CreditCode = creditCode(i)
		if on {
			e.Tags = []string{"hightech"}
		}
		return &e
	}
	for i := range 40 {
		m.PutProfiles(profile(i, i%2 == 0))
	}
	var wg sync.WaitGroup
	var latest atomic.Pointer[matcher.PolicyReach]
	latest.Store(m.TrackPolicy(c, today))
	for range 3 {
		wg.Go(func() {
			for range 200 {
				r := latest.Load()
				if next, _, ok := m.CatchUp(r); ok {
					latest.CompareAndSwap(r, next)
				} else {
					latest.CompareAndSwap(r, m.TrackPolicy(c, today))
				}
				if hits := allHits(r); len(hits) != r.Reach().Total {
					t.Errorf("a reach lists %d hits of its total %d", len(hits), r.Reach().Total)
					return
				}
			}
		})
	}
	for i := range 300 {
		m.PutProfiles(profile(i%40, i%3 == 0), profile(100+i, i%2 == 0))
	}
	wg.Wait()
	got, _, ok := m.CatchUp(latest.Load()) // 640 changes in all: the journal holds them
	if !ok {
		t.Fatalf("CatchUp after the writes = false, want true")
	}
	want := m.TrackPolicy(c, today)
	if diff := cmp.Diff(want.Reach(), got.Reach()); diff != "" {
		t.Fatalf("totals (-recomputed +caught up):\n%s", diff)
	}
	if diff := cmp.Diff(allHits(want), allHits(got)); diff != "" {
		t.Fatalf("hits (-recomputed +caught up):\n%s", diff)
	}
}

package engine

import (
	"sync"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// reachCache keeps the reach of the policies whose matches were listed
// last, so that the pages of one list, and every official looking at the
// same policy, share one computation: the column scans, near misses,
// amounts and hits in code order of a broad policy cost milliseconds and
// allocate a slice of hundreds of thousands of hits, where a page costs
// microseconds. An entry is keyed by the compiled policy (each published
// version is compiled anew) and the day, and stands only while the
// matcher's generation is the one it was computed at: a profile, payout or
// policy stored since makes every entry stale.
type reachCache struct {
	mu      sync.Mutex
	entries []*reachEntry // most recently used first
}

type reachEntry struct {
	policy *matcher.Compiled
	day    huiqi.Date
	gen    uint64
	done   chan struct{} // closed once reach is set
	reach  matcher.Reach
	hits   int // len(reach.Hits) once computed, 0 before; under the cache's mu
}

// reachCacheHits bounds the hits the cache holds, about 50 bytes each
// (code, name, amount): 2 million, some 100 MB, a city's broad policies or
// one of a province. The most recently used entry stays whatever its size.
const reachCacheHits = 2 << 20

// get returns c's reach on day, with near-miss total, computing it when no
// entry of the matcher's current generation holds it; computed reports
// whether this call computed it. Concurrent requests for a reach being
// computed wait for it rather than compute it again.
func (rc *reachCache) get(m *matcher.Matcher, c *matcher.Compiled, day huiqi.Date) (r matcher.Reach, computed bool) {
	gen := m.Generation()
	rc.mu.Lock()
	for i, en := range rc.entries {
		if en.policy == c && en.day == day && en.gen == gen {
			copy(rc.entries[1:i+1], rc.entries[:i])
			rc.entries[0] = en
			rc.mu.Unlock()
			<-en.done
			return en.reach, false
		}
	}
	en := &reachEntry{policy: c, day: day, gen: gen, done: make(chan struct{})}
	rc.entries = append([]*reachEntry{en}, rc.entries...)
	rc.trim(gen)
	rc.mu.Unlock()

	en.reach = m.MatchPolicy(c, day, true)
	close(en.done)
	rc.mu.Lock()
	en.hits = len(en.reach.Hits)
	rc.trim(m.Generation()) // a newer generation's entries stay, this one may go
	rc.mu.Unlock()
	return en.reach, true
}

// trim drops the entries of generations before gen (the current one), then
// the least recently used down to the bound; the caller holds mu.
func (rc *reachCache) trim(gen uint64) {
	kept := rc.entries[:0]
	size := 0
	for i, en := range rc.entries {
		if en.gen >= gen && (i == 0 || size+en.hits <= reachCacheHits) {
			kept = append(kept, en)
			size += en.hits
		}
	}
	clear(rc.entries[len(kept):])
	rc.entries = kept
}

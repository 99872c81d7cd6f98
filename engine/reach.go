package engine

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
)

// reachCache keeps the reach of the policies whose matches were listed
// last, so that the pages of one list, and every official looking at the
// same policy, share one computation: the column scans, near misses,
// amounts and hits in code order of a broad policy cost milliseconds and
// allocate a slice of hundreds of thousands of hits, where a page costs
// microseconds. An entry is keyed by the compiled policy (each published
// version is compiled anew) and the day. When profiles alone changed since
// an entry was computed, it is patched with them (matcher.CatchUp), which
// costs microseconds whatever the policy's reach; a payout, a policy
// stored, or more profile changes than the matcher journals make it
// computed again.
type reachCache struct {
	mu      sync.Mutex
	entries []*reachEntry // most recently used first
}

type reachEntry struct {
	policy *matcher.Compiled
	day    huiqi.Date
	// mu is held while the reach is computed or caught up, so that
	// concurrent requests wait for that rather than do it again; readers
	// of a reach up to date take cur without it. A reach once stored in
	// cur is never changed: a catch-up stores a new one.
	mu   sync.Mutex
	cur  atomic.Pointer[matcher.PolicyReach]
	hits int // cur's total; under the cache's mu
}

// reachCacheHits bounds the hits the cache holds, about 64 bytes each
// (code, name, amount): 2 million, some 130 MB, a city's broad policies or
// one of a province. The most recently used entry stays whatever its size.
const reachCacheHits = 2 << 20

// reachCacheEntries bounds the entries, each of which may be caught up
// with the same changes when asked for again.
const reachCacheEntries = 256

// get returns c's reach on day, with near-miss total, as of the matcher's
// current generation or a later one; computed reports whether this call
// computed it rather than found it or caught it up.
func (rc *reachCache) get(m *matcher.Matcher, c *matcher.Compiled, day huiqi.Date) (r *matcher.PolicyReach, computed bool) {
	gen := m.Generation()
	en := rc.entry(c, day)
	if r := en.cur.Load(); r != nil && r.Generation() >= gen {
		return r, false
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	r = en.cur.Load()
	switch {
	case r != nil && r.Generation() >= gen: // caught up by the request waited for
		return r, false
	case r != nil:
		if caught, _, ok := m.CatchUp(r); ok {
			r = caught
			break
		}
		fallthrough
	default:
		r, computed = m.TrackPolicy(c, day), true
	}
	en.cur.Store(r)
	rc.mu.Lock()
	en.hits = r.Reach().Total
	rc.trim()
	rc.mu.Unlock()
	return r, computed
}

// entry returns the entry of c on day, made the most recently used, and
// adds it when there is none, dropping those of the policy's earlier
// versions: no list asks for them again.
func (rc *reachCache) entry(c *matcher.Compiled, day huiqi.Date) *reachEntry {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, en := range rc.entries {
		if en.policy == c && en.day == day {
			copy(rc.entries[1:i+1], rc.entries[:i])
			rc.entries[0] = en
			return en
		}
	}
	rc.entries = slices.DeleteFunc(rc.entries, func(en *reachEntry) bool {
		return en.policy != c && en.policy.Policy.ID == c.Policy.ID
	})
	en := &reachEntry{policy: c, day: day}
	rc.entries = append([]*reachEntry{en}, rc.entries...)
	rc.trim()
	return en
}

// trim drops the least recently used entries down to the bounds; the
// caller holds mu.
func (rc *reachCache) trim() {
	kept := rc.entries[:0]
	size := 0
	for i, en := range rc.entries {
		if i == 0 || (i < reachCacheEntries && size+en.hits <= reachCacheHits) {
			kept = append(kept, en)
			size += en.hits
		}
	}
	clear(rc.entries[len(kept):])
	rc.entries = kept
}

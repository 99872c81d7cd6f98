package matcher

import (
	"slices"
	"sort"
	"strings"

	"github.com/huiqi/huiqi"
)

// This file keeps a policy's reach up to date by patching rather than
// recomputing it. The matcher journals the last profile changes (which
// profile was replaced by which, at which generation); a reach computed at
// generation g is brought to the current one by judging, with the row
// evaluator, the old and the new row of each profile changed since, and
// moving that profile in or out of the hits and the totals. A change of
// anything else (a policy, a payout), or more changes than the journal
// holds, leaves a recompute as the only way.

// maxJournal bounds the profile changes journaled: beyond some hundreds a
// full recompute of a policy's reach costs about as much as patching, and
// a bulk import, thousands a batch, is not worth keeping.
const maxJournal = 1024

type profileChange struct {
	gen      uint64   // the generation the change made
	old, new *Profile // old is nil for a profile stored for the first time
}

// journal holds the last profile changes, oldest first; every profile
// change of a generation after since is among them. It is written under
// the matcher's write lock and read under its read lock.
type journal struct {
	changes  []profileChange
	since    uint64
	pending  []profileChange // of the batch being stored
	overflow bool            // the batch being stored is too large to keep
}

// note records that old (nil when none) is replaced by p in the batch
// being stored.
func (j *journal) note(old, p *Profile) {
	if j.overflow {
		return
	}
	if len(j.pending) == maxJournal {
		clear(j.pending)
		j.overflow, j.pending = true, j.pending[:0]
		return
	}
	j.pending = append(j.pending, profileChange{old: old, new: p})
}

// commit journals the batch noted as the change that made generation gen.
func (j *journal) commit(gen uint64) {
	if j.overflow {
		clear(j.changes)
		j.changes, j.since, j.overflow = j.changes[:0], gen, false
		return
	}
	if drop := len(j.changes) + len(j.pending) - maxJournal; drop > 0 {
		// The dropped batch may be cut in two: its generation goes too.
		j.since = j.changes[drop-1].gen
		n := copy(j.changes, j.changes[drop:])
		clear(j.changes[n:])
		j.changes = j.changes[:n]
	}
	for _, c := range j.pending {
		c.gen = gen
		j.changes = append(j.changes, c)
	}
	clear(j.pending)
	j.pending = j.pending[:0]
}

// after returns the profile changes that took generation from to to, or
// false when something else changed in between (each generation not made
// by a journaled batch of profiles is such a change) or the journal no
// longer reaches back to from.
func (j *journal) after(from, to uint64) ([]profileChange, bool) {
	if from < j.since {
		return nil, false
	}
	start := sort.Search(len(j.changes), func(i int) bool { return j.changes[i].gen > from })
	next := from + 1 // the generation the next batch must have made
	for _, c := range j.changes[start:] {
		switch c.gen {
		case next - 1:
		case next:
			next++
		default:
			return nil, false
		}
	}
	return j.changes[start:], next-1 == to
}

// PolicyReach is a policy's reach on one day at one generation of the
// matcher, which CatchUp brings to a later generation. Its hits lie in
// blocks in credit code order; a catch-up copies only the blocks it
// changes, so that it costs little even for the broadest policy and
// readers of the earlier reach, which is never changed, are undisturbed.
type PolicyReach struct {
	totals Reach // Hits nil
	policy *Compiled
	day    huiqi.Date
	gen    uint64
	// exact is false for a reach computed while a payout was stored:
	// whether it holds the payout is unknown, so it cannot be caught up.
	exact  bool
	blocks [][]Hit // none empty
	owned  []bool  // while a catch-up edits it: the blocks copied already
}

// reachBlock is the number of hits in a block a reach is cut into; an
// edited block is split at twice that. A variable for the tests, which
// use small blocks so that a few hits fill, split and empty them.
var reachBlock = 512

// TrackPolicy computes c's reach on day with near-miss and undetermined
// totals, as MatchPolicy does, in a form CatchUp can bring up to date.
func (m *Matcher) TrackPolicy(c *Compiled, day huiqi.Date) *PolicyReach {
	// Read under the lock the scans hold, the generation is that of the
	// profiles and policies scanned, however often they change; only a
	// payout, stored without the lock, can slip in.
	m.mu.RLock()
	gen := m.gen.Load()
	r := m.matchPolicy(c, day, true)
	exact := m.gen.Load() == gen
	m.mu.RUnlock()
	pr := &PolicyReach{policy: c, day: day, gen: gen, exact: exact}
	for i := 0; i < len(r.Hits); i += reachBlock {
		end := min(i+reachBlock, len(r.Hits))
		pr.blocks = append(pr.blocks, r.Hits[i:end:end])
	}
	r.Hits = nil
	pr.totals = r
	return pr
}

// Generation returns the generation of the matcher r is exact for (see
// Matcher.Generation).
func (r *PolicyReach) Generation() uint64 { return r.gen }

// Reach returns r's totals; its Hits are nil (see From).
func (r *PolicyReach) Reach() Reach { return r.totals }

// From returns at most n hits of r, the first in credit code order after
// the code after ("" for the first hits). The slice must not be changed.
func (r *PolicyReach) From(after string, n int) []Hit {
	b := sort.Search(len(r.blocks), func(i int) bool { blk := r.blocks[i]; return blk[len(blk)-1].CreditCode > after })
	if b == len(r.blocks) || n <= 0 {
		return []Hit{}
	}
	blk := r.blocks[b]
	k := sort.Search(len(blk), func(i int) bool { return blk[i].CreditCode > after })
	if len(blk)-k >= n {
		return blk[k : k+n : k+n]
	}
	out := make([]Hit, 0, min(n, r.totals.Total))
	out = append(out, blk[k:]...)
	for b++; b < len(r.blocks) && len(out) < n; b++ {
		out = append(out, r.blocks[b][:min(n-len(out), len(r.blocks[b]))]...)
	}
	return out
}

// CatchUp returns r brought to the matcher's current generation, and how
// many profiles it judged to do so, or false when only a recompute can
// (TrackPolicy): something other than profiles changed since r's
// generation, or more profiles than are journaled. The result is equal to
// what TrackPolicy would compute now.
func (m *Matcher) CatchUp(r *PolicyReach) (*PolicyReach, int, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	// The payouts, changed without the matcher's lock, are held still as
	// well, so that the generation read is that of everything judged.
	m.paid.mu.RLock()
	defer m.paid.mu.RUnlock()
	gen := m.gen.Load()
	if gen == r.gen {
		return r, 0, true
	}
	changes, ok := m.journal.after(r.gen, gen)
	if !ok || !r.exact {
		return nil, 0, false
	}
	next := *r
	next.gen = gen
	next.blocks = slices.Clone(r.blocks)
	next.owned = make([]bool, len(r.blocks))
	at := newAsOf(r.day)
	for _, ch := range changes {
		next.apply(ch.new, m.rowReach(r.policy, ch.old, &at), m.rowReach(r.policy, ch.new, &at))
	}
	next.owned = nil
	return &next, len(changes), true
}

// rowReach is what one profile adds to a policy's reach.
type rowReach struct {
	hit, undetermined, nearMiss bool
	amount                      *huiqi.Money // of a hit
}

// rowReach judges p (none when nil) for c with the row evaluator, as
// MatchPolicy's scans judge each row: a once-only policy's payout takes p
// out of the hits and the undetermined, not out of the near misses. The
// caller holds m.mu and m.paid.mu for reading.
func (m *Matcher) rowReach(c *Compiled, p *Profile, at *asOf) rowReach {
	if p == nil || !c.InScope(p, at.date) {
		return rowReach{}
	}
	t := c.root.eval(p, at)
	if t == triFalse {
		var v rowReach
		if c.root.kind == kindAll {
			pos, _, _ := c.nearMiss(p, at)
			v.nearMiss = pos >= 0
		}
		return v
	}
	if c.Policy.Once {
		if _, paid := m.paid.byCode[p.Enterprise.CreditCode][c.Policy.ID]; paid {
			return rowReach{}
		}
	}
	if t == triUnknown {
		return rowReach{undetermined: true}
	}
	v := rowReach{hit: true}
	if a, ok := c.amount(p, at); ok {
		v.amount = &a
	}
	return v
}

// apply moves the totals of r from was to now, the reach of the profile
// p's code before and after, and p's hit in or out of r's blocks.
func (r *PolicyReach) apply(p *Profile, was, now rowReach) {
	t := &r.totals
	t.UndeterminedTotal += int(b2u(now.undetermined)) - int(b2u(was.undetermined))
	t.NearMissTotal += int(b2u(now.nearMiss)) - int(b2u(was.nearMiss))
	code := p.Enterprise.CreditCode
	b := sort.Search(len(r.blocks), func(i int) bool { blk := r.blocks[i]; return blk[len(blk)-1].CreditCode >= code })
	k, found := 0, false
	if b < len(r.blocks) {
		k, found = slices.BinarySearchFunc(r.blocks[b], code, func(h Hit, code string) int { return strings.Compare(h.CreditCode, code) })
	}
	if found {
		// The hit held, rather than the old row's judgement, says what to
		// take out: the two agree, and the amount is at hand.
		if old := r.blocks[b][k].Amount; old != nil {
			t.AmountTotal -= *old
		}
		t.Total--
	}
	if now.hit {
		if now.amount != nil {
			t.AmountTotal += *now.amount
		}
		t.Total++
	}
	h := Hit{CreditCode: code, Name: p.Enterprise.Name, Amount: now.amount}
	switch {
	case found && now.hit:
		r.own(b)[k] = h
	case found:
		r.blocks[b] = slices.Delete(r.own(b), k, k+1)
		if len(r.blocks[b]) == 0 {
			r.blocks = slices.Delete(r.blocks, b, b+1)
			r.owned = slices.Delete(r.owned, b, b+1)
		}
	case now.hit && len(r.blocks) == 0:
		r.blocks, r.owned = [][]Hit{{h}}, []bool{true}
	case now.hit:
		if b == len(r.blocks) { // after the last hit
			b--
			k = len(r.blocks[b])
		}
		blk := slices.Insert(r.own(b), k, h)
		if len(blk) <= 2*reachBlock {
			r.blocks[b] = blk
			break
		}
		// Split in two halves; the first's capacity ends where the second
		// begins, so that neither grows into the other.
		half := len(blk) / 2
		r.blocks[b] = blk[:half:half]
		r.blocks = slices.Insert(r.blocks, b+1, blk[half:])
		r.owned = slices.Insert(r.owned, b+1, true)
	}
}

// own returns block b of r, copied first unless this catch-up copied it
// already: the blocks of the reach caught up from are shared with it.
func (r *PolicyReach) own(b int) []Hit {
	if !r.owned[b] {
		blk := r.blocks[b]
		r.blocks[b] = append(make([]Hit, 0, len(blk)+reachBlock/8), blk...)
		r.owned[b] = true
	}
	return r.blocks[b]
}

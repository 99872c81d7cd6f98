package engine

import (
	"context"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// dataSeqKey names the counter of changes to what the indexes derive from.
// It is incremented before each such change is written, so that a crash
// between the write and the index update leaves the index visibly behind
// and it is rebuilt at the next start.
const dataSeqKey = "data_seq"

// indexChange is one committed change for the indexes to apply.
type indexChange struct {
	seq         uint64
	policy      *policies.Policy // published: put; otherwise removed
	enterprises []*huiqi.Enterprise
}

// indexer applies committed changes to the bleve indexes in commit order,
// behind the SQLite commits, so that writes never wait for bleve.
type indexer struct {
	ix      *index.Index
	mu      sync.Mutex
	queue   []indexChange
	wake    chan struct{}
	applied atomic.Uint64 // the last seq applied
	latest  atomic.Uint64 // the last seq handed out
	ready   atomic.Bool   // caught up with SQLite at least once since start
	// pendingProfiles counts queued changes of profiles: while there are
	// any, the enterprise index may lack a profile the matcher holds.
	pendingProfiles atomic.Int64
}

// AttachIndex makes the engine keep ix in step with SQLite; RunIndexer
// catches it up and applies changes.
func (e *Engine) AttachIndex(ix *index.Index) {
	e.index = &indexer{ix: ix, wake: make(chan struct{}, 1)}
}

// beginChange reserves the sequence number of a change about to be written.
func (e *Engine) beginChange(ctx context.Context) (uint64, error) {
	seq, err := e.DB.NextSeq(ctx, dataSeqKey)
	if err == nil && e.index != nil {
		e.index.latest.Store(seq)
	}
	return seq, err
}

// written runs write, which stores a change of what the indexes derive from
// and says what they must apply, numbered so that the indexes can tell
// whether they missed it.
func (e *Engine) written(ctx context.Context, write func() (indexChange, error)) error {
	seq, err := e.beginChange(ctx)
	if err != nil {
		return err
	}
	c, err := write()
	if err != nil {
		c = indexChange{} // nothing was written, but the number is passed on
	}
	c.seq = seq
	e.indexed(c)
	return err
}

// putEnterprises stores a batch of profiles and returns those that changed.
func (e *Engine) putEnterprises(ctx context.Context, batch []*huiqi.Enterprise) ([]*huiqi.Enterprise, error) {
	var changed []*huiqi.Enterprise
	err := e.written(ctx, func() (indexChange, error) {
		var err error
		changed, err = e.DB.PutEnterprises(ctx, batch)
		return indexChange{enterprises: changed}, err
	})
	return changed, err
}

// setPolicyStatus changes the status of a policy's latest version and
// returns it validated, for the matcher and the indexes.
func (e *Engine) setPolicyStatus(ctx context.Context, id, status string) (*policies.Policy, error) {
	var p *policies.Policy
	err := e.written(ctx, func() (indexChange, error) {
		var err error
		if p, err = e.DB.SetPolicyStatus(ctx, id, status); err != nil {
			return indexChange{}, err
		}
		// Validation types the leaves; the indexes read them concurrently.
		if err := p.Validate(e.Today()); err != nil {
			return indexChange{}, err
		}
		return indexChange{policy: p}, nil
	})
	return p, err
}

// indexed queues a committed change, or a failed one (nothing to apply,
// but its number must still be passed), for the indexes.
func (e *Engine) indexed(c indexChange) {
	x := e.index
	if x == nil {
		return
	}
	x.mu.Lock()
	x.queue = append(x.queue, c)
	if len(c.enterprises) > 0 {
		x.pendingProfiles.Add(1)
	}
	x.mu.Unlock()
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// RunIndexer brings the indexes up to date, rebuilding them from SQLite
// when they are behind (a crash, a command-line import, a new mapping), and
// then applies each change as it is committed, until ctx is done; it stops
// after applying what was queued. Stop it only once no more writes come.
func (e *Engine) RunIndexer(ctx context.Context) error {
	x := e.index
	if err := e.catchUp(ctx, false); err != nil {
		return err
	}
	x.ready.Store(true)
	for {
		select {
		case <-ctx.Done():
			// What was committed before the stop is applied, so that a clean
			// shutdown leaves indexes that need no rebuild at the next start.
			return e.applyQueued()
		case <-x.wake:
		}
		if err := e.applyQueued(); err != nil {
			e.Logger.Error("index update", "err", err)
		}
	}
}

// Reindex rebuilds the attached indexes from SQLite, whatever state they
// are in (huiqi reindex).
func (e *Engine) Reindex(ctx context.Context) error { return e.catchUp(ctx, true) }

// catchUp rebuilds the indexes when their sequence number is not SQLite's,
// or always when forced.
func (e *Engine) catchUp(ctx context.Context, force bool) error {
	x := e.index
	dbSeq, err := e.DB.Seq(ctx, dataSeqKey)
	if err != nil {
		return err
	}
	x.latest.Store(max(x.latest.Load(), dbSeq))
	ixSeq, err := x.ix.Seq()
	if err != nil {
		return err
	}
	if !force && ixSeq == dbSeq && dbSeq > 0 && len(x.ix.Recreated) == 0 {
		x.applied.Store(dbSeq)
		return nil
	}
	start := time.Now()
	e.Logger.Info("index rebuild", "index_seq", ixSeq, "data_seq", dbSeq, "recreated", x.ix.Recreated)
	published, err := e.DB.PublishedPolicies(ctx)
	if err != nil {
		return err
	}
	for _, p := range published {
		if err := p.Validate(e.Today()); err != nil {
			return err
		}
	}
	var n int
	profiles := func(yield func(*huiqi.Enterprise, error) bool) {
		stop := false
		err := e.DB.ForEachEnterprise(ctx, func(_ int, en *huiqi.Enterprise) error {
			if stop {
				return context.Canceled
			}
			if n++; n%50_000 == 0 {
				e.Logger.Info("index rebuild progress", "enterprises", n)
			}
			stop = !yield(en, nil)
			return nil
		})
		if err != nil && !stop {
			yield(nil, err)
		}
	}
	if err := x.ix.Rebuild(ctx, published, iter.Seq2[*huiqi.Enterprise, error](profiles)); err != nil {
		return err
	}
	// Changes committed during the rebuild are queued and applied after it;
	// those already read by it are applied again, which is harmless.
	if err := x.ix.SetSeq(dbSeq); err != nil {
		return err
	}
	x.applied.Store(dbSeq)
	e.Logger.Info("index rebuilt", "policies", len(published), "enterprises", n, "seconds", time.Since(start).Seconds())
	return e.applyQueued()
}

// applyQueued applies every queued change in order and records the last
// sequence number in the indexes.
func (e *Engine) applyQueued() error {
	x := e.index
	x.mu.Lock()
	queue := x.queue
	x.queue = nil
	x.mu.Unlock()
	if len(queue) == 0 {
		return nil
	}
	for _, c := range queue {
		var err error
		switch {
		case c.policy != nil:
			err = x.ix.PutPolicy(c.policy)
		case len(c.enterprises) > 0:
			err = x.ix.PutEnterprises(c.enterprises)
		}
		if err != nil {
			return err
		}
		if len(c.enterprises) > 0 {
			x.pendingProfiles.Add(-1)
		}
	}
	last := queue[len(queue)-1].seq
	for _, c := range queue {
		last = max(last, c.seq)
	}
	if last > x.applied.Load() {
		x.applied.Store(last)
		return x.ix.SetSeq(last)
	}
	return nil
}

// IndexLag returns how many changes SQLite has that the indexes have not
// applied, and whether the indexes have caught up since start; with no
// index attached it is 0 and true.
func (e *Engine) IndexLag() (int64, bool) {
	x := e.index
	if x == nil {
		return 0, true
	}
	return int64(x.latest.Load()) - int64(x.applied.Load()), x.ready.Load()
}

// SearchPolicies is Chinese full-text search over published policies, for
// anyone. It returns EUnavailable while the index is being built.
func (e *Engine) SearchPolicies(ctx context.Context, r index.SearchRequest) (*index.SearchResult, error) {
	if e.index == nil || !e.index.ready.Load() {
		return nil, huiqi.Errorf(huiqi.EUnavailable, "政策检索索引正在建立，请稍后再试")
	}
	return e.index.ix.Search(ctx, r)
}

// policyHits returns the enterprises eligible for c on day, in credit-code
// order with their amounts: on the enterprise index's candidates when the
// index holds every profile and chooses them over the column scan
// (index.ScanOrCandidates), else on the column scan. Either way the matcher
// decides.
func (e *Engine) policyHits(ctx context.Context, c *matcher.Compiled, day huiqi.Date) []matcher.Hit {
	if x := e.index; x != nil && x.ready.Load() && x.pendingProfiles.Load() == 0 {
		if codes, narrowed, err := x.ix.ScanOrCandidates(ctx, c.Policy, e.Matcher.ProfileCount()); err == nil && narrowed {
			return e.hitsAmong(c, day, codes)
		}
	}
	return e.Matcher.MatchPolicy(c, day, false).Hits
}

// hitsAmong judges the candidate enterprises of c.
func (e *Engine) hitsAmong(c *matcher.Compiled, day huiqi.Date, codes []string) []matcher.Hit {
	slices.Sort(codes)
	var hits []matcher.Hit
	for _, code := range codes {
		p, ok := e.Matcher.Profile(code)
		if ok && c.Eligible(p, day) {
			hits = append(hits, matcher.Hit{CreditCode: code, Name: p.Enterprise.Name, Amount: c.Amount(p, day)})
		}
	}
	return hits
}

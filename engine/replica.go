package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Cluster is what replicas sharing one store need besides it: a lock that
// one replica holds at a time, and the change log through which each
// replica's matcher and indexes follow what the others write.
type Cluster interface {
	// Lock waits for the named lock and returns a context cancelled when
	// the lock is lost, and the function that releases it.
	Lock(ctx context.Context, name string) (held context.Context, unlock func(), err error)
	// Changes returns the changes after id, oldest first, at most limit.
	Changes(ctx context.Context, after int64, limit int) ([]huiqi.Change, error)
	// LastChange returns the id of the newest change.
	LastChange(ctx context.Context) (int64, error)
	// FindEnterprises returns the current profiles with the codes; codes
	// without one are left out.
	FindEnterprises(ctx context.Context, codes []string) ([]*huiqi.Enterprise, error)
}

// lockRefresh serialises a change of the matcher with the recomputation and
// commit of the verdicts it affects: within the process by e.refresh and,
// among replicas, by the cluster's lock, after which the matcher first
// applies every change another replica committed. A recomputation then
// always starts from every change committed before it, whichever replica
// made it, and a change is told once.
func (e *Engine) lockRefresh(ctx context.Context) (unlock func(), err error) {
	e.refresh.Lock()
	if e.Cluster == nil {
		return e.refresh.Unlock, nil
	}
	_, release, err := e.Cluster.Lock(ctx, "refresh")
	if err != nil {
		e.refresh.Unlock()
		return nil, err
	}
	if err := e.Follow(ctx); err != nil {
		release()
		e.refresh.Unlock()
		return nil, err
	}
	return func() {
		release()
		e.refresh.Unlock()
	}, nil
}

// followBatch is how many changes Follow reads at a time.
const followBatch = 5000

// Follow applies to the matcher and the indexes every change other
// replicas committed since the last call (since Load at first). Errors are
// internal; the changes not applied are applied by the next call.
func (e *Engine) Follow(ctx context.Context) error {
	e.following.Lock()
	defer e.following.Unlock()
	for {
		cs, err := e.Cluster.Changes(ctx, e.watermark, followBatch)
		if err != nil || len(cs) == 0 {
			return err
		}
		if err := e.apply(ctx, cs); err != nil {
			return err
		}
		e.watermark = cs[len(cs)-1].ID
	}
}

// apply applies changes other replicas made: it reads what changed again
// from the store, which holds it at least as new as the change.
func (e *Engine) apply(ctx context.Context, cs []huiqi.Change) error {
	var codes []string
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Mine || seen[c.Kind+c.Key] {
			continue
		}
		seen[c.Kind+c.Key] = true
		switch c.Kind {
		case huiqi.ChangeEnterprise:
			codes = append(codes, c.Key)
		case huiqi.ChangePolicy:
			if err := e.applyPolicy(ctx, c.Key); err != nil {
				return err
			}
			e.unsettledPolicies[c.Key] = true
		case huiqi.ChangePayout:
			id, err := strconv.ParseInt(c.Key, 10, 64)
			if err != nil {
				return fmt.Errorf("change %d: %w", c.ID, err)
			}
			a, err := e.DB.FindApplication(ctx, id)
			if err != nil {
				return err
			}
			e.Matcher.AddPayout(a.PolicyID, a.CreditCode, matcher.Payout{ApplicationID: a.ID, On: huiqi.DateOf(a.UpdatedAt)})
			// A once-only policy drops the enterprise from its record.
			codes = append(codes, a.CreditCode)
		case huiqi.ChangeCalendar:
			if err := e.loadCalendar(ctx); err != nil {
				return err
			}
		}
	}
	if len(codes) == 0 {
		return nil
	}
	es, err := e.Cluster.FindEnterprises(ctx, codes)
	if err != nil {
		return err
	}
	e.Matcher.PutProfiles(es...)
	e.indexed(indexChange{enterprises: es})
	for _, en := range es {
		e.unsettledProfiles[en.CreditCode] = en
	}
	return nil
}

// settle recomputes, under lockRefresh, the decision record of what Follow
// applied: the replica that wrote a change recomputes it too, but may have
// died between its commit and that. Replacements are diff-based and
// serialised by the cluster's lock, so whichever replica comes second
// finds nothing to change and tells nothing: each change is told once.
func (e *Engine) settle(ctx context.Context) error {
	unlock, err := e.lockRefresh(ctx)
	if err != nil {
		return err
	}
	e.following.Lock()
	ids, profiles := e.unsettledPolicies, e.unsettledProfiles
	e.unsettledPolicies, e.unsettledProfiles = map[string]bool{}, map[string]*huiqi.Enterprise{}
	e.following.Unlock()
	var ns []huiqi.Notification
	for id := range ids {
		c, ok := e.Matcher.Policy(id)
		var n []huiqi.Notification
		if ok {
			n, err = e.replacePolicyVerdicts(ctx, c.Policy, c)
		} else {
			var p *policies.Policy
			if p, err = e.DB.FindPolicy(ctx, id, 0); err == nil {
				n, err = e.replacePolicyVerdicts(ctx, p, nil)
			}
		}
		if err != nil {
			unlock()
			return err
		}
		ns = append(ns, n...)
	}
	if len(profiles) > 0 {
		// As the matcher holds them now: a newer version may have come.
		es := make([]*huiqi.Enterprise, 0, len(profiles))
		for code, en := range profiles {
			if p, ok := e.Matcher.Profile(code); ok {
				en = p.Enterprise
			}
			es = append(es, en)
		}
		n, err := e.replaceProfileVerdicts(ctx, es)
		if err != nil {
			unlock()
			return err
		}
		ns = append(ns, n...)
	}
	unlock()
	return e.pushed(ctx, ns)
}

// applyPolicy puts the latest version of a policy into the matcher when it
// is published, and takes the policy out otherwise.
func (e *Engine) applyPolicy(ctx context.Context, id string) error {
	p, err := e.DB.FindPolicy(ctx, id, 0)
	if err != nil {
		return err
	}
	if p.Status != policies.StatusPublished {
		e.Matcher.RemovePolicy(id)
		e.indexed(indexChange{policy: p})
		return nil
	}
	c, err := e.compile(p)
	if err != nil {
		return fmt.Errorf("policy %s v%d: %w", p.ID, p.Version, err)
	}
	e.Matcher.PutPolicy(c)
	e.indexed(indexChange{policy: p})
	return nil
}

// unsettled reports whether Follow applied changes settle has not seen.
func (e *Engine) unsettled() bool {
	e.following.Lock()
	defer e.following.Unlock()
	return len(e.unsettledPolicies) > 0 || len(e.unsettledProfiles) > 0
}

// RunFollower applies other replicas' changes as they come, and settles
// their decision record: at once when woken (the database's notice of a
// change), and every second regardless, so that a missed notice delays a
// change by a second at most. It returns when ctx is done.
func (e *Engine) RunFollower(ctx context.Context, wake <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := e.Follow(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("follow changes", "err", err)
		} else if e.unsettled() {
			if err := e.settle(ctx); err != nil && ctx.Err() == nil {
				e.Logger.Error("settle followed changes", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

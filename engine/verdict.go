package engine

import (
	"context"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/sqlite"
)

// refreshPolicy recomputes the decision record of one policy: its eligible
// enterprises today under c, or none when c is nil (withdrawn).
func (e *Engine) refreshPolicy(ctx context.Context, id string, c *matcher.Compiled) error {
	var vs []sqlite.Verdict
	if c != nil {
		day := e.Today()
		for _, h := range e.Matcher.MatchPolicy(c, day, false).Hits {
			p, _ := e.Matcher.Profile(h.CreditCode)
			vs = append(vs, sqlite.Verdict{
				PolicyID: id, CreditCode: h.CreditCode, PolicyVersion: c.Policy.Version,
				ProfileVersion: p.Enterprise.Version, Amount: h.Amount, AsOf: day,
			})
		}
	}
	_, err := e.DB.ReplacePolicyVerdicts(ctx, id, vs)
	return err
}

// refreshProfiles recomputes the decision record of the given profiles
// against every published policy.
func (e *Engine) refreshProfiles(ctx context.Context, es []*huiqi.Enterprise) error {
	if len(es) == 0 {
		return nil
	}
	day := e.Today()
	list := e.Matcher.Policies()
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
	_, err := e.DB.ReplaceEnterpriseVerdicts(ctx, codes, vs)
	return err
}

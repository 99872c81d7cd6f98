package engine

import (
	"context"
	"fmt"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

const demoLoadedKey = "demo_loaded"

// LoadDemo loads the demo catalogue, publishing every policy, and the demo
// enterprises, once per database: a database that has had it loaded, or that
// holds anything already, is left alone. It reports whether it loaded.
func (e *Engine) LoadDemo(ctx context.Context, catalogue []*policies.Policy, enterprises []*huiqi.Enterprise) (bool, error) {
	if _, err := e.DB.GetMeta(ctx, demoLoadedKey); err == nil {
		return false, nil
	} else if huiqi.ErrorCode(err) != huiqi.ENotFound {
		return false, err
	}
	if n, err := e.DB.EnterpriseCount(ctx); err != nil || n > 0 {
		return false, err
	}
	ctx = System(ctx)
	for _, p := range catalogue {
		if _, err := e.createPolicy(ctx, p); err != nil {
			return false, fmt.Errorf("demo policy %s: %w", p.ID, err)
		}
		if _, err := e.PublishPolicy(ctx, p.ID); err != nil {
			return false, fmt.Errorf("publish demo policy %s: %w", p.ID, err)
		}
	}
	for i := 0; i < len(enterprises); i += ImportBatchSize {
		batch := enterprises[i:min(i+ImportBatchSize, len(enterprises))]
		for _, en := range batch {
			if err := en.Validate(e.Today(), false); err != nil {
				return false, fmt.Errorf("demo enterprise %s: %w", en.CreditCode, err)
			}
		}
		changed, err := e.putEnterprises(ctx, batch)
		if err != nil {
			return false, err
		}
		if err := e.profilesChanged(ctx, changed...); err != nil {
			return false, err
		}
	}
	return true, e.DB.SetMeta(ctx, demoLoadedKey, e.Now().Format("2006-01-02T15:04:05Z07:00"))
}

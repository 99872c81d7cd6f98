package engine

import (
	"bytes"
	"context"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// PreviewDocument evaluates a policy document that need not be stored yet
// against every profile on day: its reach (eligible enterprises, total
// estimated amount, near misses), its own test results and how demand
// compares with its budget. Nothing is stored, so that an official can try
// a draft before creating it. Admins, and officials of the document's
// department, may preview. It returns EInvalid naming the path of the
// offending node, ETooLarge, EUnauthorized or EForbidden.
func (e *Engine) PreviewDocument(ctx context.Context, doc []byte, day huiqi.Date) (*Preview, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, huiqi.Errorf(huiqi.EInvalid, "请粘贴或上传政策文件（YAML 或 JSON）")
	}
	p, err := policies.Parse(doc, e.Today())
	if err != nil {
		return nil, err
	}
	if err := mayWritePolicy(ctx, p.Department); err != nil {
		return nil, err
	}
	pv := &Preview{
		Reach:        e.Matcher.MatchPolicy(matcher.Compile(p), day, true),
		AsOf:         day,
		PolicyID:     p.ID,
		Version:      p.Version,
		Budget:       p.Budget,
		TestFailures: nonNil(matcher.RunTests(p)),
		State:        matcher.StateEligible,
	}
	if p.Budget != nil {
		left := *p.Budget - pv.AmountTotal
		pv.BudgetRemaining, pv.OverBudget = &left, left < 0
	}
	e.counted(e.Matcher.ProfileCount(), pv.Total)
	pv.Items, pv.Next, err = Page{}.hits(pv.Hits)
	return pv, err
}

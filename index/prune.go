package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// EstimateCandidates returns an upper bound of the number of enterprises
// EnterpriseCandidates would return for p on day, from document counts of
// terms and numeric ranges: a conjunction is bounded by its smallest
// member, a disjunction by the sum of its members. Errors are internal.
func (ix *Index) EstimateCandidates(ctx context.Context, p *policies.Policy, day huiqi.Date) (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	total, err := ix.enterprises.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count enterprises: %w", err)
	}
	if p.Eligibility == nil {
		return 0, fmt.Errorf("estimate candidates of %s: no eligibility (not validated)", p.ID)
	}
	return ix.estimate(ctx, enterpriseQuery(p, day).outer, total)
}

func (ix *Index) estimate(ctx context.Context, x *q, total uint64) (uint64, error) {
	adv, err := ix.enterprises.Advanced()
	if err != nil {
		return 0, fmt.Errorf("index internals: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, fmt.Errorf("index reader: %w", err)
	}
	defer r.Close()
	return estimate(ctx, r, x, total)
}

func estimate(ctx context.Context, r index.IndexReader, x *q, total uint64) (uint64, error) {
	count := func(field string, term []byte) (uint64, error) {
		tfr, err := r.TermFieldReader(ctx, term, field, false, false, false)
		if err != nil {
			return 0, fmt.Errorf("term count: %w", err)
		}
		defer tfr.Close()
		return tfr.Count(), nil
	}
	switch x.op {
	case qNone:
		return 0, nil
	case qAll, qNot:
		return total, nil
	case qAnd:
		least := total
		for _, k := range x.kids {
			n, err := estimate(ctx, r, k, total)
			if err != nil {
				return 0, err
			}
			least = min(least, n)
		}
		return least, nil
	case qOr:
		var sum uint64
		for _, k := range x.kids {
			n, err := estimate(ctx, r, k, total)
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return min(sum, total), nil
	}
	switch l := x.leaf.(type) {
	case *query.TermQuery:
		return count(l.FieldVal, []byte(l.Term))
	case *query.BoolFieldQuery:
		t := "F"
		if l.Bool {
			t = "T"
		}
		return count(l.FieldVal, []byte(t))
	case *termSet:
		var sum uint64
		for _, t := range l.terms {
			n, err := count(l.field, t)
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return min(sum, total), nil
	case *numRange:
		// The split terms are disjoint and each indexed number falls in
		// exactly one of them, so their counts add up to the exact count.
		var sum uint64
		lo, hi := l.bounds()
		for _, t := range numericTermsStep(lo, hi, l.step) {
			n, err := count(l.field, t)
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return sum, nil
	}
	return total, nil
}

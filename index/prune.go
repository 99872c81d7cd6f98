package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// When pruning pays, measured by bench_test.go on 200,000 demo enterprises
// (2 cores). A plain scan of every profile costs 6–18 ms per policy
// (30–90 ns a profile, short-circuiting on the first failing condition) and
// 54–69 ms for a broad one, whose eligible profiles also get an amount.
// Through the index a policy costs 0.3–0.5 ms to set up plus about 0.7 µs a
// candidate (bleve producing the id, the matcher looking the profile up and
// judging it). Index time over scan time:
//
//	rare tags (小巨人)          1,073 candidates (0.5%)   0.04
//	one industry division      3,734 (1.9%)              0.14
//	employees 100–300          6,736 (3.4%)              0.23
//	one district, one division 6,684 (3.3%)              0.60
//	晋江 footwear               12,428 (6.2%)             0.57
//	SMEs of the city          181,676 (91%)              2.1
//	everyone                  196,028 (98%)              2.95
//
// The index wins up to about 7–12% of the profiles. ShouldPrune compares an
// upper bound of the candidates (each conjunction bounded by its smallest
// member) with PruneMaxShare: the bound overestimates correlated conditions
// (晋江 footwear: 18.7% estimated, 6.2% actual), which errs towards the scan
// and costs at most the scan. Below PruneMinProfiles either path takes well
// under a millisecond.
const (
	PruneMaxShare    = 0.10
	PruneMinProfiles = 20000
)

// PercolateMinPolicies is the number of published policies from which
// ShouldPercolate prefers the rule index. Judging a policy costs about
// 25 ns before explanation, so the scan is hard to beat: per profile the
// index took 95× the scan's time with the 31-policy catalogue, 7.5× with
// 1,000 generated policies, 1.3× with 10,000 and 1.07× with 30,000. The
// crossover, extrapolated, lies near 50,000.
const PercolateMinPolicies = 50000

// ShouldPrune reports whether the enterprises of p on day are better found
// through EnterpriseCandidates than by evaluating p against every profile:
// when the candidates, estimated from term and range document counts
// without running the query, are fewer than PruneMaxShare of the profiles.
// Errors are internal.
func (ix *Index) ShouldPrune(ctx context.Context, p *policies.Policy, day huiqi.Date) (bool, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	total, err := ix.enterprises.DocCount()
	if err != nil {
		return false, fmt.Errorf("count enterprises: %w", err)
	}
	if total < PruneMinProfiles || p.Eligibility == nil {
		return false, nil
	}
	est, err := ix.estimate(ctx, enterpriseQuery(p, day).outer, total)
	if err != nil {
		return false, err
	}
	return float64(est) < PruneMaxShare*float64(total), nil
}

// ShouldPercolate reports whether an enterprise's policies are better found
// through PolicyCandidates than by judging every published policy. Errors
// are internal.
func (ix *Index) ShouldPercolate() (bool, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n, err := ix.rules.DocCount()
	if err != nil {
		return false, fmt.Errorf("count rules: %w", err)
	}
	return n >= PercolateMinPolicies, nil
}

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
		for _, t := range numericTerms(l.bounds()) {
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

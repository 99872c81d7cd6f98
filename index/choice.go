package index

import (
	"context"

	"github.com/huiqi/huiqi/policies"
)

// textScanShare is how many profiles the column scan judges, words in
// their texts included, in the time bleve lists and the matcher judges one
// candidate: measured at 200,000 profiles with texts, a scope searched for
// a word in 0.1 to 0.35 µs, a candidate listed in 0.1 to 0.35 µs and then
// judged.
const textScanShare = 4

// ScanOrCandidates chooses between the column scan of all profiles (of
// which there are profiles) and the enterprise index's candidates for the
// eligible side of p. It returns the candidates, and true, when p's text
// conditions narrow the profiles to fewer than one in textScanShare;
// otherwise false, and the caller scans. Either way the caller's matcher
// decides eligibility. Errors are internal; the scan is always a safe
// fallback.
func (ix *Index) ScanOrCandidates(ctx context.Context, p *policies.Policy, profiles int) (codes []string, narrowed bool, err error) {
	return ix.EnterpriseCandidates(ctx, p, profiles/textScanShare, false)
}

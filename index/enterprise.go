package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// The enterprise index holds what the matcher's columns cannot answer
// cheaply: the profiles' free texts, analysed for words. Every other
// condition is the columns' to decide.
const fHas = "has" // the text fields a profile has, for "unknown when missing"

func enterpriseMapping() *mapping.IndexMappingImpl {
	fields := map[string]*mapping.FieldMapping{fHas: keywordField(false, false)}
	for _, f := range profileTexts {
		t := bleve.NewTextFieldMapping()
		t.Analyzer = searchAnalyzer
		t.Store = false
		t.IncludeTermVectors = false
		t.IncludeInAll = false
		t.DocValues = false
		fields[f] = t
	}
	im := newIndexMapping(fields)
	// No query reads the composite _all field.
	im.DefaultMapping.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	return im
}

// enterpriseDoc is a profile's texts. A profile without any is still
// indexed, so that "no text" is a query like any other.
func enterpriseDoc(e *huiqi.Enterprise) map[string]any {
	d := map[string]any{}
	var has []string
	for _, f := range profileTexts {
		if s := profileText(e, f); s != "" {
			d[f] = s
			has = append(has, f)
		}
	}
	d[fHas] = has
	return d
}

// bracket encloses the enterprises for which a condition is not false
// between two queries: outer matches every one of them (and maybe more),
// inner matches only profiles for which it is true (maybe not all). Under
// Kleene logic a negation swaps them (not X is not false exactly where X
// is not true), so `not X` stays a superset when X is approximated.
type bracket struct {
	outer, inner *q
}

// unconstrained is a condition the index leaves to the matcher.
var unconstrained = bracket{outer: matchAll, inner: matchNone}

func andB(bs ...bracket) bracket {
	var outs, ins []*q
	for _, b := range bs {
		outs, ins = append(outs, b.outer), append(ins, b.inner)
	}
	return bracket{outer: and(outs...), inner: and(ins...)}
}

func orB(bs ...bracket) bracket {
	var outs, ins []*q
	for _, b := range bs {
		outs, ins = append(outs, b.outer), append(ins, b.inner)
	}
	return bracket{outer: or(outs...), inner: or(ins...)}
}

func notB(b bracket) bracket { return bracket{outer: not(b.inner), inner: not(b.outer)} }

// compileCond translates a validated condition tree into a bracket over
// the enterprise index: its text conditions, every other leaf
// unconstrained.
func compileCond(c *policies.Condition) bracket {
	switch {
	case c.All != nil:
		bs := make([]bracket, len(c.All))
		for i, k := range c.All {
			bs[i] = compileCond(k)
		}
		return andB(bs...)
	case c.Any != nil:
		bs := make([]bracket, len(c.Any))
		for i, k := range c.Any {
			bs[i] = compileCond(k)
		}
		return orB(bs...)
	case c.Not != nil:
		return notB(compileCond(c.Not))
	}
	if field, all, words, ok := textLeaf(c); ok {
		return textBracket(field, all, words)
	}
	return unconstrained
}

// EnterpriseCandidates returns the credit codes of the enterprises whose
// texts may satisfy p's text conditions, or are missing: a superset of the
// enterprises for which p is not ineligible, in no set order. narrowed is
// false, and there are no codes, when p's text conditions rule out no
// profile (it has none, say): every profile is a candidate then. Errors are
// internal.
func (ix *Index) EnterpriseCandidates(ctx context.Context, p *policies.Policy) (codes []string, narrowed bool, err error) {
	if p.Eligibility == nil {
		return nil, false, fmt.Errorf("enterprise candidates of %s: no eligibility (not validated)", p.ID)
	}
	x := compileCond(p.Eligibility).outer
	if x.op == qAll {
		return nil, false, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	codes, err = collectIDs(ctx, ix.enterprises, x)
	return codes, err == nil, err
}

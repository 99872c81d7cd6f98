package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// The enterprise index holds what the matcher's columns cannot answer
// cheaply: the profiles' free texts, analysed for words. Every other
// condition is the columns' to decide.
// fHas lists the text fields a profile has, and "no:" before each it
// lacks: "unknown when missing" is then a term, not the complement of one,
// which bleve would run as a scan of every profile (20 ms at 200,000
// against 1 ms).
const fHas = "has"

func missingTerm(field string) *q { return term(fHas, "no:"+field) }

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
		} else {
			has = append(has, "no:"+f)
		}
	}
	d[fHas] = has
	return d
}

// bracket encloses, for a condition under Kleene logic, the profiles for
// which it is true and those for which it is not false (true or unknown),
// each between two queries: the outer one matches every such profile (and
// maybe more), the inner one only such profiles (maybe not all). A
// negation swaps the two sets and the two sides (not X is true where X is
// false, not false where X is not true), so that `not X` stays bracketed
// when X is only approximated.
type bracket struct {
	trueOuter, trueInner *q
	okOuter, okInner     *q
}

// unconstrained is a condition the index leaves to the matcher.
var unconstrained = bracket{trueOuter: matchAll, trueInner: matchNone, okOuter: matchAll, okInner: matchNone}

// each combines the brackets member by member.
func each(bs []bracket, combine func(...*q) *q) bracket {
	var to, ti, oo, oi []*q
	for _, b := range bs {
		to, ti = append(to, b.trueOuter), append(ti, b.trueInner)
		oo, oi = append(oo, b.okOuter), append(oi, b.okInner)
	}
	return bracket{trueOuter: combine(to...), trueInner: combine(ti...), okOuter: combine(oo...), okInner: combine(oi...)}
}

func notB(b bracket) bracket {
	return bracket{trueOuter: not(b.okInner), trueInner: not(b.okOuter), okOuter: not(b.trueInner), okInner: not(b.trueOuter)}
}

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
		return each(bs, and)
	case c.Any != nil:
		bs := make([]bracket, len(c.Any))
		for i, k := range c.Any {
			bs[i] = compileCond(k)
		}
		return each(bs, or)
	case c.Not != nil:
		return notB(compileCond(c.Not))
	}
	if field, all, words, ok := textLeaf(c); ok {
		return textBracket(field, all, words)
	}
	return unconstrained
}

// EnterpriseCandidates returns the credit codes of the enterprises whose
// texts may satisfy p's text conditions: a superset of the enterprises
// eligible for p, in no set order. With undetermined, the candidates also
// hold every enterprise for which p may be undetermined (a text missing,
// say). narrowed is false, and there are no codes, when p's text
// conditions rule out no profile (it has none, say), or when more than
// most candidates are estimated: then the caller judges every profile,
// which beats listing that many from bleve. Errors are internal.
func (ix *Index) EnterpriseCandidates(ctx context.Context, p *policies.Policy, most int, undetermined bool) (codes []string, narrowed bool, err error) {
	if p.Eligibility == nil {
		return nil, false, fmt.Errorf("enterprise candidates of %s: no eligibility (not validated)", p.ID)
	}
	b := compileCond(p.Eligibility)
	x := b.trueOuter
	if undetermined {
		x = b.okOuter
	}
	if x.op == qAll {
		return nil, false, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	adv, err := ix.enterprises.Advanced()
	if err != nil {
		return nil, false, fmt.Errorf("index internals: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, false, fmt.Errorf("index reader: %w", err)
	}
	total, err := r.DocCount()
	if err != nil {
		return nil, false, fmt.Errorf("count enterprises: %w", err)
	}
	est, err := estimate(ctx, r, x, total)
	r.Close()
	if err != nil || est > uint64(max(most, 0)) {
		return nil, false, err
	}
	codes, err = collectIDs(ctx, ix.enterprises, x)
	return codes, err == nil, err
}

// estimate bounds the documents x matches from the document counts of its
// terms, without visiting a posting: a conjunction by its smallest member,
// a disjunction by the sum of its members, a wildcard by the sum of the
// terms it matches.
func estimate(ctx context.Context, r index.IndexReader, x *q, total uint64) (uint64, error) {
	switch x.op {
	case qNone:
		return 0, nil
	case qAll:
		return total, nil
	case qNot: // the complement of an exact count is exact
		if k := x.kids[0]; k.op == qLeaf {
			if _, ok := k.leaf.(*query.TermQuery); ok {
				n, err := estimate(ctx, r, k, total)
				return total - min(n, total), err
			}
		}
		return total, nil
	case qAnd, qOr:
		n := uint64(0)
		if x.op == qAnd {
			n = total
		}
		for _, k := range x.kids {
			m, err := estimate(ctx, r, k, total)
			if err != nil {
				return 0, err
			}
			if x.op == qAnd {
				n = min(n, m)
			} else {
				n += m
			}
		}
		return min(n, total), nil
	}
	switch l := x.leaf.(type) {
	case *query.TermQuery:
		tfr, err := r.TermFieldReader(ctx, []byte(l.Term), l.FieldVal, false, false, false)
		if err != nil {
			return 0, fmt.Errorf("term count: %w", err)
		}
		defer tfr.Close()
		return tfr.Count(), nil
	case *query.WildcardQuery:
		// The wildcards are *c* of one character: every term holding it.
		c := strings.Trim(l.Wildcard, "*")
		dict, err := r.FieldDict(l.FieldVal)
		if err != nil {
			return 0, fmt.Errorf("term counts: %w", err)
		}
		defer dict.Close()
		var n uint64
		for {
			de, err := dict.Next()
			if err != nil {
				return 0, fmt.Errorf("term counts: %w", err)
			}
			if de == nil {
				return min(n, total), nil
			}
			if strings.Contains(de.Term, c) {
				n += de.Count
			}
		}
	}
	return total, nil
}

package index

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// The rule index turns text matching around (percolation): each published
// policy is a document naming the words one of its required text
// conditions needs, and a profile's text becomes the query. A policy whose
// top-level conditions include a text condition (reached through all, and
// not negated) is ineligible for a profile whose text is known and holds
// none of that condition's words; the document lists one anchor per word,
// the term a text holding the word is sure to have:
//
//	text_anchor        "business_scope:服装" (a bigram of the word), "business_scope:鞋" (a
//	                   lone character), "business_scope:" (a word with no
//	                   Chinese: only the text need be there), or "*" for a
//	                   policy without such a condition
//	text_anchor_field  the field of the anchored condition
//
// A contains_all condition needs every word, so one anchor stands for it.
const (
	rAnchor      = "text_anchor"
	rAnchorField = "text_anchor_field"
)

func ruleMapping() *mapping.IndexMappingImpl {
	return newIndexMapping(map[string]*mapping.FieldMapping{
		rAnchor:      keywordField(false, false),
		rAnchorField: keywordField(false, false),
	})
}

// anchorOf is the term a text of field holding w is sure to be indexed with.
func anchorOf(field, w string) string {
	bigrams, singles := wordParts(w)
	switch {
	case len(bigrams) > 0:
		return field + ":" + bigrams[0]
	case len(singles) > 0:
		return field + ":" + singles[0]
	}
	return field + ":"
}

// anchors returns the field and anchors of the required text condition of
// c with the fewest anchors, if c has one. Under negation all and any swap
// (De Morgan), and a negated text condition requires nothing.
func anchors(c *policies.Condition, neg bool) (field string, as []string) {
	switch {
	case c.Not != nil:
		return anchors(c.Not, !neg)
	case c.All == nil && c.Any == nil:
		f, all, words, ok := textLeaf(c)
		if !ok || neg {
			return "", nil
		}
		if all {
			words = words[:1]
		}
		for _, w := range words {
			as = append(as, anchorOf(f, w))
		}
		slices.Sort(as)
		return f, slices.Compact(as)
	}
	list, conjunction := c.All, c.All != nil
	if !conjunction {
		list = c.Any
	}
	// A conjunction requires every member; a disjunction only its one.
	if conjunction == neg && len(list) != 1 {
		return "", nil
	}
	for _, k := range list {
		if f, a := anchors(k, neg); a != nil && (as == nil || len(a) < len(as)) {
			field, as = f, a
		}
	}
	return field, as
}

// ruleDoc is the rule document of a policy.
func ruleDoc(p *policies.Policy) map[string]any {
	field, as := anchors(p.Eligibility, false)
	if as == nil {
		return map[string]any{rAnchor: anyTerm}
	}
	return map[string]any{rAnchor: as, rAnchorField: field}
}

// profileQuery matches the rule documents whose anchored condition e's
// texts may meet: a known text having the anchor, or a missing one (the
// condition is unknown).
func profileQuery(e *huiqi.Enterprise) *q {
	var have, missing []string
	for _, f := range profileTexts {
		s := profileText(e, f)
		if s == "" {
			missing = append(missing, f)
			continue
		}
		have = append(have, f+":")
		for t := range textParts(s) {
			have = append(have, f+":"+t)
		}
	}
	return or(terms(rAnchor, have), terms(rAnchorField, missing))
}

// RuledOutByText returns the ids of the published policies that e is
// ineligible for because a text condition they require holds none of its
// words in e's known text: the matcher need not judge them. Every other
// policy may be eligible or undetermined, as far as its texts go. Errors
// are internal.
func (ix *Index) RuledOutByText(ctx context.Context, e *huiqi.Enterprise) ([]string, error) {
	x := and(terms(rAnchorField, profileTexts), not(profileQuery(e)))
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return collectIDs(ctx, ix.rules, x)
}

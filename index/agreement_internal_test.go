package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// propChars is the alphabet of the random texts and words: ideographs the
// analyzer pairs, and every kind of character on which its tokens are not
// the text's substrings: ASCII in longer words, full-width letters and
// digits, 々 (a letter to the segmenter), ideographs the segmenter does not
// know (U+9FD6, U+4DB6, U+20000 is known), kana, punctuation, spaces,
// joiners and combining marks.
var propChars = []string{
	"鞋", "服", "装", "皮", "革", "制", "品", "销", "售", "鞋", "服", "装",
	"a", "B", "l", "e", "d", "1", "2", "Ａ", "ｂ", "２", "Ｌ",
	"々", "\u9fd6", "\u4db6", "\U00020000", "ア", "ｱ",
	"、", "，", ";", " ", "-", ".", "\u200d", "\u0301",
}

func textGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOfN(rapid.SampledFrom(propChars), 0, 16).Draw(t, "chars"), "")
	})
}

// wordGen draws a word from a piece of one of the texts, so that words are
// found, or from the alphabet.
func wordGen(texts []string) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		if s := []rune(rapid.SampledFrom(texts).Draw(t, "text")); len(s) > 0 && rapid.Bool().Draw(t, "piece") {
			i := rapid.IntRange(0, len(s)-1).Draw(t, "from")
			return string(s[i:rapid.IntRange(i+1, min(len(s), i+4)).Draw(t, "to")])
		}
		return strings.Join(rapid.SliceOfN(rapid.SampledFrom(propChars), 1, 3).Draw(t, "chars"), "")
	})
}

// kleene is a three-valued truth: false, unknown, true.
type kleene int8

const (
	kFalse kleene = iota - 1
	kUnknown
	kTrue
)

// judge is a brute-force evaluator under Kleene logic of the conditions
// the tests draw: text conditions, a missing text unknown, and one leaf the
// indexes leave to the matcher (employees gte), a missing headcount
// unknown.
func judge(c *policies.Condition, e *huiqi.Enterprise) kleene {
	switch {
	case c.All != nil:
		v := kTrue
		for _, k := range c.All {
			v = min(v, judge(k, e))
		}
		return v
	case c.Any != nil:
		v := kFalse
		for _, k := range c.Any {
			v = max(v, judge(k, e))
		}
		return v
	case c.Not != nil:
		return -judge(c.Not, e)
	}
	field, all, words, ok := textLeaf(c)
	if !ok {
		switch {
		case e.Employees == nil:
			return kUnknown
		case *e.Employees >= c.Arg.Ints[0]:
			return kTrue
		}
		return kFalse
	}
	s := profileText(e, field)
	if s == "" {
		return kUnknown
	}
	s = huiqi.FoldText(s)
	found := 0
	for _, w := range words {
		if strings.Contains(s, huiqi.FoldText(w)) {
			found++
		}
	}
	if (all && found == len(words)) || (!all && found > 0) {
		return kTrue
	}
	return kFalse
}

func condGen(words *rapid.Generator[string], depth int) *rapid.Generator[*policies.Condition] {
	return rapid.Custom(func(t *rapid.T) *policies.Condition {
		kind := 0
		if depth > 0 {
			kind = rapid.IntRange(0, 5).Draw(t, "kind")
		}
		switch kind {
		case 3:
			return &policies.Condition{All: rapid.SliceOfN(condGen(words, depth-1), 1, 3).Draw(t, "all")}
		case 4:
			return &policies.Condition{Any: rapid.SliceOfN(condGen(words, depth-1), 1, 3).Draw(t, "any")}
		case 5:
			return &policies.Condition{Not: condGen(words, depth-1).Draw(t, "not")}
		}
		if rapid.IntRange(0, 3).Draw(t, "other") == 0 { // a leaf the indexes leave alone
			return &policies.Condition{Field: "employees", Op: huiqi.OpGte, Arg: policies.Arg{Ints: []int64{10}}}
		}
		return &policies.Condition{
			Field: rapid.SampledFrom(profileTexts).Draw(t, "field"),
			Op:    rapid.SampledFrom([]string{huiqi.OpContainsAny, huiqi.OpContainsAll}).Draw(t, "op"),
			Arg:   policies.Arg{Strs: rapid.SliceOfN(words, 1, 3).Draw(t, "words")},
		}
	})
}

// agreementStats summarise how tight the candidates were, for the report.
type agreementStats struct {
	pairs          int
	holding, cands [2]int // eligible, eligible or undetermined
}

// TestAgreement proves that the index only ever errs outward on text
// conditions: the enterprise candidates of a policy hold every profile it
// is true for, and with undetermined every one it is not false for, and
// the inner queries hold no other, on texts built from the characters
// where the analyzer's tokens and substrings part.
func TestAgreement(t *testing.T) {
	var st agreementStats
	rapid.Check(t, func(t *rapid.T) {
		var es []*huiqi.Enterprise
		var texts []string
		for i := range rapid.IntRange(1, 30).Draw(t, "enterprises") {
			e := &huiqi.Enterprise{CreditCode: fmt.Sprintf("e%03d", i)}
			e.Employees = optional(t, rapid.Int64Range(8, 12), "employees")
			if rapid.IntRange(0, 4).Draw(t, "scope?") > 0 {
				e.BusinessScope = textGen().Draw(t, "scope")
			}
			if rapid.Bool().Draw(t, "products?") {
				e.MainProducts = textGen().Draw(t, "products")
			}
			es = append(es, e)
			texts = append(texts, e.BusinessScope, e.MainProducts)
		}
		words := wordGen(texts)
		var ps []*policies.Policy
		for i := range rapid.IntRange(1, 12).Draw(t, "rules") {
			ps = append(ps, &policies.Policy{ID: fmt.Sprintf("p%03d", i), Eligibility: condGen(words, 3).Draw(t, fmt.Sprint("p", i))})
		}
		ix, err := OpenMem()
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.PutEnterprises(es); err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if err := ix.PutPolicy(p); err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		for _, p := range ps {
			b := compileCond(p.Eligibility)
			for _, side := range []struct {
				undetermined bool
				outer, inner *q
				holds        func(kleene) bool
			}{
				{false, b.trueOuter, b.trueInner, func(v kleene) bool { return v == kTrue }},
				{true, b.okOuter, b.okInner, func(v kleene) bool { return v != kFalse }},
			} {
				cands, narrowed, err := ix.EnterpriseCandidates(ctx, p, len(es), side.undetermined)
				if err != nil {
					t.Fatal(err)
				}
				if est := estimateOf(t, ix, side.outer); narrowed && est < uint64(len(cands)) {
					t.Fatalf("policy %s: estimate %d below %d candidates\nrule: %s", p.ID, est, len(cands), condString(p.Eligibility))
				}
				if !narrowed {
					cands = nil
					for _, e := range es {
						cands = append(cands, e.CreditCode)
					}
				}
				inner, err := collectIDs(ctx, ix.enterprises, side.inner)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					v := judge(p.Eligibility, e)
					if side.holds(v) && !slices.Contains(cands, e.CreditCode) {
						t.Fatalf("policy %s is %d for %s but no candidate (undetermined %t)\nrule: %s\nscope %q products %q", p.ID, v, e.CreditCode, side.undetermined, condString(p.Eligibility), e.BusinessScope, e.MainProducts)
					}
					if !side.holds(v) && slices.Contains(inner, e.CreditCode) {
						t.Fatalf("policy %s is %d for %s, yet in the inner query (undetermined %t)\nrule: %s\nscope %q products %q", p.ID, v, e.CreditCode, side.undetermined, condString(p.Eligibility), e.BusinessScope, e.MainProducts)
					}
					if side.holds(v) {
						st.holding[boolIndex(side.undetermined)]++
					}
				}
				st.cands[boolIndex(side.undetermined)] += len(cands)
			}
			st.pairs += len(es)
		}
	})
	t.Logf("pairs %d: eligible %d (candidates %d), not ineligible %d (candidates %d)",
		st.pairs, st.holding[0], st.cands[0], st.holding[1], st.cands[1])
}

// condString shows a condition tree with its typed values.
func condString(c *policies.Condition) string {
	list := func(name string, ks []*policies.Condition) string {
		parts := make([]string, len(ks))
		for i, k := range ks {
			parts[i] = condString(k)
		}
		return name + "[" + strings.Join(parts, ", ") + "]"
	}
	switch {
	case c.All != nil:
		return list("all", c.All)
	case c.Any != nil:
		return list("any", c.Any)
	case c.Not != nil:
		return "not(" + condString(c.Not) + ")"
	}
	return fmt.Sprintf("%s %s %q", c.Field, c.Op, c.Arg.Strs)
}

func estimateOf(t *rapid.T, ix *Index, x *q) uint64 {
	adv, err := ix.enterprises.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	total, _ := r.DocCount()
	n, err := estimate(context.Background(), r, x, total)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func optional[T any](t *rapid.T, g *rapid.Generator[T], label string) *T {
	if !rapid.Bool().Draw(t, label+"?") {
		return nil
	}
	v := g.Draw(t, label)
	return &v
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

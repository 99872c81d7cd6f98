package index

import (
	"strconv"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/registry"
)

// enterpriseStep is the precision step of the enterprise figures: half the
// terms of bleve's numeric fields (8 a number, not 16), which were four
// fifths of everything the enterprise index wrote. Ranges split into more
// terms (at most 2·255 a level), which numRange counts out as before.
const enterpriseStep = 8

// trieAnalyzer indexes a number written by trieValue as the prefix-coded
// terms of bleve's numeric fields at shifts 0, enterpriseStep, …: the same
// bytes as bleve's, so that numRange and walkTerms read them alike.
const trieAnalyzer = "huiqi_trie8"

func init() {
	registry.RegisterAnalyzer(trieAnalyzer, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return trieTokens{}, nil
	})
}

// trieValue writes a float as the text trieTokens reads.
func trieValue(f float64) string {
	return strconv.FormatInt(numeric.Float64ToInt64(f), 16)
}

type trieTokens struct{}

func (trieTokens) Analyze(input []byte) analysis.TokenStream {
	v, err := strconv.ParseInt(string(input), 16, 64)
	if err != nil {
		return nil
	}
	out := make(analysis.TokenStream, 0, 64/enterpriseStep)
	for shift := uint(0); shift < 64; shift += enterpriseStep {
		t := numeric.MustNewPrefixCodedInt64(v, shift)
		out = append(out, &analysis.Token{Term: t, Start: 0, End: len(input), Position: 1, Type: analysis.Numeric})
	}
	return out
}

// trieRange is floatRange over a field indexed by trieAnalyzer.
func trieRange(field string, lo, hi float64) *q {
	x := floatRange(field, lo, hi)
	if r, ok := x.leaf.(*numRange); ok {
		r.step = enterpriseStep
	}
	return x
}

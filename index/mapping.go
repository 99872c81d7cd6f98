package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion names the mappings and analysis this code writes. An index
// on disk that carries another version is dropped and rebuilt from SQLite
// on Open: the indexes are derived data, so rebuilding is always safe, and
// querying an index built under other rules would silently disagree with the
// evaluator.
const MappingVersion = "huiqi-index/4 analyzer=" + searchAnalyzer

// Analyzers measured for Chinese policy search (search_internal_test.go):
// bleve's CJK analyzer, which indexes overlapping bigrams, and the same
// chain emitting unigrams too. See searchAnalyzer for the choice.
const (
	analyzerBigram    = cjk.AnalyzerName
	analyzerUniBigram = "huiqi_cjk_unibigram"
)

// searchAnalyzer and expandSingle are the measured choice: bigrams, with a
// one-character search word matched against the bigrams containing it. On
// the relevance table this passes every query as unigram+bigram does, and
// returns fewer unrelated policies: unigrams match 人, 免, 小 … all over the
// catalogue.
const (
	searchAnalyzer = analyzerBigram
	expandSingle   = true
)

// Field names of the policy search index.
const (
	fTitle      = "title"
	fSummary    = "summary"
	fBody       = "body"
	fDocNumber  = "doc_number"
	fDeptText   = "department_text"
	fLabels     = "labels" // Chinese names of the benefit kind and mode, so 贷款贴息 and 免申即享 find them
	fDepartment = "department"
	fKind       = "kind"
	fRegion     = "region"
	fScope      = "scope"
	fMode       = "mode"
	fValidFrom  = "valid_from"
	fValidTo    = "valid_to"
)

// anyTerm stands for "no constraint" in keyword fields whose query lists the
// acceptable values: an unscoped policy has scope "*", and every query
// accepts "*".
const anyTerm = "*"

func keywordField(store, docValues bool) *mapping.FieldMapping {
	f := bleve.NewKeywordFieldMapping()
	f.Store = store
	f.DocValues = docValues
	f.IncludeInAll = false
	f.IncludeTermVectors = false
	return f
}

func numericField() *mapping.FieldMapping {
	f := bleve.NewNumericFieldMapping()
	f.Store = false
	f.DocValues = false
	f.IncludeInAll = false
	return f
}

// newIndexMapping returns a static mapping: fields not listed are not
// indexed, so that a stray field in a document cannot change what a query
// means.
func newIndexMapping(fields map[string]*mapping.FieldMapping) *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = keyword.Name
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	dm := bleve.NewDocumentStaticMapping()
	for name, f := range fields {
		dm.AddFieldMappingsAt(name, f)
	}
	im.DefaultMapping = dm
	return im
}

// policyMapping is the mapping of the policy search index, with Chinese
// text analysed by the named analyzer.
func policyMapping(analyzer string) (*mapping.IndexMappingImpl, error) {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = store // highlights need the locations
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	im := newIndexMapping(map[string]*mapping.FieldMapping{
		fTitle:      text(true),
		fSummary:    text(true),
		fBody:       text(true),
		fDocNumber:  text(false),
		fDeptText:   text(false),
		fLabels:     text(false),
		fDepartment: keywordField(true, true),
		fKind:       keywordField(false, true),
		fRegion:     keywordField(false, true),
		fScope:      keywordField(false, false),
		fMode:       keywordField(false, false),
		fValidFrom:  numericField(),
		fValidTo:    numericField(),
	})
	if analyzer == analyzerUniBigram {
		if err := im.AddCustomTokenFilter("huiqi_cjk_bigram_unigram", map[string]any{
			"type": cjk.BigramName, "output_unigram": true,
		}); err != nil {
			return nil, err
		}
		if err := im.AddCustomAnalyzer(analyzerUniBigram, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": []string{cjk.WidthName, lowercase.Name, "huiqi_cjk_bigram_unigram"},
		}); err != nil {
			return nil, err
		}
	}
	return im, nil
}

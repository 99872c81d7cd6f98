package index

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/highlight/fragmenter/simple"
	simplehl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// highlighterName is huiqi's highlighter: bleve's simple highlighter with a
// formatter that merges overlapping matches. Bigram analysis makes 小巨人
// the overlapping terms 小巨 and 巨人; bleve's html formatter would mark the
// first and drop the second, leaving 人 unmarked.
const highlighterName = "huiqi_mark"

// fragmentRunes is the length of a highlight fragment in characters: about
// a sentence of Chinese.
const fragmentRunes = 80

func init() {
	err := registry.RegisterHighlighter(highlighterName, func(map[string]any, *registry.Cache) (highlight.Highlighter, error) {
		return simplehl.NewHighlighter(simple.NewFragmenter(fragmentRunes), markFormatter{}, "…"), nil
	})
	if err != nil {
		panic(err)
	}
}

// markFormatter writes a fragment as HTML with every matched span in one
// <mark> element, overlapping and adjacent term locations merged.
type markFormatter struct{}

func (markFormatter) Format(f *highlight.Fragment, locs highlight.TermLocations) string {
	type span struct{ start, end int }
	var spans []span
	for _, l := range locs {
		if l == nil || !l.ArrayPositions.Equals(f.ArrayPositions) || l.End <= f.Start || l.Start >= f.End {
			continue
		}
		s := span{max(l.Start, f.Start), min(l.End, f.End)}
		if n := len(spans); n > 0 && s.start <= spans[n-1].end {
			spans[n-1].end = max(spans[n-1].end, s.end)
			continue
		}
		spans = append(spans, s)
	}
	var b strings.Builder
	curr := f.Start
	for _, s := range spans {
		b.WriteString(htmlEscape(f.Orig[curr:s.start]))
		b.WriteString("<mark>")
		b.WriteString(htmlEscape(f.Orig[s.start:s.end]))
		b.WriteString("</mark>")
		curr = s.end
	}
	b.WriteString(htmlEscape(f.Orig[curr:f.End]))
	return b.String()
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(b []byte) string { return htmlEscaper.Replace(string(b)) }

// dayBound is a validity date as a number of days, or open when unset.
func dayBound(d huiqi.Date, open float64) float64 {
	if d.IsZero() {
		return open
	}
	return float64(d.Days())
}

// searchDoc is the search document of a policy.
func searchDoc(p *policies.Policy) map[string]any {
	d := map[string]any{
		fTitle:      p.Title,
		fSummary:    p.Summary,
		fBody:       p.Body,
		fDocNumber:  p.DocNumber,
		fDeptText:   p.Department,
		fDepartment: p.Department,
		fKind:       p.Benefit.Kind,
		fMode:       p.Mode,
		fScope:      anyTerm,
		fValidFrom:  dayBound(p.ValidFrom, -math.MaxFloat64),
		fValidTo:    dayBound(p.ValidTo, math.MaxFloat64),
	}
	labels := []string{policies.KindLabels[p.Benefit.Kind]}
	if p.Mode == policies.ModeAuto {
		labels = append(labels, "免申即享")
	} else {
		labels = append(labels, "申报")
	}
	d[fLabels] = strings.Join(labels, " ")
	if p.Region != "" {
		d[fRegion] = p.Region
		d[fScope] = p.Region
	}
	return d
}

// SearchRequest is a policy search: Chinese text and filters, paged by
// From/Size or by the Cursor of a previous result.
type SearchRequest struct {
	Query      string     // words separated by spaces; each must match (empty: every policy)
	Department string     // exact department name
	Kind       string     // benefit kind, e.g. subsidy
	Region     string     // a region code: policies whose scope covers it
	Mode       string     // apply or auto
	OpenOn     huiqi.Date // policies open on this date
	From       int
	Size       int    // the page size, as huiqi.PageLimit reads it
	Cursor     string // Next of a previous page; overrides From
}

// SearchResult is a page of search hits with facets over all matches.
type SearchResult struct {
	Total  uint64      `json:"total"`
	Hits   []SearchHit `json:"hits"`
	Facets Facets      `json:"facets"`
	// Next continues after this page; null on the last page.
	Next *string `json:"next"`
}

// SearchHit is one policy found, with <mark>-highlighted fragments per field.
type SearchHit struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Department string              `json:"department"`
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights"`
}

// Facets count the matching policies by department, benefit kind and
// region scope.
type Facets struct {
	Department []FacetTerm `json:"department"`
	Kind       []FacetTerm `json:"kind"`
	Region     []FacetTerm `json:"region"`
}

// FacetTerm is one value of a facet with its count; Label is its Chinese
// name where the term is a code.
type FacetTerm struct {
	Term  string `json:"term"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

// cursorPrefix marks huiqi search cursors, so that a cursor from another
// list is refused rather than misread.
const cursorPrefix = "s1:"

func encodeCursor(from int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(from)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), cursorPrefix) {
		if n, err := strconv.Atoi(string(b[len(cursorPrefix):])); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, huiqi.FieldErrorf("cursor", "无效的分页游标")
}

// textFields are the analysed fields a search word is looked for in, with
// their weights: a word in the title says more than one in the body.
var textFields = []struct {
	name   string
	boost  float64
	phrase bool
}{
	{fTitle, 5, true},
	{fSummary, 2, true},
	{fBody, 1, true},
	{fLabels, 2, false},
	{fDeptText, 1, false},
	{fDocNumber, 1, false},
}

// wordQuery matches one search word in any text field: its bigrams scored
// by BM25 per field, plus the whole word as a phrase, so that policies
// containing the word itself outrank those sharing one of its bigrams.
//
// A word of one Chinese character (茶, 鞋, 瓷) has no bigram and would match
// nothing in a bigram index; it matches the indexed bigrams that contain it
// instead, which the measurement preferred to indexing unigrams for every
// character (see search_internal_test.go).
func wordQuery(w string, expandSingle bool) query.Query {
	d := bleve.NewDisjunctionQuery()
	single := expandSingle && utf8.RuneCountInString(w) == 1 && unicode.Is(unicode.Han, []rune(w)[0])
	for _, f := range textFields {
		if single {
			wq := bleve.NewWildcardQuery("*" + w + "*")
			wq.SetField(f.name)
			wq.SetBoost(f.boost)
			d.AddQuery(wq)
			continue
		}
		m := bleve.NewMatchQuery(w)
		m.SetField(f.name)
		m.SetBoost(f.boost)
		d.AddQuery(m)
		if f.phrase {
			p := bleve.NewMatchPhraseQuery(w)
			p.SetField(f.name)
			p.SetBoost(f.boost * 2)
			d.AddQuery(p)
		}
	}
	return d
}

// textQuery requires every word of the search to match.
func textQuery(text string, expandSingle bool) query.Query {
	words := strings.Fields(text)
	if len(words) == 0 {
		return bleve.NewMatchAllQuery()
	}
	c := bleve.NewConjunctionQuery()
	for _, w := range words {
		c.AddQuery(wordQuery(w, expandSingle))
	}
	return c
}

// filterQuery is the non-scoring part of a search.
func filterQuery(r SearchRequest) *q {
	var kids []*q
	if r.Department != "" {
		kids = append(kids, term(fDepartment, r.Department))
	}
	if r.Kind != "" {
		kids = append(kids, term(fKind, r.Kind))
	}
	if r.Mode != "" {
		kids = append(kids, term(fMode, r.Mode))
	}
	if r.Region != "" {
		kids = append(kids, terms(fScope, append(prefixes(r.Region), anyTerm)))
	}
	if !r.OpenOn.IsZero() {
		d := float64(r.OpenOn.Days())
		kids = append(kids, floatRange(fValidFrom, math.Inf(-1), d), floatRange(fValidTo, d, math.Inf(1)))
	}
	return and(kids...)
}

// Search finds published policies by Chinese text with filters, highlights
// and facets. A bad cursor or size is EInvalid (field "cursor" or "size");
// other errors are internal.
func (ix *Index) Search(ctx context.Context, r SearchRequest) (*SearchResult, error) {
	return ix.find(ctx, r, func(text string) query.Query { return textQuery(text, expandSingle) })
}

// find runs a search with the given text query builder, so that tests can
// measure alternatives on the same index.
func (ix *Index) find(ctx context.Context, r SearchRequest, text func(string) query.Query) (*SearchResult, error) {
	from := r.From
	if r.Cursor != "" {
		var err error
		if from, err = decodeCursor(r.Cursor); err != nil {
			return nil, err
		}
	}
	size, err := huiqi.PageLimit(r.Size)
	if err != nil {
		return nil, err
	}
	if from < 0 {
		return nil, huiqi.FieldErrorf("from", "起始位置不能为负数")
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(text(r.Query))
	if f := filterQuery(r); f.op != qAll {
		bq.AddFilter(f.bleveQuery())
	}
	req := bleve.NewSearchRequestOptions(bq, size, from, false)
	req.Fields = []string{fTitle, fDepartment}
	req.SortBy([]string{"-_score", "_id"})
	req.Highlight = bleve.NewHighlightWithStyle(highlighterName)
	req.Highlight.AddField(fTitle)
	req.Highlight.AddField(fSummary)
	req.Highlight.AddField(fBody)
	for _, f := range []string{fDepartment, fKind, fRegion} {
		req.AddFacet(f, bleve.NewFacetRequest(f, 100))
	}
	ix.mu.RLock()
	res, err := ix.search.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("search policies: %w", err)
	}
	out := &SearchResult{Total: res.Total, Hits: []SearchHit{}}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, SearchHit{
			ID:         h.ID,
			Title:      fieldString(h, fTitle),
			Department: fieldString(h, fDepartment),
			Score:      h.Score,
			Highlights: marked(h.Fragments),
		})
	}
	out.Facets = Facets{
		Department: facetTerms(res.Facets[fDepartment], func(s string) string { return "" }),
		Kind:       facetTerms(res.Facets[fKind], func(s string) string { return policies.KindLabels[s] }),
		Region:     facetTerms(res.Facets[fRegion], regionLabel),
	}
	if next := from + len(res.Hits); len(res.Hits) > 0 && uint64(next) < res.Total {
		c := encodeCursor(next)
		out.Next = &c
	}
	return out, nil
}

// regionLabel names a region scope: a region code, or a city prefix such as
// 3505 by its city's code 350500.
func regionLabel(scope string) string {
	if r, ok := huiqi.LookupRegion(scope); ok {
		return r.Name
	}
	if r, ok := huiqi.LookupRegion(scope + "00"); ok && len(scope) == 4 {
		return r.Name
	}
	return ""
}

func fieldString(h *search.DocumentMatch, name string) string {
	s, _ := h.Fields[name].(string)
	return s
}

// marked keeps the fragments that highlight something: for a field without
// a match bleve returns its opening words, which would only repeat the text.
func marked(frags search.FieldFragmentMap) map[string][]string {
	out := map[string][]string{}
	for field, fs := range frags {
		for _, f := range fs {
			if strings.Contains(f, "<mark>") {
				out[field] = append(out[field], f)
			}
		}
	}
	return out
}

func facetTerms(fr *search.FacetResult, label func(string) string) []FacetTerm {
	out := []FacetTerm{}
	if fr == nil || fr.Terms == nil {
		return out
	}
	for _, t := range fr.Terms.Terms() {
		out = append(out, FacetTerm{Term: t.Term, Label: label(t.Term), Count: t.Count})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Term < out[j].Term
	})
	return out
}

// prefixes returns every non-empty prefix of an ASCII code, shortest first.
func prefixes(code string) []string {
	out := make([]string, 0, len(code))
	for i := 1; i <= len(code); i++ {
		out = append(out, code[:i])
	}
	return out
}

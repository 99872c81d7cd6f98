package web

import (
	"cmp"
	"context"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/policies"
)

// PolicySearcher finds published policies for the search page. Its shapes
// follow the full-text index's (index.SearchRequest and SearchResult), so
// that the index can be plugged in behind it without touching templates.
type PolicySearcher interface {
	SearchPolicies(ctx context.Context, q SearchQuery) (*SearchResult, error)
}

// SearchQuery is a policy search: words, all of which must match, and
// filters. Limit bounds the hits returned.
type SearchQuery struct {
	Query      string
	Department string
	Kind       string
	Region     string
	Mode       string
	Limit      int
}

// SearchResult is the hits of a search, best first, with facets over all
// matches.
type SearchResult struct {
	Total  int
	Hits   []SearchHit
	Facets SearchFacets
}

// SearchHit is one policy found. Highlights hold, per field (title,
// summary, body), fragments of text in which matches are wrapped in
// <mark>…</mark> and everything else is HTML-escaped, as the index writes
// them; the page escapes again anything but the marks.
type SearchHit struct {
	ID         string
	Title      string
	Department string
	Kind       string
	Mode       string
	Summary    string
	Score      float64
	Highlights map[string][]string
}

// SearchFacets count the matching policies by department, benefit kind and
// region scope.
type SearchFacets struct {
	Department []FacetTerm
	Kind       []FacetTerm
	Region     []FacetTerm
}

// FacetTerm is one value of a facet with its count and its Chinese name.
type FacetTerm struct {
	Term  string
	Label string
	Count int
}

// ListSearcher is the PolicySearcher of an engine without a full-text
// index (and of one whose index is still being built): it lists the published policies through
// engine.ListPolicies and keeps those whose title, summary, body, document
// number or department contain every word of the query.
type ListSearcher struct {
	Engine *engine.Engine
}

// IndexSearcher searches with the engine's full-text index (Chinese
// analysis, highlights, facets) and falls back to Fallback while the index
// is unavailable: not attached, or still being built at start.
type IndexSearcher struct {
	Engine   *engine.Engine
	Fallback PolicySearcher
}

// SearchPolicies implements PolicySearcher.
func (s *IndexSearcher) SearchPolicies(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	res, err := s.Engine.SearchPolicies(ctx, index.SearchRequest{
		Query: q.Query, Department: q.Department, Kind: q.Kind, Region: q.Region, Mode: q.Mode,
		Size: min(max(q.Limit, 1), huiqi.MaxLimit),
	})
	if huiqi.ErrorCode(err) == huiqi.EUnavailable && s.Fallback != nil {
		return s.Fallback.SearchPolicies(ctx, q)
	} else if err != nil {
		return nil, err
	}
	out := &SearchResult{Total: int(res.Total)}
	for _, h := range res.Hits {
		hit := SearchHit{ID: h.ID, Title: h.Title, Department: h.Department, Score: h.Score, Highlights: h.Highlights}
		// The index's hits name the policy; kind, mode and summary come
		// from the published version the matcher holds.
		if c, ok := s.Engine.Matcher.Policy(h.ID); ok {
			hit.Kind, hit.Mode, hit.Summary = c.Policy.Benefit.Kind, c.Policy.Mode, c.Policy.Summary
		}
		out.Hits = append(out.Hits, hit)
	}
	convert := func(terms []index.FacetTerm, label func(string) string) []FacetTerm {
		out := make([]FacetTerm, len(terms))
		for i, t := range terms {
			out[i] = FacetTerm{Term: t.Term, Label: t.Label, Count: t.Count}
			if out[i].Label == "" {
				out[i].Label = label(t.Term)
			}
		}
		return out
	}
	out.Facets.Department = convert(res.Facets.Department, func(t string) string { return t })
	out.Facets.Kind = convert(res.Facets.Kind, func(t string) string { return policies.KindLabels[t] })
	out.Facets.Region = convert(res.Facets.Region, regionName)
	return out, nil
}

// fragmentRunes is how much text a highlight fragment shows around a match.
const fragmentRunes = 80

// SearchPolicies implements PolicySearcher.
func (s *ListSearcher) SearchPolicies(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	f := huiqi.PolicyFilter{
		Status: policies.StatusPublished, Department: q.Department, Kind: q.Kind, Region: q.Region, Mode: q.Mode,
		Limit: huiqi.MaxLimit,
	}
	words := strings.Fields(strings.ToLower(q.Query))
	type scored struct {
		hit    SearchHit
		score  float64
		region string
	}
	var found []scored
	for {
		list, _, next, err := s.Engine.ListPolicies(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			if hit, ok := matchPolicy(p, words); ok {
				found = append(found, scored{hit, hit.Score, p.Region})
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.hit.ID, b.hit.ID)
	})
	r := &SearchResult{Total: len(found)}
	counts := map[string]map[string]int{"department": {}, "kind": {}, "region": {}}
	for _, x := range found {
		counts["department"][x.hit.Department]++
		counts["kind"][x.hit.Kind]++
		counts["region"][x.region]++
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	for i, x := range found {
		if i == limit {
			break
		}
		r.Hits = append(r.Hits, x.hit)
	}
	r.Facets.Department = facet(counts["department"], func(t string) string { return t })
	r.Facets.Kind = facet(counts["kind"], func(t string) string { return policies.KindLabels[t] })
	r.Facets.Region = facet(counts["region"], regionName)
	return r, nil
}

// facet sorts a facet's counts, largest first.
func facet(counts map[string]int, label func(string) string) []FacetTerm {
	out := make([]FacetTerm, 0, len(counts))
	for t, n := range counts {
		out = append(out, FacetTerm{Term: t, Label: label(t), Count: n})
	}
	slices.SortFunc(out, func(a, b FacetTerm) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Term, b.Term)
	})
	return out
}

// matchPolicy reports whether every word occurs in the policy's text, with
// a score that weighs a word in the title above one in the body, and the
// highlighted fragments.
func matchPolicy(p *policies.Policy, words []string) (SearchHit, bool) {
	hit := SearchHit{
		ID: p.ID, Title: p.Title, Department: p.Department, Kind: p.Benefit.Kind, Mode: p.Mode, Summary: p.Summary,
		Highlights: map[string][]string{},
	}
	fields := []struct {
		name, text string
		weight     float64
	}{
		{"title", p.Title, 5}, {"summary", p.Summary, 2}, {"body", p.Body, 1},
		{"doc_number", p.DocNumber, 1}, {"department", p.Department, 1},
	}
	for _, w := range words {
		found := false
		for _, f := range fields {
			if n := strings.Count(strings.ToLower(f.text), w); n > 0 {
				found = true
				hit.Score += f.weight * float64(n)
			}
		}
		if !found {
			return hit, false
		}
	}
	if len(words) == 0 {
		return hit, true
	}
	for _, f := range fields[:3] {
		if frag := fragment(f.text, words); frag != "" {
			hit.Highlights[f.name] = []string{frag}
		}
	}
	return hit, true
}

// fragment returns the text around the first match of any word, escaped,
// with every match in the fragment marked; "" when nothing matches.
func fragment(text string, words []string) string {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		lower = text // a case change altered byte offsets: match exactly
	}
	first := -1
	for _, w := range words {
		if i := strings.Index(lower, w); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first < 0 {
		return ""
	}
	// Start a little before the match, on a character boundary.
	start := first
	for n := 0; start > 0 && n < fragmentRunes/4; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := start
	for n := 0; end < len(text) && n < fragmentRunes; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	seg, lseg := text[start:end], lower[start:end]
	for i := 0; i < len(seg); {
		matched := 0
		for _, w := range words {
			if strings.HasPrefix(lseg[i:], w) && len(w) > matched {
				matched = len(w)
			}
		}
		if matched > 0 {
			b.WriteString("<mark>" + html.EscapeString(seg[i:i+matched]) + "</mark>")
			i += matched
			continue
		}
		_, size := utf8.DecodeRuneInString(seg[i:])
		b.WriteString(html.EscapeString(seg[i : i+size]))
		i += size
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// markHTML turns a highlight fragment into HTML that can only mark text:
// the text between the marks is unescaped and escaped again, so that any
// other markup a searcher let through shows as text.
func markHTML(fragment string) template.HTML {
	var b strings.Builder
	for {
		i := strings.Index(fragment, "<mark>")
		if i < 0 {
			b.WriteString(html.EscapeString(html.UnescapeString(fragment)))
			return template.HTML(b.String())
		}
		b.WriteString(html.EscapeString(html.UnescapeString(fragment[:i])))
		rest := fragment[i+len("<mark>"):]
		j := strings.Index(rest, "</mark>")
		if j < 0 {
			j = len(rest)
		}
		b.WriteString("<mark>" + html.EscapeString(html.UnescapeString(rest[:j])) + "</mark>")
		fragment = strings.TrimPrefix(rest[j:], "</mark>")
	}
}

// searchPage is the data of the search page.
type searchPage struct {
	Query   SearchQuery
	Result  *SearchResult
	Hits    []hitView
	Filters []activeFilter
	Facets  []facetView
	Kinds   map[string]string
}

type hitView struct {
	SearchHit
	Title     template.HTML
	Fragments []template.HTML
	Auto      bool
}

type activeFilter struct {
	Label  string
	Remove string // the URL without this filter
}

type facetView struct {
	Name  string // 部门, 兑现类型, 适用地区
	Terms []facetLink
}

type facetLink struct {
	FacetTerm
	URL    string
	Active bool
}

// searchPolicies is the policy search page: a search box, hits with their
// highlights, and facets as filters.
func (h *Handler) searchPolicies(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	q := SearchQuery{
		Query: strings.TrimSpace(qv.Get("q")), Department: qv.Get("department"), Kind: qv.Get("kind"),
		Region: qv.Get("region"), Mode: qv.Get("mode"), Limit: 50,
	}
	if q.Kind != "" {
		if _, ok := policies.KindLabels[q.Kind]; !ok {
			return huiqi.FieldErrorf("kind", "未知的兑现类型 %q", q.Kind)
		}
	}
	if q.Mode != "" && q.Mode != policies.ModeApply && q.Mode != policies.ModeAuto {
		return huiqi.FieldErrorf("mode", "兑现方式应为申报或免申即享")
	}
	res, err := h.Searcher.SearchPolicies(r.Context(), q)
	if err != nil {
		return err
	}
	p := searchPage{Query: q, Result: res}
	for _, hit := range res.Hits {
		v := hitView{SearchHit: hit, Title: template.HTML(html.EscapeString(hit.Title)), Auto: hit.Mode == policies.ModeAuto}
		if t := hit.Highlights["title"]; len(t) > 0 {
			v.Title = markHTML(t[0])
		}
		for _, field := range []string{"summary", "body"} {
			for _, f := range hit.Highlights[field] {
				v.Fragments = append(v.Fragments, markHTML(f))
			}
		}
		if len(v.Fragments) == 0 && hit.Summary != "" {
			v.Fragments = []template.HTML{template.HTML(html.EscapeString(hit.Summary))}
		}
		p.Hits = append(p.Hits, v)
	}
	with := func(name, value string) string {
		u := url.Values{}
		for k, vs := range qv {
			if k != name && len(vs) > 0 && vs[0] != "" {
				u.Set(k, vs[0])
			}
		}
		if value != "" {
			u.Set(name, value)
		}
		if len(u) == 0 {
			return "/ui/policies"
		}
		return "/ui/policies?" + u.Encode()
	}
	for _, f := range []struct{ name, value, label string }{
		{"department", q.Department, q.Department}, {"kind", q.Kind, policies.KindLabels[q.Kind]},
		{"region", q.Region, regionName(q.Region)}, {"mode", q.Mode, modeText(q.Mode)},
	} {
		if f.value != "" {
			p.Filters = append(p.Filters, activeFilter{Label: f.label, Remove: with(f.name, "")})
		}
	}
	for _, f := range []struct {
		name, param, current string
		terms                []FacetTerm
	}{
		{"主管部门", "department", q.Department, res.Facets.Department},
		{"兑现类型", "kind", q.Kind, res.Facets.Kind},
		{"适用地区", "region", q.Region, res.Facets.Region},
	} {
		fv := facetView{Name: f.name}
		for _, t := range f.terms {
			if t.Term == "" {
				continue // a policy without a region scope: no filter selects it alone
			}
			fv.Terms = append(fv.Terms, facetLink{FacetTerm: t, URL: with(f.param, t.Term), Active: t.Term == f.current})
		}
		if len(fv.Terms) > 0 {
			p.Facets = append(p.Facets, fv)
		}
	}
	h.render(w, r, http.StatusOK, "search", "政策检索", "search", p)
	return nil
}

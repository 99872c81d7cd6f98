package index

import (
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Text conditions ask for words in a profile's free text, as in
// {"field":"business_scope","op":"contains_any","value":["鞋","服装"]}: the
// text contains one (contains_any) or every (contains_all) word as a
// substring, after lower-casing and folding full-width ASCII; unknown when
// the text is missing. The matcher judges them. Here they become candidate
// queries over the profiles' texts, analysed as policy search analyses
// Chinese (bigrams), and built so that they can only err outward.
//
// The analyzer is not local: the tokens of a word are not always tokens of
// a text containing it. "led" inside "oled" is no token of it, full-width
// digits are dropped ("Ａｂ1２" is the token "ab1"), 々 joins the letters
// beside it, and the segmenter knows no Han character added to Unicode
// after its tables (16,676 of Go's 98,408: U+4DB6…, U+9FD6…, a quarter of
// the supplementary planes'), which it drops. What does hold, by the word-break rules and as
// bigramChar checks, is that every character the analyzer treats as an
// ideograph is a token of its own wherever it stands: so a text containing
// a word has every bigram of the word's runs of such characters, and some
// term containing each lone one. The queries ask for exactly that and
// nothing of the word's other characters. A word with none (ASCII, say)
// asks only that the text be there, and the matcher decides. Lower-casing
// and width folding leave these characters as they are, so the queries
// need no normalisation of their own.

// profileTexts are the profile texts text conditions search.
var profileTexts = []string{"business_scope", "main_products"}

// profileText is a profile's text by field name; "" is unknown.
func profileText(e *huiqi.Enterprise, field string) string {
	switch field {
	case "business_scope":
		return e.BusinessScope
	case "main_products":
		return e.MainProducts
	}
	return ""
}

// textLeaf returns the field and words of a text condition.
func textLeaf(c *policies.Condition) (field string, all bool, words []string, ok bool) {
	if c.Op != huiqi.OpContainsAny && c.Op != huiqi.OpContainsAll {
		return "", false, nil, false
	}
	return c.Field, c.Op == huiqi.OpContainsAll, c.Arg.Strs, true
}

var textAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	a, err := registry.NewCache().AnalyzerNamed(searchAnalyzer)
	if err != nil {
		panic("index: analyzer " + searchAnalyzer + ": " + err.Error())
	}
	return a
})

var bigramChars sync.Map // rune → bool

// bigramChar reports whether the analyzer makes r a token of its own that
// pairs with its neighbours: a Han character its segmenter knows as an
// ideograph. The answer is the analyzer's own, asked once per character.
func bigramChar(r rune) bool {
	if !unicode.Is(unicode.Han, r) {
		return false
	}
	if v, ok := bigramChars.Load(r); ok {
		return v.(bool)
	}
	s := string(r)
	toks := textAnalyzer().Analyze([]byte("甲" + s + "乙"))
	ok := len(toks) == 2 && string(toks[0].Term) == "甲"+s && string(toks[1].Term) == s+"乙"
	bigramChars.Store(r, ok)
	return ok
}

// wordParts returns what a text containing w is sure to be indexed with:
// the bigrams of w's runs of two or more bigram characters, and its lone
// bigram characters, each of which some indexed term contains.
func wordParts(w string) (bigrams, singles []string) {
	rs := []rune(w)
	for i := 0; i < len(rs); {
		if !bigramChar(rs[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && bigramChar(rs[j]) {
			j++
		}
		if j-i == 1 {
			singles = append(singles, string(rs[i]))
		}
		for k := i; k+1 < j; k++ {
			bigrams = append(bigrams, string(rs[k:k+2]))
		}
		i = j
	}
	return bigrams, singles
}

// containsQuery matches the indexed texts of field that may contain w: a
// superset of those that do.
func containsQuery(field, w string) *q {
	bigrams, singles := wordParts(w)
	kids := []*q{term(fHas, field)}
	for _, b := range bigrams {
		kids = append(kids, term(field, b))
	}
	for _, s := range singles {
		// The wildcard also matches the character's unigram, indexed where
		// it stands alone.
		wq := bleve.NewWildcardQuery("*" + s + "*")
		wq.SetField(field)
		kids = append(kids, leafQ(wq))
	}
	return and(kids...)
}

// textBracket is a text condition over the enterprise index. It is true
// only where the text is there and holds the words, which only the matcher
// can tell, so its true side is enclosed by "there and may hold them" and
// nothing; it is not false where the text is missing (unknown) or may hold
// them, and surely not false where the text is missing.
func textBracket(field string, all bool, words []string) bracket {
	ws := make([]*q, len(words))
	for i, w := range words {
		ws[i] = containsQuery(field, w)
	}
	hit := or(ws...)
	if all {
		hit = and(ws...)
	}
	// containsQuery asks for the text to be there.
	missing := missingTerm(field)
	return bracket{trueOuter: hit, trueInner: matchNone, okOuter: or(missing, hit), okInner: missing}
}

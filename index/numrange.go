package index

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// numRange is an inclusive range query on a numeric field. It replaces
// bleve's NumericRangeQuery, whose searcher lists the prefix-coded terms of
// each sub-range by incrementing raw bytes: terms hold 7 bits a byte, so a
// narrow range that crosses a boundary of 2^(7k) (rd_ratio between 0.999999999
// and 1.000000001, say) walks through 256^(k-1) junk byte strings and runs
// out of memory. Here the sub-ranges are the same (Lucene's trie split at
// bleve's precision step) but their terms are counted out as numbers.
type numRange struct {
	field  string
	lo, hi float64
}

const signBit = 1 << 63

// sortable maps a float to the unsigned order of its prefix-coded terms.
func sortable(f float64) uint64 { return uint64(numeric.Float64ToInt64(f)) ^ signBit }

// numericTerms returns the prefix-coded terms whose union is every indexed
// number in [lo, hi]: full-precision terms at the ragged ends, coarser ones
// (the value with its low shift bits dropped) for the aligned middle.
func numericTerms(lo, hi float64) [][]byte {
	const step = document.DefaultPrecisionStep
	minB, maxB := sortable(lo), sortable(hi)
	if minB > maxB {
		return nil
	}
	var out [][]byte
	add := func(from, to uint64, shift uint) { // [from, to] in sortable space, aligned to shift
		for u := from >> shift; ; u++ {
			out = append(out, numeric.MustNewPrefixCodedInt64(int64((u<<shift)^signBit), shift))
			if u == to>>shift {
				return
			}
		}
	}
	for shift := uint(0); ; shift += step {
		mask := (uint64(1)<<step - 1) << shift
		if shift+step >= 64 {
			add(minB, maxB, shift)
			return out
		}
		diff := uint64(1) << (shift + step)
		hasLower := minB&mask != 0
		hasUpper := maxB&mask != mask
		nextMin, nextMax := minB&^mask, maxB&^mask
		lowerWrapped, upperWrapped := false, false
		if hasLower {
			nextMin = (minB + diff) &^ mask
			lowerWrapped = nextMin < minB
		}
		if hasUpper {
			nextMax = (maxB - diff) &^ mask
			upperWrapped = nextMax > maxB
		}
		if lowerWrapped || upperWrapped || nextMin > nextMax {
			add(minB, maxB, shift)
			return out
		}
		if hasLower {
			add(minB, minB|mask, shift)
		}
		if hasUpper {
			add(maxB&^mask, maxB, shift)
		}
		minB, maxB = nextMin, nextMax
	}
}

// bounds returns the range with open ends closed at the largest finite
// numbers, the extremes anything indexed can hold.
func (r *numRange) bounds() (float64, float64) {
	return max(r.lo, -math.MaxFloat64), min(r.hi, math.MaxFloat64)
}

// Searcher ORs the postings of the range's terms, skipping terms absent from
// the field's dictionary when the index can tell cheaply. It never returns
// bleve's match-none searcher, which a boolean query would mistake for "no
// clause" and turn a conjunction into "everything but".
func (r *numRange) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	lo, hi := r.bounds()
	return (&termSet{field: r.field, terms: numericTerms(lo, hi)}).Searcher(ctx, i, m, options)
}

// termSet matches documents holding any of the terms in field. Terms absent
// from the dictionary are dropped first when the index can tell cheaply:
// a percolation query lists every tag a profile lacks, and a range every
// split term, most of which no document has.
type termSet struct {
	field string
	terms [][]byte
}

// Searcher never returns bleve's match-none searcher; see numRange.
func (t *termSet) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	terms := t.terms
	if irr, ok := i.(index.IndexReaderContains); ok {
		dict, err := irr.FieldDictContains(t.field)
		if err != nil {
			return nil, err
		}
		kept := make([][]byte, 0, len(terms))
		for _, term := range terms {
			if found, err := dict.Contains(term); err == nil && found {
				kept = append(kept, term)
			}
		}
		terms = kept
		if fd, ok := dict.(index.FieldDict); ok {
			if err := fd.Close(); err != nil {
				return nil, err
			}
		}
	}
	return searcher.NewMultiTermSearcherBytes(ctx, i, terms, t.field, 1.0, options, false)
}

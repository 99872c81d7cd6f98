package index

import (
	"context"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// q is a boolean query under construction. Building a small tree of our own
// before handing it to bleve lets constants fold (a conjunction with "none"
// is none, a negated "all" is none), so that the superset and subset
// approximations of a rule stay small and "match nothing" is recognised
// without running a search.
type q struct {
	op   qop
	kids []*q
	leaf query.Query
}

type qop uint8

const (
	qAll qop = iota
	qNone
	qLeaf
	qAnd
	qOr
	qNot
)

var (
	matchAll  = &q{op: qAll}
	matchNone = &q{op: qNone}
)

func leafQ(lq query.Query) *q { return &q{op: qLeaf, leaf: lq} }

func and(kids ...*q) *q {
	var out []*q
	for _, k := range kids {
		switch k.op {
		case qNone:
			return matchNone
		case qAll:
			continue
		case qAnd:
			out = append(out, k.kids...)
		default:
			out = append(out, k)
		}
	}
	switch len(out) {
	case 0:
		return matchAll
	case 1:
		return out[0]
	}
	return &q{op: qAnd, kids: out}
}

func or(kids ...*q) *q {
	var out []*q
	for _, k := range kids {
		switch k.op {
		case qAll:
			return matchAll
		case qNone:
			continue
		case qOr:
			out = append(out, k.kids...)
		default:
			out = append(out, k)
		}
	}
	switch len(out) {
	case 0:
		return matchNone
	case 1:
		return out[0]
	}
	return &q{op: qOr, kids: out}
}

func not(k *q) *q {
	switch k.op {
	case qAll:
		return matchNone
	case qNone:
		return matchAll
	case qNot:
		return k.kids[0]
	}
	return &q{op: qNot, kids: []*q{k}}
}

func term(field, value string) *q {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return leafQ(t)
}

// terms matches documents with any of the values in field.
func terms(field string, values []string) *q {
	switch len(values) {
	case 0:
		return matchNone
	case 1:
		return term(field, values[0])
	}
	ts := make([][]byte, len(values))
	for i, v := range values {
		ts[i] = []byte(v)
	}
	return leafQ(&termSet{field: field, terms: ts})
}

// floatRange matches numbers in [lo, hi], both included; infinite bounds
// are open ends. Zero bounds take in both zeros, which the index orders
// apart (-0 below +0) but comparison does not.
func floatRange(field string, lo, hi float64) *q {
	if lo > hi || math.IsNaN(lo) || math.IsNaN(hi) {
		return matchNone
	}
	if lo == 0 {
		lo = math.Copysign(0, -1)
	}
	if hi == 0 {
		hi = 0
	}
	return leafQ(&numRange{field: field, lo: lo, hi: hi})
}

// bleveQuery converts the tree. A conjunction's negated members become the
// must-not clause of one boolean query, the form bleve runs as a filter
// rather than as "everything minus something" per member.
func (x *q) bleveQuery() query.Query {
	switch x.op {
	case qAll:
		return bleve.NewMatchAllQuery()
	case qNone:
		return bleve.NewMatchNoneQuery()
	case qLeaf:
		return x.leaf
	case qOr:
		d := bleve.NewDisjunctionQuery()
		for _, k := range x.kids {
			d.AddQuery(k.bleveQuery())
		}
		return d
	case qNot:
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(x.kids[0].bleveQuery())
		return b
	}
	var must, mustNot []query.Query
	for _, k := range x.kids {
		if k.op == qNot {
			mustNot = append(mustNot, k.kids[0].bleveQuery())
		} else {
			must = append(must, k.bleveQuery())
		}
	}
	if len(mustNot) == 0 {
		return bleve.NewConjunctionQuery(must...)
	}
	b := bleve.NewBooleanQuery()
	if len(must) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	b.AddMust(must...)
	b.AddMustNot(mustNot...)
	return b
}

// collectIDs returns the ids of every document matching x, unscored and in
// index order. It drives bleve's searcher directly: a top-N collector over
// hundreds of thousands of hits would spend its time sorting scores that
// candidates do not need.
func collectIDs(ctx context.Context, idx bleve.Index, x *q) ([]string, error) {
	if x.op == qNone {
		return nil, nil
	}
	adv, err := idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index internals: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index reader: %w", err)
	}
	defer r.Close()
	s, err := x.bleveQuery().Searcher(ctx, r, idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("searcher: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	var ids []string
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if dm == nil {
			return ids, nil
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		if err != nil {
			return nil, fmt.Errorf("document id: %w", err)
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(dm)
	}
}

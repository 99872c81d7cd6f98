package index

import (
	"context"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// autoPolicies are the catalogue's 免申即享 policies.
var autoPolicies = []string{
	"qz-bank-tax-credit-loan", "qz-credit-repair-service", "qz-hightech-award", "qz-little-giant-award",
	"qz-medical-insurance-rate-cut", "qz-park-rent-waiver", "qz-small-micro-tax-relief", "qz-yongquan-job-expansion",
}

// relevance lists queries an enterprise would type, with the catalogue
// policies that must come first, read from policies/catalogue/*.yaml: every
// id of want must be in the top three; or, for a broad query (within), each
// of the top three must be one of want.
var relevance = []struct {
	query  string
	want   []string
	within bool
}{
	{query: "租金减免", want: []string{"qz-park-rent-waiver"}},
	{query: "房租减免", want: []string{"qz-park-rent-waiver"}},
	{query: "专精特新", want: []string{"qz-specialized-sme-award", "qz-little-giant-award"}},
	{query: "首贷", want: []string{"qz-first-loan-interest"}},
	{query: "研发费用补助", want: []string{"qz-tech-sme-rd-subsidy", "qz-hightech-rd-subsidy"}},
	{query: "研发补贴", want: []string{"qz-tech-sme-rd-subsidy", "qz-hightech-rd-subsidy"}},
	{query: "晋江 龙头企业", want: []string{"jj-footwear-garment-upgrade"}},
	{query: "人才", want: []string{"qz-talent-harbour"}},
	{query: "高层次人才", want: []string{"qz-talent-harbour"}},
	{query: "小巨人", want: []string{"qz-little-giant-award"}},
	{query: "绿色工厂", want: []string{"qz-green-factory-award"}},
	{query: "数字化转型", want: []string{"qz-digital-transformation"}},
	{query: "医保", want: []string{"qz-medical-insurance-rate-cut"}},
	{query: "信用修复", want: []string{"qz-credit-repair-service"}},
	{query: "外贸", want: []string{"qz-foreign-trade-award"}},
	{query: "茶叶", want: []string{"ax-tea-industry"}},
	{query: "安溪铁观音", want: []string{"ax-tea-industry"}},
	{query: "陶瓷", want: []string{"dh-ceramics-upgrade"}},
	{query: "石化", want: []string{"qg-petrochemical-upgrade"}},
	{query: "石材", want: []string{"nh-stone-green-transition"}},
	{query: "软件", want: []string{"qz-software-it-award"}},
	{query: "高新技术企业", want: []string{"qz-hightech-award", "qz-hightech-rd-subsidy"}},
	{query: "贷款贴息", want: []string{"qz-first-loan-interest"}},
	{query: "免申即享", want: autoPolicies, within: true},
	{query: "免申即享?", want: autoPolicies, within: true},
	{query: "餐饮", want: []string{"qz-catering-lodging-relief"}},
	{query: "高成长企业", want: []string{"qz-gazelle-award-2027"}},
	{query: "孵化器", want: []string{"qz-incubator-startup"}},
	{query: "六税两费", want: []string{"qz-small-micro-tax-relief"}},
	{query: "扩岗补助", want: []string{"qz-yongquan-job-expansion"}},
	{query: "银税互动", want: []string{"qz-bank-tax-credit-loan"}},
	{query: "石狮 服装", want: []string{"ss-garment-brand-award"}},
	{query: "循环化改造", want: []string{"qz-circular-park-retrofit"}},
	{query: "科技成果转化", want: []string{"qz-tech-achievement-transfer"}},
	{query: "限额以上", want: []string{"qz-trade-circulation-award"}},
	{query: "规上工业", want: []string{"qz-above-size-growth-award"}},
	{query: "小微企业", want: []string{"qz-first-loan-interest", "qz-small-micro-tax-relief"}},
	{query: "质量奖", want: []string{"qz-quality-brand-award"}},
	{query: "鞋", want: []string{"qz-foreign-trade-award"}},
	{query: "茶", want: []string{"ax-tea-industry"}},
	{query: "瓷", want: []string{"dh-ceramics-upgrade"}},
}

// catalogueIndex returns memory indexes holding the bundled catalogue, with
// policy search analysed by analyzer.
func catalogueIndex(tb testing.TB, analyzer string) *Index {
	tb.Helper()
	ix, err := OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	m, err := policyMapping(analyzer)
	if err != nil {
		tb.Fatal(err)
	}
	ix.search.Close()
	if ix.search, err = bleve.NewMemOnly(m); err != nil {
		tb.Fatal(err)
	}
	pols, err := policies.Catalogue(huiqi.NewDate(2026, 11, 25))
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range pols {
		if err := ix.PutPolicy(p); err != nil {
			tb.Fatal(err)
		}
	}
	return ix
}

// variant is a way of searching Chinese: an analyzer for the index and
// whether one-character words are expanded to the bigrams containing them.
type variant struct {
	analyzer     string
	expandSingle bool
}

// measure is how a variant does on the relevance table.
type measure struct {
	passed    int     // queries whose wanted policies are in the top 3
	mrr       float64 // mean reciprocal rank of the first wanted policy
	precision float64 // mean share of wanted policies among the top 10 returned
	hits      float64 // mean number of policies matched
}

func (m measure) better(o measure) bool {
	if m.passed != o.passed {
		return m.passed > o.passed
	}
	if m.precision != o.precision {
		return m.precision > o.precision
	}
	return m.mrr > o.mrr
}

// relevanceScore runs the table with variant v on ix, reporting each query.
func relevanceScore(tb testing.TB, ix *Index, v variant, report func(query string, top []string, ok bool)) measure {
	var m measure
	for _, r := range relevance {
		res, err := ix.find(context.Background(), SearchRequest{Query: r.query, Size: 10}, func(text string) query.Query {
			return textQuery(text, v.expandSingle)
		})
		if err != nil {
			tb.Fatal(err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		top := ids[:min(3, len(ids))]
		ok := len(top) > 0
		if r.within {
			for _, id := range top {
				ok = ok && slices.Contains(r.want, id)
			}
		} else {
			for _, w := range r.want {
				ok = ok && slices.Contains(top, w)
			}
		}
		if ok {
			m.passed++
		}
		wanted := 0
		for i, id := range ids {
			if slices.Contains(r.want, id) {
				if wanted == 0 {
					m.mrr += 1 / float64(i+1)
				}
				wanted++
			}
		}
		if len(ids) > 0 {
			m.precision += float64(wanted) / float64(len(ids))
		}
		m.hits += float64(res.Total)
		report(r.query, top, ok)
	}
	n := float64(len(relevance))
	m.mrr, m.precision, m.hits = m.mrr/n, m.precision/n, m.hits/n
	return m
}

// TestSearch_Relevance requires every query of the table to find its
// policies in the top three.
func TestSearch_Relevance(t *testing.T) {
	ix := catalogueIndex(t, searchAnalyzer)
	m := relevanceScore(t, ix, variant{searchAnalyzer, expandSingle}, func(query string, top []string, ok bool) {
		if !ok {
			t.Errorf("Search(%q) top 3 = %v", query, top)
		}
	})
	t.Logf("%s: %d/%d queries pass, MRR %.3f, precision@10 %.3f, mean matches %.1f", searchAnalyzer, m.passed, len(relevance), m.mrr, m.precision, m.hits)
}

// TestSearch_AnalyzerChoice measures the ways of analysing Chinese on the
// relevance table and holds the chosen one to be at least as good as any.
func TestSearch_AnalyzerChoice(t *testing.T) {
	chosen := variant{searchAnalyzer, expandSingle}
	scores := map[variant]measure{}
	for _, v := range []variant{{analyzerBigram, false}, {analyzerUniBigram, false}, {analyzerBigram, true}} {
		ix := catalogueIndex(t, v.analyzer)
		var failed []string
		m := relevanceScore(t, ix, v, func(query string, top []string, ok bool) {
			if !ok {
				failed = append(failed, query)
			}
		})
		scores[v] = m
		t.Logf("%-20s expand=%-5v %d/%d pass, MRR %.3f, precision@10 %.3f, mean matches %.1f, failing %v",
			v.analyzer, v.expandSingle, m.passed, len(relevance), m.mrr, m.precision, m.hits, failed)
	}
	for v, m := range scores {
		if m.better(scores[chosen]) {
			t.Errorf("%+v scores %+v, better than the chosen %+v %+v", v, m, chosen, scores[chosen])
		}
	}
}

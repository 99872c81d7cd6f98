package index_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// benchEnterprises is the scale; HUIQI_BENCH_ENTERPRISES changes
// it. Building the 200,000-profile index takes about 100 s on 2 cores and is
// done once for all benchmarks.
func benchEnterprises() int {
	if n, err := strconv.Atoi(os.Getenv("HUIQI_BENCH_ENTERPRISES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

type benchFixture struct {
	ix       *index.Index
	m        *matcher.Matcher
	es       []*huiqi.Enterprise
	policies map[string]*matcher.Compiled
	catalog  []*matcher.Compiled
}

var (
	fixOnce sync.Once
	fix     *benchFixture
	fixDirs []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		fix.ix.Close()
	}
	for _, d := range fixDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func tempDir(b *testing.B) string {
	dir, err := os.MkdirTemp("", "huiqi-bench-")
	if err != nil {
		b.Fatal(err)
	}
	fixDirs = append(fixDirs, dir)
	return dir
}

// fixture builds, once, the demo profiles at benchmark scale with the
// catalogue, on disk, and the matcher holding the same.
func fixture(b *testing.B) *benchFixture {
	fixOnce.Do(func() {
		n := benchEnterprises()
		f := &benchFixture{m: matcher.New(), policies: map[string]*matcher.Compiled{}, es: demo.Enterprises(n, 1, today)}
		ix, err := index.Open(tempDir(b))
		if err != nil {
			b.Fatal(err)
		}
		pols := mustCatalogue(b)
		start := time.Now()
		if err := ix.Rebuild(context.Background(), pols, all(f.es)); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d enterprises and %d policies in %v", n, len(pols), time.Since(start).Round(time.Second))
		f.ix = ix
		f.m.PutProfiles(f.es...)
		for _, p := range pols {
			c := matcher.Compile(p)
			f.m.PutPolicy(c)
			f.catalog = append(f.catalog, c)
			f.policies[p.ID] = c
		}
		fix = f
	})
	if fix == nil {
		b.Fatal("fixture failed")
	}
	return fix
}

func parsePolicy(tb testing.TB, doc map[string]any) *policies.Policy {
	tb.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := policies.Parse(data, today)
	if err != nil {
		tb.Fatalf("%v: %s", err, data)
	}
	return p
}

func leaf(field, op string, value any) map[string]any {
	return map[string]any{"field": field, "op": op, "value": value}
}

// benchRules range from one district's one industry to every enterprise.
func benchRules(b *testing.B, f *benchFixture) []struct {
	name string
	c    *matcher.Compiled
} {
	custom := func(id, scope string, conds ...map[string]any) *matcher.Compiled {
		doc := map[string]any{"id": id, "title": id, "department": "测试", "benefit": map[string]any{"kind": "subsidy"},
			"region": scope, "eligibility": map[string]any{"all": conds}}
		return matcher.Compile(parsePolicy(b, doc))
	}
	noDishonest := leaf("dishonest", "eq", false)
	return []struct {
		name string
		c    *matcher.Compiled
	}{
		{"district-industry", custom("dehua-ceramics", "350526", leaf("industry", "prefix", "C30"), noDishonest)},
		{"jinjiang-footwear", f.policies["jj-footwear-garment-upgrade"]},
		{"rare-tags", f.policies["qz-little-giant-award"]},
		{"industry-division", custom("chemicals", "3505", leaf("industry", "prefix", "C26"), noDishonest)},
		{"employees-range", custom("mid-size", "3505", leaf("employees", "between", []int{100, 300}), noDishonest)},
		{"city-sme", f.policies["qz-small-micro-tax-relief"]},
		{"everyone", custom("everyone", "3505", noDishonest)},
	}
}

// BenchmarkPolicyToEnterprises compares, per rule, the enterprises of a
// policy found through the index (candidates, then the evaluator on each)
// with the matcher's plain scan of every profile.
func BenchmarkPolicyToEnterprises(b *testing.B) {
	f := fixture(b)
	ctx := context.Background()
	for _, r := range benchRules(b, f) {
		want := f.m.MatchPolicy(r.c, today, false).Total
		est, err := f.ix.EstimateCandidates(ctx, r.c.Policy, today)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.name+"/index", func(b *testing.B) {
			var cands int
			for b.Loop() {
				codes, err := f.ix.EnterpriseCandidates(ctx, r.c.Policy, today)
				if err != nil {
					b.Fatal(err)
				}
				eligible := 0
				var total huiqi.Money
				for _, code := range codes {
					p, _ := f.m.Profile(code)
					if r.c.Eligible(p, today) {
						eligible++
						if a := r.c.Amount(p, today); a != nil {
							total += *a
						}
					}
				}
				if eligible != want {
					b.Fatalf("%d eligible through the index, %d by scan", eligible, want)
				}
				cands = len(codes)
			}
			b.ReportMetric(float64(cands), "candidates")
			b.ReportMetric(float64(want), "eligible")
			b.ReportMetric(float64(est), "estimate")
		})
		b.Run(r.name+"/scan", func(b *testing.B) {
			for b.Loop() {
				if got := f.m.MatchPolicy(r.c, today, false).Total; got != want {
					b.Fatal(got)
				}
			}
			b.ReportMetric(float64(want), "eligible")
		})
	}
}

// generatedPolicies draws n policy documents in the catalogue's style: 2 to
// 5 top-level conditions on districts, industries, tags, sizes and figures.
func generatedPolicies(tb testing.TB, n int) []*policies.Policy {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	districts := []string{"350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582", "350583"}
	divisions := []string{"C13", "C14", "C17", "C18", "C19", "C24", "C26", "C30", "C33", "C34", "C35", "C38", "C39", "F51", "F52", "I65", "A01", "H61", "H62"}
	tags := []string{"hightech", "tech_sme", "specialized", "little_giant", "park_resident", "exporter", "insured_full", "first_loan", "green_factory", "digital_pilot", "brand_award", "ecommerce"}
	makers := []func() map[string]any{
		func() map[string]any { return leaf("industry", "prefix", divisions[r.IntN(len(divisions))]) },
		func() map[string]any { return leaf("tags", "has", tags[r.IntN(len(tags))]) },
		func() map[string]any { return leaf("scale", "in", []string{"small", "micro"}) },
		func() map[string]any { return leaf("employees", "gte", []int{10, 20, 50, 100, 300}[r.IntN(5)]) },
		func() map[string]any { return leaf("revenue", "gte", []int{1e6, 5e6, 2e7, 1e8}[r.IntN(4)]) },
		func() map[string]any { return leaf("age_years", "gte", 1+r.IntN(5)) },
		func() map[string]any { return leaf("tax_credit", "in", []string{"A", "B"}) },
		func() map[string]any { return map[string]any{"not": leaf("tax_credit", "in", []string{"C", "D"})} },
		func() map[string]any { return leaf("rd_ratio", "gte", "0.03") },
		func() map[string]any {
			return map[string]any{"any": []any{leaf("tags", "has", "hightech"), leaf("tags", "has", "tech_sme")}}
		},
	}
	out := make([]*policies.Policy, n)
	for i := range out {
		// Every measure targets an industry or a qualification, and half of
		// them one district, as the catalogue's do.
		conds := []any{leaf("dishonest", "eq", false), makers[r.IntN(2)]()}
		for range r.IntN(4) {
			conds = append(conds, makers[r.IntN(len(makers))]())
		}
		scope := "3505"
		if r.IntN(2) == 0 {
			scope = districts[r.IntN(len(districts))]
		}
		out[i] = parsePolicy(tb, map[string]any{"id": fmt.Sprintf("gen-%05d", i), "title": "生成政策", "department": "测试",
			"region": scope, "benefit": map[string]any{"kind": "subsidy"}, "eligibility": map[string]any{"all": conds}})
	}
	return out
}

// BenchmarkEnterpriseToPolicies compares, per catalogue size, the policies
// of one enterprise found through the rule index (candidates, then the
// evaluator on each) with judging every policy.
func BenchmarkEnterpriseToPolicies(b *testing.B) {
	f := fixture(b)
	ctx := context.Background()
	sample := f.es[:2000]
	for _, size := range []int{31, 1000, 10000, 30000} {
		ix, list := f.ix, f.catalog
		if size != len(f.catalog) {
			pols := generatedPolicies(b, size)
			var err error
			if ix, err = index.Open(tempDir(b)); err != nil {
				b.Fatal(err)
			}
			if err := ix.Rebuild(ctx, pols, all[*huiqi.Enterprise](nil)); err != nil {
				b.Fatal(err)
			}
			list = nil
			for _, p := range pols {
				list = append(list, matcher.Compile(p))
			}
		}
		byID := map[string]*matcher.Compiled{}
		for _, c := range list {
			byID[c.Policy.ID] = c
		}
		profiles := make([]*matcher.Profile, len(sample))
		for i, e := range sample {
			profiles[i], _ = f.m.Profile(e.CreditCode)
		}
		name := fmt.Sprintf("policies-%d", size)
		b.Run(name+"/index", func(b *testing.B) {
			i, cands, eligible := 0, 0, 0
			for b.Loop() {
				e := sample[i%len(sample)]
				ids, err := ix.PolicyCandidates(ctx, e, today)
				if err != nil {
					b.Fatal(err)
				}
				sub := make([]*matcher.Compiled, 0, len(ids))
				for _, id := range ids {
					sub = append(sub, byID[id])
				}
				r := matcher.Judge(sub, profiles[i%len(sample)], today, false)
				cands += len(ids)
				eligible += len(r.Eligible)
				i++
			}
			b.ReportMetric(float64(cands)/float64(i), "candidates/op")
			b.ReportMetric(float64(eligible)/float64(i), "eligible/op")
		})
		b.Run(name+"/scan", func(b *testing.B) {
			i, eligible := 0, 0
			for b.Loop() {
				r := matcher.Judge(list, profiles[i%len(sample)], today, false)
				eligible += len(r.Eligible)
				i++
			}
			b.ReportMetric(float64(eligible)/float64(i), "eligible/op")
		})
		if ix != f.ix {
			ix.Close()
		}
	}
}

// BenchmarkPutEnterprises measures the index catch-up of huiqi-bench: the
// demo profiles at benchmark scale put into a fresh on-disk index through
// PutEnterprises, in calls of 2,000 (engine.ImportBatchSize). Sub-benchmark
// rebuild measures the same profiles through Rebuild.
func BenchmarkPutEnterprises(b *testing.B) {
	n := benchEnterprises()
	es := demo.Enterprises(n, 1, today)
	b.Run("put", func(b *testing.B) {
		for b.Loop() {
			ix, err := index.Open(tempDir(b))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for i := 0; i < len(es); i += 2000 {
				if err := ix.PutEnterprises(es[i:min(i+2000, len(es))]); err != nil {
					b.Fatal(err)
				}
			}
			d := time.Since(start)
			b.ReportMetric(float64(n)/d.Seconds(), "profiles/s")
			if c, err := ix.Counts(); err != nil || c.Enterprises != uint64(n) {
				b.Fatalf("counts %+v, %v", c, err)
			}
			ix.Close()
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			ix, err := index.Open(tempDir(b))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := ix.Rebuild(context.Background(), nil, all(es)); err != nil {
				b.Fatal(err)
			}
			d := time.Since(start)
			b.ReportMetric(float64(n)/d.Seconds(), "profiles/s")
			if c, err := ix.Counts(); err != nil || c.Enterprises != uint64(n) {
				b.Fatalf("counts %+v, %v", c, err)
			}
			ix.Close()
		}
	})
}

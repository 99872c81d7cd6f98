package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Sizes the benchmarks are stated at: one enterprise against the published
// catalogue, and one policy's reach over every profile of the city.
const (
	benchPolicies = 2000
	benchProfiles = 200_000
)

var benchDay = huiqi.NewDate(2026, 6, 15)

// benchIndustries are Quanzhou's industries, the city's clusters first:
// footwear, textiles and garments, ceramics, stone, tea, petrochemicals,
// electronics, and then services.
var benchIndustries = []string{
	"C1952", "C1953", "C1951", "C1954", "C1811", "C1751", "C3074", "C3075", "C3073", "C3071",
	"C1530", "C2614", "C2511", "C3981", "C3591", "C1361", "B0610", "D4411", "E4710", "F5211",
	"H6210", "I6513", "K7010", "L7211", "M7320", "G5990", "A0111",
}

// benchProfile draws one profile from r; i numbers its credit code.
func benchProfile(r *rand.Rand, i int, figures []huiqi.Money) *huiqi.Enterprise {
	e := &huiqi.Enterprise{
		CreditCode: creditCode(i),
		Name:       fmt.Sprintf("泉州市测试企业%06d有限公司", i),
		Region:     genRegions[r.IntN(len(genRegions))],
		Industry:   benchIndustries[r.IntN(len(benchIndustries))],
		FoundedOn:  huiqi.DateFromDays(int32(huiqi.NewDate(1995, 1, 1).Days()) + r.Int32N(31*365)),
		TaxCredit:  []string{"", "A", "B", "B", "M", "C", "D"}[r.IntN(7)],
		Dishonest:  r.IntN(30) == 0,
	}
	if r.IntN(10) > 0 {
		n := int64(r.ExpFloat64() * 80)
		e.Employees = &n
	}
	// Figures live in one backing slice: one allocation, not five per profile.
	revenue := int64(r.ExpFloat64() * 3e9) // fen; mean 3000万元
	set := func(k int, v int64, p **huiqi.Money) {
		if r.IntN(8) > 0 {
			figures[k] = huiqi.Money(v)
			*p = &figures[k]
		}
	}
	set(0, revenue, &e.Revenue)
	set(1, int64(float64(revenue)*(0.5+r.Float64())), &e.TotalAssets)
	set(2, int64(float64(revenue)*r.Float64()*0.08), &e.RDExpense)
	set(3, int64(float64(revenue)*r.Float64()*0.05), &e.TaxPaid)
	set(4, int64(r.IntN(1000))*1_000_000, &e.RegisteredCapital)
	for _, t := range huiqi.Tags() {
		if r.IntN(8) == 0 {
			e.Tags = append(e.Tags, t.Tag)
		}
	}
	return e
}

// benchLeaf draws one leaf condition as JSON.
func benchLeaf(r *rand.Rand) string {
	pick := func(list ...string) string { return list[r.IntN(len(list))] }
	tag := func() string { return huiqi.Tags()[r.IntN(len(huiqi.Tags()))].Tag }
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf(`{"field": "industry", "op": "prefix", "value": [%q, %q], "label": "属于重点产业"}`, pick("C19", "C17", "C18", "C30", "C"), pick("C15", "C26", "C39", "I65", "C1952"))
	case 1:
		return fmt.Sprintf(`{"field": "industry", "op": "prefix", "value": %q}`, pick("C", "C19", "C30", "I", "F", "H62"))
	case 2:
		return fmt.Sprintf(`{"field": "employees", "op": "gte", "value": %d}`, []int{10, 20, 50, 100, 300}[r.IntN(5)])
	case 3:
		return fmt.Sprintf(`{"field": "revenue", "op": "gte", "value": %d}`, []int{1000000, 5000000, 20000000, 100000000}[r.IntN(4)])
	case 4:
		return fmt.Sprintf(`{"field": "rd_ratio", "op": "gte", "value": %q}`, pick("0.01", "0.02", "0.03", "0.05"))
	case 5:
		return fmt.Sprintf(`{"field": "age_years", "op": %q, "value": %d}`, pick("gte", "lte"), 1+r.IntN(10))
	case 6:
		return fmt.Sprintf(`{"field": "tags", "op": "has", "value": %q}`, tag())
	case 7:
		return fmt.Sprintf(`{"field": "tags", "op": "has_any", "value": [%q, %q]}`, tag(), tag())
	case 8:
		return `{"field": "dishonest", "op": "eq", "value": false, "label": "未列入严重失信主体名单或经营异常名录"}`
	case 9:
		return `{"field": "tax_credit", "op": "in", "value": ["A", "B"]}`
	case 10:
		return fmt.Sprintf(`{"field": "scale", "op": "in", "value": [%q, "micro"]}`, pick("small", "medium"))
	}
	return fmt.Sprintf(`{"field": "revenue", "op": "between", "value": [%d, %d]}`, 1000000*(1+r.IntN(5)), 100000000*(1+r.IntN(5)))
}

// benchPolicyDoc draws one policy document of 2 to 6 conditions.
func benchPolicyDoc(r *rand.Rand, i int) string {
	var conds []string
	for range 2 + r.IntN(5) {
		if r.IntN(8) == 0 {
			conds = append(conds, `{"any": [`+benchLeaf(r)+`, `+benchLeaf(r)+`]}`)
		} else {
			conds = append(conds, benchLeaf(r))
		}
	}
	var extra []string
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		extra = append(extra, `"region": "3505"`)
	case 4:
	default:
		extra = append(extra, fmt.Sprintf(`"region": %q`, genRegions[r.IntN(len(genRegions))]))
	}
	extra = append(extra, `"valid_from": "2025-01-01"`, `"valid_to": "2027-12-31"`)
	if r.IntN(5) == 0 {
		extra = append(extra, fmt.Sprintf(`"exclusive_group": "group-%02d"`, r.IntN(50)))
	}
	amount := ""
	switch r.IntN(4) {
	case 0:
		amount = fmt.Sprintf(`{"fixed": %d}`, 10000*(1+r.IntN(50)))
	case 1:
		amount = `{"rate": "0.003", "of": "revenue", "cap": 300000, "floor": 20000}`
	case 2:
		amount = `{"tiers": [{"when": {"field": "revenue", "op": "gte", "value": 100000000}, "fixed": 500000},
			{"when": {"field": "employees", "op": "gte", "value": 50}, "rate": "0.1", "of": "rd_expense", "cap": 200000}]}`
	}
	return policyDoc(fmt.Sprintf("bench-%04d", i), `{"all": [`+strings.Join(conds, ", ")+`]}`, amount, strings.Join(extra, ", "))
}

var (
	benchPoliciesOnce sync.Once
	benchPolicyList   []*policies.Policy
	benchPolicyMatch  *matcher.Matcher
	benchProfilesOnce sync.Once
	benchEnterprises  []*huiqi.Enterprise
	benchProfileMatch *matcher.Matcher
)

// loadBenchPolicies parses the 2,000 generated policies once.
func loadBenchPolicies(b *testing.B) {
	benchPoliciesOnce.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		benchPolicyMatch = matcher.New()
		for i := range benchPolicies {
			p := mustPolicy(b, benchPolicyDoc(r, i))
			benchPolicyList = append(benchPolicyList, p)
			benchPolicyMatch.PutPolicy(matcher.Compile(p))
		}
	})
}

// loadBenchProfiles generates the 200,000 profiles once.
func loadBenchProfiles() {
	benchProfilesOnce.Do(func() {
		r := rand.New(rand.NewPCG(3, 4))
		figures := make([]huiqi.Money, 5*benchProfiles)
		benchEnterprises = make([]*huiqi.Enterprise, benchProfiles)
		for i := range benchEnterprises {
			benchEnterprises[i] = benchProfile(r, i, figures[5*i:5*i+5])
		}
		benchProfileMatch = matcher.New()
		benchProfileMatch.PutProfiles(benchEnterprises...)
		benchProfileMatch.Prepare(benchDay)
	})
}

// benchEnterprise is the one profile matched against the catalogue: a
// 晋江 shoe maker with every figure and several qualifications.
func benchEnterprise() *huiqi.Enterprise {
	e := baseEnterprise()
	e.Tags = []string{"exporter", "hightech", "park_resident", "tech_sme"}
	return &e
}

// benchReachPolicy is the one policy whose reach is computed.
const benchReachPolicy = `{
	"id": "bench-reach", "title": "泉州市制造业企业技改奖励", "department": "泉州市工业和信息化局",
	"region": "3505", "valid_from": "2025-01-01", "valid_to": "2027-12-31",
	"eligibility": {"all": [
		{"field": "industry", "op": "prefix", "value": "C"},
		{"field": "employees", "op": "gte", "value": 20},
		{"field": "revenue", "op": "gte", "value": 5000000},
		{"field": "dishonest", "op": "eq", "value": false}
	]},
	"benefit": {"kind": "award", "amount": {"rate": "0.003", "of": "revenue", "cap": 300000, "floor": 20000}}
}`

func BenchmarkMatchEnterprise(b *testing.B) {
	loadBenchPolicies(b)
	p := matcher.NewProfile(benchEnterprise())
	var r matcher.Result
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = benchPolicyMatch.MatchProfile(p, benchDay, true)
	}
	b.ReportMetric(float64(len(r.Eligible)), "eligible")
	b.ReportMetric(float64(len(r.NearMisses)), "near")
}

func BenchmarkReferenceMatchEnterprise(b *testing.B) {
	loadBenchPolicies(b)
	e := benchEnterprise()
	var r refResult
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = refMatchProfile(benchPolicyList, e, benchDay)
	}
	b.ReportMetric(float64(len(r.Eligible)), "eligible")
	b.ReportMetric(float64(len(r.NearMisses)), "near")
}

func BenchmarkMatchPolicy(b *testing.B) {
	loadBenchProfiles()
	c := mustCompile(b, benchReachPolicy)
	var r matcher.Reach
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = benchProfileMatch.MatchPolicy(c, benchDay, true)
	}
	b.ReportMetric(float64(r.Total), "eligible")
	b.ReportMetric(float64(r.NearMissTotal), "near")
}

func BenchmarkReferenceMatchPolicy(b *testing.B) {
	loadBenchProfiles()
	p := mustPolicy(b, benchReachPolicy)
	var r refReach
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r = refMatchPolicy(p, benchEnterprises, benchDay)
	}
	b.ReportMetric(float64(len(r.Codes)), "eligible")
	b.ReportMetric(float64(r.NearMissTotal), "near")
}

// TestBenchData_Agrees checks on a sample of the benchmark data that the
// compiled and reference paths the benchmarks time give the same answers,
// so that the speed-up compares like with like.
func TestBenchData_Agrees(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var list []*policies.Policy
	var compiled []*matcher.Compiled
	for i := range 200 {
		p := mustPolicy(t, benchPolicyDoc(r, i))
		list = append(list, p)
		compiled = append(compiled, matcher.Compile(p))
	}
	figures := make([]huiqi.Money, 5*150)
	for i := range 150 {
		e := benchProfile(r, i, figures[5*i:5*i+5])
		got := matcher.Judge(compiled, matcher.NewProfile(e), benchDay, true)
		want := refMatchProfile(list, e, benchDay)
		if len(got.Eligible) != len(want.Eligible) || len(got.NearMisses) != len(want.NearMisses) {
			t.Fatalf("profile %d: %d eligible, %d near misses; reference %d, %d", i, len(got.Eligible), len(got.NearMisses), len(want.Eligible), len(want.NearMisses))
		}
		for j, v := range got.Eligible {
			w := want.Eligible[j]
			if v.PolicyID != w.Policy.ID || v.Recommended != w.Recommended || !sameAmount(v.Amount, w.Amount) {
				t.Fatalf("profile %d eligible[%d] = %s %s %v, reference %s %v %v", i, j, v.PolicyID, moneyString(v.Amount), v.Recommended, w.Policy.ID, w.Amount, w.Recommended)
			}
		}
		for j, nm := range got.NearMisses {
			if w := want.NearMisses[j]; nm.Missing.Label != w.Label || string(nm.Missing.Required) != string(w.Required) {
				t.Fatalf("profile %d near miss %d = %s, reference %s", i, j, nm.Missing.Label, w.Label)
			}
		}
	}
}

// The benchmarks below run on the data huiqi-bench generates (package
// demo): 200,000 Quanzhou profiles and 2,000 policies, the catalogue's mix
// of selective and broad rules, so that go test -bench and huiqi-bench
// measure the same work.
var (
	demoOnce     sync.Once
	demoMatcher  *matcher.Matcher
	demoProfiles []*huiqi.Enterprise
	demoPolicies []*policies.Policy
)

// HUIQI_BENCH_PROFILES and HUIQI_BENCH_POLICIES change the demo benchmarks'
// sizes, to see how they scale: a province is 2,000,000 profiles, a
// province's catalogue 20,000 policies.
func loadDemo() *matcher.Matcher {
	demoOnce.Do(func() {
		demoProfiles = demo.Enterprises(envSize("HUIQI_BENCH_PROFILES", benchProfiles), 1, benchDay)
		demoPolicies = demo.Policies(envSize("HUIQI_BENCH_POLICIES", benchPolicies), 1, benchDay)
		demoMatcher = matcher.New()
		demoMatcher.PutProfiles(demoProfiles...)
		for _, p := range demoPolicies {
			demoMatcher.PutPolicy(matcher.Compile(p))
		}
		demoMatcher.Prepare(benchDay)
	})
	return demoMatcher
}

// envSize returns the size the environment variable gives, or def.
func envSize(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		panic(fmt.Sprintf("%s=%q: not a positive count", name, v))
	}
	return n
}

// BenchmarkDecide is the enterprise → policies decision through the policy
// index, with amounts: what a changed profile costs to rematch.
func BenchmarkDecide(b *testing.B) {
	m := loadDemo()
	var ps []*matcher.Profile
	for _, e := range demoProfiles[:1000] {
		p, _ := m.Profile(e.CreditCode)
		ps = append(ps, p)
	}
	m.Decide(ps[0], benchDay) // builds the index
	b.ReportAllocs()
	b.ResetTimer()
	n, i := 0, 0
	var took []time.Duration // each decision's, for the median the targets are stated in
	cpu0 := processCPU(b)
	for b.Loop() {
		t0 := time.Now()
		n += len(m.Decide(ps[i%len(ps)], benchDay))
		took = append(took, time.Since(t0))
		i++
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(n)/float64(i), "eligible")
}

// BenchmarkPolicyIndex builds the policy index, as after a policy is
// published: one policy stored again, then one decision.
func BenchmarkPolicyIndex(b *testing.B) {
	m := loadDemo()
	p, _ := m.Profile(demoProfiles[0].CreditCode)
	c := m.Policies()[0]
	// Measured once: the matcher is shared, and a later call of this
	// function would find the second index already built.
	indexBytesOnce.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m.DecideCount(p, benchDay.AddDays(1)) // builds a second index, beside benchDay's
		runtime.GC()
		runtime.ReadMemStats(&after)
		indexBytes = float64(after.HeapAlloc) - float64(before.HeapAlloc)
	})
	for b.Loop() {
		m.PutPolicy(c)
		m.DecideCount(p, benchDay)
	}
	b.ReportMetric(indexBytes, "index-bytes")
}

var (
	indexBytesOnce sync.Once
	indexBytes     float64
)

// BenchmarkDecideRow is BenchmarkDecide with the row evaluator alone, every
// policy's tree walked for the profile, for comparison.
func BenchmarkDecideRow(b *testing.B) {
	m := loadDemo()
	list := m.Policies()
	var ps []*matcher.Profile
	for _, e := range demoProfiles[:1000] {
		p, _ := m.Profile(e.CreditCode)
		ps = append(ps, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n, i := 0, 0
	for b.Loop() {
		p := ps[i%len(ps)]
		for _, c := range list {
			if c.Eligible(p, benchDay) {
				n++
			}
		}
		i++
	}
	b.ReportMetric(float64(n)/float64(i), "eligible")
}

// BenchmarkMatchProfileDemo is one enterprise explained against the
// catalogue, near misses included: the answer of GET …/matches.
func BenchmarkMatchProfileDemo(b *testing.B) {
	m := loadDemo()
	var ps []*matcher.Profile
	for _, e := range demoProfiles[:1000] {
		p, _ := m.Profile(e.CreditCode)
		ps = append(ps, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.MatchProfile(ps[i%len(ps)], benchDay, true)
		i++
	}
}

// BenchmarkMatchPolicyDemo is one policy's reach over 200,000 profiles by
// column scans, hits listed with amounts, for policies of rising reach.
func BenchmarkMatchPolicyDemo(b *testing.B) {
	m := loadDemo()
	totals := m.RematchAll(benchDay, 2)
	slices.SortFunc(totals, func(x, y matcher.PolicyTotal) int { return x.Total - y.Total })
	for _, q := range []struct {
		name string
		at   int
	}{{"p50", len(totals) / 2}, {"p90", len(totals) * 9 / 10}, {"max", len(totals) - 1}} {
		c, _ := m.Policy(totals[q.at].PolicyID)
		b.Run(q.name, func(b *testing.B) {
			var r matcher.Reach
			b.ReportAllocs()
			for b.Loop() {
				r = m.MatchPolicy(c, benchDay, false)
			}
			b.ReportMetric(float64(r.Total), "eligible")
		})
	}
}

// BenchmarkRematchAll decides all 400 million pairs with amount totals,
// on one and on two goroutines.
func BenchmarkRematchAll(b *testing.B) {
	m := loadDemo()
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			pairs, runs := 0, 0
			cpu0 := processCPU(b)
			for b.Loop() {
				pairs = 0
				for _, t := range m.RematchAll(benchDay, workers) {
					pairs += t.Total
				}
				runs++
			}
			cpu := processCPU(b) - cpu0
			b.ReportMetric(float64(pairs), "eligible")
			// On a shared machine the wall time says how much CPU the
			// run got; the CPU time, per pair, is what the work costs.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(runs*len(demoProfiles)*m.PolicyCount()), "cpu-ns/pair")
		})
	}
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPutProfiles stores 200,000 profiles in batches of 2,000, as an
// import commits them.
func BenchmarkPutProfiles(b *testing.B) {
	loadDemo()
	b.ReportAllocs()
	for b.Loop() {
		m := matcher.New()
		for i := 0; i < len(demoProfiles); i += 2000 {
			m.PutProfiles(demoProfiles[i:min(i+2000, len(demoProfiles))]...)
		}
	}
}

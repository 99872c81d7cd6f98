package index

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// Domains of the random profiles and rules: small, so that rules and
// profiles meet on equal values, boundaries and prefixes, and including
// headcounts where float64 stops being exact (2^53 + 1), the largest money (10^15 fen) and anniversaries of
// the evaluation days (age boundaries).
var (
	propRegions    = []string{"350502", "350503", "350505", "350521", "350524", "350526", "350581", "350582", "350583", "350598"}
	propIndustries = []string{"C1952", "C1811", "C1751", "C3073", "C3071", "C3032", "C2511", "I65", "I651", "F5127", "F5211", "A0164", "H6110", "M7320"}
	propIndPrefix  = []string{"C", "C19", "C195", "C1952", "C18", "C17", "C30", "C307", "C25", "I", "I65", "I651", "F", "F51", "F52", "A01", "H61", "M"}
	propRegPrefix  = []string{"", "35", "3505", "350582", "350581", "350524", "350583"}
	propTags       = []string{"hightech", "tech_sme", "specialized", "little_giant", "green_factory", "park_resident", "exporter"}
	propNames      = []string{"泉州鞋业有限公司", "晋江陶瓷有限公司", "泉州石化股份", "安溪茶叶合作社", "Quanzhou Tech"}
	propNamePrefix = []string{"泉州", "晋江", "Q", "泉州鞋业有限公司"}
	propEmployees  = []int64{0, 1, 9, 10, 49, 50, 51, 100, 299, 300, 1000, 1<<53 + 1}
	propMoney      = []int64{0, 1, 99_99, 10_000_00, 300_000_00, 5_000_000_00, 20_000_000_00, 100_000_000_00, 1_000_000_000_000_000}
	propRatios     = []string{"0", "0.000001", "0.02", "0.03", "0.029999", "0.05", "0.5", "1", "3"}
	propDays       = []huiqi.Date{
		huiqi.NewDate(2026, 2, 28), huiqi.NewDate(2026, 3, 1), huiqi.NewDate(2024, 2, 29),
		huiqi.NewDate(2025, 12, 31), huiqi.NewDate(2027, 6, 30), huiqi.NewDate(2023, 5, 1),
	}
)

func propCode(i int) string {
	first17 := fmt.Sprintf("91350500MA%07d", i)
	c, err := huiqi.CreditCodeCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

func optional[T any](t *rapid.T, g *rapid.Generator[T], label string) *T {
	if !rapid.Bool().Draw(t, label+"?") {
		return nil
	}
	v := g.Draw(t, label)
	return &v
}

func moneyGen() *rapid.Generator[huiqi.Money] {
	return rapid.Custom(func(t *rapid.T) huiqi.Money {
		if rapid.IntRange(0, 3).Draw(t, "kind") == 0 {
			return huiqi.Money(rapid.Int64Range(0, 200_000_000_00).Draw(t, "fen"))
		}
		return huiqi.Money(rapid.SampledFrom(propMoney).Draw(t, "fen"))
	})
}

func foundedGen(day huiqi.Date) *rapid.Generator[huiqi.Date] {
	return rapid.Custom(func(t *rapid.T) huiqi.Date {
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0: // an anniversary of the day, or a day either side of one
			dt := day.Time()
			y := dt.Year() - rapid.IntRange(-1, 30).Draw(t, "years")
			return huiqi.NewDate(y, dt.Month(), dt.Day()+rapid.IntRange(-1, 1).Draw(t, "shift"))
		case 1:
			return huiqi.NewDate(rapid.IntRange(1996, 2024).Draw(t, "leap")/4*4, 2, 29)
		}
		return huiqi.NewDate(1990, 1, 1).AddDays(rapid.IntRange(0, 14000).Draw(t, "days"))
	})
}

func enterpriseGen(i int, day huiqi.Date) *rapid.Generator[*huiqi.Enterprise] {
	return rapid.Custom(func(t *rapid.T) *huiqi.Enterprise {
		e := &huiqi.Enterprise{
			CreditCode: propCode(i),
			Name:       rapid.SampledFrom(propNames).Draw(t, "name"),
			Region:     rapid.SampledFrom(propRegions).Draw(t, "region"),
			Industry:   rapid.SampledFrom(propIndustries).Draw(t, "industry"),
			Dishonest:  rapid.IntRange(0, 4).Draw(t, "dishonest") == 0,
			Tags:       huiqi.SortedTags(rapid.SliceOfN(rapid.SampledFrom(propTags), 0, 4).Draw(t, "tags")),
		}
		if rapid.IntRange(0, 9).Draw(t, "founded?") > 0 {
			e.FoundedOn = foundedGen(day).Draw(t, "founded")
		}
		e.Employees = optional(t, rapid.SampledFrom(propEmployees), "employees")
		e.Revenue = optional(t, moneyGen(), "revenue")
		e.TotalAssets = optional(t, moneyGen(), "total_assets")
		e.RDExpense = optional(t, moneyGen(), "rd_expense")
		if e.Revenue != nil && e.RDExpense != nil && rapid.Bool().Draw(t, "exact ratio") {
			// rd exactly 3% of revenue: the rd_ratio boundary of the catalogue.
			*e.Revenue = *e.Revenue / 100 * 100
			*e.RDExpense = *e.Revenue / 100 * 3
		}
		e.TaxPaid = optional(t, moneyGen(), "tax_paid")
		e.RegisteredCapital = optional(t, moneyGen(), "registered_capital")
		if rapid.Bool().Draw(t, "tax_credit?") {
			e.TaxCredit = rapid.SampledFrom(huiqi.TaxCredits).Draw(t, "tax_credit")
		}
		if rapid.IntRange(0, 3).Draw(t, "scale?") == 0 {
			e.Scale = rapid.SampledFrom(huiqi.Scales).Draw(t, "scale")
		}
		return e
	})
}

func yuan(fen int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", fen/100, fen%100))
}

// leafGen draws a leaf on any field with any operator that fits it.
func leafGen(codes []string) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		f := rapid.SampledFrom(huiqi.Fields).Draw(t, "field")
		var ops []string
		for _, op := range []string{"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "prefix", "has", "has_any", "has_all"} {
			if f.Type.Fits(op) {
				ops = append(ops, op)
			}
		}
		op := rapid.SampledFrom(ops).Draw(t, "op")
		// one draws a single value of the field's domain, as rules write it.
		var one func(string) any
		switch f.Name {
		case "credit_code":
			one = func(l string) any { return rapid.SampledFrom(codes).Draw(t, l) }
		case "name":
			one = func(l string) any { return rapid.SampledFrom(propNames).Draw(t, l) }
		case "region":
			one = func(l string) any { return rapid.SampledFrom(propRegions).Draw(t, l) }
		case "industry":
			one = func(l string) any { return rapid.SampledFrom(propIndustries).Draw(t, l) }
		case "tax_credit", "scale":
			one = func(l string) any { return rapid.SampledFrom(f.Enum).Draw(t, l) }
		case "tags":
			one = func(l string) any { return rapid.SampledFrom(propTags).Draw(t, l) }
		case "dishonest", "above_designated_size":
			one = func(l string) any { return rapid.Bool().Draw(t, l) }
		case "employees":
			one = func(l string) any { return rapid.SampledFrom(propEmployees).Draw(t, l) }
		case "age_years":
			one = func(l string) any { return rapid.IntRange(-1, 32).Draw(t, l) }
		case "founded_on":
			one = func(l string) any { return foundedGen(propDays[0]).Draw(t, l).String() }
		case "rd_ratio":
			one = func(l string) any { return json.Number(rapid.SampledFrom(propRatios).Draw(t, l)) }
		default: // money
			one = func(l string) any { return yuan(int64(moneyGen().Draw(t, l))) }
		}
		var value any
		switch op {
		case "in", "not_in", "has_any", "has_all":
			n := rapid.IntRange(1, 3).Draw(t, "n")
			list := make([]any, n)
			for i := range list {
				list[i] = one(fmt.Sprint("v", i))
			}
			value = list
		case "between":
			a, b := one("lo"), one("hi")
			if f.Type == huiqi.TypeDate {
				if a.(string) > b.(string) {
					a, b = b, a
				}
			} else if lessNumber(b, a) {
				a, b = b, a
			}
			value = []any{a, b}
		case "prefix":
			pick := func(l string) any {
				switch f.Name {
				case "region":
					return rapid.SampledFrom(propRegPrefix).Draw(t, l)
				case "industry":
					return rapid.SampledFrom(propIndPrefix).Draw(t, l)
				case "credit_code":
					return rapid.SampledFrom([]string{"9135", "91350500MA000000", codes[0]}).Draw(t, l)
				}
				return rapid.SampledFrom(propNamePrefix).Draw(t, l)
			}
			if rapid.Bool().Draw(t, "list") {
				value = []any{pick("p0"), pick("p1")}
			} else {
				value = pick("p")
			}
		default:
			value = one("v")
		}
		return map[string]any{"field": f.Name, "op": op, "value": value}
	})
}

func lessNumber(a, b any) bool {
	num := func(x any) float64 {
		var f float64
		switch v := x.(type) {
		case json.Number:
			f, _ = v.Float64()
		case int64:
			f = float64(v)
		case int:
			f = float64(v)
		}
		return f
	}
	return num(a) < num(b)
}

func condGen(codes []string, depth int) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		kind := 0
		if depth > 0 {
			kind = rapid.IntRange(0, 5).Draw(t, "kind")
		}
		switch kind {
		case 3:
			return map[string]any{"all": rapid.SliceOfN(condGen(codes, depth-1), 1, 3).Draw(t, "all")}
		case 4:
			return map[string]any{"any": rapid.SliceOfN(condGen(codes, depth-1), 1, 3).Draw(t, "any")}
		case 5:
			return map[string]any{"not": condGen(codes, depth-1).Draw(t, "not")}
		}
		return leafGen(codes).Draw(t, "leaf")
	})
}

func policyGen(i int, codes []string) *rapid.Generator[*policies.Policy] {
	return rapid.Custom(func(t *rapid.T) *policies.Policy {
		doc := map[string]any{
			"id": fmt.Sprintf("rule-%03d", i), "title": "随机规则", "department": "测试部门",
			"region":      rapid.SampledFrom([]string{"", "3505", "350582", "350581", "35"}).Draw(t, "scope"),
			"eligibility": map[string]any{"all": rapid.SliceOfN(condGen(codes, 3), 1, 4).Draw(t, "all")},
			"benefit":     map[string]any{"kind": "subsidy"},
		}
		if rapid.Bool().Draw(t, "from?") {
			doc["valid_from"] = rapid.SampledFrom(propDays).Draw(t, "from").String()
		}
		if rapid.Bool().Draw(t, "to?") {
			to := rapid.SampledFrom(propDays).Draw(t, "to")
			if from, ok := doc["valid_from"].(string); ok && to.String() < from {
				to, _ = huiqi.ParseDate(from)
			}
			doc["valid_to"] = to.String()
		}
		if rapid.IntRange(0, 3).Draw(t, "bare") == 0 { // a root that is a leaf or any, not all
			doc["eligibility"] = condGen(codes, 2).Draw(t, "root")
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		p, err := policies.Parse(b, propDays[0])
		if err != nil {
			t.Fatalf("generated rule does not validate: %v\n%s", err, b)
		}
		return p
	})
}

// agreementStats summarise how tight the candidates were, for the report.
type agreementStats struct {
	rules, exactRules, profiles       int
	eligiblePairs, entCands, polCands int
}

// TestAgreement proves for both directions that index candidates, judged
// by the evaluator, give exactly the eligible pairs found by judging every
// rule against every profile; and, for the enterprise direction, that the
// inner query only holds eligible enterprises, that an "exact" query holds
// all of them and nothing else, and that the estimate bounds the candidates.
func TestAgreement(t *testing.T) {
	var st agreementStats
	rapid.Check(t, func(t *rapid.T) {
		day := rapid.SampledFrom(propDays).Draw(t, "day")
		n := rapid.IntRange(1, 60).Draw(t, "enterprises")
		var es []*huiqi.Enterprise
		var codes []string
		for i := range n {
			e := enterpriseGen(i, day).Draw(t, fmt.Sprint("e", i))
			es = append(es, e)
			codes = append(codes, e.CreditCode)
		}
		var ps []*policies.Policy
		for i := range rapid.IntRange(1, 24).Draw(t, "rules") {
			ps = append(ps, policyGen(i, codes).Draw(t, fmt.Sprint("p", i)))
		}
		ix, err := OpenMem()
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.PutEnterprises(es); err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if err := ix.PutPolicy(p); err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		profiles := make([]*matcher.Profile, len(es))
		for i, e := range es {
			profiles[i] = matcher.NewProfile(e)
		}
		compiled := make([]*matcher.Compiled, len(ps))
		eligible := make([][]bool, len(ps)) // [policy][enterprise]
		for j, p := range ps {
			compiled[j] = matcher.Compile(p)
			eligible[j] = make([]bool, len(es))
			for i := range es {
				eligible[j][i] = compiled[j].Eligible(profiles[i], day)
			}
		}
		byCode := map[string]int{}
		for i, e := range es {
			byCode[e.CreditCode] = i
		}
		byID := map[string]int{}
		for j, p := range ps {
			byID[p.ID] = j
		}

		// Policy → enterprises.
		for j, p := range ps {
			want := codesWhere(es, func(i int) bool { return eligible[j][i] })
			cands, err := ix.EnterpriseCandidates(ctx, p, day)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cands {
				if compiled[j].Eligible(profiles[byCode[c]], day) {
					got = append(got, c)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("policy %s on %s: candidates judged = %v, want %v\nrule: %s", p.ID, day, got, want, ruleJSON(p))
			}
			if est, err := ix.EstimateCandidates(ctx, p, day); err != nil || est < uint64(len(cands)) {
				t.Fatalf("policy %s on %s: estimate %d, %v below %d candidates\nrule: %s", p.ID, day, est, err, len(cands), ruleJSON(p))
			}
			b := enterpriseQuery(p, day)
			inner, err := collectIDs(ctx, ix.enterprises, b.inner)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range inner {
				if !eligible[j][byCode[c]] {
					t.Fatalf("policy %s on %s: inner query holds ineligible %s\nrule: %s", p.ID, day, c, ruleJSON(p))
				}
			}
			if b.exact {
				sort.Strings(cands)
				if !slices.Equal(cands, want) {
					t.Fatalf("policy %s on %s: exact query = %v, want %v\nrule: %s", p.ID, day, cands, want, ruleJSON(p))
				}
				st.exactRules++
			}
			st.rules++
			st.entCands += len(cands)
			st.eligiblePairs += len(want)
		}

		// Enterprise → policies.
		for i, e := range es {
			var want []string
			for j, p := range ps {
				if eligible[j][i] {
					want = append(want, p.ID)
				}
			}
			cands, err := ix.PolicyCandidates(ctx, e, day)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range cands {
				if compiled[byID[id]].Eligible(profiles[i], day) {
					got = append(got, id)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Fatalf("enterprise %s on %s: candidates judged = %v, want %v\nprofile: %s", e.CreditCode, day, got, want, mustJSON(e))
			}
			st.profiles++
			st.polCands += len(cands)
		}
	})
	t.Logf("rules %d (exact %d), profiles %d, eligible pairs %d; enterprise candidates %d, policy candidates %d",
		st.rules, st.exactRules, st.profiles, st.eligiblePairs, st.entCands, st.polCands)
}

func codesWhere(es []*huiqi.Enterprise, keep func(int) bool) []string {
	var out []string
	for i, e := range es {
		if keep(i) {
			out = append(out, e.CreditCode)
		}
	}
	sort.Strings(out)
	return out
}

func ruleJSON(p *policies.Policy) string {
	return fmt.Sprintf("region=%q valid=%s..%s %s", p.Region, p.ValidFrom, p.ValidTo, mustJSON(p.Eligibility))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

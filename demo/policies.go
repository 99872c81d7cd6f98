package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Policies generates n deterministic published-style policy documents with
// 2 to 6 conditions each, from very selective (one district, one industry
// class, a rare tag) to very broad (any SME of the city), using any, not,
// prefixes, ranges, tags and derived fields. They are validated as of today.
func Policies(n int, seed int64, today huiqi.Date) []*policies.Policy {
	r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	out := make([]*policies.Policy, 0, n)
	for i := range n {
		doc := policyDocument(r, i)
		b, err := json.Marshal(doc)
		if err != nil {
			panic(err)
		}
		p, err := policies.Parse(b, today)
		if err != nil {
			panic(fmt.Sprintf("demo policy %d: %v\n%s", i, err, b)) // a generator bug, not an input error
		}
		out = append(out, p)
	}
	return out
}

type obj = map[string]any

// A policy is drawn as who it is for (its target) plus a few thresholds
// and compliance conditions (its modifiers). Real catalogues are mostly
// targeted, at an industry chain, a qualification or a district; only a few
// measures reach every SME of the city. The weights give a reach from a few
// dozen firms to about half the city, with a median near 1% and a typical
// firm eligible for a few dozen of 2,000 measures.
var targets = []struct {
	weight int
	draw   func(r *rand.Rand) []any
}{
	{30, func(r *rand.Rand) []any { // an industry chain: 鞋服, 纺织, 陶瓷, 石材, 茶, 软件 …
		conds := []any{leaf("industry", "prefix", pickN(r, industryChains, 1+r.IntN(3)))}
		if r.IntN(6) == 0 {
			conds = append(conds, obj{"not": leaf("industry", "prefix", pick(r, []string{"C25", "C26", "C30", "K70"}))})
		}
		return conds
	}},
	{26, func(r *rand.Rand) []any { // a qualification: 高新, 专精特新, 绿色工厂 …
		switch r.IntN(5) {
		case 0:
			return []any{leaf("tags", "has_any", pickN(r, rareTags, 2))}
		case 1:
			return []any{leaf("tags", "has_all", []string{pick(r, rareTags), pick(r, []string{"park_resident", "insured_full", "exporter"})})}
		}
		return []any{leaf("tags", "has", pick(r, rareTags))}
	}},
	{7, func(r *rand.Rand) []any { // a district's measure for one of its chains or qualifications
		conds := []any{leaf("region", "prefix", pickN(r, countyCodes, 1+r.IntN(2)))}
		if r.IntN(2) == 0 {
			return append(conds, leaf("industry", "prefix", pick(r, industryChains)))
		}
		return append(conds, leaf("tags", "has_any", pickN(r, rareTags, 3)))
	}},
	{10, func(r *rand.Rand) []any { // R&D: 研发费用加计, 研发投入补助
		switch r.IntN(3) {
		case 0:
			return []any{obj{"any": []any{leaf("tags", "has", "hightech"), leaf("tags", "has", "tech_sme"), leaf("rd_ratio", "gte", pick(r, []string{"0.05", "0.08"}))}}}
		case 1:
			return []any{leaf("rd_expense", "gte", pick(r, []int{5e5, 2e6, 5e6}))}
		}
		return []any{leaf("rd_ratio", "gte", pick(r, []string{"0.03", "0.05"})), leaf("industry", "prefix", pick(r, []string{"C", "I", "M"}))}
	}},
	{8, func(r *rand.Rand) []any { // foreign trade
		conds := []any{leaf("tags", "has", "exporter")}
		if r.IntN(2) == 0 {
			conds = append(conds, leaf("revenue", "gte", pick(r, []int{5e6, 2e7})))
		}
		return conds
	}},
	{4, func(r *rand.Rand) []any { // 规上工业
		return []any{leaf("above_designated_size", "eq", true)}
	}},
	{1, func(r *rand.Rand) []any { // broad: every SME, every employer
		switch r.IntN(3) {
		case 0:
			return []any{leaf("scale", "in", pickN(r, []string{"medium", "small", "micro"}, 2+r.IntN(2)))}
		case 1:
			return []any{leaf("employees", "gte", pick(r, []int{5, 10, 20}))}
		}
		return []any{obj{"any": []any{leaf("employees", "gte", pick(r, []int{50, 100})), leaf("revenue", "gte", pick(r, []int{2e7, 5e7}))}}}
	}},
}

// modifiers each draw one further condition: size thresholds, age,
// compliance; any, not, between and derived fields among them.
var modifiers = []func(r *rand.Rand) obj{
	func(r *rand.Rand) obj {
		return leaf("scale", "in", pickN(r, []string{"medium", "small", "micro"}, 2+r.IntN(2)))
	},
	func(r *rand.Rand) obj { return leaf("employees", "gte", pick(r, []int{5, 10, 20, 50, 100, 300})) },
	func(r *rand.Rand) obj {
		return leaf("employees", "between", []int{10 * (1 + r.IntN(5)), 100 * (1 + r.IntN(10))})
	},
	func(r *rand.Rand) obj { return leaf("revenue", "gte", pick(r, []int{1e6, 5e6, 2e7, 1e8})) },
	func(r *rand.Rand) obj {
		return leaf("revenue", "between", []int{pick(r, []int{1e6, 5e6}), pick(r, []int{5e7, 2e8, 4e8})})
	},
	func(r *rand.Rand) obj { return leaf("age_years", "gte", 1+r.IntN(5)) },
	func(r *rand.Rand) obj { return leaf("age_years", "lte", pick(r, []int{3, 5, 10})) },
	func(r *rand.Rand) obj {
		return leaf("tax_credit", "in", pickN(r, []string{"A", "B", "M"}, 1+r.IntN(2)))
	},
	func(r *rand.Rand) obj { return obj{"not": leaf("tax_credit", "in", []string{"C", "D"})} },
	func(r *rand.Rand) obj { return leaf("total_assets", "lte", pick(r, []int{5e7, 2e8})) },
	func(r *rand.Rand) obj { return leaf("founded_on", "gte", fmt.Sprintf("%d-01-01", 2000+r.IntN(24))) },
	func(r *rand.Rand) obj { return leaf("tags", "has", pick(r, []string{"park_resident", "insured_full"})) },
	func(r *rand.Rand) obj {
		return obj{"any": []any{leaf("employees", "gte", pick(r, []int{20, 50})), leaf("revenue", "gte", pick(r, []int{5e6, 2e7}))}}
	},
}

var (
	countyCodes = []string{"350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582", "350583", "350598", "350599"}
	// industryChains are the prefixes a targeted measure names: Quanzhou's
	// clusters and the service lines beside them.
	industryChains = []string{"C13", "C14", "C15", "C17", "C18", "C19", "C195", "C22", "C24", "C26", "C29", "C30", "C303", "C307",
		"C33", "C34", "C35", "C38", "C39", "A01", "A016", "F51", "F52", "G54", "G58", "H61", "H62", "I65", "L72", "M73", "M74"}
	rareTags    = []string{"hightech", "tech_sme", "specialized", "little_giant", "green_factory", "digital_pilot", "innovative_sme", "gazelle", "brand_award", "talent_hired", "incubator_resident", "first_loan", "listed", "ecommerce"}
	departments = []string{"泉州市工业和信息化局", "泉州市科学技术局", "泉州市商务局", "泉州市财政局", "泉州市人力资源和社会保障局", "晋江市工业和信息化和科技局"}
	kinds       = []string{policies.KindSubsidy, policies.KindAward, policies.KindLoanInterest, policies.KindTaxRelief}
)

func leaf(field, op string, value any) obj { return obj{"field": field, "op": op, "value": value} }

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func pickN[T any](r *rand.Rand, list []T, n int) []T {
	idx := r.Perm(len(list))[:min(n, len(list))]
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

func policyDocument(r *rand.Rand, i int) obj {
	n := 2 + r.IntN(5)
	conds := []any{leaf("dishonest", "eq", false)} // every policy excludes dishonest firms
	total := 0
	for _, t := range targets {
		total += t.weight
	}
	x := r.IntN(total)
	for _, t := range targets {
		if x -= t.weight; x < 0 {
			conds = append(conds, t.draw(r)...)
			break
		}
	}
	for len(conds) < n {
		conds = append(conds, pick(r, modifiers)(r))
	}
	region := "3505"
	if r.IntN(4) == 0 {
		region = pick(r, countyCodes)
	}
	var amount obj
	switch r.IntN(3) {
	case 0:
		amount = obj{"fixed": 10000 * (1 + r.IntN(50))}
	case 1:
		amount = obj{"rate": pick(r, []string{"0.05", "0.1", "0.2"}), "of": "rd_expense", "cap": 100000 * (1 + r.IntN(10))}
	default:
		amount = obj{"tiers": []any{
			obj{"when": leaf("employees", "gte", 100), "fixed": 200000},
			obj{"when": leaf("employees", "gte", 10), "fixed": 50000},
		}}
	}
	mode := policies.ModeApply
	if r.IntN(5) == 0 {
		mode = policies.ModeAuto
	}
	return obj{
		"id":          fmt.Sprintf("gen-%05d", i),
		"title":       fmt.Sprintf("生成政策 %d 号：%s扶持", i, pick(r, []string{"技术改造", "研发投入", "稳岗就业", "外贸稳规模", "数字化转型", "首贷贴息", "品牌培育"})),
		"department":  pick(r, departments),
		"region":      region,
		"mode":        mode,
		"valid_from":  "2024-01-01",
		"valid_to":    "2028-12-31",
		"eligibility": obj{"all": conds},
		"benefit":     obj{"kind": pick(r, kinds), "amount": amount},
	}
}

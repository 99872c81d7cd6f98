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

// leafMakers each draw one condition; the broad ones come first and are
// drawn more often, as real catalogues have more general measures.
var leafMakers = []func(r *rand.Rand) obj{
	func(r *rand.Rand) obj { return leaf("dishonest", "eq", false) },
	func(r *rand.Rand) obj {
		return leaf("scale", "in", pickN(r, []string{"medium", "small", "micro"}, 2+r.IntN(2)))
	},
	func(r *rand.Rand) obj { return leaf("employees", "gte", pick(r, []int{5, 10, 20, 50, 100, 300})) },
	func(r *rand.Rand) obj { return leaf("revenue", "gte", pick(r, []int{1e6, 5e6, 2e7, 1e8})) },
	func(r *rand.Rand) obj { return leaf("age_years", "gte", 1+r.IntN(5)) },
	func(r *rand.Rand) obj {
		return leaf("tax_credit", "in", pickN(r, []string{"A", "B", "M"}, 1+r.IntN(2)))
	},
	func(r *rand.Rand) obj {
		return obj{"not": leaf("tax_credit", "in", []string{"C", "D"})}
	},
	func(r *rand.Rand) obj { return leaf("region", "prefix", pick(r, countyCodes)) },
	func(r *rand.Rand) obj { return leaf("region", "prefix", pickN(r, countyCodes, 2+r.IntN(3))) },
	func(r *rand.Rand) obj {
		return leaf("industry", "prefix", pick(r, []string{"C", "C17", "C18", "C19", "C30", "C26", "I65", "F51", "F52", "A01"}))
	},
	func(r *rand.Rand) obj {
		return leaf("industry", "prefix", pickN(r, []string{"C17", "C18", "C19", "C30", "C33", "C34", "C35", "C38", "C39"}, 2+r.IntN(3)))
	},
	func(r *rand.Rand) obj {
		return leaf("employees", "between", []int{10 * (1 + r.IntN(5)), 100 * (1 + r.IntN(10))})
	},
	func(r *rand.Rand) obj { return leaf("rd_ratio", "gte", pick(r, []string{"0.01", "0.03", "0.05"})) },
	func(r *rand.Rand) obj { return leaf("rd_expense", "gte", pick(r, []int{1e5, 5e5, 2e6})) },
	func(r *rand.Rand) obj { return leaf("total_assets", "lte", pick(r, []int{5e7, 2e8})) },
	func(r *rand.Rand) obj { return leaf("above_designated_size", "eq", true) },
	func(r *rand.Rand) obj { return leaf("tags", "has", pick(r, tagNames)) },
	func(r *rand.Rand) obj { return leaf("tags", "has_any", pickN(r, tagNames, 2+r.IntN(2))) },
	func(r *rand.Rand) obj { return leaf("tags", "has_all", pickN(r, tagNames, 2)) },
	func(r *rand.Rand) obj {
		return obj{"any": []any{leaf("tags", "has", "hightech"), leaf("tags", "has", "tech_sme"), leaf("rd_ratio", "gte", "0.05")}}
	},
	func(r *rand.Rand) obj { return leaf("founded_on", "gte", fmt.Sprintf("%d-01-01", 2000+r.IntN(24))) },
}

var (
	countyCodes = []string{"350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582", "350583", "350598", "350599"}
	tagNames    = []string{"hightech", "tech_sme", "specialized", "park_resident", "exporter", "insured_full", "first_loan", "green_factory", "digital_pilot", "innovative_sme"}
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
	conds := []any{leafMakers[0](r)} // every policy excludes dishonest firms
	for len(conds) < n {
		// Bias towards the broad makers at the front of the list.
		k := min(r.IntN(len(leafMakers)), r.IntN(len(leafMakers)))
		conds = append(conds, leafMakers[1+k%(len(leafMakers)-1)](r))
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

package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// condView is a node of a condition tree in words: all is 同时满足, any is
// 满足其一, not is 不得, a leaf is its label.
type condView struct {
	Heading  string // for all, any and not: how the children combine
	Text     string // for a leaf: its label
	Children []condView
}

// newCondView writes a validated condition tree out. A not over a single
// leaf reads as one line (不得：…); a not over a group keeps its group.
func newCondView(c *policies.Condition) condView {
	switch {
	case c == nil:
		return condView{}
	case len(c.All) > 0:
		v := condView{Heading: "同时满足以下条件"}
		for _, x := range c.All {
			v.Children = append(v.Children, newCondView(x))
		}
		return v
	case len(c.Any) > 0:
		v := condView{Heading: "满足以下条件之一"}
		for _, x := range c.Any {
			v.Children = append(v.Children, newCondView(x))
		}
		return v
	case c.Not != nil:
		inner := newCondView(c.Not)
		if inner.Heading == "" {
			return condView{Text: "不得：" + inner.Text}
		}
		return condView{Heading: "不得出现以下情形", Children: []condView{inner}}
	}
	return condView{Text: c.DisplayLabel()}
}

// condText writes a condition on one line, for benefit tiers.
func condText(c *policies.Condition) string {
	join := func(list []*policies.Condition, sep string) string {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = condText(x)
			if len(x.All)+len(x.Any) > 0 {
				parts[i] = "（" + parts[i] + "）"
			}
		}
		return strings.Join(parts, sep)
	}
	switch {
	case c == nil:
		return ""
	case len(c.All) > 0:
		return join(c.All, "，且")
	case len(c.Any) > 0:
		return join(c.Any, "，或")
	case c.Not != nil:
		return "不满足「" + condText(c.Not) + "」"
	}
	return c.DisplayLabel()
}

// amountText writes a benefit formula in words: a fixed sum, a rate of a
// figure with its cap and floor.
func amountText(a *policies.Amount) string {
	switch {
	case a == nil:
		return "不涉及资金数额"
	case a.Fixed != nil:
		return "定额 " + a.Fixed.Text()
	case a.Rate != nil:
		f, _ := huiqi.LookupField(a.Of)
		s := "按" + f.Label + "的 " + policies.FormatDecimal(int64(*a.Rate)*100) + "% 计算"
		if a.Cap != nil {
			s += "，最高 " + a.Cap.Text()
		}
		if a.Floor != nil && *a.Floor > 0 {
			s += "，最低 " + a.Floor.Text()
		}
		return s
	}
	return ""
}

// benefitView is a policy's benefit in words.
type benefitView struct {
	Kind    string
	Formula string     // fixed or rate, or 不涉及资金数额
	Tiers   []tierView // tiered: the first that holds gives the amount
}

type tierView struct {
	When   string
	Amount string
}

func newBenefitView(b policies.Benefit) benefitView {
	v := benefitView{Kind: policies.KindLabels[b.Kind]}
	if b.Amount != nil && len(b.Amount.Tiers) > 0 {
		for _, t := range b.Amount.Tiers {
			v.Tiers = append(v.Tiers, tierView{When: condText(t.When), Amount: amountText(&t.Amount)})
		}
		return v
	}
	v.Formula = amountText(b.Amount)
	return v
}

// policyView is a policy written out for reading.
type policyView struct {
	*policies.Policy
	Conditions condView
	Benefit    benefitView
	Validity   string
	Scope      string
	Counting   string
	Auto       bool
	// Siblings are the titles of the other published policies of its
	// exclusive group: the group's code means nothing to a reader.
	Siblings []policyLink
}

type policyLink struct{ ID, Title string }

func newPolicyView(p *policies.Policy) policyView {
	v := policyView{
		Policy: p, Conditions: newCondView(p.Eligibility), Benefit: newBenefitView(p.Benefit),
		Scope: regionName(p.Region), Auto: p.Mode == policies.ModeAuto, Counting: "自然日",
	}
	if p.Clock == policies.ClockWorkingDays {
		v.Counting = "工作日"
	}
	switch from, to := p.ValidFrom, p.ValidTo; {
	case from.IsZero() && to.IsZero():
		v.Validity = "长期有效"
	case to.IsZero():
		v.Validity = from.String() + " 起"
	case from.IsZero():
		v.Validity = "至 " + to.String()
	default:
		v.Validity = from.String() + " 至 " + to.String()
	}
	return v
}

// policyPage is the data of a policy's page.
type policyPage struct {
	Policy   policyView
	Open     bool // valid today
	CanApply bool // a signed-in enterprise may apply from here
	Status   string
	CanEdit  bool // the caller writes this policy
	// MatchesURL downloads the enterprises the published policy reaches,
	// for those who may read them.
	MatchesURL string
}

var policyStatusLabels = map[string]string{
	policies.StatusDraft: "草稿", policies.StatusPublished: "已发布", policies.StatusWithdrawn: "已撤回",
}

// policyPage shows one policy: its conditions and benefit in words, its
// validity, mode, department and document number.
func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request) error {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return huiqi.FieldErrorf("version", "版本号应为正整数")
		}
		version = n
	}
	p, err := h.Engine.FindPolicy(r.Context(), r.PathValue("id"), version)
	if err != nil {
		return err
	}
	// Stored documents are kept as written; validation types the leaf
	// values that the Chinese labels are generated from.
	if err := p.Validate(h.Engine.Today()); err != nil {
		return err
	}
	page := policyPage{Policy: newPolicyView(p), Open: p.OpenOn(h.Engine.Today()), Status: policyStatusLabels[p.Status]}
	if p.ExclusiveGroup != "" {
		if page.Policy.Siblings, err = h.groupSiblings(r, p); err != nil {
			return err
		}
	}
	if t := huiqi.TokenFromContext(r.Context()); t != nil && t.Role == huiqi.RoleEnterprise {
		page.CanApply = p.Status == policies.StatusPublished && p.Mode == policies.ModeApply && page.Open
	} else if t != nil {
		page.CanEdit = t.Role == huiqi.RoleAdmin || (t.Role == huiqi.RoleOfficial && t.Department == p.Department)
		if p.Status == policies.StatusPublished && (t.Role != huiqi.RoleOfficial || t.Department == p.Department) {
			page.MatchesURL = matchesURL(p.ID, h.Engine.Today())
		}
	}
	h.render(w, r, http.StatusOK, "policy", p.Title, "search", page)
	return nil
}

// groupSiblings returns the other published policies of p's exclusive
// group, read page by page.
func (h *Handler) groupSiblings(r *http.Request, p *policies.Policy) ([]policyLink, error) {
	var out []policyLink
	f := huiqi.PolicyFilter{Status: policies.StatusPublished, Limit: huiqi.MaxLimit}
	for {
		list, _, next, err := h.Engine.ListPolicies(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			if x.ExclusiveGroup == p.ExclusiveGroup && x.ID != p.ID {
				out = append(out, policyLink{x.ID, x.Title})
			}
		}
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

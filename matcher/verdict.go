package matcher

import (
	"encoding/json"

	"github.com/huiqi/huiqi"
)

// Check is the explanation of one leaf condition for one profile.
type Check struct {
	Label    string          `json:"label"`
	Field    string          `json:"field"`
	Op       string          `json:"op"`
	Required json.RawMessage `json:"required"`
	Actual   any             `json:"actual"`
	Pass     bool            `json:"pass"`
	// Negated marks a requirement that the condition must not hold (a leaf
	// under not); Pass then means it does not.
	Negated bool `json:"negated,omitempty"`
}

// Verdict is the judgement of one policy version for one profile as of a date.
type Verdict struct {
	PolicyID       string       `json:"policy_id"`
	Version        int          `json:"version"`
	Title          string       `json:"title"`
	Department     string       `json:"department"`
	Mode           string       `json:"mode"`
	Kind           string       `json:"kind"`
	ExclusiveGroup string       `json:"exclusive_group,omitempty"`
	Eligible       bool         `json:"eligible"`
	Amount         *huiqi.Money `json:"amount"`
	Recommended    bool         `json:"recommended"`
	Conditions     []Check      `json:"conditions"`
	// Missing is the one failing leaf of a near miss (差一项).
	Missing *Check `json:"-"`
}

// NearMiss is a policy that fails exactly one leaf of its top-level all.
type NearMiss struct {
	PolicyID string `json:"policy_id"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Missing  Check  `json:"missing"`
}

// Result is every verdict for one profile: eligible policies, highest amount
// first, and near misses.
type Result struct {
	AsOf       huiqi.Date `json:"as_of"`
	Eligible   []Verdict  `json:"eligible"`
	NearMisses []NearMiss `json:"near_misses"`
}

// InScope reports whether the policy is open on the date and the profile's
// region lies inside its scope: outside either, the policy matches nobody and
// is no near miss either.
func (c *Compiled) InScope(p *Profile, day huiqi.Date) bool {
	return c.Policy.OpenOn(day) && len(p.Enterprise.Region) >= len(c.scope) && p.Enterprise.Region[:len(c.scope)] == c.scope
}

// Eligible reports whether p qualifies for the policy on day: the fast path,
// with no explanation.
func (c *Compiled) Eligible(p *Profile, day huiqi.Date) bool {
	at := newAsOf(day)
	return c.InScope(p, day) && c.root.eval(p, &at)
}

// Amount returns the estimated benefit for an eligible profile, or nil.
func (c *Compiled) Amount(p *Profile, day huiqi.Date) *huiqi.Money {
	at := newAsOf(day)
	if m, ok := c.amount(p, &at); ok {
		return &m
	}
	return nil
}

// Judge returns the explained verdict of the policy for p on day, with its
// amount when eligible and the missing leaf when it is a near miss.
func (c *Compiled) Judge(p *Profile, day huiqi.Date) Verdict {
	at := newAsOf(day)
	return c.judge(p, &at)
}

func (c *Compiled) judge(p *Profile, at *asOf) Verdict {
	day := at.date
	pol := c.Policy
	v := Verdict{
		PolicyID: pol.ID, Version: pol.Version, Title: pol.Title, Department: pol.Department,
		Mode: pol.Mode, Kind: pol.Benefit.Kind, ExclusiveGroup: pol.ExclusiveGroup,
	}
	inScope := c.InScope(p, day)
	v.Conditions = make([]Check, 0, c.root.leaves)
	v.Eligible = c.root.explain(p, at, &v.Conditions, false) && inScope
	if v.Eligible {
		v.Recommended = true
		if m, ok := c.amount(p, at); ok {
			v.Amount = &m
		}
	} else if inScope && c.root.kind == kindAll {
		if i, _, _ := c.nearMiss(p, at); i >= 0 {
			v.Missing = &v.Conditions[i]
		}
	}
	return v
}

// nearMiss returns the position among the leaves of the failing leaf when
// exactly one child of the top-level all fails and that child is a leaf, or
// the not of a leaf (then negated is set); else -1. The caller has checked
// that the root is an all.
func (c *Compiled) nearMiss(p *Profile, at *asOf) (pos int, leaf *node, negated bool) {
	failing, missing, at0 := 0, -1, 0
	for _, child := range c.root.children {
		if !child.eval(p, at) {
			failing++
			switch {
			case child.kind == kindLeaf:
				missing, leaf, negated = at0, child, false
			case child.kind == kindNot && child.children[0].kind == kindLeaf:
				missing, leaf, negated = at0, child.children[0], true
			}
		}
		at0 += child.leaves
	}
	if failing != 1 || leaf == nil {
		return -1, nil, false
	}
	return missing, leaf, negated
}

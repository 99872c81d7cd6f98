package matcher

import (
	"encoding/json"
	"sync"

	"github.com/huiqi/huiqi"
)

// Check is the explanation of one leaf condition for one profile.
type Check struct {
	Label    string          `json:"label"`
	Field    string          `json:"field"`
	Op       string          `json:"op"`
	Required json.RawMessage `json:"required"`
	Actual   any             `json:"actual"`
	// Pass is whether the requirement is met; nil (JSON null) when the
	// profile lacks the value it reads, and Actual is then nil too.
	Pass *bool `json:"pass"`
	// Negated marks a requirement that the condition must not hold (a leaf
	// under not); Pass then means it does not.
	Negated bool `json:"negated,omitempty"`
	// Gap says, of a requirement not met, how far the profile is from it
	// (差多少): "营业收入还差320万元", "尚未取得：绿色工厂"; "" where no distance
	// applies.
	Gap string `json:"gap,omitempty"`
}

// Verdict is the judgement of one policy version for one profile as of a date.
type Verdict struct {
	PolicyID       string `json:"policy_id"`
	Version        int    `json:"version"`
	Title          string `json:"title"`
	Department     string `json:"department"`
	Mode           string `json:"mode"`
	Kind           string `json:"kind"`
	ExclusiveGroup string `json:"exclusive_group,omitempty"`
	// State is StateEligible, StateIneligible or StateUndetermined;
	// Eligible is State == StateEligible.
	State    string `json:"state"`
	Eligible bool   `json:"eligible"`
	// Amount is the estimate of an eligible verdict, and of an
	// undetermined one the amount it would bring if eligible, where the
	// figures it needs are known.
	Amount      *huiqi.Money `json:"amount"`
	Recommended bool         `json:"recommended"`
	Conditions  []Check      `json:"conditions"`
	// Missing lists, for an undetermined verdict, the profile fields whose
	// values would settle it.
	Missing []string `json:"missing,omitempty"`
	// Review lists, for an undetermined verdict, the judgements no data
	// decides (需部门审核) that it awaits: an official's finding on the
	// application settles them.
	Review []string `json:"review,omitempty"`
	// NearMiss is the one failing leaf of a near miss (差一项).
	NearMiss *Check `json:"-"`
}

// Verdict states.
const (
	StateEligible     = "eligible"
	StateIneligible   = "ineligible"
	StateUndetermined = "undetermined"
)

// stateOf names the truth of a verdict.
func stateOf(v tri) string {
	switch v {
	case triTrue:
		return StateEligible
	case triUnknown:
		return StateUndetermined
	}
	return StateIneligible
}

// Undetermined is a policy whose verdict turns on values the profile lacks.
type Undetermined struct {
	PolicyID string `json:"policy_id"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	// Amount is what the policy would bring if the missing values make it
	// eligible, where the figures it needs are known; else nil.
	Amount *huiqi.Money `json:"amount"`
	// Missing lists the profile fields whose values would settle it.
	Missing []string `json:"missing"`
	// Review lists the judgements it awaits from an official (需部门审核).
	Review []string `json:"review,omitempty"`
	// Unknown are the checks that the missing values leave open.
	Unknown []Check `json:"unknown"`
}

// Settle is a field the profile lacks, with the number of undetermined
// policies that turn on it: the fields worth supplying first.
type Settle struct {
	Field    string `json:"field"`
	Label    string `json:"label"`
	Policies int    `json:"policies"`
}

// NearMiss is a policy that fails exactly one leaf of its top-level all.
type NearMiss struct {
	PolicyID string `json:"policy_id"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Missing  Check  `json:"missing"`
}

// Result is every verdict for one profile: eligible policies, highest amount
// first, near misses, and the undetermined, with the missing fields ranked
// by how many of them each bears on.
type Result struct {
	AsOf         huiqi.Date     `json:"as_of"`
	Eligible     []Verdict      `json:"eligible"`
	NearMisses   []NearMiss     `json:"near_misses"`
	Undetermined []Undetermined `json:"undetermined"`
	Settle       []Settle       `json:"settle"`
}

// nearMissLists holds the near-miss lists of written answers for the next
// ones: an enterprise's answer lists hundreds of near misses, the largest
// allocation of a request, which a server answering many would otherwise
// hand to the garbage collector each time.
var nearMissLists sync.Pool

// newNearMisses returns an empty near-miss list with room for n.
func newNearMisses(n int) []NearMiss {
	if l, ok := nearMissLists.Get().(*[]NearMiss); ok && cap(*l) >= n {
		return (*l)[:0]
	}
	return make([]NearMiss, 0, n)
}

// Release gives r's near-miss list back for reuse by later matches, once
// r has been written out; r must not be used after. Without it the list
// is garbage like any other.
func (r *Result) Release() {
	if cap(r.NearMisses) == 0 {
		return
	}
	l := r.NearMisses[:cap(r.NearMisses)]
	clear(l) // holds no text of this answer alive
	l = l[:0]
	r.NearMisses = nil
	nearMissLists.Put(&l)
}

// InScope reports whether the policy is open on the date and the profile's
// region lies inside its scope: outside either, the policy matches nobody and
// is no near miss either.
func (c *Compiled) InScope(p *Profile, day huiqi.Date) bool {
	return c.Policy.OpenOn(day) && c.inRegion(p)
}

// inRegion reports whether the profile's region lies inside the policy's
// scope: InScope for a policy already known to be open.
func (c *Compiled) inRegion(p *Profile) bool {
	return len(p.Enterprise.Region) >= len(c.scope) && p.Enterprise.Region[:len(c.scope)] == c.scope
}

// Eligible reports whether p qualifies for the policy on day: the fast path,
// with no explanation.
func (c *Compiled) Eligible(p *Profile, day huiqi.Date) bool {
	return c.State(p, day) == StateEligible
}

// State returns the verdict's state for p on day: the fast path, with no
// explanation. Outside the policy's scope or window it is ineligible.
func (c *Compiled) State(p *Profile, day huiqi.Date) string {
	if !c.InScope(p, day) {
		return StateIneligible
	}
	at := newAsOf(day)
	return stateOf(c.root.eval(p, &at))
}

// Amount returns the estimated benefit for an eligible (or undetermined)
// profile, or nil.
func (c *Compiled) Amount(p *Profile, day huiqi.Date) *huiqi.Money {
	at := newAsOf(day)
	if m, ok := c.amount(p, &at); ok {
		return &m
	}
	return nil
}

// Judge returns the explained verdict of the policy for p on day, with its
// amount when eligible or undetermined, the missing fields when
// undetermined, and the failing leaf when it is a near miss.
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
	t := c.root.explain(p, at, &v.Conditions, false)
	if !inScope {
		t = triFalse
	}
	v.State, v.Eligible = stateOf(t), t == triTrue
	switch {
	case t != triFalse:
		v.Recommended = t == triTrue
		if m, ok := c.amount(p, at); ok {
			v.Amount = &m
		}
		if t == triUnknown {
			v.Missing = c.root.missing(p, at, nil)
			v.Review = c.root.reviews(nil)
		}
	case inScope && c.root.kind == kindAll:
		if i, _, _ := c.nearMiss(p, at); i >= 0 {
			v.NearMiss = &v.Conditions[i]
		}
	}
	return v
}

// reviews appends the judgements of the reviewed leaves of the tree.
func (n *node) reviews(out []string) []string {
	if n.acc == accReview && n.kind == kindLeaf {
		return append(out, n.cond.Review)
	}
	for _, k := range n.children {
		out = k.reviews(out)
	}
	return out
}

// missing appends the fields p lacks under the unknown leaves of the tree,
// in document order.
func (n *node) missing(p *Profile, at *asOf, out []string) []string {
	if n.kind != kindLeaf {
		for _, k := range n.children {
			out = k.missing(p, at, out)
		}
		return out
	}
	if n.evalLeaf(p, at) == triUnknown {
		out = n.missingFields(p, at, out)
	}
	return out
}

// nearMiss returns the position among the leaves of the failing leaf when
// every child of the top-level all holds but one, which fails (is false,
// not unknown) and is a leaf or the not of a leaf (then negated is set);
// else -1: meeting that one requirement would make the profile eligible.
// The caller has checked that the root is an all.
func (c *Compiled) nearMiss(p *Profile, at *asOf) (pos int, leaf *node, negated bool) {
	k, leaf, negated := c.nearMissGiven(p, at, nil, 0)
	if leaf == nil {
		return -1, nil, false
	}
	for _, child := range c.root.children[:k] {
		pos += child.leaves
	}
	return pos, leaf, negated
}

// nearMissGiven is nearMiss for the policy at position pol of the policy
// index whose proofs for p pr holds (nil for none), but returns the
// failing child's position among the children: the children whose truth
// pr proves are not evaluated. With pr, p's region lies in the scope.
func (c *Compiled) nearMissGiven(p *Profile, at *asOf, pr *proven, pol int) (child int, leaf *node, negated bool) {
	failing, missing := 0, -1
	for k, n := range c.root.children {
		v, ok := tri(0), false
		if pr != nil {
			v, ok = pr.truth(c.children[k], pol)
		}
		if !ok {
			v = n.eval(p, at)
		}
		if v != triTrue {
			failing++
			switch {
			case v == triUnknown || failing > 1:
				// Unknown, or a second failure: no one requirement
				// would settle it, whatever the children left hold.
				return -1, nil, false
			case n.kind == kindLeaf:
				missing, leaf, negated = k, n, false
			case n.kind == kindNot && n.children[0].kind == kindLeaf:
				missing, leaf, negated = k, n.children[0], true
			}
		}
	}
	if failing != 1 || leaf == nil {
		return -1, nil, false
	}
	return missing, leaf, negated
}

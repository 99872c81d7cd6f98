package matcher

import (
	"cmp"
	"slices"
	"sync"

	"github.com/huiqi/huiqi"
)

// Matcher holds the in-memory matching state: every published policy
// compiled, and every profile flattened. It is kept in step with SQLite by
// its owner after each commit and is safe for concurrent use.
type Matcher struct {
	mu       sync.RWMutex
	policies []*Compiled // published, sorted by id
	profiles []*Profile  // sorted by credit code
	byCode   map[string]int
}

// New returns an empty Matcher.
func New() *Matcher {
	return &Matcher{byCode: map[string]int{}}
}

// PutPolicy adds or replaces a published policy.
func (m *Matcher) PutPolicy(c *Compiled) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, found := slices.BinarySearchFunc(m.policies, c.Policy.ID, func(x *Compiled, id string) int { return cmp.Compare(x.Policy.ID, id) })
	if found {
		m.policies[i] = c
	} else {
		m.policies = slices.Insert(m.policies, i, c)
	}
}

// RemovePolicy removes a policy that is no longer published.
func (m *Matcher) RemovePolicy(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.policies = slices.DeleteFunc(m.policies, func(x *Compiled) bool { return x.Policy.ID == id })
}

// Policy returns the compiled published policy with the given id.
func (m *Matcher) Policy(id string) (*Compiled, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, found := slices.BinarySearchFunc(m.policies, id, func(x *Compiled, id string) int { return cmp.Compare(x.Policy.ID, id) })
	if !found {
		return nil, false
	}
	return m.policies[i], true
}

// Policies returns the published policies, sorted by id.
func (m *Matcher) Policies() []*Compiled {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.policies)
}

// PutProfiles adds or replaces profiles, as committed to SQLite.
func (m *Matcher) PutProfiles(es ...*huiqi.Enterprise) {
	m.mu.Lock()
	defer m.mu.Unlock()
	appended := false
	for _, e := range es {
		p := NewProfile(e)
		if i, ok := m.byCode[e.CreditCode]; ok {
			m.profiles[i] = p
			continue
		}
		m.byCode[e.CreditCode] = len(m.profiles)
		m.profiles = append(m.profiles, p)
		appended = true
	}
	if appended && !slices.IsSortedFunc(m.profiles, compareProfiles) {
		slices.SortFunc(m.profiles, compareProfiles)
		for i, p := range m.profiles {
			m.byCode[p.Enterprise.CreditCode] = i
		}
	}
}

func compareProfiles(a, b *Profile) int {
	return cmp.Compare(a.Enterprise.CreditCode, b.Enterprise.CreditCode)
}

// Profile returns the profile of an enterprise.
func (m *Matcher) Profile(code string) (*Profile, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.byCode[code]
	if !ok {
		return nil, false
	}
	return m.profiles[i], true
}

// ProfileCount returns the number of profiles held.
func (m *Matcher) ProfileCount() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.profiles)
}

// MatchProfile judges every published policy for p on day: the eligible
// ones, highest amount first, with the exclusive-group recommendation, and,
// when near is set, the near misses.
func (m *Matcher) MatchProfile(p *Profile, day huiqi.Date, near bool) Result {
	return Judge(m.Policies(), p, day, near)
}

// Judge judges the given policies for p on day; see MatchProfile.
func Judge(list []*Compiled, p *Profile, day huiqi.Date, near bool) Result {
	r := Result{AsOf: day, Eligible: []Verdict{}, NearMisses: []NearMiss{}}
	at := newAsOf(day)
	for _, c := range list {
		if !c.InScope(p, day) {
			continue
		}
		// The fast path decides; only the verdicts listed are explained.
		switch {
		case c.root.eval(p, &at):
			r.Eligible = append(r.Eligible, c.Judge(p, day))
		case near && c.root.kind == kindAll:
			// A near miss shows only its missing leaf: a requirement not met,
			// so the leaf holds exactly when it is negated.
			if _, leaf, negated := c.nearMiss(p, &at); leaf != nil {
				pol := c.Policy
				r.NearMisses = append(r.NearMisses, NearMiss{PolicyID: pol.ID, Version: pol.Version, Title: pol.Title, Missing: leaf.check(p, &at, negated, negated)})
			}
		}
	}
	// Sorted through an index, so that the sort moves ints rather than
	// whole verdicts.
	order := make([]int, len(r.Eligible))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &r.Eligible[i], &r.Eligible[j]
		if c := cmp.Compare(amountKey(b.Amount), amountKey(a.Amount)); c != 0 {
			return c
		}
		return cmp.Compare(a.PolicyID, b.PolicyID)
	})
	sorted := make([]Verdict, len(order))
	for k, i := range order {
		sorted[k] = r.Eligible[i]
	}
	r.Eligible = sorted
	// 就高不重复: in each exclusive group only the first, highest, is recommended.
	seen := map[string]bool{}
	for i := range r.Eligible {
		if g := r.Eligible[i].ExclusiveGroup; g != "" {
			r.Eligible[i].Recommended = !seen[g]
			seen[g] = true
		}
	}
	return r
}

// amountKey orders amounts with "no figure" below zero.
func amountKey(m *huiqi.Money) int64 {
	if m == nil {
		return -1
	}
	return int64(*m)
}

// Hit is an enterprise eligible for a policy, with its estimated amount.
type Hit struct {
	CreditCode string       `json:"credit_code"`
	Name       string       `json:"name"`
	Amount     *huiqi.Money `json:"amount"`
}

// Reach is who qualifies for a policy and what it would cost.
type Reach struct {
	Hits          []Hit       `json:"-"`
	Total         int         `json:"total"`
	AmountTotal   huiqi.Money `json:"amount_total"`
	NearMissTotal int         `json:"near_miss_total"`
}

// MatchPolicy evaluates c against every profile on day: the eligible
// enterprises in credit-code order with their amounts, and, when near is
// set, how many are near misses.
func (m *Matcher) MatchPolicy(c *Compiled, day huiqi.Date, near bool) Reach {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var r Reach
	at := newAsOf(day)
	if !c.Policy.OpenOn(day) {
		return r
	}
	for _, p := range m.profiles {
		if !c.InScope(p, day) {
			continue
		}
		if c.root.eval(p, &at) {
			h := Hit{CreditCode: p.Enterprise.CreditCode, Name: p.Enterprise.Name}
			if a, ok := c.amount(p, &at); ok {
				h.Amount = &a
				r.AmountTotal += a
			}
			r.Hits = append(r.Hits, h)
		} else if near && c.root.kind == kindAll {
			if i, _, _ := c.nearMiss(p, &at); i >= 0 {
				r.NearMissTotal++
			}
		}
	}
	r.Total = len(r.Hits)
	return r
}

package matcher

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/huiqi/huiqi"
)

// Matcher holds the in-memory matching state: every published policy
// compiled, and every profile flattened, both as rows (for explanations) and
// in columns (for the fast decisions of both directions). It is kept in step
// with SQLite by its owner after each commit and is safe for concurrent use.
type Matcher struct {
	mu       sync.RWMutex
	policies []*Compiled // published, sorted by id
	polGen   uint64      // counts changes of policies, for the policy index
	profiles []*Profile  // by row: in the order first stored
	byCode   map[string]int
	cols     *columns

	// The credit code order of the rows, for listing a policy's hits in
	// it: the rows, each row's place, and the codes and names in that
	// order, read in sequence instead of chasing a pointer per hit. It
	// covers the first ordered rows; rows added since are placed when a
	// reader (holding mu for reading) first needs the order, under orderMu,
	// so that a bulk import pays one sort rather than one per batch.
	orderMu                sync.Mutex
	ordered                int
	order, rank            []int32
	orderCodes, orderNames []string
	// placed is, while an empty matcher is being loaded by
	// PutProfilesPlaced, the rows by their place in code order (-1 while
	// unknown), which spares the first order a sort; placedN counts the
	// places filled, -1 once a row came without one.
	placed  []int32
	placedN int

	ixMu    sync.Mutex
	indexes []*policyIndex // the policy indexes of the last few dates, newest first

	paid    payouts // once-only exclusions (once.go)
	journal journal // the last profile changes (journal.go)

	gen atomic.Uint64 // counts changes of what matching reads (Generation)
}

// New returns an empty Matcher.
func New() *Matcher {
	return &Matcher{byCode: map[string]int{}, cols: newColumns()}
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
	m.polGen++
	m.gen.Add(1)
}

// RemovePolicy removes a policy that is no longer published.
func (m *Matcher) RemovePolicy(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.policies = slices.DeleteFunc(m.policies, func(x *Compiled) bool { return x.Policy.ID == id })
	m.polGen++
	m.gen.Add(1)
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

// PolicyCount returns the number of published policies held.
func (m *Matcher) PolicyCount() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.policies)
}

// PutProfiles adds or replaces profiles, as committed to SQLite.
func (m *Matcher) PutProfiles(es ...*huiqi.Enterprise) {
	m.putProfiles(nil, es)
}

// Grow makes room for n more profiles, so that a load's batches neither
// move the rows and columns again nor rebuild the index of codes as they
// grow: a tenth of the matcher's start-up at 2,000,000 profiles.
func (m *Matcher) Grow(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.byCode) == 0 {
		m.byCode = make(map[string]int, n)
	}
	m.profiles = slices.Grow(m.profiles, n)
	m.cols.grow(n)
}

// PutProfilesPlaced is PutProfiles for loading profiles, given out of
// credit code order, into an empty matcher: places[i] is the place of es[i]
// in that order among all those loaded, as the store's index of codes gives
// it, so that the first ordering of the rows is a check rather than a sort
// of codes scattered in memory. Wrong places cost the sort, never a wrong
// order.
func (m *Matcher) PutProfilesPlaced(places []int, es []*huiqi.Enterprise) {
	m.putProfiles(places, es)
}

func (m *Matcher) putProfiles(places []int, es []*huiqi.Enterprise) {
	ps := make([]*Profile, len(es))
	for i, e := range es {
		ps[i] = NewProfile(e)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if places != nil && len(m.profiles) == 0 && m.placed == nil {
		m.placed, m.placedN = []int32{}, 0
	}
	for k, p := range ps {
		code := p.Enterprise.CreditCode
		i, ok := m.byCode[code]
		var old *Profile
		if !ok {
			i = len(m.profiles)
			m.byCode[code] = i
			m.profiles = append(m.profiles, p)
		} else {
			old = m.profiles[i]
			m.profiles[i] = p
			if i < m.ordered {
				m.orderNames[m.rank[i]] = p.Enterprise.Name
			}
		}
		if m.placed != nil {
			m.place(ok, places, k, i)
		}
		m.cols.put(i, p)
		m.journal.note(old, p)
	}
	m.journal.commit(m.gen.Add(1))
}

// place records that row i, new unless replaced, has the place
// places[k] (none when places is nil).
func (m *Matcher) place(replaced bool, places []int, k, i int) {
	if replaced || places == nil || places[k] < 0 || places[k] >= 1<<31-1 || m.placedN < 0 {
		m.placedN = -1 // never complete: sortedRows sorts
		return
	}
	at := places[k]
	for len(m.placed) <= at {
		m.placed = append(m.placed, -1)
	}
	if m.placed[at] >= 0 {
		m.placedN = -1
		return
	}
	m.placed[at] = int32(i)
	m.placedN++
}

// Prepare does ahead of time what the first matches after a bulk load
// would otherwise do: it puts the profiles in credit code order and builds
// the policy index of day.
func (m *Matcher) Prepare(day huiqi.Date) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.sortedRows()
	m.index(day)
}

// sortedRows returns the rows in credit code order with their codes and
// names, placing the rows added since the last call; the caller holds mu
// for reading.
func (m *Matcher) sortedRows() (order []int32, codes, names []string) {
	m.orderMu.Lock()
	defer m.orderMu.Unlock()
	n := len(m.profiles)
	if m.ordered == n {
		return m.order, m.orderCodes, m.orderNames
	}
	code := func(row int32) string { return m.profiles[row].Enterprise.CreditCode }
	if placed := m.placed; placed != nil {
		m.placed = nil
		if m.ordered == 0 && m.placedN == n && len(placed) == n && m.adoptOrder(placed) {
			return m.order, m.orderCodes, m.orderNames
		}
	}
	added := make([]int32, 0, n-m.ordered)
	for row := m.ordered; row < n; row++ {
		added = append(added, int32(row))
	}
	slices.SortFunc(added, func(a, b int32) int { return cmp.Compare(code(a), code(b)) })
	old := m.order
	switch {
	case len(old) == 0 || code(old[len(old)-1]) < code(added[0]):
		// Appended in order, as at start, when profiles come sorted.
		m.order = append(m.order, added...)
	case len(added) > n/8:
		// Many new rows: one merge of two sorted runs.
		order := make([]int32, 0, n)
		i, j := 0, 0
		for i < len(old) && j < len(added) {
			if code(added[j]) < code(old[i]) {
				order = append(order, added[j])
				j++
			} else {
				order = append(order, old[i])
				i++
			}
		}
		m.order = append(append(order, old[i:]...), added[j:]...)
	default:
		// A few: each finds its place by binary search.
		order := make([]int32, 0, n)
		from := 0
		for _, row := range added {
			c := code(row)
			at := from + sort.Search(len(old)-from, func(i int) bool { return code(old[from+i]) > c })
			order = append(append(order, old[from:at]...), row)
			from = at
		}
		m.order = append(order, old[from:]...)
	}
	m.rank = slices.Grow(m.rank[:0], n)[:n]
	m.orderCodes, m.orderNames = m.orderCodes[:0], m.orderNames[:0]
	for i, row := range m.order {
		m.rank[row] = int32(i)
		e := m.profiles[row].Enterprise
		m.orderCodes = append(m.orderCodes, e.CreditCode)
		m.orderNames = append(m.orderNames, e.Name)
	}
	m.ordered = n
	return m.order, m.orderCodes, m.orderNames
}

// adoptOrder makes order, every row once, the rows' code order if their
// codes are strictly increasing in it, and reports whether they are; the
// caller holds orderMu and no rows are ordered yet.
func (m *Matcher) adoptOrder(order []int32) bool {
	codes := make([]string, len(order))
	for k, row := range order {
		codes[k] = m.profiles[row].Enterprise.CreditCode
		if k > 0 && codes[k-1] >= codes[k] {
			return false
		}
	}
	names := make([]string, len(order))
	rank := make([]int32, len(order))
	for k, row := range order {
		rank[row] = int32(k)
		names[k] = m.profiles[row].Enterprise.Name
	}
	m.order, m.rank, m.orderCodes, m.orderNames = order, rank, codes, names
	m.ordered = len(order)
	return true
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
	return m.MatchProfileWhere(p, day, near, nil)
}

// MatchProfileWhere is MatchProfile over the published policies that keep
// accepts (all when keep is nil), such as one department's. The policy
// index decides which are eligible and which undetermined; only those are
// explained, row by row, and near misses are sought among the others.
func (m *Matcher) MatchProfileWhere(p *Profile, day huiqi.Date, near bool, keep func(*Compiled) bool) Result {
	m.mu.RLock()
	ix := m.index(day)
	elig, undet := newBitset(len(ix.list)), newBitset(len(ix.list))
	var cands bitset
	if near {
		cands = newBitset(len(ix.list))
	}
	ix.decide(p, m.cols, elig, undet, cands)
	var pr *proven
	if near {
		pr = ix.proven(p, m.cols)
	}
	paid := m.dropPaid(ix.list, p, elig, undet)
	m.mu.RUnlock()
	r := Result{AsOf: day, Eligible: make([]Verdict, 0, elig.count()), NearMisses: []NearMiss{}, Undetermined: make([]Undetermined, 0, undet.count())}
	if near {
		// Most candidates are near misses: a catalogue's measures mostly
		// fail an enterprise on their one targeting condition.
		r.NearMisses = newNearMisses(cands.count())
	}
	at := ix.at
	at.actuals = &actualCache{}
	for i, c := range ix.list {
		switch {
		case keep != nil && !keep(c):
		case elig.has(i):
			r.Eligible = append(r.Eligible, c.judge(p, &at))
		case undet.has(i):
			r.addUndetermined(c.judge(p, &at))
		case near && cands.has(i):
			r.addNearMiss(c, p, &at, pr, i)
		}
	}
	for _, i := range paid {
		if c := ix.list[i]; near && (keep == nil || keep(c)) {
			pay, _ := m.PaidOnce(c, p.Enterprise.CreditCode)
			r.addPaidNearMiss(c, pay)
		}
	}
	r.rank()
	return r
}

// Judge judges the given policies for p on day with the row evaluator
// alone; see MatchProfile.
func Judge(list []*Compiled, p *Profile, day huiqi.Date, near bool) Result {
	r := Result{AsOf: day, Eligible: []Verdict{}, NearMisses: []NearMiss{}, Undetermined: []Undetermined{}}
	at := newAsOf(day)
	at.actuals = &actualCache{}
	for _, c := range list {
		if !c.InScope(p, day) {
			continue
		}
		// The fast path decides; only the verdicts listed are explained.
		switch c.root.eval(p, &at) {
		case triTrue:
			r.Eligible = append(r.Eligible, c.judge(p, &at))
		case triUnknown:
			r.addUndetermined(c.judge(p, &at))
		default:
			if near {
				r.addNearMiss(c, p, &at, nil, 0)
			}
		}
	}
	r.rank()
	return r
}

// addUndetermined adds an undetermined verdict, keeping of its explanation
// the checks left open.
func (r *Result) addUndetermined(v Verdict) {
	u := Undetermined{PolicyID: v.PolicyID, Version: v.Version, Title: v.Title, Amount: v.Amount, Missing: nonNil(v.Missing), Review: v.Review, Unknown: []Check{}}
	for _, c := range v.Conditions {
		if c.Pass == nil {
			u.Unknown = append(u.Unknown, c)
		}
	}
	r.Undetermined = append(r.Undetermined, u)
}

// addNearMiss adds c to the near misses when p, not eligible, misses it by
// one leaf. Both callers pass only policies open on the day (the policy
// index's candidates are; Judge skips the others), so of the scope only
// the region is left to check, without reading the policy's window. pr
// and pol are as for nearMissGiven.
func (r *Result) addNearMiss(c *Compiled, p *Profile, at *asOf, pr *proven, pol int) {
	if c.root.kind != kindAll || !c.inRegion(p) {
		return
	}
	// A near miss shows only its missing leaf: a requirement not met, so
	// the leaf holds exactly when it is negated.
	if _, leaf, negated := c.nearMissGiven(p, at, pr, pol); leaf != nil {
		pol := c.Policy
		r.NearMisses = append(r.NearMisses, NearMiss{PolicyID: pol.ID, Version: pol.Version, Title: pol.Title, Missing: leaf.check(p, at, triOf(negated), negated)})
	}
}

// rank orders the eligible verdicts by amount, highest first, and marks the
// recommended one of each exclusive group.
func (r *Result) rank() {
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
	// The order is applied in place, cycle by cycle, rather than into a
	// second list: an answer's verdicts are the larger part of what a
	// request allocates.
	for start := range order {
		if order[start] < 0 {
			continue
		}
		held := r.Eligible[start]
		k := start
		for {
			i := order[k]
			order[k] = -1
			if i == start {
				r.Eligible[k] = held
				break
			}
			r.Eligible[k] = r.Eligible[i]
			k = i
		}
	}
	r.rankSettle()
	// 就高不重复: in each exclusive group only the first, highest, is recommended.
	seen := map[string]bool{}
	for i := range r.Eligible {
		if g := r.Eligible[i].ExclusiveGroup; g != "" {
			r.Eligible[i].Recommended = !seen[g]
			seen[g] = true
		}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// rankSettle lists the fields the undetermined verdicts lack, by how many
// of them each bears on, most first: what to supply to settle the most.
func (r *Result) rankSettle() {
	r.Settle = []Settle{}
	at := map[string]int{}
	for _, u := range r.Undetermined {
		for _, f := range u.Missing {
			i, ok := at[f]
			if !ok {
				i = len(r.Settle)
				at[f] = i
				r.Settle = append(r.Settle, Settle{Field: f, Label: MissingLabel(f)})
			}
			r.Settle[i].Policies++
		}
	}
	slices.SortStableFunc(r.Settle, func(a, b Settle) int {
		if c := cmp.Compare(b.Policies, a.Policies); c != 0 {
			return c
		}
		return cmp.Compare(a.Field, b.Field)
	})
}

// amountKey orders amounts with "no figure" below zero.
func amountKey(m *huiqi.Money) int64 {
	if m == nil {
		return -1
	}
	return int64(*m)
}

// Decision is a published policy a profile is eligible for, with the
// estimated amount (nil when the policy gives no figure for it).
type Decision struct {
	Policy *Compiled
	Amount *huiqi.Money
}

// Decide returns the published policies p is eligible for on day, in id
// order, with their amounts: the enterprise → policies fast path, without
// explanations, for recording verdicts.
func (m *Matcher) Decide(p *Profile, day huiqi.Date) []Decision {
	m.mu.RLock()
	ix := m.index(day)
	elig := newBitset(len(ix.list))
	ix.decide(p, m.cols, elig, nil, nil)
	m.dropPaid(ix.list, p, elig, nil)
	m.mu.RUnlock()
	n := elig.count()
	out := make([]Decision, 0, n)
	amounts := make([]huiqi.Money, 0, n) // one allocation for every amount
	elig.each(func(i int) {
		d := Decision{Policy: ix.list[i]}
		if a, ok := ix.amount(i, p); ok {
			amounts = append(amounts, a)
			d.Amount = &amounts[len(amounts)-1]
		}
		out = append(out, d)
	})
	return out
}

// DecideCount returns how many published policies p is eligible for on
// day; the decision alone, for benchmarks and counts.
func (m *Matcher) DecideCount(p *Profile, day huiqi.Date) int {
	m.mu.RLock()
	ix := m.index(day)
	elig := newBitset(len(ix.list))
	ix.decide(p, m.cols, elig, nil, nil)
	m.dropPaid(ix.list, p, elig, nil)
	m.mu.RUnlock()
	return elig.count()
}

// maxIndexes is how many dates' policy indexes are kept: today's, and a
// few as_of dates asked for.
const maxIndexes = 4

// index returns the policy index of the current policies on day, building
// it when the policies or the dictionaries changed since; the caller holds
// m.mu for reading, so that neither changes meanwhile.
func (m *Matcher) index(day huiqi.Date) *policyIndex {
	m.ixMu.Lock()
	defer m.ixMu.Unlock()
	for i, ix := range m.indexes {
		if ix.day != day {
			continue
		}
		if ix.gen == m.polGen && ix.dictN == m.dictSizes() {
			if i > 0 { // most recent first
				copy(m.indexes[1:i+1], m.indexes[:i])
				m.indexes[0] = ix
			}
			return ix
		}
		m.indexes = slices.Delete(m.indexes, i, i+1)
		break
	}
	ix := buildIndex(m.policies, m.polGen, day, m.cols)
	m.indexes = slices.Insert(m.indexes, 0, ix)
	if len(m.indexes) > maxIndexes {
		m.indexes = m.indexes[:maxIndexes]
	}
	return ix
}

func (m *Matcher) dictSizes() [numDicts]int {
	var n [numDicts]int
	for d := range n {
		n[d] = len(m.cols.dicts[d].vals)
	}
	return n
}

// Hit is an enterprise eligible for a policy, with its estimated amount, or
// one whose verdict is undetermined, with the amount it would bring if
// eligible and the fields its profile lacks.
type Hit struct {
	CreditCode string       `json:"credit_code"`
	Name       string       `json:"name"`
	Amount     *huiqi.Money `json:"amount"`
	Missing    []string     `json:"missing,omitempty"`
}

// Reach is who qualifies for a policy and what it would cost.
type Reach struct {
	Hits          []Hit       `json:"-"`
	Total         int         `json:"total"`
	AmountTotal   huiqi.Money `json:"amount_total"`
	NearMissTotal int         `json:"near_miss_total"`
	// UndeterminedTotal counts the enterprises whose verdict turns on
	// values their profiles lack; they are not among the hits.
	UndeterminedTotal int `json:"undetermined_total"`
}

// MatchPolicy evaluates c against every profile on day: the eligible
// enterprises in credit-code order with their amounts, and, when near is
// set, how many are near misses and how many undetermined. The policy runs
// as column scans.
func (m *Matcher) MatchPolicy(c *Compiled, day huiqi.Date, near bool) Reach {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.matchPolicy(c, day, near)
}

// matchPolicy is MatchPolicy for a caller holding m.mu for reading.
func (m *Matcher) matchPolicy(c *Compiled, day huiqi.Date, near bool) Reach {
	at := newAsOf(day)
	s := m.newScanner(&at)
	defer s.release()
	hits := s.get()
	defer s.put(hits)
	var r Reach
	if near {
		undet := s.get()
		if c.root.kind == kindAll {
			nm := s.get()
			s.nearMisses(c, hits, undet, nm)
			r.NearMissTotal = nm.count()
			s.put(nm)
		} else {
			s.classify(c, hits, undet)
		}
		m.dropPaidRows(c, undet)
		r.UndeterminedTotal = undet.count()
		s.put(undet)
	} else {
		s.eligible(c, hits)
	}
	m.dropPaidRows(c, hits)
	r.Total = hits.count()
	if r.Total == 0 {
		return r
	}
	am := s.amounts(c, hits)
	defer am.done()
	r.Hits = make([]Hit, 0, r.Total)
	amounts := make([]huiqi.Money, 0, r.Total) // one allocation for every amount
	m.inCodeOrder(hits, r.Total, func(row int, code, name string) {
		h := Hit{CreditCode: code, Name: name}
		if a, ok := am.of(row); ok {
			amounts = append(amounts, a)
			h.Amount = &amounts[len(amounts)-1]
			r.AmountTotal += a
		}
		r.Hits = append(r.Hits, h)
	})
	return r
}

// inCodeOrder calls fn with each of the n rows of set, in credit code
// order; the caller holds m.mu for reading.
func (m *Matcher) inCodeOrder(set bitset, n int, fn func(row int, code, name string)) {
	order, codes, names := m.sortedRows()
	if n < len(order)/32 {
		// Few rows: sort them by their place in the code order.
		ks := make([]int32, 0, n)
		set.each(func(i int) { ks = append(ks, m.rank[i]) })
		slices.Sort(ks)
		for _, k := range ks {
			fn(int(order[k]), codes[k], names[k])
		}
		return
	}
	for k, row := range order {
		if set.has(int(row)) {
			fn(int(row), codes[k], names[k])
		}
	}
}

// MatchPolicyUndetermined lists, in credit-code order, the enterprises for
// which c is undetermined on day, with the fields each lacks.
func (m *Matcher) MatchPolicyUndetermined(c *Compiled, day huiqi.Date) []Hit {
	m.mu.RLock()
	defer m.mu.RUnlock()
	at := newAsOf(day)
	s := m.newScanner(&at)
	defer s.release()
	hits, undet := s.get(), s.get()
	defer s.put(hits, undet)
	s.classify(c, hits, undet)
	m.dropPaidRows(c, undet)
	n := undet.count()
	out := make([]Hit, 0, n)
	if n == 0 {
		return out
	}
	am := s.amounts(c, undet)
	defer am.done()
	m.inCodeOrder(undet, n, func(row int, code, name string) {
		h := Hit{CreditCode: code, Name: name, Missing: c.root.missing(m.profiles[row], &at, nil)}
		if a, ok := am.of(row); ok {
			h.Amount = &a
		}
		out = append(out, h)
	})
	return out
}

// PolicyTotal is one policy's reach in a full rematch.
type PolicyTotal struct {
	PolicyID    string
	Version     int
	Total       int
	AmountTotal huiqi.Money
}

// rematchTile is the most rows a full rematch takes at a time: every
// policy runs over one tile before the next tile is read. A tile's columns
// (about 90 bytes a row) then stay in a core's cache across the whole
// catalogue; running each policy over every row instead reads every
// column from memory again for each policy once the columns outgrow the
// cache, which they do from a few hundred thousand profiles (a numeric
// column of 2,000,000 rows is 16 MB). Smaller stores are cut into at
// least 8 tiles a worker, so that the workers finish together.
const rematchTile = 1 << 14

// rematchPlan is one policy of a full rematch, bound to the day once for
// every tile.
type rematchPlan struct {
	c     *Compiled
	scope int // its region scope, in the rematch's scopes
	root  *cnode
	tiers []*cnode // bindTiers
	paid  bitset   // the rows paid under it, once-only; nil for none
}

// RematchAll decides every pair of published policy and profile on day,
// as column scans, and returns each policy's eligible count and amount
// total in id order. The rows are taken a tile at a time, every policy
// over a tile, tiles shared out to workers goroutines. It seeks the
// eligible only: the undetermined are neither stored nor pushed, and
// MatchPolicy counts them where they are shown.
func (m *Matcher) RematchAll(day huiqi.Date, workers int) []PolicyTotal {
	m.mu.RLock()
	defer m.mu.RUnlock()
	at := newAsOf(day)
	cols := m.cols
	var plans []rematchPlan
	var pos []int // each plan's place in m.policies
	// The catalogue's few distinct region scopes (the city, a county),
	// each as the region ids inside it: a tile's rows in each are found
	// once for every policy.
	var scopes [][]int
	scopeOf := map[string]int{}
	for i, c := range m.policies {
		if !c.Policy.OpenOn(day) {
			continue // no row is in scope
		}
		k, ok := scopeOf[c.scope]
		if !ok {
			k = len(scopes)
			scopeOf[c.scope] = k
			scopes = append(scopes, cols.scopeRegions(c))
		}
		p := rematchPlan{c: c, scope: k, root: cols.bind(c.root, &at), tiers: cols.bindTiers(c, &at)}
		if c.Policy.Once {
			p.paid = m.paidRows(c.Policy.ID)
		}
		plans = append(plans, p)
		pos = append(pos, i)
	}
	tags := cols.tagRowsOn(at.days)
	workers = max(workers, 1)
	tile := min(rematchTile, max(64, cols.n/(8*workers)&^63))
	total := make([]int, len(plans))
	sum := make([]huiqi.Money, len(plans))
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			total1 := make([]int, len(plans))
			sum1 := make([]huiqi.Money, len(plans))
			s := &scanner{at: &at}
			for {
				lo := int(next.Add(1)-1) * tile
				if lo >= cols.n {
					break
				}
				hi := min(lo+tile, cols.n)
				if s.c != nil && s.c.n != hi-lo {
					s.free = s.free[:0] // the last tile is shorter
				}
				s.c, s.profiles = cols.window(lo, hi, tags), m.profiles[lo:hi]
				s.rematchTile(plans, scopes, lo>>6, total1, sum1)
			}
			mu.Lock()
			defer mu.Unlock()
			for k := range plans {
				total[k] += total1[k]
				sum[k] += sum1[k]
			}
		})
	}
	wg.Wait()
	out := make([]PolicyTotal, len(m.policies))
	for i, c := range m.policies {
		out[i] = PolicyTotal{PolicyID: c.Policy.ID, Version: c.Policy.Version}
	}
	for k, i := range pos {
		out[i].Total, out[i].AmountTotal = total[k], sum[k]
	}
	return out
}

// rematchTile adds to total and sum each plan's eligible rows of the
// scanner's window, which starts at word w0 of the store, and their
// amounts; scopes are the region ids of the plans' scopes.
func (s *scanner) rematchTile(plans []rematchPlan, scopes [][]int, w0 int, total []int, sum []huiqi.Money) {
	hits := s.get()
	defer s.put(hits)
	in := make([]bitset, len(scopes)) // the rows in each scope
	for k, ids := range scopes {
		in[k] = s.get()
		s.regionRows(ids, in[k])
	}
	defer s.put(in...)
	for k := range plans {
		p := &plans[k]
		s.eval(p.root, in[p.scope], hits, false)
		if p.paid != nil {
			paid := p.paid[min(w0, len(p.paid)):min(w0+len(hits), len(p.paid))]
			for w, b := range paid {
				hits[w] &^= b
			}
		}
		n := hits.count()
		if n == 0 {
			continue
		}
		total[k] += n
		am := s.amountsBound(p.c, p.tiers, hits)
		sum[k] += am.total(hits)
		am.done()
	}
}

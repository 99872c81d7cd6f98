package matcher

import (
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// This file is the policy → enterprises direction: a condition tree bound
// to a date becomes column scans, each producing the bitset of the rows it
// holds for, combined word by word with and, or and and-not. Only leaves on
// name and credit_code fall back to the row evaluator.
//
// Under Kleene logic a scan computes one of two sets of rows: those where
// the tree is true, or (opt) those where it is not false, true or unknown.
// An all or any combines its children's sets of the same kind, and a not
// takes the complement of its child's set of the other kind (not X is true
// where X is false, not false where X is not true); a leaf's true rows are
// those that have its value and pass, its not-false rows those that lack
// the value or pass. A tree is undetermined on its not-false rows that are
// not true.

// cnode is a condition bound to a date and to the column store's
// dictionaries: the form a column scan evaluates.
type cnode struct {
	kind  nodeKind
	kids  []*cnode
	n     *node
	ivs   []ival  // numeric leaves: the values that pass
	truth []bool  // dictionary leaves: whether each id passes
	ids   []int   // dictionary leaves: the ids that pass, when few
	flag  [2]bool // flag leaves: whether false and true pass
}

// cost orders the children of an all or any so that the cheap leaves (whole
// words of a bitset) go first and the later, dearer ones see fewer rows.
func (n *cnode) cost() int {
	switch {
	case n.kind != kindLeaf:
		return 3
	case n.n.attr == attrTags || n.n.attr.isFlag() || n.ids != nil:
		return 0
	case n.n.attr == attrRow:
		return 4
	}
	return 2
}

// fewIDs is the most dictionary values a leaf may pass for its rows to be
// the union of their row bitsets; beyond it a scan of the id column is
// cheaper.
const fewIDs = 12

// bind binds n to the date and to the dictionaries of c.
func (c *columns) bind(n *node, at *asOf) *cnode {
	b := &cnode{kind: n.kind, n: n}
	if n.kind != kindLeaf {
		for _, k := range n.children {
			b.kids = append(b.kids, c.bind(k, at))
		}
		slices.SortStableFunc(b.kids, func(x, y *cnode) int { return x.cost() - y.cost() })
		return b
	}
	switch a := n.attr; {
	case a.isNum():
		b.ivs = n.intervals(at)
	case a.isDict():
		vals := c.dicts[a-attrDict].vals
		b.truth = make([]bool, len(vals))
		var ids []int
		for id, v := range vals {
			if b.truth[id] = n.holdsText(v); b.truth[id] {
				ids = append(ids, id)
			}
		}
		if len(ids) <= fewIDs {
			b.ids = ids
			if ids == nil {
				b.ids = []int{}
			}
		}
	case a.isFlag():
		b.flag = [2]bool{n.holdsFlag(false), n.holdsFlag(true)}
	}
	return b
}

// scanner evaluates bound conditions over the column store. Its bitsets are
// recycled between calls; it is not safe for concurrent use.
type scanner struct {
	c        *columns
	profiles []*Profile
	at       *asOf
	free     []bitset
}

var scanners = sync.Pool{New: func() any { return &scanner{} }}

// newScanner returns a scanner over the matcher's current store; the caller
// holds the matcher's read lock until it calls release.
func (m *Matcher) newScanner(at *asOf) *scanner {
	s := scanners.Get().(*scanner)
	if s.c != m.cols || (len(s.free) > 0 && len(s.free[0]) != m.cols.words()) {
		s.free = s.free[:0]
	}
	s.c, s.profiles, s.at = m.cols, m.profiles, at
	return s
}

func (s *scanner) release() {
	s.profiles, s.at = nil, nil
	scanners.Put(s)
}

// get returns a bitset of the store's size with undefined contents.
func (s *scanner) get() bitset {
	if k := len(s.free); k > 0 {
		b := s.free[k-1]
		s.free = s.free[:k-1]
		return b
	}
	return newBitset(s.c.n)
}

func (s *scanner) put(bs ...bitset) { s.free = append(s.free, bs...) }

// eval sets out to the rows of mask for which n is true or, with opt, not
// false; out and mask must not be the same bitset.
func (s *scanner) eval(n *cnode, mask, out bitset, opt bool) {
	switch n.kind {
	case kindAll:
		cur, tmp := s.get(), s.get()
		copy(cur, mask)
		for _, k := range n.kids {
			s.eval(k, cur, tmp, opt)
			cur, tmp = tmp, cur
			if cur.empty() {
				break
			}
		}
		copy(out, cur)
		s.put(cur, tmp)
	case kindAny:
		rest, tmp := s.get(), s.get()
		copy(rest, mask)
		out.zero()
		for _, k := range n.kids {
			s.eval(k, rest, tmp, opt)
			out.or(tmp)
			rest.andNot(tmp)
			if rest.empty() {
				break
			}
		}
		s.put(rest, tmp)
	case kindNot:
		tmp := s.get()
		s.eval(n.kids[0], mask, tmp, !opt)
		copy(out, mask)
		out.andNot(tmp)
		s.put(tmp)
	default:
		s.leaf(n, mask, out, opt)
	}
}

// dense is the number of rows of a word from which a scan reads all 64
// values instead of visiting the rows one by one.
const dense = 20

// leaf sets out to the rows of mask for which the leaf n is true or, with
// opt, not false.
func (s *scanner) leaf(n *cnode, mask, out bitset, opt bool) {
	c := s.c
	switch a := n.n.attr; {
	case a.isNum():
		col := a - attrNum
		s.scanNum(c.nums[col], c.present[col], n.ivs, mask, out)
		if opt {
			for w, m := range mask {
				out[w] |= m &^ c.present[col][w]
			}
		}
	case a.isDict() && n.ids != nil:
		out.zero()
		for _, id := range n.ids {
			out.or(c.idRows[a-attrDict][id])
		}
		if opt {
			out.or(c.idRows[a-attrDict][0]) // "": unknown
		}
		out.and(mask)
	case a.isDict():
		truth := n.truth
		if opt {
			// "" (id 0) is unknown: not false.
			truth = slices.Clone(truth)
			truth[0] = true
		}
		scanIDs(c.ids[a-attrDict], truth, mask, out)
	case a == attrTags:
		s.tags(n.n, mask, out)
	case a.isFlag():
		f, unk := c.flags[a-attrFlag], c.flagUnknown[a-attrFlag]
		var onTrue, onFalse, onUnknown uint64
		if n.flag[1] {
			onTrue = ^uint64(0)
		}
		if n.flag[0] {
			onFalse = ^uint64(0)
		}
		if opt {
			onUnknown = ^uint64(0)
		}
		for w, m := range mask {
			out[w] = m & (^unk[w]&(f[w]&onTrue|^f[w]&onFalse) | unk[w]&onUnknown)
		}
	default:
		profiles, at := s.profiles, s.at
		if opt {
			scanWords(mask, out, c.n, func(i int) bool { return n.n.evalLeaf(profiles[i], at) != triFalse })
		} else {
			scanWords(mask, out, c.n, func(i int) bool { return n.n.evalLeaf(profiles[i], at) == triTrue })
		}
	}
}

// scanWords sets out to the rows of mask for which holds is true.
func scanWords(mask, out bitset, n int, holds func(i int) bool) {
	for w, m := range mask {
		var r uint64
		if bits.OnesCount64(m) >= dense {
			base := w << 6
			for j := range min(64, n-base) {
				r |= b2u(holds(base+j)) << j
			}
			r &= m
		} else {
			for ; m != 0; m &= m - 1 {
				j := bits.TrailingZeros64(m)
				r |= b2u(holds(w<<6+j)) << j
			}
		}
		out[w] = r
	}
}

// scanIDs sets out to the rows of mask whose dictionary id in ids passes
// truth: scanWords without a call per row, the commonest scan that is not
// whole words.
func scanIDs(ids []uint16, truth []bool, mask, out bitset) {
	for w, m := range mask {
		var r uint64
		if bits.OnesCount64(m) >= dense {
			base := w << 6
			for j, id := range ids[base:min(base+64, len(ids))] {
				r |= b2u(truth[id]) << j
			}
			r &= m
		} else {
			for ; m != 0; m &= m - 1 {
				j := bits.TrailingZeros64(m)
				r |= b2u(truth[ids[w<<6+j]]) << j
			}
		}
		out[w] = r
	}
}

// scanNum sets out to the rows of mask whose value of col lies in ivs.
func (s *scanner) scanNum(col []int64, present bitset, ivs []ival, mask, out bitset) {
	if len(ivs) != 1 {
		scanWords(mask, out, s.c.n, func(i int) bool { return present.has(i) && contains(ivs, col[i]) })
		return
	}
	// One range, the common case: lo ≤ v ≤ hi is one unsigned comparison
	// of v − lo with hi − lo, in wrapping arithmetic.
	lo, span := ivs[0].lo, uint64(ivs[0].hi-ivs[0].lo)
	n := s.c.n
	for w, m := range mask {
		m &= present[w]
		var r uint64
		if bits.OnesCount64(m) >= dense {
			base := w << 6
			vals := col[base:min(base+64, n)]
			for j, v := range vals {
				r |= b2u(uint64(v-lo) <= span) << j
			}
			r &= m
		} else {
			for ; m != 0; m &= m - 1 {
				j := bits.TrailingZeros64(m)
				r |= b2u(uint64(col[w<<6+j]-lo) <= span) << j
			}
		}
		out[w] = r
	}
}

// tags sets out to the rows of mask for which a tags leaf holds, by the
// rows holding each tag on the date (qualifications in force included).
func (s *scanner) tags(n *node, mask, out bitset) {
	rows := s.c.tagRowsOn(s.at.days)
	switch n.op {
	case opHas, opHasAll:
		copy(out, mask)
		for m := n.mask; m != 0; m &= m - 1 {
			out.and(rows[bits.TrailingZeros64(m)])
		}
	case opHasAny:
		out.zero()
		for m := n.mask; m != 0; m &= m - 1 {
			out.or(rows[bits.TrailingZeros64(m)])
		}
		out.and(mask)
	default:
		out.zero()
	}
}

// scope sets out to the rows inside the policy's region scope, or to none
// when the policy is closed on the date.
func (s *scanner) scope(c *Compiled, out bitset) {
	if !c.Policy.OpenOn(s.at.date) {
		out.zero()
		return
	}
	s.regionRows(s.c.scopeRegions(c), out)
}

// scopeRegions returns the region ids inside c's region scope, or nil
// when it has none (every region is in).
func (c *columns) scopeRegions(pc *Compiled) []int {
	if pc.scope == "" {
		return nil
	}
	ids := []int{}
	for id, v := range c.dicts[dictRegion].vals {
		if strings.HasPrefix(v, pc.scope) {
			ids = append(ids, id)
		}
	}
	return ids
}

// regionRows sets out to the rows in the regions ids, or to every row for
// nil ids.
func (s *scanner) regionRows(ids []int, out bitset) {
	if ids == nil {
		out.fill(s.c.n)
		return
	}
	out.zero()
	for _, id := range ids {
		out.or(s.c.idRows[dictRegion][id])
	}
}

// eligible sets out to the rows eligible for c.
func (s *scanner) eligible(c *Compiled, out bitset) {
	sc := s.get()
	s.scope(c, sc)
	if sc.empty() {
		out.zero()
	} else {
		s.eval(s.c.bind(c.root, s.at), sc, out, false)
	}
	s.put(sc)
}

// classify sets out to the rows eligible for c and undet to the rows for
// which c is undetermined.
func (s *scanner) classify(c *Compiled, out, undet bitset) {
	sc := s.get()
	s.scope(c, sc)
	if sc.empty() {
		out.zero()
		undet.zero()
		s.put(sc)
		return
	}
	root := s.c.bind(c.root, s.at)
	s.eval(root, sc, out, false)
	if s.mayBeUnknown(c.root) {
		sc.andNot(out)
		s.eval(root, sc, undet, true)
	} else {
		undet.zero()
	}
	s.put(sc)
}

// mayBeUnknown reports whether a leaf of n reads a value some row lacks:
// when none does, no row is undetermined and the second scan is spared.
func (s *scanner) mayBeUnknown(n *node) bool {
	if n.kind != kindLeaf {
		for _, k := range n.children {
			if s.mayBeUnknown(k) {
				return true
			}
		}
		return false
	}
	if n.attr == attrRow {
		return n.acc != accText // history and reviewed leaves may be unknown
	}
	return s.c.unknownIn(n.attr)
}

// nearMisses sets out to the rows eligible for c, undet (when not nil) to
// the rows undetermined, and near to the rows that are near misses: in
// scope, with every child of the top-level all true but one, which is
// false and a leaf or the not of a leaf (see Compiled.nearMiss). The root
// must be an all.
func (s *scanner) nearMisses(c *Compiled, out, undet, near bitset) {
	sc, one, two, leafFail, kid := s.get(), s.get(), s.get(), s.get(), s.get()
	s.scope(c, sc)
	one.zero()
	two.zero()
	leafFail.zero()
	for _, child := range c.root.children {
		b := s.c.bind(child, s.at)
		s.eval(b, sc, kid, false)
		// kid becomes the rows where the child is not true.
		for w := range kid {
			f := sc[w] &^ kid[w]
			two[w] |= one[w] & f
			one[w] |= f
		}
		if child.kind == kindLeaf || (child.kind == kindNot && child.children[0].kind == kindLeaf) {
			// The rows where the leaf child is false: not among those
			// where it is not false.
			s.eval(b, sc, kid, true)
			for w := range kid {
				leafFail[w] |= sc[w] &^ kid[w]
			}
		}
	}
	copy(out, sc)
	out.andNot(one)
	copy(near, one)
	near.andNot(two)
	near.and(leafFail)
	if undet != nil {
		if s.mayBeUnknown(c.root) {
			sc.andNot(out)
			s.eval(s.c.bind(c.root, s.at), sc, undet, true)
		} else {
			undet.zero()
		}
	}
	s.put(sc, one, two, leafFail, kid)
}

// amounter gives the amount of each eligible row of one policy, from the
// columns: the tiers are evaluated as scans over the eligible rows.
type amounter struct {
	a     *policies.Amount
	slot  int
	tiers []bitset // rows taking each tier
	c     *Compiled
	s     *scanner
}

// amounts prepares the amounts of the rows hits, eligible or undetermined;
// release with done.
func (s *scanner) amounts(c *Compiled, hits bitset) *amounter {
	return s.amountsBound(c, s.c.bindTiers(c, s.at), hits)
}

// bindTiers binds the conditions of c's amount tiers, nil when it has
// none.
func (c *columns) bindTiers(pc *Compiled, at *asOf) []*cnode {
	if a := pc.Policy.Benefit.Amount; a == nil || a.Tiers == nil {
		return nil
	}
	whens := make([]*cnode, len(pc.tiers))
	for k, t := range pc.tiers {
		whens[k] = c.bind(t.when, at)
	}
	return whens
}

// amountsBound is amounts with the tiers' conditions bound (bindTiers).
func (s *scanner) amountsBound(c *Compiled, whens []*cnode, hits bitset) *amounter {
	am := &amounter{a: c.Policy.Benefit.Amount, slot: c.slot, c: c, s: s}
	if am.a == nil || am.a.Tiers == nil {
		return am
	}
	rest, poss := s.get(), s.get()
	copy(rest, hits)
	for _, when := range whens {
		got := s.get()
		s.eval(when, rest, got, false)
		am.tiers = append(am.tiers, got)
		// A row for which the tier is unknown takes no later tier: which
		// applies is unknown, and so is its amount.
		s.eval(when, rest, poss, true)
		rest.andNot(poss)
	}
	s.put(rest, poss)
	return am
}

// of returns the amount of an eligible row, or false when it has none.
func (am *amounter) of(row int) (huiqi.Money, bool) {
	if am.a == nil {
		return 0, false
	}
	a, slot, rich := am.a, am.slot, am.c.rich
	if am.tiers != nil {
		k := 0
		for k < len(am.tiers) && !am.tiers[k].has(row) {
			k++
		}
		if k == len(am.tiers) {
			return 0, false
		}
		t := &am.c.tiers[k]
		a, slot, rich = t.amount, t.slot, t.rich
	}
	if rich {
		return a.Compute(am.s.profiles[row].Enterprise)
	}
	if a.Fixed != nil {
		return *a.Fixed, true
	}
	if !am.s.c.present[slot].has(row) {
		return 0, false
	}
	return rateAmount(a, am.s.c.nums[slot][row]), true
}

// total returns the sum of the amounts of the rows of hits: per tier, the
// tiers' rows being disjoint parts of hits, and without a call per row
// where the amount is a fixed sum or a rate of one figure.
func (am *amounter) total(hits bitset) huiqi.Money {
	switch {
	case am.a == nil:
		return 0
	case am.tiers == nil:
		return am.sum(hits, am.a, am.slot, am.c.rich)
	}
	var sum huiqi.Money
	for k, rows := range am.tiers {
		t := &am.c.tiers[k]
		sum += am.sum(rows, t.amount, t.slot, t.rich)
	}
	return sum
}

// sum returns the sum of the amounts a, of the figure in slot (or by the
// policy's formula when rich), of rows.
func (am *amounter) sum(rows bitset, a *policies.Amount, slot int, rich bool) huiqi.Money {
	var sum huiqi.Money
	switch {
	case rich:
		rows.each(func(row int) {
			if v, ok := a.Compute(am.s.profiles[row].Enterprise); ok {
				sum += v
			}
		})
	case a.Fixed != nil:
		sum = huiqi.Money(rows.count()) * *a.Fixed
	default:
		t := termsOf(a)
		col, present := am.s.c.nums[slot], am.s.c.present[slot]
		for w, word := range rows {
			for word &= present[w]; word != 0; word &= word - 1 {
				sum += t.rateOf(col[w<<6+bits.TrailingZeros64(word)])
			}
		}
	}
	return sum
}

func (am *amounter) done() {
	am.s.put(am.tiers...)
	am.tiers = nil
}

// window returns the rows lo to hi of c (lo a multiple of 64) as a store
// of their own that shares c's memory, with tags the rows holding each tag
// on the day scanned (tagRowsOn): a tile that a full rematch runs every
// policy over before moving on. Row and word numbers in the window count
// from lo. Nothing may be stored through it.
func (c *columns) window(lo, hi int, tags *[64]bitset) *columns {
	w0, w1 := lo>>6, (hi+63)>>6
	// Bitsets may be shorter than the store (idRows); their missing words
	// are zero.
	cut := func(b bitset) bitset { return b[min(w0, len(b)):min(w1, len(b))] }
	win := &columns{n: hi - lo, dicts: c.dicts, unknownN: c.unknownN, tags: c.tags[lo:hi]}
	for d := range c.ids {
		win.ids[d] = c.ids[d][lo:hi]
		win.idRows[d] = make([]bitset, len(c.idRows[d]))
		for id, b := range c.idRows[d] {
			win.idRows[d][id] = cut(b)
		}
	}
	for col := range c.nums {
		win.nums[col] = c.nums[col][lo:hi]
		win.present[col] = cut(c.present[col])
	}
	for t := range tags {
		win.tagRows[t] = cut(tags[t])
	}
	for f := range c.flags {
		win.flags[f] = cut(c.flags[f])
		win.flagUnknown[f] = cut(c.flagUnknown[f])
	}
	return win
}

package matcher

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"

	"github.com/huiqi/huiqi"
)

// This file is the enterprise → policies direction. Each policy's
// eligibility, scope included, is split into conjuncts (the children of its
// top-level all, nested alls flattened). A conjunct that reads one attribute
// only is folded into a table of that attribute: for each value class (a
// dictionary id; a range between the breakpoints of every numeric leaf on
// the column; false and true; a tag) the bitset of the policies whose
// conjuncts on the attribute hold there. Deciding a profile is then one
// lookup and one and of a policy bitset per attribute. One any per policy
// whose children each read one attribute folds as well, into tables of
// the policies one of whose children holds. The rest (another conjunct
// mixing attributes, a tag test other than has, a leaf on name, credit
// code, history or text) is evaluated exactly on the row, for the
// policies still standing.

// policyIndex is the enterprise → policies structure over one list of
// published policies, for one date (age_years and validity windows depend
// on it) and one state of the column store's dictionaries.
type policyIndex struct {
	day   huiqi.Date
	at    asOf
	gen   uint64
	dictN [numDicts]int
	list  []*Compiled

	open bitset // policies whose window contains the date
	full bitset // every policy

	dict     [numDicts][]bitset // by dictionary id; nil when nothing folds there
	dictFold [numDicts][]folded // to decide values the dictionary lacks
	num      [numCols]numTable
	flag     [numFlags][]bitset // [false], [true], [unknown]; nil when unused
	tagReq   [64]bitset         // policies that require each tag
	tagUsed  uint64             // tags some policy requires
	anyOf    [64]bitset         // policies whose one has_any conjunct names each tag
	anyUsed  uint64             // tags some has_any conjunct names
	anyPols  bitset             // policies with a has_any conjunct folded; nil when none
	resid    [][]*node          // per policy, conjuncts decided on the row
	hasResid bitset
	// The distinct amount plans, and each policy's: a catalogue's amounts
	// repeat (a few fixed sums and rates), so that the plans a decision
	// reads stay in cache whichever policies it finds.
	plans  []amountPlan
	planOf []int32 // per policy

	// One any conjunct per policy whose children each read one attribute
	// folds too (see orClass): it is true where one child is, not false
	// where one child is not false.
	orPols   bitset // policies with an any folded; nil when none
	orDict   [numDicts][]orClass
	orDictFs [numDicts][]folded // the children, to decide values the dictionary lacks
	orNum    [numCols]orNumTable
	orFlag   [numFlags][]orClass // [false], [true], [unknown]
	orTag    [64]bitset          // policies whose any has a child naming each tag
	orTagged uint64              // tags some such child names
}

// orClass is, for one value class of an attribute, the policies whose
// folded any has a child on the attribute that is true there (t), and one
// that is not false there (p).
type orClass struct{ t, p bitset }

// orNumTable is numTable for the children of folded anys on one numeric
// column.
type orNumTable struct {
	numTable // bounds only
	classes  []orClass
}

// orChildTags reports whether a child of an any is a tags leaf that holds
// when one of its tags is held, as the tags table folds it.
func orChildTags(k *node) bool {
	return k.kind == kindLeaf && k.attr == attrTags && (k.op == opHasAny || (k.op == opHas || k.op == opHasAll) && bits.OnesCount64(k.mask) == 1)
}

// orFoldable reports whether an any conjunct folds: every child reads one
// attribute that has a table, or is a tags leaf of orChildTags.
func orFoldable(conj *node) bool {
	if conj.kind != kindAny {
		return false
	}
	for _, k := range conj.children {
		a, one := attrOf(k)
		if !orChildTags(k) && (!one || !(a.isDict() || a.isNum() || a.isFlag())) {
			return false
		}
	}
	return true
}

// add adds policy pol to the true and not-false sets of c by the truth
// of one child there.
func (c *orClass) add(pol int, v tri) {
	if v == triTrue {
		c.t.set(pol)
	}
	if v != triFalse {
		c.p.set(pol)
	}
}

// orDictClass classifies the value v of a dictionary column for the
// children fs ("" being unknown).
func orDictClass(fs []folded, v string, np int) orClass {
	c := orClass{newBitset(np), newBitset(np)}
	for _, fd := range fs {
		c.add(fd.pol, evalWith(fd.conj, func(l *node) tri { return textTruth(l, v) }))
	}
	return c
}

// amountPlan is how the index computes a policy's amount for a profile
// decided eligible. The common forms (a fixed sum or a rate of one figure,
// or tiers of those chosen by one numeric leaf each) are read straight
// from the plan and the profile's figures: with thousands of policies,
// walking each eligible policy's own structures costs a cache miss or
// three apiece, more than the decision. The others are computed by the
// policy (Compiled.amount).
type amountPlan struct {
	form  uint8
	slot  int        // amountSimple: the figure a rate applies to
	terms terms      // amountSimple
	tiers []tierPlan // amountTiers
}

const (
	amountNone   = iota // the policy gives no money figure
	amountSimple        // terms, of the figure in slot
	amountTiers         // the first tier whose leaf holds
	amountPolicy        // Compiled.amount
)

// tierPlan is a tier whose condition is one leaf on a numeric column,
// true for the values in ivs, with a simple amount.
type tierPlan struct {
	col   int
	ivs   []ival
	slot  int
	terms terms
}

// planAmount returns the amount plan of c on the date of at.
func planAmount(c *Compiled, at *asOf) amountPlan {
	a := c.Policy.Benefit.Amount
	switch {
	case a == nil:
		return amountPlan{form: amountNone}
	case a.Tiers == nil && !c.rich:
		return amountPlan{form: amountSimple, slot: c.slot, terms: termsOf(a)}
	case a.Tiers == nil:
		return amountPlan{form: amountPolicy}
	}
	pl := amountPlan{form: amountTiers}
	for _, t := range c.tiers {
		if t.rich || t.when.kind != kindLeaf || !t.when.attr.isNum() {
			return amountPlan{form: amountPolicy}
		}
		pl.tiers = append(pl.tiers, tierPlan{col: int(t.when.attr - attrNum), ivs: t.when.intervals(at), slot: t.slot, terms: termsOf(t.amount)})
	}
	return pl
}

// key appends to b the whole of the plan, for finding equal ones.
func (pl *amountPlan) key(b []byte) []byte {
	b = append(b, pl.form)
	b = pl.terms.key(binary.AppendVarint(b, int64(pl.slot)))
	for _, t := range pl.tiers {
		b = binary.AppendVarint(b, int64(t.col))
		b = t.terms.key(binary.AppendVarint(b, int64(t.slot)))
		b = binary.AppendUvarint(b, uint64(len(t.ivs)))
		for _, iv := range t.ivs {
			b = binary.AppendVarint(binary.AppendVarint(b, iv.lo), iv.hi)
		}
	}
	return b
}

func (t *terms) key(b []byte) []byte {
	for _, v := range []int64{int64(t.fixed), int64(t.cap), int64(t.floor), t.rate} {
		b = binary.AppendVarint(b, v)
	}
	return append(b, byte(b2u(t.isFixed)), byte(b2u(t.hasCap)), byte(b2u(t.hasFloor)))
}

// amount returns the amount of the policy at position i for p, eligible
// or undetermined; see Compiled.amount.
func (ix *policyIndex) amount(i int, p *Profile) (huiqi.Money, bool) {
	pl := &ix.plans[ix.planOf[i]]
	switch pl.form {
	case amountNone:
		return 0, false
	case amountSimple:
		return pl.terms.of(p.nums[pl.slot], p.has(pl.slot))
	case amountTiers:
		for k := range pl.tiers {
			t := &pl.tiers[k]
			v, ok := numValue(p, t.col)
			if !ok {
				// The tier is unknown: which applies is unknown, and so
				// is the amount.
				return 0, false
			}
			if contains(t.ivs, v) {
				return t.terms.of(p.nums[t.slot], p.has(t.slot))
			}
		}
		return 0, false
	}
	return ix.list[i].amount(p, &ix.at)
}

// folded is a conjunct of one attribute, of the policy at position pol.
type folded struct {
	pol  int
	conj *node
}

// numTable classifies the values of a numeric column by the breakpoints of
// every range of every leaf on it: within a class every leaf holds alike.
// Class 0 is a missing value, for which every leaf is unknown; class 1+k
// holds the values v with exactly k breakpoints ≤ v. A class's bitset
// holds the policies whose conjuncts on the column are true there.
type numTable struct {
	bounds  []int64
	classes []bitset
}

func (t *numTable) class(v int64, ok bool) int {
	if !ok {
		return 0
	}
	lo, hi := 0, len(t.bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if t.bounds[mid] <= v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return 1 + lo
}

// conjuncts appends the conjuncts of n: the children of an all, flattened.
func conjuncts(n *node, out []*node) []*node {
	if n.kind != kindAll {
		return append(out, n)
	}
	for _, k := range n.children {
		out = conjuncts(k, out)
	}
	return out
}

// attrOf returns the one attribute every leaf of n reads, or false when
// they read several.
func attrOf(n *node) (attr, bool) {
	if n.kind == kindLeaf {
		return n.attr, true
	}
	a, ok := attrOf(n.children[0])
	for _, k := range n.children[1:] {
		if b, same := attrOf(k); !ok || !same || b != a {
			return 0, false
		}
	}
	return a, ok
}

// evalWith evaluates a tree whose leaves all read one attribute, given each
// leaf's truth, under Kleene logic.
func evalWith(n *node, leaf func(*node) tri) tri {
	switch n.kind {
	case kindAll:
		r := triTrue
		for _, k := range n.children {
			r = min(r, evalWith(k, leaf))
		}
		return r
	case kindAny:
		r := triFalse
		for _, k := range n.children {
			r = max(r, evalWith(k, leaf))
		}
		return r
	case kindNot:
		return triTrue - evalWith(n.children[0], leaf)
	}
	return leaf(n)
}

// buildIndex builds the policy index of list on day over the dictionaries
// of cols.
func buildIndex(list []*Compiled, gen uint64, day huiqi.Date, cols *columns) *policyIndex {
	ix := &policyIndex{day: day, at: newAsOf(day), gen: gen, list: slices.Clone(list)}
	for d := range ix.dictN {
		ix.dictN[d] = len(cols.dicts[d].vals)
	}
	np := len(list)
	full := newBitset(np)
	full.fill(np)
	ix.full = full
	ix.open = newBitset(np)
	ix.hasResid = newBitset(np)
	ix.resid = make([][]*node, np)
	ix.planOf = make([]int32, np)
	planID := map[string]int32{}
	var key []byte
	var numFold, orNumFold [numCols][]folded
	var flagFold, orFlagFold [numFlags][]folded
	for i, c := range list {
		if c.Policy.OpenOn(day) {
			ix.open.set(i)
		}
		pl := planAmount(c, &ix.at)
		key = pl.key(key[:0])
		if pl.form == amountPolicy {
			key = binary.AppendUvarint(key, uint64(i)) // computed by the policy itself
		}
		id, ok := planID[string(key)]
		if !ok {
			id = int32(len(ix.plans))
			planID[string(key)] = id
			ix.plans = append(ix.plans, pl)
		}
		ix.planOf[i] = id
		if c.scopeLeaf != nil {
			ix.dictFold[dictRegion] = append(ix.dictFold[dictRegion], folded{i, c.scopeLeaf})
		}
		for _, conj := range conjuncts(c.root, nil) {
			a, one := attrOf(conj)
			switch {
			case one && a.isDict():
				ix.dictFold[a-attrDict] = append(ix.dictFold[a-attrDict], folded{i, conj})
			case one && a.isNum():
				numFold[a-attrNum] = append(numFold[a-attrNum], folded{i, conj})
			case one && a.isFlag():
				flagFold[a-attrFlag] = append(flagFold[a-attrFlag], folded{i, conj})
			case conj.kind == kindLeaf && a == attrTags && (conj.op == opHas || conj.op == opHasAll):
				for m := conj.mask; m != 0; m &= m - 1 {
					t := bits.TrailingZeros64(m)
					if ix.tagReq[t] == nil {
						ix.tagReq[t] = newBitset(np)
					}
					ix.tagReq[t].set(i)
					ix.tagUsed |= 1 << t
				}
			case (ix.orPols == nil || !ix.orPols.has(i)) && orFoldable(conj):
				if ix.orPols == nil {
					ix.orPols = newBitset(np)
				}
				ix.orPols.set(i)
				for _, k := range conj.children {
					if orChildTags(k) {
						for m := k.mask; m != 0; m &= m - 1 {
							t := bits.TrailingZeros64(m)
							if ix.orTag[t] == nil {
								ix.orTag[t] = newBitset(np)
							}
							ix.orTag[t].set(i)
							ix.orTagged |= 1 << t
						}
						continue
					}
					switch a, _ := attrOf(k); {
					case a.isDict():
						ix.orDictFs[a-attrDict] = append(ix.orDictFs[a-attrDict], folded{i, k})
					case a.isNum():
						orNumFold[a-attrNum] = append(orNumFold[a-attrNum], folded{i, k})
					default:
						orFlagFold[a-attrFlag] = append(orFlagFold[a-attrFlag], folded{i, k})
					}
				}
			case conj.kind == kindLeaf && a == attrTags && conj.op == opHasAny && (ix.anyPols == nil || !ix.anyPols.has(i)):
				// One has_any per policy folds: it holds when any of its
				// tags is held, the union of their bitsets.
				if ix.anyPols == nil {
					ix.anyPols = newBitset(np)
				}
				ix.anyPols.set(i)
				for m := conj.mask; m != 0; m &= m - 1 {
					t := bits.TrailingZeros64(m)
					if ix.anyOf[t] == nil {
						ix.anyOf[t] = newBitset(np)
					}
					ix.anyOf[t].set(i)
					ix.anyUsed |= 1 << t
				}
			default:
				ix.resid[i] = append(ix.resid[i], conj)
				ix.hasResid.set(i)
			}
		}
	}
	for d, fs := range ix.dictFold {
		if fs == nil {
			continue
		}
		vals := cols.dicts[d].vals
		ix.dict[d] = make([]bitset, len(vals))
		for id := range vals {
			ix.dict[d][id] = slices.Clone(full)
		}
		for k, truth := range dictTruths(fs, vals) {
			for id, v := range truth {
				if v != triTrue {
					ix.dict[d][id].clear(fs[k].pol)
				}
			}
		}
	}
	for col, fs := range numFold {
		if fs != nil {
			ix.num[col] = numClasses(fs, &ix.at, full)
		}
	}
	for f, fs := range flagFold {
		if fs == nil {
			continue
		}
		ix.flag[f] = make([]bitset, 3)
		for v := range 3 {
			b := slices.Clone(full)
			for _, fd := range fs {
				if evalWith(fd.conj, flagTruth(v)) != triTrue {
					b.clear(fd.pol)
				}
			}
			ix.flag[f][v] = b
		}
	}
	for d, fs := range ix.orDictFs {
		if fs == nil {
			continue
		}
		vals := cols.dicts[d].vals
		ix.orDict[d] = make([]orClass, len(vals))
		for id := range vals {
			ix.orDict[d][id] = orClass{newBitset(np), newBitset(np)}
		}
		for k, truth := range dictTruths(fs, vals) {
			for id, v := range truth {
				ix.orDict[d][id].add(fs[k].pol, v)
			}
		}
	}
	for col, fs := range orNumFold {
		if fs == nil {
			continue
		}
		t, truth := numSplit(fs, &ix.at)
		ot := orNumTable{numTable: t, classes: make([]orClass, len(t.bounds)+2)}
		for k := range ot.classes {
			c := orClass{newBitset(np), newBitset(np)}
			for _, fd := range fs {
				c.add(fd.pol, truth(k, fd.conj))
			}
			ot.classes[k] = c
		}
		ix.orNum[col] = ot
	}
	for f, fs := range orFlagFold {
		if fs == nil {
			continue
		}
		ix.orFlag[f] = make([]orClass, 3)
		for v := range 3 {
			c := orClass{newBitset(np), newBitset(np)}
			for _, fd := range fs {
				c.add(fd.pol, evalWith(fd.conj, flagTruth(v)))
			}
			ix.orFlag[f][v] = c
		}
	}
	return ix
}

// dictClass returns the policies whose conjuncts fs on a dictionary column
// are true for the value v ("" being unknown).
func dictClass(fs []folded, v string, full bitset) bitset {
	b := slices.Clone(full)
	for _, fd := range fs {
		if evalWith(fd.conj, func(l *node) tri { return textTruth(l, v) }) != triTrue {
			b.clear(fd.pol)
		}
	}
	return b
}

// dictTruths returns, for each tree of fs on one dictionary column, its
// truth for each of the column's values vals. A catalogue's policies share
// most such trees (the city's scope, an industry chain), so each distinct
// tree is evaluated once.
func dictTruths(fs []folded, vals []string) [][]tri {
	out := make([][]tri, len(fs))
	seen := map[string][]tri{}
	var key []byte
	for k, fd := range fs {
		key = textKey(key[:0], fd.conj)
		truth, ok := seen[string(key)]
		if !ok {
			truth = make([]tri, len(vals))
			for id, v := range vals {
				truth[id] = evalWith(fd.conj, func(l *node) tri { return textTruth(l, v) })
			}
			seen[string(key)] = truth
		}
		out[k] = truth
	}
	return out
}

// textKey appends to b what the truth of a tree of text leaves depends
// on: its shape, and each leaf's operator and values.
func textKey(b []byte, n *node) []byte {
	b = append(b, byte(n.kind), byte(n.op))
	b = binary.AppendUvarint(b, uint64(len(n.strs)))
	for _, s := range n.strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(n.children)))
	for _, k := range n.children {
		b = textKey(b, k)
	}
	return b
}

// textTruth is the truth of a leaf on a text field for the value v.
func textTruth(n *node, v string) tri {
	if v == "" {
		return triUnknown
	}
	return triOf(n.holdsText(v))
}

// numClasses builds the table of a numeric column from its conjuncts.
func numClasses(fs []folded, at *asOf, full bitset) numTable {
	t, truth := numSplit(fs, at)
	t.classes = make([]bitset, len(t.bounds)+2)
	for k := range t.classes {
		b := slices.Clone(full)
		for _, fd := range fs {
			if truth(k, fd.conj) != triTrue {
				b.clear(fd.pol)
			}
		}
		t.classes[k] = b
	}
	return t
}

// numSplit returns the breakpoints of every range of the trees fs on a
// numeric column, as a table without classes, and the truth of one of the
// trees in each class.
func numSplit(fs []folded, at *asOf) (numTable, func(k int, n *node) tri) {
	ivs := map[*node][]ival{}
	var bounds []int64
	var leaves func(n *node)
	leaves = func(n *node) {
		if n.kind != kindLeaf {
			for _, k := range n.children {
				leaves(k)
			}
			return
		}
		r := n.intervals(at)
		ivs[n] = r
		for _, iv := range r {
			if iv.lo != minInt {
				bounds = append(bounds, iv.lo)
			}
			if iv.hi != maxInt {
				bounds = append(bounds, iv.hi+1)
			}
		}
	}
	for _, fd := range fs {
		leaves(fd.conj)
	}
	slices.Sort(bounds)
	t := numTable{bounds: slices.Compact(bounds)}
	truth := func(k int, n *node) tri {
		// A representative of the class: within it every range test, hence
		// every tree, comes out alike.
		present, v := k > 0, int64(0)
		switch {
		case k == 1 && len(t.bounds) > 0:
			v = t.bounds[0] - 1
		case k > 1:
			v = t.bounds[k-2]
		}
		return evalWith(n, func(l *node) tri {
			if !present {
				return triUnknown
			}
			return triOf(contains(ivs[l], v))
		})
	}
	return t, truth
}

// decide sets out to the policies of the index that p is eligible for and,
// when undet is not nil, undet to those whose verdict is undetermined.
// When near is not nil it also sets near to the candidates for near
// misses: open policies, not eligible, that are not true on at most one
// attribute. A near miss fails exactly one conjunct, so it is among them;
// the row evaluator decides which are.
//
// Each attribute's table gives the policies whose conjuncts on it are true
// for p's value; the others fail out. A conjunct on one attribute is
// unknown exactly when p lacks the attribute's value (a tree of unknowns
// is unknown), and false otherwise: so the policies not false, of which
// undet is those not true, are those that fail out on known attributes
// alone, and on the residual conjuncts by their own truth.
func (ix *policyIndex) decide(p *Profile, cols *columns, out, undet, near bitset) {
	copy(out, ix.open)
	var one, two bitset // policies failing on at least one, two attributes
	if near != nil {
		one, two = make(bitset, len(out)), make(bitset, len(out))
	}
	var poss bitset // policies not false
	if undet != nil {
		poss = undet
		copy(poss, ix.open)
	}
	fail := func(f bitset, negated, unknown bool) {
		if near == nil && poss == nil {
			// The decision alone: out stays within open, so ruling out
			// the open policies not in f is keeping those in f.
			if negated {
				out.and(f)
			} else {
				out.andNot(f)
			}
			return
		}
		for w := range out {
			x := f[w]
			if negated {
				x = ix.open[w] &^ x
			}
			if near != nil {
				two[w] |= one[w] & x
				one[w] |= x
			}
			out[w] &^= x
			if poss != nil && !unknown {
				poss[w] &^= x
			}
		}
	}
	ids, known := cols.dictIDs(p)
	texts := textValues(p)
	for d, table := range ix.dict {
		if table == nil {
			continue
		}
		if known && int(ids[d]) < len(table) {
			fail(table[ids[d]], true, ids[d] == 0)
		} else {
			// A value the dictionary lacks, or gained since the index was
			// built.
			fail(dictClass(ix.dictFold[d], texts[d], ix.full), true, texts[d] == "")
		}
	}
	for col := range ix.num {
		if t := &ix.num[col]; t.classes != nil {
			v, ok := numValue(p, col)
			fail(t.classes[t.class(v, ok)], true, !ok)
		}
	}
	for f, table := range ix.flag {
		if table != nil {
			v := flagClass(p, f)
			fail(table[v], true, v == 2)
		}
	}
	// The tags are one attribute: the policies failing a has and those
	// failing their has_any fail on it together. Qualifications in force
	// on the day count as tags.
	tags := p.tagsOn(ix.at.days)
	scratch := getScratch(4 * len(out))
	defer scratches.Put(scratch)
	if missing := ix.tagUsed &^ tags; missing != 0 || ix.anyPols != nil {
		f := (*scratch)[:len(out)]
		for m := missing; m != 0; m &= m - 1 {
			f.or(ix.tagReq[bits.TrailingZeros64(m)])
		}
		if ix.anyPols != nil {
			held := (*scratch)[len(out) : 2*len(out)]
			for m := ix.anyUsed & tags; m != 0; m &= m - 1 {
				held.or(ix.anyOf[bits.TrailingZeros64(m)])
			}
			for w := range f {
				f[w] |= ix.anyPols[w] &^ held[w]
			}
		}
		fail(f, false, false)
	}
	if ix.orPols != nil {
		ix.decideOr(p, cols, ids, known, texts, tags, out, poss, (*scratch)[2*len(out):])
	}
	// The residual conjuncts of the policies still possible: a false one
	// rules the policy out, an unknown one leaves it undetermined.
	standing := out
	if poss != nil {
		standing = poss
	}
	for w, word := range standing {
		for r := word & ix.hasResid[w]; r != 0; r &= r - 1 {
			i := w<<6 + bits.TrailingZeros64(r)
			for _, conj := range ix.resid[i] {
				v := conj.eval(p, &ix.at)
				if v != triTrue {
					out.clear(i)
				}
				if v == triFalse {
					if poss != nil {
						poss.clear(i)
					}
					break
				}
			}
		}
	}
	for w := range near {
		near[w] = ix.open[w] &^ two[w] &^ out[w]
	}
	if poss != nil {
		poss.andNot(out)
	}
}

// scratches recycles the bitsets a decision works in: at 20,000 policies
// a decision would otherwise allocate 10 KB of them.
var scratches = sync.Pool{New: func() any { return new(bitset) }}

// getScratch returns n zeroed words from scratches; put them back when done.
func getScratch(n int) *bitset {
	b := scratches.Get().(*bitset)
	if cap(*b) < n {
		*b = make(bitset, n)
	}
	*b = (*b)[:n]
	b.zero()
	return b
}

// decideOr rules out of out the policies whose folded any is not true for
// p and, when poss is not nil, out of poss those whose any is false. A
// policy failing its any is no near miss (the any is not a leaf), so near
// misses are left to the row evaluator, as for residual conjuncts.
func (ix *policyIndex) decideOr(p *Profile, cols *columns, ids [numDicts]uint16, known bool, texts [numDicts]string, tags uint64, out, poss, scratch bitset) {
	t, nf := scratch[:len(out)], scratch[len(out):2*len(out)]
	add := func(c *orClass) {
		t.or(c.t)
		if poss != nil { // the decision alone needs no not-false sets
			nf.or(c.p)
		}
	}
	for d, table := range ix.orDict {
		switch {
		case table == nil:
		case known && int(ids[d]) < len(table):
			add(&table[ids[d]])
		default:
			c := orDictClass(ix.orDictFs[d], texts[d], len(ix.list))
			add(&c)
		}
	}
	for col := range ix.orNum {
		if ot := &ix.orNum[col]; ot.classes != nil {
			v, ok := numValue(p, col)
			add(&ot.classes[ot.class(v, ok)])
		}
	}
	for f, table := range ix.orFlag {
		if table != nil {
			add(&table[flagClass(p, f)])
		}
	}
	for m := ix.orTagged & tags; m != 0; m &= m - 1 {
		b := ix.orTag[bits.TrailingZeros64(m)]
		add(&orClass{b, b})
	}
	for w, pols := range ix.orPols {
		out[w] &^= pols &^ t[w]
		if poss != nil {
			poss[w] &^= pols &^ nf[w]
		}
	}
}

// flagTruth returns the truth of a flag leaf in the class v of flagClass.
func flagTruth(v int) func(l *node) tri {
	return func(l *node) tri {
		if v == 2 {
			return triUnknown
		}
		return triOf(l.holdsFlag(v == 1))
	}
}

// flagClass returns the class of p's value of a flag: 0 false, 1 true, 2
// unknown.
func flagClass(p *Profile, f int) int {
	if f == flagAboveSize {
		if !p.aboveKnown {
			return 2
		}
		return int(b2u(p.aboveSize))
	}
	return int(b2u(p.Enterprise.Dishonest))
}

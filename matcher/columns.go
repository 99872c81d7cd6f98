package matcher

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
)

// Dictionary-coded text columns: each value is a small integer id into a
// dictionary of the distinct strings seen, id 0 being "" (missing), so that
// a leaf on the column becomes a truth table over ids.
const (
	dictRegion = iota
	dictIndustry
	dictScale // the effective scale: given or derived
	dictTaxCredit
	numDicts
)

// Numeric columns. The first six are the profile's numeric slots; founded_on
// is held as yyyymmdd, so that age_years (as of any date) and founded_on
// leaves are both ranges of it; rd_ratio as its ratio key.
const (
	colFounded = slotFoundedOn
	colRatio   = numSlots
	numCols    = numSlots + 1
)

// attr is what a leaf reads, as the column paths see it: one dictionary
// column, one numeric column, the tags, a flag, or, for the free-text fields
// name and credit_code, the row itself.
type attr uint8

const (
	attrDict  attr = 0                   // + dictRegion … dictTaxCredit
	attrNum   attr = attrDict + numDicts // + colEmployees … colRatio
	attrTags  attr = attrNum + numCols
	attrFlag  attr = attrTags + 1 // + flagDishonest, flagAboveSize
	attrRow   attr = attrFlag + numFlags
	numAttrs       = int(attrRow) + 1
	maxDictID      = 1<<16 - 1
)

// Boolean columns.
const (
	flagDishonest = iota
	flagAboveSize
	numFlags
)

func (a attr) isDict() bool { return a < attrNum }
func (a attr) isNum() bool  { return a >= attrNum && a < attrTags }
func (a attr) isFlag() bool { return a >= attrFlag && a < attrRow }

// dict numbers the distinct values of a text column.
type dict struct {
	ids  map[string]uint16
	vals []string
}

func newDict() dict { return dict{ids: map[string]uint16{"": 0}, vals: []string{""}} }

// id returns the id of v, adding it when new. The columns hold validated
// codes from closed vocabularies (regions, GB/T 4754 classes, four scales,
// five grades), far fewer than 2¹⁶.
func (d *dict) id(v string) uint16 {
	if id, ok := d.ids[v]; ok {
		return id
	}
	if len(d.vals) > maxDictID {
		panic(fmt.Sprintf("matcher: more than %d distinct values in a dictionary column", maxDictID))
	}
	id := uint16(len(d.vals))
	d.ids[v] = id
	d.vals = append(d.vals, v)
	return id
}

// columns is the columnar copy of every profile: one slice per attribute,
// indexed by row, rows in insertion order. Policy → enterprises matching
// scans these, 64 rows to a word of the result, instead of walking
// profiles.
type columns struct {
	n       int
	dicts   [numDicts]dict
	ids     [numDicts][]uint16
	nums    [numCols][]int64
	present [numCols]bitset // whether the row has the figure
	tags    []uint64
	tagRows [64]bitset // rows holding each tag of the vocabulary, undated
	// quals holds the dated qualifications of the rows that have some:
	// their tags depend on the date (see tagRowsOn).
	quals map[int][]qualSpan
	// gen counts changes of rows, so that caches know when to renew.
	gen uint64
	// onDay caches tagRowsOn for the last few dates.
	onMu  sync.Mutex
	onDay []*tagsOnDay
	flags [numFlags]bitset
	// flagUnknown holds the rows whose flag is unknown (the size of a
	// B/C/D enterprise without revenue); their flags bit is clear.
	flagUnknown [numFlags]bitset
	// unknownN counts, per attribute, the rows lacking its value, so that
	// a scan knows when no row can be undetermined.
	unknownN [numAttrs]int
	// idRows holds, per dictionary value, the rows that have it, so that a
	// leaf true for few values (a scope, a district, a scale) is the union
	// of their bitsets rather than a scan. They are only as long as their
	// last member needs: readers take missing words as zero.
	idRows [numDicts][]bitset
}

func newColumns() *columns {
	c := &columns{}
	for i := range c.dicts {
		c.dicts[i] = newDict()
	}
	return c
}

func (c *columns) words() int { return (c.n + 63) >> 6 }

// textValues returns the dictionary values of a profile, in dict order.
func textValues(p *Profile) [numDicts]string {
	e := p.Enterprise
	return [numDicts]string{e.Region, e.Industry, p.scale, e.TaxCredit}
}

// numValue returns a profile's value of a numeric column and whether it has
// one.
func numValue(p *Profile, col int) (int64, bool) {
	switch col {
	case colFounded:
		return p.foundedYMD, p.has(slotFoundedOn)
	case colRatio:
		return p.ratioKey, p.has(slotRDExpense) && p.has(slotRevenue)
	}
	return p.nums[col], p.has(col)
}

// grow makes room for n more rows without moving the columns again.
func (c *columns) grow(n int) {
	w := (c.n+n+63)>>6 - len(c.tags)>>6
	for col := range c.present {
		c.present[col] = slices.Grow(c.present[col], w)
	}
	for t := range c.tagRows {
		c.tagRows[t] = slices.Grow(c.tagRows[t], w)
	}
	for f := range c.flags {
		c.flags[f] = slices.Grow(c.flags[f], w)
		c.flagUnknown[f] = slices.Grow(c.flagUnknown[f], w)
	}
	for d := range c.ids {
		c.ids[d] = slices.Grow(c.ids[d], n)
	}
	for col := range c.nums {
		c.nums[col] = slices.Grow(c.nums[col], n)
	}
	c.tags = slices.Grow(c.tags, n)
}

// put stores p in row i, which is an existing row or the next one (c.n),
// and gives p the dictionary ids of this store.
func (c *columns) put(i int, p *Profile) {
	isNew := i == c.n
	// count moves row i in or out of the attribute's unknown rows.
	count := func(a attr, was, now bool) {
		if isNew {
			was = false
		}
		c.unknownN[a] += int(b2u(now)) - int(b2u(was))
	}
	if isNew {
		c.n++
		if c.n&63 == 1 { // a new word in every bitset
			for col := range c.present {
				c.present[col] = append(c.present[col], 0)
			}
			for t := range c.tagRows {
				c.tagRows[t] = append(c.tagRows[t], 0)
			}
			for f := range c.flags {
				c.flags[f] = append(c.flags[f], 0)
				c.flagUnknown[f] = append(c.flagUnknown[f], 0)
			}
		}
		for d := range c.ids {
			c.ids[d] = append(c.ids[d], 0)
		}
		for col := range c.nums {
			c.nums[col] = append(c.nums[col], 0)
		}
		c.tags = append(c.tags, 0)
	}
	for d, v := range textValues(p) {
		id := c.dicts[d].id(v)
		if old := c.ids[d][i]; old < uint16(len(c.idRows[d])) {
			c.idRows[d][old].clearShort(i)
		}
		for int(id) >= len(c.idRows[d]) {
			c.idRows[d] = append(c.idRows[d], nil)
		}
		c.idRows[d][id].setGrow(i)
		count(attrDict+attr(d), c.ids[d][i] == 0, id == 0)
		c.ids[d][i] = id
		p.ids[d] = id
	}
	p.owner = c
	for col := range c.nums {
		v, ok := numValue(p, col)
		if !ok {
			v = 0
		}
		c.nums[col][i] = v
		count(attrNum+attr(col), !c.present[col].has(i), !ok)
		c.present[col].put(i, ok)
	}
	// Only the tags that changed touch their row bitsets.
	old := c.tags[i]
	for diff := old ^ p.tags; diff != 0; diff &= diff - 1 {
		t := bits.TrailingZeros64(diff)
		c.tagRows[t].put(i, p.tags&(1<<t) != 0)
	}
	c.tags[i] = p.tags
	if len(p.quals) > 0 {
		if c.quals == nil {
			c.quals = map[int][]qualSpan{}
		}
		c.quals[i] = p.quals
	} else {
		delete(c.quals, i)
	}
	c.gen++
	c.flags[flagDishonest].put(i, p.Enterprise.Dishonest)
	c.flags[flagAboveSize].put(i, p.aboveSize)
	count(attrFlag+flagAboveSize, c.flagUnknown[flagAboveSize].has(i), !p.aboveKnown)
	c.flagUnknown[flagAboveSize].put(i, !p.aboveKnown)
}

// tagsOnDay is, for one day, the rows holding each tag: undated, or by a
// qualification in force that day.
type tagsOnDay struct {
	day  int32
	gen  uint64
	rows [64]bitset
}

// maxTagDays is how many days' tag rows are kept.
const maxTagDays = 4

// tagRowsOn returns the rows holding each tag on day (days since 1970).
// The bitsets of tags no qualification adds to are the undated ones,
// shared; the caller must not change them. The caller holds the
// matcher's read lock, so that the rows do not change meanwhile.
func (c *columns) tagRowsOn(day int32) *[64]bitset {
	if len(c.quals) == 0 {
		return &c.tagRows
	}
	c.onMu.Lock()
	defer c.onMu.Unlock()
	for _, t := range c.onDay {
		if t.day == day && t.gen == c.gen {
			return &t.rows
		}
	}
	t := &tagsOnDay{day: day, gen: c.gen, rows: c.tagRows}
	var own uint64 // the tags whose bitset t owns
	for row, qs := range c.quals {
		for _, q := range qs {
			if q.from > day || day > q.to || q.bit == 0 {
				continue
			}
			k := bits.TrailingZeros64(q.bit)
			if own&q.bit == 0 {
				t.rows[k] = slices.Clone(t.rows[k])
				own |= q.bit
			}
			t.rows[k].set(row)
		}
	}
	c.onDay = append([]*tagsOnDay{t}, c.onDay[:min(len(c.onDay), maxTagDays-1)]...)
	return &t.rows
}

// unknownIn reports whether some row lacks the value of the attribute.
func (c *columns) unknownIn(a attr) bool { return c.unknownN[a] > 0 }

// dictIDs returns the dictionary ids of p's text values in this store, or
// false when one of them has never been stored (a profile judged but not
// stored, such as the policy calculator's).
func (c *columns) dictIDs(p *Profile) ([numDicts]uint16, bool) {
	if p.owner == c {
		return p.ids, true
	}
	var ids [numDicts]uint16
	for d, v := range textValues(p) {
		id, ok := c.dicts[d].ids[v]
		if !ok {
			return ids, false
		}
		ids[d] = id
	}
	return ids, true
}

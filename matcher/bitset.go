package matcher

import "math/bits"

// bitset is a set of small integers, one bit each: rows of the column store
// (enterprises) or positions in the policy list. Whole words are combined at
// a time, which is what makes both matching directions cheap.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)>>6) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// setGrow sets bit i, lengthening b as needed.
func (b *bitset) setGrow(i int) {
	for len(*b) <= i>>6 {
		*b = append(*b, 0)
	}
	b.set(i)
}

// clearShort clears bit i of a bitset that may be shorter than i.
func (b bitset) clearShort(i int) {
	if i>>6 < len(b) {
		b.clear(i)
	}
}

// put sets or clears bit i.
func (b bitset) put(i int, on bool) {
	if on {
		b.set(i)
	} else {
		b.clear(i)
	}
}

// fill sets the first n bits and clears the rest.
func (b bitset) fill(n int) {
	full := n >> 6
	for w := range b {
		switch {
		case w < full:
			b[w] = ^uint64(0)
		case w == full && n&63 != 0:
			b[w] = 1<<(uint(n)&63) - 1
		default:
			b[w] = 0
		}
	}
}

func (b bitset) zero() {
	clear(b)
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

// and sets b to b ∩ o.
func (b bitset) and(o bitset) {
	o = o[:len(b)]
	for i := range b {
		b[i] &= o[i]
	}
}

// andNot sets b to b ∖ o.
func (b bitset) andNot(o bitset) {
	o = o[:len(b)]
	for i := range b {
		b[i] &^= o[i]
	}
}

// or sets b to b ∪ o; o may be shorter than b.
func (b bitset) or(o bitset) {
	o = o[:min(len(o), len(b))]
	for i, w := range o {
		b[i] |= w
	}
}

// each calls fn with every member in increasing order.
func (b bitset) each(fn func(i int)) {
	for w, word := range b {
		for word != 0 {
			fn(w<<6 + bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
}

// b2u is 1 for true: the compiler makes it a flag move, not a branch, which
// is what keeps a 64-row scan branch-free.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

package matcher

// proven holds, for one profile, by attribute, the policies whose
// conjuncts on each dictionary, numeric or flag attribute the policy index
// proves true for the profile's value (nil where the index cannot say). A near-miss
// candidate's children that read one such attribute then need no
// evaluation: an enterprise's answer looks for near misses among hundreds
// of policies, and each child evaluated reads a policy's nodes and their
// arguments, spread over the heap, once per request.
type proven [attrRow]bitset // the tags' entry stays nil

// proven looks p's values up in the index's tables of the dictionary,
// numeric and flag attributes; the caller holds the matcher's lock for reading, as
// the dictionaries may grow. A text value the dictionary lacks, or gained
// since the index was built, is left unproven: its children are evaluated.
func (ix *policyIndex) proven(p *Profile, cols *columns) *proven {
	var pr proven
	if ids, known := cols.dictIDs(p); known {
		for d, table := range ix.dict {
			if table != nil && int(ids[d]) < len(table) {
				pr[attrDict+attr(d)] = table[ids[d]]
			}
		}
	}
	for col := range ix.num {
		if t := &ix.num[col]; t.classes != nil {
			v, ok := numValue(p, col)
			pr[attrNum+attr(col)] = t.classes[t.class(v, ok)]
		}
	}
	for f, table := range ix.flag {
		if table != nil {
			pr[attrFlag+attr(f)] = table[flagValue(p, f)]
		}
	}
	return &pr
}

// flagValue is the class of p's value of a flag in the policy index's
// flag tables: 0 false, 1 true, 2 unknown.
func flagValue(p *Profile, f int) uint64 {
	if f == flagAboveSize {
		if !p.aboveKnown {
			return 2
		}
		return b2u(p.aboveSize)
	}
	return b2u(p.Enterprise.Dishonest)
}

// holds reports whether a child of the top-level all of the policy at
// position pol, which reads the one attribute a, is proven true: all the
// policy's conjuncts on a hold.
func (pr *proven) holds(a attr, pol int) bool {
	return a < attrRow && pr[a] != nil && pr[a].has(pol)
}

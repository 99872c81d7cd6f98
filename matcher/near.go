package matcher

// proven holds, for one profile, what the policy index proves of the
// children of the policies' top-level alls that read one dictionary,
// numeric or flag attribute: an enterprise's answer looks for near misses
// among hundreds of policies, and each child evaluated reads a policy's
// nodes and their arguments, spread over the heap, once per request.
type proven struct {
	// holds is, by attribute, the policies whose conjuncts on it are true
	// for the profile's value; nil where the index cannot say.
	holds [attrRow]bitset
	// known is whether the profile has the attribute's value: a conjunct
	// on one attribute is then true or false, never unknown.
	known [attrRow]bool
	tags  uint64 // the profile's tags on the index's day
}

// proven looks p's values up in the index's tables of the dictionary,
// numeric and flag attributes; the caller holds the matcher's lock for
// reading, as the dictionaries may grow. A text value the dictionary
// lacks, or gained since the index was built, is left unproven: its
// children are evaluated.
func (ix *policyIndex) proven(p *Profile, cols *columns) *proven {
	pr := &proven{tags: p.tagsOn(ix.at.days)}
	if ids, known := cols.dictIDs(p); known {
		for d, table := range ix.dict {
			if table != nil && int(ids[d]) < len(table) {
				a := attrDict + attr(d)
				pr.holds[a], pr.known[a] = table[ids[d]], ids[d] != 0 // id 0 is no value
			}
		}
	}
	for col := range ix.num {
		if t := &ix.num[col]; t.classes != nil {
			v, ok := numValue(p, col)
			a := attrNum + attr(col)
			pr.holds[a], pr.known[a] = t.classes[t.class(v, ok)], ok
		}
	}
	for f, table := range ix.flag {
		if table != nil {
			v := flagClass(p, f)
			a := attrFlag + attr(f)
			pr.holds[a], pr.known[a] = table[v], v != 2
		}
	}
	return pr
}

// childFact is what the near-miss search needs to know of a child of a
// policy's top-level all without reading it: the one attribute it reads
// (attrRow when it reads several), and whether it holds every conjunct of
// the policy on that attribute.
type childFact struct {
	attr  attr
	alone bool
	// tagLeaf marks a has, has_all or has_any leaf on the tags, of which
	// tags are the tags it names and anyTag marks has_any: its truth is
	// that of the profile's tags, always known.
	tagLeaf bool
	anyTag  bool
	tags    uint64
}

// childFacts returns the facts of the children of the all n. A child
// mixing attributes may be an all whose own conjuncts, flattened by the
// policy index, read the attribute of another child: that one is then not
// alone.
func childFacts(n *node) []childFact {
	fs := make([]childFact, len(n.children))
	owner := map[attr]int{} // the child holding the conjuncts on each attribute; -1 for several
	for i, k := range n.children {
		a, one := attrOf(k)
		if !one {
			a = attrRow
		}
		fs[i].attr = a
		if k.kind == kindLeaf && k.acc == accTags && (k.op == opHas || k.op == opHasAll || k.op == opHasAny) {
			fs[i].tagLeaf, fs[i].anyTag, fs[i].tags = true, k.op == opHasAny, k.mask
		}
		for _, conj := range conjuncts(k, nil) {
			b, one := attrOf(conj)
			if !one {
				continue
			}
			if j, seen := owner[b]; seen && j != i {
				owner[b] = -1
			} else {
				owner[b] = i
			}
		}
	}
	for i := range fs {
		fs[i].alone = fs[i].attr < attrRow && owner[fs[i].attr] == i
	}
	return fs
}

// truth returns the truth of a child with facts f of the policy at
// position pol, whose region lies in its scope, when it is known without
// reading the child: a tag leaf's from the profile's tags; else, from the
// index, true when all the policy's conjuncts on the attribute hold; false when
// they do not, the value is known and no other child reads the attribute
// (the scope, folded in with the region, holds). ok is false otherwise,
// and the child must be evaluated.
func (pr *proven) truth(f childFact, pol int) (v tri, ok bool) {
	switch {
	case f.tagLeaf && f.anyTag:
		return triOf(pr.tags&f.tags != 0), true
	case f.tagLeaf:
		return triOf(pr.tags&f.tags == f.tags), true
	}
	if f.attr >= attrRow || pr.holds[f.attr] == nil {
		return 0, false
	}
	switch {
	case pr.holds[f.attr].has(pol):
		return triTrue, true
	case f.alone && pr.known[f.attr]:
		return triFalse, true
	}
	return 0, false
}

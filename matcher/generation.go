package matcher

// Generation counts the changes of what matching reads: profiles, policies
// and payouts. It moves on after each change is in place, so a result
// computed after reading generation g is exact for as long as Generation
// still returns g; caches of results are keyed on it. Each batch of
// profiles stored is one generation, journaled (journal.go), so that a
// policy's reach of an earlier generation can be caught up with it.
func (m *Matcher) Generation() uint64 { return m.gen.Load() }

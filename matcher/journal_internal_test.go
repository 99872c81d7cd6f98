package matcher

import "testing"

// SetReachBlock makes the blocks of the reaches tracked during a test n
// hits long.
func SetReachBlock(tb testing.TB, n int) {
	old := reachBlock
	reachBlock = n
	tb.Cleanup(func() { reachBlock = old })
}

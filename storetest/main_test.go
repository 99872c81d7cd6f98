package storetest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/storetest"
)

// opener returns a new empty store on the usual test clock.
type opener func(tb testing.TB) storetest.Store

// forEachStore runs test once per store, in parallel subtests named after
// the store.
func forEachStore(t *testing.T, test func(*testing.T, opener)) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			test(t, func(tb testing.TB) storetest.Store { return b.Open(tb, storetest.Clock()) })
		})
	}
}

// forEachBackend runs a benchmark once per store, named name/store.
func forEachBackend(b *testing.B, name string, bench func(*testing.B, storetest.Backend)) {
	for _, be := range storetest.Backends {
		n := be.Name
		if name != "" {
			n = name + "/" + be.Name
		}
		b.Run(n, func(b *testing.B) { bench(b, be) })
	}
}

// cmpOpts compare domain values: dates by value, absent and empty tags alike.
var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b huiqi.Date) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

func wantCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := huiqi.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

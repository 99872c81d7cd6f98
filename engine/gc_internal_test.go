package engine

import (
	"runtime/debug"
	"testing"
)

// TestLoadingGC checks that loads raise the collector's GOGC only while
// the last of them runs, never lower it, and leave it as they found it.
func TestLoadingGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		name       string
		was, while int
	}{
		{"Default", 100, loadGCPercent},
		{"Lower", 50, loadGCPercent},
		{"Higher", 1000, 1000},
		{"Off", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.was)
			first := loadingGC()
			second := loadingGC() // a load at the same time
			if got := debug.SetGCPercent(-1); got != tc.while {
				t.Errorf("GOGC while loading = %d, want %d", got, tc.while)
			}
			debug.SetGCPercent(tc.while)
			first()
			if got := debug.SetGCPercent(tc.while); got != tc.while {
				t.Errorf("GOGC while the second load runs = %d, want %d", got, tc.while)
			}
			second()
			if got := debug.SetGCPercent(tc.was); got != tc.was {
				t.Errorf("GOGC after the loads = %d, want %d", got, tc.was)
			}
		})
	}
}

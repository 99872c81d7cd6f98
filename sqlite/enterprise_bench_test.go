package sqlite_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// BenchmarkPutEnterprises stores 50,000 generated profiles with history
// into a fresh database in batches of engine.ImportBatchSize, as a bulk
// import commits them: the single writer's share of an import.
func BenchmarkPutEnterprises(b *testing.B) {
	const n, batch = 50_000, 2000
	es := demo.Enterprises(n, 1, huiqi.NewDate(2026, 6, 15))
	ctx := context.Background()
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		db := MustOpenDB(b)
		b.StartTimer()
		for i := 0; i < n; i += batch {
			if _, err := db.PutEnterprises(ctx, es[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		MustCloseDB(b, db)
		b.StartTimer()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n*b.N), "cpu-µs/profile")
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "profiles/s")
}

// cpuTime is the user and system CPU time of the process so far: on a
// shared machine, a steadier measure of work than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// bulkProfiles is how many generated profiles BenchmarkBulkEnterprises
// imports in one round; the bench of the issue imports 200,000
// (-bulk-profiles 200000).
var bulkProfiles = flag.Int("bulk-profiles", 20_000, "profiles imported per round by BenchmarkBulkEnterprises")

// BenchmarkBulkEnterprises imports generated profiles with history over
// POST /v1/enterprises/bulk into a fresh database, as huiqi-bench's row
// "import … over the API" does: 5,000 NDJSON lines a request, two
// requests at a time.
func BenchmarkBulkEnterprises(b *testing.B) {
	const perRequest, parallel = 5000, 2
	es := demo.Enterprises(*bulkProfiles, 1, huiqi.DateOf(apiNow))
	var buf bytes.Buffer
	if err := demo.WriteNDJSON(&buf, es); err != nil {
		b.Fatal(err)
	}
	var chunks [][]byte
	for rest := buf.Bytes(); len(rest) > 0; {
		end := 0
		for lines := 0; end < len(rest) && lines < perRequest; lines++ {
			if i := bytes.IndexByte(rest[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(rest)
			}
		}
		chunks = append(chunks, rest[:end])
		rest = rest[end:]
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: parallel}}
	var took time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		s := mustAPIServer(b)
		b.StartTimer()
		start := time.Now()
		next := make(chan []byte)
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for range parallel {
			wg.Go(func() {
				for chunk := range next {
					req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/enterprises/bulk", bytes.NewReader(chunk))
					if err != nil {
						b.Error(err)
						continue
					}
					req.Header.Set("Authorization", "Bearer "+s.Admin)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						continue
					}
					var r struct{ Accepted int }
					err = json.NewDecoder(resp.Body).Decode(&r)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Errorf("POST /v1/enterprises/bulk: %d, %v", resp.StatusCode, err)
					}
					mu.Lock()
					accepted += r.Accepted
					mu.Unlock()
				}
			})
		}
		for _, c := range chunks {
			next <- c
		}
		close(next)
		wg.Wait()
		took += time.Since(start)
		b.StopTimer()
		if accepted != len(es) {
			b.Fatalf("accepted %d of %d profiles", accepted, len(es))
		}
		s.close(b)
		b.StartTimer()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/(float64(b.N*len(es))), "cpu-µs/profile")
	b.ReportMetric(float64(b.N*len(es))/took.Seconds(), "profiles/s")
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

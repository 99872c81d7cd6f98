package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
)

// BenchmarkEnterpriseMatches is GET /v1/enterprises/{code}/matches?near=true
// with an admin token against 2,000 generated policies, as the bench's HTTP
// row of the enterprise → policies direction asks it, with its p50 and p99:
//
//	go test ./httpapi -run '^$' -bench EnterpriseMatches -benchtime 2000x
func BenchmarkEnterpriseMatches(b *testing.B) {
	const enterprises, catalogue = 2_000, 2_000
	today := huiqi.NewDate(2026, 6, 15)
	s := mustAPIServer(b)
	s.Eng.Now = func() time.Time { return today.Time().Add(10 * time.Hour) }
	ents := demo.Enterprises(enterprises, 1, today)
	start := time.Now()
	if _, err := s.Eng.LoadDemo(engine.System(context.Background()), demo.Policies(catalogue, 1, today), ents); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d policies and %d enterprises loaded in %s", catalogue, enterprises, time.Since(start).Round(time.Millisecond))
	client := &http.Client{}
	get := func(code string) int {
		req, err := http.NewRequest(http.MethodGet, s.URL()+"/v1/enterprises/"+code+"/matches?near=true&as_of="+today.String(), nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.Admin)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET matches of %s: %d, %v", code, resp.StatusCode, err)
		}
		return int(n)
	}
	var took []time.Duration
	size := 0
	b.ResetTimer()
	i := 0
	for b.Loop() {
		t := time.Now()
		size += get(ents[(i*7919)%len(ents)].CreditCode)
		took = append(took, time.Since(t))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(size/i), "bytes")
}

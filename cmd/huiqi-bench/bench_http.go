package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/sqlite"
)

// apiServer is an httpapi server as huiqi serve runs it, on a loopback
// port, with an admin token and a client that keeps its connections.
type apiServer struct {
	srv    *httpapi.Server
	secret string
	client *http.Client
}

// openAPI starts a server for eng. The bulk throttle is lifted, as an
// operator loading a city would lift it: the default allows 30 imports a
// minute, and the bench sends 40 a second.
func openAPI(ctx context.Context, eng *engine.Engine) (*apiServer, error) {
	a := &apiServer{secret: "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-admin-token"}
	if err := eng.EnsureAdminToken(ctx, a.secret); err != nil {
		return nil, err
	}
	a.srv = httpapi.NewServer(eng, metrics.New(eng))
	a.srv.Addr, a.srv.Logger = "127.0.0.1:0", slog.New(slog.DiscardHandler)
	limits := httpapi.DefaultLimits()
	limits.Bulk = httpapi.Rate{Events: 1 << 20, Period: time.Second}
	a.srv.SetLimits(limits)
	if err := a.srv.Open(); err != nil {
		return nil, err
	}
	a.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	return a, nil
}

func (a *apiServer) close() { a.srv.Close(context.Background()) }

// do sends one request and reads the answer whole; the time is that of the
// round trip, body read included.
func (a *apiServer) do(ctx context.Context, method, path string, body []byte) ([]byte, time.Duration, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.srv.URL()+path, r)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.secret)
	start := time.Now()
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %s: %.300s", method, path, resp.Status, out)
	}
	return out, took, err
}

// profile runs f, writing its CPU profile to the --profile folder as
// name.pprof when one is given.
func (b *bench) profile(name string, f func() error) error {
	if b.profileDir == "" {
		return f()
	}
	out, err := os.Create(filepath.Join(b.profileDir, name+".pprof"))
	if err != nil {
		return err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return f()
}

// insertAfter adds r after the first row whose measure starts with prefix,
// or last.
func (b *bench) insertAfter(prefix string, r row) {
	at := slices.IndexFunc(b.rows, func(x row) bool { return strings.HasPrefix(x.measure, prefix) })
	if at < 0 {
		at = len(b.rows) - 1
	}
	b.logRow(r)
	b.rows = slices.Insert(b.rows, at+1, r)
}

// policyPage is what the bench reads of GET /v1/policies/{id}/matches.
type policyPage struct {
	Total         int         `json:"total"`
	AmountTotal   huiqi.Money `json:"amount_total"`
	NearMissTotal int         `json:"near_miss_total"`
	Items         []struct {
		CreditCode string `json:"credit_code"`
	} `json:"items"`
}

// policyHTTP measures the first page of each policy's matches over HTTP,
// as an official's list opens: the totals and one item. Each policy is
// asked twice over: right after a profile changed (the reach cached by
// the last request caught up with the change), and again with nothing
// changed in between.
func (b *bench) policyHTTP(ctx context.Context, cases []policyCase) error {
	b.logf("policy → enterprises over HTTP")
	some, _ := b.eng.Matcher.Profile(b.es[0].CreditCode)
	for _, pc := range cases {
		path := "/v1/policies/" + pc.c.Policy.ID + "/matches?limit=1&as_of=" + b.day.String()
		check := func(body []byte) error {
			var pg policyPage
			if err := json.Unmarshal(body, &pg); err != nil {
				return err
			}
			if pg.Total != len(pc.codes) || len(pg.Items) != 1 || pg.Items[0].CreditCode != pc.codes[0] {
				return fmt.Errorf("GET %s: total %d, first %+v; the column scans %d, first %s", path, pg.Total, pg.Items, len(pc.codes), pc.codes[0])
			}
			return nil
		}
		var cold, warm []time.Duration
		err := b.profile("http-policy-"+pc.name, func() error {
			// The policy's first list computes its reach whole, the
			// column scans' row plus HTTP: not what a change costs.
			if _, _, err := b.api.do(ctx, http.MethodGet, path, nil); err != nil {
				return err
			}
			for range b.runs * 3 {
				// An unchanged profile stored again: the matcher's data
				// changed as far as any cache can tell, and the cached
				// reach is patched with that profile.
				b.eng.Matcher.PutProfiles(some.Enterprise)
				body, took, err := b.api.do(ctx, http.MethodGet, path, nil)
				if err != nil {
					return err
				}
				if err := check(body); err != nil {
					return err
				}
				cold = append(cold, took)
			}
			for range b.runs * 20 {
				body, took, err := b.api.do(ctx, http.MethodGet, path, nil)
				if err != nil {
					return err
				}
				if err := check(body); err != nil {
					return err
				}
				warm = append(warm, took)
			}
			return nil
		})
		if err != nil {
			return err
		}
		b.policyHTTPTimes = append(b.policyHTTPTimes, [2][]time.Duration{cold, warm})
	}
	b.checks = append(b.checks, "totals and first item over HTTP = column scans, for each policy timed")
	return nil
}

// apiImport measures the bulk import over the API into a fresh data folder
// holding the same published policies as the CLI import's folder did
// (none): NDJSON of 5,000 lines a request, two requests at a time.
func (b *bench) apiImport(ctx context.Context) error {
	const perRequest, parallel = 5000, 2
	var buf bytes.Buffer
	if err := demo.WriteNDJSON(&buf, b.es); err != nil {
		return err
	}
	ndjson := buf.Bytes()
	path := filepath.Join(b.dir, "api.db")
	db := sqlite.NewDB(path)
	if err := db.Open(ctx); err != nil {
		return err
	}
	defer db.Close()
	eng := engine.New(db)
	eng.Logger = slog.New(slog.DiscardHandler)
	if err := eng.Load(ctx); err != nil {
		return err
	}
	api, err := openAPI(ctx, eng)
	if err != nil {
		return err
	}
	defer api.close()
	var chunks [][]byte
	for rest := ndjson; len(rest) > 0; {
		end, lines := 0, 0
		for end < len(rest) && lines < perRequest {
			i := bytes.IndexByte(rest[end:], '\n')
			if i < 0 {
				end = len(rest)
				break
			}
			end += i + 1
			lines++
		}
		chunks = append(chunks, rest[:end])
		rest = rest[end:]
	}
	b.logf("importing %d profiles over the API (%d requests of %d lines, %d at a time)", b.n, len(chunks), perRequest, parallel)
	var (
		mu       sync.Mutex
		accepted int
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan []byte)
	)
	start := time.Now()
	err = b.profile("http-bulk", func() error {
		for range parallel {
			wg.Go(func() {
				for chunk := range next {
					body, _, err := api.do(ctx, http.MethodPost, "/v1/enterprises/bulk", chunk)
					var r engine.BulkReport
					if err == nil {
						err = json.Unmarshal(body, &r)
					}
					mu.Lock()
					accepted += r.Accepted
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			})
		}
		for _, c := range chunks {
			next <- c
		}
		close(next)
		wg.Wait()
		return firstErr
	})
	took := time.Since(start)
	if err != nil {
		return err
	}
	if accepted != b.n || eng.Matcher.ProfileCount() != b.n {
		return fmt.Errorf("API import accepted %d of %d profiles, the matcher holds %d", accepted, b.n, eng.Matcher.ProfileCount())
	}
	b.insertAfter("import ", row{measure: fmt.Sprintf("import %s profiles over the API (POST /v1/enterprises/bulk, %s lines a request, %d at a time), %s profiles/s; one run",
		count(b.n), count(perRequest), parallel, count(int(float64(b.n)/took.Seconds()))), p50: fmtDuration(took), p99: "–"})
	return nil
}

// heapAfterGC returns the bytes of live heap objects after a collection.
func heapAfterGC() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// memoryPerProfile measures where a profile's memory goes, on a fresh
// generation of the same size: the heap after a collection, once the
// enterprise structs are built, once each is flattened into a matcher row
// (matcher.NewProfile), and once a matcher holds them all (its own rows,
// the columns and the credit-code order).
func (b *bench) memoryPerProfile() {
	heap := heapAfterGC
	h0 := heap()
	es := demo.Enterprises(b.n, b.seed, b.day)
	h1 := heap()
	rows := make([]*matcher.Profile, len(es))
	for i, e := range es {
		rows[i] = matcher.NewProfile(e)
	}
	h2 := heap()
	m := matcher.New()
	m.PutProfiles(es...)
	m.Prepare(b.day)
	h3 := heap()
	runtime.KeepAlive(rows)
	runtime.KeepAlive(m)
	per := func(d int64) string { return fmt.Sprintf("%d B", d/int64(b.n)) }
	enterprise, flat, matcherAll := h1-h0, h2-h1, h3-h2
	b.add(row{measure: fmt.Sprintf("memory per profile (heap after GC, %s profiles): the enterprise struct with its strings and tags, as the generator builds it", count(b.n)), p50: per(enterprise), p99: "–"})
	b.add(row{measure: "memory per profile: the matcher's row (matcher.NewProfile: flattened figures, ids, a pointer to the enterprise)", p50: per(flat), p99: "–"})
	b.add(row{measure: "memory per profile: the columns, dictionaries and credit-code order (a matcher's whole cost less its rows)", p50: per(matcherAll - flat), p99: "–"})
}

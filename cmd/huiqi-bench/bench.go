package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
)

// BenchCommand measures huiqi on generated data at a city's scale, side by
// side with the approaches a vendor would pick (one SQL WHERE per policy,
// one expression program per policy), all in
// one process on the same data, and prints one table.
type BenchCommand struct {
	Stdout, Stderr io.Writer
}

// benchToday is the default date of the data and of every match: a fixed
// date, so that a rerun gives the same matches.
const benchToday = "2026-06-15"

// Run runs the benchmark.
func (c *BenchCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi-bench", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	b := &bench{out: c.Stdout, log: c.Stderr}
	fs.IntVar(&b.n, "enterprises", 200_000, "number of generated enterprise profiles")
	fs.IntVar(&b.k, "policies", 2_000, "number of generated published policies")
	fs.IntVar(&b.runs, "runs", 10, "repetitions of each measure; medians and p99 are over them")
	fs.Int64Var(&b.seed, "seed", 1, "seed of the generated data")
	fs.IntVar(&b.sample, "sample", 400, "enterprises matched per run in the enterprise → policies measures")
	asOf := fs.String("today", benchToday, "the date the data is generated and matched as of, YYYY-MM-DD")
	dataDir := fs.String("data", "", "data folder to build (default: a temporary folder, removed at the end)")
	fs.BoolVar(&b.baselinesOn, "baselines", true, "also build and time the baselines (SQL, bleve, expr) and the import over the API; false for a province-sized run of huiqi alone")
	fs.StringVar(&b.profileDir, "profile", "", "folder to write a CPU profile of each HTTP measure into (name.pprof), for go tool pprof")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi-bench [flags]

Generates enterprises and policies (as huiqi gen does), imports them into a
fresh data folder and measures, in one process on the same data: matching
in both directions, in process and over HTTP; a full rematch of every pair
on 1 and 2 threads; the import rate, by the command's path and over the
API; start-up from the folder; the bleve index catch-up; peak memory. The same matches are computed by two
baselines (SQL WHERE over SQLite, expr-lang programs), which
must agree with huiqi before they are timed. Prints one Markdown table.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	day, err := huiqi.ParseDate(*asOf)
	if err != nil {
		return fmt.Errorf("--today: %s", huiqi.ErrorMessage(err))
	}
	b.day = day
	if b.runs < 1 || b.n < 1 || b.k < 1 || b.sample < 1 {
		return fmt.Errorf("--enterprises, --policies, --runs and --sample must be positive")
	}
	b.dir = *dataDir
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "huiqi-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(b.dir)
	} else if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return err
	}
	return b.run(ctx)
}

// bench holds the data and the results of one benchmark run.
type bench struct {
	out, log io.Writer
	n, k     int
	runs     int
	sample   int
	seed     int64
	day      huiqi.Date
	dir      string
	// profileDir, when set, receives a CPU profile of each HTTP measure.
	profileDir string
	// baselinesOn runs the baselines and the import over the API.
	baselinesOn bool
	began       time.Time // of the first log line

	es   []*huiqi.Enterprise
	pols []*policies.Policy
	eng  *engine.Engine
	db   *sqlite.DB
	api  *apiServer // over eng
	rows []row
	// checks lists what was compared before timing, for the table's foot.
	checks []string
	// Timings kept until the baselines they are compared with are run.
	decideP50   time.Duration
	policyTimes [][]time.Duration
	// policyHTTPTimes holds, for each policy timed, the first page over
	// HTTP right after a data change and with nothing changed.
	policyHTTPTimes [][2][]time.Duration
}

// row is one line of the table.
type row struct {
	measure        string
	p50, p99       string
	baseline, bp50 string
	speedup        string
}

// logf logs progress with the time since the run began.
func (b *bench) logf(format string, args ...any) {
	if b.began.IsZero() {
		b.began = time.Now()
	}
	fmt.Fprintf(b.log, "bench %s: "+format+"\n", append([]any{time.Since(b.began).Round(time.Second)}, args...)...)
}

func (b *bench) add(r row) {
	b.logRow(r)
	b.rows = append(b.rows, r)
}

// logRow logs a measure as soon as it is taken, so that a long run cut
// short (a province on a shared machine) still tells what it measured.
func (b *bench) logRow(r row) {
	b.logf("%s: %s (p99 %s)", r.measure, r.p50, r.p99)
}

func (b *bench) run(ctx context.Context) error {
	b.logf("generating %d enterprises and %d policies (seed %d, as of %s)", b.n, b.k, b.seed, b.day)
	b.es = demo.Enterprises(b.n, b.seed, b.day)
	b.pols = demo.Policies(b.k, b.seed, b.day)
	var ndjson bytes.Buffer
	if err := demo.WriteNDJSON(&ndjson, b.es); err != nil {
		return err
	}
	if err := b.importAndLoad(ctx, ndjson.Bytes()); err != nil {
		return err
	}
	defer func() { b.db.Close() }()
	ndjson = bytes.Buffer{}
	var err error
	if b.api, err = openAPI(ctx, b.eng); err != nil {
		return err
	}
	defer b.api.close()
	if err := b.enterpriseDirection(ctx); err != nil {
		return err
	}
	policyCases, err := b.pickPolicies()
	if err != nil {
		return err
	}
	if err := b.policyDirection(ctx, policyCases); err != nil {
		return err
	}
	if err := b.policyHTTP(ctx, policyCases); err != nil {
		return err
	}
	if err := b.rematch(); err != nil {
		return err
	}
	rss := peakRSS()
	if !b.baselinesOn {
		b.policyRows(policyCases, nil)
		b.add(row{measure: "peak RSS (VmHWM) of huiqi's measures", p50: rss, p99: "–"})
		b.memoryPerProfile()
		b.print()
		return nil
	}
	// After the peak of huiqi's own measures: the import over the API
	// fills a second data folder and matcher.
	if err := b.apiImport(ctx); err != nil {
		return err
	}
	if err := b.baselines(ctx, policyCases); err != nil {
		return err
	}
	b.add(row{measure: "peak RSS (VmHWM) after huiqi's measures, before the baselines are built", p50: rss, p99: "–"})
	b.add(row{measure: "peak RSS (VmHWM) of the whole run, SQL table, bleve index and expr programs included", p50: peakRSS(), p99: "–"})
	b.memoryPerProfile()
	b.print()
	return nil
}

// importAndLoad imports the profiles into a fresh data folder, stores and
// publishes the policies, and measures start-up from the folder.
func (b *bench) importAndLoad(ctx context.Context, ndjson []byte) error {
	path := filepath.Join(b.dir, "huiqi.db")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("data folder %s already holds a database", b.dir)
	}
	db := sqlite.NewDB(path)
	if err := db.Open(ctx); err != nil {
		return err
	}
	eng := engine.New(db)
	eng.Logger = slog.New(slog.DiscardHandler)
	if err := eng.Load(ctx); err != nil {
		db.Close()
		return err
	}
	b.logf("importing %d profiles (%.0f MB of NDJSON)", b.n, float64(len(ndjson))/1e6)
	start := time.Now()
	r, err := eng.ImportEnterprises(engine.System(ctx), engine.NewNDJSONSource(bytes.NewReader(ndjson)), nil)
	took := time.Since(start)
	if err == nil && r.Accepted != b.n {
		err = fmt.Errorf("import accepted %d of %d profiles: %+v", r.Accepted, b.n, r.Errors)
	}
	if err != nil {
		db.Close()
		return err
	}
	b.add(row{measure: fmt.Sprintf("import %s profiles (huiqi import enterprises: NDJSON → validated → committed to SQLite in batches → matcher), %s profiles/s; one run",
		count(b.n), count(int(float64(b.n)/took.Seconds()))), p50: fmtDuration(took), p99: "–"})

	// The policies are stored and published directly: publishing through
	// the engine would also write every eligible pair as a verdict with
	// its notification, millions of rows, which is the outbox's cost and
	// not what is measured here.
	b.logf("storing and publishing %d policies", b.k)
	for _, p := range b.pols {
		if err := db.CreatePolicy(ctx, p); err != nil {
			db.Close()
			return err
		}
		if _, err := db.SetPolicyStatus(ctx, p.ID, policies.StatusPublished); err != nil {
			db.Close()
			return err
		}
	}
	if err := db.Close(); err != nil {
		return err
	}

	b.logf("starting from the data folder")
	heapBefore := heapAfterGC()
	start = time.Now()
	b.db = sqlite.NewDB(path)
	if err := b.db.Open(ctx); err != nil {
		return err
	}
	b.eng = engine.New(b.db)
	b.eng.Logger = slog.New(slog.DiscardHandler)
	if err := b.eng.Load(ctx); err != nil {
		return err
	}
	took = time.Since(start)
	if got := b.eng.Matcher.ProfileCount(); got != b.n || b.eng.Matcher.PolicyCount() != b.k {
		return fmt.Errorf("loaded %d profiles and %d policies, want %d and %d", got, b.eng.Matcher.PolicyCount(), b.n, b.k)
	}
	b.add(row{measure: fmt.Sprintf("start-up from the data folder (open SQLite, engine.Load of %s profiles and %s policies); one run", count(b.n), count(b.k)),
		p50: fmtDuration(took), p99: "–"})
	b.add(row{measure: "heap of the engine as started (Go heap after GC, after start-up less before; SQLite's cache apart)",
		p50: fmt.Sprintf("%.0f MiB", float64(heapAfterGC()-heapBefore)/(1<<20)), p99: "–"})
	return nil
}

// sampleCodes returns the credit codes of run's sample of enterprises.
func (b *bench) sampleCodes(run, size int) []string {
	codes := make([]string, 0, size)
	step := max(1, b.n/size)
	for i := range size {
		codes = append(codes, b.es[(i*step+run*7919)%b.n].CreditCode)
	}
	return codes
}

// enterpriseDirection measures one enterprise against every policy: the
// decision alone, explained in process, and explained over HTTP.
func (b *bench) enterpriseDirection(ctx context.Context) error {
	m := b.eng.Matcher
	admin := engine.System(ctx)
	b.logf("enterprise → policies: decision, explained, HTTP")
	var decide, explain []time.Duration
	pairs := 0
	decided := map[string]int{}
	for run := range b.runs {
		for _, code := range b.sampleCodes(run, b.sample) {
			p, _ := m.Profile(code)
			start := time.Now()
			ds := m.Decide(p, b.day)
			decide = append(decide, time.Since(start))
			decided[code] = len(ds)
			pairs += len(ds)
		}
	}
	for run := range b.runs {
		for _, code := range b.sampleCodes(run, b.sample) {
			start := time.Now()
			r, err := b.eng.MatchEnterprise(admin, code, b.day, true)
			explain = append(explain, time.Since(start))
			if err != nil {
				return err
			}
			if len(r.Eligible) != decided[code] {
				return fmt.Errorf("enterprise %s: %d explained eligible, %d decided", code, len(r.Eligible), decided[code])
			}
		}
	}
	b.checks = append(b.checks, "explained verdicts (row evaluator) = fast decisions (policy index) for every enterprise timed")
	avg := float64(pairs) / float64(b.runs*b.sample)
	b.decideP50 = percentile(decide, 50)
	b.add(row{measure: fmt.Sprintf("enterprise → %s policies: decision + amounts (policy index), %.0f eligible on average", count(b.k), avg),
		p50: fmtDuration(b.decideP50), p99: fmtDuration(percentile(decide, 99))})
	b.add(row{measure: "enterprise → policies with explanations and near misses (engine.MatchEnterprise, in process)",
		p50: fmtDuration(percentile(explain, 50)), p99: fmtDuration(percentile(explain, 99))})

	// Over HTTP: the server as huiqi serve runs it, on a loopback port.
	var over []time.Duration
	var bodyBytes int
	var body bytes.Buffer
	err := b.profile("http-enterprise", func() error {
		for run := range b.runs {
			for _, code := range b.sampleCodes(run, b.sample) {
				took, err := b.api.getInto(ctx, "/v1/enterprises/"+code+"/matches?near=true&as_of="+b.day.String(), &body)
				if err != nil {
					return err
				}
				over = append(over, took)
				bodyBytes += body.Len()
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.add(row{measure: fmt.Sprintf("enterprise → policies with explanations over HTTP (GET /v1/enterprises/{code}/matches?near=true, %.0f KB)", float64(bodyBytes)/float64(len(over))/1000),
		p50: fmtDuration(percentile(over, 50)), p99: fmtDuration(percentile(over, 99))})
	return nil
}

// getInto sends a GET and reads the answer whole into buf, emptied first;
// the time is that of the round trip, body read included. The client
// shares the process, and so the garbage collector, with the server: a
// fresh buffer for every answer of 200 KB would be garbage the server's
// timings pay for, as a client in a process of its own never makes them.
func (a *apiServer) getInto(ctx context.Context, path string, buf *bytes.Buffer) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.srv.URL()+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.secret)
	buf.Reset()
	start := time.Now()
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %.300s", path, resp.Status, buf.Bytes())
	}
	return took, err
}

// policyCase is one policy timed in the policy → enterprises direction.
type policyCase struct {
	name  string
	c     *matcher.Compiled
	codes []string // its eligible enterprises, in code order
}

// pickPolicies picks a selective, a medium and the broadest policy by
// their reach: about 0.25% and 5% of the enterprises, and the most.
func (b *bench) pickPolicies() ([]policyCase, error) {
	totals := b.eng.Matcher.RematchAll(b.day, runtime.GOMAXPROCS(0))
	closest := func(target int) matcher.PolicyTotal {
		return slices.MinFunc(totals, func(x, y matcher.PolicyTotal) int {
			return abs(x.Total-target) - abs(y.Total-target)
		})
	}
	broad := slices.MaxFunc(totals, func(x, y matcher.PolicyTotal) int { return x.Total - y.Total })
	var cases []policyCase
	for _, t := range []struct {
		name string
		pt   matcher.PolicyTotal
	}{{"selective", closest(b.n / 400)}, {"medium", closest(b.n / 20)}, {"broad", broad}} {
		c, ok := b.eng.Matcher.Policy(t.pt.PolicyID)
		if !ok {
			return nil, fmt.Errorf("policy %s not loaded", t.pt.PolicyID)
		}
		cases = append(cases, policyCase{name: t.name, c: c})
	}
	return cases, nil
}

// policyDirection measures huiqi's policy → enterprises matches, and checks
// them against the row evaluator run on every profile.
func (b *bench) policyDirection(ctx context.Context, cases []policyCase) error {
	m := b.eng.Matcher
	b.logf("policy → enterprises: column scans")
	for i := range cases {
		pc := &cases[i]
		var want []string
		for _, e := range b.es {
			p, _ := m.Profile(e.CreditCode)
			if pc.c.Eligible(p, b.day) {
				want = append(want, e.CreditCode)
			}
		}
		slices.Sort(want)
		var times []time.Duration
		for range b.runs {
			start := time.Now()
			r := m.MatchPolicy(pc.c, b.day, false)
			times = append(times, time.Since(start))
			pc.codes = pc.codes[:0]
			for _, h := range r.Hits {
				pc.codes = append(pc.codes, h.CreditCode)
			}
		}
		if !slices.Equal(pc.codes, want) {
			return fmt.Errorf("policy %s: column scans found %d enterprises, the row evaluator %d", pc.c.Policy.ID, len(pc.codes), len(want))
		}
		b.policyTimes = append(b.policyTimes, times)
	}
	b.checks = append(b.checks, "column scans = row evaluator on every profile, for each policy timed")
	return nil
}

// rematch measures deciding every pair, policy by policy over the columns.
func (b *bench) rematch() error {
	m := b.eng.Matcher
	b.logf("full rematch")
	var pairs int
	for _, workers := range []int{1, 2} {
		var times []time.Duration
		for range b.runs {
			start := time.Now()
			totals := m.RematchAll(b.day, workers)
			times = append(times, time.Since(start))
			pairs = 0
			for _, t := range totals {
				pairs += t.Total
			}
		}
		b.add(row{measure: fmt.Sprintf("full rematch: all %s pairs decided with amounts, %s eligible; %d thread(s)", count(b.n*b.k), count(pairs), workers),
			p50: fmtDuration(percentile(times, 50)), p99: fmtDuration(percentile(times, 99))})
	}
	// The rematch against the row evaluator, on a sample of policies.
	totals := m.RematchAll(b.day, 2)
	step := max(1, len(totals)/40)
	for i := 0; i < len(totals); i += step {
		c, _ := m.Policy(totals[i].PolicyID)
		n := 0
		for _, e := range b.es {
			p, _ := m.Profile(e.CreditCode)
			if c.Eligible(p, b.day) {
				n++
			}
		}
		if n != totals[i].Total {
			return fmt.Errorf("rematch of %s: %d eligible, the row evaluator %d", c.Policy.ID, totals[i].Total, n)
		}
	}
	b.checks = append(b.checks, fmt.Sprintf("full rematch = row evaluator on every profile, for %d policies spread over the catalogue", (len(totals)+step-1)/step))
	return nil
}

// baselines measures the three vendor approaches, each checked against
// huiqi's answers first, and prints huiqi's rows beside them.
func (b *bench) baselines(ctx context.Context, cases []policyCase) error {
	// SQL: one WHERE per policy over a plain table with indexes.
	b.logf("SQL baseline: loading %d rows", b.n)
	sb, err := OpenBaseline(ctx, filepath.Join(b.dir, "baseline.db"), b.es)
	if err != nil {
		return err
	}
	defer sb.Close()
	sqlTimes := make([][]time.Duration, len(cases))
	for i, pc := range cases {
		got, err := sb.Match(ctx, pc.c.Policy, b.day)
		if err != nil {
			return err
		}
		if !slices.Equal(got, pc.codes) {
			where, _ := BaselineWhere(pc.c.Policy, b.day)
			return fmt.Errorf("SQL baseline of %s: %d enterprises, huiqi %d; WHERE %s", pc.c.Policy.ID, len(got), len(pc.codes), where)
		}
		for range b.runs {
			start := time.Now()
			if _, err := sb.Match(ctx, pc.c.Policy, b.day); err != nil {
				return err
			}
			sqlTimes[i] = append(sqlTimes[i], time.Since(start))
		}
	}
	b.checks = append(b.checks, "SQL WHERE = huiqi, for each policy timed")

	// bleve: the enterprise index (the profiles' texts, for text
	// conditions) caught up from the profiles.
	b.logf("bleve: indexing %d enterprises", b.n)
	ix, err := index.Open(filepath.Join(b.dir, "index"))
	if err != nil {
		return err
	}
	defer ix.Close()
	start := time.Now()
	for i := 0; i < len(b.es); i += engine.ImportBatchSize {
		if err := ix.PutEnterprises(b.es[i:min(i+engine.ImportBatchSize, len(b.es))]); err != nil {
			return err
		}
	}
	catchUp := time.Since(start)

	b.policyRows(cases, sqlTimes)
	b.add(row{measure: fmt.Sprintf("index catch-up: bleve enterprise index of %s profiles (index.PutEnterprises, batches of %s), %s profiles/s; one run",
		count(b.n), count(engine.ImportBatchSize), count(int(float64(b.n)/catchUp.Seconds()))), p50: fmtDuration(catchUp), p99: "–"})

	// expr: every policy a program, run per enterprise.
	b.logf("expr baseline: compiling %d programs", len(b.pols))
	var progs []*exprPolicy
	for _, c := range b.eng.Matcher.Policies() {
		p, err := compileExpr(c.Policy, b.day)
		if err != nil {
			return err
		}
		progs = append(progs, p)
	}
	machine := &vm.VM{}
	var exprTimes []time.Duration
	exprSample := max(1, b.sample/8)
	for run := range b.runs {
		for _, code := range b.sampleCodes(run, exprSample) {
			p, _ := b.eng.Matcher.Profile(code)
			start := time.Now()
			got, err := exprMatch(machine, progs, p.Enterprise, b.day)
			exprTimes = append(exprTimes, time.Since(start))
			if err != nil {
				return err
			}
			var want []string
			for _, d := range b.eng.Matcher.Decide(p, b.day) {
				want = append(want, d.Policy.Policy.ID)
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("expr baseline of %s: %v, huiqi %v", code, got, want)
			}
		}
	}
	b.checks = append(b.checks, "expr programs = huiqi's decisions, for every enterprise timed")
	exprP50 := percentile(exprTimes, 50)
	for i := range b.rows {
		if strings.Contains(b.rows[i].measure, "decision + amounts") {
			b.rows[i].baseline, b.rows[i].bp50, b.rows[i].speedup = "expr programs", fmtDuration(exprP50), ratio(exprP50, b.decideP50)
		}
	}
	return nil
}

// policyRows adds the rows of the policy direction, in process and over
// HTTP, each beside the SQL baseline when sqlTimes holds its times.
func (b *bench) policyRows(cases []policyCase, sqlTimes [][]time.Duration) {
	beside := func(r row, i int, p50 time.Duration) row {
		if sqlTimes != nil {
			sqlP50 := percentile(sqlTimes[i], 50)
			r.baseline, r.bp50, r.speedup = "SQLite WHERE", fmtDuration(sqlP50), ratio(sqlP50, p50)
		}
		return r
	}
	for i, pc := range cases {
		huiqiP50 := percentile(b.policyTimes[i], 50)
		measure := fmt.Sprintf("policy → enterprises, %s (%s eligible of %s): column scans, hits listed in code order with amounts",
			pc.name, count(len(pc.codes)), count(b.n))
		b.insert(beside(row{measure: measure, p50: fmtDuration(huiqiP50), p99: fmtDuration(percentile(b.policyTimes[i], 99))}, i, huiqiP50))
		for j, when := range []string{"right after a data change", "nothing changed since the last request"} {
			ts := b.policyHTTPTimes[i][j]
			p50 := percentile(ts, 50)
			b.insert(beside(row{measure: fmt.Sprintf("… over HTTP, %s: GET /v1/policies/{id}/matches?limit=1 (totals, near-miss total, first item), %s requests; %.2g× the column scans",
				when, count(len(ts)), float64(p50)/float64(huiqiP50)),
				p50: fmtDuration(p50), p99: fmtDuration(percentile(ts, 99))}, i, p50))
		}
	}
}

// insert adds r before the rematch rows, beside the other matching rows.
func (b *bench) insert(r row) {
	at := slices.IndexFunc(b.rows, func(x row) bool { return strings.HasPrefix(x.measure, "full rematch") })
	if at < 0 {
		at = len(b.rows)
	}
	b.logRow(r)
	b.rows = slices.Insert(b.rows, at, r)
}

func (b *bench) print() {
	w := bufio.NewWriter(b.out)
	defer w.Flush()
	cpu := cpuModel()
	fmt.Fprintf(w, "huiqi-bench: %s enterprises × %s policies, seed %d, as of %s; %d runs, %d enterprises a run\n",
		count(b.n), count(b.k), b.seed, b.day, b.runs, b.sample)
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s, %s memory; %s %s/%s\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpu, memTotal(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(w, "| measure | huiqi p50 | huiqi p99 | baseline | baseline p50 | huiqi speed-up |")
	fmt.Fprintln(w, "|---|--:|--:|---|--:|--:|")
	for _, r := range b.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.measure, r.p50, r.p99, r.baseline, r.bp50, r.speedup)
	}
	fmt.Fprintln(w, "\nChecked before timing, all equal:")
	for _, c := range b.checks {
		fmt.Fprintln(w, "- "+c)
	}
}

// percentile returns the p-th percentile of ds by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func ratio(baseline, huiqi time.Duration) string {
	if huiqi <= 0 {
		return ""
	}
	return fmt.Sprintf("%.0f×", float64(baseline)/float64(huiqi))
}

// count writes n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// peakRSS returns the process's peak resident set (VmHWM).
func peakRSS() string {
	v := procField("/proc/self/status", "VmHWM:")
	if v == "" {
		return "n/a"
	}
	kb, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
}

func cpuModel() string {
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		return strings.TrimSpace(strings.TrimPrefix(v, ":"))
	}
	return "unknown CPU"
}

func memTotal() string {
	v := procField("/proc/meminfo", "MemTotal:")
	if f := strings.Fields(v); len(f) > 0 {
		if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// procField returns the rest of the first line of a /proc file that starts
// with key, or "".
func procField(path, key string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

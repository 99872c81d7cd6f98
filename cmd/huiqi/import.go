package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
	"github.com/huiqi/huiqi/policies"
)

// ImportEnterprisesCommand streams enterprise profiles from NDJSON or CSV
// into the data folder, in batched transactions, reporting bad lines.
type ImportEnterprisesCommand struct {
	Stdout, Stderr io.Writer
}

// Run imports the file named in args ("-" for standard input).
func (c *ImportEnterprisesCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi import enterprises", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	format := fs.String("format", "", "ndjson or csv (default: from the file name, else ndjson)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi import enterprises [flags] FILE

Loads enterprise profiles, one a line: NDJSON (one JSON object a line) or CSV
with a header row naming profile fields (tags separated by ';'). In CSV,
fiscal years take a column per figure and year (revenue_2024,
output_value_2025, …); qualifications a cell of TAG:GRANTED_ON[:EXPIRES_ON]
items and incidents one of KIND:LEVEL:ON items, separated by ';'. Valid
lines are committed in batches; invalid ones are reported by line and
skipped.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	} else if fs.NArg() != 1 {
		fs.Usage()
		return flag.ErrHelp
	}
	name := fs.Arg(0)
	in, size, err := openInput(name)
	if err != nil {
		return err
	}
	defer in.Close()
	counted := &countingReader{r: in}
	var src engine.ProfileSource
	switch {
	case *format == "csv" || (*format == "" && strings.HasSuffix(strings.ToLower(name), ".csv")):
		csvSrc, err := exchange.NewCSVSource(counted)
		if err != nil {
			return userError(err)
		}
		src = csvSrc
	case *format == "" || *format == "ndjson":
		src = engine.NewNDJSONSource(counted)
	default:
		return fmt.Errorf("unknown --format %q: ndjson or csv", *format)
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	bar := newProgress(c.Stderr, size)
	start := time.Now()
	report, err := eng.ImportEnterprises(engine.System(ctx), src, func(r engine.BulkReport) {
		bar.update(counted.n, r.Accepted, r.Rejected)
	})
	bar.done()
	for _, e := range report.Errors {
		fmt.Fprintf(c.Stdout, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(c.Stdout, "%d accepted, %d rejected in %s (%.0f profiles/s)\n",
		report.Accepted, report.Rejected, elapsed.Round(time.Millisecond), float64(report.Accepted)/elapsed.Seconds())
	return err
}

// ImportPoliciesCommand loads policy documents into the data folder.
type ImportPoliciesCommand struct {
	Stdout, Stderr io.Writer
}

// Run imports every policy file named in args, publishing those asked to.
func (c *ImportPoliciesCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi import policies", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	publish := fs.Bool("publish", false, "publish each policy once stored (its tests must pass)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi import policies [flags] FILE|DIR...\n\nStores policy documents (YAML or JSON) as drafts, or changes existing ones.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	} else if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx = engine.System(ctx)
	for _, path := range fs.Args() {
		list, err := policies.ParsePath(path, eng.Today())
		if err != nil {
			return err
		}
		for _, p := range list {
			if err := eng.ImportPolicy(ctx, p, *publish); err != nil {
				return fmt.Errorf("%s: %w", p.ID, userError(err))
			}
			fmt.Fprintf(c.Stdout, "%s v%d %s\n", p.ID, p.Version, p.Status)
		}
	}
	return nil
}

// openInput opens a file to import, "-" being standard input, and returns
// its size when known (for the progress bar's ETA).
func openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return f, size, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress draws a progress bar with rate and ETA on a terminal, and plain
// log lines at most every few seconds otherwise.
type progress struct {
	w        io.Writer
	size     int64
	terminal bool
	start    time.Time
	last     time.Time
}

func newProgress(w io.Writer, size int64) *progress {
	return &progress{w: w, size: size, terminal: isTerminal(w), start: time.Now()}
}

func (p *progress) update(read int64, accepted, rejected int) {
	now := time.Now()
	interval := 5 * time.Second
	if p.terminal {
		interval = 100 * time.Millisecond
	}
	if now.Sub(p.last) < interval {
		return
	}
	p.last = now
	rate := float64(accepted) / now.Sub(p.start).Seconds()
	frac, eta := 0.0, "?"
	if p.size > 0 {
		frac = min(float64(read)/float64(p.size), 1)
		if frac > 0 {
			eta = (time.Duration(float64(now.Sub(p.start)) * (1 - frac) / frac)).Round(time.Second).String()
		}
	}
	if p.terminal {
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d ok %d bad %.0f/s ETA %s ", strings.Repeat("█", filled), strings.Repeat("·", width-filled), frac*100, accepted, rejected, rate, eta)
		return
	}
	fmt.Fprintf(p.w, "import: %.0f%% accepted=%d rejected=%d rate=%.0f/s eta=%s\n", frac*100, accepted, rejected, rate, eta)
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}

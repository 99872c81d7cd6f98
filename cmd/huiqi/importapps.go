package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
)

// ImportApplicationsCommand loads historical applications with their past
// events from NDJSON: the migration from an earlier platform.
type ImportApplicationsCommand struct {
	Stdout, Stderr io.Writer
}

// Run imports the file named in args ("-" for standard input).
func (c *ImportApplicationsCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi import applications", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi import applications [flags] FILE.ndjson

Loads historical applications with their past events, one application a line:

  {"policy_id": "qz-hightech-award", "policy_version": 1, "credit_code": "…",
   "events": [{"type": "submit", "at": "2025-03-03T09:30:00+08:00"},
              {"type": "accept", "at": "2025-03-04T10:00:00+08:00", "actor": "official:…"},
              {"type": "disburse", "at": "2025-04-01T15:00:00+08:00", "amount": 200000}]}

policy_version defaults to the latest published version; actor defaults to
the enterprise, the system (offer) or the policy's department. Events must
follow the state machine, none earlier than the one before it and none in
the future; the policy version and the enterprise must exist. Valid lines
are committed in batches and chained like live events; invalid ones are
reported by line and skipped.

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
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	counted := &countingReader{r: in}
	bar := newProgress(c.Stderr, size)
	start := time.Now()
	report, err := eng.ImportApplications(engine.System(ctx), exchange.NewApplicationReader(counted), func(r engine.BulkReport) {
		bar.update(counted.n, r.Accepted, r.Rejected)
	})
	bar.done()
	for _, e := range report.Errors {
		fmt.Fprintf(c.Stdout, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(c.Stdout, "%d accepted, %d rejected in %s\n", report.Accepted, report.Rejected, elapsed.Round(time.Millisecond))
	return err
}

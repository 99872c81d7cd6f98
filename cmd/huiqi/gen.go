package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// GenCommand writes generated, deterministic data sets for benchmarks and
// load tests.
type GenCommand struct {
	Stdout, Stderr io.Writer
}

// Run writes enterprises.ndjson and policies.ndjson into --out.
func (c *GenCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi gen", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	enterprises := fs.Int("enterprises", 200_000, "number of enterprise profiles")
	policyCount := fs.Int("policies", 2_000, "number of policies")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	out := fs.String("out", ".", "folder to write enterprises.ndjson and policies.ndjson into")
	asOf := fs.String("today", "", "the date the data is generated as of, YYYY-MM-DD (default: today)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi gen [flags]\n\nWrites deterministic, realistic NDJSON: Quanzhou enterprise profiles and policies of 2 to 6 conditions.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	today := huiqi.DateOf(time.Now())
	if *asOf != "" {
		d, err := huiqi.ParseDate(*asOf)
		if err != nil {
			return fmt.Errorf("--today: %s", huiqi.ErrorMessage(err))
		}
		today = d
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(*out, "enterprises.ndjson"), func(w io.Writer) error {
		return demo.WriteNDJSON(w, demo.Enterprises(*enterprises, *seed, today))
	}); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(*out, "policies.ndjson"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, p := range demo.Policies(*policyCount, *seed, today) {
			if err := enc.Encode(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "wrote %d enterprises and %d policies to %s\n", *enterprises, *policyCount, *out)
	return nil
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

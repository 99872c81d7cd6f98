package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// PolicyTestCommand runs the test cases of policy documents, for authors
// before they publish.
type PolicyTestCommand struct {
	Stdout, Stderr io.Writer
}

// Run parses the files or folders named in args and runs their tests. It
// fails when a document is invalid or a case fails.
func (c *PolicyTestCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi policy test", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi policy test FILE|DIR...\n\nRuns the tests list of each policy document (YAML or JSON) and exits non-zero on a failure.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	today := huiqi.DateOf(time.Now())
	failed, cases := 0, 0
	for _, path := range fs.Args() {
		list, err := policies.ParsePath(path, today)
		if err != nil {
			return err
		}
		for _, p := range list {
			cases += len(p.Tests)
			failures := matcher.RunTests(p)
			if len(failures) == 0 {
				fmt.Fprintf(c.Stdout, "ok   %s (%d cases)\n", p.ID, len(p.Tests))
				continue
			}
			failed += len(failures)
			for _, f := range failures {
				fmt.Fprintf(c.Stdout, "FAIL %s tests[%d] %s: %s\n", p.ID, f.Index, f.Name, f.Message)
			}
		}
	}
	fmt.Fprintf(c.Stdout, "%d passed, %d failed\n", cases-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d policy test cases failed", failed)
	}
	return nil
}

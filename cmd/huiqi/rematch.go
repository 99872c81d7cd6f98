package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/huiqi/huiqi/engine"
)

// RematchCommand recomputes every verdict as of today.
type RematchCommand struct {
	Stdout, Stderr io.Writer
}

// Run recomputes the decision record of every published policy, notifies
// the new matches, and reports progress on stderr.
func (c *RematchCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi rematch", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi rematch [flags]

Recomputes every verdict of every published policy as of today: new
matches are notified (and 免申即享 offers opened) as after any change,
lapsed ones dropped. Progress goes to stderr, one line a policy.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	p, err := eng.Rematch(engine.System(ctx), func(p engine.RematchProgress) {
		fmt.Fprintf(c.Stderr, "rematch: %d/%d policies, %d eligible pairs\n", p.Policies, p.Total, p.Eligible)
	})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.Stdout, "rematched %d policies as of %s: %d eligible pairs\n", p.Policies, eng.Today(), p.Eligible)
	return nil
}

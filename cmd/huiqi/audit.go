package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/huiqi/huiqi/engine"
)

// AuditVerifyCommand walks every application's event hash chain in the data
// folder and names the first broken link.
type AuditVerifyCommand struct {
	Stdout, Stderr io.Writer
}

// ErrChainBroken is returned by AuditVerifyCommand when verification finds
// a broken link, so that the exit status tells scripts.
var ErrChainBroken = errors.New("event chain broken")

// Run verifies the chains and prints the outcome; a broken chain is
// ErrChainBroken.
func (c *AuditVerifyCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi audit verify", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON ({ok, checked, broken_at, …})")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi audit verify [flags]

Walks every application's event chain: each event must follow the state
machine and carry the SHA-256 of its predecessor and of its own content, and
each application's record must agree with its events. Prints the first broken
link and exits with status 1 when there is one.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	} else if fs.NArg() != 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	v, err := eng.VerifyChain(engine.System(ctx))
	if err != nil {
		return userError(err)
	}
	if *asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		if v.OK {
			fmt.Fprintf(c.Stdout, "ok: %d events of %d applications intact\n", v.Checked, v.Applications)
		} else {
			b := v.BrokenAt
			fmt.Fprintf(c.Stdout, "BROKEN at application %d, event %d: %s\n(%d events intact before it)\n", b.ApplicationID, b.Seq, b.Message, v.Checked)
		}
		if !v.AppendOnly {
			fmt.Fprintf(c.Stdout, "warning: append-only triggers missing: %v\n", v.MissingGuards)
		}
	}
	if !v.OK {
		return ErrChainBroken
	}
	return nil
}

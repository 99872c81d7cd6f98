package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/huiqi/huiqi"
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
	checkpointFile := fs.String("checkpoint", "", "a checkpoint kept from GET /v1/audit/checkpoints (one, or the whole list): the event log must still match it")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: huiqi audit verify [flags]

Walks every application's event chain: each event must follow the state
machine and carry the SHA-256 of its predecessor and of its own content, and
each application's record must agree with its events. Prints the first broken
link and exits with status 1 when there is one.

With --checkpoint, also checks the event log against signed checkpoints kept
outside huiqi: a cut tail or a chain recomputed since then fails, which the
chains alone cannot show.

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
	checkpointsOK := true
	if *checkpointFile != "" {
		if checkpointsOK, err = c.verifyCheckpoints(ctx, eng, *dataDir, *checkpointFile); err != nil {
			return err
		}
	}
	if !v.OK || !checkpointsOK {
		return ErrChainBroken
	}
	return nil
}

// verifyCheckpoints checks the event log against each checkpoint in file
// and prints the outcomes; it reports whether all held. The data folder's
// signing key, when there is one, must be the one that signed them.
func (c *AuditVerifyCommand) verifyCheckpoints(ctx context.Context, eng *engine.Engine, dataDir, file string) (bool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	var list struct {
		Items []huiqi.Checkpoint `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Items) == 0 {
		var one huiqi.Checkpoint
		if err := json.Unmarshal(b, &one); err != nil || one.Signature == "" {
			return false, fmt.Errorf("%s: want a checkpoint or {\"items\": [checkpoints]} as JSON", file)
		}
		list.Items = []huiqi.Checkpoint{one}
	}
	if path := signingKeyPath(dataDir); fileExists(path) {
		if eng.Signer, err = engine.LoadSigningKey(path); err != nil {
			return false, err
		}
	}
	ok := true
	for _, cp := range list.Items {
		v, err := eng.VerifyCheckpoint(engine.System(ctx), cp)
		switch {
		case err != nil:
			ok = false
			fmt.Fprintf(c.Stdout, "BROKEN checkpoint %d (%s): %s\n", cp.ID, cp.CreatedAt.Format(time.RFC3339), huiqi.ErrorMessage(err))
		case !v.OK:
			ok = false
			fmt.Fprintf(c.Stdout, "BROKEN since checkpoint %d (%s, %d events): %s\n", cp.ID, cp.CreatedAt.Format(time.RFC3339), cp.Events, v.Reason)
		default:
			fmt.Fprintf(c.Stdout, "ok: checkpoint %d (%s): the first %d of %d logged events match\n", cp.ID, cp.CreatedAt.Format(time.RFC3339), cp.Events, v.Events)
		}
	}
	return ok, nil
}

// signingKeyPath is where the checkpoint signing key lives: HUIQI_SIGNING_KEY,
// or signing.key beside the database, never inside it.
func signingKeyPath(dataDir string) string {
	return envOr("HUIQI_SIGNING_KEY", filepath.Join(dataDir, "signing.key"))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

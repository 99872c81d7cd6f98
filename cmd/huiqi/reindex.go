package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/huiqi/huiqi/index"
)

// ReindexCommand rebuilds the bleve indexes of a data folder from SQLite.
type ReindexCommand struct {
	Stdout, Stderr io.Writer
}

// Run rebuilds the indexes; the server must not be running on the folder.
func (c *ReindexCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi reindex", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi reindex [flags]\n\nRebuilds the bleve indexes from SQLite, the source of truth. huiqi serve does this by\nitself when an index is missing, corrupt, of an older mapping or behind.\n\nFlags:")
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
	eng.Logger = slog.New(slog.NewTextHandler(c.Stderr, nil))
	ix, err := index.Open(filepath.Join(*dataDir, "index"))
	if err != nil {
		return err
	}
	defer ix.Close()
	eng.AttachIndex(ix)
	if err := eng.Reindex(ctx); err != nil {
		return err
	}
	counts, err := ix.Counts()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "reindexed: %d policies, %d enterprises\n", counts.Policies, counts.Enterprises)
	return nil
}

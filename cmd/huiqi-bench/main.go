// Command huiqi-bench measures huiqi at a city's scale beside the ways a
// vendor would match (SQL WHERE over SQLite, expr-lang programs) and
// prints one table. It is a binary of its own so that the
// baselines and expr-lang stay out of the server's.
//
//	go run ./cmd/huiqi-bench [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/huiqi/huiqi/httpapi"
)

func main() {
	httpapi.ReleaseMode()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := (&BenchCommand{Stdout: os.Stdout, Stderr: os.Stderr}).Run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "huiqi-bench:", err)
		os.Exit(1)
	}
}

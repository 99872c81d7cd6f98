// Command huiqi is the policy-to-enterprise matching engine: its server and
// its administration commands, one file per subcommand.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/huiqi/huiqi/httpapi"
)

func main() {
	httpapi.ReleaseMode()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal starts a graceful shutdown; restoring the default
		// handling lets a second one end the process at once.
		<-ctx.Done()
		stop()
	}()
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "huiqi:", err)
		os.Exit(1)
	}
}

const usage = `huiqi (惠企) is a policy-to-enterprise matching engine (政策找企).

Usage:

	huiqi <command> [arguments]

Commands:

	serve              start the HTTP API (SQLite and bleve in --data, or PostgreSQL with --db)
	token create       issue an API token
	token list         list the API tokens, with when each was last used
	token revoke       revoke an API token at once
	import enterprises load enterprise profiles from NDJSON or CSV
	import policies    load policy documents from a YAML/JSON file or folder
	import applications load historical applications with their events from NDJSON
	audit verify       check every application's event hash chain
	policy test        run the test cases of policy documents
	migrate            copy a SQLite data folder into PostgreSQL and verify the copy
	reindex            rebuild the bleve indexes from SQLite
	rematch            recompute every verdict as of today and notify new matches
	calendar import    add or correct a year of the statutory calendar
	calendar list      list the years the statutory calendar covers
	gen                write generated enterprises and policies as NDJSON
	version            print the version

Run 'huiqi <command> -h' for a command's flags. The benchmark is a
command of its own: go run ./cmd/huiqi-bench.
`

// subcommands lists, for each command that takes one, its subcommands.
var subcommands = map[string][]string{
	"token":    {"create", "list", "revoke"},
	"import":   {"enterprises", "policies", "applications"},
	"audit":    {"verify"},
	"policy":   {"test"},
	"calendar": {"import", "list"},
}

// Run runs the subcommand named by args.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	if subs, ok := subcommands[cmd]; ok {
		if len(rest) == 0 || !slices.Contains(subs, rest[0]) {
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("%q needs a subcommand: %s", cmd, strings.Join(subs, ", "))
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return (&ServeCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "token create":
		return (&TokenCreateCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "token list":
		return (&TokenListCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "token revoke":
		return (&TokenRevokeCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "import enterprises":
		return (&ImportEnterprisesCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "import policies":
		return (&ImportPoliciesCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "import applications":
		return (&ImportApplicationsCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "audit verify":
		return (&AuditVerifyCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "policy test":
		return (&PolicyTestCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "rematch":
		return (&RematchCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "calendar import":
		return (&CalendarImportCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "calendar list":
		return (&CalendarListCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "migrate":
		return (&MigrateCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "reindex":
		return (&ReindexCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "gen":
		return (&GenCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "version":
		fmt.Fprintln(stdout, "huiqi", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// TokenCreateCommand issues an API token directly in the data folder, for
// bootstrapping before any admin token exists.
type TokenCreateCommand struct {
	Stdout, Stderr io.Writer
}

// Run creates the token and prints its secret, shown once.
func (c *TokenCreateCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi token create", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	var t huiqi.Token
	fs.StringVar(&t.Role, "role", huiqi.RoleAdmin, "admin, official, auditor or enterprise")
	fs.StringVar(&t.Department, "department", "", "department of an official token, e.g. 泉州市工业和信息化局")
	fs.StringVar(&t.CreditCode, "credit-code", "", "credit code of an enterprise token")
	expiresIn := fs.Duration("expires-in", 0, "lifetime of the token, e.g. 720h; 0: no expiry")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi token create [flags]\n\nIssues an API token and prints its secret once; only its hash is stored.\n\nFlags:")
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
	if *expiresIn > 0 {
		t.ExpiresAt = eng.Now().Add(*expiresIn)
	}
	secret, err := eng.CreateToken(engine.System(ctx), &t)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintln(c.Stdout, secret)
	return nil
}

// TokenListCommand lists the tokens of the data folder.
type TokenListCommand struct {
	Stdout, Stderr io.Writer
}

// Run prints one token a line: id, role, binding, created, expires, last
// used, revoked. No secret is stored, so none can be shown.
func (c *TokenListCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi token list", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	asJSON := fs.Bool("json", false, "print the tokens as JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi token list [flags]\n\nLists the API tokens with when each was last used; secrets are never stored.\n\nFlags:")
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
	ts, err := eng.Tokens(engine.System(ctx))
	if err != nil {
		return userError(err)
	}
	if *asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ts)
	}
	w := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROLE\tBOUND TO\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	when := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "-"
		}
		return t.Format(time.DateTime)
	}
	for _, t := range ts {
		bound := t.Department + t.CreditCode
		if t.FromEnv {
			bound = "HUIQI_ADMIN_TOKEN"
		}
		if bound == "" {
			bound = "-"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, bound, when(&t.CreatedAt), when(&t.ExpiresAt), when(t.LastUsedAt), when(t.RevokedAt))
	}
	return w.Flush()
}

// TokenRevokeCommand revokes tokens of the data folder by id.
type TokenRevokeCommand struct {
	Stdout, Stderr io.Writer
}

// Run revokes each token named; a running server refuses them from its
// next request on.
func (c *TokenRevokeCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi token revoke", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder (HUIQI_DATA)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi token revoke [flags] ID...\n\nRevokes API tokens at once, web sessions signed in with them included.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	ids := make([]int64, fs.NArg())
	for i, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("token id %q: want a positive integer", a)
		}
		ids[i] = id
	}
	eng, closeDB, err := openEngine(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer closeDB()
	for _, id := range ids {
		if err := eng.RevokeToken(engine.System(ctx), id); err != nil {
			return userError(err)
		}
		fmt.Fprintf(c.Stdout, "revoked token %d\n", id)
	}
	return nil
}

// userError turns a domain error into one that reads well on a terminal.
func userError(err error) error {
	if f := huiqi.ErrorField(err); f != "" {
		return fmt.Errorf("%s: %s", f, huiqi.ErrorMessage(err))
	} else if huiqi.ErrorCode(err) != huiqi.EInternal {
		return fmt.Errorf("%s", huiqi.ErrorMessage(err))
	}
	return err
}

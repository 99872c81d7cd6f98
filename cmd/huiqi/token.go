package main

import (
	"context"
	"flag"
	"fmt"
	"io"

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
	secret, err := eng.CreateToken(engine.System(ctx), &t)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintln(c.Stdout, secret)
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

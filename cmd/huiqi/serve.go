package main

import (
	"context"
	"io"
)

// ServeCommand starts the HTTP API.
type ServeCommand struct {
	Stdout, Stderr io.Writer
}

// Run starts the server and blocks until ctx is done.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	return nil
}

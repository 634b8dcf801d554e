package main

import "github.com/urfave/cli/v2"

// mtastsCommand is a placeholder until its issue lands; it is replaced whole.
func mtastsCommand() *cli.Command {
	return &cli.Command{
		Name:   "mtasts",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("mtasts: not implemented yet") },
	}
}

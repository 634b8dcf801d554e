package main

import "github.com/urfave/cli/v2"

// tlsaCommand is a placeholder until its issue lands; it is replaced whole.
func tlsaCommand() *cli.Command {
	return &cli.Command{
		Name:   "tlsa",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("tlsa: not implemented yet") },
	}
}

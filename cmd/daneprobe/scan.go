package main

import "github.com/urfave/cli/v2"

// scanCommand is a placeholder until its issue lands; it is replaced whole.
func scanCommand() *cli.Command {
	return &cli.Command{
		Name:   "scan",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("scan: not implemented yet") },
	}
}

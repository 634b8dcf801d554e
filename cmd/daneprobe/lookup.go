package main

import "github.com/urfave/cli/v2"

// lookupCommand is a placeholder until its issue lands; it is replaced whole.
func lookupCommand() *cli.Command {
	return &cli.Command{
		Name:   "lookup",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("lookup: not implemented yet") },
	}
}

package main

import "github.com/urfave/cli/v2"

// checkCommand is a placeholder until its issue lands; it is replaced whole.
func checkCommand() *cli.Command {
	return &cli.Command{
		Name:   "check",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("check: not implemented yet") },
	}
}

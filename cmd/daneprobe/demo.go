package main

import "github.com/urfave/cli/v2"

// demoCommand is a placeholder until its issue lands; it is replaced whole.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:   "demo",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error { return usageErrorf("demo: not implemented yet") },
	}
}

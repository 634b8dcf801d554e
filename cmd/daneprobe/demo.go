package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// demoCommand is "daneprobe demo": a self-contained world to try
// daneprobe against.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "serve a private, signed DNS test world on loopback to try daneprobe against",
		Description: "demo --serve starts the DNS test world that daneprobe's own tests use: a private root\n" +
			"zone with its own key, the TLD \"test.\" and two dozen scenario zones signed with every\n" +
			"algorithm daneprobe validates (5, 7, 8, 10, 13, 14, 15), with NSEC and NSEC3, and deliberately\n" +
			"broken ones (expired or not yet valid signatures, a DS matching no key, missing RRSIGs,\n" +
			"a missing wildcard proof, a KeyTrap zone...). It listens on 127.0.0.1 (UDP and TCP, a random\n" +
			"port) and answers like a recursive resolver asked with DO and CD set. It writes the world's\n" +
			"trust anchor to a temporary file and prints the --resolver and --trust-anchor flags that\n" +
			"point daneprobe at it, with example lookups and what each should conclude, then serves until\n" +
			"interrupted (Ctrl-C). Nothing leaves the machine.\n\n" +
			"Without --serve, demo only says so: the full demo, with SMTP and MTA-STS servers, comes with\n" +
			"\"daneprobe check\".\n\n" +
			"Exit status: 0 the world served and was stopped; 3 without --serve, or when the world could\n" +
			"not start.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "serve", Usage: "start the DNS test world and serve it until interrupted"},
			&cli.DurationFlag{Name: "delay", Usage: "wait `DURATION` before every response, to feel what latency does to a lookup"},
			&cli.BoolFlag{Name: "all", Usage: "list every scenario of the catalogue, not only a few examples"},
		},
		Action: runDemo,
	}
}

func runDemo(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usageErrorf("demo: unexpected argument %q", c.Args().First())
	}
	if !c.Bool("serve") {
		return usageErrorf("demo: only --serve (the DNS test world) is available; the full demo comes with \"daneprobe check\"")
	}
	if c.Duration("delay") < 0 {
		return usageErrorf("demo: --delay must not be negative")
	}
	world, err := testworld.StartDNS(testworld.DNSOptions{Delay: c.Duration("delay")})
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	defer world.Close()
	dir, err := os.MkdirTemp("", "daneprobe-demo-")
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	defer os.RemoveAll(dir)
	anchor, err := world.TrustAnchorFile(dir)
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	flags := fmt.Sprintf("--resolver %s --trust-anchor %s", world.Addr(), anchor)
	printDemo(c.App.Writer, world.Addr(), anchor, flags, c.Bool("all"))
	<-c.Context.Done()
	fmt.Fprintln(c.App.Writer, "demo: stopped")
	return nil
}

// printDemo writes the serving banner: where the world is, the flags to
// use, and example lookups with the outcome each should have.
func printDemo(w io.Writer, addr, anchor, flags string, all bool) {
	fmt.Fprintf(w, "DNS test world serving on %s (UDP and TCP); trust anchor in %s\n\n", addr, anchor)
	fmt.Fprintf(w, "Point daneprobe at it with:\n  %s\n\n", flags)
	fmt.Fprintln(w, "Try (expected outcome after each command):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	scenarios := testworld.DNSScenarios()
	// Without --all, one scenario of each kind of outcome.
	want := map[string]bool{
		"secure-alg13": true, "bench-tlsa": true, "nxdomain-nsec3": true, "wildcard-nsec": true,
		"insecure-nsec3-optout": true, "cname-unsigned": true, "expired-sigs": true, "keytrap": true,
	}
	for _, s := range scenarios {
		if !all && !want[s.Name] {
			continue
		}
		outcome := s.Security
		if s.Reason != "" {
			outcome += " (" + s.Reason + ")"
		}
		if s.Rcode != dns.RcodeSuccess {
			outcome += ", " + dns.RcodeToString[s.Rcode]
		}
		fmt.Fprintf(tw, "  daneprobe lookup %s %s %s\t# %s: %s\n",
			flags, strings.TrimSuffix(s.Qname, "."), dns.TypeToString[s.Qtype], s.Name, outcome)
	}
	tw.Flush()
	if !all {
		fmt.Fprintf(w, "\n%d scenarios in all: add --all to list them.\n", len(scenarios))
	}
	fmt.Fprintln(w, "\nServing until interrupted (Ctrl-C).")
}

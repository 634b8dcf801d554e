package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/report"
	"github.com/daneprobe/daneprobe/tlsrpt"
	"github.com/daneprobe/daneprobe/tlsrpt/recheck"
)

// tlsrptHelp explains the command, its inputs and its exit codes.
const tlsrptHelp = "Reads the TLS reports (RFC 8460) that sending MTAs mail once a day to the address of a\n" +
	"domain's _smtp._tls record (rua=mailto:), and says per policy domain and policy type (sts,\n" +
	"tlsa, no-policy-found) how many sessions succeeded, which failed and why: per receiving MX\n" +
	"host and address, and per RFC 8460 result type with the sending MTAs and their counts.\n\n" +
	"Inputs, told apart by their first bytes: report JSON (.json), gzip (.json.gz), e-mail\n" +
	"messages (.eml) with the report attached (application/tlsrpt+json or +gzip, RFC 8460 §5.3)\n" +
	"or in the body, mbox files, Maildir directories (cur/ and new/; tmp/ is skipped), other\n" +
	"directories (read recursively in name order) and - for standard input. Reports are read\n" +
	"leniently (what big senders send that departs from RFC 8460 is accepted and listed per\n" +
	"report) and strictly bounded (8 MiB per report after decompression, 16 MiB per message,\n" +
	"JSON nesting 16 deep, 10,000 policies and 100,000 failure-details per report, 1,000,000\n" +
	"files and messages per run). An input that cannot be read is named and skipped. A report\n" +
	"whose organisation and report-id were seen before counts once.\n\n" +
	"Output: a verdict line per policy domain first (the most failed sessions first), then the\n" +
	"details, the inputs not read and the departures from RFC 8460; --json for one object\n" +
	"(schema in report/SCHEMA.md).\n\n" +
	"--recheck runs check now (with check's flags: resolver, trust anchor, CA file, ports,\n" +
	"timeouts) for each policy domain with failures, at most --recheck-max of them, and says per\n" +
	"failure group whether the same failure reproduces at the same MX (the MX still presents a\n" +
	"certificate without its name, the TLSA records still match nothing...) or not (fixed since,\n" +
	"or seen only by some senders, who are named).\n\n" +
	"Exit status:\n" +
	"  0  OK: no sender reported a failed session\n" +
	"  1  WARNING: senders reported failures (without --recheck), or failures that no longer\n" +
	"     reproduce or cannot be checked (a result type daneprobe cannot see, past --recheck-max)\n" +
	"  2  CRITICAL: --recheck reproduces a reported failure\n" +
	"  3  UNKNOWN: usage error, no report could be read, or a recheck could not finish (no usable\n" +
	"     resolver, --deadline) and nothing reproduced"

// tlsrptCommand is "daneprobe tlsrpt": a summary of TLS reports.
func tlsrptCommand() *cli.Command {
	return &cli.Command{
		Name:        "tlsrpt",
		Usage:       "summarise the TLS reports (RFC 8460) that senders mailed: what they saw of your MX hosts",
		ArgsUsage:   "FILE|DIR|-...",
		Description: tlsrptHelp,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the summary as one JSON object (stable schema, see report/SCHEMA.md)"},
			&cli.BoolFlag{Name: "recheck", Usage: "check every policy domain with failures again now (with the flags of check below) and say per failure whether it reproduces"},
			&cli.IntFlag{Name: "recheck-max", Value: recheck.DefaultMaxDomains, Usage: "check at most `N` domains again (the most failed sessions first): reports may name any domain"},
		}, checkFlags()...),
		Action: runTLSRPT,
	}
}

func runTLSRPT(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErrorf("tlsrpt: want at least one FILE, DIR or - (see daneprobe tlsrpt --help)")
	}
	if c.Int("recheck-max") < 1 {
		return usageErrorf("--recheck-max must be at least 1, not %d", c.Int("recheck-max"))
	}
	rd := &tlsrpt.Reader{Stdin: c.App.Reader}
	if rd.Stdin == nil {
		rd.Stdin = os.Stdin
	}
	sz := tlsrpt.NewSummarizer()
	if err := rd.Read(c.Context, c.Args().Slice(), sz.Add); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("tlsrpt: %w", err)}
	}
	sum := sz.Summary()
	if c.Bool("recheck") && sum.Reports > 0 && len(sum.FailingDomains()) > 0 {
		ck, err := newChecker(c)
		if err != nil {
			return err
		}
		if err := checkUpstream(c.Context, ck.Resolver, upstreamsOf(ck.Resolver), ck.Deadline); err != nil {
			return &exitError{code: exitUnknown, err: err}
		}
		recheck.Run(c.Context, &sum, ck.Check, c.Int("recheck-max"))
	}
	w := c.App.Writer
	var err error
	if c.Bool("json") {
		err = report.WriteTLSRPTJSON(w, &sum)
	} else {
		err = report.WriteTLSRPTText(w, &sum, report.UseColor(w, os.Getenv))
	}
	if err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	return exitWith(tlsrptExit(sum.Status))
}

// tlsrptExit maps the summary's status to the exit status.
func tlsrptExit(s tlsrpt.Status) int {
	switch s {
	case tlsrpt.StatusOK:
		return exitOK
	case tlsrpt.StatusWarning:
		return exitWarning
	case tlsrpt.StatusCritical:
		return exitCritical
	}
	return exitUnknown
}

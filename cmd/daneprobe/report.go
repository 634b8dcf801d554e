package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/scan"
)

// reportHelp explains "daneprobe report".
const reportHelp = "Merges the JSON lines written by \"daneprobe scan\" (or \"check --json\") into one\n" +
	"summary, without checking anything again: the shards of a scan spread over many jobs\n" +
	"(--shard I/N), or earlier scans, in any order. FILE \"-\" is standard input.\n\n" +
	"The summary is the one \"scan\" prints (counts per status, DANE verdict and sender\n" +
	"outcome, failure reasons, the domains a DANE-enforcing sender would defer, ...) plus\n" +
	"adoption figures over the merged set: the share of domains with a DNSSEC-signed MX\n" +
	"RRset, with DANE on every MX, with MTA-STS in enforce mode, with TLS-RPT, with SPF\n" +
	"\"-all\" and with DMARC p=reject or p=quarantine. --json writes it as one JSON\n" +
	"object (report/SCHEMA.md, \"Scan summary\"). A domain found twice counts once (its\n" +
	"first report); lines that are not reports and a cut last line are counted and skipped,\n" +
	"but a file none of whose lines is a report (a text summary, a domain list) is refused.\n" +
	"Memory stays flat: the files are streamed, and only an 8-byte hash per domain is kept.\n\n" +
	"Exit status (as for scan):\n" +
	"  0  no merged domain would be deferred by a DANE-enforcing sender\n" +
	"  1  none would, but some checks could not complete (lookup errors, timeouts)\n" +
	"  2  some domains would be deferred\n" +
	"  3  usage error, unreadable input, or a file without any report"

// reportCommand is "daneprobe report": the summary of earlier scan outputs.
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:        "report",
		Usage:       "merge the JSON lines of scans (shards, earlier runs) into one summary with adoption figures",
		ArgsUsage:   "FILE.jsonl...",
		Description: reportHelp,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "write the summary as one JSON object instead of text"},
			&cli.IntFlag{Name: "max-listed", Value: scan.DefaultMaxListed, Usage: "keep at most `N` domains in each list (the counts stay complete)"},
		},
		Action: runReport,
	}
}

func runReport(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErrorf("report: give the JSON lines files of the scans to merge (see daneprobe report --help)")
	}
	if n := c.Int("max-listed"); n < 0 {
		return usageErrorf("--max-listed must not be negative, not %d", n)
	}
	summary := &scan.Summary{MaxListed: c.Int("max-listed")}
	if c.Int("max-listed") == 0 {
		summary.MaxListed = -1
	}
	m := scan.NewMerger(summary)
	stdin := false
	for _, path := range c.Args().Slice() {
		if err := readReportFile(c, m, path, &stdin); err != nil {
			return err
		}
	}
	var err error
	if c.Bool("json") {
		err = summary.WriteJSON(c.App.Writer, &m.Stats)
	} else {
		err = summary.WriteText(c.App.Writer, scan.ScanInfo{Merged: &m.Stats})
	}
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("write the summary: %w", err)}
	}
	switch {
	case summary.DANEDefer.Total > 0:
		return exitWith(exitCritical)
	case summary.LookupErrors.Total > 0:
		return exitWith(exitWarning)
	}
	return exitWith(exitOK)
}

// readReportFile merges one file, or standard input for "-" (once).
func readReportFile(c *cli.Context, m *scan.Merger, path string, stdin *bool) error {
	var r io.Reader
	if path == "-" {
		if *stdin {
			return usageErrorf("report: standard input (-) given twice")
		}
		*stdin = true
		r = c.App.Reader
	} else {
		f, err := os.Open(path)
		if err != nil {
			return usageErrorf("report: %v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return usageErrorf("report: %s is a directory: want a JSON lines file", path)
		}
		r = f
	}
	before := m.Stats
	if err := m.Read(r); err != nil {
		return usageErrorf("report %s: %v", path, err)
	}
	// A file with lines but no report among them is the wrong file (a
	// scan's text summary, a domain list), not a shard with no domains.
	if lines, bad := m.Stats.Lines-before.Lines, m.Stats.BadLines-before.BadLines; lines > 0 && bad == lines {
		return usageErrorf("report %s: none of its %d lines is a daneprobe report: want the JSON lines of scan --out or check --json", path, lines)
	}
	return nil
}

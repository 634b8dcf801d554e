package main

import (
	"errors"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/history"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/report"
)

const historyHelp = "Prints what the history store (the --state FILE of check and scan) holds for DOMAIN:\n" +
	"one line per recorded run with its time, status and verdict line, and under it what changed\n" +
	"since the previous comparable run (a run with a local fault or an UNKNOWN status is recorded\n" +
	"but never compared against), each change with its level and code:\n\n" +
	"  critical broken-rollover      a new certificate that no published TLSA record matches\n" +
	"  critical broken-tlsa-edit     the same certificate, an edited TLSA RRset that no longer matches it\n" +
	"  note tlsa-rollover-in-progress a TLSA change while the certificate stayed (RFC 7671 §8)\n" +
	"  note certificate-renewed      a new certificate that still matches\n" +
	"  and mx-changed, addresses-changed, tlsa-changed, certificate-changed, issuer-changed,\n" +
	"  dnssec-changed, mta-sts-id-changed, mta-sts-mode-changed, mta-sts-mx-changed,\n" +
	"  tls-rpt-changed, dane-changed, mta-sts-changed, status-changed (report/SCHEMA.md).\n\n" +
	"The store is opened read-only: history never changes it. Without --state it reads the\n" +
	"default location ($XDG_STATE_HOME/daneprobe/history.sqlite, else\n" +
	"~/.local/state/daneprobe/history.sqlite).\n\n" +
	"Exit status: 0 when the domain has recorded runs, 1 when it has none (in that period),\n" +
	"3 for a usage error or a store that cannot be read (missing, not ours, newer, corrupt)."

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:        "history",
		Usage:       "print the recorded runs of a domain and what changed between them (the --state store of check and scan)",
		ArgsUsage:   "DOMAIN",
		Description: historyHelp,
		Flags: []cli.Flag{
			stateFlag(),
			&cli.StringFlag{Name: "since", Usage: "only the runs since `WHEN`: a duration back from now (72h, 30m) or a time (RFC 3339)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object (schema in report/SCHEMA.md)"},
		},
		Action: runHistory,
	}
}

func runHistory(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErrorf("history: want one DOMAIN (see daneprobe history --help)")
	}
	d, err := names.ParseDomain(c.Args().First())
	if err != nil {
		return usageErrorf("history: %v", err)
	}
	since, err := sinceFlag(c.String("since"), time.Now())
	if err != nil {
		return err
	}
	path, err := statePath(c)
	if err != nil {
		return err
	}
	if path == "" {
		if path, err = history.DefaultPath(os.Getenv); err != nil {
			return usageErrorf("history: %v", err)
		}
	}
	st, err := history.Open(c.Context, path, history.Options{ReadOnly: true})
	if errors.Is(err, history.ErrNotFound) {
		return usageErrorf("history: no history store at %s: record runs with check --state or scan --state first", path)
	}
	if err != nil {
		return stateError(err)
	}
	defer st.Close()
	runs, err := st.Timeline(c.Context, d, since)
	if err != nil {
		return stateError(err)
	}
	h := &report.History{Domain: d, State: path, Since: since, Runs: make([]report.HistoryRun, len(runs))}
	for i, r := range runs {
		h.Runs[i] = report.HistoryRun{ID: r.ID, At: r.At, Status: r.Status, DANE: r.DANE, MTASTS: r.MTASTS,
			Summary: r.Summary, Comparable: r.Comparable, Changes: r.Changes}
	}
	if c.Bool("json") {
		err = report.WriteHistoryJSON(c.App.Writer, h)
	} else {
		err = report.WriteHistoryText(c.App.Writer, h, report.UseColor(c.App.Writer, os.Getenv))
	}
	if err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	if len(runs) == 0 {
		return exitWith(exitWarning)
	}
	return nil
}

// sinceFlag reads --since: a duration back from now or an RFC 3339 time.
func sinceFlag(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--since %q: want a duration back from now (72h) or an RFC 3339 time (2026-12-01T00:00:00Z)", v)
}

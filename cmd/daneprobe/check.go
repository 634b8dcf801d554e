package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/report"
)

// checkHelp explains the command, its verdicts and its exit codes.
const checkHelp = "For each DOMAIN, does what a sending MTA that enforces DANE (RFC 7672) and MTA-STS\n" +
	"(RFC 8461) does before it delivers a message, and says what it would do:\n\n" +
	"  1. look up the MX records with DNSSEC validation (no MX: the domain itself; a null MX,\n" +
	"     RFC 7505, means the domain accepts no mail);\n" +
	"  2. for every MX host, in parallel: the A and AAAA records, and when they are DNSSEC-secure\n" +
	"     the TLSA records at _PORT._tcp of the host (of its CNAME target first, RFC 7672 §2.2.3);\n" +
	"  3. an SMTP session with every address: banner, EHLO, STARTTLS, TLS handshake (SNI = the\n" +
	"     TLSA base domain), never a message; the presented chain is matched against the usable\n" +
	"     TLSA records and checked against the WebPKI for MTA-STS;\n" +
	"  4. meanwhile the MTA-STS record and policy, the TLS-RPT record, the SPF include tree and\n" +
	"     the DMARC policy (--mail-auth adds DKIM keys and Microsoft 365 readiness; the auth\n" +
	"     command prints only this part).\n\n" +
	"Verdicts. Per address, dane is verified, failed (no-starttls, handshake, no-match,\n" +
	"name-mismatch, bogus-tlsa, tlsa-lookup-failed...), unusable-tlsa or none; mta_sts is pass,\n" +
	"fail or none. Per domain, dane is verified (every MX authenticates), partial (some MX fail but\n" +
	"a DANE sender still delivers via another), failed (a DANE sender defers), unusable (only\n" +
	"unusable TLSA records: TLS mandatory, unauthenticated) or none (no secure TLSA records).\n" +
	"The report also says what a sender enforcing DANE, MTA-STS or both would do\n" +
	"(deliver-authenticated, deliver-opportunistic, defer, no-mail) and via which MX, and lists\n" +
	"every failure with its RFC 8460 (TLS-RPT) result type.\n\n" +
	"Output: a verdict line per domain then the details (colour only on a terminal without\n" +
	"NO_COLOR); --json for one object per domain (schema in report/SCHEMA.md); --nagios for the\n" +
	"monitoring-plugin line with performance data; --prometheus for the textfile collector;\n" +
	"--brief for the verdict line and one line per failure and warning; --html FILE also\n" +
	"writes the reports as one HTML page (the domain page of \"daneprobe serve\");\n" +
	"--quiet prints nothing when every domain is OK (text and --json; --nagios and --prometheus\n" +
	"always print, as monitoring systems need).\n\n" +
	"History. --state FILE records each domain's result in a history store (SQLite) and reports\n" +
	"what changed since its previous run (JSON changes; warnings such as broken-rollover, a new\n" +
	"key no TLSA record matches; notes such as tlsa-rollover-in-progress); --alert-on LEVEL\n" +
	"(change, warning, critical) prints only the domains worth a cron mail; \"daneprobe history\n" +
	"DOMAIN\" prints the timeline.\n\n" +
	"Exit status (the worst over all domains):\n" +
	"  0  OK: mail is delivered as the published policies promise (also a null MX)\n" +
	"  1  WARNING: partial or unusable DANE, an unreachable address, MTA-STS testing failures,\n" +
	"     an unfetchable policy, a rollover risk, a certificate close to expiry, no protection,\n" +
	"     or a mail-authentication warning (SPF +all, permerror or temperror, no DMARC from a\n" +
	"     broken record, an unauthorized report destination, a broken or weak DKIM key)\n" +
	"  2  CRITICAL: a DANE- or MTA-STS-enforcing sender would defer, the domain does not exist,\n" +
	"     or an MX, address or TLSA lookup is bogus or failed (a TLSA lookup failure blocks\n" +
	"     delivery, so it is critical, not unknown)\n" +
	"  3  UNKNOWN: usage error, no usable resolver, the check did not finish (--deadline), or\n" +
	"     the --state store cannot be used (not a daneprobe store, newer, read-only, corrupt, full);\n" +
	"     when no resolver answers at all, the text output is one line on stderr saying so;\n" +
	"     a local fault: an indeterminate answer (the resolver strips DNSSEC, the trust anchor\n" +
	"     does not match the root), named with its reason code (JSON local_fault)\n\n" +
	"For test setups, --port probes another SMTP port (TLSA records are then looked up at\n" +
	"_PORT._tcp) and --policy-port fetches MTA-STS policies from another HTTPS port; \"daneprobe\n" +
	"demo --serve\" prints the flags that point check at its private test world."

// checkCommand is "daneprobe check": the end-to-end verdict for domains.
func checkCommand() *cli.Command {
	flags := append(checkFlags(),
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object per domain (stable schema, see report/SCHEMA.md)"},
		&cli.BoolFlag{Name: "nagios", Usage: "print the monitoring-plugin status line with performance data (Nagios, Icinga, Naemon, Sensu)"},
		&cli.BoolFlag{Name: "prometheus", Usage: "print the Prometheus text exposition format (for node_exporter's textfile collector)"},
		&cli.BoolFlag{Name: "brief", Usage: "print per domain only the verdict line and one line per failure and warning (with the TLSA record that would match), for terminals and mail"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the domains whose status is not OK, or (with --state) whose status changed (for cron: silence means all is well); ignored with --nagios and --prometheus, which always print"},
		stateFlag(),
		alertOnFlag(),
	)
	flags = append(flags, mailAuthFlags()...)
	flags = append(flags, htmlFlag())
	flags = append(flags, &cli.BoolFlag{Name: "mail-auth", Usage: "add DKIM selectors and Microsoft 365 readiness to SPF and DMARC (as the auth command prints them; implied by --dkim-selector)"})
	return &cli.Command{
		Name:        "check",
		Usage:       "say whether mail to domains is protected by DANE and MTA-STS, and what enforcing senders would do",
		ArgsUsage:   "DOMAIN...",
		Description: checkHelp,
		Flags:       flags,
		Action:      runCheck,
	}
}

// checkConfig builds check's checker from the flags; bad values are usage
// errors (exit status 3).
func checkConfig(c *cli.Context) (*gather.Checker, error) {
	formats := 0
	for _, f := range []string{"json", "nagios", "prometheus", "brief"} {
		if c.Bool(f) {
			formats++
		}
	}
	if formats > 1 {
		return nil, usageErrorf("choose one of --json, --nagios, --prometheus and --brief")
	}
	ck, err := newChecker(c)
	if err != nil {
		return nil, err
	}
	if c.Bool("mail-auth") || len(c.StringSlice("dkim-selector")) > 0 {
		o, err := mailAuthOptions(c)
		if err != nil {
			return nil, err
		}
		ck.MailAuth = &o
	}
	return ck, nil
}

func runCheck(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErrorf("check: want at least one DOMAIN (see daneprobe check --help)")
	}
	machine := c.Bool("json") || c.Bool("nagios") || c.Bool("prometheus")
	for _, d := range c.Args().Slice() {
		// An empty name (or the root) would get a verdict line without a
		// name.
		if strings.Trim(d, ". ") == "" {
			return usageErrorf("check: %q is not a mail domain", d)
		}
		// For people, a malformed name is a usage error in the one style
		// of every command; a monitoring system still gets an UNKNOWN
		// report for it, as for every other domain it asked about.
		if _, err := names.ParseDomain(d); err != nil && !machine {
			return usageErrorf("check: %v", err)
		}
	}
	ck, err := checkConfig(c)
	if err != nil {
		return err
	}
	if _, _, err := alertLevel(c); err != nil {
		return err
	}
	// The store is opened before anything is checked: a store that is
	// not ours, newer, read-only or corrupt stops the run at once.
	st, err := openState(c)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	if err := checkUpstream(c.Context, ck.Resolver, upstreamsOf(ck.Resolver), ck.Deadline); err != nil {
		if !c.Bool("json") && !c.Bool("nagios") && !c.Bool("prometheus") {
			// For people: the one line that says what to fix.
			return &exitError{code: exitUnknown, err: err}
		}
		// Machines still get their UNKNOWN report per domain.
		fmt.Fprintf(c.App.ErrWriter, "daneprobe: %v\n", err)
	}
	reports := make([]delivery.DomainReport, 0, c.NArg())
	for _, d := range c.Args().Slice() {
		if c.Context.Err() != nil {
			break
		}
		reports = append(reports, *ck.Check(c.Context, d))
	}
	// Recorded first, so that the output shows the changes; a store that
	// fails now still lets the reports be printed, then exits 3.
	recErr := recordRun(c.Context, st, reports)
	if err := writeHTMLFile(c, reports); err != nil {
		return err
	}
	err = printReports(c, reports)
	if recErr != nil {
		return recErr
	}
	return err
}

// printReports writes the reports in the chosen format and turns the worst
// status into the exit status.
func printReports(c *cli.Context, reports []delivery.DomainReport) error {
	worst := delivery.WorstOf(reports)
	shown := reports
	// A monitoring plugin must always print its status line, and a
	// Prometheus textfile must always hold every series (a missing one
	// reads as "no data", not as OK): --quiet and --alert-on apply to
	// text and JSON only.
	level, filter, err := alertLevel(c)
	if err != nil {
		return err
	}
	if filter && !c.Bool("nagios") && !c.Bool("prometheus") {
		shown = nil
		for i := range reports {
			if delivery.Alerts(&reports[i], level) {
				shown = append(shown, reports[i])
			}
		}
	}
	w := c.App.Writer
	switch {
	case len(shown) == 0:
	case c.Bool("json"):
		err = report.WriteJSON(w, shown)
	case c.Bool("nagios"):
		err = report.WriteNagios(w, shown)
	case c.Bool("prometheus"):
		err = report.WritePrometheus(w, shown)
	case c.Bool("brief"):
		err = report.WriteBrief(w, shown, report.UseColor(w, os.Getenv))
	default:
		err = report.WriteText(w, shown, report.UseColor(w, os.Getenv))
	}
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("write report: %w", err)}
	}
	return exitWith(worst.ExitCode())
}

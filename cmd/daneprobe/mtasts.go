package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/roots"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/report"
)

// mtastsCommand is "daneprobe mtasts": the MTA-STS record, policy and MX
// coverage of one domain, plus its TLS-RPT record.
func mtastsCommand() *cli.Command {
	return &cli.Command{
		Name:      "mtasts",
		Usage:     "check a domain's MTA-STS record, policy and TLS-RPT record",
		ArgsUsage: "DOMAIN",
		Description: "Looks up the _mta-sts TXT record of DOMAIN (RFC 8461 §3.1), fetches the policy from\n" +
			"https://mta-sts.DOMAIN/.well-known/mta-sts.txt exactly as a sending MTA must (RFC 8461 §3.3:\n" +
			"the host resolved through daneprobe's own resolver, certificate valid for mta-sts.DOMAIN,\n" +
			"no redirects, HTTP 200 only, text/plain, at most 64 KiB), parses it with line numbers,\n" +
			"resolves the MX set and says which MX hosts the policy's mx patterns cover, and checks the\n" +
			"TLS-RPT record at _smtp._tls.DOMAIN (RFC 8460 §3). Meanwhile it runs check's SMTP probes of\n" +
			"the MX hosts (--port, --helo and the other flags of check) and prints check's MTA-STS verdict\n" +
			"per MX host; --json prints check's mta_sts and tls_rpt objects, then this command's own\n" +
			"diagnosis under \"mtasts\".\n\n" +
			"Exit status:\n" +
			"  0  OK: valid record and policy, every MX covered (notes may be printed); or a null MX\n" +
			"     (RFC 7505: the domain accepts no mail, as check says)\n" +
			"  1  WARNING: no MTA-STS at all, a policy without a record, unused mx patterns, a short\n" +
			"     max_age, a broken TLS-RPT record, or an MX lookup failure\n" +
			"  2  CRITICAL: the record exists but is malformed or duplicated, or the policy is\n" +
			"     unreachable or invalid, or (mode enforce) an MX is not covered by the policy or\n" +
			"     answers and fails it, or the domain does not exist (a validated NXDOMAIN, as check\n" +
			"     says); under mode testing an MX that fails the policy is a WARNING\n" +
			"  3  UNKNOWN: usage error (bad flags, unreadable --ca-file, no usable resolver)",
		Flags: append(withAlias(checkFlags(), "timeout", "policy-timeout"),
			&cli.BoolFlag{
				Name:  "json",
				Usage: "print the report as JSON: check's mta_sts and tls_rpt objects, then what only mtasts has (report/SCHEMA.md)",
			},
		),
		Action: runMTASTS,
	}
}

func runMTASTS(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErrorf("mtasts: want exactly one DOMAIN, got %d arguments (see daneprobe mtasts --help)", c.NArg())
	}
	domain, err := names.ParseDomain(c.Args().First())
	if err != nil {
		return usageErrorf("mtasts: %v", err)
	}
	ck, err := newChecker(c)
	if err != nil {
		return err
	}
	checker := &mtasts.Checker{
		Resolver: ck.Resolver,
		Port:     ck.Port,
		Fetcher: &mtasts.Fetcher{
			Resolver:   ck.Resolver,
			Roots:      ck.Roots,
			RootSource: ck.RootSource,
			Port:       ck.PolicyPort,
			Timeout:    ck.Timeout,
			Now:        ck.Now,
		},
	}
	// The policy diagnosis and check's own verdict run side by side over
	// one resolver cache; check's objects are what --json prints, so that
	// both commands name and judge the same things alike.
	var full *delivery.DomainReport
	done := make(chan struct{})
	go func() {
		defer close(done)
		full = ck.Check(c.Context, domain)
	}()
	rep, err := checker.Check(c.Context, domain)
	<-done
	if err != nil {
		if rep == nil {
			return usageErrorf("mtasts: %v", err)
		}
		return &exitError{code: exitUnknown, err: err}
	}
	// No resolver at all would read as a broken MTA-STS setup (CRITICAL);
	// it is UNKNOWN, and one line says what to fix.
	if err := checkUpstream(c.Context, ck.Resolver, upstreamsOf(ck.Resolver), ck.Timeout); err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	probeFindings(rep, full)
	// An Indeterminate answer (our resolver strips DNSSEC, our trust
	// anchor is not the root's) says nothing about the domain's policy:
	// UNKNOWN with the local cause, never "does not publish MTA-STS".
	localFault := ""
	if full != nil && full.LocalFault != "" {
		localFault = full.LocalFault
		rep.Status = mtasts.Status(delivery.StatusUnknown)
	}
	if c.Bool("json") {
		if rep.Findings == nil {
			// An empty list, not null, as in check --json: consumers
			// iterate over it without a nil check.
			rep.Findings = []mtasts.Finding{}
		}
		out := struct {
			Domain string                 `json:"domain"`
			Status mtasts.Status          `json:"status"`
			MTASTS delivery.MTASTSReport  `json:"mta_sts"`
			TLSRPT *delivery.Posture      `json:"tls_rpt,omitempty"`
			Sender delivery.SenderOutcome `json:"mta_sts_sender"`
			Report *mtasts.Report         `json:"mtasts"`
			Fault  string                 `json:"local_fault,omitempty"`
		}{rep.Domain, rep.Status, full.MTASTS, full.TLSRPT, full.Outcome.MTASTS, rep, localFault}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return &exitError{code: exitUnknown, err: fmt.Errorf("write JSON: %w", err)}
		}
	} else if localFault != "" {
		fmt.Fprintln(c.App.Writer, report.Wrap(terminalSafe(fmt.Sprintf("MTA-STS %s: UNKNOWN (%s)", rep.Domain, full.Summary)), 80))
	} else {
		printMTASTS(c.App.Writer, rep)
		printMTASTSProbes(c.App.Writer, full)
	}
	if localFault != "" {
		return exitWith(exitUnknown)
	}
	switch rep.Status {
	case mtasts.StatusCritical:
		return exitWith(exitCritical)
	case mtasts.StatusWarning:
		return exitWith(exitWarning)
	}
	return exitWith(exitOK)
}

// probeFindings adds what check's SMTP probes found against the policy in
// effect (RFC 8461 §4.2: TLS 1.2 or newer and a certificate valid for the
// MX host name), so that mtasts and check agree: an MX host that fails
// under enforce is an error (senders defer or skip it), under testing a
// warning (reported only).
func probeFindings(rep *mtasts.Report, full *delivery.DomainReport) {
	if full == nil || full.MTASTS.Result != delivery.MTASTSFail {
		return
	}
	sev := mtasts.SeverityWarning
	if rep.Mode == mtasts.ModeEnforce {
		sev = mtasts.SeverityError
	}
	for _, m := range full.MX {
		if m.MTASTS != delivery.MTASTSFail {
			continue
		}
		// Only a server that answered and failed the policy is a finding
		// about MTA-STS; an unreachable one is check's to report.
		why := ""
		for _, a := range m.Addresses {
			if a.Connected && a.MTASTSReason != "" {
				why = fmt.Sprintf("%s at %s", a.MTASTSReason, a.IP)
				if a.WebPKI != nil && a.WebPKI.Detail != "" {
					why += ": " + a.WebPKI.Detail
				}
				break
			}
		}
		if why == "" {
			continue
		}
		rep.Findings = append(rep.Findings, mtasts.Finding{Severity: sev, Code: "mx-tls-fail",
			Detail: fmt.Sprintf("MX %s fails the policy (SMTP probe, RFC 8461 §4.2): %s", m.Host, why)})
	}
	rep.Status = mtasts.StatusOf(rep.Findings)
}

// printMTASTSProbes adds check's verdict per MX host, from its SMTP
// probes (RFC 8461 §4.2: TLS 1.2 or newer, a WebPKI-valid certificate for
// the MX host name), and what an MTA-STS sender would do.
func printMTASTSProbes(w io.Writer, r *delivery.DomainReport) {
	if r == nil || r.MTASTS.Result == "" {
		return
	}
	p := func(format string, a ...any) {
		fmt.Fprintln(w, report.Wrap(terminalSafe(fmt.Sprintf(format, a...)), 80))
	}
	p("")
	p("SMTP probes (as check): MTA-STS %s", r.MTASTS.Result)
	for _, h := range r.MTASTS.MX {
		p("  %s: %s", h.Host, h.Result)
	}
	o := r.Outcome.MTASTS
	line := "  an MTA-STS sender would " + string(o.Action)
	if o.Via != "" {
		line += " via " + o.Via
	}
	if o.Reason != "" {
		line += " (" + o.Reason + ")"
	}
	p("%s", line)
}

// policyRoots returns the system roots plus the certificates of file,
// parsed as verifications need them (internal/roots).
func policyRoots(file string) (*roots.Store, error) {
	store, err := roots.System()
	if err != nil || store == nil {
		store = roots.New()
	}
	if file == "" {
		return store, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, usageErrorf("--ca-file: %v", err)
	}
	if !store.AppendPEM(pem) {
		return nil, usageErrorf("--ca-file %s: no PEM certificate found", file)
	}
	return store, nil
}

// printMTASTS renders the report for people: the verdict line first,
// then the record, the policy, the MX coverage, TLS-RPT and findings.
func printMTASTS(w io.Writer, r *mtasts.Report) {
	// Much of the report comes from the network (policy lines, error
	// texts, certificate names); escape what could drive a terminal.
	// Every line but the verdict is wrapped to fit an 80-column terminal.
	p := func(format string, a ...any) {
		fmt.Fprintln(w, report.Wrap(terminalSafe(fmt.Sprintf(format, a...)), 80))
	}
	fmt.Fprintln(w, terminalSafe(fmt.Sprintf("MTA-STS %s: %s (senders apply mode %s)", r.Domain, strings.ToUpper(string(r.Status)), r.Mode)))
	p("")
	rec := r.Record
	p("Record %s (DNSSEC %s): %s", rec.Name, rec.Security, rec.Status)
	for _, cn := range rec.CNAMEs {
		p("  via CNAME %s", cn)
	}
	for _, t := range rec.Records {
		p("  %q", t)
	}
	if rec.Detail != "" {
		p("  problem: %s", rec.Detail)
	}
	p("")
	if f := r.Fetch; f != nil {
		p("Policy %s", f.URL)
		if len(f.Addresses) > 0 {
			p("  %s resolves to %s (DNSSEC %s)", f.Host, strings.Join(f.Addresses, ", "), f.Security)
		}
		if f.Certificate != "" {
			p("  certificate: %s", f.Certificate)
		}
		if f.StatusCode != 0 {
			p("  HTTP %d from %s, %s, Content-Type %q, %d bytes", f.StatusCode, f.Address, f.TLSVersion, f.ContentType, f.Size)
		}
		if f.Failure != mtasts.FetchOK {
			p("  fetch failed: %s (%s): %s", f.Failure, f.Result(), f.Detail)
		}
	}
	if pol := r.Policy; pol != nil {
		p("  version: %s", pol.Version)
		p("  mode: %s", pol.Mode)
		p("  max_age: %s", describeMaxAge(pol.MaxAge))
		for _, mx := range pol.MX {
			p("  mx: %s", mx)
		}
		p("  line endings: %s", pol.LineEndings)
		for _, pr := range pol.Problems {
			p("  %s", pr)
		}
	}
	p("")
	p("MX hosts (DNSSEC %s):", r.MXSecurity)
	if len(r.MX) == 0 {
		p("  none")
	}
	for _, m := range r.MX {
		switch {
		case r.Policy == nil || !r.Policy.Valid():
			p("  %3d %s", m.Preference, m.Host)
		case m.Matched:
			p("  %3d %s  covered by %q", m.Preference, m.Host, m.Pattern)
		default:
			p("  %3d %s  NOT covered by any mx pattern", m.Preference, m.Host)
		}
		if m.DANE {
			p("      DNSSEC-signed TLSA records: DANE applies to this host and takes precedence (see daneprobe check)")
		}
	}
	p("")
	t := r.TLSRPT
	p("TLS-RPT %s (DNSSEC %s): %s", t.Name, t.Security, t.Status)
	if t.Record != nil {
		p("  rua: %s", strings.Join(t.Record.RUA, ", "))
	}
	if t.Detail != "" {
		p("  problem: %s", t.Detail)
	}
	if len(r.Findings) > 0 {
		p("")
		p("Findings:")
		for _, f := range r.Findings {
			p("  %s [%s] %s", f.Severity, f.Code, f.Detail)
		}
	}
}

// describeMaxAge renders max_age in seconds and in days or hours.
func describeMaxAge(s int64) string {
	switch {
	case s <= 0:
		return "missing or invalid"
	case s >= 86400:
		return fmt.Sprintf("%d (%.1f days)", s, float64(s)/86400)
	default:
		return fmt.Sprintf("%d (%s)", s, time.Duration(s)*time.Second)
	}
}

package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// ANSI SGR sequences used when colour is on.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiDim     = "\x1b[2m"
)

// WriteBrief writes, per domain, the verdict line and one line per failure
// and warning (with the record that would match where a TLSA record did
// not): for terminals, cron mail and chat, where the full report is too
// long. Notes are left out.
func WriteBrief(w io.Writer, reports []delivery.DomainReport, color bool) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, color: color}
	for i := range reports {
		r := &reports[i]
		t.verdictLine(r)
		for _, f := range r.Failures {
			item := fmt.Sprintf("  %s %s [%s]%s: %s", t.paint(ansiRed, "failure"), f.ResultType, f.Policy, where(f.MX, f.IP), f.Detail)
			if rec := failureRecord(r, f); rec != "" {
				item += "; the record that would match: " + rec
			}
			t.w.WriteString(sanitize(item, t.color))
			t.w.WriteByte('\n')
		}
		for _, f := range r.Warnings {
			t.w.WriteString(sanitize(fmt.Sprintf("  %s %s%s: %s", t.paint(ansiYellow, "warning"), f.Code, where(f.MX, f.IP), f.Detail), t.color))
			t.w.WriteByte('\n')
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write brief report: %w", err)
	}
	return nil
}

// failureRecord is matchingRecord for the address a failure names.
func failureRecord(r *delivery.DomainReport, f delivery.Failure) string {
	for i := range r.MX {
		m := &r.MX[i]
		if m.Host != f.MX {
			continue
		}
		for j := range m.Addresses {
			if a := &m.Addresses[j]; a.IP == f.IP {
				return matchingRecord(m, a)
			}
		}
	}
	return ""
}

// WriteText writes the reports for people: per domain a verdict line
// first ("example.org: OK - DANE verified ..."), on one line whatever its
// length, then, wrapped at 80 columns, what each kind of
// enforcing sender would do, then every MX host with its TLSA records and
// every address with its probe and verdicts, then failures, warnings and
// notes. Domains are separated by a blank line.
//
// color turns on ANSI colours. The caller decides: on only when writing
// to a terminal and the NO_COLOR environment variable is unset.
func WriteText(w io.Writer, reports []delivery.DomainReport, color bool) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, color: color}
	for i := range reports {
		if i > 0 {
			t.line("")
		}
		t.domain(&reports[i])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

type textWriter struct {
	w     *bufio.Writer
	color bool
	// chains maps the certificate digests of each chain printed for the
	// current domain to where it was printed, so that a chain that several
	// addresses present is printed once.
	chains map[string]string
}

// textWidth is the column the text report wraps at: the classic terminal
// width, which is also what cron mail and most pagers show unwrapped.
const textWidth = 80

// line writes one line of output, sanitized for the terminal and wrapped
// at textWidth columns (see wrap).
func (t *textWriter) line(format string, a ...any) {
	t.w.WriteString(wrap(sanitize(fmt.Sprintf(format, a...), t.color), textWidth))
	t.w.WriteByte('\n')
}

// paint wraps s in an SGR sequence when colour is on.
func (t *textWriter) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) status(s delivery.Status) string {
	code := ansiMagenta
	switch s {
	case delivery.StatusOK:
		code = ansiGreen
	case delivery.StatusWarning:
		code = ansiYellow
	case delivery.StatusCritical:
		code = ansiRed
	}
	return t.paint(ansiBold+code, s.Label())
}

// verdict colours a verdict word: green for good, red for bad, yellow
// for in between, plain for none.
func (t *textWriter) verdict(v string) string {
	switch v {
	case "verified", "pass", string(delivery.DeliverAuthenticated), "secure":
		return t.paint(ansiGreen, v)
	case "failed", "fail", string(delivery.Defer), string(delivery.Skip), "bogus", "indeterminate":
		return t.paint(ansiRed, v)
	case "partial", "unusable", "unusable-tlsa":
		return t.paint(ansiYellow, v)
	}
	return v
}

// verdictLine writes the domain's verdict line. It stays whole however
// long it is: it is what grep, head -1 and a cron mail's reader look at.
// Every other line wraps.
func (t *textWriter) verdictLine(r *delivery.DomainReport) {
	t.w.WriteString(sanitize(fmt.Sprintf("%s: %s - %s", t.paint(ansiBold, r.Domain), t.status(r.Status), r.Summary), t.color))
	t.w.WriteByte('\n')
}

func (t *textWriter) domain(r *delivery.DomainReport) {
	t.chains = map[string]string{}
	t.verdictLine(r)
	t.outcome("DANE sender", r.Outcome.DANE)
	t.outcome("MTA-STS sender", r.Outcome.MTASTS)
	t.outcome("DANE+MTA-STS sender", r.Outcome.Both)

	mx := "MX lookup: " + t.verdict(r.MXLookup.DNSSEC.String()) + lookupDetail(r.MXLookup)
	switch {
	case r.NullMX:
		mx += ", null MX (RFC 7505): accepts no mail"
	case r.ImplicitMX:
		mx += ", no MX records: mail goes to the domain's own addresses"
	}
	t.line("  %s", mx)
	t.mtasts(r)
	for i := range r.MX {
		t.mx(&r.MX[i])
	}
	t.horizons(r)
	if len(r.Failures) > 0 {
		t.line("  %s", t.paint(ansiRed, "failures:"))
		for _, f := range r.Failures {
			t.line("    %s [%s]%s: %s", f.ResultType, f.Policy, where(f.MX, f.IP), f.Detail)
		}
	}
	t.findings("warnings:", ansiYellow, r.Warnings)
	t.findings("notes:", ansiDim, r.Notes)
	t.posture("TLS-RPT", r.TLSRPT)
	t.spf(r.SPF, false)
	t.dmarc(r.DMARC, r.Domain)
	t.dkim(r.DKIM)
	t.microsoft365(r.Microsoft365)
	if r.Error != "" && !saidIncomplete(r) {
		t.line("  %s %s", t.paint(ansiMagenta, "check incomplete:"), r.Error)
	}
	tm := r.Timings
	t.line("  %s", t.paint(ansiDim, fmt.Sprintf("time %s (dns %s, smtp %s, mta-sts %s), %d DNS queries",
		tm.Total, tm.DNS, tm.SMTP, tm.MTASTS, tm.Queries)))
}

func (t *textWriter) outcome(who string, o delivery.SenderOutcome) {
	action := string(o.Action)
	if action == "" {
		action = "unknown (not checked)"
	}
	s := fmt.Sprintf("  %-20s %s", who+":", t.verdict(action))
	if o.Via != "" {
		s += " via " + o.Via
	}
	if o.Reason != "" {
		s += " (" + o.Reason + ")"
	}
	t.line("%s", s)
}

func (t *textWriter) mtasts(r *delivery.DomainReport) {
	s := &r.MTASTS
	switch {
	case (r.Outcome.MTASTS.Action == "" || r.Outcome.MTASTS.Action == delivery.Unknown) && s.Record == "" && s.Mode == "":
		// The check stopped before anything was decided (bad name, no
		// resolver): "no policy" would be a claim about the domain.
		t.line("  MTA-STS: not checked")
		return
	case s.Record == "" && s.Mode == "" && s.FetchError == "" && s.PolicyError == "":
		t.line("  MTA-STS: no policy")
		return
	case s.FetchError != "":
		t.line("  MTA-STS: record %q, policy fetch failed: %s", s.Record, s.FetchError)
		return
	case s.PolicyError != "":
		t.line("  MTA-STS: record %q, policy invalid: %s", s.Record, s.PolicyError)
		return
	}
	line := fmt.Sprintf("  MTA-STS: mode %s, id %s, max_age %d", s.Mode, s.ID, s.MaxAge)
	if len(s.Patterns) > 0 {
		line += ", mx " + strings.Join(s.Patterns, " ")
	}
	if s.Result != "" && s.Result != delivery.MTASTSNone {
		line += ": " + t.verdict(string(s.Result))
	}
	t.line("%s", line)
}

func (t *textWriter) mx(m *delivery.MXReport) {
	t.line("")
	head := fmt.Sprintf("  MX %d %s: dane %s", m.Preference, t.paint(ansiBold, m.Host), t.verdict(string(m.DANE)))
	if m.DANEReason != "" {
		head += " (" + string(m.DANEReason) + ")"
	}
	head += ", mta-sts " + t.verdict(string(m.MTASTS))
	t.line("%s", head)
	addr := "    addresses: " + t.verdict(m.DNSSEC.String())
	switch {
	case m.A != nil && m.AAAA != nil && m.A.DNSSEC == m.AAAA.DNSSEC && lookupDetail(*m.A) == lookupDetail(*m.AAAA):
		// The same answer twice (typically an unsigned zone): say it once.
		addr += ", A and AAAA " + m.A.DNSSEC.String() + lookupDetail(*m.A)
	default:
		if m.A != nil {
			addr += ", A " + m.A.DNSSEC.String() + lookupDetail(*m.A)
		}
		if m.AAAA != nil {
			addr += ", AAAA " + m.AAAA.DNSSEC.String() + lookupDetail(*m.AAAA)
		}
	}
	if m.Canonical != "" && m.Canonical != m.Host {
		addr += ", CNAME to " + m.Canonical
	}
	t.line("%s", addr)
	switch {
	case m.TLSA == nil && m.DNSSEC != dnssec.Secure:
		t.line("    TLSA: not looked up (insecure address records, RFC 7672 §2.2.2)")
	case m.TLSA == nil:
		t.line("    TLSA: not looked up")
	default:
		tl := m.TLSA
		line := fmt.Sprintf("    TLSA %s: %s%s", tl.Name, t.verdict(tl.DNSSEC.String()), lookupDetail(tl.Lookup))
		switch {
		case tl.Error != "" || tl.DNSSEC == dnssec.Bogus:
		case len(tl.Records) == 0 && tl.NXDomain:
			line += ", no records (NXDOMAIN)"
		case len(tl.Records) == 0:
			line += ", no records"
		default:
			usable := 0
			for _, rec := range tl.Records {
				if rec.Usable {
					usable++
				}
			}
			line += fmt.Sprintf(", %d record%s, %d usable", len(tl.Records), pluralS(len(tl.Records)), usable)
		}
		if tl.BaseDomain != "" && tl.BaseDomain != m.Host {
			line += ", base domain " + tl.BaseDomain
		}
		t.line("%s", line)
		// One record per line as it appears in the zone, so that a
		// SHA-256 record fits in 80 columns; only unusable ones are marked.
		for _, rec := range tl.Records {
			if rec.Usable {
				t.line("      %s", rec)
				continue
			}
			t.line("      %s  %s", rec, t.paint(ansiYellow, "unusable"))
		}
	}
	if len(m.ReferenceIDs) > 0 {
		t.line("    reference names: %s", strings.Join(m.ReferenceIDs, " "))
	}
	if len(m.Addresses) == 0 {
		t.line("    no addresses")
	}
	for i := range m.Addresses {
		t.address(m, &m.Addresses[i])
	}
}

func (t *textWriter) address(m *delivery.MXReport, a *delivery.AddressReport) {
	var probe string
	switch {
	case !a.Connected:
		probe = t.paint(ansiRed, "no connection")
	case !a.STARTTLS:
		probe = "no STARTTLS"
	case a.TLSVersion == "":
		probe = "STARTTLS, " + t.paint(ansiRed, "handshake failed")
	default:
		probe = "STARTTLS " + a.TLSVersion
	}
	dane := "dane " + t.verdict(string(a.DANE))
	if a.DANEReason != "" {
		dane += " (" + string(a.DANEReason) + ")"
	}
	if a.Match != nil && a.Match.Matched && a.Match.Record != nil {
		dane += fmt.Sprintf(" by %d %d %d at depth %d", a.Match.Record.Usage, a.Match.Record.Selector, a.Match.Record.MatchingType, a.Match.Depth)
	}
	sts := "mta-sts " + t.verdict(string(a.MTASTS))
	if a.MTASTSReason != "" {
		sts += " (" + string(a.MTASTSReason) + ")"
	}
	// Two lines, so that each fits in 80 columns: what the server did,
	// then what the two policies make of it.
	t.line("    %s: %s, %s", a.IP, probe, a.Time)
	t.line("      %s, %s", dane, sts)
	if a.Error != "" {
		stage := a.ErrorStage
		if stage == "" {
			stage = "probe"
		}
		t.line("      %s error: %s", stage, a.Error)
	}
	if rec := matchingRecord(m, a); rec != "" {
		// The whole record, ready to paste into the zone (the failure
		// line shows only the start of the digest): on a line of its
		// own, never wrapped.
		t.line("      the record that would match (publish it, or restore the key it names):")
		t.w.WriteString(sanitize("        "+rec, t.color))
		t.w.WriteByte('\n')
	}
	if len(a.Chain) == 0 {
		return
	}
	key := chainKey(a.Chain)
	if at, seen := t.chains[key]; seen {
		t.line("      chain: the same as %s", at)
		return
	}
	t.chains[key] = fmt.Sprintf("%s [%s]", m.Host, a.IP)
	for i, c := range a.Chain {
		role := "leaf"
		if i > 0 {
			role = fmt.Sprintf("ca %d", i)
		}
		// One fact per line, so that subjects and the 64-digit SPKI
		// SHA-256 digest fit in 80 columns.
		t.line("      %s %s", role, c.Subject)
		t.line("        issuer %s", c.Issuer)
		t.line("        valid %s to %s", c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"))
		if len(c.DNSNames) > 0 {
			t.line("        names %s", strings.Join(c.DNSNames, " "))
		}
		t.line("        spki %s", c.SPKISHA256)
	}
}

// chainKey identifies a presented chain by its certificates' digests.
func chainKey(chain []delivery.Certificate) string {
	var b strings.Builder
	for _, c := range chain {
		b.WriteString(c.CertSHA256)
		b.WriteString(c.SPKISHA256)
		b.WriteByte('/')
	}
	return b.String()
}

// matchingRecord is the TLSA record, in zone-file form, that would match
// the chain a presented where no usable record did: "3 1 1" of the leaf's
// key (RFC 7671 §5.1), at the host's TLSA owner name. Empty when nothing
// failed to match or the chain is unknown.
func matchingRecord(m *delivery.MXReport, a *delivery.AddressReport) string {
	if a.Match == nil || a.Match.Matched || len(a.Chain) == 0 || a.Chain[0].SPKISHA256 == "" || m.TLSA == nil || m.TLSA.Name == "" {
		return ""
	}
	return fmt.Sprintf("%s. IN TLSA 3 1 1 %s", strings.TrimSuffix(m.TLSA.Name, "."), a.Chain[0].SPKISHA256)
}

func (t *textWriter) findings(title, code string, fs []delivery.Finding) {
	if len(fs) == 0 {
		return
	}
	t.line("  %s", t.paint(code, title))
	for _, f := range fs {
		t.line("    %s%s: %s", f.Code, where(f.MX, f.IP), f.Detail)
	}
}

func (t *textWriter) posture(name string, p *delivery.Posture) {
	if p == nil {
		return
	}
	switch {
	case p.Error != "":
		t.line("  %s: error: %s", name, p.Error)
	case !p.Found:
		t.line("  %s: none", name)
	default:
		t.line("  %s: %s (%s)", name, p.Record, p.DNSSEC)
	}
}

// lookupDetail explains a lookup that is not plainly secure.
func lookupDetail(l delivery.Lookup) string {
	switch {
	case l.Error != "":
		return " (" + l.Error + ")"
	case l.Detail != "":
		return " (" + l.Detail + ")"
	case l.Reason != "":
		return " (" + string(l.Reason) + ")"
	}
	return ""
}

// where formats the location of a failure or finding.
func where(mx, ip string) string {
	switch {
	case mx != "" && ip != "":
		return " " + mx + " " + ip
	case mx != "":
		return " " + mx
	case ip != "":
		return " " + ip
	}
	return ""
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// saidIncomplete reports whether the warnings already carry the check's
// error (the "incomplete" warning quotes it), so the text says it once.
func saidIncomplete(r *delivery.DomainReport) bool {
	for _, w := range r.Warnings {
		if w.Code == delivery.WarnIncomplete && strings.Contains(w.Detail, r.Error) {
			return true
		}
	}
	return false
}

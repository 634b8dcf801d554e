package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/tlsrpt"
)

// WriteTLSRPTText writes a summary of TLS reports (RFC 8460) for people.
// The first lines are verdicts, one per policy domain and type, the
// domains with the most failed sessions first:
//
//	mail.example: 99.2 % of 12,431 sessions succeeded; 97 failed with certificate-host-mismatch at mx2.mail.example (Google Inc., Microsoft Corporation)
//
// then one line on what was read, then per domain the dates, the
// reporting organisations, the receiving MX hosts and the failure groups
// with their sending MTAs and, after --recheck, whether each failure
// reproduces now; then the inputs that could not be read and the reports
// that departed from RFC 8460. Everything a report says is sanitized for
// the terminal. color turns on ANSI colours.
func WriteTLSRPTText(w io.Writer, s *tlsrpt.Summary, color bool) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, color: color}
	types := map[string]int{}
	for _, d := range s.Domains {
		types[d.Domain]++
	}
	// Verdict lines stay whole, as in WriteText: grep and head -1 read them.
	for i := range s.Domains {
		t.w.WriteString(sanitize(t.tlsrptVerdict(&s.Domains[i], types[s.Domains[i].Domain] > 1), t.color))
		t.w.WriteByte('\n')
	}
	t.line("%s", readLine(s))
	for i := range s.Domains {
		t.line("")
		t.tlsrptDomain(&s.Domains[i])
	}
	if len(s.Problems) > 0 {
		t.line("")
		t.line("Inputs not read (%d):", s.Skipped)
		for _, p := range s.Problems {
			t.line("  %s: %s", p.Source, p.Error)
		}
	}
	if len(s.Unusual) > 0 {
		t.line("")
		t.line("Reports that depart from RFC 8460 (read anyway):")
		for _, u := range s.Unusual {
			t.line("  %s (%s, %s):", u.Source, orUnnamed(u.Organization), orUnnamed(u.ReportID))
			for _, n := range u.Notes {
				t.line("    - %s", n)
			}
		}
	}
	if s.Truncated {
		t.line("")
		t.line("Some lists were cut at their bounds; the counts include everything read.")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write TLS report summary: %w", err)
	}
	return nil
}

// WriteTLSRPTJSON writes the summary as one indented JSON object; its
// fields are documented in report/SCHEMA.md.
func WriteTLSRPTJSON(w io.Writer, s *tlsrpt.Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("write TLS report summary: %w", err)
	}
	return nil
}

// tlsrptVerdict is the verdict line of one policy domain and type.
func (t *textWriter) tlsrptVerdict(d *tlsrpt.DomainSummary, withType bool) string {
	name := d.Domain
	if withType {
		name += " (" + string(d.PolicyType) + ")"
	}
	total := d.Successful + d.Failed
	if total == 0 {
		return fmt.Sprintf("%s: no sessions reported", name)
	}
	line := fmt.Sprintf("%s: %s %% of %s sessions succeeded", name, tlsrpt.Percent(d.SuccessRate), thousands(total))
	if d.PolicyType == tlsrpt.PolicyNoPolicyFound {
		line += " (senders found no policy: TLS was not required)"
	}
	if d.Failed == 0 {
		return t.paint(ansiGreen, line)
	}
	if len(d.Failures) == 0 {
		return t.paint(ansiYellow, line+fmt.Sprintf("; %s failed (no failure details)", thousands(d.Failed)))
	}
	f := d.Failures[0]
	line += fmt.Sprintf("; %s failed with %s", thousands(f.Sessions), f.Result)
	if f.MX != "" {
		line += " at " + f.MX
	}
	line += " (" + strings.Join(f.Organizations, ", ") + ")"
	if rest := d.Failed - f.Sessions; rest > 0 {
		line += fmt.Sprintf(", %s otherwise", thousands(rest))
	}
	if f.Recheck != nil {
		line += ": " + string(f.Recheck.Verdict)
	}
	code := ansiYellow
	for _, g := range d.Failures {
		if g.Recheck != nil && g.Recheck.Verdict == tlsrpt.Reproduces {
			code = ansiRed
		}
	}
	return t.paint(code, line)
}

// readLine says what was read.
func readLine(s *tlsrpt.Summary) string {
	if s.Reports == 0 {
		return fmt.Sprintf("No TLS report could be read (%s not read).", plural(s.Skipped, "input"))
	}
	orgs := map[string]bool{}
	var start, end time.Time
	for _, d := range s.Domains {
		for _, o := range d.Organizations {
			orgs[o] = true
		}
		if !d.Start.IsZero() && (start.IsZero() || d.Start.Before(start)) {
			start = d.Start
		}
		if d.End.After(end) {
			end = d.End
		}
	}
	line := fmt.Sprintf("Read %s from %s", plural(s.Reports, "report"), plural(len(orgs), "organisation"))
	if !start.IsZero() {
		line += ", " + dateRange(start, end)
	}
	var extra []string
	if s.Duplicates > 0 {
		extra = append(extra, plural(s.Duplicates, "duplicate")+" skipped")
	}
	if s.Skipped > 0 {
		extra = append(extra, plural(s.Skipped, "input")+" not read")
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line + "."
}

// tlsrptDomain writes the details of one policy domain and type.
func (t *textWriter) tlsrptDomain(d *tlsrpt.DomainSummary) {
	t.line("%s, policy %s: %s sessions, %s succeeded (%s %%), %s failed", t.paint(ansiBold, d.Domain), d.PolicyType,
		thousands(d.Successful+d.Failed), thousands(d.Successful), tlsrpt.Percent(d.SuccessRate), thousands(d.Failed))
	dates := ""
	if !d.Start.IsZero() {
		dates = dateRange(d.Start, d.End) + "; "
	}
	t.line("  %s%s from %s", dates, plural(d.Reports, "report"), strings.Join(d.Organizations, ", "))
	if len(d.MX) > 0 {
		t.line("  Receiving MX (failed sessions):")
		for _, m := range d.MX {
			host := m.Host
			if host == "" {
				host = "(not named)"
			}
			if m.IP != "" {
				host += " " + m.IP
			}
			t.line("    %s: %s", host, thousands(m.Failed))
		}
	}
	if len(d.Failures) == 0 {
		return
	}
	t.line("  Failures:")
	for _, f := range d.Failures {
		where := ""
		if f.MX != "" {
			where = " at " + f.MX
		}
		if len(f.ReceivingIPs) > 0 {
			where += " (" + strings.Join(f.ReceivingIPs, ", ") + ")"
		}
		unknown := ""
		if !f.Known {
			unknown = " (not an RFC 8460 result type)"
		}
		t.line("    %s%s%s: %s, reported by %s", t.paint(ansiBold, string(f.Result)), unknown, where, plural64(f.Sessions, "session"), strings.Join(f.Organizations, ", "))
		var from []string
		for _, sc := range f.Senders {
			from = append(from, fmt.Sprintf("%s (%s)", sc.IP, thousands(sc.Sessions)))
		}
		if f.OtherSenders > 0 {
			from = append(from, fmt.Sprintf("others (%s)", thousands(f.OtherSenders)))
		}
		t.line("      from %s", strings.Join(from, ", "))
		if len(f.ReasonCodes) > 0 {
			t.line("      reason codes: %s", strings.Join(f.ReasonCodes, ", "))
		}
		if rc := f.Recheck; rc != nil {
			code := ansiYellow
			switch rc.Verdict {
			case tlsrpt.Reproduces:
				code = ansiRed
			case tlsrpt.NotReproduced:
				code = ansiGreen
			}
			t.line("      recheck: %s: %s", t.paint(code, string(rc.Verdict)), rc.Detail)
		}
	}
}

// dateRange formats the dates of a span, UTC.
func dateRange(start, end time.Time) string {
	a, b := start.UTC().Format("2006-01-02"), end.UTC().Format("2006-01-02")
	if end.IsZero() || a == b {
		return a
	}
	return a + " to " + b
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural says "1 report" or "3 reports".
func plural(n int, word string) string { return plural64(int64(n), word) }

func plural64(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

func orUnnamed(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

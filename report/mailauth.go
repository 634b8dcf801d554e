package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/daneprobe/daneprobe/mailauth"
)

// WriteAuthText writes the mail-authentication report of the auth
// command for people: a verdict line, then SPF (with the include tree
// and, when asked for, the check_host() result), DMARC, DKIM, Microsoft
// 365 readiness and the findings.
func WriteAuthText(w io.Writer, r *mailauth.Report, color bool) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, color: color}
	warn, note := 0, 0
	for _, f := range r.Findings() {
		if f.Warning {
			warn++
		} else {
			note++
		}
	}
	t.line("%s: mail authentication - %d warning%s, %d note%s", t.paint(ansiBold, r.Domain), warn, pluralS(warn), note, pluralS(note))
	t.spf(r.SPF, true)
	t.dmarc(r.DMARC, r.Domain)
	t.dkim(r.DKIM)
	t.microsoft365(r.Microsoft365)
	var ws, ns []mailauth.Finding
	for _, f := range r.Findings() {
		if f.Warning {
			ws = append(ws, f)
		} else {
			ns = append(ns, f)
		}
	}
	t.authFindings("warnings:", ansiYellow, ws)
	t.authFindings("notes:", ansiDim, ns)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

// WriteAuthJSON writes the report as one indented JSON object: the
// spf, dmarc, dkim and microsoft365 objects of check --json, with the
// findings split into warnings and notes.
func WriteAuthJSON(w io.Writer, r *mailauth.Report) error {
	out := struct {
		*mailauth.Report
		Warnings []mailauth.Finding `json:"warnings"`
		Notes    []mailauth.Finding `json:"notes"`
	}{Report: r, Warnings: []mailauth.Finding{}, Notes: []mailauth.Finding{}}
	for _, f := range r.Findings() {
		if f.Warning {
			out.Warnings = append(out.Warnings, f)
		} else {
			out.Notes = append(out.Notes, f)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

func (t *textWriter) authFindings(title, code string, fs []mailauth.Finding) {
	if len(fs) == 0 {
		return
	}
	t.line("  %s", t.paint(code, title))
	for _, f := range fs {
		t.line("    %s: %s", f.Code, f.Detail)
	}
}

// spf writes the SPF line; tree adds the include/redirect tree.
func (t *textWriter) spf(s *mailauth.SPF, tree bool) {
	if s == nil {
		return
	}
	switch {
	case s.Result == mailauth.SPFNone:
		t.line("  SPF: none (%s)", s.DNSSEC)
	case s.Record == "":
		t.line("  SPF: %s: %s", s.Result, s.Error)
	default:
		line := fmt.Sprintf("  SPF: %s (%s), %d of 10 DNS lookups", s.Record, t.verdict(s.DNSSEC.String()), s.Lookups)
		if s.VoidLookups > 0 {
			line += fmt.Sprintf(", %d void", s.VoidLookups)
		}
		if s.Result != "" {
			line += ", " + t.verdict("fail") + ": " + string(s.Result) + ": " + s.Error
		}
		t.line("%s", line)
	}
	if tree && s.Tree != nil {
		for _, c := range s.Tree.Children {
			t.spfNode(c, 2)
		}
	}
	if c := s.Check; c != nil {
		t.line("    check_host(%s, %s): %s", c.IP, c.Sender, t.verdict(string(c.Result)))
		if len(c.Path) > 0 {
			t.line("      via %s", strings.Join(c.Path, " > "))
		}
		if c.Reason != "" {
			t.line("      %s", c.Reason)
		}
	}
}

func (t *textWriter) spfNode(n *mailauth.SPFNode, depth int) {
	if depth > 12 {
		return
	}
	line := fmt.Sprintf("%s%s: %s (%s)", strings.Repeat("  ", depth), n.Via, n.Record, n.DNSSEC)
	if n.Record == "" {
		line = fmt.Sprintf("%s%s: no record", strings.Repeat("  ", depth), n.Via)
	}
	if n.Error != "" {
		line += " [" + n.Error + "]"
	}
	t.line("%s", line)
	for _, c := range n.Children {
		t.spfNode(c, depth+1)
	}
}

// dmarc writes the DMARC line; the policy's source is named when it is
// not the domain's own record.
func (t *textWriter) dmarc(d *mailauth.DMARC, domain string) {
	if d == nil {
		return
	}
	switch {
	case d.Found:
		line := fmt.Sprintf("  DMARC: %s (%s)", d.Record, t.verdict(d.DNSSEC.String()))
		if d.Source != "_dmarc."+domain {
			line += fmt.Sprintf(", policy %s from the organizational domain's %s", d.Policy, d.Source)
		}
		t.line("%s", line)
		for _, e := range d.External {
			state := t.verdict("pass") + " authorized"
			if !e.Authorized {
				state = t.verdict("fail") + " not authorized"
			}
			t.line("    report destination %s: %s (%s)", e.URI, state, e.Query)
		}
	case d.Error != "":
		t.line("  DMARC: error: %s", d.Error)
	default:
		t.line("  DMARC: none (%s)", d.DNSSEC)
	}
}

func (t *textWriter) dkim(d *mailauth.DKIM) {
	if d == nil {
		return
	}
	t.line("  DKIM: %d of %d probed selectors have a key", d.Found, len(d.Selectors))
	for _, s := range d.Selectors {
		if s.Status == "not-found" && len(s.CNAME) == 0 {
			continue
		}
		line := fmt.Sprintf("    %s: %s", s.Selector, s.Status)
		if s.Target != "" {
			line += " via CNAME " + s.Target
			if s.Dangling {
				line += " (target does not exist)"
			}
		}
		if s.Status == "found" {
			switch {
			case s.Revoked:
				line += ", revoked"
			case s.KeyType == "ed25519":
				line += ", ed25519"
			default:
				line += fmt.Sprintf(", %s %d bits", s.KeyType, s.Bits)
			}
			if s.Testing {
				line += ", testing"
			}
		}
		if s.Error != "" {
			line += ": " + s.Error
		}
		line += " (" + s.DNSSEC.String() + ")"
		t.line("%s", line)
	}
}

func (t *textWriter) microsoft365(m *mailauth.M365) {
	if m == nil {
		return
	}
	t.line("  Microsoft 365: detected by %s", strings.Join(m.Detected, ", "))
	for _, r := range m.Ready {
		t.line("    ok: %s", r)
	}
	for _, f := range m.Todo {
		t.line("    to do: %s", f.Detail)
	}
}

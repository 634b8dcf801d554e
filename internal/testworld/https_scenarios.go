package testworld

import (
	"fmt"
	"strings"
	"time"
)

// CertKind selects the certificate an MTA-STS policy host presents.
type CertKind int

// Certificate kinds.
const (
	// CertGood is valid for mta-sts.DOMAIN, issued by the world's CA.
	CertGood CertKind = iota
	// CertWrongName is valid, but for another name.
	CertWrongName
	// CertExpired is for the right name but expired a day ago.
	CertExpired
)

// MTASTSScenario is one MTA-STS test domain: what its DNS holds and what
// its policy host serves. The domain is Name + "." + the world's base.
type MTASTSScenario struct {
	// Name is the scenario's label, the left-most label of its domain.
	Name string
	// Description says what the scenario tests, in one line.
	Description string
	// TXT holds the _mta-sts TXT records, each as its character strings.
	TXT [][]string
	// TXTTarget, when set, makes _mta-sts.DOMAIN a CNAME to
	// _mta-sts.<TXTTarget>.<base> instead of holding TXT records.
	TXTTarget string
	// TLSRPT holds the _smtp._tls TXT records.
	TLSRPT [][]string
	// MX lists the MX host labels; each host is label.DOMAIN.
	MX []string
	// Policy is the body served at /.well-known/mta-sts.txt. Bodies that
	// name the scenario's own hosts are written "@std enforce", "@std
	// testing", "@crlf", "@miss" or "@wildcard" and built per domain.
	Policy string
	// BodySize, when non-zero, serves instead a valid policy padded with
	// extension lines to exactly this many bytes.
	BodySize int
	// Status is the HTTP status; 0 means 200.
	Status int
	// ContentType is the Content-Type header; "" means "text/plain".
	ContentType string
	// Location is the redirect target for 3xx statuses.
	Location string
	// Cert selects the policy host's certificate.
	Cert CertKind
	// Hang makes the server never answer (until the client gives up or
	// the world closes), to test the fetch timeout.
	Hang bool
	// NoPolicyHost leaves out the mta-sts A record.
	NoPolicyHost bool
	// Header holds extra response header fields (for example
	// Content-Encoding), set before the status is written.
	Header map[string]string
	// RawBody, when set, is served as the body instead of Policy.
	RawBody []byte
	// Trickle, when non-zero, writes the body one byte per Trickle
	// (flushed each time), a slowloris answer.
	Trickle time.Duration
	// HTTP10 answers with a hand-written HTTP/1.0 response (no
	// Content-Length, the body ends when the connection closes).
	HTTP10 bool
}

// Domain returns the scenario's domain under base, without trailing dot.
func (s MTASTSScenario) Domain(base string) string {
	return s.Name + "." + strings.TrimSuffix(base, ".")
}

// policy builds a policy body with the given line ending.
func policy(eol string, lines ...string) string {
	return strings.Join(lines, eol) + eol
}

// MTASTSScenarios returns the catalogue of MTA-STS scenarios. The MX
// hosts of every scenario are mx1.DOMAIN (and for some mx2.DOMAIN).
func MTASTSScenarios() []MTASTSScenario {
	txt := [][]string{{"v=STSv1; id=20240115T000000;"}}
	rpt := [][]string{{"v=TLSRPTv1; rua=mailto:tlsrpt@example.net"}}
	return []MTASTSScenario{
		{Name: "enforce", Description: "valid enforce policy (LF), both MX covered, TLS-RPT present",
			TXT: txt, TLSRPT: rpt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "testing", Description: "valid testing policy",
			TXT: txt, TLSRPT: rpt, MX: []string{"mx1", "mx2"}, Policy: "@std testing"},
		{Name: "none", Description: "policy in mode none, no mx lines",
			TXT: txt, MX: []string{"mx1"}, Policy: policy("\n", "version: STSv1", "mode: none", "max_age: 86400")},
		{Name: "crlf", Description: "valid enforce policy with CRLF line endings",
			TXT: txt, TLSRPT: rpt, MX: []string{"mx1"}, Policy: "@crlf"},
		{Name: "charset", Description: "text/plain with a charset parameter (valid)",
			TXT: txt, TLSRPT: rpt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce", ContentType: "text/plain; charset=utf-8"},
		{Name: "miss", Description: "patterns miss one MX and one pattern matches nothing",
			TXT: txt, TLSRPT: rpt, MX: []string{"mx1", "backup"}, Policy: "@miss"},
		{Name: "wildcard", Description: "wildcard pattern covers one label, not two",
			TXT: txt, TLSRPT: rpt, MX: []string{"a", "b.deep"}, Policy: "@wildcard"},
		{Name: "syntax", Description: "policy with syntax errors on several lines",
			TXT: txt, TLSRPT: [][]string{{"v=TLSRPTv1; rua=ftp://reports.example.net"}}, MX: []string{"mx1"},
			Policy: policy("\n", "version: STSv2", "mode: enforcing", "max_age: 99999999999", "mx mx1.example", "mx: *.*.example")},
		{Name: "redirect", Description: "the policy URL redirects",
			TXT: txt, MX: []string{"mx1"}, Status: 301, Location: "https://mta-sts.enforce.example/.well-known/mta-sts.txt"},
		{Name: "notfound", Description: "the policy URL answers 404",
			TXT: txt, MX: []string{"mx1"}, Status: 404, Policy: "not found\n"},
		{Name: "oversized", Description: "the policy body is larger than 64 KiB",
			TXT: txt, MX: []string{"mx1"}, BodySize: 70 << 10},
		{Name: "htmltype", Description: "the policy is served as text/html",
			TXT: txt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce", ContentType: "text/html; charset=utf-8"},
		{Name: "wrongname", Description: "the policy host's certificate is for another name",
			TXT: txt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce", Cert: CertWrongName},
		{Name: "expired", Description: "the policy host's certificate has expired",
			TXT: txt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce", Cert: CertExpired},
		{Name: "slow", Description: "the policy host never answers",
			TXT: txt, MX: []string{"mx1"}, Hang: true},
		{Name: "notxt", Description: "a policy is served but there is no _mta-sts record",
			MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "twotxt", Description: "two v=STSv1 records",
			TXT: [][]string{{"v=STSv1; id=1"}, {"v=STSv1; id=2"}}, MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "badtxt", Description: "malformed v=STSv1 record (id with a hyphen) next to an SPF record",
			TXT: [][]string{{"v=STSv1; id=2024-01-15"}, {"v=spf1 -all"}}, MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "cnametxt", Description: "_mta-sts is a CNAME to the enforce scenario's record",
			TXTTarget: "enforce", MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "multistring", Description: "the record is split over two strings",
			TXT: [][]string{{"v=STSv1; id=2024", "0115; ext=1"}}, TLSRPT: rpt, MX: []string{"mx1", "mx2"}, Policy: "@std enforce"},
		{Name: "nohost", Description: "record present but mta-sts.DOMAIN does not resolve",
			TXT: txt, MX: []string{"mx1"}, NoPolicyHost: true},
		{Name: "noname", Description: "no MTA-STS at all: no record, no policy host",
			MX: []string{"mx1"}, NoPolicyHost: true},
	}
}

// body returns the policy the scenario serves for its domain.
func (s MTASTSScenario) body(domain string) string {
	switch {
	case s.BodySize > 0:
		var b strings.Builder
		b.WriteString(policy("\n", "version: STSv1", "mode: enforce", "mx: mx1."+domain, "max_age: 604800"))
		for i := 0; b.Len() < s.BodySize; i++ {
			fmt.Fprintf(&b, "padding%d: %s\n", i, strings.Repeat("x", 60))
		}
		return b.String()[:s.BodySize]
	case strings.HasPrefix(s.Policy, "@std "):
		mode := strings.TrimPrefix(s.Policy, "@std ")
		return policy("\n", "version: STSv1", "mode: "+mode, "mx: mx1."+domain, "mx: mx2."+domain, "max_age: 604800")
	case s.Policy == "@crlf":
		return policy("\r\n", "version: STSv1", "mode: enforce", "mx: mx1."+domain, "max_age: 1209600")
	case s.Policy == "@miss":
		return policy("\n", "version: STSv1", "mode: enforce", "mx: mx1."+domain, "mx: mail.elsewhere.example", "max_age: 604800")
	case s.Policy == "@wildcard":
		return policy("\n", "version: STSv1", "mode: enforce", "mx: *."+domain, "max_age: 604800")
	}
	return s.Policy
}

// MTASTSRecords returns the DNS records the scenarios need under base
// (for example "sts.test."), as zone-file lines with fully qualified
// owners: the _mta-sts TXT (or CNAME), the _smtp._tls TXT, the MX set,
// and A records for the policy hosts and MX hosts pointing at 127.0.0.1.
// The DNS part of the world serves them in a zone with origin base.
func MTASTSRecords(base string, scenarios []MTASTSScenario) []string {
	base = strings.TrimSuffix(base, ".") + "."
	var out []string
	for _, s := range scenarios {
		d := s.Name + "." + base
		switch {
		case s.TXTTarget != "":
			out = append(out, fmt.Sprintf("_mta-sts.%s 300 IN CNAME _mta-sts.%s.%s", d, s.TXTTarget, base))
		default:
			for _, t := range s.TXT {
				out = append(out, fmt.Sprintf("_mta-sts.%s 300 IN TXT %s", d, quoteTXT(t)))
			}
		}
		for _, t := range s.TLSRPT {
			out = append(out, fmt.Sprintf("_smtp._tls.%s 300 IN TXT %s", d, quoteTXT(t)))
		}
		for i, mx := range s.MX {
			out = append(out, fmt.Sprintf("%s 300 IN MX %d %s.%s", d, 10*(i+1), mx, d))
			out = append(out, fmt.Sprintf("%s.%s 300 IN A 127.0.0.1", mx, d))
		}
		if !s.NoPolicyHost {
			out = append(out, fmt.Sprintf("mta-sts.%s 300 IN A 127.0.0.1", d))
		}
	}
	return out
}

func quoteTXT(strs []string) string {
	q := make([]string, len(strs))
	for i, s := range strs {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return strings.Join(q, " ")
}

package mtasts

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/names"
)

// TLSRPTRecord is a parsed _smtp._tls TXT record (RFC 8460 §3).
type TLSRPTRecord struct {
	// RUA lists the report destinations in record order.
	RUA []string `json:"rua"`
	// Extensions are fields other than v and rua; senders ignore them.
	Extensions []Field `json:"extensions,omitempty"`
}

// tlsrptVersion is the version tag RFC 8460 §3 defines.
const tlsrptVersion = "v=TLSRPTv1"

// ParseTLSRPT parses the text of one TLS-RPT record, its strings already
// concatenated. It returns an error wrapping ErrRecordSyntax that names
// the first problem: a wrong version, a missing rua, or a report URI
// that is neither a valid mailto: nor a valid https: URI.
func ParseTLSRPT(txt string) (*TLSRPTRecord, error) {
	fields, err := splitTXTFields(txt, tlsrptVersion, "rua")
	if err != nil {
		return nil, err
	}
	rec := &TLSRPTRecord{}
	seenRUA := false
	for _, f := range fields {
		if f.Key != "rua" {
			rec.Extensions = append(rec.Extensions, f)
			continue
		}
		if seenRUA {
			return nil, fmt.Errorf("%w: rua appears twice; list all URIs in one rua separated by commas", ErrRecordSyntax)
		}
		seenRUA = true
		// RFC 8460 §3: tlsrpt-rua = "rua=" uri *(*WSP "," *WSP uri).
		for _, u := range strings.Split(f.Value, ",") {
			u = strings.Trim(u, " \t")
			if msg := checkReportURI(u); msg != "" {
				return nil, fmt.Errorf("%w: rua URI %q: %s", ErrRecordSyntax, clip(u), msg)
			}
			rec.RUA = append(rec.RUA, u)
		}
	}
	if !seenRUA {
		return nil, fmt.Errorf("%w: the required rua field is missing", ErrRecordSyntax)
	}
	return rec, nil
}

// checkReportURI validates one rua destination (RFC 8460 §3): a mailto:
// URI with one address, or an https: URI with a host. It returns a
// message, or "" when valid.
func checkReportURI(u string) string {
	if u == "" {
		return "empty URI"
	}
	// RFC 8460 §3: "," and "!" inside a URI must be percent-encoded; a
	// "!" usually is a DMARC-style size limit, which TLS-RPT lacks.
	if strings.Contains(u, "!") {
		return "contains \"!\" (must be percent-encoded; TLS-RPT has no DMARC-style size suffix)"
	}
	p, err := url.Parse(u)
	if err != nil {
		return "not a URI: " + err.Error()
	}
	switch strings.ToLower(p.Scheme) {
	case "mailto":
		addr, err := url.PathUnescape(p.Opaque)
		if err != nil || addr == "" {
			return "mailto: without an address"
		}
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr || !strings.Contains(addr, "@") {
			return "mailto: address " + clip(addr) + " is not a valid mail address"
		}
		return ""
	case "https":
		if p.Host == "" || p.Hostname() == "" {
			return "https: URI without a host"
		}
		return ""
	case "":
		return "no scheme; use mailto: or https:"
	default:
		return "scheme " + p.Scheme + ": is not allowed; only mailto: and https:"
	}
}

// TLSRPTResult is what LookupTLSRPT found at _smtp._tls.DOMAIN.
type TLSRPTResult struct {
	Name      string          `json:"name"`
	Canonical string          `json:"canonical"`
	CNAMEs    []string        `json:"cnames,omitempty"`
	Security  dnssec.Security `json:"dnssec"`
	Status    RecordStatus    `json:"status"`
	Records   []string        `json:"records,omitempty"`
	Record    *TLSRPTRecord   `json:"record,omitempty"`
	Problem   string          `json:"problem,omitempty"`
}

// LookupTLSRPT looks up and parses the TLS-RPT record of domain (RFC 8460
// §3). It never returns nil; DNS failures are reported in the result.
func LookupTLSRPT(ctx context.Context, lk dnssec.Lookuper, domain string) *TLSRPTResult {
	name := "_smtp._tls." + dns.Fqdn(names.Fold(domain))
	a := lookupTXT(ctx, lk, name)
	r := &TLSRPTResult{Name: name, Canonical: a.Canonical, CNAMEs: a.CNAMEs, Security: a.Security}
	if a.Failed != "" {
		r.Status, r.Problem = StatusLookupFailed, a.Failed
		return r
	}
	for _, t := range a.Texts {
		// RFC 8460 §3: records not beginning with "v=TLSRPTv1;" are
		// discarded ("v=TLSRPTv10" is another version); exactly one must
		// remain.
		if hasVersionTag(t, tlsrptVersion) {
			r.Records = append(r.Records, t)
		}
	}
	switch len(r.Records) {
	case 0:
		r.Status = StatusNone
	case 1:
		rec, err := ParseTLSRPT(r.Records[0])
		if err != nil {
			r.Status, r.Problem = StatusMalformed, err.Error()
			return r
		}
		r.Status, r.Record = StatusValid, rec
	default:
		r.Status = StatusSeveral
		r.Problem = fmt.Sprintf("%d records start with %q; senders require exactly one and send no reports", len(r.Records), tlsrptVersion)
	}
	return r
}

package tlsrpt

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/txtrec"
	"github.com/daneprobe/daneprobe/names"
)

// Record is a parsed _smtp._tls TXT record (RFC 8460 §3): where senders
// send their TLS reports for the domain.
type Record struct {
	// RUA lists the report destinations in record order.
	RUA []string `json:"rua"`
	// Extensions are fields other than v and rua; senders ignore them.
	Extensions []txtrec.Field `json:"extensions,omitempty"`
}

// recordVersion is the version tag RFC 8460 §3 defines.
const recordVersion = "v=TLSRPTv1"

// ErrRecordSyntax is wrapped by the errors ParseRecord returns. It is
// the error of the MTA-STS record parser too (mtasts.ErrRecordSyntax):
// both records share one grammar.
var ErrRecordSyntax = txtrec.ErrSyntax

// ParseRecord parses the text of one TLS-RPT record, its strings already
// concatenated. It returns an error wrapping ErrRecordSyntax that names
// the first problem: a wrong version, a missing rua, or a report URI
// that is neither a valid mailto: nor a valid https: URI.
func ParseRecord(txt string) (*Record, error) {
	fields, err := txtrec.Split(txt, recordVersion, "rua")
	if err != nil {
		return nil, err
	}
	rec := &Record{}
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
				return nil, fmt.Errorf("%w: rua URI %q: %s", ErrRecordSyntax, txtrec.Clip(u), msg)
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
			return "mailto: address " + txtrec.Clip(addr) + " is not a valid mail address"
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

// RecordStatus says what the lookup found: "valid", "none", "several",
// "malformed" or "lookup-failed", the statuses of the MTA-STS record too
// (mtasts.RecordStatus).
type RecordStatus = txtrec.Status

// RecordResult is what LookupRecord found at _smtp._tls.DOMAIN.
type RecordResult struct {
	// Name is the queried name, _smtp._tls.DOMAIN. (fully qualified).
	Name string `json:"name"`
	// Canonical is the owner of the TXT records after CNAMEs.
	Canonical string `json:"canonical"`
	// CNAMEs lists the CNAME links followed ("owner -> target").
	CNAMEs []string `json:"cnames,omitempty"`
	// Security is the DNSSEC status of the answer, a fact: TLS-RPT does
	// not require DNSSEC.
	Security dnssec.Security `json:"dnssec"`
	Status   RecordStatus    `json:"status"`
	// Records holds every TLS-RPT record text found (those starting with
	// "v=TLSRPTv1").
	Records []string `json:"records,omitempty"`
	// Record is the parsed record when Status is "valid".
	Record *Record `json:"record,omitempty"`
	// Detail explains a status other than valid or none.
	Detail string `json:"problem,omitempty"`
}

// LookupRecord looks up and parses the TLS-RPT record of domain (RFC 8460
// §3). It never returns nil; DNS failures are reported in the result.
func LookupRecord(ctx context.Context, lk dnssec.Lookuper, domain string) *RecordResult {
	name := "_smtp._tls." + dns.Fqdn(names.Fold(domain))
	a := txtrec.Lookup(ctx, lk, name)
	r := &RecordResult{Name: name, Canonical: a.Canonical, CNAMEs: a.CNAMEs, Security: a.Security}
	if a.Failed != "" {
		r.Status, r.Detail = txtrec.StatusLookupFailed, a.Failed
		return r
	}
	for _, t := range a.Texts {
		// RFC 8460 §3: records not beginning with "v=TLSRPTv1;" are
		// discarded ("v=TLSRPTv10" is another version); exactly one must
		// remain.
		if txtrec.HasVersion(t, recordVersion) {
			r.Records = append(r.Records, t)
		}
	}
	switch len(r.Records) {
	case 0:
		r.Status = txtrec.StatusNone
	case 1:
		rec, err := ParseRecord(r.Records[0])
		if err != nil {
			r.Status, r.Detail = txtrec.StatusMalformed, err.Error()
			return r
		}
		r.Status, r.Record = txtrec.StatusValid, rec
	default:
		r.Status = txtrec.StatusSeveral
		r.Detail = fmt.Sprintf("%d records start with %q; senders require exactly one and send no reports", len(r.Records), recordVersion)
	}
	return r
}

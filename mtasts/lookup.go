package mtasts

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/txtrec"
	"github.com/daneprobe/daneprobe/names"
)

// RecordStatus says what a TXT lookup found, after discarding the records
// of other protocols. TLS-RPT records (package tlsrpt) share it.
type RecordStatus = txtrec.Status

// Record statuses. They appear in JSON output and stay stable.
const (
	// StatusValid: exactly one record of the protocol, and it parses.
	StatusValid = txtrec.StatusValid
	// StatusNone: no record of the protocol (NXDOMAIN, NODATA, or only
	// TXT records of other kinds).
	StatusNone = txtrec.StatusNone
	// StatusSeveral: more than one record of the protocol; senders treat
	// the domain as having none (RFC 8461 §3.1).
	StatusSeveral = txtrec.StatusSeveral
	// StatusMalformed: exactly one record, but it violates the grammar;
	// senders treat the domain as having none.
	StatusMalformed = txtrec.StatusMalformed
	// StatusLookupFailed: the DNS lookup failed (timeout, SERVFAIL, bogus
	// DNSSEC), so the answer is unknown.
	StatusLookupFailed = txtrec.StatusLookupFailed
)

// RecordResult is what LookupRecord found at _mta-sts.DOMAIN.
type RecordResult struct {
	// Name is the queried name, _mta-sts.DOMAIN. (fully qualified).
	Name string `json:"name"`
	// Canonical is the owner of the TXT records after CNAMEs.
	Canonical string `json:"canonical"`
	// CNAMEs lists the CNAME links followed ("owner -> target").
	CNAMEs []string `json:"cnames,omitempty"`
	// Security is the DNSSEC status of the answer. MTA-STS does not
	// require DNSSEC; it is reported as a fact.
	Security dnssec.Security `json:"dnssec"`
	// Status summarises the outcome.
	Status RecordStatus `json:"status"`
	// Records holds every MTA-STS record text found (those starting with
	// "v=STSv1"); TXT records of other kinds are in Others.
	Records []string `json:"records,omitempty"`
	Others  []string `json:"others,omitempty"`
	// Record is the parsed record when Status is StatusValid.
	Record *Record `json:"record,omitempty"`
	// Detail explains a status other than valid or none.
	Detail string `json:"problem,omitempty"`
}

// LookupRecord looks up and parses the MTA-STS TXT record of domain
// (RFC 8461 §3.1). It never returns nil; the outcome, including DNS
// failures, is in the result's Status and Detail.
func LookupRecord(ctx context.Context, lk dnssec.Lookuper, domain string) *RecordResult {
	name := "_mta-sts." + dns.Fqdn(names.Fold(domain))
	a := txtrec.Lookup(ctx, lk, name)
	r := &RecordResult{Name: name, Canonical: a.Canonical, CNAMEs: a.CNAMEs, Security: a.Security}
	if a.Failed != "" {
		r.Status, r.Detail = StatusLookupFailed, a.Failed
		return r
	}
	for _, t := range a.Texts {
		// RFC 8461 §3.1: records that do not begin with "v=STSv1;" are
		// discarded.
		if isSTSRecord(t) {
			r.Records = append(r.Records, t)
		} else {
			r.Others = append(r.Others, t)
		}
	}
	// RFC 8461 §3.1: if the number of remaining records is not one, or the
	// record is invalid, the domain has no available MTA-STS policy.
	switch len(r.Records) {
	case 0:
		r.Status = StatusNone
	case 1:
		rec, err := ParseRecord(r.Records[0])
		if err != nil {
			r.Status, r.Detail = StatusMalformed, err.Error()
			return r
		}
		r.Status, r.Record = StatusValid, rec
	default:
		r.Status = StatusSeveral
		r.Detail = fmt.Sprintf("%d records start with %q; senders require exactly one and treat the domain as having no MTA-STS", len(r.Records), stsVersion)
	}
	return r
}

// isSTSRecord reports whether a TXT record is an MTA-STS version 1
// record. RFC 8461 §3.1 keeps the records that begin with "v=STSv1;";
// its grammar (sts-field-delim = *WSP ";" *WSP, see erratum 6285) also
// allows white space before the ";", and a bare "v=STSv1" is a version 1
// record without fields (malformed). A longer token such as "v=STSv10"
// is another version and is discarded like any other TXT record.
func isSTSRecord(t string) bool { return txtrec.HasVersion(t, stsVersion) }

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rc)
}

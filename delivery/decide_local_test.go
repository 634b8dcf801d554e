package delivery

import (
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/dnssec"
)

// TestLocalFaultUnknown: an Indeterminate lookup is a local fault (issue
// 11 §1): the status is unknown with the reason code, nothing is claimed
// about the domain, and a plain failure keeps RFC 7672 §2.1.1's defer.
func TestLocalFaultUnknown(t *testing.T) {
	strips := Lookup{DNSSEC: dnssec.Indeterminate, Reason: dnssec.ReasonUpstreamStripsDNSSEC, Detail: "it strips RRSIG records"}
	anchor := Lookup{DNSSEC: dnssec.Indeterminate, Reason: dnssec.ReasonTrustAnchorMismatch, Detail: "expects key tags 1"}
	host := func(tlsa Lookup) DomainReport {
		return DomainReport{Domain: "example.org", MXLookup: *secure(), MX: []MXReport{{
			Host: "mx.example.org", Preference: 10, A: secure(),
			TLSA: &TLSAReport{Name: "_25._tcp.mx.example.org", BaseDomain: "mx.example.org", Lookup: tlsa},
		}}}
	}
	for _, tc := range []struct {
		name  string
		r     DomainReport
		fault string
	}{
		{"MX lookup stripped", DomainReport{Domain: "example.org", MXLookup: strips}, "upstream-strips-dnssec"},
		{"MX lookup under a foreign anchor", DomainReport{Domain: "example.org", MXLookup: anchor}, "trust-anchor-mismatch"},
		{"MX lookup indeterminate", DomainReport{Domain: "example.org", MXLookup: Lookup{DNSSEC: dnssec.Indeterminate}}, "indeterminate"},
		{"NXDOMAIN of an indeterminate answer", DomainReport{Domain: "example.org", MXLookup: Lookup{DNSSEC: dnssec.Indeterminate, NXDomain: true, Reason: dnssec.ReasonUpstreamStripsDNSSEC}}, "upstream-strips-dnssec"},
		{"TLSA lookup stripped", host(strips), "upstream-strips-dnssec"},
		{"MX SERVFAIL", DomainReport{Domain: "example.org", MXLookup: Lookup{Error: "SERVFAIL"}}, ""},
		{"TLSA secure", host(*secure()), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			Decide(&r)
			if r.LocalFault != tc.fault {
				t.Fatalf("local fault %q, want %q (status %s: %s)", r.LocalFault, tc.fault, r.Status, r.Summary)
			}
			if tc.fault == "" {
				if r.Status == StatusUnknown {
					t.Errorf("status unknown without a local fault: %s", r.Summary)
				}
				return
			}
			if r.Status != StatusUnknown || !strings.Contains(r.Summary, tc.fault) {
				t.Errorf("status %s, summary %q: want unknown naming %s", r.Status, r.Summary, tc.fault)
			}
			for _, bad := range []string{"does not exist", "every sender defers", "no protection"} {
				if strings.Contains(r.Summary, bad) {
					t.Errorf("summary claims %q: %s", bad, r.Summary)
				}
			}
			if o := r.Outcome.DANE.Action; o == NoMail || (o == Defer && r.MX == nil) {
				t.Errorf("DANE outcome %s is a verdict about the domain", o)
			}
		})
	}
}

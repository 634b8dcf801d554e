package delivery_test

import (
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// A domain whose only MX host has a secure "3 1 1" TLSA record that the
// server's key no longer matches: a DANE-enforcing sender defers
// (RFC 7672 §3.2), a plain sender delivers.
func ExampleDecide() {
	secure := &delivery.Lookup{DNSSEC: dnssec.Secure}
	r := delivery.DomainReport{
		Domain:   "example.org",
		MXLookup: *secure,
		MX: []delivery.MXReport{{
			Host: "mx.example.org", Preference: 10, A: secure, AAAA: secure,
			TLSA: &delivery.TLSAReport{
				Name: "_25._tcp.mx.example.org", BaseDomain: "mx.example.org",
				Lookup:  *secure,
				Records: []delivery.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: strings.Repeat("ab", 32)}},
			},
			Addresses: []delivery.AddressReport{{
				IP: "192.0.2.1", Connected: true, STARTTLS: true, TLSVersion: "TLSv1.3",
				Match: &delivery.Match{Failure: "leaf-mismatch"},
			}},
		}},
	}
	delivery.Decide(&r)
	fmt.Println(r.Status.Label(), r.Status.ExitCode())
	fmt.Println(r.Summary)
	fmt.Println("DANE sender:", r.Outcome.DANE.Action)
	for _, f := range r.Failures {
		fmt.Println(f.ResultType, f.MX, f.IP)
	}
	// Output:
	// CRITICAL 2
	// DANE failed: a DANE sender defers (leaf-mismatch); no MTA-STS
	// DANE sender: defer
	// tlsa-invalid mx.example.org 192.0.2.1
}

// ReferenceIDs tells the gatherer which names a DANE-TA certificate
// must carry; with an insecure MX RRset the recipient domain is not one.
func ExampleReferenceIDs() {
	fmt.Println(delivery.ReferenceIDs("example.org", "mx.example.org", "mx.example.org", true, false))
	fmt.Println(delivery.ReferenceIDs("example.org", "mx.example.org", "mx.example.org", false, false))
	// Output:
	// [mx.example.org example.org]
	// [mx.example.org]
}

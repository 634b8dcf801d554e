package dnssec

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzNames feeds arbitrary presentation-format names (as miekg/dns
// renders wire names, escapes included) to the name helpers the proofs
// rest on: canonical ordering must be antisymmetric and case-blind, a
// name is its own subdomain, and the wildcard and next-closer helpers
// must not panic on any label count.
func FuzzNames(f *testing.F) {
	for _, s := range [][2]string{
		{"a.example.", "example."}, {`\000.example.`, "example."}, {`a\.b.example.`, "b.example."},
		{"*.example.", "z.example."}, {".", "a."}, {`\255\.\\.x.`, "X."},
	} {
		f.Add(s[0], s[1], uint8(1))
	}
	f.Fuzz(func(t *testing.T, a, b string, n uint8) {
		if _, ok := dns.IsDomainName(a); !ok {
			return
		}
		if _, ok := dns.IsDomainName(b); !ok {
			return
		}
		a, b = dns.Fqdn(a), dns.Fqdn(b)
		if !dns.IsFqdn(a) || !dns.IsFqdn(b) {
			return // a trailing backslash escapes the dot Fqdn adds
		}
		if canonicalCompare(a, b) != -canonicalCompare(b, a) {
			t.Fatalf("compare(%q, %q) not antisymmetric", a, b)
		}
		if !equalNames(a, upperASCII(a)) || !isSubdomain(a, a) {
			t.Fatalf("%q: case or self-subdomain broken", a)
		}
		// Only ASCII letters fold (RFC 4343 §3): canonicalName must not
		// turn a name into another one.
		if !equalNames(a, canonicalName(a)) || len(canonicalName(a)) != len(a) {
			t.Fatalf("%q: case or self-subdomain broken", a)
		}
		if isSubdomain(a, b) && isSubdomain(b, a) && !equalNames(a, b) {
			t.Fatalf("%q and %q are each other's subdomain", a, b)
		}
		wildcardSource(a, int(n))
		nextCloser(a, b)
		commonAncestor(a, b)
		ancestorsBelow(a, ".")
		_ = rrsigLabels(a)
		findDNAME([]*rrset{{name: canonicalName(b), rrtype: dns.TypeDNAME, rrs: []dns.RR{&dns.DNAME{Hdr: dns.RR_Header{Name: b, Rrtype: dns.TypeDNAME, Class: dns.ClassINET}, Target: a}}}}, canonicalName(a))
	})
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

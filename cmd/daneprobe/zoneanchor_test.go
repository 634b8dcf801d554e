package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestZoneTrustAnchor runs the built binary with a trust anchor for one
// zone, not the root (issue 11 §2, the README recipe "--trust-anchor
// my-zone.dnskey"): names in the zone validate, names outside every
// anchor are insecure with the reason no-trust-anchor, never bogus and
// never a local fault.
func TestZoneTrustAnchor(t *testing.T) {
	w, err := testworld.StartDNS(testworld.DNSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	file := writeZoneAnchor(t, w.Addr(), "alg13.test.")
	for _, tc := range []struct{ name, want string }{
		{"www.alg13.test", `"security": "secure"`},
		{"www.alg8.test", `"reason": "no-trust-anchor"`},
	} {
		r := runBinary(t, nil, "", "lookup", "--resolver", w.Addr(), "--trust-anchor", file, "--json", tc.name, "A")
		if r.code != exitOK || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%s: exit %d, want 0 and %s:\n%s%s", tc.name, r.code, tc.want, r.stdout, r.stderr)
		}
	}
}

// TestCheckZoneTrustAnchor: check with the KSK of the domain's own zone as
// the only trust anchor verifies DANE as with the root's (the README
// recipe "daneprobe check --trust-anchor my-zone.dnskey my-zone.example").
func TestCheckZoneTrustAnchor(t *testing.T) {
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	file := writeZoneAnchor(t, w.Resolver(), "dane-ee."+testworld.MailBase+".")
	if flags[2] != "--trust-anchor" {
		t.Fatalf("flags changed shape: %v", flags)
	}
	flags[3] = file
	r := runBinary(t, nil, "", append(append([]string{"check"}, flags...), "--timeout", "5s", "dane-ee."+testworld.MailBase)...)
	if first, _, _ := strings.Cut(r.stdout, "\n"); r.code != exitOK || !strings.Contains(first, "OK - DANE verified") {
		t.Errorf("exit %d, verdict %q: want OK, DANE verified\n%s", r.code, first, r.stderr)
	}
}

// writeZoneAnchor asks the test world's server at addr for zone's DNSKEY
// RRset and writes its KSKs (flags 257) to a file, the "my-zone.dnskey"
// of the README recipe, whose path it returns.
func writeZoneAnchor(t *testing.T, addr, zone string) string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeDNSKEY)
	q.SetEdns0(1232, true)
	resp, _, err := (&dns.Client{Net: "tcp"}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	var keys strings.Builder
	for _, rr := range resp.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags == 257 {
			keys.WriteString(k.String() + "\n")
		}
	}
	if keys.Len() == 0 {
		t.Fatalf("no KSK of %s in the answer: %v", zone, resp)
	}
	file := filepath.Join(t.TempDir(), "my-zone.dnskey")
	if err := os.WriteFile(file, []byte(keys.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

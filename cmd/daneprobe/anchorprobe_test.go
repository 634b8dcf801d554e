package main

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestZoneAnchorWithoutRoot: with --trust-anchor naming a zone's own KSK
// and an upstream that refuses every query for the root (a lab resolver),
// the capability probe asks the anchor zone's DNSKEY, not the root's
// (issue 11 §2): names in the zone validate from that anchor down, names
// outside every anchor are Insecure (no-trust-anchor), and nothing is
// called upstream-strips-dnssec.
func TestZoneAnchorWithoutRoot(t *testing.T) {
	w, err := testworld.StartDNS(testworld.DNSOptions{RootRefused: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	q := new(dns.Msg)
	q.SetQuestion(".", dns.TypeDNSKEY)
	q.SetEdns0(1232, true)
	if resp, _, err := (&dns.Client{Net: "tcp"}).Exchange(q, w.Addr()); err != nil || resp.Rcode != dns.RcodeRefused {
		t.Fatalf("the test world answers the root: %v %v", resp, err)
	}
	file := writeZoneAnchor(t, w.Addr(), "alg13.test.")
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"www.alg13.test", []string{`"security": "secure"`}},
		{"www.alg8.test", []string{`"security": "insecure"`, `"reason": "no-trust-anchor"`}},
	} {
		r := runBinary(t, nil, "", "lookup", "--resolver", w.Addr(), "--trust-anchor", file, "--json", tc.name, "A")
		for _, want := range tc.want {
			if r.code != exitOK || !strings.Contains(r.stdout, want) || strings.Contains(r.stdout+r.stderr, "strips") {
				t.Errorf("%s: exit %d, want 0 and %s:\n%s%s", tc.name, r.code, want, r.stdout, r.stderr)
			}
		}
	}
	// The root anchors through the same upstream: the probe asks ". DNSKEY",
	// which is refused, so this is a local fault, never a verdict.
	r := runBinary(t, nil, "", "lookup", "--resolver", w.Addr(), "--json", "www.alg13.test", "A")
	if strings.Contains(r.stdout, `"security": "secure"`) || strings.Contains(r.stdout, `"security": "bogus"`) {
		t.Errorf("root anchors without a root: %s%s", r.stdout, r.stderr)
	}
}

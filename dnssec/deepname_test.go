package dnssec_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// deepName returns a name of n labels below zone.
func deepName(n int, zone string) string {
	return strings.Repeat("a.", n) + zone
}

// TestDeepUnsignedNameBounded: an unsigned answer for a name with very
// many labels must not make the resolver ask DS and DNSKEY for every
// ancestor at once (about 240 queries for 120 labels). The chain is
// discovered in bounded batches and stops at the insecure delegation.
func TestDeepUnsignedNameBounded(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{
		{Origin: "deep.test.", Unsigned: true, Records: []string{"*.deep.test. 300 IN A 127.0.0.1"}},
		{Origin: "deepsigned.test.", Records: []string{"*.deepsigned.test. 300 IN A 127.0.0.1"}},
	}})
	for _, tc := range []struct {
		zone   string
		labels int
		sec    dnssec.Security
	}{
		{"deep.test.", 120, dnssec.Insecure},
		// The signed wildcard's NSEC proof must fit in a message.
		{"deepsigned.test.", 60, dnssec.Secure},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			r := newResolver(t, w, nil)
			name := deepName(tc.labels, tc.zone)
			res := lookup(t, r, name, dns.TypeA)
			if res.Security != tc.sec {
				t.Fatalf("%s: %s/%s (%s)", name, res.Security, res.Reason, res.Detail)
			}
			if q := r.Queries(); q > 40 {
				t.Errorf("%d upstream queries for a %d-label name, want at most 40", q, tc.labels)
			}
		})
	}
}

// TestDeepStrippedNameBounded: an unsigned answer for a very deep name in
// a signed zone (RRSIGs stripped on the path) never meets an insecure
// cut; the walk gives up after a bounded number of names, Bogus.
func TestDeepStrippedNameBounded(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{
		{Origin: "deepstrip.test.", Records: []string{"*.deepstrip.test. 300 IN A 127.0.0.1"}, Faults: testworld.ZoneFaults{StripRRSIG: true}},
	}})
	r := newResolver(t, w, nil)
	res := lookup(t, r, deepName(100, "deepstrip.test."), dns.TypeA)
	if res.Security != dnssec.Bogus {
		t.Fatalf("%s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	if q := r.Queries(); q > 80 {
		t.Errorf("%d upstream queries, want at most 80", q)
	}
}

package dnssec_test

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestNSEC3BudgetByCost: the NSEC3 hash budget counts SHA-1 computations,
// hashes × (iterations+1) (issue 11 §3, CVE-2023-50868), not hashes: a
// deep non-existent name in a zone of 0 iterations is proven (about 60
// cheap hashes), the same name under 150 iterations is cut off as a
// resource limit.
func TestNSEC3BudgetByCost(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{
		{Origin: "cheap3.test.", NSEC3: &testworld.NSEC3Params{}, Records: []string{"www.cheap3.test. 300 IN A 127.0.0.1"}},
		{Origin: "dear3.test.", NSEC3: &testworld.NSEC3Params{Iterations: 150}, Records: []string{"www.dear3.test. 300 IN A 127.0.0.1"}},
	}})
	for _, tc := range []struct {
		zone   string
		sec    dnssec.Security
		reason dnssec.Reason
	}{
		{"cheap3.test.", dnssec.Secure, dnssec.ReasonNone},
		{"dear3.test.", dnssec.Bogus, dnssec.ReasonResourceLimit},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			r := newResolver(t, w, nil)
			res := lookup(t, r, deepName(60, tc.zone), dns.TypeA)
			if res.Security != tc.sec || res.Reason != tc.reason {
				t.Fatalf("%s/%s (%s), want %s/%s", res.Security, res.Reason, res.Detail, tc.sec, tc.reason)
			}
			if tc.sec == dnssec.Secure && res.Rcode != dns.RcodeNameError {
				t.Errorf("rcode %s, want NXDOMAIN", dns.RcodeToString[res.Rcode])
			}
		})
	}
}

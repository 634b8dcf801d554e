package dnssec

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSignerMustBeTheContainingZone: RFC 4035 §5.3.1 wants the signer to
// be the zone that holds the RRset. A parent's signature over data below
// a known zone cut, a DS signed by the child, and a DNSKEY signed by an
// ancestor are Bogus even though each signature verifies.
func TestSignerMustBeTheContainingZone(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	pk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	ck := newTestKey(t, "child.example.test.", dns.ECDSAP256SHA256, 256)
	parent := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{pk.pub}}
	child := &zoneKeys{zone: "child.example.test.", keys: []*dns.DNSKEY{ck.pub}}
	host := mustRR(t, "host.child.example.test. 300 IN A 192.0.2.1")
	ds := ck.pub.ToDS(dns.SHA256)
	ds.Hdr.Ttl = 300
	childKey := dns.Copy(ck.pub)
	ns := mustRR(t, "child.example.test. 300 IN NS ns.child.example.test.")
	for _, tc := range []struct {
		name string
		set  *rrset
		auth []*rrset
		cut  bool // child.example.test. cached as a secure cut
		want Security
	}{
		{"parent signs data below a cached cut", signedSet(t, pk, now, host), nil, true, Bogus},
		{"parent signs data below an NS in the authority section", signedSet(t, pk, now, host),
			[]*rrset{{name: "child.example.test.", rrtype: dns.TypeNS, rrs: []dns.RR{ns}}}, false, Bogus},
		{"parent signs data, no cut known", signedSet(t, pk, now, host), nil, false, Secure},
		{"parent signs data, child.example.test. insecure but not a proven cut", signedSet(t, pk, now, host), nil, false, Secure},
		{"child signs its own data", signedSet(t, ck, now, host), nil, true, Secure},
		{"DS signed by the child", signedSet(t, ck, now, ds), nil, true, Bogus},
		{"DS signed by the parent", signedSet(t, pk, now, ds), nil, true, Secure},
		{"DNSKEY signed by the parent", signedSet(t, pk, now, childKey), nil, true, Bogus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := testState(t, now, nil)
			st.zones["example.test."] = zoneResult{v: secure, keys: parent}
			st.zones["child.example.test."] = zoneResult{v: secure, keys: child}
			if strings.Contains(tc.name, "not a proven cut") {
				st.r.cuts.put("child.example.test.", cutInfo{kind: cutInsecure, v: insecure(ReasonNSEC3IterationsTooMany, "x")}, now.Add(time.Hour))
			}
			if tc.cut {
				st.r.cuts.put("child.example.test.", cutInfo{kind: cutSecure, v: secure, keys: child, provenCut: true}, now.Add(time.Hour))
			}
			if v := st.validateSet(t.Context(), tc.set, tc.auth); v.sec != tc.want {
				t.Fatalf("got %s/%s (%s), want %s", v.sec, v.reason, v.why, tc.want)
			}
		})
	}
}

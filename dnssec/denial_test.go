package dnssec

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// signedSet builds the rrset of rrs signed by k.
func signedSet(t *testing.T, k testKey, now time.Time, rrs ...dns.RR) *rrset {
	t.Helper()
	return &rrset{name: canonicalName(rrs[0].Header().Name), rrtype: rrs[0].Header().Rrtype, rrs: rrs,
		sigs: []*dns.RRSIG{k.sign(t, rrs, now.Add(-time.Hour), now.Add(30*24*time.Hour))}}
}

// TestNegativeTTLFromSOA: the TTL of a NODATA or NXDOMAIN answer is the
// lesser of the SOA's TTL and MINIMUM (RFC 2308 §5), even when the
// signer gave the NSEC records a longer TTL (as signers did before RFC
// 9077); and a forged SOA makes the denial Bogus.
func TestNegativeTTLFromSOA(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	z := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub}}
	soa := mustRR(t, "example.test. 3600 IN SOA ns.example.test. h.example.test. 1 7200 3600 1209600 60")
	apex := nsec("example.test.", "www.example.test.", dns.TypeSOA, dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDNSKEY)
	apex.Hdr.Ttl = 3600
	www := nsec("www.example.test.", "example.test.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG)
	www.Hdr.Ttl = 3600
	for _, tc := range []struct {
		name  string
		qname string
		qtype uint16
		rcode int
	}{
		{"nodata", "www.example.test.", dns.TypeAAAA, dns.RcodeSuccess},
		{"nxdomain", "zzz.example.test.", dns.TypeA, dns.RcodeNameError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := []*rrset{signedSet(t, zsk, now, soa), signedSet(t, zsk, now, apex), signedSet(t, zsk, now, www)}
			st := testState(t, now, nil)
			st.zones["example.test."] = zoneResult{v: secure, keys: z}
			v := st.validateDenial(t.Context(), tc.qname, tc.qtype, tc.rcode, auth)
			if v.sec != Secure {
				t.Fatalf("%+v", v)
			}
			if st.minTTL != 60*time.Second {
				t.Errorf("negative TTL %v, want 60s (SOA MINIMUM)", st.minTTL)
			}
			forged := *auth[0]
			fsoa := dns.Copy(soa).(*dns.SOA)
			fsoa.Minttl = 86400
			forged.rrs = []dns.RR{fsoa}
			auth[0] = &forged
			st = testState(t, now, nil)
			st.zones["example.test."] = zoneResult{v: secure, keys: z}
			if v := st.validateDenial(t.Context(), tc.qname, tc.qtype, tc.rcode, auth); v.sec != Bogus {
				t.Errorf("forged SOA accepted: %+v", v)
			}
		})
	}
}

// TestAnswerTTLCappedByExpiry: the records handed back carry TTLs no
// longer than the time left until their RRSIG expires.
func TestAnswerTTLCappedByExpiry(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	rrs := []dns.RR{mustRR(t, "www.example.test. 86400 IN A 192.0.2.1")}
	set := &rrset{name: "www.example.test.", rrtype: dns.TypeA, rrs: rrs,
		sigs: []*dns.RRSIG{zsk.sign(t, rrs, now.Add(-time.Hour), now.Add(10*time.Minute))}}
	st := testState(t, now, nil)
	out := st.capped(set)
	if got := out[0].Header().Ttl; got > 600 {
		t.Fatalf("TTL %d, want at most 600 (RRSIG expires in 10 minutes)", got)
	}
}

// TestNSECProofEdges pins down denial-of-existence proof rules that are
// easy to get wrong: a wildcard expansion of a name that exists has no covering
// NSEC; NODATA needs an NSEC whose owner is the name, not one covering
// it; no proof may use names below a delegation NSEC (RFC 6840 §4.1),
// nor deny data at the child apex with the parent's NSEC (RFC 6840 §4.4).
func TestNSECProofEdges(t *testing.T) {
	zone := []*dns.NSEC{
		nsec("example.", "a.example.", dns.TypeSOA, dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDNSKEY),
		nsec("a.example.", "deleg.example.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG),
		nsec("deleg.example.", "m.example.", dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG),
		nsec("m.example.", "example.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG),
	}
	ok := func(d denial) bool { return d.sec == Secure }
	if ok(nsecWildcard(zone, "a.example.", "example.")) {
		t.Error("wildcard expansion accepted for a name that exists")
	}
	if !ok(nsecWildcard(zone, "b.example.", "example.")) {
		t.Error("wildcard expansion for a covered name rejected")
	}
	if ok(nsecNoData(zone, "b.example.", dns.TypeA)) {
		t.Error("NODATA accepted from a covering NSEC (b.example does not exist)")
	}
	if ok(nsecNXDomain(zone, "www.deleg.example.")) {
		t.Error("NXDOMAIN below a delegation accepted")
	}
	if ok(nsecNoData(zone, "deleg.example.", dns.TypeSOA)) {
		t.Error("NODATA at the child apex accepted from the parent's delegation NSEC")
	}
	if !ok(nsecNoData(zone, "deleg.example.", dns.TypeDS)) {
		t.Error("DS NODATA at a delegation rejected")
	}
	if d := nsecNoDS(zone, "deleg.example."); !ok(d) || !d.delegation {
		t.Errorf("insecure delegation not proven: %+v", d)
	}
	child := []*dns.NSEC{nsec("deleg.example.", "www.deleg.example.", dns.TypeSOA, dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDNSKEY)}
	if ok(nsecNoDS(child, "deleg.example.")) {
		t.Error("DS absence accepted from the child's apex NSEC")
	}
}

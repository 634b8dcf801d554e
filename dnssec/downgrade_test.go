package dnssec

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestUnsupportedRRSIGIsNoDowngrade: in a zone whose keys validated
// through a supported DS algorithm, an RRset whose only RRSIG names an
// algorithm we cannot verify is Bogus, not Insecure: anyone on the path
// can strip the real signature and add one of algorithm 12 with random
// bits (RFC 4035 §5.2 makes a zone insecure only through its DS RRset;
// RFC 6840 §5.11).
func TestUnsupportedRRSIGIsNoDowngrade(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	zsk := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 256)
	z := &zoneKeys{zone: "example.test.", keys: []*dns.DNSKEY{zsk.pub}}
	set := signedSet(t, zsk, now, mustRR(t, "_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"))
	fake := *set.sigs[0]
	fake.Algorithm = dns.ECCGOST
	fake.KeyTag = 12345
	set.sigs = []*dns.RRSIG{&fake}
	st := testState(t, now, nil)
	st.zones["example.test."] = zoneResult{v: secure, keys: z}
	if v := st.validateSet(t.Context(), set, nil); v.sec != Bogus {
		t.Fatalf("got %s/%s (%s), want bogus", v.sec, v.reason, v.why)
	}
}

// TestUnsupportedRRSIGOnDSIsNoDowngrade: the same swap on the parent's DS
// RRset must not turn a signed child into an insecure delegation.
func TestUnsupportedRRSIGOnDSIsNoDowngrade(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	pk := newTestKey(t, "test.", dns.ECDSAP256SHA256, 256)
	ck := newTestKey(t, "example.test.", dns.ECDSAP256SHA256, 257)
	ds := ck.pub.ToDS(dns.SHA256)
	ds.Hdr.Ttl = 300
	set := signedSet(t, pk, now, ds)
	fake := *set.sigs[0]
	fake.Algorithm = dns.ECCGOST
	dsMsg := new(dns.Msg)
	dsMsg.Answer = []dns.RR{ds, &fake}
	keyMsg := new(dns.Msg)
	keyMsg.Answer = []dns.RR{ck.pub, ck.sign(t, []dns.RR{ck.pub}, now.Add(-time.Hour), now.Add(time.Hour))}
	st := testState(t, now, nil)
	parent := &zoneKeys{zone: "test.", keys: []*dns.DNSKEY{pk.pub}}
	ci := st.validateCut("example.test.", parent, fetched{msg: dsMsg}, fetched{msg: keyMsg})
	if ci.v.sec != Bogus {
		t.Fatalf("got %s/%s (%s), want bogus", ci.v.sec, ci.v.reason, ci.v.why)
	}
}

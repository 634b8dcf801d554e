package dnssec

import (
	"crypto"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testKey is a zone key with its private half, for signing test data.
type testKey struct {
	pub  *dns.DNSKEY
	priv crypto.Signer
}

func newTestKey(t testing.TB, zone string, alg uint8, flags uint16) testKey {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: alg}
	bits := 256
	switch alg {
	case dns.RSASHA256, dns.RSASHA1, dns.RSASHA512, dns.RSASHA1NSEC3SHA1:
		bits = 1024
	case dns.ECDSAP384SHA384:
		bits = 384
	}
	// miekg/dns refuses to sign with key tag 0 (it means "unset" there):
	// draw again, once in 65536 keys.
	for {
		priv, err := k.Generate(bits)
		if err != nil {
			t.Fatalf("generate key: %v", err)
		}
		if k.KeyTag() != 0 {
			return testKey{pub: k, priv: priv.(crypto.Signer)}
		}
	}
}

// sign signs rrs with k, valid from inc to exp.
func (k testKey) sign(t testing.TB, rrs []dns.RR, inc, exp time.Time) *dns.RRSIG {
	t.Helper()
	sig := &dns.RRSIG{
		Hdr:        dns.RR_Header{Ttl: rrs[0].Header().Ttl},
		KeyTag:     k.pub.KeyTag(),
		SignerName: k.pub.Hdr.Name,
		Algorithm:  k.pub.Algorithm,
		Inception:  uint32(inc.Unix()),
		Expiration: uint32(exp.Unix()),
	}
	if err := sig.Sign(k.priv, rrs); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return sig
}

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return rr
}

// testState returns a lookup state of a default resolver (never used for
// network) validating at now.
func testState(t testing.TB, now time.Time, mod func(*Config)) *lookupState {
	t.Helper()
	cfg := Config{Upstreams: []string{"127.0.0.1:9"}, Now: func() time.Time { return now }}
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewResolver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &lookupState{r: r, now: now, zones: map[string]zoneResult{}, cutMemo: map[string]*cutFuture{}, minTTL: -1}
}

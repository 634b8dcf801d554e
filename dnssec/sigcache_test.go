package dnssec

import (
	"crypto"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSigCache: a signature that verified is remembered for exactly the
// same key, RRSIG and records (whatever their TTLs); any change to the
// data, the signature or the key is verified again, and fails.
func TestSigCache(t *testing.T) {
	now := time.Now()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	set := []dns.RR{rr("mx.example.test. 300 IN A 192.0.2.1"), rr("mx.example.test. 300 IN A 192.0.2.2")}
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: "mx.example.test.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300},
		KeyTag: key.KeyTag(), SignerName: "example.test.", Algorithm: dns.ECDSAP256SHA256,
		Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(now.Add(time.Hour).Unix())}
	if err := sig.Sign(priv.(crypto.Signer), set); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour)
	c := newSigCache(16)
	if err := c.verify(sig, key, set, now, exp); err != nil || c.lru.len() != 1 {
		t.Fatalf("first verification: %v, %d entries", err, c.lru.len())
	}
	// Lower TTLs (as a cache upstream hands out): the same entry.
	aged := []dns.RR{dns.Copy(set[0]), dns.Copy(set[1])}
	aged[0].Header().Ttl, aged[1].Header().Ttl = 17, 17
	if err := c.verify(sig, key, aged, now, exp); err != nil || c.lru.len() != 1 {
		t.Fatalf("aged TTLs: %v, %d entries; want a hit", err, c.lru.len())
	}
	// Changed data, signature or key: verified again, and bogus.
	forged := []dns.RR{set[0], rr("mx.example.test. 300 IN A 198.51.100.9")}
	if err := c.verify(sig, key, forged, now, exp); err == nil {
		t.Error("a changed record verified")
	}
	bad := dns.Copy(sig).(*dns.RRSIG)
	bad.Signature = bad.Signature[:len(bad.Signature)-4] + "AAAA"
	if err := c.verify(bad, key, set, now, exp); err == nil {
		t.Error("a changed signature verified")
	}
	other := dns.Copy(key).(*dns.DNSKEY)
	if _, err := other.Generate(256); err != nil {
		t.Fatal(err)
	}
	other.Flags = key.Flags
	if err := c.verify(sig, other, set, now, exp); err == nil {
		t.Error("another key verified")
	}
	if c.lru.len() != 1 {
		t.Errorf("%d entries; failures must not be cached", c.lru.len())
	}
	// Past the signature's expiration the entry is gone.
	if _, hit := c.lru.get(func() string { k, _ := c.key(sig, key, set); return string(k[:]) }(), exp.Add(time.Second)); hit {
		t.Error("entry outlived the signature")
	}
	var nilCache *sigCache
	if err := nilCache.verify(sig, key, set, now, exp); err != nil {
		t.Errorf("nil cache: %v", err)
	}
}

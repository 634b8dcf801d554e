package dnssec

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/miekg/dns"
)

func testRRset(t *testing.T) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	// Mixed case and a wildcard-free owner; RDATA names are lower-cased
	// (RFC 4034 §6.2) and the records sorted (§6.3) by signedData.
	for _, s := range []string{"Example.TEST. 300 IN MX 20 MX2.example.test.", "example.test. 300 IN MX 10 mx1.Example.test."} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

func testSig(alg uint8, tag uint16) *dns.RRSIG {
	now := time.Now()
	return &dns.RRSIG{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300},
		TypeCovered: dns.TypeMX, Algorithm: alg, Labels: 2, OrigTtl: 300,
		Expiration: uint32(now.Add(time.Hour).Unix()), Inception: uint32(now.Add(-time.Hour).Unix()),
		KeyTag: tag, SignerName: "example.test."}
}

// TestSignedDataMatchesMiekg: the signed data built for Ed448 is the one
// miekg/dns signs for the other algorithms (RFC 4034 §3.1.8.1): an
// Ed25519 signature made by miekg verifies over it.
func TestSignedDataMatchesMiekg(t *testing.T) {
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: 257, Protocol: 3, Algorithm: dns.ED25519}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	rrs := testRRset(t)
	sig := testSig(dns.ED25519, k.KeyTag())
	if err := sig.Sign(priv.(ed25519.PrivateKey), rrs); err != nil {
		t.Fatal(err)
	}
	data, err := signedData(sig, rrs)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := base64.StdEncoding.DecodeString(k.PublicKey)
	raw, _ := base64.StdEncoding.DecodeString(sig.Signature)
	if !ed25519.Verify(ed25519.PublicKey(pub), data, raw) {
		t.Fatal("miekg's Ed25519 signature does not verify over signedData: the signed data differ")
	}
}

// TestEd448: an Ed448 RRSIG (RFC 8080) verifies; a changed record, a
// changed signature or another key do not.
func TestEd448(t *testing.T) {
	pub, priv, err := ed448.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: 257, Protocol: 3, Algorithm: dns.ED448, PublicKey: base64.StdEncoding.EncodeToString(pub)}
	rrs := testRRset(t)
	sig := testSig(dns.ED448, k.KeyTag())
	data, err := signedData(sig, rrs)
	if err != nil {
		t.Fatal(err)
	}
	sig.Signature = base64.StdEncoding.EncodeToString(ed448.Sign(priv, data, ""))
	if err := verifyRRSIG(sig, k, rrs); err != nil {
		t.Fatalf("valid Ed448 signature: %v", err)
	}
	changed := testRRset(t)
	changed[0].(*dns.MX).Preference = 30
	if verifyRRSIG(sig, k, changed) == nil {
		t.Error("a changed RRset verifies")
	}
	bad := *sig
	raw, _ := base64.StdEncoding.DecodeString(sig.Signature)
	raw[5] ^= 1
	bad.Signature = base64.StdEncoding.EncodeToString(raw)
	if verifyRRSIG(&bad, k, rrs) == nil {
		t.Error("a changed signature verifies")
	}
	pub2, _, _ := ed448.GenerateKey(rand.Reader)
	k2 := *k
	k2.PublicKey = base64.StdEncoding.EncodeToString(pub2)
	if verifyRRSIG(sig, &k2, rrs) == nil {
		t.Error("another key verifies")
	}
	if !(&Resolver{}).supportedAlgorithm(dns.ED448) {
		t.Error("algorithm 16 is not supported")
	}
}

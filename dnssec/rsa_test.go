package dnssec

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// bigRSA is an RSA private key of any size and exponent, signing PKCS#1
// v1.5 with math/big: crypto/rsa cannot make the keys it refuses.
type bigRSA struct{ n, e, d *big.Int }

func (k bigRSA) Public() crypto.PublicKey { return nil }

func (k bigRSA) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var prefix []byte
	switch opts.HashFunc() {
	case crypto.SHA1:
		prefix = sha1Prefix
	case crypto.SHA256:
		prefix = sha256Prefix
	default:
		prefix = sha512Prefix
	}
	size := (k.n.BitLen() + 7) / 8
	em := make([]byte, size)
	em[1] = 1
	t := append(append([]byte(nil), prefix...), digest...)
	for i := 2; i < size-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-len(t):], t)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), k.d, k.n)
	return s.FillBytes(make([]byte, size)), nil
}

// rsaWire is RFC 3110 §2 key data for exponent e and modulus n.
func rsaWire(n, e *big.Int) string {
	eb := e.Bytes()
	var b []byte
	if len(eb) < 256 {
		b = append([]byte{byte(len(eb))}, eb...)
	} else {
		b = append([]byte{0, byte(len(eb) >> 8), byte(len(eb))}, eb...)
	}
	return base64.StdEncoding.EncodeToString(append(b, n.Bytes()...))
}

// newBigRSAKey makes an RSA key of bits modulus bits and an exponent of
// about ebits bits, as a DNSKEY of zone with its signer.
func newBigRSAKey(t *testing.T, zone string, alg uint8, flags uint16, bits, ebits int) testKey {
	t.Helper()
	e := big.NewInt(65537)
	if ebits > 17 {
		e = new(big.Int).Lsh(big.NewInt(1), uint(ebits-1))
		e.Add(e, big.NewInt(1))
		for !e.ProbablyPrime(20) {
			e.Add(e, big.NewInt(2))
		}
	}
	one := big.NewInt(1)
	for {
		p, err := rand.Prime(rand.Reader, bits/2)
		if err != nil {
			t.Fatal(err)
		}
		q, err := rand.Prime(rand.Reader, bits-bits/2)
		if err != nil {
			t.Fatal(err)
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits || p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
			Flags: flags, Protocol: 3, Algorithm: alg, PublicKey: rsaWire(n, e)}
		if k.KeyTag() == 0 {
			continue
		}
		return testKey{pub: k, priv: bigRSA{n: n, e: e, d: d}}
	}
}

// TestRSAKeysGoRefuses: RSA keys crypto/rsa refuses (a 512-bit modulus,
// exponents above 2^31-1) verify, through DS, DNSKEY and data, for
// RSA/SHA-1, SHA-256 and SHA-512; a key outside RFC 3110's 512..4096 bits
// makes the zone Insecure (unsupported-key-size), never Bogus; a wrong
// signature or changed data stays Bogus.
func TestRSAKeysGoRefuses(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const zone = "rsa.example.test."
	for _, tc := range []struct {
		name        string
		alg         uint8
		bits, ebits int
		tamper      string // "", "sig", "data"
		want        Security
		reason      Reason
		warn        bool
	}{
		{"512-bit modulus RSASHA256", dns.RSASHA256, 512, 17, "", Secure, ReasonNone, true},
		{"512-bit modulus RSASHA1", dns.RSASHA1, 512, 17, "", Secure, ReasonNone, true},
		{"1024-bit modulus, 64-bit exponent, RSASHA256", dns.RSASHA256, 1024, 64, "", Secure, ReasonNone, false},
		{"1024-bit modulus, 64-bit exponent, RSASHA512", dns.RSASHA512, 1024, 64, "", Secure, ReasonNone, false},
		{"1024-bit modulus, 64-bit exponent, RSASHA1NSEC3SHA1", dns.RSASHA1NSEC3SHA1, 1024, 64, "", Secure, ReasonNone, false},
		{"512-bit modulus, 300-bit exponent", dns.RSASHA256, 512, 300, "", Secure, ReasonNone, true},
		{"512-bit modulus, forged signature", dns.RSASHA256, 512, 17, "sig", Bogus, ReasonSignatureInvalid, true},
		{"64-bit exponent, changed data", dns.RSASHA256, 1024, 64, "data", Bogus, ReasonSignatureInvalid, false},
		{"480-bit modulus: not an RFC 3110 key", dns.RSASHA256, 480, 17, "", Insecure, ReasonUnsupportedKeySize, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ksk := newBigRSAKey(t, zone, tc.alg, 257, tc.bits, tc.ebits)
			keyRR := []dns.RR{ksk.pub}
			keySig := ksk.sign(t, keyRR, now.Add(-time.Hour), now.Add(24*time.Hour))
			msg := new(dns.Msg)
			msg.Answer = []dns.RR{ksk.pub, keySig}
			st := testState(t, now, nil)
			ds := ksk.pub.ToDS(dns.SHA256)
			ci := st.validateKeys(zone, []*dns.DS{ds}, nil, msg, "DS")
			if tc.want == Insecure {
				if ci.v.sec != Insecure || ci.v.reason != tc.reason {
					t.Fatalf("DNSKEY: got %s/%s (%s), want %s/%s", ci.v.sec, ci.v.reason, ci.v.why, tc.want, tc.reason)
				}
				return
			}
			if ci.v.sec != Secure {
				t.Fatalf("DNSKEY: got %s/%s (%s), want secure", ci.v.sec, ci.v.reason, ci.v.why)
			}
			a := mustRR(t, "www.rsa.example.test. 300 IN A 192.0.2.1")
			sig := ksk.sign(t, []dns.RR{a}, now.Add(-time.Hour), now.Add(24*time.Hour))
			switch tc.tamper {
			case "sig":
				b, _ := base64.StdEncoding.DecodeString(sig.Signature)
				b[len(b)/2] ^= 1
				sig.Signature = base64.StdEncoding.EncodeToString(b)
			case "data":
				a = mustRR(t, "www.rsa.example.test. 300 IN A 192.0.2.2")
			}
			set := &rrset{name: "www.rsa.example.test.", rrtype: dns.TypeA, rrs: []dns.RR{a}, sigs: []*dns.RRSIG{sig}}
			res := st.verifyRRset(set, ci.keys, nil)
			if res.sec != tc.want || res.reason != tc.reason {
				t.Fatalf("A: got %s/%s (%s), want %s/%s", res.sec, res.reason, res.why, tc.want, tc.reason)
			}
			warned := strings.Contains(strings.Join(st.warnings, "\n"), "-bit RSA key")
			if warned != tc.warn {
				t.Errorf("short-key warning %v, want %v (%q)", warned, tc.warn, st.warnings)
			}
		})
	}
}

// TestVerifyRSAAgreesWithCryptoRSA: the math/big verifier accepts what
// crypto/rsa signs and refuses a key with exponent 1, for which the padded
// digest is its own "signature".
func TestVerifyRSAAgreesWithCryptoRSA(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	a := []dns.RR{mustRR(t, "www.example.test. 300 IN A 192.0.2.1")}
	for _, alg := range []uint8{dns.RSASHA1, dns.RSASHA256, dns.RSASHA512} {
		k := newTestKey(t, "example.test.", alg, 256)
		sig := k.sign(t, a, now.Add(-time.Hour), now.Add(time.Hour))
		if err := verifyRSA(sig, k.pub, a); err != nil {
			t.Errorf("alg %d: math/big refuses crypto/rsa's signature: %v", alg, err)
		}
		if _, ok := k.priv.(*rsa.PrivateKey); !ok {
			t.Fatalf("alg %d: test key is %T", alg, k.priv)
		}
	}
	// e = 1: the "signature" is the encoded message itself.
	k := newBigRSAKey(t, "example.test.", dns.RSASHA256, 256, 512, 17)
	n := k.priv.(bigRSA).n
	k.pub.PublicKey = rsaWire(n, big.NewInt(1))
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: "www.example.test.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300},
		TypeCovered: dns.TypeA, Algorithm: dns.RSASHA256, Labels: 3, OrigTtl: 300, KeyTag: k.pub.KeyTag(),
		SignerName: "example.test.", Inception: uint32(now.Unix()), Expiration: uint32(now.Add(time.Hour).Unix())}
	data, err := signedData(sig, a)
	if err != nil {
		t.Fatal(err)
	}
	sig.Signature = base64.StdEncoding.EncodeToString(pkcs1Encoded(dns.RSASHA256, data, 64))
	if err := verifyRRSIG(sig, k.pub, a); err == nil {
		t.Fatal("a key with exponent 1 verified a signature")
	}
}

// TestRSAExponentCost: a huge exponent costs more of the verification
// budget, so KeyTrap-style floods of such keys stay bounded.
func TestRSAExponentCost(t *testing.T) {
	small := newBigRSAKey(t, "example.test.", dns.RSASHA256, 256, 512, 17)
	huge := newBigRSAKey(t, "example.test.", dns.RSASHA256, 256, 512, 511)
	if c := verifyCost(small.pub); c != 1 {
		t.Errorf("cost of e=65537: %d, want 1", c)
	}
	if c := verifyCost(huge.pub); c != 2 {
		t.Errorf("cost of a 511-bit exponent: %d, want 2", c)
	}
}

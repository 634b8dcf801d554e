package interop

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

// writeRSAKey makes an RSA key pair for algorithm alg (5, 7, 8 or 10) with the public exponent e,
// which neither dnssec-keygen nor ldns-keygen can make (they offer 65537,
// at most), and writes it in the key files both signers read: base.key
// (the DNSKEY record) and base.private (Private-key-format v1.3, the
// fields of RFC 3447 §3.2 in base64). It returns the base name
// Kzone.+008+tag. RFC 3110 §2 allows an exponent of up to 4096 bits; Go's
// crypto/rsa refuses any above 2^31-1, so the key is computed here with
// math/big: d = e⁻¹ mod λ(n).
func writeRSAKey(dir, zone string, alg uint8, bits int, e *big.Int, ksk bool) (string, error) {
	if e.Bit(0) == 0 || e.Cmp(big.NewInt(3)) < 0 {
		return "", fmt.Errorf("RSA exponent %v: want an odd number of at least 3", e)
	}
	one := big.NewInt(1)
	var p, q, n *big.Int
	for {
		var err error
		if p, err = rand.Prime(rand.Reader, bits/2); err != nil {
			return "", err
		}
		if q, err = rand.Prime(rand.Reader, bits-bits/2); err != nil {
			return "", err
		}
		n = new(big.Int).Mul(p, q)
		pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		if p.Cmp(q) != 0 && n.BitLen() == bits &&
			new(big.Int).GCD(nil, nil, e, pm).Cmp(one) == 0 &&
			new(big.Int).GCD(nil, nil, e, qm).Cmp(one) == 0 {
			break
		}
	}
	pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	lambda := new(big.Int).Div(new(big.Int).Mul(pm, qm), new(big.Int).GCD(nil, nil, pm, qm))
	d := new(big.Int).ModInverse(e, lambda)
	if d == nil {
		return "", fmt.Errorf("RSA exponent %v has no inverse modulo λ(n)", e)
	}
	// A round trip through the key proves the arithmetic before any
	// signer trusts it.
	m := big.NewInt(0x5eed)
	if new(big.Int).Exp(new(big.Int).Exp(m, d, n), e, n).Cmp(m) != 0 {
		return "", fmt.Errorf("generated RSA key does not round-trip")
	}

	// RFC 3110 §2: exponent length (one octet, or zero and two octets),
	// exponent, modulus.
	eb := e.Bytes()
	var pub []byte
	if len(eb) <= 255 {
		pub = append(pub, byte(len(eb)))
	} else {
		pub = append(pub, 0, byte(len(eb)>>8), byte(len(eb)))
	}
	pub = append(append(pub, eb...), n.Bytes()...)
	flags := uint16(256)
	if ksk {
		flags = 257
	}
	key := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: dns.Fqdn(zone), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags:     flags,
		Protocol:  3,
		Algorithm: alg,
		PublicKey: base64.StdEncoding.EncodeToString(pub),
	}
	base := fmt.Sprintf("K%s+%03d+%05d", dns.Fqdn(zone), key.Algorithm, key.KeyTag())
	if err := os.WriteFile(filepath.Join(dir, base+".key"), []byte(key.String()+"\n"), 0o644); err != nil {
		return "", err
	}
	b64 := func(x *big.Int) string { return base64.StdEncoding.EncodeToString(x.Bytes()) }
	var priv strings.Builder
	fmt.Fprintf(&priv, "Private-key-format: v1.3\nAlgorithm: %d (%s)\n", alg, dns.AlgorithmToString[alg])
	for _, f := range []struct {
		name string
		v    *big.Int
	}{
		{"Modulus", n},
		{"PublicExponent", e},
		{"PrivateExponent", d},
		{"Prime1", p},
		{"Prime2", q},
		{"Exponent1", new(big.Int).Mod(d, pm)},
		{"Exponent2", new(big.Int).Mod(d, qm)},
		{"Coefficient", new(big.Int).ModInverse(q, p)},
	} {
		fmt.Fprintf(&priv, "%s: %s\n", f.name, b64(f.v))
	}
	if err := os.WriteFile(filepath.Join(dir, base+".private"), []byte(priv.String()), 0o600); err != nil {
		return "", err
	}
	return base, nil
}

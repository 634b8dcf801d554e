package dnssec

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // RFC 3110 and RFC 5155 algorithms 5 and 7; their use is reported as a warning
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/miekg/dns"
)

// RSA policy (README, design section). RFC 3110 §2 allows RSA/SHA-1
// moduli of 512 to 4096 bits with any exponent length, and RFC 5702 §2
// keeps these limits for RSA/SHA-256 (RSA/SHA-512 from 1024 bits, which
// we do not enforce: a shorter key verifies no worse). Go's crypto/rsa
// refuses moduli under 1024 bits and public exponents above 2^31-1, and
// both occur in signed zones (the RFC 4035 and RFC 5155 examples use
// 512-bit keys; a large exponent was seen on a registry's KSK). Such keys
// are verified here with math/big; the others by crypto/rsa through
// miekg/dns. A modulus outside 512..4096 bits is not a key RFC 3110
// defines: we treat it as an unsupported algorithm (RFC 4035 §5.2, RFC
// 6840 §5.2), so a zone whose DS records name only such keys is Insecure
// with reason unsupported-key-size, never Bogus.
const (
	minRSAModulusBits = 512
	maxRSAModulusBits = 4096
	// rsaExponentUnit: a verification costs one more unit of the
	// per-lookup verification budget for every full rsaExponentUnit bits
	// of its exponent's length (see verifyCost), so that keys with huge
	// exponents cannot turn the KeyTrap bound into seconds of modular
	// exponentiation.
	rsaExponentUnit = 256
)

// errRSAKeySize marks an RSA key whose modulus lies outside the sizes RFC
// 3110 allows; such a key never verifies anything.
var errRSAKeySize = errors.New("RSA modulus outside the 512 to 4096 bits of RFC 3110 §2")

func isRSA(alg uint8) bool {
	switch alg {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
		return true
	}
	return false
}

// rsaPublicKey decodes RFC 3110 §2 key data: a one-octet exponent length
// (or zero and two octets), the exponent, the modulus.
func rsaPublicKey(k *dns.DNSKEY) (n, e *big.Int, err error) {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.PublicKey), ""))
	if err != nil || len(b) < 3 {
		return nil, nil, fmt.Errorf("malformed RSA public key")
	}
	elen, off := int(b[0]), 1
	if elen == 0 {
		elen, off = int(b[1])<<8|int(b[2]), 3
	}
	if elen == 0 || off+elen >= len(b) {
		return nil, nil, fmt.Errorf("malformed RSA public key: exponent length %d", elen)
	}
	e = new(big.Int).SetBytes(b[off : off+elen])
	n = new(big.Int).SetBytes(b[off+elen:])
	if bits := n.BitLen(); bits < minRSAModulusBits || bits > maxRSAModulusBits {
		return nil, nil, fmt.Errorf("%w: %d bits", errRSAKeySize, bits)
	}
	// An exponent of 1 (or any even one) is no RSA key: with e = 1 every
	// padded digest is its own "signature".
	if e.Cmp(big.NewInt(3)) < 0 || e.Bit(0) == 0 || e.BitLen() > maxRSAModulusBits {
		return nil, nil, fmt.Errorf("malformed RSA public key: exponent of %d bits", e.BitLen())
	}
	return n, e, nil
}

// rsaKeyUnsupported reports whether k is an RSA key of a size RFC 3110
// does not define (see errRSAKeySize) and its modulus length.
func rsaKeyUnsupported(k *dns.DNSKEY) (bool, int) {
	if !isRSA(k.Algorithm) {
		return false, 0
	}
	n, _, err := rsaPublicKey(k)
	if errors.Is(err, errRSAKeySize) {
		b, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.PublicKey), ""))
		return true, rsaModulusBits(b)
	}
	if err != nil {
		return false, 0
	}
	return false, n.BitLen()
}

// rsaModulusBits is the modulus length of raw RFC 3110 key data, 0 when
// malformed.
func rsaModulusBits(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	elen, off := int(b[0]), 1
	if elen == 0 {
		elen, off = int(b[1])<<8|int(b[2]), 3
	}
	if off+elen >= len(b) {
		return 0
	}
	return new(big.Int).SetBytes(b[off+elen:]).BitLen()
}

// verifyCost is the number of units of the per-lookup verification budget
// one verification with k costs: 1, plus one per rsaExponentUnit bits of
// an RSA exponent.
func verifyCost(k *dns.DNSKEY) int64 {
	if !isRSA(k.Algorithm) {
		return 1
	}
	_, e, err := rsaPublicKey(k)
	if err != nil {
		return 1
	}
	return 1 + int64(e.BitLen()/rsaExponentUnit)
}

// goRSARefuses reports whether crypto/rsa (and so miekg/dns) would refuse
// key k: a modulus under 1024 bits or an exponent above 2^31-1.
func goRSARefuses(k *dns.DNSKEY) bool {
	n, e, err := rsaPublicKey(k)
	if err != nil {
		return false // let miekg/dns report the malformed key
	}
	return n.BitLen() < 1024 || e.BitLen() > 31
}

// DigestInfo prefixes of EMSA-PKCS1-v1_5 (RFC 8017 §9.2, note 1).
var (
	sha1Prefix   = []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}
	sha256Prefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	sha512Prefix = []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
)

// pkcs1Encoded returns EM = 0x00 || 0x01 || PS || 0x00 || DigestInfo for a
// modulus of size octets (RFC 8017 §9.2), or nil when it does not fit.
func pkcs1Encoded(alg uint8, data []byte, size int) []byte {
	var digest, prefix []byte
	switch alg {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1:
		h := sha1.Sum(data) //nolint:gosec // see import
		digest, prefix = h[:], sha1Prefix
	case dns.RSASHA256:
		h := sha256.Sum256(data)
		digest, prefix = h[:], sha256Prefix
	case dns.RSASHA512:
		h := sha512.Sum512(data)
		digest, prefix = h[:], sha512Prefix
	default:
		return nil
	}
	tlen := len(prefix) + len(digest)
	// RFC 8017 §9.2 step 3: at least 8 octets of 0xff padding.
	if size < tlen+11 {
		return nil
	}
	em := make([]byte, size)
	em[1] = 1
	for i := 2; i < size-tlen-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-tlen:], prefix)
	copy(em[size-len(digest):], digest)
	return em
}

// verifyRSA checks an RSA/SHA-1, SHA-256 or SHA-512 RRSIG (RFC 3110 §3,
// RFC 5702 §3): a PKCS#1 v1.5 signature over the signed data of RFC 4034
// §3.1.8.1, computed with math/big for the keys crypto/rsa refuses.
func verifyRSA(sig *dns.RRSIG, k *dns.DNSKEY, rrs []dns.RR) error {
	n, e, err := rsaPublicKey(k)
	if err != nil {
		return err
	}
	data, err := signedData(sig, rrs)
	if err != nil {
		return err
	}
	size := (n.BitLen() + 7) / 8
	want := pkcs1Encoded(sig.Algorithm, data, size)
	if want == nil {
		return fmt.Errorf("RSA modulus of %d bits too short for algorithm %d", n.BitLen(), sig.Algorithm)
	}
	s, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sig.Signature), ""))
	if err != nil {
		return fmt.Errorf("malformed RSA signature")
	}
	// RFC 8017 §8.2.2 step 1: the signature is as long as the modulus.
	if len(s) != size {
		return fmt.Errorf("RSA signature of %d octets for a %d-octet modulus", len(s), size)
	}
	si := new(big.Int).SetBytes(s)
	if si.Cmp(n) >= 0 {
		return fmt.Errorf("RSA signature out of range")
	}
	em := new(big.Int).Exp(si, e, n).FillBytes(make([]byte, size))
	if !bytes.Equal(em, want) {
		return dns.ErrSig
	}
	return nil
}

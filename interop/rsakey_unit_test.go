package interop

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestWriteRSAKey checks the key files of writeRSAKey without any daemon:
// the DNSKEY carries the requested exponent (RFC 3110 §2 encoding, one
// or three length octets), the private file the same modulus and
// exponent, and the key tag in the file name is the record's.
func TestWriteRSAKey(t *testing.T) {
	for _, tc := range []struct {
		e    *big.Int
		bits int
		ksk  bool
	}{
		{new(big.Int).SetUint64(1<<32 + 15), 1024, true},
		{new(big.Int).SetUint64(1<<63 + 25), 512, false},
		// 2^2100+ something odd: an exponent longer than 255 octets
		// needs the three-octet length form.
		{new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 2100), big.NewInt(1)), 1024, true},
	} {
		dir := t.TempDir()
		base, err := writeRSAKey(dir, "example.", dns.RSASHA256, tc.bits, tc.e, tc.ksk)
		if err != nil {
			t.Fatalf("e of %d bits: %v", tc.e.BitLen(), err)
		}
		text, err := os.ReadFile(filepath.Join(dir, base+".key"))
		if err != nil {
			t.Fatal(err)
		}
		rr, err := dns.NewRR(string(text))
		if err != nil {
			t.Fatalf("%s.key: %v", base, err)
		}
		k := rr.(*dns.DNSKEY)
		if want := map[bool]uint16{true: 257, false: 256}[tc.ksk]; k.Flags != want {
			t.Errorf("flags %d, want %d", k.Flags, want)
		}
		if !strings.HasSuffix(base, fmt.Sprintf("+008+%05d", k.KeyTag())) {
			t.Errorf("file %s does not carry key tag %d", base, k.KeyTag())
		}
		b, _ := base64.StdEncoding.DecodeString(k.PublicKey)
		elen, off := int(b[0]), 1
		if elen == 0 {
			elen, off = int(b[1])<<8|int(b[2]), 3
		}
		e := new(big.Int).SetBytes(b[off : off+elen])
		n := new(big.Int).SetBytes(b[off+elen:])
		if e.Cmp(tc.e) != 0 || n.BitLen() != tc.bits {
			t.Errorf("DNSKEY exponent %v (%d-bit modulus), want %v (%d)", e, n.BitLen(), tc.e, tc.bits)
		}
		priv, err := os.ReadFile(filepath.Join(dir, base+".private"))
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]*big.Int{}
		for _, l := range strings.Split(string(priv), "\n") {
			name, v, ok := strings.Cut(l, ": ")
			if raw, err := base64.StdEncoding.DecodeString(v); ok && err == nil && name != "Algorithm" && name != "Private-key-format" {
				fields[name] = new(big.Int).SetBytes(raw)
			}
		}
		if fields["Modulus"].Cmp(n) != 0 || fields["PublicExponent"].Cmp(tc.e) != 0 {
			t.Errorf("private file's modulus or exponent differs from the DNSKEY's")
		}
		// A signature made with the CRT fields verifies with e.
		p, q := fields["Prime1"], fields["Prime2"]
		m := big.NewInt(123456789)
		s1 := new(big.Int).Exp(m, fields["Exponent1"], p)
		s2 := new(big.Int).Exp(m, fields["Exponent2"], q)
		h := new(big.Int).Mul(fields["Coefficient"], new(big.Int).Sub(s1, s2))
		h.Mod(h, p)
		s := new(big.Int).Add(s2, h.Mul(h, q))
		if new(big.Int).Exp(s, e, n).Cmp(m) != 0 {
			t.Errorf("e of %d bits: a CRT signature does not verify", tc.e.BitLen())
		}
	}
	if _, err := writeRSAKey(t.TempDir(), "example.", dns.RSASHA256, 1024, big.NewInt(65536), true); err == nil {
		t.Error("an even exponent: want an error")
	}
}

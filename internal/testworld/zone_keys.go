package testworld

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"

	"github.com/miekg/dns"
)

// zoneKey is one DNSKEY of a zone together with the private key that
// signs with it. signer is nil for keys of algorithms this package cannot
// sign with (unsupported-algorithm scenarios): their "signatures" are
// random bytes of a plausible length.
type zoneKey struct {
	dnskey *dns.DNSKEY
	signer crypto.Signer
	tag    uint16
}

// DNSKEY flag values (RFC 4034 §2.1.1, RFC 3757).
const (
	flagZSK = 256
	flagKSK = 257
)

// newZoneKey creates a DNSKEY of the given algorithm and flags for origin.
// RSA keys come from fixed test-only key material (see rsaTestKeys) so that
// starting a world never waits for RSA key generation; ECDSA and Ed25519
// keys are fresh for every world because generating them takes
// microseconds. Algorithms that cannot be signed with get a random public
// key.
func newZoneKey(origin string, alg uint8, flags uint16) (*zoneKey, error) {
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     flags,
		Protocol:  3,
		Algorithm: alg,
	}
	var signer crypto.Signer
	switch alg {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
		priv, err := rsaTestKey(alg, flags)
		if err != nil {
			return nil, err
		}
		k.PublicKey = rsaPublicKey(&priv.PublicKey)
		signer = priv
	case dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519:
		bits := 256
		if alg == dns.ECDSAP384SHA384 {
			bits = 384
		}
		// miekg/dns takes key tag 0 for "unset" and refuses to sign with
		// such a key, although 0 is a valid tag (RFC 4034 Appendix B):
		// draw again, which happens once in 65536 keys.
		var priv crypto.PrivateKey
		for try := 0; try < 8; try++ {
			var err error
			if priv, err = k.Generate(bits); err != nil {
				return nil, fmt.Errorf("generate algorithm %d key for %s: %w", alg, origin, err)
			}
			if k.KeyTag() != 0 {
				break
			}
		}
		switch p := priv.(type) {
		case *ecdsa.PrivateKey:
			signer = p
		case ed25519.PrivateKey:
			signer = p
		default:
			return nil, fmt.Errorf("generate algorithm %d key for %s: unexpected key type %T", alg, origin, priv)
		}
	default:
		k.PublicKey = base64.StdEncoding.EncodeToString(randomBytes(fakeKeyLen(alg)))
	}
	return &zoneKey{dnskey: k, signer: signer, tag: k.KeyTag()}, nil
}

// rsaPublicKey encodes an RSA public key as DNSKEY public key data
// (RFC 3110 §2: exponent length, exponent, modulus).
func rsaPublicKey(pub *rsa.PublicKey) string {
	e := big.NewInt(int64(pub.E)).Bytes()
	var buf []byte
	if len(e) < 256 {
		buf = append(buf, byte(len(e)))
	} else {
		buf = append(buf, 0, byte(len(e)>>8), byte(len(e)))
	}
	buf = append(buf, e...)
	buf = append(buf, pub.N.Bytes()...)
	return base64.StdEncoding.EncodeToString(buf)
}

// fakeKeyLen and fakeSigLen give plausible sizes for keys and signatures
// of algorithms this package does not sign with: Ed448 (RFC 8080 §3, §4)
// and 64 octets for anything else.
func fakeKeyLen(alg uint8) int {
	if alg == dns.ED448 {
		return 57
	}
	return 64
}

func fakeSigLen(alg uint8) int {
	if alg == dns.ED448 {
		return 114
	}
	return 64
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testworld: crypto/rand: %v", err)) // cannot fail on Linux
	}
	return b
}

// rsaTestKey returns the fixed test key for an RSA algorithm: 2048 bits
// for RSASHA512 (RFC 5702 §2 allows 1024 to 4096), 1024 bits otherwise,
// a different key for KSK and ZSK. The same key material serves every RSA
// algorithm; the algorithm number in the DNSKEY makes the key tags differ.
func rsaTestKey(alg uint8, flags uint16) (*rsa.PrivateKey, error) {
	var p string
	switch {
	case alg == dns.RSASHA512 && flags == flagKSK:
		p = rsa2048KSKPEM
	case alg == dns.RSASHA512:
		p = rsa2048ZSKPEM
	case flags == flagKSK:
		p = rsa1024KSKPEM
	default:
		p = rsa1024ZSKPEM
	}
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return nil, fmt.Errorf("decode RSA test key: no PEM block")
	}
	k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("decode RSA test key: %w", err)
	}
	return k, nil
}

// Fixed RSA keys for the test world only. They are public (they are in
// this source file) and must never sign anything outside a test world.
// Keeping them fixed makes StartDNS independent of RSA key generation,
// which takes tens to hundreds of milliseconds per key.
const (
	rsa1024KSKPEM = `-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQDW0MdE8koAlg52Kz5kkGBUbbn60woFZZpmm8SjQF6nTbS0nyPb
Fo930PLe75olKy18uUinVa3zryOmmRXRsr/mxh8R84motRVxWUQcxqGzo869ehCM
BfmdLQMF44n061kSeqFJafENuNOX7kZ8Shskpyo++ajhR4XR0snmSsGVUwIDAQAB
AoGADAoxPlGFc/P1GorA7qT9k9h/NdTcjmyL6K1ZVOcM3GapYVLmu7xPd+ExA5gS
n9EENdCIBxebw3kw+oDrrVBN8Lh7Lp/FjMk4ogKfYrzZoZasv6DEnsaVQyHM7Sx+
VgyJYI8/VtpbMStAvhW0x7qipcNOB+0ttSj1A+ZBF4F2hHUCQQDvt61JJtGLJ3AZ
ONEMrPHwaTx9fV/XLZFxb4USRMFJUHoV7DykdmGiQ495CR3T9pP/SNgob5XpFeSb
6b4yzIqdAkEA5WgYLc5x6dbredzybl6pcu2/U8rDO1Pse18qEJlMAv7dvhMMoUgD
mu42ol1i9nKYZSyBNJBsiDT5lvBLyPfkrwJAayVxOeo07PriuxNPNVg0B94x4HFi
nj5K7SYIl8LNliR3fUcLUANt3mZOQa5We8CSJB/+JgzCN93GQf43OmN8bQJBANGv
bwJXg/nIj53o3dMSRXIea9ZsLD1LPYma93kKldbbHNXC1bWJfHodqOSJ1Y4MOs2n
e0YPiJSLT2Ouqqa8J1MCQEZqJrmVo8vAJJD5vhpza+480T1p8EQhLQMlFH81jkNk
wNDkv1AvSY9Yba9PS0dYLEab3gy6j6PBcZVTI7iZ7ss=
-----END RSA PRIVATE KEY-----
`
	rsa1024ZSKPEM = `-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDnMYhO0kiSgVdEr1Q/hW7gXlowk8zGU32O2pmMvIQT0Ol2RWPD
3O2N3/6uKPzcoByiq1VnppXZ6rla0ma5xyjJ7sgcGoPgvFp0WEKbqecVyY+sKNOB
bN7IWClfrex4xCCNyrtJzn5gGgEu7SxJc1M8ixZbg0955lyRbSlRQ9PI6QIDAQAB
AoGAAn7u5Ubw4KAD1Kp94teqbEKof5jA3608EEQ83x+T33DkbFHwc0dZyyvNYIzx
ueICnSDzYZSTTpBxotDdqgjD4HDxvqEczymptEffIw2nc2PJj1AARzZX7+uh9GZx
pa3useP2zpefMHfXhZEOBmrpERxYAu+jM41W7yG6KdOoKxkCQQDsiI2R2Hec+xz4
y0RKU2lWfb0wltfv+hTGqItXAXHE/nsm454cMGZCGzVvRVl8WkRoMdKGMJNesU+G
wBUmK8ZlAkEA+jh5awVolwIB86sceC4pjyF009bolaAJqRFfJBASL02OsVcEX1eI
NxC0Wmiqg+nyBHRDpJoJnQW6JxK8c8Z+NQJAO+PvhKg80SC8GzrMlc089Mttpenr
zzWRISP39BXHisusvxIPLLAMlFxzUTNMDzKD86X52kRebDGVI1drg3i+CQJBAME+
mFcU6D+np0Y+olAWprYJyqZIVXwpCwztg6LgXor1xPwlDhVsDqEoX4FrUDVsmiLi
f9NBu6bvY2MFz1FCvPkCQQDseCDbQGEgagMGGy9rgASXrDimSJVdGpUfWgLXbry3
gVQ2AKoo8K7wAf+PoSRp8MU3Z2+l/JmvfTr+O5SAYWIb
-----END RSA PRIVATE KEY-----
`
	rsa2048KSKPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAkimuPlEIyi042+KYcuI9Iz1Yn7v0qq/fpBkG08WUSO5pJnxf
eTv4sXbqwLIx6QAGOgZjBTp89s/ihCd8ktKPhwgrx0uahLZ+OVCPHU3DqBFT4KRf
W30YBt0ypaNV2dF3JxXlmbdi/Q2FeXixlyWCfpx28/e6oXCs8jFSRCocDpymtL83
R5MdURKA45aTQo+3JnFd7GH0Fh7c4YPbLHGMO09MwadxbDIx1FUD/cAb/TuxsVC+
4B0uvLiLziv7dCdfGVYggZDHMsAqS2HnTz6Sua7BZawcB5X8CD2JsfBaMOysMDng
6p129d1BuLqLdCVikTeX7YQQT0MritRaitc0DwIDAQABAoIBAAcstpnmfmj2OVFJ
2TPieR/Othf5MPRj97VlaRliHHpMAata9ZDM6dNERBe7Z4nJb4TPpXKvQU0YPUVB
bvMCFPuK4iNBSc9z6dREaRIGLDGG0Dg5uViTVmeX2hGZZ/BuQMwRXhjikKBdVoz0
6LrDo5k1cv1czrN4BXVKCIDCFGh/Iw4nc2/F8XL+dsZ9k7a09hjUjYdLYcoKN/lf
cLKmbML/K7fRj4txpvOqhf0VO9KXeOyk3KXGYZjWfP1jDmorqxqwXOS6myJGvvdo
xqPi83YHpEoo2UloOpvQQ0mFPygWHFMshB1tVT922v5KlLTM5COrmb+XcnircDnH
MPFfookCgYEAwZYkIO2p2pvtUvzSoLzkJZ7Ni6eqo46xxPYTXIs5EdDKAlF4VO5W
REiYaFRWoY63idzlQhc/ZW+7pHYKlqNKA89G8lCllk9balqiPXHhgY2b7aD16DLs
Ni3AVNH+tPpF2OvAmOWplicOaP2V/T83t3W9B5+XoG6tfFT1MJSkfQUCgYEAwUlg
yi2OcftCe2nNFR2b6EkevVoMxhxQhiqrnWtB6kSls4+D6WcVlwUiQXPWvs1trHnM
Y6rIqzP+betYPQJa6FnwBPZ4Ihij6i7/o8Oc8KBoRIuQcoRohK0j6bEHyyUz9msA
dcfhmeuvsgt4Wbwpg+kgh0v/h9Ib3CeDwHoXWQMCgYBFptvA7UIb4dZ18XlnVA9S
adzSzrTavFDB6Tf2KDGUc2b7hoyhIk/vqZ8MiqvQ3SS0ecITEYJB4P3GoqIUqRPM
YxvHu7SYbF0b2xhcu0jD8EuWKD/SF+BdbgCxhAz82L+g2NInMRrfZ5YLuJHq2IAX
hklJIObRVoEdJwRBQnoccQKBgG7+93FDFhEIjBYZHOdqWHTdQKTWSI2gBvH1IRZG
WNTyVQG3gbYQN4rBLPnPTtvFVpz8WM5HbfM66Xov8z0d1ByoQThoXXafFcpO8QkX
NVHNm/L4/pt0xByk3QG/Ys1a8OsqaVo5zak5emzRP2ywrFqPDtoDX5ucodkcbAGl
WzEHAoGBAK3boFV8HUlg3ZrlsA+Dl6Mpu+9mVzkdKcXlQfNZkqezYe6L3zf404T9
68LLu4yPiDHgnHJwwzM5XGE1kL0X2dW63Qxtmg855KhGWa/ZfqKvTacOlIdUWf0w
8uSaJvK3CdVz8UKslVzL9jYJfvORl8OShVTC8gF96LAEv8ZKPraL
-----END RSA PRIVATE KEY-----
`
	rsa2048ZSKPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAzEH+latJ2rmIdAG/6Kn2C7oUq1zONOR5wL2ZmIVLLTqtphM2
I21jdgM5wC6FIUI1dmQo1y8fjBfSZ4FmWkL4k2zKA4AxGCkkG4I2ZaY8ey7OPIR4
hIBpen1VvWRmrIYOmVkNjI2MP+wf7T/EtSPWizDhLSeInUwGJnN4YB0W+m4aTl8s
JEYPMrLixMYLLcARMyOFhOAj4dhfDA5Nop6irPxsuQYcyuCtCMvpYwPzzor2RLAA
sric0PNGVvIgDuGtkyKOBgWeZsrHhf3uZ3yEWPkB3inMD7dB6X3shXprRY2jL89+
jrS4Yvkpvv1qmzOPOiOAZ7VC6jVIIFXx5mc81QIDAQABAoIBAC6rgI41kD8p57/r
22u/k9CroIfkAVisAJa1q5fiEuJ/dwhMePEA0Do5c/NRnckS3fDSY1OBeKGTmtdc
BWUnyrCyqXjBzFXjJpUjfCbfJBAYSnag5QGPbqpWY2YN//i4+7J1mscr22kKnGPi
z2D9EosErNqanxgjs/8KoK1DUEoBP8D4Y44Io0l/xFTH/EmdmAK243jIH5UjBLhy
KGm2QRWMZ01flT22k7qBYcRPWNanvBvCHj6yfKOMeCsDSSMtvigwEdGt8yQLlKkz
tth76uHlgPDLPI7YjDcfKYJjDLVCEmdJ116S2OPHJeQiKUzLQslxWXw0nHp6rkSN
+qX0thECgYEAz084XtB1m72NTpBasdR/ewV18Fg2NrWcAbLyAxJnks0fY0dd+Axe
a59QHrypwa5RMU3sL1UtNa8xjUgCJ/oiba5pFDeEjwL4pBNVJ0i+kpikzWIPs7lD
q4+D2zueZuerawnOCRiCqUtPWPxpSNrXB8OVfNb+ObW9YsYQlTOzSpECgYEA/DtJ
5CXK8vuk/WiWMMG3GkP5FYYveFNc0dC3YDsBdOggEqq0MtODrgRwoKVZquV4PO1B
cqXpi3xl4Adtwkwu1XRxS9tbElJtF91iH5n0/dQaN9bMK3DrKhIqx8dyHTpFrDG/
GROH3madyjC9fP1E7CWHtgRO27X+WypwzLMOSAUCgYEAlA8KPX04YdCRGWkzvQn9
Ogl+X/dAUPaHwxbgjZ0ZZ9kj763KyRtcXBTeDfXEb9Vlm4cBhhSZQ1wqUbL6Bz84
U4la9ttnyxPeLKC6EmJ76QsnuJ+ugzdvwxmunGcKDIis/rdz9T8SIoLs2qr7LtNM
+/iNzSlnTCQmbGL0+PqBtGECgYEA4+KBKQLIMO4Qq+7xOw3Z634cLkk03Eac5ufm
tae58jDCwXq/Ieid4Pwb8dhSgieekZVd+0JRFfgHZvfvP4trCOmSbxG5X31fGR+o
RprnkOkv4uFLR7hWj4UoZ6UXwbZjOmcbm4Fc0R/vUbzlhmag/aYOzfFoefMc4qse
jKL9tS0CgYBiHCrad1Uze6Ufu81IdVdOlm803KTN5ptQhS1wYAmF+3BpekrmUFca
iV7DLLftpbn1cIPVlKQ0lQnyOqWHvCAwNb/xsMrEko8rXYgrm35KZTCFVQeeFQyn
NnybbQ6omaYDQOfehja1R+K9Zxglb30FyWXJeGGOXbXOMjWq+mOVaQ==
-----END RSA PRIVATE KEY-----
`
)

package tlsa

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseChain(t *testing.T) {
	w := newWorld(t, nil)
	leaf, inter := pemOf("CERTIFICATE", w.leaf.cert.Raw), pemOf("CERTIFICATE", w.inter.cert.Raw)
	ecKey, err := x509.MarshalECPrivateKey(w.leaf.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want []*x509.Certificate
		err  string
	}{
		{"leaf first", append(append([]byte(nil), leaf...), inter...), w.chain(), ""},
		{"combined file with key", append(append(pemOf("EC PRIVATE KEY", ecKey), leaf...), inter...), w.chain(), ""},
		{"text around blocks", append(append([]byte("subject=CN=mx\n"), leaf...), "trailing\n"...), w.chain()[:1], ""},
		{"DER", w.leaf.cert.Raw, w.chain()[:1], ""},
		{"empty", nil, nil, "no certificate"},
		{"key only", pemOf("EC PRIVATE KEY", ecKey), nil, "no certificate"},
		{"garbage", []byte("not a certificate"), nil, "no certificate"},
		{"broken second certificate", append(append([]byte(nil), leaf...), pemOf("CERTIFICATE", []byte{0x30, 0x03, 1, 2, 3})...), nil, "certificate 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChain(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseChain = %d certs, %v; want error %q", len(got), err, tc.err)
				}
				if tc.err == "no certificate" && !errors.Is(err, ErrNoCertificate) {
					t.Errorf("error %v does not wrap ErrNoCertificate", err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("ParseChain = %d certs, %v; want %d", len(got), err, len(tc.want))
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Errorf("certificate %d is %s, want %s", i, got[i].Subject, tc.want[i].Subject)
				}
			}
		})
	}
}

func TestParseNext(t *testing.T) {
	w := newWorld(t, nil)
	spkiOf := func(pub any) []byte {
		b, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ecPriv := w.leaf.key.(*ecdsa.PrivateKey)
	ecDER, _ := x509.MarshalECPrivateKey(ecPriv)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)

	for _, tc := range []struct {
		name     string
		in       []byte
		spki     []byte
		chainLen int
		err      string
	}{
		{"chain", append(pemOf("CERTIFICATE", w.leaf.cert.Raw), pemOf("CERTIFICATE", w.inter.cert.Raw)...), nil, 2, ""},
		{"public key", pemOf("PUBLIC KEY", spkiOf(ecPriv.Public())), spkiOf(ecPriv.Public()), 0, ""},
		{"EC private key", pemOf("EC PRIVATE KEY", ecDER), spkiOf(ecPriv.Public()), 0, ""},
		{"RSA private key", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), spkiOf(rsaPriv.Public()), 0, ""},
		{"PKCS8 Ed25519", pemOf("PRIVATE KEY", edDER), spkiOf(edPriv.Public()), 0, ""},
		{"PKCS8 P-384", pemOf("PRIVATE KEY", p384DER), spkiOf(p384.Public()), 0, ""},
		{"first key wins", append(pemOf("PUBLIC KEY", spkiOf(ecPriv.Public())), pemOf("PRIVATE KEY", edDER)...), spkiOf(ecPriv.Public()), 0, ""},
		{"nothing", []byte("hello"), nil, 0, "no certificate, public key or private key"},
		{"bad public key", pemOf("PUBLIC KEY", []byte{1, 2, 3}), nil, 0, "public key"},
		{"bad private key", pemOf("PRIVATE KEY", []byte{1, 2, 3}), nil, 0, "private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseNext(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseNext = %+v, %v; want error %q", n, err, tc.err)
				}
				return
			}
			if err != nil || len(n.Chain) != tc.chainLen || !bytes.Equal(n.SPKI, tc.spki) {
				t.Fatalf("ParseNext = %d certs, spki %x, %v; want %d certs, spki %x", len(n.Chain), n.SPKI, err, tc.chainLen, tc.spki)
			}
			recs, err := NextRecords(n)
			if err != nil || len(recs) == 0 {
				t.Fatalf("NextRecords = %v, %v", recs, err)
			}
			// The first record authenticates the next server key.
			want := rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)
			if tc.spki != nil {
				want, _ = GenerateKey(tc.spki, DANEEE, SHA256)
			}
			if recs[0].String() != want.String() {
				t.Errorf("NextRecords[0] = %s, want %s", recs[0], want)
			}
		})
	}
	if _, err := NextRecords(nil); err == nil {
		t.Error("NextRecords(nil) did not fail")
	}
}

func TestGenerateAt(t *testing.T) {
	w := newWorld(t, nil)
	chain := w.chain()
	for _, tc := range []struct {
		depth     int
		u         Usage
		chain     []*x509.Certificate
		wantDepth int
		err       string
	}{
		{-1, DANEEE, chain, 0, ""},
		{-1, PKIXEE, chain, 0, ""},
		{-1, DANETA, chain, 1, ""},
		{-1, PKIXTA, chain, 1, ""},
		{0, DANETA, chain, 0, ""},
		{1, DANEEE, chain, 1, ""},
		{-1, DANETA, chain[:1], 1, "has 1 certificate(s), none at position 1 (for usage 2 the issuer must be in the chain)"},
		{2, DANEEE, chain, 2, "none at position 2"},
		{-1, DANEEE, nil, 0, "has 0 certificate(s), none at position 0"},
	} {
		r, depth, err := GenerateAt(tc.chain, tc.depth, tc.u, SPKI, SHA256)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("GenerateAt(depth %d, usage %d) = %v, %v; want error %q", tc.depth, tc.u, r, err, tc.err)
			}
			continue
		}
		if err != nil || depth != tc.wantDepth || r.String() != rec(t, chain[tc.wantDepth], tc.u, SPKI, SHA256).String() {
			t.Errorf("GenerateAt(depth %d, usage %d) = %v at %d, %v; want the record of position %d", tc.depth, tc.u, r, depth, err, tc.wantDepth)
		}
	}
}

func TestOwnerHost(t *testing.T) {
	for _, tc := range []struct {
		dns  []string
		cn   string
		want string
	}{
		{[]string{"*.example.org", "mx.example.org"}, "ignored", "mx.example.org"},
		{nil, "mx.example.org", "mx.example.org"},
		{[]string{"*.example.org"}, "*.example.org", ""},
		{nil, "Mail Server", ""},
		{nil, "", ""},
	} {
		c := &x509.Certificate{DNSNames: tc.dns}
		c.Subject.CommonName = tc.cn
		if got := OwnerHost(c); got != tc.want {
			t.Errorf("OwnerHost(%v, CN %q) = %q, want %q", tc.dns, tc.cn, got, tc.want)
		}
	}
	if OwnerHost(nil) != "" {
		t.Error("OwnerHost(nil) is not empty")
	}
}

func TestParseRecordArgs(t *testing.T) {
	const d = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	good := func(args []string, want ...string) {
		t.Helper()
		got, err := ParseRecordArgs(args)
		if err != nil || len(got) != len(want) {
			t.Fatalf("ParseRecordArgs(%q) = %v, %v; want %d records", args, got, err, len(want))
		}
		for i := range got {
			if got[i].String() != want[i] {
				t.Errorf("record %d = %s, want %s", i, got[i], want[i])
			}
		}
	}
	bad := func(args []string, why string) {
		t.Helper()
		if got, err := ParseRecordArgs(args); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseRecordArgs(%q) = %v, %v; want an error saying %q", args, got, err, why)
		}
	}
	good([]string{"3 1 1 " + d}, "3 1 1 "+d)
	good([]string{"3", "1", "1", d}, "3 1 1 "+d)
	good([]string{"3 1 1 " + d, "2", "1", "1", d, "DANE-EE SPKI SHA2-256 " + d}, "3 1 1 "+d, "2 1 1 "+d, "3 1 1 "+d)
	good(nil)
	bad([]string{"3", "1", "1"}, "want four fields")
	bad([]string{"3 1 1 " + d, "3", "1"}, "want four fields")
	bad([]string{"3 1 1 zz"}, "association data")
	bad([]string{"3", "1", "256", d}, "matching type")
	many := make([]string, MaxRecords+1)
	for i := range many {
		many[i] = "3 1 1 " + d
	}
	bad(many, "more than 1000 records")
}

func TestParseRecordList(t *testing.T) {
	const d = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	list := "; dig +noall +answer TLSA _25._tcp.mx.example.org\r\n" +
		"\n" +
		"# a comment\n" +
		"3 1 1 " + d + " ; the current key\n" +
		"_25._tcp.mx.example.org. 300 IN TLSA 2 1 1 " + d[:32] + " " + d[32:] + "\n" +
		"_25._tcp.mx.example.org.\t3600\tIN\tTLSA\t3 0 2 " + strings.Repeat("ab", 64) + "\r\n" +
		"_25._tcp.mx.example.org. TLSA 3 1 0 3059301306072a8648ce3d020106082a8648ce3d030107034200"
	got, err := ParseRecordList([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3 1 1 " + d, "2 1 1 " + d, "3 0 2 " + strings.Repeat("ab", 64), "3 1 0 3059301306072a8648ce3d020106082a8648ce3d030107034200"}
	if len(got) != len(want) {
		t.Fatalf("ParseRecordList = %v; want %v", got, want)
	}
	for i := range got {
		if got[i].String() != want[i] {
			t.Errorf("record %d = %s, want %s", i, got[i], want[i])
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"3 1 1 " + d + "\n3 1 1 zz\n", "line 2: malformed TLSA record: association data"},
		{"\n\nmx.example.org. IN TXT TLSA\n", "line 3: malformed TLSA record: not a TLSA record"},
		{"mx.example.org. IN TLSA 3 1\n", "line 1: malformed TLSA record"},
		{"3 1\n", "line 1: malformed TLSA record"},
		{"_25._tcp.mx.example.org. TLSA\n", "line 1: malformed TLSA record: no certificate association data"},
		{strings.Repeat("3 1 1 "+d+"\n", MaxRecords+1), "line 1001: more than 1000 records"},
	} {
		got, err := ParseRecordList([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseRecordList(%.40q) = %v, %v; want error %q", tc.in, got, err, tc.err)
		}
		if strings.Contains(tc.err, "malformed") && !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseRecordList(%.40q): %v does not wrap ErrSyntax", tc.in, err)
		}
	}
}

package tlsa

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGate judges renewals against published sets the way they happen:
// the candidate is issued for real and, where the gate says "safe", Verify
// of the candidate against the published set must match (and where it
// proposes records, the set with them must match).
func TestGate(t *testing.T) {
	w := newWorld(t, nil)
	root, inter, leaf := w.root.cert, w.inter.cert, w.leaf.cert
	sameKey := mkCert(t, leafTemplate("mx.example.org"), inter, w.leaf.key, w.inter.key)
	newKeyK := key(t)
	newKey := mkCert(t, leafTemplate("mx.example.org"), inter, newKeyK, w.inter.key)
	inter2Key := key(t)
	inter2 := mkCert(t, caTemplate("Test Intermediate 2"), root, inter2Key, w.root.key)
	fromInter2 := mkCert(t, leafTemplate("mx.example.org"), inter2, newKeyK, inter2Key)
	wrongName := mkCert(t, leafTemplate("other.example.org"), inter2, newKeyK, inter2Key)

	ee311 := rec(t, leaf, DANEEE, SPKI, SHA256)
	ee312 := rec(t, leaf, DANEEE, SPKI, SHA512)
	ee301 := rec(t, leaf, DANEEE, Cert, SHA256)
	ta211 := rec(t, inter, DANETA, SPKI, SHA256)
	ta211next := rec(t, inter2, DANETA, SPKI, SHA256)
	root211 := rec(t, root, DANETA, SPKI, SHA256)
	next311 := rec(t, newKey, DANEEE, SPKI, SHA256)
	pkix := rec(t, leaf, PKIXEE, SPKI, SHA256)

	secure := func(recs ...Record) Published {
		return Published{Owner: "_25._tcp.mx.example.org.", State: DNSSecure, Records: recs, TTL: 300 * time.Second}
	}
	chain := func(c ...*x509.Certificate) Candidate { return Candidate{Chain: c, SPKI: c[0].RawSubjectPublicKeyInfo} }
	keyOnly := func(c *x509.Certificate) Candidate { return Candidate{SPKI: c.RawSubjectPublicKeyInfo} }
	tests := []struct {
		name    string
		pub     Published
		cand    Candidate
		verdict GateVerdict
		mode    GateMode
		publish []string // String() of the records to publish, in order
		wait    time.Duration
	}{
		{"same key renewal keeps 3 1 1", secure(ee311), chain(sameKey, inter), GateSafe, ModeChain, nil, 0},
		{"new key breaks 3 1 1", secure(ee311), chain(newKey, inter), GateNoMatch, ModeChain, []string{next311.String()}, 300 * time.Second},
		{"new key kept by 2 1 1", secure(ee311, ta211), chain(newKey, inter), GateSafe, ModeChain, nil, 0},
		{"next key pre-published", secure(ee311, next311), chain(newKey, inter), GateSafe, ModeChain, nil, 0},
		{"3 0 1 breaks on the same key", secure(ee301), chain(sameKey, inter), GateNoMatch, ModeChain,
			[]string{rec(t, sameKey, DANEEE, Cert, SHA256).String()}, 300 * time.Second},
		{"digest agility: follow 3 1 2", secure(ee311, ee312), chain(newKey, inter), GateNoMatch, ModeChain,
			[]string{rec(t, newKey, DANEEE, SPKI, SHA512).String()}, 300 * time.Second},
		{"new issuer under a published root", secure(root211), chain(fromInter2, inter2, root), GateSafe, ModeChain, nil, 0},
		{"new issuer pre-published", secure(ta211, ta211next), chain(fromInter2, inter2), GateSafe, ModeChain, nil, 0},
		{"new issuer not published", secure(ta211), chain(fromInter2, inter2), GateNoMatch, ModeChain, []string{ta211next.String()}, 300 * time.Second},
		{"2 1 1 but the leaf lacks the names: 3 1 1 needed", secure(ta211), chain(wrongName, inter2), GateNoMatch, ModeChain,
			[]string{ta211next.String(), rec(t, wrongName, DANEEE, SPKI, SHA256).String()}, 300 * time.Second},
		{"only a PKIX record", secure(pkix), chain(sameKey, inter), GateUnusable, ModeChain,
			[]string{ee311.String(), ta211.String()}, 300 * time.Second},
		{"key: published", secure(ee311, next311), keyOnly(newKey), GateSafe, ModeKey, nil, 0},
		{"key: not published", secure(ee311, ta211), keyOnly(newKey), GateNoMatch, ModeKey, []string{next311.String()}, 300 * time.Second},
		{"key: a 2 1 1 says nothing of a bare key", secure(ta211), keyOnly(newKey), GateNoMatch, ModeKey, []string{next311.String()}, 300 * time.Second},
		{"issuer: pre-published", secure(ee311, ta211next), chain(inter2, root), GateSafe, ModeIssuer, nil, 0},
		{"issuer: root published", secure(root211), chain(inter2, root), GateSafe, ModeIssuer, nil, 0},
		{"issuer: not published", secure(ee311, ta211), chain(inter2), GateNoMatch, ModeIssuer, []string{ta211next.String()}, 300 * time.Second},
		{"absent: wait the negative TTL", Published{Owner: "_25._tcp.mx.example.org.", State: DNSAbsent, NegativeTTL: time.Hour},
			chain(sameKey, inter), GateAbsent, ModeChain, []string{ee311.String(), ta211.String()}, time.Hour},
		{"insecure", Published{Owner: "_25._tcp.mx.example.org.", State: DNSInsecure}, keyOnly(newKey), GateInsecure, ModeKey, []string{next311.String()}, 0},
		{"bogus", Published{Owner: "_25._tcp.mx.example.org.", State: DNSBogus}, chain(sameKey, inter), GateBogus, ModeChain, []string{ee311.String(), ta211.String()}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Gate(tc.pub, tc.cand, mxNames)
			if g.Verdict != tc.verdict || g.Safe != (tc.verdict == GateSafe) || g.Mode != tc.mode {
				t.Fatalf("verdict %s safe %v mode %s, want %s %s: %s", g.Verdict, g.Safe, g.Mode, tc.verdict, tc.mode, g.Detail)
			}
			var got []string
			for _, r := range g.Publish {
				got = append(got, r.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.publish, "\n") {
				t.Errorf("publish\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.publish, "\n"))
			}
			if g.Wait != tc.wait {
				t.Errorf("wait %s, want %s", g.Wait, tc.wait)
			}
			if g.Owner != tc.pub.Owner || g.Detail == "" {
				t.Errorf("owner %q detail %q", g.Owner, g.Detail)
			}
			// The judgement agrees with a sender's: for a chain, Verify of
			// the published set (with the proposal added) against it.
			if tc.mode == ModeChain {
				set := tc.pub.Records
				if !g.Safe {
					set = append(append([]Record(nil), set...), g.Publish...)
				}
				if v := Verify(set, tc.cand.Chain, mxNames); v.Verdict != VerdictMatch {
					t.Errorf("a sender with the set %v would not match: %v", set, v.Err())
				}
			}
			if g.Safe && (len(g.Matched) == 0 || len(g.Keep) != 0) {
				t.Errorf("safe with matched %v keep %v", g.Matched, g.Keep)
			}
			if !g.Safe && tc.pub.State == DNSSecure && len(g.Keep) == 0 && tc.verdict != GateUnusable {
				t.Errorf("no records to keep: %+v", g)
			}
		})
	}
}

// TestParseCandidate covers the inputs of the gate: combined files, a
// separate chain file, keys and CSRs, and the three mistakes it must name
// in one sentence (not PEM, a key of another certificate, wrong order).
func TestParseCandidate(t *testing.T) {
	w := newWorld(t, nil)
	certPEM := func(cs ...*x509.Certificate) []byte {
		var b []byte
		for _, c := range cs {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return b
	}
	keyPEM := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	other := key(t)
	csrDER, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{DNSNames: []string{"mx.example.org"}}, other)
	if err != nil {
		t.Fatal(err)
	}
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})
	badCSR := append([]byte(nil), csrDER...)
	badCSR[len(badCSR)-3] ^= 0x55
	otherSPKI, _ := x509.MarshalPKIXPublicKey(other.Public())

	good := func(name string, cert, chain, key []byte, mode GateMode, n int, spki []byte) {
		t.Helper()
		c, err := ParseCandidate(cert, chain, key)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if c.Mode() != mode || len(c.Chain) != n || string(c.SPKI) != string(spki) {
			t.Errorf("%s: mode %s, %d certificates", name, c.Mode(), len(c.Chain))
		}
	}
	bad := func(name string, cert, chain, key []byte, want error, text string) {
		t.Helper()
		_, err := ParseCandidate(cert, chain, key)
		if err == nil || (want != nil && !errors.Is(err, want)) || !strings.Contains(err.Error(), text) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want %v containing %q", name, err, want, text)
		}
	}
	leafSPKI := w.leaf.cert.RawSubjectPublicKeyInfo
	good("leaf and chain file", certPEM(w.leaf.cert), certPEM(w.inter.cert), nil, ModeChain, 2, leafSPKI)
	good("fullchain with chain.pem again", certPEM(w.leaf.cert, w.inter.cert), certPEM(w.inter.cert), nil, ModeChain, 2, leafSPKI)
	good("combined file with its key", append(certPEM(w.leaf.cert, w.inter.cert), keyPEM(w.leaf.key)...), nil, nil, ModeChain, 2, leafSPKI)
	good("certificate and its key", certPEM(w.leaf.cert), nil, keyPEM(w.leaf.key), ModeChain, 1, leafSPKI)
	good("key only", nil, nil, keyPEM(other), ModeKey, 0, otherSPKI)
	good("CSR only", nil, nil, csr, ModeKey, 0, otherSPKI)
	good("new issuer", certPEM(w.inter.cert, w.root.cert), nil, nil, ModeIssuer, 2, w.inter.cert.RawSubjectPublicKeyInfo)
	selfCA := mkCert(t, caTemplate("mx.example.org"), nil, other, nil) // what "openssl req -x509" makes
	good("self-signed with the CA flag is a server's", certPEM(selfCA), nil, nil, ModeChain, 1, selfCA.RawSubjectPublicKeyInfo)

	bad("not PEM", []byte("hello, this is not a certificate\n"), nil, nil, ErrNoCertificate, "no certificate")
	bad("key of another certificate", certPEM(w.leaf.cert), nil, keyPEM(other), ErrKeyMismatch, "CN=mx.example.org")
	bad("combined file with another key", append(certPEM(w.leaf.cert), keyPEM(other)...), nil, nil, ErrKeyMismatch, "does not belong")
	bad("CSR of another key", certPEM(w.leaf.cert), nil, csr, ErrKeyMismatch, "does not belong")
	bad("wrong order", certPEM(w.leaf.cert, w.root.cert, w.inter.cert), nil, nil, ErrChainOrder, "certificate 2 (CN=Test Root) is not issued by")
	bad("chain first", certPEM(w.inter.cert), certPEM(w.leaf.cert), nil, ErrChainOrder, "the order is reversed")
	bad("intermediate in the middle", certPEM(w.leaf.cert), certPEM(w.root.cert, w.inter.cert), nil, ErrChainOrder, "its issuer is certificate 3")
	bad("nothing in the key file", nil, nil, []byte("junk"), ErrNoKey, "no public key")
	bad("CSR with a bad signature", nil, nil, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: badCSR}), nil, "certificate request")
	bad("chain without certificate", nil, certPEM(w.inter.cert), nil, nil, "without the certificate")
	bad("nothing", nil, nil, nil, ErrNoCertificate, "give a certificate or a key")
}

package tlsa

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

// FuzzParseCandidate: the gate's input parsing never panics, every error
// is one line, and whatever parses can be judged by Gate in every DNS
// state without panicking, proposing records that authenticate it.
func FuzzParseCandidate(f *testing.F) {
	w := newWorld(f, nil)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	leaf, inter := pemOf("CERTIFICATE", w.leaf.cert.Raw), pemOf("CERTIFICATE", w.inter.cert.Raw)
	k, _ := x509.MarshalPKCS8PrivateKey(w.leaf.key)
	csr, _ := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{}, w.leaf.key)
	f.Add(leaf, inter, []byte(nil))
	f.Add(append(leaf, inter...), []byte(nil), pemOf("PRIVATE KEY", k))
	f.Add([]byte(nil), []byte(nil), pemOf("CERTIFICATE REQUEST", csr))
	f.Add(inter, leaf, []byte(nil))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte("x"), []byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	published := []Record{rec(f, w.leaf.cert, DANEEE, SPKI, SHA256), rec(f, w.inter.cert, DANETA, SPKI, SHA512)}
	f.Fuzz(func(t *testing.T, cert, chain, key []byte) {
		c, err := ParseCandidate(cert, chain, key)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		for _, st := range []DNSState{DNSSecure, DNSAbsent, DNSInsecure, DNSBogus} {
			g := Gate(Published{Owner: "_25._tcp.mx.example.org.", State: st, Records: published, TTL: time.Minute}, c, mxNames)
			if g.Safe != (g.Verdict == GateSafe) || (!g.Safe && len(g.Publish) == 0 && st == DNSSecure) {
				t.Fatalf("%s: %+v", st, g)
			}
		}
	})
}

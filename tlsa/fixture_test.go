package tlsa

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"
)

// TestOpenSSLSHA1Fixture runs the SHA-1 case on a chain made by OpenSSL
// (../testdata/tlsa/make-sha1-chain.sh): RSA keys, an intermediate signed
// with sha1WithRSAEncryption. The clock is pinned inside its validity.
func TestOpenSSLSHA1Fixture(t *testing.T) {
	chain := readFixture(t)
	if len(chain) != 3 || chain[1].SignatureAlgorithm != x509.SHA1WithRSA {
		t.Fatalf("fixture: %d certificates, intermediate signed with %v", len(chain), chain[1].SignatureAlgorithm)
	}
	leaf, inter, root := chain[0], chain[1], chain[2]
	opts := Options{Names: []string{"mx.example.org"}, Time: leaf.NotBefore.Add(time.Hour)}

	res := Verify([]Record{rec(t, root, DANETA, SPKI, SHA256)}, chain, opts)
	if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeInsecureSignature || res.Failures[0].Depth != 1 ||
		!strings.Contains(res.Failures[0].Detail, "SHA1-RSA") {
		t.Fatalf("root anchor: %s %+v", res.Verdict, res.Failures)
	}
	// Only that signature is the problem: anchoring below it works.
	if r := Verify([]Record{rec(t, inter, DANETA, Cert, SHA512)}, chain, opts); r.Verdict != VerdictMatch {
		t.Fatalf("intermediate anchor: %s %+v", r.Verdict, r.Failures)
	}
	if r := Verify([]Record{rec(t, leaf, DANEEE, SPKI, SHA256)}, chain, opts); r.Verdict != VerdictMatch {
		t.Fatalf("DANE-EE: %s", r.Verdict)
	}
	// "2 1 0" for the root, root not sent: same distinct failure.
	r := Verify([]Record{rec(t, root, DANETA, SPKI, Full)}, chain[:2], opts)
	if r.Verdict != VerdictNoMatch || r.Failures[0].Code != CodeInsecureSignature || !r.Records[0].KeyOnly {
		t.Fatalf("2 1 0 root: %s %+v", r.Verdict, r.Records[0])
	}
}

// readFixture reads the OpenSSL-made chain: leaf, SHA-1-signed
// intermediate, root.
func readFixture(t *testing.T) []*x509.Certificate {
	t.Helper()
	b, err := os.ReadFile("../testdata/tlsa/sha1-chain.pem")
	if err != nil {
		t.Fatal(err)
	}
	var chain []*x509.Certificate
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	if len(chain) != 3 {
		t.Fatalf("fixture holds %d certificates, want 3", len(chain))
	}
	return chain
}

package tlsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// key returns a fresh ECDSA P-256 key.
func key(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// node is a certificate with its key.
type node struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// world is a three-level test PKI: root -> intermediate -> leaf for
// mx.example.org, the server presenting leaf and intermediate. The
// package builds its own certificates (rather than using testworld) so
// that it can make every odd shape a test needs.
type world struct {
	root, inter, leaf node
}

// newWorld builds a world; leafTmpl (optional) overrides the leaf.
func newWorld(t testing.TB, leafTmpl *x509.Certificate) *world {
	t.Helper()
	w := &world{}
	w.root.key = key(t)
	w.root.cert = mkCert(t, caTemplate("Test Root"), nil, w.root.key, nil)
	w.inter.key = key(t)
	w.inter.cert = mkCert(t, caTemplate("Test Intermediate"), w.root.cert, w.inter.key, w.root.key)
	if leafTmpl == nil {
		leafTmpl = leafTemplate("mx.example.org")
	}
	w.leaf.key = key(t)
	w.leaf.cert = mkCert(t, leafTmpl, w.inter.cert, w.leaf.key, w.inter.key)
	return w
}

// chain is what the server presents: leaf and intermediate.
func (w *world) chain() []*x509.Certificate {
	return []*x509.Certificate{w.leaf.cert, w.inter.cert}
}

// rec computes a record for cert, failing the test on error.
func rec(t testing.TB, c *x509.Certificate, u Usage, s Selector, m MatchingType) Record {
	t.Helper()
	r, err := Generate(c, u, s, m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wrong returns r with its data altered so that it matches nothing.
func wrong(r Record) Record {
	d := append([]byte(nil), r.Data...)
	d[len(d)-1] ^= 0xff
	r.Data = d
	return r
}

// mkCert signs tmpl with parentKey (self-signed when parent is nil), for
// shapes testworld does not make: non-CA issuers, path length limits.
func mkCert(t testing.TB, tmpl, parent *x509.Certificate, key crypto.Signer, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 100))
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = n
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
}

func leafTemplate(names ...string) *x509.Certificate {
	return &x509.Certificate{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

func codes(fs []Failure) []Code {
	var out []Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

var mxNames = Options{Names: []string{"mx.example.org"}}

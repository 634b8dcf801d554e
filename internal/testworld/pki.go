package testworld

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// CA is a certificate authority of the test PKI: a root or an
// intermediate that can issue further certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain is the DER chain from this CA up to (and including) its root.
	Chain [][]byte
}

// Leaf is an end-entity certificate with its key and the chain a server
// would present (leaf first, then intermediates; the root is not sent).
type Leaf struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain [][]byte
}

// CertOptions describe a certificate to issue. Zero values give sensible
// defaults: an ECDSA P-256 key, valid from an hour ago for 90 days.
type CertOptions struct {
	CommonName string
	DNSNames   []string
	NotBefore  time.Time
	NotAfter   time.Time
	// Key is the key to certify; nil generates a fresh ECDSA P-256 key.
	// Passing the same key to two issuances models a renewal that keeps
	// the key.
	Key crypto.Signer
	// SignatureAlgorithm overrides the issuer's default signature
	// algorithm (for example x509.SHA1WithRSA for legacy chains).
	SignatureAlgorithm x509.SignatureAlgorithm
}

// NewKey returns a fresh ECDSA P-256 key.
func NewKey() crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("testworld: generate key: %v", err)) // crypto/rand cannot fail on Linux
	}
	return k
}

func (o *CertOptions) defaults(now time.Time) {
	if o.Key == nil {
		o.Key = NewKey()
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(90 * 24 * time.Hour)
	}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(fmt.Sprintf("testworld: serial: %v", err))
	}
	return n
}

// template returns the certificate template for o: a CA (key usage
// certSign, basic constraints CA) or a TLS server leaf.
func template(o CertOptions, isCA bool) *x509.Certificate {
	t := &x509.Certificate{
		SerialNumber:       serial(),
		Subject:            pkix.Name{CommonName: o.CommonName},
		NotBefore:          o.NotBefore,
		NotAfter:           o.NotAfter,
		SignatureAlgorithm: o.SignatureAlgorithm,
	}
	if isCA {
		t.Subject.Organization = []string{"daneprobe testworld"}
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		t.BasicConstraintsValid = true
		t.IsCA = true
	} else {
		t.DNSNames = o.DNSNames
		t.KeyUsage = x509.KeyUsageDigitalSignature
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	return t
}

// create signs tmpl for o.Key with the issuer's certificate and key (the
// template itself and o.Key for a self-signed certificate) and parses the
// result; what names the certificate in errors.
func create(what string, tmpl, issuer *x509.Certificate, issuerKey crypto.Signer, o CertOptions) (*x509.Certificate, []byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, o.Key.Public(), issuerKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", what, err)
	}
	return cert, der, nil
}

// NewRootCA creates a self-signed root CA.
func NewRootCA(o CertOptions) (*CA, error) {
	o.defaults(time.Now())
	if o.CommonName == "" {
		o.CommonName = "daneprobe test root"
	}
	tmpl := template(o, true)
	cert, der, err := create(fmt.Sprintf("root CA %q", o.CommonName), tmpl, tmpl, o.Key, o)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: o.Key, Chain: [][]byte{der}}, nil
}

// Intermediate issues a subordinate CA certificate.
func (ca *CA) Intermediate(o CertOptions) (*CA, error) {
	o.defaults(time.Now())
	if o.CommonName == "" {
		o.CommonName = "daneprobe test intermediate"
	}
	cert, der, err := create(fmt.Sprintf("intermediate %q", o.CommonName), template(o, true), ca.Cert, ca.Key, o)
	if err != nil {
		return nil, err
	}
	chain := append([][]byte{der}, ca.Chain...)
	return &CA{Cert: cert, Key: o.Key, Chain: chain}, nil
}

// Issue issues a server certificate. The returned chain holds the leaf and
// every intermediate between it and the root, but not the root.
func (ca *CA) Issue(o CertOptions) (*Leaf, error) {
	o.defaults(time.Now())
	if o.CommonName == "" && len(o.DNSNames) > 0 {
		o.CommonName = o.DNSNames[0]
	}
	cert, der, err := create(fmt.Sprintf("certificate for %v", o.DNSNames), template(o, false), ca.Cert, ca.Key, o)
	if err != nil {
		return nil, err
	}
	chain := [][]byte{der}
	if len(ca.Chain) > 1 {
		chain = append(chain, ca.Chain[:len(ca.Chain)-1]...) // leave out the root
	}
	return &Leaf{Cert: cert, Key: o.Key, Chain: chain}, nil
}

// SelfSigned creates a self-signed end-entity certificate, as used with
// DANE-EE (3 1 1) records.
func SelfSigned(o CertOptions) (*Leaf, error) {
	o.defaults(time.Now())
	if o.CommonName == "" && len(o.DNSNames) > 0 {
		o.CommonName = o.DNSNames[0]
	}
	tmpl := template(o, false)
	cert, der, err := create(fmt.Sprintf("self-signed certificate for %v", o.DNSNames), tmpl, tmpl, o.Key, o)
	if err != nil {
		return nil, err
	}
	return &Leaf{Cert: cert, Key: o.Key, Chain: [][]byte{der}}, nil
}

// TLSCertificate returns the leaf as a tls.Certificate for a test server.
func (l *Leaf) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: l.Chain, PrivateKey: l.Key, Leaf: l.Cert}
}

// Pool returns a cert pool holding only this CA's root, for clients that
// must trust the test PKI.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	root, err := x509.ParseCertificate(ca.Chain[len(ca.Chain)-1])
	if err == nil {
		p.AddCert(root)
	}
	return p
}

// RootPEM returns this CA's root certificate in PEM form, as written to a
// --ca-file bundle.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Chain[len(ca.Chain)-1]})
}

// ChainPEM returns the leaf's presented chain in PEM form.
func (l *Leaf) ChainPEM() []byte {
	var out []byte
	for _, der := range l.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

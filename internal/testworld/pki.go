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

// NewRootCA creates a self-signed root CA.
func NewRootCA(o CertOptions) (*CA, error) {
	o.defaults(time.Now())
	if o.CommonName == "" {
		o.CommonName = "daneprobe test root"
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: o.CommonName, Organization: []string{"daneprobe testworld"}},
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    o.SignatureAlgorithm,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, o.Key.Public(), o.Key)
	if err != nil {
		return nil, fmt.Errorf("create root CA %q: %w", o.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse root CA %q: %w", o.CommonName, err)
	}
	return &CA{Cert: cert, Key: o.Key, Chain: [][]byte{der}}, nil
}

// Intermediate issues a subordinate CA certificate.
func (ca *CA) Intermediate(o CertOptions) (*CA, error) {
	o.defaults(time.Now())
	if o.CommonName == "" {
		o.CommonName = "daneprobe test intermediate"
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: o.CommonName, Organization: []string{"daneprobe testworld"}},
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    o.SignatureAlgorithm,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, o.Key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("create intermediate %q: %w", o.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse intermediate %q: %w", o.CommonName, err)
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
	tmpl := &x509.Certificate{
		SerialNumber:       serial(),
		Subject:            pkix.Name{CommonName: o.CommonName},
		DNSNames:           o.DNSNames,
		NotBefore:          o.NotBefore,
		NotAfter:           o.NotAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: o.SignatureAlgorithm,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, o.Key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %v: %w", o.DNSNames, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate for %v: %w", o.DNSNames, err)
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
	tmpl := &x509.Certificate{
		SerialNumber:       serial(),
		Subject:            pkix.Name{CommonName: o.CommonName},
		DNSNames:           o.DNSNames,
		NotBefore:          o.NotBefore,
		NotAfter:           o.NotAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: o.SignatureAlgorithm,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, o.Key.Public(), o.Key)
	if err != nil {
		return nil, fmt.Errorf("self-sign certificate for %v: %w", o.DNSNames, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate for %v: %w", o.DNSNames, err)
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

package tlsa

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Errors of ParseCandidate, for callers that branch on them.
var (
	// ErrKeyMismatch: the key given does not belong to the certificate.
	ErrKeyMismatch = errors.New("the key does not belong to the certificate")
	// ErrChainOrder: the certificates are not in issuing order, leaf
	// first and each one followed by its issuer.
	ErrChainOrder = errors.New("the chain is not in order")
	// ErrNoKey: the key input holds no key, certificate request or
	// certificate.
	ErrNoKey = errors.New("no public key, private key or certificate request")
)

// Candidate is what an administrator is about to deploy, for Gate: a new
// certificate chain (leaf first; or a CA certificate first, for a change
// of issuer), or only the new key (SPKI), before any certificate exists.
type Candidate struct {
	// Chain is the new chain, leaf (or new issuing CA: a CA certificate
	// that is not self-signed) first, each certificate followed by its
	// issuer, as ParseCandidate checks.
	Chain []*x509.Certificate
	// SPKI is the new key's DER SubjectPublicKeyInfo: from a key or a
	// certificate signing request when there is no Chain, else the
	// leaf's.
	SPKI []byte
}

// Mode says what the candidate holds (see GateMode).
func (c Candidate) Mode() GateMode {
	switch {
	case len(c.Chain) == 0:
		return ModeKey
	case c.Chain[0].BasicConstraintsValid && c.Chain[0].IsCA && !bytes.Equal(c.Chain[0].RawIssuer, c.Chain[0].RawSubject):
		// A CA certificate issued by another CA: a new intermediate. A
		// self-signed certificate is a server's own, even with the CA
		// flag "openssl req -x509" sets by default.
		return ModeIssuer
	}
	return ModeChain
}

// ParseCandidate reads the candidate of the renewal gate from what
// certbot, acme.sh and administrators have at hand: cert is PEM (or one
// DER certificate) with the new certificate, optionally followed by its
// chain and even its private key (a combined file); chain is an optional
// separate chain file (certbot's chain.pem); key is an optional key: a
// "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY" or a
// certificate signing request ("CERTIFICATE REQUEST", whose signature must
// verify). With cert empty, key alone gives a key-only candidate.
//
// It returns an error wrapping ErrNoCertificate for a cert input without a
// certificate, ErrNoKey for a key input without a key, ErrKeyMismatch
// when the key (or one inside the cert input) is not the certificate's,
// and ErrChainOrder when a certificate is not followed by its issuer.
// Each error is one sentence naming the certificates concerned.
func ParseCandidate(cert, chain, key []byte) (Candidate, error) {
	var c Candidate
	var embedded []byte
	if len(cert) > 0 {
		certs, err := ParseChain(cert)
		if err != nil {
			return c, err
		}
		c.Chain = certs
		if _, spki, err := decodePEM(cert); err == nil && spki != nil {
			embedded = spki
		}
	}
	if len(chain) > 0 {
		if len(c.Chain) == 0 {
			return c, errors.New("a chain without the certificate it belongs to")
		}
		more, err := ParseChain(chain)
		if err != nil {
			return c, fmt.Errorf("chain: %w", err)
		}
		for _, m := range more {
			// certbot's fullchain.pem given with chain.pem repeats the
			// intermediates: keep each certificate once.
			if !containsCert(c.Chain, m) {
				c.Chain = append(c.Chain, m)
			}
		}
	}
	if len(c.Chain) > MaxChain {
		return c, fmt.Errorf("%d certificates, at most %d are accepted", len(c.Chain), MaxChain)
	}
	if err := checkOrder(c.Chain); err != nil {
		return c, err
	}
	var given []byte
	if len(key) > 0 {
		spki, err := parseKey(key)
		if err != nil {
			return c, err
		}
		given = spki
	}
	if len(c.Chain) == 0 {
		if given == nil {
			return c, fmt.Errorf("%w: give a certificate or a key", ErrNoCertificate)
		}
		c.SPKI = given
		return c, nil
	}
	c.SPKI = c.Chain[0].RawSubjectPublicKeyInfo
	for _, k := range [][]byte{given, embedded} {
		if k != nil && !bytes.Equal(k, c.SPKI) {
			return c, fmt.Errorf("%w (%s)", ErrKeyMismatch, subjectOf(c.Chain[0]))
		}
	}
	return c, nil
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, have := range certs {
		if bytes.Equal(have.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// checkOrder checks that each certificate is issued by the next one: the
// issuer name matches and the signature verifies (SHA-1 signatures are
// accepted here; Verify judges them).
func checkOrder(chain []*x509.Certificate) error {
	for i := 0; i+1 < len(chain); i++ {
		child, parent := chain[i], chain[i+1]
		if bytes.Equal(child.RawIssuer, parent.RawSubject) && checkSig(child, parent.PublicKey) == nil {
			continue
		}
		hint := ""
		if bytes.Equal(parent.RawIssuer, child.RawSubject) && checkSig(parent, child.PublicKey) == nil {
			hint = fmt.Sprintf(" (certificate %d issued certificate %d: the order is reversed)", i+1, i+2)
		}
		for j := range chain {
			if hint != "" {
				break
			}
			if j != i && bytes.Equal(child.RawIssuer, chain[j].RawSubject) && checkSig(child, chain[j].PublicKey) == nil {
				hint = fmt.Sprintf(" (its issuer is certificate %d)", j+1)
				break
			}
		}
		return fmt.Errorf("%w: certificate %d (%s) is not issued by certificate %d (%s)%s; give the leaf first, then each issuer",
			ErrChainOrder, i+2, subjectOf(parent), i+1, subjectOf(child), hint)
	}
	return nil
}

// parseKey returns the DER SubjectPublicKeyInfo of a key input.
func parseKey(b []byte) ([]byte, error) {
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE REQUEST" || blk.Type == "NEW CERTIFICATE REQUEST" {
			csr, err := x509.ParseCertificateRequest(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certificate request: %w", err)
			}
			if err := csr.CheckSignature(); err != nil {
				return nil, fmt.Errorf("certificate request: bad signature: %w", err)
			}
			return csr.RawSubjectPublicKeyInfo, nil
		}
	}
	certs, spki, err := decodePEM(b)
	switch {
	case err != nil:
		return nil, err
	case spki != nil:
		return spki, nil
	case len(certs) > 0:
		return certs[0].RawSubjectPublicKeyInfo, nil
	}
	return nil, fmt.Errorf("%w (want PEM \"PRIVATE KEY\", \"PUBLIC KEY\" or \"CERTIFICATE REQUEST\")", ErrNoKey)
}

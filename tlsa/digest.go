package tlsa

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
)

// selected returns the bytes a selector picks from a certificate (RFC 6698
// §2.1.2): the whole DER certificate or its SubjectPublicKeyInfo.
func selected(c *x509.Certificate, s Selector) []byte {
	if s == SPKI {
		return c.RawSubjectPublicKeyInfo
	}
	return c.Raw
}

// associate computes association data for the selected bytes (RFC 6698
// §2.1.3). It returns nil for an unknown matching type.
func associate(b []byte, m MatchingType) []byte {
	switch m {
	case Full:
		return b
	case SHA256:
		d := sha256.Sum256(b)
		return d[:]
	case SHA512:
		d := sha512.Sum512(b)
		return d[:]
	}
	return nil
}

// Generate computes the TLSA record of the given usage, selector and
// matching type for cert. It returns an error for a nil certificate or an
// unknown selector or matching type.
func Generate(cert *x509.Certificate, u Usage, s Selector, m MatchingType) (Record, error) {
	if cert == nil {
		return Record{}, errors.New("generate TLSA record: no certificate")
	}
	if s > SPKI {
		return Record{}, fmt.Errorf("generate TLSA record: unknown selector %d", s)
	}
	if m > SHA512 {
		return Record{}, fmt.Errorf("generate TLSA record: unknown matching type %d", m)
	}
	data := associate(selected(cert, s), m)
	return Record{Usage: u, Selector: s, MatchingType: m, Data: append([]byte(nil), data...)}, nil
}

// GenerateKey computes a selector-1 record for a SubjectPublicKeyInfo in
// DER form, as used to pre-publish the record of a key that has no
// certificate yet (RFC 7671 §8.1).
func GenerateKey(spki []byte, u Usage, m MatchingType) (Record, error) {
	if len(spki) == 0 {
		return Record{}, errors.New("generate TLSA record: empty public key")
	}
	if m > SHA512 {
		return Record{}, fmt.Errorf("generate TLSA record: unknown matching type %d", m)
	}
	return Record{Usage: u, Selector: SPKI, MatchingType: m, Data: append([]byte(nil), associate(spki, m)...)}, nil
}

// Recommended returns the records RFC 7671 §8.1 and RFC 7672 §3.1 advise
// for a chain given leaf first: "3 1 1" for the leaf's key and, when the
// chain holds an issuer, "2 1 1" for the issuing CA's key, which together
// survive a key change under the same CA.
func Recommended(chain []*x509.Certificate) ([]Record, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errors.New("recommended TLSA records: empty chain")
	}
	ee, _ := Generate(chain[0], DANEEE, SPKI, SHA256)
	out := []Record{ee}
	if len(chain) > 1 && chain[1] != nil {
		ta, _ := Generate(chain[1], DANETA, SPKI, SHA256)
		out = append(out, ta)
	}
	return out, nil
}

package roots

import (
	"crypto/x509"
	"encoding/pem"
	"sync"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Store is a set of trusted root certificates kept as DER and indexed by
// raw subject; a root is parsed only when a verification could use it.
// The zero value is an empty store; use New or System. A Store is safe
// for concurrent use once filled (Add, AddCert and AppendPEM before the
// first PoolFor).
type Store struct {
	// base is a pool every PoolFor includes whole: the platform's pool
	// where System cannot read the roots itself (not Linux).
	base *x509.CertPool

	seen      map[string]bool  // DER of every root held
	bySubject map[string][]int // raw subject -> indexes into roots
	roots     []root

	mu sync.Mutex // guards root.cert and root.parsed
}

type root struct {
	der    []byte
	cert   *x509.Certificate // once parsed; nil if it did not parse
	parsed bool
}

// New returns an empty store.
func New() *Store { return &Store{} }

// Len returns the number of distinct roots held (those of the platform
// pool of a non-Linux System store not counted).
func (s *Store) Len() int { return len(s.roots) }

// Add adds one root given as DER, unless it is held already. Its subject
// is read with a light walk of the ASN.1 structure; the certificate is
// parsed only when a chain names that subject. A DER whose structure the
// walk cannot read is parsed at once, and dropped if it does not parse
// (as x509.CertPool.AppendCertsFromPEM drops it).
func (s *Store) Add(der []byte) {
	if s.seen[string(der)] {
		return
	}
	subject, ok := rawSubject(der)
	var c *x509.Certificate
	if !ok {
		var err error
		if c, err = x509.ParseCertificate(der); err != nil {
			return
		}
		subject = c.RawSubject
	}
	s.add(der, subject, c)
}

// AddCert adds a parsed root certificate (from --ca-file, say).
func (s *Store) AddCert(c *x509.Certificate) {
	if s.seen[string(c.Raw)] {
		return
	}
	s.add(c.Raw, c.RawSubject, c)
}

func (s *Store) add(der, subject []byte, c *x509.Certificate) {
	if s.seen == nil {
		s.seen = map[string]bool{}
		s.bySubject = map[string][]int{}
	}
	s.seen[string(der)] = true
	s.bySubject[string(subject)] = append(s.bySubject[string(subject)], len(s.roots))
	s.roots = append(s.roots, root{der: der, cert: c, parsed: c != nil})
}

// AppendPEM parses the CERTIFICATE blocks of data and adds them, like
// x509.CertPool.AppendCertsFromPEM; it reports whether one was added or
// already held. Every block is parsed: this is for small files a user
// names, where a broken certificate should be noticed.
func (s *Store) AppendPEM(data []byte) bool {
	ok := false
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			continue
		}
		s.AddCert(c)
		ok = true
	}
	return ok
}

// PoolFor returns a new pool of the roots that could take part in
// verifying chain (a presented chain, leaf first): every root whose
// subject is the issuer or the subject of one of chain's certificates,
// parsed now if not before. crypto/x509 looks a parent up by the child's
// RawIssuer only (and a root equal to the leaf by its subject), so
// Verify against this pool gives the verdict Verify against the whole
// store gives. The pool is never nil: an empty pool trusts nothing,
// where a nil VerifyOptions.Roots would mean the system's roots.
func (s *Store) PoolFor(chain []*x509.Certificate) *x509.CertPool {
	var pool *x509.CertPool
	if s.base != nil {
		pool = s.base.Clone()
	} else {
		pool = x509.NewCertPool()
	}
	if len(s.roots) == 0 {
		return pool
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range chain {
		if c == nil {
			continue
		}
		for _, name := range [2][]byte{c.RawIssuer, c.RawSubject} {
			for _, i := range s.bySubject[string(name)] {
				r := &s.roots[i]
				if !r.parsed {
					r.cert, _ = x509.ParseCertificate(r.der)
					r.parsed = true
				}
				if r.cert != nil {
					pool.AddCert(r.cert) // a pool drops duplicates
				}
			}
		}
	}
	return pool
}

// rawSubject returns the subject Name of a DER certificate, tag and
// length included (what x509.Certificate.RawSubject holds), walking the
// structure of RFC 5280 §4.1 without decoding it:
//
//	Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
//	    version [0] EXPLICIT OPTIONAL, serialNumber INTEGER,
//	    signature AlgorithmIdentifier, issuer Name, validity Validity,
//	    subject Name, ... } ... }
func rawSubject(der []byte) ([]byte, bool) {
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !in.Empty() ||
		!cert.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(cbasn1.INTEGER) ||
		!tbs.SkipASN1(cbasn1.SEQUENCE) || // signature
		!tbs.SkipASN1(cbasn1.SEQUENCE) || // issuer
		!tbs.SkipASN1(cbasn1.SEQUENCE) { // validity
		return nil, false
	}
	var subject cryptobyte.String
	if !tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return nil, false
	}
	return subject, true
}

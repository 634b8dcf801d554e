package mtasts

import "crypto/x509"

// RootSource gives the trusted roots for verifying one presented chain
// (leaf first). PoolFor must return a non-nil pool holding at least every
// root whose subject is the issuer or the subject of one of chain's
// certificates: crypto/x509 looks parents up by name only, so such a
// pool gives the verdict the whole set of roots gives. A source may then
// parse only those roots, which is what makes it worth having: parsing
// the system's ~150 roots up front was a third of a cold check's CPU
// (internal/roots implements it).
type RootSource interface {
	PoolFor(chain []*x509.Certificate) *x509.CertPool
}

// rootsFor returns the pool to verify chain with: the source's pool for
// it when there is a source, else pool (nil meaning the system roots).
func rootsFor(pool *x509.CertPool, src RootSource, chain []*x509.Certificate) *x509.CertPool {
	if src != nil {
		return src.PoolFor(chain)
	}
	return pool
}

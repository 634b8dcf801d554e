// Package roots holds the WebPKI roots daneprobe trusts for MTA-STS (the
// policy host's certificate and the MX certificates must chain to one,
// RFC 8461 §3.3 and §4.2) without parsing them all up front.
//
// A cold "daneprobe check" used to spend a third of its CPU reading and
// parsing the system's ~150 CA certificates, to verify one or two
// chains. A Store keeps each root as DER, indexed by its subject name;
// when a chain is verified, Store.PoolFor parses only the roots whose
// subject is the issuer (or the subject) of a presented certificate and
// returns a pool of those. crypto/x509 looks a parent up by name only, so
// the verdicts are those of the full pool.
//
// System reads the roots Go's crypto/x509 would read on Linux, from the
// same files in the same order (SSL_CERT_FILE and SSL_CERT_DIR honoured);
// elsewhere it wraps x509.SystemCertPool.
package roots

// Package tlsa decides whether the certificate chain an SMTP server
// presented is authenticated by its DNSSEC-validated TLSA records, following
// RFC 6698 (DANE), RFC 7671 (DANE operational updates) and RFC 7672 §3 (DANE
// for SMTP). It does no I/O: the caller brings the records, the chain and
// the names, and gets back a verdict with every reason spelled out.
//
// # What a TLSA record says
//
// A TLSA record at _25._tcp.mx.example.org has four fields:
//
//	_25._tcp.mx.example.org. IN TLSA 3 1 1 2bb5...e4f1
//	                                 | | | `- certificate association data
//	                                 | | `--- matching type: 0 full, 1 SHA-256, 2 SHA-512
//	                                 | `----- selector: 0 whole certificate, 1 public key (SPKI)
//	                                 `------- usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
//
// The selector picks what of a certificate is compared (its full DER
// encoding, or only its SubjectPublicKeyInfo), the matching type says
// whether the record holds those bytes as they are or their SHA-256 or
// SHA-512 digest. Comparison is over the decoded bytes, so upper- and
// lower-case hex in a zone file mean the same thing.
//
// # Which records count for SMTP
//
// A sending MTA cannot know which public CAs a receiving domain meant to
// trust, so RFC 7672 §3.1.3 makes the PKIX usages 0 and 1 unusable for
// SMTP. Only two usages remain:
//
//   - DANE-EE (3) pins the server's own certificate or key. It matches the
//     leaf certificate only, and because the DNSSEC-signed record is the
//     whole authentication, the certificate's names and validity dates are
//     ignored (RFC 7672 §3.1.1, §3.2.1). A self-signed or expired
//     certificate that matches a 3 1 1 record is fine for DANE, though it
//     would fail the WebPKI checks that MTA-STS relies on; Verify says so
//     in its remarks.
//   - DANE-TA (2) names a trust anchor: a CA certificate (or key) that must
//     appear in the chain the server presents, from which an ordinary
//     certificate path is built down to the leaf (RFC 7672 §3.1.2). Here
//     signatures, validity dates and CA constraints are checked, and the
//     leaf must carry one of the reference identifiers: the TLSA base
//     domain and, when the MX lookup was secure, the next-hop domain and
//     its CNAME expansion (RFC 7672 §3.2.2). A "2 1 0" record holds the
//     full public key, so its certificate need not be sent at all.
//
// Unknown usages, selectors and matching types, and digests of the wrong
// length, make a record unusable. A set with no usable record still obliges
// the client to use TLS, but without authentication (RFC 7672 §2.2).
//
// # Digest agility
//
// When a set publishes both SHA-256 and SHA-512 records for one usage and
// selector, RFC 7671 §9 has the client use only the strongest digest it
// supports, so that a weak digest cannot be used to downgrade. Records of
// the weaker type are ignored, and the result says so. Full (0) records are
// not digests and are always used.
//
// # What the package offers
//
// Verify evaluates a set against a chain and returns a Result naming the
// record that matched and at which depth, with the outcome of every record.
// Generate and Recommended make records from certificates, and
// AdviseRollover tells whether a set survives a certificate renewal, a key
// change or a change of issuing CA. Gate is the renewal gate: before a new
// certificate, key or issuing CA is deployed, it judges it against the set
// senders have cached, as they would judge the server after the switch,
// and proposes the records to publish first (RFC 7671 §8.1, "current +
// next"); ParseCandidate reads its input, certificate signing requests
// included. ParseChain, ParseNext, ParseRecordArgs
// and ParseRecordList read what administrators have at hand: PEM chains
// and keys, records pasted from a zone file or from dig output.
package tlsa

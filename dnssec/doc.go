// Package dnssec is a validating DNSSEC stub resolver.
//
// It asks an ordinary recursive resolver for answers with the DO and CD
// bits set, so the upstream returns records and signatures without judging
// them, and then validates the answer itself, from the IANA root trust
// anchors down through DS and DNSKEY records to the signer of every RRset
// (RFC 4033, 4034, 4035, 5155, 6840). A security-aware stub that trusts
// the upstream's AD bit is not good enough for DANE: RFC 7672 §2.1.1
// requires the TLSA lookup to be validated, and many resolvers on the path
// (home routers, systemd-resolved) strip or fake that bit.
//
// # How a chain of trust is built
//
// Every RRset in a signed zone carries an RRSIG made with one of the
// zone's DNSKEYs; the RRSIG names the signer (the zone) and the key tag.
// The zone's DNSKEY RRset is itself signed by a key that the parent zone
// vouches for with a DS record (a digest of that key), and the parent's
// DS RRset is signed by the parent's keys, and so on up to the root, whose
// key digests are configured as trust anchors. Validating an answer means
// walking that chain: for each zone from the anchor down to the signer,
// the DS RRset must verify with the parent's keys, a DS must match a
// DNSKEY of the child, and the child's DNSKEY RRset must be signed by
// exactly such a DS-matched key (not merely by some key in the set).
//
// Because the signer's name is in the answer's RRSIG, all links of the
// chain are known as soon as the answer arrives: this resolver asks for
// every DS and DNSKEY on the way at once, so a cold lookup costs two
// sequential round trips (answer, then the whole chain) and a warm one,
// with the zone keys cached, one.
//
// The signer must be the zone that holds the RRset (RFC 4035 §5.3.1): a
// DS RRset is signed by the parent, DNSKEY and SOA by the zone at their
// owner, and a parent's signature over data below a known zone cut does
// not count. Unsigned data has no signer to go by, so its chain is walked
// down to the owner itself in batches of a few names, stopping at the
// first insecure delegation and giving up (Bogus) after a bounded number
// of names: a 120-label name costs a few dozen queries, not hundreds.
//
// # Proving that something does not exist
//
// A signed zone proves absence with NSEC or NSEC3 records. An NSEC record
// names the next existing name in canonical order (RFC 4034 §6.1) and
// lists the types present at its owner, so "no name between these two"
// proves NXDOMAIN, and "this name has only these types" proves NODATA.
// NSEC3 does the same over hashed names (RFC 5155): an NXDOMAIN proof
// names the closest existing ancestor (the closest encloser), shows that
// the next closer name and the wildcard below the encloser are absent.
// A wildcard answer needs such a proof too, that no closer name exists.
//
// The same proofs decide whether an unsigned answer is acceptable: a zone
// is Insecure only when its parent proves, with a signed NSEC or NSEC3,
// that the delegation has no DS (or covers it with an opt-out NSEC3). An
// unsigned answer from a zone that should be signed is Bogus.
//
// # Statuses
//
// Every answer comes with a Security status: Secure, Insecure (provably
// unsigned, or a parent DS RRset naming only algorithms or digests we do
// not support, RFC 4035 §5.2, or NSEC3 iterations above the cap, RFC 9276
// §3.2; an RRSIG of an unsupported algorithm in a zone whose DS names a
// supported one is no excuse, it is Bogus), Bogus
// (should have validated but did not, with a Reason) or Indeterminate (no
// usable answer: the upstream failed, or strips DNSSEC records, in which
// case the Reason is upstream-strips-dnssec and the remedy is a
// DNSSEC-capable resolver).
//
// # Defences and policy
//
// Hostile zones can make validators work hard (KeyTrap, CVE-2023-50387:
// many keys with one key tag and many bad signatures; CVE-2023-50868:
// expensive NSEC3 proofs). Limits bound the RRSIGs tried per RRset, the
// keys tried per key tag, the signature verifications per lookup, the
// NSEC3 records per proof, the NSEC3 hashing per proof (in SHA-1
// computations, hashes × (iterations+1)) and the CNAME chain length; hitting
// one ends the lookup Bogus with reason resource-limit. The digests
// computed to match a DS RRset to a DNSKEY RRset are bounded too (many DS
// records and keys sharing one key tag are the same trap). Signature validity
// windows are checked with a clock skew allowance of five minutes
// (DefaultClockSkew). The validation time is injectable (Config.Now), so
// a chain can be checked as of a future date.
package dnssec

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
// Every answer comes with a Security status: Secure, Insecure (provably
// unsigned), Bogus (should have validated but did not, with a Reason) or
// Indeterminate (no usable answer).
package dnssec

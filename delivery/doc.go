// Package delivery decides, from facts gathered about a recipient domain,
// what a sending MTA that enforces DANE (RFC 7672) or MTA-STS (RFC 8461)
// would do with a message to it: deliver over authenticated TLS, deliver
// opportunistically, or defer. It holds the Report model that every
// renderer prints, and the decision rules as pure functions: no DNS, no
// SMTP, no clock, so every rule has a table test.
//
// # How a DANE-enforcing sender delivers
//
// The sender looks up the domain's MX records with DNSSEC validation. A
// bogus or failed MX lookup stops everything: the message is deferred
// (RFC 7672 §2.1.1). With no MX records the domain itself is the one mail
// exchanger (RFC 5321 §5.1); a "null MX" (RFC 7505) says the domain takes
// no mail at all. An insecure (unsigned) MX answer does not end DANE: the
// MX hosts may live in a signed zone with TLSA records of their own
// (RFC 7672 §2.2.1), but the certificate must then name the MX host
// rather than the recipient domain, since an attacker could have chosen
// the MX.
//
// For each MX host, in preference order, it looks up the addresses. A
// bogus or failed address lookup makes the host unusable (§2.1.2). When
// the addresses are insecure there is no TLSA lookup and TLS stays
// opportunistic (§2.2.2). Otherwise it looks up the TLSA records at
// _25._tcp of the host (§2.2.3):
//
//   - a bogus or failed TLSA lookup makes the host unusable: it could be
//     an attacker hiding the records (§2.1.1);
//   - no records (securely denied) or an insecure answer: opportunistic
//     TLS, as without DANE;
//   - a secure RRset makes STARTTLS mandatory, even when every record is
//     unusable; a server that does not offer STARTTLS is treated as a
//     downgrade attack and skipped (§2.2.3);
//   - usable records are DANE-TA(2) and DANE-EE(3) with known selector
//     and matching type (§3.1; package tlsa decides it, with
//     tlsa.Usability, and its failure codes are the no-match reasons
//     here); if the presented chain matches none of
//     them, the sender does not deliver to that server and tries the next
//     (§3.2); with only unusable records TLS is used unauthenticated.
//
// # Verdicts
//
// Per address: dane is verified, failed (with a Reason such as
// no-starttls, handshake, no-match, name-mismatch, bogus-tlsa),
// unusable-tlsa or none; mta_sts is pass, fail or none. Per MX host the
// best address counts, because a sender tries them in turn. Per domain,
// dane is verified (every MX authenticates), partial (some MX does not,
// but a DANE sender still delivers via another), failed (it would defer),
// unusable (only unusable TLSA records) or none (no secure TLSA records).
//
// MTA-STS (RFC 8461) asks that the MX host match the policy's patterns
// and present a WebPKI-valid certificate for its name. In enforce mode a
// failing host is skipped; in testing mode failures are only reported.
// A sender that implements both lets DANE take precedence where it
// applies, and an MTA-STS pass never overrides a DANE failure
// (RFC 8461 §2).
//
// Every failure carries its RFC 8460 result type (tlsrpt.ResultType), the
// words a TLS-RPT report would use. The monitoring Status (OK, WARNING, CRITICAL,
// UNKNOWN, exit codes 0-3) is documented on Status and in
// report/SCHEMA.md.
//
// # Using it
//
// Package gather looks everything up and probes the servers (its Checker
// is the engine of "daneprobe check" and "daneprobe scan"), fills a
// DomainReport's facts and calls Decide; the report package renders the
// result. The facts are plain values so that any source maps onto them:
//
//   - every DNS answer becomes a Lookup, with LookupOf(result, err) for a
//     dnssec lookup (mx_lookup, each MX host's A and AAAA, its TLSA);
//     leave A or AAAA nil when that family was not looked up;
//   - NullMX, ImplicitMX and the MX list in preference order (for an
//     implicit MX, one entry whose Host is the domain);
//   - per MX host: TLSA with its Name, BaseDomain and Records (usability
//     is decided here); ReferenceIDs(domain, host, base, mxSecure,
//     implicit) gives the names to pass to the DANE-TA matcher; and
//     PolicyMatch from the MTA-STS pattern match;
//   - per address, from the SMTP probe: Connected, STARTTLS, TLSVersion,
//     Chain (CertificateOf for each certificate), Error and ErrorStage;
//     from the TLSA matcher: Match (Matched, the matching Record and
//     Depth, or the failure code of the tlsa package); from the WebPKI
//     check: WebPKI (Valid, or the RFC 8460 result type as Failure);
//   - MTASTS: the record, mode, patterns, or FetchError/PolicyError;
//   - TLSRPT, SPF, DMARC, Timings, CheckedAt; Error and Stopped when the
//     check could not start (NotStarted) or was cut short by its deadline
//     (CutShort), which Decide turns into the unknown status;
//     Advice for remarks from other packages.
package delivery

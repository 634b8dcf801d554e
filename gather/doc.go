// Package gather finds out everything a sending MTA that enforces DANE
// (RFC 7672) and MTA-STS (RFC 8461) would look at before it delivers to a
// recipient domain, and hands the facts to package delivery to decide.
// It is the engine of "daneprobe check" and of every domain of
// "daneprobe scan"; it is the only part of daneprobe's checking that does
// I/O: DNS through a validating resolver (package dnssec), SMTP STARTTLS
// sessions (package smtpprobe) and the MTA-STS policy fetch over HTTPS
// (package mtasts).
//
// # What one check does
//
// Configure a Checker once and call Check for each domain. A check runs
// in three phases, so that the sequential round trips stay few:
//
//  1. the MX lookup, and at the same time the lookups that do not depend
//     on it: the _mta-sts TXT record and then, when it is valid, the
//     policy (package mtasts, step by step), the _smtp._tls TLS-RPT record
//     (package tlsrpt), the SPF and DMARC records; nothing in this phase
//     looks up the MX set or TLSA records a second time;
//  2. every MX host at once (at most Parallel at a time): its A, AAAA and
//     TLSA records at _PORT._tcp.HOST (the TLSA query goes out with the
//     address queries, and its answer is used only when the addresses are
//     secure, RFC 7672 §2.2.2; a CNAME'd host gets a second TLSA query at
//     the expanded name, RFC 7672 §2.2.3), then an SMTP session with
//     every address (at most Parallel sessions over the whole check),
//     whose presented chain is matched against the usable TLSA records
//     (package tlsa);
//  3. once the policy and the probes are in: the MX host against the
//     policy's patterns and each certificate against the WebPKI
//     (RFC 8461 §4.1-§4.2), and the tlsa package's rollover advice.
//
// # Speculation
//
// Waiting for each answer's chain of trust before asking what the answer
// names would cost a round trip per step. With a resolver that hands out
// answers before validating them (dnssec.Resolver.Fetch, sharing the
// Lookup's query), the A, AAAA and TLSA lookups of the MX hosts start as
// soon as the MX answer arrives, the TLSA lookup at a CNAME'd host's
// target as soon as the address answer shows the CNAME, and the policy
// host's lookups as soon as the _mta-sts answer holds a v=STSv1 record.
// They are ordinary validated lookups, bounded (MaxSpeculativeHosts) and
// counted (DomainReport.Timings), and used only where the validated
// answers lead: a host of a bogus MX RRset, or one the validated RRset
// does not name, never reaches a verdict (RFC 7672 §2.1.1), and the
// policy is fetched only for a validated record (RFC 8461 §3.3).
//
// The facts go into a delivery.DomainReport, and delivery.Decide sets
// every verdict. Gathering never decides: a check that cannot start (a
// name that is not a domain, no resolver, -4 with -6, no upstream
// answering) or that its deadline cuts short is recorded as a fact
// (DomainReport.Stopped and Error), and Decide makes its status unknown,
// because a problem on the checking side says nothing about the domain.
//
// # Budgets
//
// Every step has a bound: Timeout bounds each SMTP step and the policy
// fetch, the resolver bounds each DNS query, Deadline bounds the whole
// check, and Parallel bounds the hosts and sessions in flight. Check
// never returns nil and never fails; the report says what went wrong.
package gather

// Package mtasts evaluates SMTP MTA Strict Transport Security (MTA-STS,
// RFC 8461) and the SMTP TLS Reporting record (TLS-RPT, RFC 8460) of a
// mail domain, the way a sending MTA that enforces MTA-STS would.
//
// # How MTA-STS works
//
// A domain announces MTA-STS with a TXT record at _mta-sts.DOMAIN such as
//
//	v=STSv1; id=20240115T120000
//
// The record only says "a policy exists, and this is its version". The
// policy itself is a small text file served over HTTPS, always from
// https://mta-sts.DOMAIN/.well-known/mta-sts.txt:
//
//	version: STSv1
//	mode: enforce
//	mx: mail.example.com
//	mx: *.backup.example.com
//	max_age: 604800
//
// The HTTPS fetch is what makes the policy trustworthy without DNSSEC: the
// web server must present a certificate valid for mta-sts.DOMAIN under the
// ordinary WebPKI roots. The fetch rules are strict (RFC 8461 §3.3): no
// redirects, only status 200, media type text/plain, at most 64 KiB.
//
// A sender that holds a valid policy checks every MX host before it
// delivers (RFC 8461 §4): the MX name must match one of the policy's mx
// patterns (a leading "*." stands for exactly one label), the host must
// offer STARTTLS and negotiate TLS 1.2 or newer, and its certificate must
// be valid for the MX name under the WebPKI. In mode "enforce" a host that
// fails is not used, and mail waits if no host passes; in mode "testing"
// the failure is only reported (through TLS-RPT) and mail is delivered
// anyway; mode "none" withdraws the policy.
//
// MTA-STS does not need DNSSEC, and a sender caches the policy for max_age
// seconds, so an attacker who blocks the fetch later cannot strip it. Where
// the recipient also publishes DANE TLSA records, DANE takes precedence:
// an MTA-STS pass never overrides a DANE failure (RFC 8461 §2).
//
// # TLS-RPT
//
// The TXT record at _smtp._tls.DOMAIN, for example
//
//	v=TLSRPTv1; rua=mailto:tls-reports@example.com
//
// tells senders where to send daily reports of TLS failures, using the
// result types of RFC 8460 §4.3 (starttls-not-supported,
// certificate-expired, sts-policy-fetch-error and so on). This package uses
// the same result types (tlsrpt.ResultType) as its failure codes, so what
// daneprobe prints is what the domain's TLS reports would say. The record
// itself is read by package tlsrpt (tlsrpt.LookupRecord); both records
// share one grammar.
//
// # Using the package
//
// Checker.Check runs the whole evaluation of one domain (TXT record,
// policy fetch and parse, MX matching, TLS-RPT record, consistency
// findings). The steps are also available on their own: LookupRecord and
// ParseRecord, Fetcher.Fetch, ParsePolicy, MatchMX and VerifyMXTLS (the
// WebPKI check of an MX host's TLS session); daneprobe check calls them
// one by one. EvaluateMX is the per-MX verdict, a pure function over the
// facts an SMTP probe gathered.
package mtasts

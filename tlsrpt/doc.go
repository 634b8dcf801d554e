// Package tlsrpt owns the words of SMTP TLS Reporting (RFC 8460): the
// result types a sending MTA reports for a failed TLS session, the policy
// types a report names, the "_smtp._tls" record, and the reading and
// summing up of the JSON reports that senders mail to the address that
// record publishes.
//
// A domain that publishes "v=TLSRPTv1; rua=mailto:tlsrpt@example.org" at
// _smtp._tls.example.org receives, once a day from each large sender, a
// report of how many SMTP sessions to its MX hosts succeeded and, for the
// failures, why: each failure is one of the result types of RFC 8460 §4.3
// ("certificate-host-mismatch", "tlsa-invalid", "sts-policy-fetch-error"
// and so on), with the sending MTA's address and the receiving MX. daneprobe
// uses the same words for the failures it finds itself, so that what it
// says can be compared with what senders report.
//
// The record: LookupRecord finds and ParseRecord reads the one
// "v=TLSRPTv1" record at _smtp._tls.DOMAIN (RFC 8460 §3), with the rua
// destinations checked (mailto: with one address, or https:).
//
// Reading reports: a Reader reads files, directories, Maildirs, mbox files,
// e-mail messages (RFC 8460 §5.3, MIME parsed by go-message), gzip and
// plain JSON, and yields each report (Parse) or the reason an input gave
// none. Reports come from anyone who knows the rua= address, so everything
// is bounded (Limits), and what big senders send that departs from the RFC
// is accepted and listed in Report.Unusual. A Summarizer adds the reports
// one at a time into a Summary per policy domain and policy type, keeping
// only sums, and counts a report mailed twice once.
//
// Checking failures again: ReproducedBy is the one mapping from a reported
// result type to the result types of daneprobe's own findings that show
// the same failure; RecheckGroup and Summary.ApplyRecheck say, from a fresh
// check, whether each reported failure still happens.
package tlsrpt

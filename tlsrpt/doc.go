// Package tlsrpt owns the words of SMTP TLS Reporting (RFC 8460): the
// result types a sending MTA reports for a failed TLS session, the policy
// types a report names, and (as they are added) the "_smtp._tls" record
// and the ingestion of the JSON reports that senders mail to the address
// that record publishes.
//
// A domain that publishes "v=TLSRPTv1; rua=mailto:tlsrpt@example.org" at
// _smtp._tls.example.org receives, once a day from each large sender, a
// report of how many SMTP sessions to its MX hosts succeeded and, for the
// failures, why: each failure is one of the result types of RFC 8460 §4.3
// ("certificate-host-mismatch", "tlsa-invalid", "sts-policy-fetch-error"
// and so on). daneprobe uses the same words for the failures it finds
// itself, so that what it says can be compared with what senders report.
package tlsrpt

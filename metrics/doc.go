// Package metrics defines every Prometheus metric daneprobe exports, once,
// as client_golang collectors. "daneprobe check --prometheus" (a textfile
// for node_exporter) and "daneprobe serve" (its /metrics and /probe
// endpoints) both render these collectors, so a metric has one name, one
// help text and one set of labels wherever it appears.
//
// # What a mail admin sees
//
// Per domain (label domain): the monitoring status as its exit code
// (daneprobe_status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), the DANE and
// MTA-STS verdicts with what an enforcing sender would do
// (daneprobe_dane_info, daneprobe_mta_sts_info), counts of MX hosts,
// addresses, DANE-verified and DANE-failed addresses, failures and
// warnings, the check's duration and DNS queries, and when it ran. Per
// address (labels domain, mx, ip): the DANE and MTA-STS verdict of that
// address (daneprobe_address_info) and the expiry of the certificate it
// presented (daneprobe_certificate_not_after_seconds, a Unix time, so that
// "expires within 14 days" is daneprobe_certificate_not_after_seconds -
// time() < 14 * 86400 and never goes stale between checks, the convention
// of blackbox_exporter's probe_ssl_earliest_cert_expiry).
//
// The service adds when each domain last changed status and when it is
// next checked, its own counters (checks run, checks that could not
// complete, the queue of domains due), and for /probe the
// blackbox_exporter pair probe_success and probe_duration_seconds.
//
// # Bounded labels
//
// Labels carry only names that the domain's own DNS bounds (the domain, its
// MX hosts and their addresses) and verdict words from fixed sets (dane,
// mta_sts, action, mode, reason codes). Certificate serials, subjects,
// error messages and other free text never become labels: they would make
// a new time series on every renewal or every new wording.
package metrics

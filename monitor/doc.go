// Package monitor is the service behind "daneprobe serve": it checks a
// list of mail domains on a schedule, keeps the latest result of each (and,
// with a history store, every result and what changed), and serves them
// over HTTP to Prometheus and to people.
//
// # The schedule
//
// Every domain is checked once per interval. The checks are spread over
// the interval (domain i of n starts near i/n of it, plus a random jitter
// inside its slot), so a thousand domains do not start at once, and at
// most Concurrency run at the same time. The checks of one interval (a
// round) share one resolver cache and one SMTP prober, as a scan does:
// the root and TLD keys are validated once per round and a provider MX
// host shared by many domains is probed once. Each check has a deadline.
//
// A check that could not complete (status UNKNOWN: our resolver, the
// deadline) is retried with backoff, never more often than the interval:
// after the k-th failure in a row the domain waits interval × 2^(k-1)
// (at most MaxBackoff) before its next check, so a broken domain or a
// broken network is not hammered. A check that reaches a verdict, even
// CRITICAL, is a success: the domain is checked again one interval later.
//
// # HTTP
//
//	/probe?target=DOMAIN   a fresh check in blackbox_exporter's convention
//	/metrics               the latest result of every domain, and the service's own metrics
//	/healthz               "ok" while the service runs
//	/                      the dashboard: a table of every domain
//	/domain/DOMAIN         one domain: its report, history and chain picture
//	/api/v1/domains        the latest reports as JSON (report/SCHEMA.md)
//	/api/v1/domains/DOMAIN[/history]
//
// Only GET and HEAD are served; nothing but /probe makes the service do
// anything, and /probe checks only the listed domains unless the service
// allows any target (an open /probe would be a free SMTP-scanning proxy
// for anyone who reaches the port).
package monitor

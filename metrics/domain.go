package metrics

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/daneprobe/daneprobe/delivery"
)

// Domain is one domain's latest result as the collectors export it.
type Domain struct {
	// Report is the latest report of the domain; required.
	Report *delivery.DomainReport
	// LastChange is when the domain's status last changed, as the
	// history store knows it; zero when unknown (check --prometheus).
	LastChange time.Time
	// NextCheck is when the service checks the domain next; zero when
	// none is scheduled.
	NextCheck time.Time
}

// Reports is a prometheus.Collector for the per-domain and per-address
// metrics of the domains its source returns at each scrape. A domain that
// appears twice is exported once (its first appearance), so that a
// command line naming a domain twice still makes a valid exposition.
type Reports struct {
	source func() []Domain
	d      reportDescs
}

// reportDescs is the one definition of each per-domain metric.
type reportDescs struct {
	status, daneInfo, stsInfo, mxHosts, addresses, verified, failed,
	failures, warnings, duration, queries, lastCheck, lastChange,
	nextCheck, addressInfo, notAfter, localFault *prometheus.Desc
	horizons horizonDescs // horizon.go
}

func newReportDescs() reportDescs {
	domain := []string{"domain"}
	address := []string{"domain", "mx", "ip"}
	d := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return reportDescs{
		status:    d("daneprobe_status", "Monitoring status of the domain as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", domain),
		daneInfo:  d("daneprobe_dane_info", "Domain-level DANE verdict (verified, partial, failed, unusable, none), the action of a DANE-enforcing sender and the MX it would use (always 1).", []string{"domain", "dane", "action", "via"}),
		stsInfo:   d("daneprobe_mta_sts_info", "MTA-STS policy mode, domain-level result (pass, fail, none) and the action of an MTA-STS-enforcing sender (always 1).", []string{"domain", "mode", "result", "action"}),
		mxHosts:   d("daneprobe_mx_hosts", "MX hosts of the domain.", domain),
		addresses: d("daneprobe_addresses", "Addresses of all MX hosts of the domain.", domain),
		verified:  d("daneprobe_addresses_dane_verified", "Addresses whose TLS is authenticated by a usable TLSA record.", domain),
		failed:    d("daneprobe_addresses_dane_failed", "Addresses a DANE-enforcing sender will not deliver to.", domain),
		failures:  d("daneprobe_failures", "Failures found, each with an RFC 8460 result type.", domain),
		warnings:  d("daneprobe_warnings", "Warnings found.", domain),
		duration:  d("daneprobe_check_duration_seconds", "Wall time of the domain's latest check.", domain),
		queries:   d("daneprobe_dns_queries", "Upstream DNS queries sent by the domain's latest check.", domain),
		lastCheck: d("daneprobe_last_check_timestamp_seconds", "When the domain's latest check started, in Unix seconds.", domain),
		lastChange: d("daneprobe_last_change_timestamp_seconds",
			"When the domain's status last changed, in Unix seconds (from the service's history).", domain),
		nextCheck:   d("daneprobe_next_check_timestamp_seconds", "When the service checks the domain next, in Unix seconds.", domain),
		addressInfo: d("daneprobe_address_info", "Per-address DANE verdict (verified, failed, unusable-tlsa, none) with its reason code, and MTA-STS verdict (pass, fail, none) (always 1).", []string{"domain", "mx", "ip", "dane", "dane_reason", "mta_sts"}),
		notAfter:    d("daneprobe_certificate_not_after_seconds", "Expiry (notAfter) of the leaf certificate the address presented, in Unix seconds.", address),
		horizons:    newHorizonDescs(),
		localFault:  d("daneprobe_local_fault_info", "Present (1) when the status is UNKNOWN because of a fault on the checking side, with its reason code (upstream-strips-dnssec, trust-anchor-mismatch, ...).", []string{"domain", "reason"}),
	}
}

// NewReports returns a collector of the domains source returns. source is
// called once per scrape and must be safe for concurrent use.
func NewReports(source func() []Domain) *Reports {
	return &Reports{source: source, d: newReportDescs()}
}

// Describe sends the descriptors of every metric Reports can export.
func (c *Reports) Describe(ch chan<- *prometheus.Desc) {
	d := c.d
	for _, desc := range []*prometheus.Desc{d.status, d.daneInfo, d.stsInfo, d.mxHosts, d.addresses,
		d.verified, d.failed, d.failures, d.warnings, d.duration, d.queries, d.lastCheck,
		d.lastChange, d.nextCheck, d.addressInfo, d.notAfter, d.localFault} {
		ch <- desc
	}
	d.horizons.describe(ch)
}

// Collect sends the metrics of every domain of the source.
func (c *Reports) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	for _, dom := range c.source() {
		r := dom.Report
		if r == nil || seen[r.Domain] {
			continue
		}
		seen[r.Domain] = true
		c.collect(ch, dom)
	}
}

func (c *Reports) collect(ch chan<- prometheus.Metric, dom Domain) {
	r, d := dom.Report, c.d
	name := label(r.Domain)
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	gauge(d.status, float64(r.Status.ExitCode()), name)
	if r.LocalFault != "" {
		gauge(d.localFault, 1, name, label(r.LocalFault))
	}
	gauge(d.daneInfo, 1, name, label(string(r.DANE)), label(string(r.Outcome.DANE.Action)), label(r.Outcome.DANE.Via))
	gauge(d.stsInfo, 1, name, label(r.MTASTS.Mode), label(string(r.MTASTS.Result)), label(string(r.Outcome.MTASTS.Action)))
	var addrs, verified, failed int
	seen := map[[2]string]bool{}
	for _, m := range r.MX {
		for _, a := range m.Addresses {
			addrs++
			switch a.DANE {
			case delivery.AddressVerified:
				verified++
			case delivery.AddressFailed:
				failed++
			}
			key := [2]string{m.Host, a.IP}
			if seen[key] {
				continue // one series per (mx, ip), even if listed twice
			}
			seen[key] = true
			mx, ip := label(m.Host), label(a.IP)
			gauge(d.addressInfo, 1, name, mx, ip, label(string(a.DANE)), label(string(a.DANEReason)), label(string(a.MTASTS)))
			if len(a.Chain) > 0 && !a.Chain[0].NotAfter.IsZero() {
				gauge(d.notAfter, float64(a.Chain[0].NotAfter.Unix()), name, mx, ip)
			}
		}
	}
	d.horizons.collect(r, gauge)
	gauge(d.mxHosts, float64(len(r.MX)), name)
	gauge(d.addresses, float64(addrs), name)
	gauge(d.verified, float64(verified), name)
	gauge(d.failed, float64(failed), name)
	gauge(d.failures, float64(len(r.Failures)), name)
	gauge(d.warnings, float64(len(r.Warnings)), name)
	gauge(d.duration, r.Timings.Total.Duration().Seconds(), name)
	gauge(d.queries, float64(r.Timings.Queries), name)
	if !r.CheckedAt.IsZero() {
		gauge(d.lastCheck, unix(r.CheckedAt), name)
	}
	if !dom.LastChange.IsZero() {
		gauge(d.lastChange, unix(dom.LastChange), name)
	}
	if !dom.NextCheck.IsZero() {
		gauge(d.nextCheck, unix(dom.NextCheck), name)
	}
}

// unix is t in Unix seconds with millisecond precision.
func unix(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// label makes s a valid label value: the exposition format requires UTF-8.
func label(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

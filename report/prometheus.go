package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
)

// WritePrometheus writes the reports in the Prometheus text exposition
// format (version 0.0.4), for node_exporter's textfile collector or a
// pushgateway: per domain the status as its exit code, the DANE and
// MTA-STS verdicts as info-style gauges, counts of MX hosts, addresses,
// verified addresses, failures and warnings, the check's duration and
// DNS queries, and per address the leaf certificate's notAfter time, so
// that expiry can be alerted on.
func WritePrometheus(w io.Writer, reports []delivery.DomainReport) error {
	bw := bufio.NewWriter(w)
	family := func(name, typ, help string, samples func(emit func(labels []string, value float64))) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		samples(func(labels []string, value float64) {
			bw.WriteString(name)
			if len(labels) > 0 {
				bw.WriteByte('{')
				for i := 0; i+1 < len(labels); i += 2 {
					if i > 0 {
						bw.WriteByte(',')
					}
					fmt.Fprintf(bw, "%s=\"%s\"", labels[i], escapeLabel(labels[i+1]))
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			bw.WriteString(strconv.FormatFloat(value, 'g', -1, 64))
			bw.WriteByte('\n')
		})
	}
	perDomain := func(value func(r *delivery.DomainReport) float64) func(func([]string, float64)) {
		return func(emit func([]string, float64)) {
			for i := range reports {
				emit([]string{"domain", reports[i].Domain}, value(&reports[i]))
			}
		}
	}
	count := func(r *delivery.DomainReport, keep func(*delivery.AddressReport) bool) float64 {
		n := 0
		for i := range r.MX {
			for j := range r.MX[i].Addresses {
				if keep(&r.MX[i].Addresses[j]) {
					n++
				}
			}
		}
		return float64(n)
	}

	family("daneprobe_status", "gauge", "Monitoring status as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
		perDomain(func(r *delivery.DomainReport) float64 { return float64(r.Status.ExitCode()) }))
	family("daneprobe_dane_info", "gauge", "Domain-level DANE verdict and DANE-enforcing sender action (always 1).",
		func(emit func([]string, float64)) {
			for i := range reports {
				r := &reports[i]
				emit([]string{"domain", r.Domain, "dane", string(r.DANE), "action", string(r.Outcome.DANE.Action), "via", r.Outcome.DANE.Via}, 1)
			}
		})
	family("daneprobe_mta_sts_info", "gauge", "MTA-STS mode, result and MTA-STS-enforcing sender action (always 1).",
		func(emit func([]string, float64)) {
			for i := range reports {
				r := &reports[i]
				emit([]string{"domain", r.Domain, "mode", r.MTASTS.Mode, "result", string(r.MTASTS.Result), "action", string(r.Outcome.MTASTS.Action)}, 1)
			}
		})
	family("daneprobe_mx_hosts", "gauge", "MX hosts of the domain.",
		perDomain(func(r *delivery.DomainReport) float64 { return float64(len(r.MX)) }))
	family("daneprobe_addresses", "gauge", "Addresses of all MX hosts.",
		perDomain(func(r *delivery.DomainReport) float64 {
			return count(r, func(*delivery.AddressReport) bool { return true })
		}))
	family("daneprobe_addresses_dane_verified", "gauge", "Addresses whose TLS is authenticated by a usable TLSA record.",
		perDomain(func(r *delivery.DomainReport) float64 {
			return count(r, func(a *delivery.AddressReport) bool { return a.DANE == delivery.AddressVerified })
		}))
	family("daneprobe_addresses_dane_failed", "gauge", "Addresses a DANE-enforcing sender will not deliver to.",
		perDomain(func(r *delivery.DomainReport) float64 {
			return count(r, func(a *delivery.AddressReport) bool { return a.DANE == delivery.AddressFailed })
		}))
	family("daneprobe_failures", "gauge", "Failures found, each with an RFC 8460 result type.",
		perDomain(func(r *delivery.DomainReport) float64 { return float64(len(r.Failures)) }))
	family("daneprobe_warnings", "gauge", "Warnings found.",
		perDomain(func(r *delivery.DomainReport) float64 { return float64(len(r.Warnings)) }))
	family("daneprobe_check_duration_seconds", "gauge", "Wall time of the check.",
		perDomain(func(r *delivery.DomainReport) float64 { return r.Timings.Total.Duration().Seconds() }))
	family("daneprobe_dns_queries", "gauge", "Upstream DNS queries sent by the check.",
		perDomain(func(r *delivery.DomainReport) float64 { return float64(r.Timings.Queries) }))
	family("daneprobe_certificate_not_after_seconds", "gauge", "Expiry of the leaf certificate each address presented, in Unix seconds.",
		func(emit func([]string, float64)) {
			for i := range reports {
				r := &reports[i]
				for _, m := range r.MX {
					for _, a := range m.Addresses {
						if len(a.Chain) > 0 {
							emit([]string{"domain", r.Domain, "mx", m.Host, "ip", a.IP}, float64(a.Chain[0].NotAfter.Unix()))
						}
					}
				}
			}
		})
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write Prometheus metrics: %w", err)
	}
	return nil
}

// escapeLabel escapes a label value as the exposition format requires:
// backslash, double quote and newline; invalid UTF-8 becomes U+FFFD.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

package report

import (
	"io"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/metrics"
)

// WritePrometheus writes the reports in the Prometheus text exposition
// format (version 0.0.4), for node_exporter's textfile collector or a
// pushgateway. The metrics are those of package metrics, the same
// collectors "daneprobe serve" exports: per domain the status as its exit
// code, the DANE and MTA-STS verdicts as info-style gauges, counts of MX
// hosts, addresses, verified addresses, failures and warnings, the
// check's duration, DNS queries and start time, and per address its
// verdicts and the leaf certificate's notAfter time, so that expiry can
// be alerted on.
func WritePrometheus(w io.Writer, reports []delivery.DomainReport) error {
	return metrics.WriteReports(w, reports)
}

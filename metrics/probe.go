package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/daneprobe/daneprobe/delivery"
)

// NewProbeRegistry returns the registry of one /probe answer, in
// blackbox_exporter's convention: the target's metrics plus probe_success
// and probe_duration_seconds, unprefixed as Prometheus users know them
// from every other prober.
//
// probe_success is 1 when the check completed and reached a verdict (any
// status but UNKNOWN), whatever that verdict is: a domain whose DANE fails
// is probed successfully and shows it in daneprobe_status. 0 means the
// probe itself failed (our resolver, the deadline, a bad target).
func NewProbeRegistry(dom Domain, took time.Duration) *prometheus.Registry {
	success := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_success", Help: "Whether the check completed with a verdict (1) or could not (0).",
	})
	duration := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_duration_seconds", Help: "How long the probe took, in seconds.",
	})
	if dom.Report != nil && dom.Report.Status != delivery.StatusUnknown {
		success.Set(1)
	}
	duration.Set(took.Seconds())
	reg := prometheus.NewRegistry()
	reg.MustRegister(success, duration)
	if dom.Report != nil {
		reg.MustRegister(NewReports(func() []Domain { return []Domain{dom} }))
	}
	return reg
}

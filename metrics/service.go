package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Triggers of a check, the values of the trigger label of the service's
// counters.
const (
	TriggerSchedule = "schedule" // the scheduler's round
	TriggerProbe    = "probe"    // a /probe request
)

// Service holds the service's own metrics: what it did, not what it found.
type Service struct {
	// Checks counts the checks run, by trigger.
	Checks *prometheus.CounterVec
	// Errors counts the checks that could not complete (status UNKNOWN:
	// a problem on the checking side, or the deadline), by trigger.
	Errors *prometheus.CounterVec
	// HistoryErrors counts results the history store could not record.
	HistoryErrors prometheus.Counter
	// QueueDepth is the number of scheduled checks that are due but not
	// yet started.
	QueueDepth prometheus.Gauge
	// InFlight is the number of checks running now.
	InFlight prometheus.Gauge
	// Domains is the number of domains scheduled.
	Domains prometheus.Gauge
}

// NewService returns the service's metrics, all at zero, with both
// triggers present so that rate() works from the first scrape.
func NewService() *Service {
	s := &Service{
		Checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "daneprobe_checks_total", Help: "Checks run, by trigger (schedule, probe).",
		}, []string{"trigger"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "daneprobe_check_errors_total", Help: "Checks that could not complete (status UNKNOWN), by trigger (schedule, probe).",
		}, []string{"trigger"}),
		HistoryErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "daneprobe_history_errors_total", Help: "Check results the history store could not record.",
		}),
		QueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "daneprobe_queue_depth", Help: "Scheduled checks that are due but not yet started.",
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "daneprobe_checks_in_flight", Help: "Checks running now.",
		}),
		Domains: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "daneprobe_scheduled_domains", Help: "Domains the service checks on its schedule.",
		}),
	}
	for _, t := range []string{TriggerSchedule, TriggerProbe} {
		s.Checks.WithLabelValues(t)
		s.Errors.WithLabelValues(t)
	}
	return s
}

// Collectors returns the service's metrics for registering.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.Checks, s.Errors, s.HistoryErrors, s.QueueDepth, s.InFlight, s.Domains}
}

// NewServiceRegistry returns the registry behind the service's /metrics:
// the reports, the service's own metrics, and the Go runtime and process
// collectors of client_golang.
func NewServiceRegistry(reports *Reports, svc *Service) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(reports, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(svc.Collectors()...)
	return reg
}

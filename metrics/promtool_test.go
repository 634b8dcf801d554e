package metrics

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/needtool"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// promtool returns Prometheus's promtool (needtool: a failure under CI=true
// when missing).
func promtool(t *testing.T) string {
	t.Helper()
	return needtool.Path(t, "promtool", "prometheus")
}

// lint runs "promtool check metrics" on the exposition and fails the test
// on any complaint: promtool checks the syntax and Prometheus's naming
// conventions (units, _total on counters, no reserved names).
func lint(t *testing.T, bin string, exposition []byte) {
	t.Helper()
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\nexposition:\n%s", err, out, exposition)
	}
}

// Every exposition daneprobe writes passes promtool: the textfile of
// check --prometheus, the service's /metrics (with the Go runtime and
// process collectors) and a /probe answer.
func TestPromtoolAcceptsEveryExposition(t *testing.T) {
	bin := promtool(t)
	reports := sampleReports()
	var textfile bytes.Buffer
	if err := WriteReports(&textfile, reports); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(textfile.String(), `daneprobe_status{domain="dane.example"} 0`) {
		t.Fatalf("textfile lacks the status of dane.example:\n%s", textfile.String())
	}
	lint(t, bin, textfile.Bytes())

	doms := []Domain{{Report: &reports[0], LastChange: time.Unix(1700000000, 0), NextCheck: time.Unix(1700003600, 0)}, {Report: &reports[1]}}
	svc := NewService()
	svc.Checks.WithLabelValues(TriggerSchedule).Add(3)
	reg := NewServiceRegistry(NewReports(func() []Domain { return doms }), svc)
	var service bytes.Buffer
	if err := Write(&service, reg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`daneprobe_checks_total{trigger="schedule"} 3`, "go_goroutines ", "daneprobe_last_change_timestamp_seconds{domain=\"dane.example\"} 1.7e+09"} {
		if !strings.Contains(service.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	lint(t, bin, service.Bytes())

	var probe bytes.Buffer
	if err := Write(&probe, NewProbeRegistry(Domain{Report: &reports[1]}, 1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	lint(t, bin, probe.Bytes())
}

// The linter is a real check: it rejects a counter without _total.
func TestPromtoolRejectsBadNames(t *testing.T) {
	bin := promtool(t)
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "daneprobe_checks", Help: "A badly named counter."})
	c.Inc()
	reg.MustRegister(c)
	var buf bytes.Buffer
	if err := Write(&buf, reg); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = &buf
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "_total") {
		t.Errorf("promtool did not complain about a counter without _total: %q", out)
	}
}

// sampleReports are two decided-looking reports: a DANE-verified domain
// with two addresses and a failing one with a name that is not UTF-8.
func sampleReports() []delivery.DomainReport {
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	return []delivery.DomainReport{
		{
			Domain: "dane.example", Status: delivery.StatusOK, DANE: delivery.DANEVerified,
			CheckedAt: time.Unix(1700000100, 0),
			Outcome:   delivery.Outcomes{DANE: delivery.SenderOutcome{Action: delivery.DeliverAuthenticated, Via: "mx.dane.example"}},
			MTASTS:    delivery.MTASTSReport{Result: delivery.MTASTSNone},
			MX: []delivery.MXReport{{Host: "mx.dane.example", Addresses: []delivery.AddressReport{
				{IP: "192.0.2.1", DANE: delivery.AddressVerified, MTASTS: delivery.MTASTSNone, Chain: []delivery.Certificate{{NotAfter: notAfter}}},
				{IP: "2001:db8::1", DANE: delivery.AddressVerified, MTASTS: delivery.MTASTSNone, Chain: []delivery.Certificate{{NotAfter: notAfter}}},
			}}},
			Timings: delivery.Timings{Total: delivery.Seconds(1200 * time.Millisecond), Queries: 14},
		},
		{
			Domain: "bad\xff.example", Status: delivery.StatusCritical, DANE: delivery.DANEFailed,
			Failures: []delivery.Failure{{ResultType: tlsrpt.ResultTLSAInvalid}},
			MX: []delivery.MXReport{{Host: "mx.bad.example", Addresses: []delivery.AddressReport{
				{IP: "192.0.2.9", DANE: delivery.AddressFailed, DANEReason: delivery.ReasonNoMatch},
			}}},
		},
	}
}

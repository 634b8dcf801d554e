package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/daneprobe/daneprobe/delivery"
)

// Each metric has the value the report calls for.
func TestReportsValues(t *testing.T) {
	reports := sampleReports()
	doms := []Domain{{Report: &reports[0], LastChange: time.Unix(1700000000, 0)}, {Report: &reports[1]}}
	c := NewReports(func() []Domain { return doms })
	for _, tc := range []struct {
		metric, want string
	}{
		{"daneprobe_status", `daneprobe_status{domain="bad\ufffd.example"} 2
daneprobe_status{domain="dane.example"} 0`},
		{"daneprobe_addresses_dane_verified", `daneprobe_addresses_dane_verified{domain="bad\ufffd.example"} 0
daneprobe_addresses_dane_verified{domain="dane.example"} 2`},
		{"daneprobe_addresses_dane_failed", `daneprobe_addresses_dane_failed{domain="bad\ufffd.example"} 1
daneprobe_addresses_dane_failed{domain="dane.example"} 0`},
		{"daneprobe_failures", `daneprobe_failures{domain="bad\ufffd.example"} 1
daneprobe_failures{domain="dane.example"} 0`},
		{"daneprobe_certificate_not_after_seconds", `daneprobe_certificate_not_after_seconds{domain="dane.example",ip="192.0.2.1",mx="mx.dane.example"} 1.798859045e+09
daneprobe_certificate_not_after_seconds{domain="dane.example",ip="2001:db8::1",mx="mx.dane.example"} 1.798859045e+09`},
		{"daneprobe_last_change_timestamp_seconds", `daneprobe_last_change_timestamp_seconds{domain="dane.example"} 1.7e+09`},
		{"daneprobe_last_check_timestamp_seconds", `daneprobe_last_check_timestamp_seconds{domain="dane.example"} 1.7000001e+09`},
		{"daneprobe_dns_queries", `daneprobe_dns_queries{domain="bad\ufffd.example"} 0
daneprobe_dns_queries{domain="dane.example"} 14`},
		{"daneprobe_address_info", `daneprobe_address_info{dane="failed",dane_reason="no-match",domain="bad\ufffd.example",ip="192.0.2.9",mta_sts="",mx="mx.bad.example"} 1
daneprobe_address_info{dane="verified",dane_reason="",domain="dane.example",ip="192.0.2.1",mta_sts="none",mx="mx.dane.example"} 1
daneprobe_address_info{dane="verified",dane_reason="",domain="dane.example",ip="2001:db8::1",mta_sts="none",mx="mx.dane.example"} 1`},
		{"daneprobe_dane_info", `daneprobe_dane_info{action="",dane="failed",domain="bad\ufffd.example",via=""} 1
daneprobe_dane_info{action="deliver-authenticated",dane="verified",domain="dane.example",via="mx.dane.example"} 1`},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			got, err := samples(c, tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(tc.want, `\ufffd`, "\uFFFD"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// samples renders the samples of one metric of c, one per line, sorted as
// the registry sorts them.
func samples(c prometheus.Collector, metric string) (string, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := Write(&b, reg); err != nil {
		return "", err
	}
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, metric+"{") || strings.HasPrefix(l, metric+" ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), nil
}

// A domain named twice (check a.example a.example) and an address listed
// twice are exported once, so the exposition stays valid.
func TestReportsDuplicates(t *testing.T) {
	r := sampleReports()[0]
	r.MX = append(r.MX, r.MX[0])
	doms := []Domain{{Report: &r}, {Report: &r}, {Report: nil}}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewReports(func() []Domain { return doms }))
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("gather with duplicates: %v", err)
	}
	got, err := samples(NewReports(func() []Domain { return doms }), "daneprobe_addresses")
	if err != nil {
		t.Fatal(err)
	}
	// The count is of addresses as listed (4), the series one per address.
	if got != `daneprobe_addresses{domain="dane.example"} 4` {
		t.Errorf("addresses: %s", got)
	}
	info, err := samples(NewReports(func() []Domain { return doms }), "daneprobe_address_info")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(info, "\n") + 1; n != 2 {
		t.Errorf("address_info series = %d, want 2:\n%s", n, info)
	}
}

// probe_success is 1 for any verdict and 0 when the check could not
// complete.
func TestProbeSuccess(t *testing.T) {
	for _, tc := range []struct {
		status delivery.Status
		want   float64
	}{
		{delivery.StatusOK, 1}, {delivery.StatusCritical, 1}, {delivery.StatusWarning, 1}, {delivery.StatusUnknown, 0},
	} {
		r := &delivery.DomainReport{Domain: "x.example", Status: tc.status}
		reg := NewProbeRegistry(Domain{Report: r}, time.Second)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var got float64 = -1
		for _, mf := range mfs {
			if mf.GetName() == "probe_success" {
				got = mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		if got != tc.want {
			t.Errorf("%s: probe_success = %v, want %v", tc.status, got, tc.want)
		}
	}
}

package recheck

import (
	"context"
	"fmt"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

func TestResult(t *testing.T) {
	r := &delivery.DomainReport{Domain: "a.example", Error: "deadline exceeded", Failures: []delivery.Failure{
		{ResultType: "certificate-host-mismatch", Policy: delivery.PolicyMTASTS, MX: "mx2.a.example", IP: "192.0.2.1", Detail: "wrong name"},
		{ResultType: "tlsa-invalid", Policy: delivery.PolicyDANE, MX: "mx1.a.example", Detail: "no match"},
		{ResultType: "dnssec-invalid", Policy: delivery.PolicyDNSSEC, Detail: "bogus"},
	}}
	got := Result(r)
	want := tlsrpt.CheckResult{Incomplete: "deadline exceeded", Findings: []tlsrpt.Finding{
		{Result: tlsrpt.ResultCertificateHostMismatch, Policy: tlsrpt.PolicySTS, MX: "mx2.a.example", IP: "192.0.2.1", Detail: "wrong name"},
		{Result: tlsrpt.ResultTLSAInvalid, Policy: tlsrpt.PolicyTLSA, MX: "mx1.a.example", Detail: "no match"},
		{Result: tlsrpt.ResultDNSSECInvalid, Detail: "bogus"},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if Result(nil).Incomplete == "" {
		t.Error("a nil report is not incomplete")
	}
}

// TestRunBound: at most max domains are checked, the most failed first;
// the rest, and a policy domain that is not a domain name, are
// undetermined without being a local fault.
func TestRunBound(t *testing.T) {
	s := tlsrpt.NewSummarizer()
	s.Add(tlsrpt.Input{Report: &tlsrpt.Report{ID: "bad", Policies: []tlsrpt.Policy{{Type: tlsrpt.PolicySTS, Domain: "not a domain", Failed: 9,
		Details: []tlsrpt.FailureDetail{{Result: tlsrpt.ResultSTARTTLSNotSupported, Sessions: 9}}}}}})
	for i := 1; i <= 4; i++ {
		s.Add(tlsrpt.Input{Report: &tlsrpt.Report{ID: fmt.Sprint(i), Policies: []tlsrpt.Policy{{Type: tlsrpt.PolicySTS, Domain: fmt.Sprintf("d%d.example", i), Failed: int64(i),
			Details: []tlsrpt.FailureDetail{{Result: tlsrpt.ResultSTARTTLSNotSupported, ReceivingMX: "mx", Sessions: int64(i)}}}}}})
	}
	sum := s.Summary()
	var checked []string
	check := func(_ context.Context, d string) *delivery.DomainReport {
		checked = append(checked, d)
		return &delivery.DomainReport{Domain: d}
	}
	Run(context.Background(), &sum, check, 3)
	if fmt.Sprint(checked) != "[d4.example d3.example]" {
		t.Errorf("checked %v", checked)
	}
	if sum.Status != tlsrpt.StatusWarning || !sum.Rechecked {
		t.Errorf("status %s", sum.Status)
	}
	for _, d := range sum.Domains {
		rc := d.Failures[0].Recheck
		want := tlsrpt.NotReproduced
		if d.Domain == "d1.example" || d.Domain == "d2.example" || d.Domain == "not a domain" {
			want = tlsrpt.Undetermined
		}
		if rc == nil || rc.Verdict != want || rc.Incomplete {
			t.Errorf("%s: %+v, want %s", d.Domain, rc, want)
		}
	}

	// An interrupted run checks nothing more and is a local fault.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum = s.Summary()
	checked = nil
	Run(ctx, &sum, check, 0)
	if len(checked) != 0 || sum.Status != tlsrpt.StatusUnknown {
		t.Errorf("checked %v, status %s", checked, sum.Status)
	}
}

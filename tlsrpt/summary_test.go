package tlsrpt

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// summarize reads the fixtures at paths into one Summary.
func summarize(t testing.TB, paths ...string) Summary {
	t.Helper()
	s := NewSummarizer()
	for _, in := range readAll(t, &Reader{}, paths...) {
		s.Add(in)
	}
	return s.Summary()
}

func findDomain(s Summary, domain string, pt PolicyType) *DomainSummary {
	for i := range s.Domains {
		if s.Domains[i].Domain == domain && s.Domains[i].PolicyType == pt {
			return &s.Domains[i]
		}
	}
	return nil
}

// TestSummaryFixtures sums every fixture report; the expected figures
// are added up by hand from the fixtures.
func TestSummaryFixtures(t *testing.T) {
	s := summarize(t, reportsDir)
	// 12 inputs with a report, 3 of them a second copy (the .json.gz of
	// google.json, Google's mail as .eml and in the mbox, Microsoft's in
	// the mbox and the Maildir), and the mbox message without a report.
	if s.Reports != 9 || s.Duplicates != 3 || s.Skipped != 1 {
		t.Errorf("reports %d, duplicates %d, skipped %d", s.Reports, s.Duplicates, s.Skipped)
	}
	if s.Status != StatusWarning {
		t.Errorf("status %s", s.Status)
	}
	d := findDomain(s, "mail.example", PolicySTS)
	if d == nil {
		t.Fatalf("no mail.example sts in %+v", s.Domains)
	}
	if s.Domains[0].Domain != "company-y.example" || s.Domains[1].Domain != "mail.example" {
		t.Errorf("the domain with the most failures is not first: %s", s.Domains[0].Domain)
	}
	if d.Successful != 25242 || d.Failed != 147 || d.Reports != 7 {
		t.Errorf("mail.example: %d ok, %d failed, %d reports", d.Successful, d.Failed, d.Reports)
	}
	if got := Percent(d.SuccessRate); got != "99.4" {
		t.Errorf("rate %s", got)
	}
	if !d.Start.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !d.End.Equal(time.Date(2026, 12, 2, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("dates %v..%v", d.Start, d.End)
	}
	if got := strings.Join(d.Organizations, "|"); got != "Example Mailer|Google Inc.|Microsoft Corporation|Small Mailer|Yahoo" {
		t.Errorf("organisations %s", got)
	}
	if len(d.Failures) != 3 {
		t.Fatalf("failure groups %+v", d.Failures)
	}
	f := d.Failures[0]
	if f.Result != ResultCertificateHostMismatch || f.MX != "mx2.mail.example" || f.Sessions != 142 || !f.Known {
		t.Errorf("first group %+v", f)
	}
	if got := strings.Join(f.Organizations, "|"); got != "Google Inc.|Microsoft Corporation" {
		t.Errorf("organisations of the group: %s", got)
	}
	if got := fmt.Sprint(f.Senders); got != "[{209.85.220.41 100} {209.85.220.69 30} {2a01:111:f400:7e1a::200 12}]" {
		t.Errorf("senders %s", got)
	}
	if got := strings.Join(f.ReceivingIPs, ","); got != "192.0.2.25" {
		t.Errorf("receiving ips %s", got)
	}
	if g := d.Failures[1]; g.Result != ResultSTARTTLSNotSupported || g.MX != "mx1.mail.example" || g.Sessions != 4 {
		t.Errorf("second group %+v", g)
	}
	if g := d.Failures[2]; g.Result != "certificate-revoked" || g.Known || g.Sessions != 1 {
		t.Errorf("third group %+v", g)
	}
	// Per MX host and address: what failure details named.
	if got := fmt.Sprint(d.MX); got != "[{mx2.mail.example 192.0.2.25 97} {mx2.mail.example  45} {mx1.mail.example  5}]" {
		t.Errorf("mx %s", got)
	}
	if x := findDomain(s, "dane.example", PolicyTLSA); x == nil || x.Successful != 1200 || x.Failed != 0 || x.SuccessRate != 1 {
		t.Errorf("dane.example %+v", x)
	}
	// Microsoft's reports of a policy it could not fetch name neither the
	// sending MTA nor an MX.
	if x := findDomain(s, "sts-fetch.example", PolicySTS); x == nil || x.Failed != 3 || len(x.Failures) != 1 || x.Failures[0].MX != "" ||
		x.Failures[0].Result != ResultSTSPolicyFetchError || x.Failures[0].Senders[0].IP != "(not given)" || len(x.MX) != 0 {
		t.Errorf("sts-fetch.example %+v", x)
	}
	if x := findDomain(s, "other.example", PolicyNoPolicyFound); x == nil || x.Successful != 12 {
		t.Errorf("other.example %+v", x)
	}
	if len(s.Unusual) == 0 || len(s.Problems) != 1 {
		t.Errorf("unusual %d, problems %+v", len(s.Unusual), s.Problems)
	}
	if got := s.FailingDomains(); strings.Join(got, ",") != "company-y.example,mail.example,sts-fetch.example" {
		t.Errorf("failing domains %q", got)
	}
}

// TestSummaryDedupByOrganization: the same id from two organisations is
// two reports; from one, it is one.
func TestSummaryDedupByOrganization(t *testing.T) {
	s := NewSummarizer()
	add := func(org, id string) {
		s.Add(Input{Source: "x", Report: &Report{Organization: org, ID: id, Policies: []Policy{{Type: PolicySTS, Domain: "a.example", Successful: 1}}}})
	}
	add("A", "2026-12-01_a.example")
	add("B", "2026-12-01_a.example")
	add("A", "2026-12-01_a.example")
	add("A", "")
	add("A", "")
	sum := s.Summary()
	if sum.Reports != 4 || sum.Duplicates != 1 || sum.Domains[0].Successful != 4 {
		t.Errorf("reports %d, duplicates %d, sessions %d", sum.Reports, sum.Duplicates, sum.Domains[0].Successful)
	}
}

func TestSummaryStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		sum  Summary
		want Status
	}{
		{"nothing read", Summary{}, StatusUnknown},
		{"clean", Summary{Reports: 1, Domains: []DomainSummary{{Successful: 3}}}, StatusOK},
		{"failures, no recheck", Summary{Reports: 1, Domains: []DomainSummary{{Failed: 3, Failures: []FailureGroup{{Sessions: 3}}}}}, StatusWarning},
		{"not reproduced", Summary{Reports: 1, Domains: []DomainSummary{{Failed: 3, Failures: []FailureGroup{{Sessions: 3, Recheck: &Recheck{Verdict: NotReproduced}}}}}}, StatusWarning},
		{"reproduces", Summary{Reports: 1, Domains: []DomainSummary{{Failed: 3, Failures: []FailureGroup{
			{Recheck: &Recheck{Verdict: NotReproduced}}, {Recheck: &Recheck{Verdict: Reproduces}}, {Recheck: &Recheck{Verdict: Undetermined, Incomplete: true}}}}}}, StatusCritical},
		{"check incomplete", Summary{Reports: 1, Domains: []DomainSummary{{Failed: 3, Failures: []FailureGroup{{Recheck: &Recheck{Verdict: Undetermined, Incomplete: true}}}}}}, StatusUnknown},
		{"unknown result type", Summary{Reports: 1, Domains: []DomainSummary{{Failed: 3, Failures: []FailureGroup{{Recheck: &Recheck{Verdict: Undetermined}}}}}}, StatusWarning},
	} {
		if got := tc.sum.status(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want string
	}{{1, "100.0"}, {0.99999, "99.9"}, {0.992, "99.2"}, {0, "0.0"}, {0.5, "50.0"}} {
		if got := Percent(tc.rate); got != tc.want {
			t.Errorf("Percent(%v) = %s, want %s", tc.rate, got, tc.want)
		}
	}
}

// TestSummaryBounded: hostile numbers of domains, groups and senders are
// counted and flagged, not kept.
func TestSummaryBounded(t *testing.T) {
	s := NewSummarizer()
	var details []FailureDetail
	for i := 0; i < maxSenders+10; i++ {
		details = append(details, FailureDetail{Result: ResultValidationFailure, SendingIP: fmt.Sprintf("10.0.%d.%d", i/256, i%256), Sessions: 1})
	}
	s.Add(Input{Report: &Report{ID: "a", Policies: []Policy{{Type: PolicySTS, Domain: "a.example", Failed: int64(len(details)), Details: details}}}})
	for i := 0; i < maxGroups+5; i++ {
		s.Add(Input{Report: &Report{ID: fmt.Sprint(i), Policies: []Policy{{Type: PolicySTS, Domain: fmt.Sprintf("d%d.example", i), Successful: 1}}}})
	}
	sum := s.Summary()
	if !sum.Truncated || len(sum.Domains) != maxGroups {
		t.Errorf("truncated %v, %d domains", sum.Truncated, len(sum.Domains))
	}
	g := findDomain(sum, "a.example", PolicySTS).Failures[0]
	if len(g.Senders) != maxSenders || g.OtherSenders != 10 || g.Sessions != int64(maxSenders+10) {
		t.Errorf("%d senders, %d other sessions, %d sessions", len(g.Senders), g.OtherSenders, g.Sessions)
	}
}

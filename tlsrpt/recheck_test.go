package tlsrpt

import (
	"strings"
	"testing"
)

func TestReproducedBy(t *testing.T) {
	for _, rt := range ResultTypes() {
		if !hasResult(ReproducedBy(rt), rt) {
			t.Errorf("%s is not reproduced by itself", rt)
		}
	}
	if got := ReproducedBy("certificate-revoked"); got != nil {
		t.Errorf("an unknown type maps to %v", got)
	}
	if !hasResult(ReproducedBy(ResultValidationFailure), ResultCertificateExpired) || hasResult(ReproducedBy(ResultCertificateExpired), ResultValidationFailure) {
		t.Error("validation-failure is the general type, not the other way round")
	}
}

func TestRecheckGroup(t *testing.T) {
	chm := func(mx string, ips ...string) FailureGroup {
		return FailureGroup{Result: ResultCertificateHostMismatch, MX: mx, ReceivingIPs: ips, Organizations: []string{"G"}}
	}
	found := func(rt ResultType, pt PolicyType, mx, ip string) CheckResult {
		return CheckResult{Findings: []Finding{{Result: rt, Policy: pt, MX: mx, IP: ip, Detail: "the detail"}}}
	}
	for _, tc := range []struct {
		name       string
		pt         PolicyType
		g          FailureGroup
		orgs       []string
		res        CheckResult
		want       RecheckVerdict
		why        string
		incomplete bool
	}{
		{"same failure, same MX", PolicySTS, chm("mx2.a"), []string{"G"}, found(ResultCertificateHostMismatch, PolicySTS, "mx2.a", "192.0.2.1"), Reproduces, "still failing at mx2.a: the detail", false},
		{"MX compared without case", PolicySTS, chm("mx2.a"), []string{"G"}, found(ResultCertificateHostMismatch, PolicySTS, "MX2.A", ""), Reproduces, "", false},
		{"same failure, other MX", PolicySTS, chm("mx2.a"), []string{"G"}, found(ResultCertificateHostMismatch, PolicySTS, "mx1.a", ""), NotReproduced, "no certificate-host-mismatch at mx2.a now: fixed since the reports", false},
		{"other address", PolicySTS, chm("mx2.a", "192.0.2.2"), []string{"G"}, found(ResultCertificateHostMismatch, PolicySTS, "mx2.a", "192.0.2.1"), NotReproduced, "", false},
		{"same address", PolicySTS, chm("mx2.a", "192.0.2.1"), []string{"G"}, found(ResultCertificateHostMismatch, PolicySTS, "mx2.a", "192.0.2.1"), Reproduces, "", false},
		{"other policy", PolicySTS, chm("mx2.a"), []string{"G"}, found(ResultCertificateHostMismatch, PolicyTLSA, "mx2.a", ""), NotReproduced, "", false},
		{"domain-wide DNSSEC failure", PolicyTLSA, FailureGroup{Result: ResultDNSSECInvalid}, nil, found(ResultDNSSECInvalid, "", "", ""), Reproduces, "still failing at the domain", false},
		{"general validation-failure", PolicyTLSA, FailureGroup{Result: ResultValidationFailure, MX: "mx1.a"}, nil, found(ResultCertificateExpired, PolicyTLSA, "mx1.a", ""), Reproduces, "", false},
		{"tlsa-invalid shown by a DANE-TA name mismatch", PolicyTLSA, FailureGroup{Result: ResultTLSAInvalid, MX: "mx1.a"}, nil, found(ResultCertificateHostMismatch, PolicyTLSA, "mx1.a", ""), Reproduces, "", false},
		{"no-policy-found matches any policy", PolicyNoPolicyFound, FailureGroup{Result: ResultSTARTTLSNotSupported, MX: "mx1.a"}, nil, found(ResultSTARTTLSNotSupported, PolicySTS, "mx1.a", ""), Reproduces, "", false},
		{"unknown result type", PolicySTS, FailureGroup{Result: "certificate-revoked"}, nil, found(ResultValidationFailure, PolicySTS, "", ""), Undetermined, `"certificate-revoked" is not an RFC 8460 result type`, false},
		{"only some senders", PolicySTS, chm("mx1.a"), []string{"G", "M", "Y"}, CheckResult{}, NotReproduced, "reported only by G (1 of 3 organisations reporting on this domain)", false},
		{"incomplete, found", PolicySTS, chm("mx2.a"), nil, CheckResult{Incomplete: "deadline", Findings: found(ResultCertificateHostMismatch, PolicySTS, "mx2.a", "").Findings}, Reproduces, "", false},
		{"incomplete, not found", PolicySTS, chm("mx2.a"), nil, CheckResult{Incomplete: "deadline"}, Undetermined, "the check did not finish: deadline", true},
		{"not checked", PolicySTS, chm("mx2.a"), nil, CheckResult{NotChecked: "past the bound"}, Undetermined, "past the bound", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RecheckGroup(tc.pt, tc.g, tc.orgs, tc.res)
			if got.Verdict != tc.want || !strings.Contains(got.Detail, tc.why) || got.Incomplete != tc.incomplete {
				t.Errorf("got %+v, want %s %q incomplete %v", got, tc.want, tc.why, tc.incomplete)
			}
			if (got.Verdict == Reproduces) != (len(got.Matching) > 0) {
				t.Errorf("matching %v with verdict %s", got.Matching, got.Verdict)
			}
		})
	}
}

func TestApplyRecheck(t *testing.T) {
	s := summarize(t, reportsDir+"google.json", reportsDir+"microsoft.json")
	if s.Status != StatusWarning {
		t.Fatalf("status %s", s.Status)
	}
	s.ApplyRecheck("Mail.Example.", CheckResult{Findings: []Finding{{Result: ResultCertificateHostMismatch, Policy: PolicySTS, MX: "mx2.mail.example", IP: "192.0.2.25", Detail: "x"}}})
	d := findDomain(s, "mail.example", PolicySTS)
	if !s.Rechecked || s.Status != StatusCritical || d.Failures[0].Recheck == nil || d.Failures[0].Recheck.Verdict != Reproduces {
		t.Errorf("rechecked %v, status %s, %+v", s.Rechecked, s.Status, d.Failures[0].Recheck)
	}
}

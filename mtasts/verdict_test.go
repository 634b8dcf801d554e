package mtasts_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// testChains issues the certificates the verdict table needs.
type testChains struct {
	roots                                     *x509.CertPool
	good, viaInter, wrongName, expired, other []*x509.Certificate
}

func newTestChains(t *testing.T) testChains {
	t.Helper()
	root, err := testworld.NewRootCA(testworld.CertOptions{NotBefore: time.Now().Add(-72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := testworld.NewRootCA(testworld.CertOptions{CommonName: "unknown root"})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(ca *testworld.CA, o testworld.CertOptions) []*x509.Certificate {
		t.Helper()
		l, err := ca.Issue(o)
		if err != nil {
			t.Fatal(err)
		}
		var chain []*x509.Certificate
		for _, der := range l.Chain {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			chain = append(chain, c)
		}
		return chain
	}
	mx := []string{"mx1.example.test"}
	now := time.Now()
	return testChains{
		roots:     root.Pool(),
		good:      issue(root, testworld.CertOptions{DNSNames: mx}),
		viaInter:  issue(inter, testworld.CertOptions{DNSNames: mx}),
		wrongName: issue(root, testworld.CertOptions{DNSNames: []string{"other.example.test"}}),
		expired:   issue(root, testworld.CertOptions{DNSNames: mx, NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)}),
		other:     issue(stranger, testworld.CertOptions{DNSNames: mx}),
	}
}

func TestEvaluateMX(t *testing.T) {
	c := newTestChains(t)
	policy := func(mode mtasts.Mode) *mtasts.Policy {
		return &mtasts.Policy{Version: "STSv1", Mode: mode, MaxAge: 86400, MX: []string{"mx1.example.test", "*.backup.example.test"}}
	}
	invalid := &mtasts.Policy{Mode: mtasts.ModeEnforce, MX: []string{"mx1.example.test"}, Problems: []mtasts.Problem{{Severity: mtasts.SeverityError, Detail: "broken"}}}
	ok := mtasts.MXFacts{MX: "mx1.example.test", STARTTLS: true, TLSVersion: tls.VersionTLS13, Chain: c.good}
	with := func(f func(*mtasts.MXFacts)) mtasts.MXFacts {
		g := ok
		f(&g)
		return g
	}
	tests := []struct {
		name    string
		policy  *mtasts.Policy
		facts   mtasts.MXFacts
		outcome mtasts.Outcome
		result  tlsrpt.ResultType
		deliver bool
		note    string
	}{
		{"no policy", nil, ok, mtasts.OutcomeNone, "", true, ""},
		{"invalid policy", invalid, ok, mtasts.OutcomeNone, "", true, ""},
		{"mode none", policy(mtasts.ModeNone), with(func(f *mtasts.MXFacts) { f.STARTTLS = false }), mtasts.OutcomeNone, "", true, ""},
		{"enforce pass", policy(mtasts.ModeEnforce), ok, mtasts.OutcomePass, "", true, ""},
		{"enforce pass TLS 1.2", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.TLSVersion = tls.VersionTLS12 }), mtasts.OutcomePass, "", true, ""},
		{"enforce pass via intermediate", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.viaInter }), mtasts.OutcomePass, "", true, ""},
		{"enforce pass, MX with trailing dot", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.MX = "MX1.example.test." }), mtasts.OutcomePass, "", true, ""},
		{"enforce, MX not in policy", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.MX = "mx9.example.test" }), mtasts.OutcomeFail, tlsrpt.ResultValidationFailure, false, ""},
		{"testing, MX not in policy", policy(mtasts.ModeTesting), with(func(f *mtasts.MXFacts) { f.MX = "mx9.example.test" }), mtasts.OutcomeFail, tlsrpt.ResultValidationFailure, true, ""},
		{"enforce, no STARTTLS", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.STARTTLS, f.TLSVersion, f.Chain = false, 0, nil }), mtasts.OutcomeFail, tlsrpt.ResultSTARTTLSNotSupported, false, ""},
		{"testing, no STARTTLS", policy(mtasts.ModeTesting), with(func(f *mtasts.MXFacts) { f.STARTTLS, f.TLSVersion, f.Chain = false, 0, nil }), mtasts.OutcomeFail, tlsrpt.ResultSTARTTLSNotSupported, true, ""},
		{"enforce, unreachable", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.STARTTLS, f.Err = false, errors.New("connection refused") }), mtasts.OutcomeFail, tlsrpt.ResultValidationFailure, false, ""},
		{"enforce, handshake failed", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.TLSVersion, f.Chain, f.Err = 0, nil, errors.New("handshake failure") }), mtasts.OutcomeFail, tlsrpt.ResultValidationFailure, false, ""},
		{"enforce, TLS 1.1", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.TLSVersion = tls.VersionTLS11 }), mtasts.OutcomeFail, tlsrpt.ResultValidationFailure, false, ""},
		{"enforce, wrong name", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.wrongName }), mtasts.OutcomeFail, tlsrpt.ResultCertificateHostMismatch, false, ""},
		{"enforce, expired", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.expired }), mtasts.OutcomeFail, tlsrpt.ResultCertificateExpired, false, ""},
		{"enforce, untrusted", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.other }), mtasts.OutcomeFail, tlsrpt.ResultCertificateNotTrusted, false, ""},
		{"enforce, intermediate missing", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.viaInter[:1] }), mtasts.OutcomeFail, tlsrpt.ResultCertificateNotTrusted, false, ""},
		{"testing, expired", policy(mtasts.ModeTesting), with(func(f *mtasts.MXFacts) { f.Chain = c.expired }), mtasts.OutcomeFail, tlsrpt.ResultCertificateExpired, true, ""},
		{"wildcard pattern", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.MX = "a.backup.example.test"; f.Chain = c.wrongName }), mtasts.OutcomeFail, tlsrpt.ResultCertificateHostMismatch, false, ""},
		{"DANE failed beats STS pass", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.DANE = mtasts.DANEFailed }), mtasts.OutcomePass, "", false, "takes precedence"},
		{"DANE verified governs", policy(mtasts.ModeEnforce), with(func(f *mtasts.MXFacts) { f.Chain = c.other; f.DANE = mtasts.DANEVerified }), mtasts.OutcomeFail, tlsrpt.ResultCertificateNotTrusted, true, "takes precedence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mtasts.EvaluateMX(tt.policy, tt.facts, mtasts.VerifyOptions{Roots: c.roots})
			if v.Outcome != tt.outcome || v.Result != tt.result || v.Deliver != tt.deliver {
				t.Fatalf("got outcome %s, result %q, deliver %v (%s); want %s, %q, %v", v.Outcome, v.Result, v.Deliver, v.Detail, tt.outcome, tt.result, tt.deliver)
			}
			if v.Outcome == mtasts.OutcomeFail && v.Detail == "" {
				t.Error("failure without detail")
			}
			if !strings.Contains(v.Note, tt.note) || (tt.note == "" && v.Note != "") {
				t.Errorf("note %q, want %q", v.Note, tt.note)
			}
		})
	}
}

func TestEvaluateMXClock(t *testing.T) {
	c := newTestChains(t)
	p := &mtasts.Policy{Version: "STSv1", Mode: mtasts.ModeEnforce, MaxAge: 86400, MX: []string{"mx1.example.test"}}
	f := mtasts.MXFacts{MX: "mx1.example.test", STARTTLS: true, TLSVersion: tls.VersionTLS13, Chain: c.expired}
	// At a time inside its validity window the "expired" certificate passes.
	v := mtasts.EvaluateMX(p, f, mtasts.VerifyOptions{Roots: c.roots, Now: time.Now().Add(-24 * time.Hour)})
	if v.Outcome != mtasts.OutcomePass {
		t.Errorf("injected clock ignored: %+v", v)
	}
}

// TestVerifyMXTLS: the WebPKI verifier gather uses on its own (RFC 8461
// §4.2), without a policy.
func TestVerifyMXTLS(t *testing.T) {
	c := newTestChains(t)
	opts := mtasts.VerifyOptions{Roots: c.roots}
	for _, tc := range []struct {
		name    string
		host    string
		version uint16
		chain   []*x509.Certificate
		want    tlsrpt.ResultType
	}{
		{"valid", "mx1.example.test", tls.VersionTLS13, c.good, ""},
		{"valid, trailing dot", "mx1.example.test.", tls.VersionTLS12, c.good, ""},
		{"via intermediate", "mx1.example.test", tls.VersionTLS13, c.viaInter, ""},
		{"TLS 1.1", "mx1.example.test", tls.VersionTLS11, c.good, tlsrpt.ResultValidationFailure},
		{"no chain", "mx1.example.test", tls.VersionTLS13, nil, tlsrpt.ResultValidationFailure},
		{"wrong name", "mx1.example.test", tls.VersionTLS13, c.wrongName, tlsrpt.ResultCertificateHostMismatch},
		{"expired", "mx1.example.test", tls.VersionTLS13, c.expired, tlsrpt.ResultCertificateExpired},
		{"untrusted", "mx1.example.test", tls.VersionTLS13, c.other, tlsrpt.ResultCertificateNotTrusted},
		{"intermediate missing", "mx1.example.test", tls.VersionTLS13, c.viaInter[:1], tlsrpt.ResultCertificateNotTrusted},
	} {
		got, detail := mtasts.VerifyMXTLS(tc.host, tc.version, tc.chain, opts)
		if got != tc.want || (got != "") != (detail != "") {
			t.Errorf("%s: %q %q, want %q", tc.name, got, detail, tc.want)
		}
	}
}

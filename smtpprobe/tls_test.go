package smtpprobe_test

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

func TestOCSPStapleRecorded(t *testing.T) {
	leaf, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{"mx.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	cert := leaf.TLSCertificate()
	cert.OCSPStaple = []byte("not a real OCSP response, but stapled")
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPStartTLS, Certificate: cert})
	res, err := newProber().Probe(context.Background(), target(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TLS.OCSPStapled || string(res.TLS.OCSPResponse) != string(cert.OCSPStaple) {
		t.Errorf("staple not recorded: %+v", res.TLS)
	}
}

// TestHandshakeAlert: a client that insists on TLS 1.2+ meets a server
// that only speaks TLS 1.1; the server answers with a protocol_version
// alert.
func TestHandshakeAlert(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPLegacyTLS})
	tg := target(t, srv)
	tg.TLSConfig = func(c *tls.Config) { c.MinVersion = tls.VersionTLS12 }
	res, err := newProber().Probe(context.Background(), tg)
	if err == nil || res.FailedStep != smtpprobe.StepHandshake || res.Outcome != smtpprobe.OutcomeTLSAlert {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if res.Banner == "" || !smtpprobe.HasExtension(res.Extensions, "STARTTLS") {
		t.Errorf("facts before the failure lost: %+v", res)
	}
}

func TestTLS10Recorded(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPLegacyTLS, TLSMaxVersion: tls.VersionTLS10})
	res, err := newProber().Probe(context.Background(), target(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if res.TLS.Version != tls.VersionTLS10 || res.TLS.CipherName == "" {
		t.Errorf("tls %s %s", res.TLS.VersionName, res.TLS.CipherName)
	}
}

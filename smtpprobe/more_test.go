package smtpprobe_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

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

func TestConnectTimeout(t *testing.T) {
	p := newProber()
	p.Timeouts.Connect = 200 * time.Millisecond
	p.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done() // a blackholed SYN
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	start := time.Now()
	res, err := p.Probe(context.Background(), smtpprobe.Target{Host: "mx.example", Addr: netip.MustParseAddr("127.0.0.1")})
	if err == nil || res.FailedStep != smtpprobe.StepConnect || res.Outcome != smtpprobe.OutcomeTimeout {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("connect timeout took %v", d)
	}
}

// TestProbeAddrsLoopback probes a host with two IPv4 addresses and ::1 on
// one shared port. Where this machine has no IPv6 loopback, the ::1
// session must say network-unreachable rather than failed.
func TestProbeAddrsLoopback(t *testing.T) {
	good := startSMTP(t, testworld.SMTPOptions{Addr: "127.0.0.21:0", Kind: testworld.SMTPStartTLS})
	_, port, _ := net.SplitHostPort(good.Addr)
	startSMTP(t, testworld.SMTPOptions{Addr: "127.0.0.22:" + port, Kind: testworld.SMTPStartTLS454})
	v6, v6err := testworld.StartSMTP(testworld.SMTPOptions{Addr: "[::1]:" + port, Kind: testworld.SMTPStartTLS})
	if v6err == nil {
		t.Cleanup(func() { v6.Close() })
	}
	tg := target(t, good)
	res := newProber().ProbeAddrs(context.Background(), tg, []netip.Addr{
		netip.MustParseAddr("127.0.0.21"), netip.MustParseAddr("127.0.0.22"), netip.MustParseAddr("::1"),
	})
	if res[0].Err != nil || res[0].TLS == nil {
		t.Errorf("127.0.0.21: %v", res[0].Err)
	}
	if res[1].FailedStep != smtpprobe.StepStartTLS || res[1].STARTTLSCode != 454 {
		t.Errorf("127.0.0.22: %q %d", res[1].FailedStep, res[1].STARTTLSCode)
	}
	switch {
	case v6err == nil && (res[2].Err != nil || res[2].TLS == nil):
		t.Errorf("::1 with IPv6 loopback: %v", res[2].Err)
	case v6err != nil && res[2].Outcome != smtpprobe.OutcomeNetworkUnreachable && res[2].Outcome != smtpprobe.OutcomeRefused:
		t.Errorf("::1 without IPv6 (%v): outcome %q", v6err, res[2].Outcome)
	}
	if res[2].Addr.String() != "[::1]:"+port {
		t.Errorf("addr %s", res[2].Addr)
	}
}

func TestProbeAddrsCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newProber()
	res := p.ProbeAddrs(ctx, smtpprobe.Target{Host: "mx.example", Port: 1}, []netip.Addr{
		netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"),
	})
	for _, r := range res {
		if r == nil || r.Outcome != smtpprobe.OutcomeCanceled || r.FailedStep != smtpprobe.StepConnect {
			t.Errorf("result %+v", r)
		}
	}
}

// TestResultJSON pins the field names callers render.
func TestResultJSON(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPInjectAfter220})
	res, _ := newProber().Probe(context.Background(), target(t, srv))
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"host":`, `"addr":"127.0.0.1:`, `"banner":`, `"extensions":[`, `"starttls_advertised":true`,
		`"starttls_accepted":true`, `"injected_bytes":`, `"tls":{`, `"version_name":"TLS 1.3"`, `"chain_der":[`,
		`"ocsp_stapled":false`, `"steps":[{"step":"connect","outcome":"ok"`, `"outcome":"ok"`, `"ehlo_name":"probe.example.org"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
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

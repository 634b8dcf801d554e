package smtpprobe_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

// shortStep is the deadline of a step a test expects to time out; other
// steps get generous deadlines so a loaded machine (race detector, shared
// cores) does not fail them.
const shortStep = 400 * time.Millisecond

func generousTimeouts() smtpprobe.Timeouts {
	return smtpprobe.Timeouts{Connect: 10 * time.Second, Banner: 10 * time.Second, EHLO: 10 * time.Second,
		STARTTLS: 10 * time.Second, Handshake: 10 * time.Second, Quit: 10 * time.Second}
}

// shortenStep sets a short deadline on the named step.
func shortenStep(tm *smtpprobe.Timeouts, step string) {
	switch smtpprobe.Step(step) {
	case smtpprobe.StepConnect:
		tm.Connect = shortStep
	case smtpprobe.StepBanner:
		tm.Banner = shortStep
	case smtpprobe.StepEHLO, smtpprobe.StepEHLOAfterTLS:
		tm.EHLO = shortStep
	case smtpprobe.StepStartTLS:
		tm.STARTTLS = shortStep
	case smtpprobe.StepHandshake:
		tm.Handshake = shortStep
	case smtpprobe.StepQuit:
		tm.Quit = shortStep
	}
}

func startSMTP(t testing.TB, opts testworld.SMTPOptions) *testworld.SMTPServer {
	t.Helper()
	srv, err := testworld.StartSMTP(opts)
	if err != nil {
		t.Fatalf("start %s server: %v", opts.Kind, err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func target(t testing.TB, srv *testworld.SMTPServer) smtpprobe.Target {
	t.Helper()
	ap := netip.MustParseAddrPort(srv.Addr)
	return smtpprobe.Target{Host: "mx.example.net", Addr: ap.Addr(), Port: ap.Port(), SNI: "mx.example.net"}
}

func newProber() *smtpprobe.Prober {
	return &smtpprobe.Prober{Timeouts: generousTimeouts(), EHLOName: "probe.example.org"}
}

func TestScenarios(t *testing.T) {
	scenarios, err := testworld.LoadSMTPScenarios("../testdata/smtpprobe/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 13 {
		t.Fatalf("only %d scenarios", len(scenarios))
	}
	leaf, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{"mx.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTP(t, testworld.SMTPOptions{Kind: sc.Kind, Certificate: leaf.TLSCertificate()})
			ex := sc.Expect
			p := newProber()
			if ex.Outcome == string(smtpprobe.OutcomeTimeout) {
				shortenStep(&p.Timeouts, ex.FailedStep)
			}
			start := time.Now()
			res, err := p.Probe(context.Background(), target(t, srv))
			elapsed := time.Since(start)
			if (err != nil) != (ex.FailedStep != "") {
				t.Errorf("err = %v, want failure at %q", err, ex.FailedStep)
			}
			if string(res.FailedStep) != ex.FailedStep || string(res.Outcome) != ex.Outcome {
				t.Errorf("failed step %q outcome %q, want %q %q (err %v)", res.FailedStep, res.Outcome, ex.FailedStep, ex.Outcome, err)
			}
			if res.STARTTLSAdvertised != ex.STARTTLSAdvertised || res.STARTTLSAccepted != ex.STARTTLSAccepted {
				t.Errorf("starttls advertised %v accepted %v, want %v %v", res.STARTTLSAdvertised, res.STARTTLSAccepted, ex.STARTTLSAdvertised, ex.STARTTLSAccepted)
			}
			if ex.STARTTLSCode != 0 && res.STARTTLSCode != ex.STARTTLSCode {
				t.Errorf("starttls code %d, want %d", res.STARTTLSCode, ex.STARTTLSCode)
			}
			gotTLS := res.TLS != nil && len(res.ExtensionsAfterTLS) > 0
			if gotTLS != ex.TLS {
				t.Errorf("tls session %v, want %v (tls %+v)", gotTLS, ex.TLS, res.TLS)
			}
			if ex.TLSVersion != "" && (res.TLS == nil || res.TLS.VersionName != ex.TLSVersion) {
				t.Errorf("tls version %+v, want %s", res.TLS, ex.TLSVersion)
			}
			if (res.InjectedCount > 0) != ex.Injected {
				t.Errorf("injected %q, want injection %v", res.InjectedBytes, ex.Injected)
			}
			// Hostile servers are cut off at their step deadline (short
			// for stalls, the caps for floods), with generous slack.
			if ex.FailedStep != "" && elapsed > 4*time.Second {
				t.Errorf("session took %v", elapsed)
			}
			if ex.FailedStep != "" {
				last := res.Steps[len(res.Steps)-1]
				if last.Step != smtpprobe.StepQuit && string(last.Step) != ex.FailedStep {
					t.Errorf("last step %q, want %q", last.Step, ex.FailedStep)
				}
			}
			if sc.Kind != testworld.SMTPBannerFlood && sc.Kind != testworld.SMTPTrickle && res.Banner == "" {
				t.Errorf("banner not recorded")
			}
		})
	}
}

// TestFullSession checks every recorded fact of a good session.
func TestFullSession(t *testing.T) {
	ca, err := testworld.NewRootCA(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inter, err := ca.Intermediate(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testworld.CertOptions{DNSNames: []string{"mx.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPStartTLS, Certificate: leaf.TLSCertificate(), Hostname: "mx.example.net"})
	tg := target(t, srv)
	tg.SNI = "tlsa-base.example.com"
	res, err := newProber().Probe(context.Background(), tg)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if res.BannerCode != 220 || !strings.Contains(res.Banner, "mx.example.net") {
		t.Errorf("banner %d %q", res.BannerCode, res.Banner)
	}
	if res.EHLOName != "probe.example.org" {
		t.Errorf("ehlo name %q", res.EHLOName)
	}
	if !smtpprobe.HasExtension(res.Extensions, "starttls") || !smtpprobe.HasExtension(res.Extensions, "PIPELINING") {
		t.Errorf("extensions %q", res.Extensions)
	}
	if smtpprobe.HasExtension(res.ExtensionsAfterTLS, "STARTTLS") || !smtpprobe.HasExtension(res.ExtensionsAfterTLS, "PIPELINING") {
		t.Errorf("extensions after tls %q", res.ExtensionsAfterTLS)
	}
	if res.TLS == nil || res.TLS.Version != tls.VersionTLS13 || res.TLS.CipherName == "" {
		t.Fatalf("tls facts %+v", res.TLS)
	}
	if len(res.TLS.Chain) != 2 || !bytes.Equal(res.TLS.Chain[0], leaf.Chain[0]) || !bytes.Equal(res.TLS.Chain[1], leaf.Chain[1]) {
		t.Errorf("chain not recorded as presented: %d certs", len(res.TLS.Chain))
	}
	if len(res.TLS.Certificates) != 2 || res.TLS.Certificates[0].DNSNames[0] != "mx.example.net" {
		t.Errorf("parsed chain %v", res.TLS.Certificates)
	}
	if res.TLS.OCSPStapled {
		t.Errorf("ocsp stapled without a staple")
	}
	want := []smtpprobe.Step{smtpprobe.StepConnect, smtpprobe.StepBanner, smtpprobe.StepEHLO, smtpprobe.StepStartTLS, smtpprobe.StepHandshake, smtpprobe.StepEHLOAfterTLS, smtpprobe.StepQuit}
	if len(res.Steps) != len(want) {
		t.Fatalf("steps %+v", res.Steps)
	}
	for i, s := range res.Steps {
		if s.Step != want[i] || s.Outcome != smtpprobe.OutcomeOK {
			t.Errorf("step %d = %+v, want %s ok", i, s, want[i])
		}
	}
	// RFC 7672 §8.1: the SNI is sent as given.
	st := srv.Stats()
	if st.LastSNI != "tlsa-base.example.com" {
		t.Errorf("server saw SNI %q", st.LastSNI)
	}
	if st.Handshakes != 1 || st.Total != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestInjectionNotFedToTLS proves that bytes behind the STARTTLS 220 are
// reported and discarded: were they fed to TLS, the client would read
// them as a TLS record and the handshake would fail.
func TestInjectionNotFedToTLS(t *testing.T) {
	inject := []byte("250 PIPELINED-FAKE-REPLY\r\n\x16\x03\x01garbage")
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPInjectAfter220, Inject: inject})
	res, err := newProber().Probe(context.Background(), target(t, srv))
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if !bytes.Equal(res.InjectedBytes, inject) || res.InjectedCount != len(inject) {
		t.Errorf("injected %q (%d), want %q", res.InjectedBytes, res.InjectedCount, inject)
	}
	if res.TLS == nil || srv.Stats().Handshakes != 1 || len(res.ExtensionsAfterTLS) == 0 {
		t.Errorf("handshake did not complete: %+v", res.Steps)
	}
}

func TestVerifyHook(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPStartTLS})
	tg := target(t, srv)
	called := false
	tg.TLSConfig = func(c *tls.Config) {
		if !c.InsecureSkipVerify || c.MinVersion != tls.VersionTLS10 || c.ServerName != "mx.example.net" {
			t.Errorf("config handed to hook: %+v", c)
		}
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			called = true
			return errors.New("no TLSA record matches")
		}
	}
	res, err := newProber().Probe(context.Background(), tg)
	if err == nil || !called {
		t.Fatalf("err %v, hook called %v", err, called)
	}
	if res.FailedStep != smtpprobe.StepHandshake || res.Outcome != smtpprobe.OutcomeVerifyFailed {
		t.Errorf("failed %q %q", res.FailedStep, res.Outcome)
	}
	if res.TLS == nil || len(res.TLS.Chain) != 1 || !strings.Contains(res.TLS.VerifyError, "no TLSA") {
		t.Errorf("chain not recorded before verify: %+v", res.TLS)
	}
}

func TestTrickleCutOffAtStepDeadline(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPTrickle, TrickleInterval: 50 * time.Millisecond})
	p := newProber()
	p.Timeouts.Banner = 300 * time.Millisecond
	start := time.Now()
	res, _ := p.Probe(context.Background(), target(t, srv))
	elapsed := time.Since(start)
	if res.FailedStep != smtpprobe.StepBanner || res.Outcome != smtpprobe.OutcomeTimeout {
		t.Fatalf("failed %q %q", res.FailedStep, res.Outcome)
	}
	// A per-byte deadline would never fire (a byte every 50ms); the
	// step deadline must. Generous slack for a loaded machine.
	if elapsed > 2*time.Second {
		t.Errorf("trickling server held the probe %v", elapsed)
	}
	if st, _ := res.Step(smtpprobe.StepBanner); st.Duration < 250*time.Millisecond {
		t.Errorf("banner step ended early: %v", st.Duration)
	}
}

func TestFloodCutOff(t *testing.T) {
	for _, kind := range []testworld.SMTPKind{testworld.SMTPBannerFlood, testworld.SMTPEndlessEHLO} {
		t.Run(string(kind), func(t *testing.T) {
			srv := startSMTP(t, testworld.SMTPOptions{Kind: kind})
			p := newProber()
			p.Timeouts.Banner, p.Timeouts.EHLO = 5*time.Second, 5*time.Second
			start := time.Now()
			res, err := p.Probe(context.Background(), target(t, srv))
			if !errors.Is(err, smtpprobe.ErrReplyTooLong) || res.Outcome != smtpprobe.OutcomeReplyTooLong {
				t.Fatalf("err %v outcome %q", err, res.Outcome)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("flood took %v to cut off", d)
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPStalledHandshake})
	ctx, cancel := context.WithCancel(context.Background())
	p := newProber()
	p.Timeouts.Handshake = 10 * time.Second
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	start := time.Now()
	res, err := p.Probe(ctx, target(t, srv))
	if err == nil || res.Outcome != smtpprobe.OutcomeCanceled || res.FailedStep != smtpprobe.StepHandshake {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestConnectRefused(t *testing.T) {
	srv := startSMTP(t, testworld.SMTPOptions{Kind: testworld.SMTPNoStartTLS})
	tg := target(t, srv)
	srv.Close()
	res, err := newProber().Probe(context.Background(), tg)
	if err == nil || res.FailedStep != smtpprobe.StepConnect || res.Outcome != smtpprobe.OutcomeRefused {
		t.Fatalf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
}

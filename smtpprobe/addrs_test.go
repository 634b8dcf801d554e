package smtpprobe_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

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

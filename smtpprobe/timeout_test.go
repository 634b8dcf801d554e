package smtpprobe_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/smtpprobe"
)

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

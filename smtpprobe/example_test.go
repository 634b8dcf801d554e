package smtpprobe_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

func ExampleProber_Probe() {
	// A test server on loopback that accepts STARTTLS.
	srv, err := testworld.StartSMTP(testworld.SMTPOptions{Kind: testworld.SMTPStartTLS})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ap := netip.MustParseAddrPort(srv.Addr)

	p := &smtpprobe.Prober{EHLOName: "probe.example.org", Timeouts: smtpprobe.Timeouts{Handshake: 5 * time.Second}}
	res, err := p.Probe(context.Background(), smtpprobe.Target{
		Host: "mx.example.net",
		Addr: ap.Addr(),
		Port: ap.Port(),
		SNI:  "mx.example.net", // the TLSA base domain (RFC 7672 §8.1)
	})
	if err != nil {
		fmt.Println("failed at", res.FailedStep, res.Outcome)
		return
	}
	fmt.Println("STARTTLS advertised:", res.STARTTLSAdvertised)
	fmt.Println("TLS:", res.TLS.VersionName)
	fmt.Println("certificates presented:", len(res.TLS.Chain))
	for _, s := range res.Steps {
		fmt.Println(s.Step, s.Outcome)
	}
	// Output:
	// STARTTLS advertised: true
	// TLS: TLS 1.3
	// certificates presented: 1
	// connect ok
	// banner ok
	// ehlo ok
	// starttls ok
	// handshake ok
	// ehlo-after-tls ok
	// quit ok
}

package gather

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestGatherSTARTTLSFindings runs the gatherer against real hostile SMTP
// servers: one that hides STARTTLS but accepts it, one that injects
// plaintext after its STARTTLS 220 (CVE-2011-0411). Both findings must
// reach the report as facts and as warnings; a well-behaved server gets
// neither.
func TestGatherSTARTTLSFindings(t *testing.T) {
	for _, tc := range []struct {
		kind     testworld.SMTPKind
		addr     string
		warning  string
		hidden   bool
		injected bool
		wantDANE delivery.AddressDANE
	}{
		{testworld.SMTPHiddenStartTLS, "127.0.0.61", delivery.WarnSTARTTLSHidden, true, false, delivery.AddressFailed},
		{testworld.SMTPInjectAfter220, "127.0.0.62", delivery.WarnSTARTTLSInjection, false, true, delivery.AddressVerified},
		{testworld.SMTPStartTLS, "127.0.0.63", "", false, false, delivery.AddressVerified},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv, err := testworld.StartSMTP(testworld.SMTPOptions{Addr: net.JoinHostPort(tc.addr, "0"), Kind: tc.kind, Hostname: "mx.hostile.example"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			_, portText, _ := net.SplitHostPort(srv.Addr)
			port, _ := strconv.Atoi(portText)

			s := &script{}
			s.answer(dnssec.Secure, "hostile.example", dns.TypeMX, "hostile.example. 300 IN MX 10 mx.hostile.example.")
			s.answer(dnssec.Secure, "mx.hostile.example", dns.TypeA, "mx.hostile.example. 300 IN A "+tc.addr)
			s.answer(dnssec.Secure, "mx.hostile.example", dns.TypeAAAA)
			// The TLSA record is "3 1 1" of whatever key the server
			// presents, learned from a first probe without TLSA.
			ck := &Checker{Resolver: s, Port: port, Timeout: 2 * time.Second, EHLOName: "probe.daneprobe.test", IPv4Only: true}
			owner := "_" + portText + "._tcp.mx.hostile.example"
			s.answer(dnssec.Secure, owner, dns.TypeTLSA)
			first := ck.Check(context.Background(), "hostile.example")
			if len(first.MX) != 1 || len(first.MX[0].Addresses) != 1 {
				t.Fatalf("report: %+v", first.MX)
			}
			a := first.MX[0].Addresses[0]
			if a.STARTTLSHidden != tc.hidden || (a.InjectedBytes > 0) != tc.injected {
				t.Errorf("facts: starttls_hidden %v injected_bytes %d, want %v/%v", a.STARTTLSHidden, a.InjectedBytes, tc.hidden, tc.injected)
			}
			if tc.warning != "" && !hasFinding(first.Warnings, tc.warning) {
				t.Errorf("warnings %+v lack %s", first.Warnings, tc.warning)
			}
			if tc.warning == "" && (hasFinding(first.Warnings, delivery.WarnSTARTTLSHidden) || hasFinding(first.Warnings, delivery.WarnSTARTTLSInjection)) {
				t.Errorf("well-behaved server flagged: %+v", first.Warnings)
			}
			if len(a.Chain) == 0 {
				if tc.wantDANE == delivery.AddressVerified {
					t.Fatalf("no chain recorded: %+v", a)
				}
				return
			}
			// RFC 7672 §2.2.3: with a secure TLSA RRset, a server that
			// does not offer STARTTLS is a downgrade even if it would
			// accept the command; injected bytes are discarded and do
			// not stop authentication.
			s.answer(dnssec.Secure, owner, dns.TypeTLSA, owner+". 300 IN TLSA 3 1 1 "+a.Chain[0].SPKISHA256)
			second := ck.Check(context.Background(), "hostile.example")
			if got := second.MX[0].Addresses[0].DANE; got != tc.wantDANE {
				t.Errorf("dane %s, want %s (%+v)", got, tc.wantDANE, second.MX[0].Addresses[0])
			}
		})
	}
}

func hasFinding(fs []delivery.Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

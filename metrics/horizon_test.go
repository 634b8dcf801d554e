package metrics

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// horizonReport is a report with signature and certificate horizons, one
// of them listed twice.
func horizonReport() delivery.DomainReport {
	sig := func(owner, typ, signer string, left int64) delivery.SignatureHorizon {
		return delivery.SignatureHorizon{Horizon: dnssec.Horizon{Owner: owner, Type: typ, Signer: signer}, SecondsLeft: left, Level: delivery.LevelOK}
	}
	return delivery.DomainReport{Domain: "dane.example", Status: delivery.StatusOK, CheckedAt: time.Unix(1700000100, 0),
		Horizons: delivery.Horizons{
			Signatures: []delivery.SignatureHorizon{
				sig("_25._tcp.mx.dane.example.", "TLSA", "dane.example.", 129600),
				sig("dane.example.", "DS", "example.", 2592000),
				sig("dane.example.", "DS", "example.", 1),
			},
			Certificates: []delivery.CertificateHorizon{
				{MX: "mx.dane.example", IP: "192.0.2.1", Depth: 0, CheckedBy: "dane-ta mta-sts", SecondsLeft: 864000},
				{MX: "mx.dane.example", IP: "192.0.2.1", Depth: 1, SecondsLeft: -5},
			},
		}}
}

func TestHorizonSeries(t *testing.T) {
	var b bytes.Buffer
	if err := WriteReports(&b, []delivery.DomainReport{horizonReport()}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`daneprobe_rrsig_expiry_seconds{domain="dane.example",owner="_25._tcp.mx.dane.example.",signer="dane.example.",type="TLSA"} 129600`,
		`daneprobe_rrsig_expiry_seconds{domain="dane.example",owner="dane.example.",signer="example.",type="DS"} 2.592e+06`,
		`daneprobe_certificate_expiry_seconds{checked_by="dane-ta mta-sts",depth="0",domain="dane.example",ip="192.0.2.1",mx="mx.dane.example"} 864000`,
		`daneprobe_certificate_expiry_seconds{checked_by="",depth="1",domain="dane.example",ip="192.0.2.1",mx="mx.dane.example"} -5`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(out, `type="DS"`); n != 1 {
		t.Errorf("%d DS series, want 1 (the first listed)", n)
	}
	lint(t, promtool(t), b.Bytes())
}

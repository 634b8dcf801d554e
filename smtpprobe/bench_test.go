package smtpprobe_test

import (
	"context"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

// BenchmarkProbe runs full sessions (connect, banner, EHLO, STARTTLS, TLS
// 1.3 handshake with an ECDSA P-256 certificate, EHLO, QUIT) against a
// go-smtp server on loopback. The server's work shares the machine.
func BenchmarkProbe(b *testing.B) {
	srv := startSMTP(b, testworld.SMTPOptions{Kind: testworld.SMTPStartTLS})
	tg := target(b, srv)
	p := newProber()
	p.Timeouts = smtpprobe.Timeouts{}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		res, err := p.Probe(ctx, tg)
		if err != nil || res.TLS == nil {
			b.Fatalf("probe: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "handshakes/s")
}

// BenchmarkProbeParallel measures throughput with several sessions in
// flight, as ProbeAddrs and a scan run them.
func BenchmarkProbeParallel(b *testing.B) {
	srv := startSMTP(b, testworld.SMTPOptions{Kind: testworld.SMTPStartTLS})
	tg := target(b, srv)
	p := newProber()
	p.Timeouts = smtpprobe.Timeouts{}
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Probe(context.Background(), tg); err != nil {
				b.Errorf("probe: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "handshakes/s")
}

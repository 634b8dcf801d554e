package gather_test

import (
	"context"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// benchCheck checks the dual-stack domain of the mail world (two MX
// hosts, each with A, AAAA and TLSA in a signed chain) with a cold cache
// on every iteration, with delay on every DNS response and SMTP reply,
// and reports the wall time as a multiple of the delay and the upstream
// queries and SMTP connections per check.
func benchCheck(b *testing.B, delay time.Duration) {
	w, err := testworld.StartMail(testworld.MailOptions{Delay: delay})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	s, _ := w.Scenario("dual-stack")
	conns := func() (n int64) {
		for _, c := range w.Connections() {
			n += c
		}
		return n
	}
	b.ReportAllocs()
	var wall time.Duration
	queries, c0 := 0, conns()
	for b.Loop() {
		c := newChecker(b, w) // a fresh resolver: cold cache
		start := time.Now()
		r := c.Check(context.Background(), s.Domain)
		wall += time.Since(start)
		queries += r.Timings.Queries
		if r.Status != delivery.StatusOK || r.DANE != delivery.DANEVerified {
			b.Fatalf("status %s dane %s: %s", r.Status, r.DANE, r.Summary)
		}
	}
	n := float64(b.N)
	if delay > 0 {
		b.ReportMetric(float64(wall)/float64(delay)/n, "D/check")
	}
	b.ReportMetric(float64(queries)/n, "queries/check")
	b.ReportMetric(float64(conns()-c0)/n, "smtp-conns/check")
}

// BenchmarkCheckDelay measures a cold check under 50 ms of delay per DNS
// response and per SMTP reply: MX, then per host A, AAAA and TLSA at once,
// then the SMTP sessions; the target is about 10 D.
func BenchmarkCheckDelay(b *testing.B) { benchCheck(b, 50*time.Millisecond) }

// BenchmarkCheckCold measures the CPU and allocations of a cold check
// without delay.
func BenchmarkCheckCold(b *testing.B) { benchCheck(b, 0) }

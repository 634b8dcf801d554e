package gather_test

import (
	"context"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// benchCheck checks the scenario domain of a fresh mail world with a cold
// cache on every iteration, with delay on every DNS response (and, with
// smtpDelay, on every SMTP reply too), and reports the wall time as a
// multiple of the delay, the upstream queries and the SMTP connections per
// check. With the delay on DNS alone and the SMTP servers on loopback,
// D/check is the number of sequential DNS round trips on the critical
// path (plus a fraction for the CPU and the SMTP sessions); dns-depth/check
// counts them (the deepest query's causal depth, testworld.DNS.Depths).
func benchCheck(b *testing.B, scenario string, delay time.Duration, smtpDelay bool) {
	opts := testworld.MailOptions{}
	if smtpDelay {
		opts.Delay = delay
	}
	w, err := testworld.StartMail(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if !smtpDelay {
		w.DNS.SetDelay(delay)
	}
	s, ok := w.Scenario(scenario)
	if !ok {
		b.Fatalf("no scenario %s", scenario)
	}
	conns := func() (n int64) {
		for _, c := range w.Connections() {
			n += c
		}
		return n
	}
	b.ReportAllocs()
	var wall time.Duration
	queries, depth, c0 := 0, 0, conns()
	for b.Loop() {
		c := newChecker(b, w) // a fresh resolver: cold cache
		w.DNS.ResetDepths()
		start := time.Now()
		r := c.Check(context.Background(), s.Domain)
		wall += time.Since(start)
		queries += r.Timings.Queries
		_, deepest := w.DNS.Depths()
		depth += deepest
		if string(r.Status) != s.Status || string(r.DANE) != s.DANE {
			b.Fatalf("%s: status %s dane %s, want %s %s: %s", scenario, r.Status, r.DANE, s.Status, s.DANE, r.Summary)
		}
	}
	n := float64(b.N)
	if delay > 0 {
		b.ReportMetric(float64(wall)/float64(delay)/n, "D/check")
	}
	b.ReportMetric(float64(depth)/n, "dns-depth/check")
	b.ReportMetric(float64(queries)/n, "queries/check")
	b.ReportMetric(float64(conns()-c0)/n, "smtp-conns/check")
}

// BenchmarkCheckDelay measures cold checks under 50 ms of delay per DNS
// response. "dns/..." delays DNS alone, SMTP on loopback: D/check is the
// sequential DNS round trips of a domain with one MX (dane-ee), two MX
// hosts with A, AAAA and TLSA each (dual-stack), a CNAME'd MX (cname-mx)
// and an MTA-STS enforce domain (sts-enforce). "dns+smtp/dual-stack" also
// delays every SMTP reply, as this benchmark always did.
//
//	go test -run '^$' -bench BenchmarkCheckDelay -count 6 ./gather/
func BenchmarkCheckDelay(b *testing.B) {
	for _, sc := range []string{"dane-ee", "dual-stack", "cname-mx", "sts-enforce"} {
		b.Run("dns/"+sc, func(b *testing.B) { benchCheck(b, sc, 50*time.Millisecond, false) })
	}
	b.Run("dns+smtp/dual-stack", func(b *testing.B) { benchCheck(b, "dual-stack", 50*time.Millisecond, true) })
}

// BenchmarkCheckCold measures the CPU and allocations of a cold check
// without delay.
func BenchmarkCheckCold(b *testing.B) { benchCheck(b, "dual-stack", 0, false) }

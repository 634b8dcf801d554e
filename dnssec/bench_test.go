package dnssec

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

const benchName = "_25._tcp.mx.bench.test."

func benchWorld(b *testing.B, delay time.Duration) *testworld.DNS {
	b.Helper()
	w, err := testworld.StartDNS(testworld.DNSOptions{Delay: delay})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	return w
}

func benchResolver(b *testing.B, w *testworld.DNS) *Resolver {
	b.Helper()
	cfg := Config{Upstreams: []string{w.Addr()}}
	for _, ds := range w.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	r, err := NewResolver(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func benchLookup(b *testing.B, r *Resolver) {
	res, err := r.Lookup(context.Background(), benchName, dns.TypeTLSA)
	if err != nil || res.Security != Secure {
		b.Fatalf("lookup: %v %+v", err, res)
	}
}

// BenchmarkLookupCold: a TLSA lookup three zone cuts below the root with
// empty caches. roundtrips/op is wall time divided by the injected
// per-response delay: the answer, then the whole chain in parallel.
func BenchmarkLookupCold(b *testing.B) {
	const delay = 20 * time.Millisecond
	w := benchWorld(b, delay)
	b.ReportAllocs()
	var queries int64
	var elapsed time.Duration
	for b.Loop() {
		r := benchResolver(b, w)
		start := time.Now()
		benchLookup(b, r)
		elapsed += time.Since(start)
		queries += r.Queries()
	}
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(delay), "roundtrips/op")
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
}

// BenchmarkLookupWarm: the same TLSA lookup with the zone keys cached but
// not the answer: one round trip, one query.
func BenchmarkLookupWarm(b *testing.B) {
	const delay = 20 * time.Millisecond
	w := benchWorld(b, delay)
	r := benchResolver(b, w)
	benchLookup(b, r)
	b.ReportAllocs()
	q0 := r.Queries()
	var elapsed time.Duration
	for b.Loop() {
		r.answers = newLRU[*Result](r.cfg.CacheSize)
		start := time.Now()
		benchLookup(b, r)
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(delay), "roundtrips/op")
	b.ReportMetric(float64(r.Queries()-q0)/float64(b.N), "queries/op")
}

// BenchmarkLookupWarmNoDelay measures the CPU and allocations of a warm
// lookup (one upstream exchange on loopback plus one RRSIG verification).
func BenchmarkLookupWarmNoDelay(b *testing.B) {
	w := benchWorld(b, 0)
	r := benchResolver(b, w)
	benchLookup(b, r)
	b.ReportAllocs()
	q0 := r.Queries()
	for b.Loop() {
		r.answers = newLRU[*Result](r.cfg.CacheSize)
		benchLookup(b, r)
	}
	b.ReportMetric(float64(r.Queries()-q0)/float64(b.N), "queries/op")
}

// BenchmarkLookupCached: an answer served from the answer cache.
func BenchmarkLookupCached(b *testing.B) {
	w := benchWorld(b, 0)
	r := benchResolver(b, w)
	benchLookup(b, r)
	b.ReportAllocs()
	for b.Loop() {
		benchLookup(b, r)
	}
}

package dnssec

import (
	"context"
	"sort"
	"sync"
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

// roundRecorder is an upstream transport that forwards to the test world
// and records when each query was sent and answered, to count sequential
// round trips independent of machine load: a query is in round k+1 when
// it was sent after a query of round k had been answered.
type roundRecorder struct {
	addr string
	mu   sync.Mutex
	iv   [][2]time.Time
}

func (rr *roundRecorder) exchange(ctx context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(ednsBufferSize, true)
	q.CheckingDisabled = true
	start := time.Now()
	m, _, err := (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).ExchangeContext(ctx, q, rr.addr)
	end := time.Now()
	rr.mu.Lock()
	rr.iv = append(rr.iv, [2]time.Time{start, end})
	rr.mu.Unlock()
	return m, err
}

// rounds returns the length of the longest chain of queries each sent
// after the previous one was answered, and resets the record.
func (rr *roundRecorder) rounds() int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	iv := rr.iv
	rr.iv = nil
	sort.Slice(iv, func(i, j int) bool { return iv[i][0].Before(iv[j][0]) })
	depth := make([]int, len(iv))
	best := 0
	for i := range iv {
		depth[i] = 1
		for j := 0; j < i; j++ {
			if !iv[j][1].After(iv[i][0]) && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		best = max(best, depth[i])
	}
	return best
}

// BenchmarkLookupRounds counts the sequential upstream round trips of a
// cold and a warm TLSA lookup from query timestamps (seqrounds), which
// machine load cannot inflate the way it inflates wall time.
func BenchmarkLookupRounds(b *testing.B) {
	w := benchWorld(b, 50*time.Millisecond)
	var cold, warm, qCold, qWarm int
	for b.Loop() {
		r := benchResolver(b, w)
		rec := &roundRecorder{addr: w.Addr()}
		r.transport = rec.exchange
		benchLookup(b, r)
		cold += rec.rounds()
		qCold += int(r.Queries())
		r.answers = newLRU[*Result](r.cfg.CacheSize)
		q0 := r.Queries()
		benchLookup(b, r)
		warm += rec.rounds()
		qWarm += int(r.Queries() - q0)
	}
	b.ReportMetric(float64(cold)/float64(b.N), "cold-seqrounds/op")
	b.ReportMetric(float64(warm)/float64(b.N), "warm-seqrounds/op")
	b.ReportMetric(float64(qCold)/float64(b.N), "cold-queries/op")
	b.ReportMetric(float64(qWarm)/float64(b.N), "warm-queries/op")
}

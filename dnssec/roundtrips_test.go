package dnssec

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestSequentialRounds: a cold TLSA lookup three zone cuts below the
// root needs two sequential upstream round trips (the answer, then every
// DS and DNSKEY of the chain at once) and a warm one in the same zone one.
// Rounds are counted from query timestamps, not wall time, so a loaded
// machine does not make the test flaky.
func TestSequentialRounds(t *testing.T) {
	w, err := testworld.StartDNS(testworld.DNSOptions{Delay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cfg := Config{Upstreams: []string{w.Addr()}}
	for _, ds := range w.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	r, err := NewResolver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &roundRecorder{addr: w.Addr()}
	r.transport = rec.exchange
	check := func(name string, qtype uint16, wantRounds int, wantQueries int64) {
		t.Helper()
		q0 := r.Queries()
		res, err := r.Lookup(t.Context(), name, qtype)
		if err != nil || res.Security != Secure {
			t.Fatalf("%s: %v %+v", name, err, res)
		}
		if got := rec.rounds(); got != wantRounds {
			t.Errorf("%s: %d sequential round trips, want %d", name, got, wantRounds)
		}
		if got := r.Queries() - q0; got != wantQueries {
			t.Errorf("%s: %d queries, want %d", name, got, wantQueries)
		}
	}
	// Cold: probe (". DNSKEY", reused for the chain) and the answer, then
	// DS and DNSKEY of test. and bench.test.
	check("_25._tcp.mx.bench.test.", dns.TypeTLSA, 2, 6)
	// Warm, another name in the same zone: the answer only.
	check("mx.bench.test.", dns.TypeA, 1, 1)
}

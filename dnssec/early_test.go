package dnssec_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestFetchSharesTheQuery: a Fetch started together with the Lookup of the
// same question costs no extra upstream query, hands out the answer
// unvalidated (the Lookup says what it is), and once the validated answer
// is cached Fetch sends nothing and says so.
func TestFetchSharesTheQuery(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	name, qtype := "www.alg13.test.", dns.TypeA
	// Warm the chain, so that the two calls below need one query each.
	r := newResolver(t, w, nil)
	lookup(t, r, "alg13.test.", dns.TypeSOA)
	q0 := r.Queries()
	var wg sync.WaitGroup
	var msg *dns.Msg
	var ferr error
	wg.Add(1)
	go func() { defer wg.Done(); msg, ferr = r.Fetch(context.Background(), name, qtype) }()
	res := lookup(t, r, name, qtype)
	wg.Wait()
	if res.Security != dnssec.Secure {
		t.Fatalf("Lookup: %s", res.Security)
	}
	// Usually the two share one query. The Fetch goroutine may also
	// start after the Lookup's query was answered (a second query), or
	// on a loaded machine only after the Lookup cached its validated
	// answer (ErrCached, no query). Never more than two.
	if !errors.Is(ferr, dnssec.ErrCached) && (ferr != nil || msg == nil || len(msg.Answer) == 0) {
		t.Fatalf("Fetch: %v %v", msg, ferr)
	}
	if n := r.Queries() - q0; n < 1 || n > 2 {
		t.Errorf("%d upstream queries for a Fetch and a Lookup of one question", n)
	}
	q1 := r.Queries()
	if _, err := r.Fetch(context.Background(), name, qtype); !errors.Is(err, dnssec.ErrCached) {
		t.Errorf("Fetch of a cached answer: %v, want ErrCached", err)
	}
	if r.Queries() != q1 {
		t.Error("Fetch of a cached answer sent a query")
	}
	if _, err := r.Fetch(context.Background(), "bad..name", qtype); err == nil {
		t.Error("Fetch of a bad name: no error")
	}
}

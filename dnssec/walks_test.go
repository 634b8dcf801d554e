package dnssec

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// gate is an upstream transport to the test world that records every
// question and holds the first query for one question until released
// (or until that query's context ends).
type gate struct {
	addr    string
	hold    string // "name TYPE"
	held    chan struct{}
	release chan struct{}

	mu    sync.Mutex
	asked []string
	once  bool
}

func newGate(w *testworld.DNS, hold string) *gate {
	return &gate{addr: w.Addr(), hold: hold, held: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) exchange(ctx context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
	question := name + " " + dns.TypeToString[qtype]
	g.mu.Lock()
	g.asked = append(g.asked, question)
	holdThis := question == g.hold && !g.once
	if holdThis {
		g.once = true
		close(g.held)
	}
	g.mu.Unlock()
	if holdThis {
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(ednsBufferSize, true)
	q.CheckingDisabled = true
	m, _, err := (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).ExchangeContext(ctx, q, g.addr)
	return m, err
}

// waitAsked blocks until question has been asked (at most 10 s).
func (g *gate) waitAsked(t *testing.T, question string) {
	t.Helper()
	for range 1000 {
		g.mu.Lock()
		ok := slices.Contains(g.asked, question)
		g.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s was never asked", question)
}

// askedBelow returns the questions asked for names strictly below zone.
func (g *gate) askedBelow(zone string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, q := range g.asked {
		name, _, _ := strings.Cut(q, " ")
		if name != zone && dns.IsSubDomain(zone, name) {
			out = append(out, q)
		}
	}
	return out
}

// gatedResolver returns a resolver for w whose queries pass through g,
// with the chain down to nsec.test. already validated and cached.
func gatedResolver(t *testing.T, w *testworld.DNS, g *gate) *Resolver {
	t.Helper()
	r := transportResolver(t, w, 5*time.Second, g.exchange)
	if res, err := r.Lookup(t.Context(), "nsec.test.", dns.TypeSOA); err != nil || res.Security != Secure {
		t.Fatalf("warming nsec.test.: %v %+v", err, res)
	}
	return r
}

// cut is the unsigned delegation of the default DNS world the walk tests
// hold: its parent nsec.test. proves it has no DS.
const cut = "unsigned.nsec.test."

// heldCut starts the DNS world and a resolver whose first "cut DS"
// query the gate holds until released, with nsec.test. already cached.
func heldCut(t *testing.T) (*Resolver, *gate) {
	t.Helper()
	w := startTestWorld(t)
	g := newGate(w, cut+" DS")
	return gatedResolver(t, w, g), g
}

// TestWalksShareTheCut: while one lookup fetches and validates the DS of
// the unsigned delegation unsigned.nsec.test., a concurrent lookup of an
// unsigned name below it waits for that result instead of asking DS and
// DNSKEY at its own names too: once the cut is proven insecure, nothing
// below it needs asking (the MTA-STS domain's 8-12 extra queries in
// gather's TestUnsignedZoneQueries). The pause before the release only
// gives the unshared code time to send the queries this test forbids;
// with sharing the outcome does not depend on it.
func TestWalksShareTheCut(t *testing.T) {
	r, g := heldCut(t)
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	start := func(i int, name string, qtype uint16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.Lookup(t.Context(), name, qtype)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			results[i] = res
		}()
	}
	start(0, cut, dns.TypeSOA)
	<-g.held // the first lookup has claimed the cut and is fetching its DS
	start(1, "www."+cut, dns.TypeA)
	g.waitAsked(t, "www."+cut+" A")
	time.Sleep(100 * time.Millisecond)
	close(g.release)
	wg.Wait()
	for _, res := range results {
		if res == nil || res.Security != Insecure || res.Reason != ReasonUnsignedDelegation {
			t.Fatalf("want insecure (unsigned delegation), got %+v", res)
		}
	}
	if below := g.askedBelow(cut); !slices.Equal(below, []string{"www." + cut + " A"}) {
		t.Errorf("questions below the insecure cut: %v, want only the lookup's own", below)
	}
}

// TestWalkAbandonedByItsOwner: when the lookup validating a cut gives up
// (its context ends: another check's deadline), a lookup waiting for that
// cut validates it itself, and gets the zone's verdict, not the other
// lookup's cancellation.
func TestWalkAbandonedByItsOwner(t *testing.T) {
	r, g := heldCut(t)
	ctx, cancel := context.WithCancel(t.Context())
	ownerDone := make(chan error, 1)
	go func() {
		_, err := r.Lookup(ctx, cut, dns.TypeSOA)
		ownerDone <- err
	}()
	<-g.held
	waiterDone := make(chan *Result, 1)
	go func() {
		res, err := r.Lookup(t.Context(), "www."+cut, dns.TypeA)
		if err != nil {
			t.Errorf("waiter: %v", err)
		}
		waiterDone <- res
	}()
	g.waitAsked(t, "www."+cut+" A")
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-ownerDone; !errors.Is(err, context.Canceled) {
		t.Errorf("owner: %v, want context canceled", err)
	}
	res := <-waiterDone
	if res == nil || res.Security != Insecure {
		t.Fatalf("waiter: %+v, want insecure", res)
	}
}

// TestFlightAbandonedByItsOwner: a query shared by two callers whose
// sender gives up (context ended) is asked again for the caller still
// waiting, instead of handing it the other's cancellation.
func TestFlightAbandonedByItsOwner(t *testing.T) {
	var g flightGroup
	ctx, cancel := context.WithCancel(t.Context())
	sent := make(chan struct{})
	ownerErr := make(chan error, 1)
	go func() {
		_, err := g.do(ctx, "k", false, func() (*dns.Msg, error) {
			close(sent)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		ownerErr <- err
	}()
	<-sent
	waiter := make(chan error, 1)
	var asked int
	go func() {
		m, err := g.do(t.Context(), "k", false, func() (*dns.Msg, error) {
			asked++
			return new(dns.Msg), nil
		})
		if err == nil && m == nil {
			err = errors.New("no message")
		}
		waiter <- err
	}()
	// The waiter joins the owner's call unless it came after the owner
	// gave up; either way it must get an answer of its own.
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-ownerErr; !errors.Is(err, context.Canceled) {
		t.Errorf("owner: %v", err)
	}
	if err := <-waiter; err != nil {
		t.Fatalf("waiter: %v, want its own answer", err)
	}
	if asked != 1 {
		t.Errorf("the waiter's query was sent %d times, want 1", asked)
	}
}

// startTestWorld starts the default DNS test world for one test.
func startTestWorld(t *testing.T) *testworld.DNS {
	t.Helper()
	w, err := testworld.StartDNS(testworld.DNSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// TestWalkWaiterCancelled: a lookup waiting for another lookup's walk
// returns as soon as its own context ends, without waiting (or spinning)
// until the other one finishes.
func TestWalkWaiterCancelled(t *testing.T) {
	r, g := heldCut(t)
	ownerDone := make(chan struct{})
	go func() {
		defer close(ownerDone)
		r.Lookup(t.Context(), cut, dns.TypeSOA)
	}()
	<-g.held
	ctx, cancel := context.WithCancel(t.Context())
	waiterDone := make(chan error, 1)
	go func() {
		_, err := r.Lookup(ctx, "www."+cut, dns.TypeA)
		waiterDone <- err
	}()
	g.waitAsked(t, "www."+cut+" A")
	time.Sleep(100 * time.Millisecond) // let it reach the wait
	cancel()
	select {
	case err := <-waiterDone:
		// Canceled when it was waiting; when a loaded machine had it
		// still in its first query, whatever that query's error was.
		if err == nil {
			t.Error("waiter: no error after its context ended")
		}
	case <-time.After(10 * time.Second):
		t.Error("the cancelled waiter did not return while the other lookup held the cut")
	}
	close(g.release)
	<-ownerDone
}

package dnssec

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// worldResolver returns a resolver over w whose upstream answers pass
// through edit (nil: unchanged) before validation.
func worldResolver(t testing.TB, w *testworld.DNS, edit func(name string, qtype uint16, m *dns.Msg)) *Resolver {
	t.Helper()
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	return transportResolver(t, w, 2*time.Second, func(ctx context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		q.SetEdns0(1232, true)
		q.CheckingDisabled = true
		m, _, err := c.ExchangeContext(ctx, q, w.Addr())
		if err != nil {
			return nil, err
		}
		if edit != nil {
			edit(name, qtype, m)
		}
		return m, nil
	})
}

// transportResolver returns a resolver that trusts w's root and sends
// every query through transport (no capability probe).
func transportResolver(t testing.TB, w *testworld.DNS, timeout time.Duration, transport func(ctx context.Context, up, name string, qtype uint16) (*dns.Msg, error)) *Resolver {
	t.Helper()
	cfg := Config{Upstreams: []string{w.Addr()}, Timeout: timeout}
	for _, ds := range w.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	r, err := NewResolver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.skipProbe = true
	r.transport = transport
	return r
}

// TestJunkRRsetsDoNotCauseChainWalks: unsigned RRsets for unrelated,
// deep names added to an answer must not make the resolver walk (and
// query) a chain for each of them.
func TestJunkRRsetsDoNotCauseChainWalks(t *testing.T) {
	w, err := testworld.StartDNS(testworld.DNSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := worldResolver(t, w, func(name string, qtype uint16, m *dns.Msg) {
		if name != "www.alg13.test." {
			return
		}
		for i := range 10 {
			junk := fmt.Sprintf("j%d.%sevil%d.test.", i, strings.Repeat("x.", 20), i)
			m.Answer = append(m.Answer, mustRR(t, junk+" 300 IN A 192.0.2.66"))
			m.Ns = append(m.Ns, mustRR(t, junk+" 300 IN SOA ns. h. 1 2 3 4 5"))
		}
	})
	res, err := r.Lookup(t.Context(), "www.alg13.test.", dns.TypeA)
	if err != nil || res.Security != Secure {
		t.Fatalf("%v %+v", err, res)
	}
	if q := r.Queries(); q > 8 {
		t.Errorf("%d upstream queries, want at most 8 (answer, root DNSKEY, DS and DNSKEY of test. and alg13.test.)", q)
	}
}

// TestCNAMEFanOutBounded: a hostile answer whose CNAME chain (unsigned,
// within the link limit) points at many distinct deep names would make
// the parallel prefetch walk a chain for each; the queries one lookup
// may send are bounded.
func TestCNAMEFanOutBounded(t *testing.T) {
	const links = 10
	target := func(i int) string { return fmt.Sprintf("%sb%d.fan.test.", strings.Repeat("c.", 30), i) }
	// Every name on the way exists (empty non-terminals above real
	// data), so each walk could go all the way down.
	var recs []string
	for i := range links {
		recs = append(recs, "x."+target(i)+" 300 IN A 127.0.0.1")
	}
	w, err := testworld.StartDNS(testworld.DNSOptions{Zones: []testworld.ZoneSpec{{Origin: "fan.test.", Records: recs}}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := worldResolver(t, w, func(name string, qtype uint16, m *dns.Msg) {
		if name != "start.fan.test." || qtype != dns.TypeA {
			return
		}
		m.Answer = nil
		m.Ns = nil
		owner := name
		for i := range links {
			m.Answer = append(m.Answer, mustRR(t, owner+" 300 IN CNAME "+target(i)))
			owner = target(i)
		}
		m.Answer = append(m.Answer, mustRR(t, owner+" 300 IN A 192.0.2.1"))
	})
	res, err := r.Lookup(t.Context(), "start.fan.test.", dns.TypeA)
	if err != nil || res.Security != Bogus {
		t.Fatalf("%v %+v", err, res)
	}
	if q := r.Queries(); q > maxQueriesPerLookup+1 {
		t.Errorf("%d upstream queries, want at most %d (the first query and the budget)", q, maxQueriesPerLookup+1)
	}
	t.Logf("%d queries", r.Queries())
	// Running out of the lookup's own budget is a fact about the lookup,
	// not about the zones it was walking: nothing it learnt afterwards
	// may be cached for other lookups (a hostile answer would otherwise
	// make innocent names bogus for a minute).
	for i := range links {
		for n := target(i); n != "fan.test."; n = n[strings.Index(n, ".")+1:] {
			if ci, ok := r.cuts.get(n, r.cfg.Now()); ok && ci.v.reason == ReasonResourceLimit {
				t.Errorf("%s cached as %s/%s after the budget ran out: %s", n, ci.v.sec, ci.v.reason, ci.v.why)
			}
		}
	}
}

// TestLookupRejectsEscapedFinalDot: `\0\` passes dns.IsDomainName, but
// the dot dns.Fqdn appends is escaped, so the name is still not fully
// qualified; Lookup must reject it without asking anyone (found by
// FuzzNames).
func TestLookupRejectsEscapedFinalDot(t *testing.T) {
	r, err := NewResolver(Config{Upstreams: []string{"127.0.0.1:9"}, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.skipProbe = true
	if _, err := r.Lookup(t.Context(), `\0\`, dns.TypeA); err == nil || r.Queries() != 0 {
		t.Fatalf("err %v, %d queries", err, r.Queries())
	}
}

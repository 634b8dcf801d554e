package dnssec_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

func lookup(t testing.TB, r *dnssec.Resolver, name string, qtype uint16) *dnssec.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := r.Lookup(ctx, name, qtype)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", name, err)
	}
	return res
}

// TestUpstreamFaults: upstreams that strip DNSSEC records or drop EDNS
// give Indeterminate with upstream-strips-dnssec and advice, never
// Insecure; a validating upstream that ignores CD gives SERVFAIL for
// bogus data, which is Indeterminate, never Secure or Insecure.
func TestUpstreamFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   testworld.DNSOptions
		qname  string
		reason dnssec.Reason
	}{
		{"strip", testworld.DNSOptions{StripDNSSEC: true}, "www.alg13.test.", dnssec.ReasonUpstreamStripsDNSSEC},
		{"strip-unsigned", testworld.DNSOptions{StripDNSSEC: true}, "www.unsigned.nsec.test.", dnssec.ReasonUpstreamStripsDNSSEC},
		{"drop-edns", testworld.DNSOptions{DropEDNS: true}, "www.alg13.test.", dnssec.ReasonUpstreamStripsDNSSEC},
		{"ignore-cd", testworld.DNSOptions{IgnoreCD: true}, "www.expired.test.", dnssec.ReasonUpstreamError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := startWorld(t, tc.opts)
			res := lookup(t, newResolver(t, w, nil), tc.qname, dns.TypeA)
			if res.Security != dnssec.Indeterminate || res.Reason != tc.reason {
				t.Fatalf("got %s/%s (%s)", res.Security, res.Reason, res.Detail)
			}
			if tc.reason == dnssec.ReasonUpstreamStripsDNSSEC && !strings.Contains(res.Detail, "use a DNSSEC-capable upstream resolver") {
				t.Errorf("no advice in %q", res.Detail)
			}
		})
	}
	t.Run("ignore-cd still validates good data", func(t *testing.T) {
		w := startWorld(t, testworld.DNSOptions{IgnoreCD: true})
		if res := lookup(t, newResolver(t, w, nil), "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure {
			t.Fatalf("got %s/%s (%s)", res.Security, res.Reason, res.Detail)
		}
	})
}

// TestFailover: a dead first upstream and a stripping second one are
// skipped; the third answers.
func TestFailover(t *testing.T) {
	good := startWorld(t, testworld.DNSOptions{})
	strip := startWorld(t, testworld.DNSOptions{StripDNSSEC: true})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := newResolver(t, good, func(c *dnssec.Config) {
		c.Upstreams = []string{pc.LocalAddr().String(), strip.Addr(), good.Addr()}
		c.Timeout = 200 * time.Millisecond
	})
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure {
		t.Fatalf("got %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	// No upstream at all: an error wrapping ErrNoUpstream and an
	// Indeterminate result.
	r = newResolver(t, good, func(c *dnssec.Config) {
		c.Upstreams = []string{pc.LocalAddr().String()}
		c.Timeout = 100 * time.Millisecond
	})
	res, err := r.Lookup(context.Background(), "www.alg13.test.", dns.TypeA)
	if err == nil || res == nil || res.Security != dnssec.Indeterminate || res.Reason != dnssec.ReasonUpstreamError {
		t.Fatalf("dead upstream: %v %+v", err, res)
	}
}

// TestTruncationFallsBackToTCP: an RRset larger than the 1232-byte EDNS
// buffer comes back truncated over UDP and is fetched over TCP.
func TestTruncationFallsBackToTCP(t *testing.T) {
	var recs []string
	for i := 0; i < 40; i++ {
		recs = append(recs, fmt.Sprintf("big.large.test. 300 IN TXT \"record %02d %s\"", i, strings.Repeat("x", 40)))
	}
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{{Origin: "large.test.", Records: recs}}})
	res := lookup(t, newResolver(t, w, nil), "big.large.test.", dns.TypeTXT)
	if res.Security != dnssec.Secure || len(res.Answer) != 40 {
		t.Fatalf("got %s/%s with %d records (%s)", res.Security, res.Reason, len(res.Answer), res.Detail)
	}
}

// TestCNAMEChainLimit: a chain longer than the limit is Bogus.
func TestCNAMEChainLimit(t *testing.T) {
	var recs []string
	for i := 0; i < 14; i++ {
		recs = append(recs, fmt.Sprintf("c%d.chain.test. 300 IN CNAME c%d.chain.test.", i, i+1))
	}
	recs = append(recs, "c14.chain.test. 300 IN A 192.0.2.1")
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{{Origin: "chain.test.", Records: recs}}})
	r := newResolver(t, w, nil)
	if res := lookup(t, r, "c0.chain.test.", dns.TypeA); res.Security != dnssec.Bogus || res.Reason != dnssec.ReasonCNAMEChainTooLong {
		t.Fatalf("long chain: %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	res := lookup(t, r, "c5.chain.test.", dns.TypeA)
	if res.Security != dnssec.Secure || res.Canonical != "c14.chain.test." || len(res.Answer) != 10 {
		t.Fatalf("9-link chain: %s/%s canonical %s, %d records", res.Security, res.Reason, res.Canonical, len(res.Answer))
	}
}

// TestCacheAndTTL: a repeated lookup is answered from the cache; once
// the injected clock passes the TTL, it is asked again.
func TestCacheAndTTL(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	var mu sync.Mutex
	now := time.Now()
	r := newResolver(t, w, func(c *dnssec.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	res := lookup(t, r, "www.alg13.test.", dns.TypeA)
	if res.Security != dnssec.Secure || res.TTL <= 0 || res.TTL > 300*time.Second {
		t.Fatalf("first: %s TTL %v", res.Security, res.TTL)
	}
	q := r.Queries()
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure || r.Queries() != q {
		t.Fatalf("second lookup sent %d queries", r.Queries()-q)
	}
	// Another name in the same zone: one query, keys come from the cache.
	if res := lookup(t, r, "mx.alg13.test.", dns.TypeA); res.Security != dnssec.Secure || r.Queries() != q+1 {
		t.Fatalf("warm lookup sent %d queries", r.Queries()-q)
	}
	mu.Lock()
	now = now.Add(301 * time.Second)
	mu.Unlock()
	q = r.Queries()
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure || r.Queries() == q {
		t.Fatalf("expired entry not refreshed")
	}
}

// TestCoalescing: many concurrent identical cold lookups send no more
// upstream queries than one.
func TestCoalescing(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{Delay: 20 * time.Millisecond})
	single := newResolver(t, w, nil)
	lookup(t, single, "_25._tcp.mx.bench.test.", dns.TypeTLSA)
	one := single.Queries()

	r := newResolver(t, w, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.Lookup(context.Background(), "_25._tcp.mx.bench.test.", dns.TypeTLSA)
			if err != nil || res.Security != dnssec.Secure {
				t.Errorf("%v %v", err, res)
			}
		}()
	}
	wg.Wait()
	if got := r.Queries(); got > one {
		t.Errorf("20 concurrent lookups sent %d queries, one lookup sends %d", got, one)
	}
}

// TestValidationTime: validating as of a time after the signatures
// expire, or before they start, is Bogus with the matching reason.
func TestValidationTime(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	for _, tc := range []struct {
		at     time.Time
		reason dnssec.Reason
	}{
		{time.Now().Add(40 * 24 * time.Hour), dnssec.ReasonSignatureExpired},
		{time.Now().Add(-48 * time.Hour), dnssec.ReasonSignatureNotYetValid},
	} {
		r := newResolver(t, w, func(c *dnssec.Config) { c.Now = func() time.Time { return tc.at } })
		if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Bogus || res.Reason != tc.reason {
			t.Errorf("at %s: %s/%s", tc.at, res.Security, res.Reason)
		}
	}
}

// TestPolicies: SHA-1 can be switched off (Insecure, never Bogus), and
// the NSEC3 iteration cap is configurable.
func TestPolicies(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	r := newResolver(t, w, func(c *dnssec.Config) { c.DisableSHA1 = true })
	if res := lookup(t, r, "www.alg5.test.", dns.TypeA); res.Security != dnssec.Insecure || res.Reason != dnssec.ReasonUnsupportedAlgorithm {
		t.Errorf("SHA-1 disabled: %s/%s", res.Security, res.Reason)
	}
	r = newResolver(t, w, func(c *dnssec.Config) { c.Limits.NSEC3Iterations = 300 })
	res := lookup(t, r, "nope.iterations.test.", dns.TypeA)
	if res.Security != dnssec.Secure || len(res.Warnings) == 0 {
		t.Errorf("cap 300: %s/%s warnings %v", res.Security, res.Reason, res.Warnings)
	}
}

// TestChainAndReasons checks the chain returned for --trace and that
// every reason the catalogue uses is one the package defines.
func TestChainAndReasons(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	res := lookup(t, newResolver(t, w, nil), "_25._tcp.mx.bench.test.", dns.TypeTLSA)
	var zones []string
	for _, l := range res.Chain {
		zones = append(zones, l.Zone)
	}
	if strings.Join(zones, " ") != ". test. bench.test." {
		t.Errorf("chain zones %v", zones)
	}
	known := map[string]bool{}
	for _, r := range []dnssec.Reason{dnssec.ReasonNone, dnssec.ReasonUnsignedDelegation, dnssec.ReasonUnsupportedAlgorithm,
		dnssec.ReasonUnsupportedDigest, dnssec.ReasonNSEC3IterationsTooMany, dnssec.ReasonSignatureExpired,
		dnssec.ReasonSignatureNotYetValid, dnssec.ReasonSignatureInvalid, dnssec.ReasonNoMatchingDNSKEY, dnssec.ReasonDSMismatch,
		dnssec.ReasonDNSKEYNotSignedByKSK, dnssec.ReasonMissingRRSIG, dnssec.ReasonNSECProofInvalid, dnssec.ReasonNSEC3ProofInvalid,
		dnssec.ReasonWildcardProofMissing, dnssec.ReasonCNAMEChainTooLong, dnssec.ReasonResourceLimit,
		dnssec.ReasonUpstreamStripsDNSSEC, dnssec.ReasonUpstreamError, dnssec.ReasonBadResponse} {
		known[string(r)] = true
	}
	for _, sc := range testworld.DNSScenarios() {
		if !known[sc.Reason] {
			t.Errorf("scenario %s uses unknown reason %q", sc.Name, sc.Reason)
		}
	}
}

func TestLookupRejectsBadNames(t *testing.T) {
	r, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{"127.0.0.1:9"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"", "a..b", strings.Repeat("a", 64) + ".test"} {
		if _, err := r.Lookup(context.Background(), n, dns.TypeA); err == nil {
			t.Errorf("Lookup(%q) accepted", n)
		}
	}
}

// lossyForwarder is a UDP forwarder to w that drops the first datagram
// of queries for name/qtype and forwards everything else; it counts the
// datagrams of that query it saw and forwarded.
func lossyForwarder(t *testing.T, w *testworld.DNS, name string, qtype uint16) (addr string, seen, forwarded *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	seen, forwarded = new(atomic.Int32), new(atomic.Int32)
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dns.Msg
			if m.Unpack(buf[:n]) != nil {
				continue
			}
			if len(m.Question) == 1 && strings.EqualFold(m.Question[0].Name, name) && m.Question[0].Qtype == qtype {
				if seen.Add(1) == 1 {
					continue
				}
				forwarded.Add(1)
			}
			c := &dns.Client{Net: "tcp", Timeout: 10 * time.Second}
			resp, _, err := c.Exchange(&m, w.Addr())
			if err != nil {
				continue
			}
			if b, err := resp.Pack(); err == nil {
				pc.WriteTo(b, from)
			}
		}
	}()
	return pc.LocalAddr().String(), seen, forwarded
}

// TestRetryOnLoss: the first UDP datagram is dropped; the copy sent
// again within the same deadline gets the answer. The loss is counted,
// not timed: the test passes when the resolver sent that query again (a
// second datagram for it) and validated the answer; the per-query
// timeout is generous so a loaded machine cannot make the retry itself
// time out.
func TestRetryOnLoss(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	addr, seen, forwarded := lossyForwarder(t, w, "www.alg13.test.", dns.TypeA)
	r := newResolver(t, w, func(c *dnssec.Config) {
		c.Upstreams = []string{addr}
		c.Timeout = 6 * time.Second
	})
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure {
		t.Fatalf("got %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	if d, n := seen.Load(), forwarded.Load(); d < 2 || n < 1 {
		t.Errorf("%d datagrams of the query seen, %d forwarded: want the lost one sent again", d, n)
	}
}

// TestRetransmitByMeasuredRTT: once an upstream has answered, a lost
// datagram is sent again after its measured round trip (at least half a
// second), not after half the query timeout. The timeout here is 60 s,
// so waiting half of it would overrun the lookup's 10 s context; the
// retransmission comes after about 0.5 s.
func TestRetransmitByMeasuredRTT(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	addr, seen, forwarded := lossyForwarder(t, w, "www.alg13.test.", dns.TypeA)
	r := newResolver(t, w, func(c *dnssec.Config) {
		c.Upstreams = []string{addr}
		c.Timeout = time.Minute
	})
	// Warm: the chain's answers give the upstream a round-trip time.
	if res := lookup(t, r, "alg13.test.", dns.TypeSOA); res.Security != dnssec.Secure {
		t.Fatalf("warming: %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	res := lookup(t, r, "www.alg13.test.", dns.TypeA) // 10 s context
	if res.Security != dnssec.Secure {
		t.Fatalf("got %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	if d, n := seen.Load(), forwarded.Load(); d != 2 || n != 1 {
		t.Errorf("%d datagrams of the query seen, %d forwarded: want the lost one sent again once", d, n)
	}
}

// TestDNSKEYAnchor: a DNSKEY trust anchor works like a DS one, and a
// wrong anchor makes everything Indeterminate (a local fault).
func TestDNSKEYAnchor(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	q := new(dns.Msg)
	q.SetQuestion(".", dns.TypeDNSKEY)
	q.SetEdns0(1232, true)
	resp, _, err := (&dns.Client{Net: "tcp"}).Exchange(q, w.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var ksk dns.RR
	for _, rr := range resp.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags == 257 {
			ksk = k
		}
	}
	r := newResolver(t, w, func(c *dnssec.Config) { c.TrustAnchors = []dns.RR{ksk} })
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Secure {
		t.Fatalf("DNSKEY anchor: %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
	r = newResolver(t, w, func(c *dnssec.Config) { c.TrustAnchors = nil }) // the IANA anchors
	// Issue 11 §1: our anchor not matching the root is a local fault:
	// Indeterminate naming the tags expected and served, never Bogus.
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Indeterminate || res.Reason != dnssec.ReasonTrustAnchorMismatch ||
		!strings.Contains(res.Detail, "expects key tags 20326/alg 8") {
		t.Fatalf("IANA anchors against a private root: %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
}

// TestInsecureAnswersAreCached: insecure results carry a TTL and are
// served from the cache.
func TestInsecureAnswersAreCached(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	r := newResolver(t, w, nil)
	res := lookup(t, r, "www.unsigned.nsec.test.", dns.TypeA)
	if res.Security != dnssec.Insecure || res.TTL <= 0 {
		t.Fatalf("%s TTL %v", res.Security, res.TTL)
	}
	q := r.Queries()
	lookup(t, r, "www.unsigned.nsec.test.", dns.TypeA)
	if r.Queries() != q {
		t.Errorf("insecure answer not cached")
	}
}

// TestOptOutDenials: in an opt-out NSEC3 zone a name covered by an
// opt-out NSEC3 may be an unsigned delegation, so its NXDOMAIN is
// Insecure (RFC 5155 §9.2), while NODATA at an existing name (matched by
// an NSEC3) stays Secure.
func TestOptOutDenials(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	r := newResolver(t, w, nil)
	if res := lookup(t, r, "nope.optout.test.", dns.TypeA); res.Security != dnssec.Insecure || res.Rcode != dns.RcodeNameError {
		t.Errorf("NXDOMAIN under opt-out: %s/%s rcode %d (%s)", res.Security, res.Reason, res.Rcode, res.Detail)
	}
	if res := lookup(t, r, "www.optout.test.", dns.TypeAAAA); res.Security != dnssec.Secure || res.Rcode != dns.RcodeSuccess {
		t.Errorf("NODATA at an existing name: %s/%s (%s)", res.Security, res.Reason, res.Detail)
	}
}

// TestNoTrustAnchor: a name outside every configured anchor is Insecure.
func TestNoTrustAnchor(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	ds := &dns.DS{Hdr: dns.RR_Header{Name: "elsewhere.example.", Rrtype: dns.TypeDS, Class: dns.ClassINET, Ttl: 3600},
		KeyTag: 1, Algorithm: dns.ECDSAP256SHA256, DigestType: dns.SHA256, Digest: strings.Repeat("00", 32)}
	r := newResolver(t, w, func(c *dnssec.Config) { c.TrustAnchors = []dns.RR{ds} })
	if res := lookup(t, r, "www.alg13.test.", dns.TypeA); res.Security != dnssec.Insecure || res.Reason != dnssec.ReasonNoTrustAnchor {
		t.Fatalf("got %s/%s", res.Security, res.Reason)
	}
}

// TestInsecureLinkEndsValidation: after an insecure CNAME link the rest
// of the chain is Insecure, even when its target zone is broken.
func TestInsecureLinkEndsValidation(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{Zones: []testworld.ZoneSpec{{
		Origin: "plain.test.", Unsigned: true,
		Records: []string{"to-bogus.plain.test. 300 IN CNAME www.expired.test.", "to-secure.plain.test. 300 IN CNAME www.alg13.test."},
	}}})
	r := newResolver(t, w, nil)
	for _, name := range []string{"to-bogus.plain.test.", "to-secure.plain.test."} {
		res := lookup(t, r, name, dns.TypeA)
		if res.Security != dnssec.Insecure || len(res.Answer) != 2 {
			t.Errorf("%s: %s/%s with %d records (%s)", name, res.Security, res.Reason, len(res.Answer), res.Detail)
		}
	}
	// The other way round: a secure link into a bogus zone stays Bogus.
	if res := lookup(t, r, "www.expired.test.", dns.TypeA); res.Security != dnssec.Bogus {
		t.Errorf("expired zone: %s", res.Security)
	}
}

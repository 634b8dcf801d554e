package dnssec_test

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// startWorld starts a DNS test world and closes it when the test ends.
func startWorld(t testing.TB, opts testworld.DNSOptions) *testworld.DNS {
	t.Helper()
	w, err := testworld.StartDNS(opts)
	if err != nil {
		t.Fatalf("start DNS test world: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// newResolver returns a resolver that asks w and trusts w's root.
func newResolver(t testing.TB, w *testworld.DNS, mod func(*dnssec.Config)) *dnssec.Resolver {
	t.Helper()
	cfg := dnssec.Config{Upstreams: []string{w.Addr()}, Timeout: 2 * time.Second}
	for _, ds := range w.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := dnssec.NewResolver(cfg)
	if err != nil {
		t.Fatalf("NewResolver: %v", err)
	}
	return r
}

// TestScenarios runs the test world's whole scenario catalogue, each
// scenario with a fresh resolver (cold cache), and checks status, reason
// and rcode.
func TestScenarios(t *testing.T) {
	w := startWorld(t, testworld.DNSOptions{})
	for _, sc := range testworld.DNSScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := newResolver(t, w, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.Lookup(ctx, sc.Qname, sc.Qtype)
			if err != nil {
				t.Fatalf("Lookup(%s %s): %v", sc.Qname, dns.TypeToString[sc.Qtype], err)
			}
			if got := res.Security.String(); got != sc.Security || string(res.Reason) != sc.Reason || res.Rcode != sc.Rcode {
				t.Errorf("%s %s: got %s/%q rcode %s (%s), want %s/%q rcode %s (%s)",
					sc.Qname, dns.TypeToString[sc.Qtype], got, res.Reason, dns.RcodeToString[res.Rcode], res.Detail,
					sc.Security, sc.Reason, dns.RcodeToString[sc.Rcode], sc.Note)
			}
			// Work is counted, not timed (a loaded machine makes any
			// wall-clock bound flaky): a cold lookup needs the answer and
			// a DS and DNSKEY per zone on the way, a few more for CNAME
			// chains; retries or a runaway walk would show here.
			if q := r.Queries(); q > 40 {
				t.Errorf("%d upstream queries, want at most 40", q)
			}
			if sc.Security == "secure" && sc.Rcode == dns.RcodeSuccess && len(res.Answer) == 0 && sc.Qtype == dns.TypeA {
				t.Errorf("secure answer without records")
			}
		})
	}
}

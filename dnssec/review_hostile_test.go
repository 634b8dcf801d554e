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
	cfg := Config{Upstreams: []string{w.Addr()}, Timeout: 2 * time.Second}
	for _, ds := range w.TrustAnchors() {
		cfg.TrustAnchors = append(cfg.TrustAnchors, ds)
	}
	r, err := NewResolver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.skipProbe = true
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	r.transport = func(ctx context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
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
	}
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

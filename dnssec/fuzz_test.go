package dnssec

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// FuzzValidate feeds an arbitrary DNS message to the whole validation
// path: it is the upstream's answer to every query (the question, the
// chain's DS and DNSKEY queries), validated against the test world's
// trust anchor. The lookup must end, without panicking, within its
// deadline.
func FuzzValidate(f *testing.F) {
	w, err := testworld.StartDNS(testworld.DNSOptions{})
	if err != nil {
		f.Fatal(err)
	}
	defer w.Close()
	var anchors []dns.RR
	for _, ds := range w.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	for _, sc := range testworld.DNSScenarios() {
		q := new(dns.Msg)
		q.SetQuestion(sc.Qname, sc.Qtype)
		q.SetEdns0(1232, true)
		q.CheckingDisabled = true
		resp, _, err := c.Exchange(q, w.Addr())
		if err != nil {
			f.Fatalf("seed %s: %v", sc.Name, err)
		}
		if b, err := resp.Pack(); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m dns.Msg
		if err := m.Unpack(data); err != nil || len(m.Question) != 1 {
			return
		}
		q := m.Question[0]
		if _, ok := dns.IsDomainName(q.Name); !ok {
			return
		}
		r, err := NewResolver(Config{Upstreams: []string{"127.0.0.1:9"}, TrustAnchors: anchors})
		if err != nil {
			t.Fatal(err)
		}
		r.skipProbe = true
		r.transport = func(_ context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
			c := m.Copy()
			c.Question = []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}}
			return c, nil
		}
		// A generous deadline only catches a hang; the work is bounded
		// by counting queries, not by timing them.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := r.Lookup(ctx, q.Name, q.Qtype)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if ctx.Err() != nil {
			t.Fatal("validation did not end before its deadline")
		}
		if n := r.Queries(); n > maxQueriesPerLookup+1 {
			t.Fatalf("%d upstream queries, budget %d", n, maxQueriesPerLookup)
		}
	})
}

package testworld

import (
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDepths: queries asked together have depth 1; a query asked after
// an answer arrived is one deeper; ResetDepths starts again at 1; a
// question asked twice is counted twice.
func TestDepths(t *testing.T) {
	d, err := StartDNS(DNSOptions{Delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ask := func(name string, qtype uint16) {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
		if _, _, err := c.Exchange(m, d.Addr()); err != nil {
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	for _, q := range []uint16{dns.TypeDNSKEY, dns.TypeNS, dns.TypeSOA} {
		wg.Add(1)
		go func() { defer wg.Done(); ask(".", q) }()
	}
	wg.Wait()
	ask("test.", dns.TypeDS)
	ask("test.", dns.TypeDNSKEY)
	ask("test.", dns.TypeDNSKEY)
	qs, deepest := d.Depths()
	want := map[string]QueryDepth{
		". DNSKEY":     {". DNSKEY", 1, 1},
		". NS":         {". NS", 1, 1},
		". SOA":        {". SOA", 1, 1},
		"test. DS":     {"test. DS", 2, 1},
		"test. DNSKEY": {"test. DNSKEY", 4, 2},
	}
	if deepest != 4 || len(qs) != len(want) {
		t.Fatalf("deepest %d, %+v", deepest, qs)
	}
	for _, q := range qs {
		if want[q.Question] != q {
			t.Errorf("%+v, want %+v", q, want[q.Question])
		}
	}
	if qs[0].Question != "test. DNSKEY" {
		t.Errorf("not deepest first: %+v", qs)
	}
	d.ResetDepths()
	ask("test.", dns.TypeSOA)
	if qs, deepest := d.Depths(); deepest != 1 || len(qs) != 1 {
		t.Errorf("after ResetDepths: %d, %+v", deepest, qs)
	}
}

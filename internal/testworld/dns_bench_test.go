package testworld

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// BenchmarkStartDNS measures building and starting the whole built-in
// world (keys, chains, apex signatures), which many tests do.
func BenchmarkStartDNS(b *testing.B) {
	b.ReportAllocs()
	var last *DNS
	for b.Loop() {
		d, err := StartDNS(DNSOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
		last = d
	}
	b.ReportMetric(float64(len(last.world.zones)), "zones")
	// Signing is lazy; this counts what a full signing makes.
	b.ReportMetric(float64(countSigs(last.world)), "rrsigs")
}

func countSigs(w *world) int {
	n := 0
	for _, z := range w.zones {
		for _, nd := range z.nodes {
			for _, s := range nd.sets {
				n += len(z.sigs(s))
			}
		}
		for _, e := range z.nsec3 {
			n += len(z.sigs(e.set))
		}
	}
	return n
}

// BenchmarkRespond measures the upstream's response path without the
// network: resolving, proof assembly, EDNS and the size check.
func BenchmarkRespond(b *testing.B) {
	d := startWorld(b, DNSOptions{})
	for _, c := range []struct {
		name  string
		qname string
		qtype uint16
	}{
		{"positive", "_25._tcp.mx.bench.test.", dns.TypeTLSA},
		{"dnskey", "bench.test.", dns.TypeDNSKEY},
		{"nxdomain-nsec", "nope.nsec.test.", dns.TypeA},
		{"nxdomain-nsec3", "nope.nsec3.test.", dns.TypeA},
		{"wildcard-nsec3", "host.wild.nsec3.test.", dns.TypeA},
		{"cname-cross-zone", "alias.nsec.test.", dns.TypeA},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := new(dns.Msg)
			req.SetQuestion(c.qname, c.qtype)
			req.SetEdns0(1232, true)
			req.CheckingDisabled = true
			b.ReportAllocs()
			var size int
			for b.Loop() {
				m := d.respond(req, true)
				wire, err := m.Pack()
				if err != nil {
					b.Fatal(err)
				}
				size = len(wire)
			}
			b.ReportMetric(float64(size), "bytes/resp")
		})
	}
}

// BenchmarkExchange measures one query over loopback UDP, with and
// without an injected delay, and reports the upstream queries per
// operation (one).
func BenchmarkExchange(b *testing.B) {
	for _, delay := range []time.Duration{0, time.Millisecond} {
		b.Run("delay="+delay.String(), func(b *testing.B) {
			d := startWorld(b, DNSOptions{Delay: delay})
			c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
			req := new(dns.Msg)
			req.SetQuestion("_25._tcp.mx.bench.test.", dns.TypeTLSA)
			req.SetEdns0(1232, true)
			before := d.Queries()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Exchange(req, d.Addr()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(d.Queries()-before)/float64(b.N), "queries/op")
		})
	}
}

// FuzzRespond feeds arbitrary messages to the upstream's response path:
// it must neither panic nor produce a response that does not pack or
// exceeds the UDP limit.
func FuzzRespond(f *testing.F) {
	d := startWorld(f, DNSOptions{})
	for _, s := range DNSScenarios() {
		m := new(dns.Msg)
		m.SetQuestion(s.Qname, s.Qtype)
		m.SetEdns0(1232, true)
		if wire, err := m.Pack(); err == nil {
			f.Add(wire)
		}
	}
	plain := new(dns.Msg)
	plain.SetQuestion("keytrap.test.", dns.TypeDNSKEY)
	wire, _ := plain.Pack()
	f.Add(wire)
	f.Fuzz(func(t *testing.T, data []byte) {
		req := new(dns.Msg)
		if err := req.Unpack(data); err != nil {
			return
		}
		for _, udp := range []bool{true, false} {
			m := d.respond(req, udp)
			wire, err := m.Pack()
			if err != nil {
				t.Fatalf("response does not pack: %v\n%v", err, m)
			}
			limit := plainUDPSize
			if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > limit {
				limit = int(opt.UDPSize())
			}
			if udp && len(wire) > limit && !m.Truncated {
				t.Fatalf("UDP response of %d octets over the %d limit without TC", len(wire), limit)
			}
		}
	})
}

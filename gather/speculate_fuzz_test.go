package gather

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzSpeculationNames feeds arbitrary DNS messages (as an upstream could
// send them) to what speculation reads from an unvalidated answer: the MX
// targets, a CNAME chain's end and the v=STSv1 test. None may panic or
// loop; the MX targets are bounded, distinct and never the root.
func FuzzSpeculationNames(f *testing.F) {
	seed := func(lines ...string) {
		m := new(dns.Msg)
		for _, l := range lines {
			rr, err := dns.NewRR(l)
			if err != nil {
				f.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed("d.example. 300 IN MX 10 mx.d.example.", "d.example. 300 IN MX 0 .")
	seed("mx.d.example. 300 IN CNAME a.example.", "a.example. 300 IN CNAME mx.d.example.")
	seed(`_mta-sts.d.example. 300 IN TXT "v=STSv1; id=1"`)
	f.Fuzz(func(t *testing.T, wire []byte) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil {
			return
		}
		hosts := speculativeHosts(m, "d.example")
		if len(hosts) > MaxSpeculativeHosts {
			t.Fatalf("%d speculative hosts", len(hosts))
		}
		seen := map[string]bool{}
		for _, h := range hosts {
			if h == "" || seen[h] || strings.HasSuffix(h, ".") {
				t.Fatalf("bad host list %q", hosts)
			}
			seen[h] = true
		}
		_ = cnameTarget(m, "mx.d.example")
		_ = hasSTSRecord(m)
	})
}

package delivery

import (
	"fmt"
	"testing"
)

// bigDomain has n MX hosts with two addresses each, DANE-verified, plus
// one failing backup: the work of a large provider's domain.
func bigDomain(n int) *DomainReport {
	r := base("big.example", secure())
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("mx%d.big.example", i)
		cur := tlsaRec(3, 1, 1, h)
		a4, a6 := probe(fmt.Sprintf("192.0.2.%d", i), h), probe(fmt.Sprintf("2001:db8::%d", i), h)
		a4.Match, a6.Match = matched(cur, 0), matched(cur, 0)
		r.MX = append(r.MX, mxHost(h, uint16(10+i), secure(), tlsaSet(h, secure(), cur, tlsaRec(3, 1, 1, h+" next")), a6, a4))
	}
	bad := probe("192.0.2.250", "backup.big.example")
	bad.Match = &Match{Failure: ReasonLeafMismatch}
	r.MX = append(r.MX, mxHost("backup.big.example", 100, secure(), tlsaSet("backup.big.example", secure(), tlsaRec(3, 1, 1, "old")), bad))
	return r
}

// BenchmarkDecide measures the decision over a domain with 10 MX hosts
// (21 addresses); it reports the addresses decided per operation.
func BenchmarkDecide(b *testing.B) {
	r := bigDomain(10)
	addrs := 0
	for _, m := range r.MX {
		addrs += len(m.Addresses)
	}
	b.ReportAllocs()
	for b.Loop() {
		Decide(r)
	}
	if r.DANE != DANEPartial {
		b.Fatalf("dane %s", r.DANE)
	}
	b.ReportMetric(float64(addrs), "addresses/op")
	b.ReportMetric(float64(len(r.Failures)+len(r.Warnings)+len(r.Notes)), "findings/op")
}

package tlsa

import (
	"crypto/x509"
	"testing"
)

// BenchmarkVerify matches a 3-certificate chain against a 4-record set:
// a wrong 3 1 1, a 3 0 2 that matches the leaf, a 2 1 1 for the root (a
// path of two signature checks) and a PKIX record that is unusable.
func BenchmarkVerify(b *testing.B) {
	w := newWorld(b, nil)
	chain := []*x509.Certificate{w.leaf.cert, w.inter.cert, w.root.cert}
	set := []Record{
		wrong(rec(b, w.leaf.cert, DANEEE, SPKI, SHA256)),
		rec(b, w.leaf.cert, DANEEE, Cert, SHA512),
		rec(b, w.root.cert, DANETA, SPKI, SHA256),
		rec(b, w.root.cert, PKIXTA, SPKI, SHA256),
	}
	opts := Options{Names: []string{"mx.example.org"}}
	b.ReportAllocs()
	matched := 0
	for b.Loop() {
		res := Verify(set, chain, opts)
		if res.Verdict != VerdictMatch {
			b.Fatalf("verdict %s", res.Verdict)
		}
		matched = 0
		for _, rr := range res.Records {
			if rr.Outcome == Matched {
				matched++
			}
		}
	}
	b.ReportMetric(float64(len(chain)), "certs/op")
	b.ReportMetric(float64(len(set)), "records/op")
	b.ReportMetric(float64(matched), "matched/op")
}

// BenchmarkVerifyEE is the common case: one 3 1 1 record, leaf matches.
func BenchmarkVerifyEE(b *testing.B) {
	w := newWorld(b, nil)
	set := []Record{rec(b, w.leaf.cert, DANEEE, SPKI, SHA256)}
	b.ReportAllocs()
	for b.Loop() {
		if Verify(set, w.chain(), Options{Names: []string{"mx.example.org"}}).Verdict != VerdictMatch {
			b.Fatal("no match")
		}
	}
}

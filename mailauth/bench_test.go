package mailauth

import (
	"context"
	"testing"
)

// BenchmarkAnalyzeSPF walks a typical tree (three includes, an mx, a
// redirect-free record) over the scripted resolver: the CPU the SPF part
// adds to every check, DNS aside.
func BenchmarkAnalyzeSPF(b *testing.B) {
	f := newFake(b,
		txt("x.test.", "v=spf1 mx include:_spf.a.test include:_spf.b.test include:%{l}.c.test ~all"),
		"x.test. 300 IN MX 10 mx.x.test.",
		txt("_spf.a.test.", "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8::/32 include:_spf2.a.test -all"),
		txt("_spf2.a.test.", "v=spf1 ip4:203.0.113.0/24 -all"),
		txt("_spf.b.test.", "v=spf1 a:mail.b.test -all"),
		"mail.b.test. 300 IN A 192.0.2.9",
	)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if s := AnalyzeSPF(context.Background(), f, "x.test"); s.Lookups != 6 {
			b.Fatalf("%d lookups", s.Lookups)
		}
	}
}

// BenchmarkLookupDMARC: a record with an external, authorized report
// destination.
func BenchmarkLookupDMARC(b *testing.B) {
	f := newFake(b,
		txt("_dmarc.x.test.", "v=DMARC1; p=reject; rua=mailto:d@x.test,mailto:agg@reports.test; ruf=mailto:f@x.test; fo=1"),
		txt("x.test._report._dmarc.reports.test.", "v=DMARC1"),
	)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d := LookupDMARC(context.Background(), f, "x.test"); !d.Found {
			b.Fatal("not found")
		}
	}
}

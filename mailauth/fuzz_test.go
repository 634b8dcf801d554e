package mailauth

import (
	"context"
	"net/netip"
	"testing"
)

// FuzzParseSPF: any input parses or fails with a position inside it,
// and evaluating whatever parses stays within the lookup limits.
func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 include:%{l1r-}.x.test a:%{d}/24//64 ~all", "v=spf1 redirect=%{ir}.x.test", "v=spf1 exists:%{S}%{L}.%{o5r=}.x.test ip6:::1/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSPF(s)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("ParseSPF(%q) = %v", s, err)
			}
			return
		}
		_ = r
		fk := newFake(t)
		fk.addRR(txtRR("x.test.", s))
		fk.addRR(txtRR("y.x.test.", s))
		c := CheckHost(context.Background(), fk, netip.MustParseAddr("192.0.2.1"), "x.test", "a@b.x.test", "")
		if c.Lookups > MaxSPFLookups+1 || fk.queries > 1+(MaxSPFLookups+1)*(1+maxSPFNames) {
			t.Fatalf("%q: %d lookups, %d queries", s, c.Lookups, fk.queries)
		}
	})
}

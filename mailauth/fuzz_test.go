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

// FuzzParseDMARC: any input parses or errs; a parsed record always has
// a policy among none, quarantine and reject.
func FuzzParseDMARC(f *testing.F) {
	for _, s := range []string{"v=DMARC1; p=reject; rua=mailto:a@x", "v=DMARC1;;;=;p", "V = DMARC1; rua=mailto:a@b!10m", "v=DMARC1; p=none; fo=0:1; rf=afrf; ri=0; psd=u"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseDMARC(s)
		if err != nil {
			return
		}
		if _, ok := policies[r.Tags["p"]]; !ok || !IsDMARCRecord(s) {
			t.Fatalf("%q: p=%q", s, r.Tags["p"])
		}
	})
}

// FuzzParseDKIMKey: any input parses or errs with a message; a parsed
// key has a known type.
func FuzzParseDKIMKey(f *testing.F) {
	for _, s := range []string{"v=DKIM1; k=rsa; p=", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL", "t=y:s; h=sha1; p= AB CD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseDKIMKey(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if k.KeyType != "rsa" && k.KeyType != "ed25519" {
			t.Fatalf("%q: key type %q", s, k.KeyType)
		}
	})
}

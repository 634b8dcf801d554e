package mtasts_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/mtasts"
)

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{"v=STSv1; id=20160831085700Z;", "v=STSv1;id=1;x=y", "v=STSv1", "v=STSv1;; id=1", "v=STSv1; id= 1 ", "v=STSv1; id=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		rec, err := mtasts.ParseRecord(txt)
		if err != nil {
			if !errors.Is(err, mtasts.ErrRecordSyntax) || rec != nil {
				t.Fatalf("error %v with record %v", err, rec)
			}
			return
		}
		if !strings.HasPrefix(txt, "v=STSv1") || len(rec.ID) < 1 || len(rec.ID) > 32 {
			t.Fatalf("accepted %q with id %q", txt, rec.ID)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n",
		"version: STSv1\r\nmode: none\r\nmax_age: 1\r\n",
		"version: STSv1\nmode: testing\nmode: enforce\nmx: a\nmax_age: 31557601",
		"mx: *.*.x\n\n\r\nfoo",
		"mx: b\xc3\xbccher.example\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := mtasts.ParsePolicy(body)
		if p == nil {
			t.Fatal("nil policy")
		}
		if (err == nil) != p.Valid() {
			t.Fatalf("error %v but Valid() = %v", err, p.Valid())
		}
		if len(p.Problems) > 201 {
			t.Fatalf("%d problems", len(p.Problems))
		}
		if err != nil {
			return
		}
		switch p.Mode {
		case mtasts.ModeEnforce, mtasts.ModeTesting:
			if len(p.MX) == 0 {
				t.Fatal("valid enforce/testing policy without mx")
			}
		case mtasts.ModeNone:
		default:
			t.Fatalf("valid policy with mode %q", p.Mode)
		}
		if p.Version != "STSv1" || p.MaxAge < 0 || p.MaxAge > mtasts.MaxMaxAge {
			t.Fatalf("valid policy %+v", p)
		}
		for _, mx := range p.MX {
			p.Match(mx) // must not panic
		}
	})
}

func FuzzMatchMX(f *testing.F) {
	f.Add("*.example.com", "mx.example.com")
	f.Add("mx.xn--bcher-kva.example", "mx.bücher.example.")
	f.Fuzz(func(t *testing.T, pattern, host string) {
		got := mtasts.MatchMX(pattern, host)
		// Matching ignores case on both sides.
		if got != mtasts.MatchMX(strings.ToUpper(pattern), host) && isASCII(pattern) {
			t.Fatalf("case changes the result for %q, %q", pattern, host)
		}
		// A name without a wildcard matches itself.
		if ldhName.MatchString(host) && !mtasts.MatchMX(host, host) {
			t.Fatalf("%q does not match itself", host)
		}
	})
}

var ldhName = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$`)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

package names_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/daneprobe/daneprobe/names"
)

// FuzzParseDomain: every input either parses to a fixed point that is a
// valid wire name of ASCII labels, or fails with a one-line *names.Error.
func FuzzParseDomain(f *testing.F) {
	for _, s := range []string{"example.org", "Bücher.Example.", "user@example.org", "exa mple", "xn--zz.x", "_25._tcp.a.b", ".", "a..b", "[::1]", "https://a.b/c", "\ufffd.x", "bücher。example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (string, error){names.ParseDomain, names.ParseName} {
			d, err := parse(s)
			if err != nil {
				var e *names.Error
				if !errors.As(err, &e) || !errors.Is(err, names.ErrNotDomain) || strings.ContainsAny(err.Error(), "\r\n") || !utf8.ValidString(e.Input) {
					t.Fatalf("parse(%q): error %#v is not a one-line *names.Error", s, err)
				}
				continue
			}
			if d == "." {
				continue
			}
			if len(d) > 253 || d != strings.ToLower(d) || strings.HasSuffix(d, ".") {
				t.Fatalf("parse(%q) = %q: not a wire name", s, d)
			}
			for _, l := range strings.Split(d, ".") {
				if l == "" || len(l) > 63 {
					t.Fatalf("parse(%q) = %q: bad label %q", s, d, l)
				}
				for i := 0; i < len(l); i++ {
					if l[i] >= utf8.RuneSelf || l[i] <= ' ' {
						t.Fatalf("parse(%q) = %q: label %q is not ASCII", s, d, l)
					}
				}
			}
			again, err := parse(d)
			if err != nil || again != d {
				t.Fatalf("parse(%q) = %q, but parse(%q) = %q, %v: not a fixed point", s, d, d, again, err)
			}
			if names.Fold(d) != d {
				t.Fatalf("Fold(%q) = %q: a parsed name is not folded", d, names.Fold(d))
			}
		}
	})
}

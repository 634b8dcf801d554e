package report

import (
	"github.com/daneprobe/daneprobe/delivery"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short stays", "  short line", "  short line"},
		{"exactly 20", "12345678901234567890", "12345678901234567890"},
		{"hanging indent", "  aaaa bbbb cccc dddd eeee", "  aaaa bbbb cccc\n      dddd eeee"},
		{"long word whole", "  x " + digest, "  x\n      " + digest},
		{"first word longer than width", digest + " y", digest + "\n    y"},
		{"alignment spaces kept", "  a:    bbbb cccc dddd eeee", "  a:    bbbb cccc\n      dddd eeee"},
		{"colour takes no columns", "  " + ansiRed + "aaaa" + ansiReset + " bbbb cccc ddd", "  " + ansiRed + "aaaa" + ansiReset + " bbbb cccc ddd"},
		{"trailing spaces", "  aaaa bbbb cccc dddd eeee   ", "  aaaa bbbb cccc\n      dddd eeee"},
	} {
		if got := wrap(tc.in, 20); got != tc.want {
			t.Errorf("%s: wrap(%q) =\n%q, want\n%q", tc.name, tc.in, got, tc.want)
		}
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("  DANE sender:         defer (no usable MX host: mx1.example.org (no-starttls))", 40)
	f.Add(ansiRed+"x"+ansiReset+"  y", 3)
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 200 || strings.Contains(s, "\n") {
			return
		}
		got := wrap(s, width)
		// Wrapping only turns spaces into line breaks plus indentation:
		// the words are the same.
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(s), " ") {
			t.Fatalf("words changed: %q -> %q", s, got)
		}
	})
}

// TestTextNotChecked: a domain that could not be checked says so on the
// sender lines instead of leaving them blank.
func TestTextNotChecked(t *testing.T) {
	r := delivery.DomainReport{Domain: "bad domain", Status: delivery.StatusUnknown, Summary: "not checked", Error: "not a valid domain name"}
	var b strings.Builder
	if err := WriteText(&b, []delivery.DomainReport{r}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "  DANE sender:         unknown (not checked)\n") || !strings.Contains(b.String(), "  MTA-STS: not checked\n") {
		t.Errorf("sender line:\n%s", b.String())
	}
}

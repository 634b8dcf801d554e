package scan

import (
	"github.com/daneprobe/daneprobe/names"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, name string) ([]DomainCount, MaillogStats) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "scan", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, st, err := ParseMaillog(f)
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func TestParseMaillogPostfix(t *testing.T) {
	got, st := parseFixture(t, "postfix.log")
	// example.com: queue IDs 4F1C21234 (two recipients), 5A2B31111
	// (deferred, then sent: one message), 9F6088888. Local, virtual and
	// lmtp deliveries and the address literal do not count.
	want := []DomainCount{
		{"example.com", 3},
		{"example.net", 2},
		{"xn--bcher-kva.example", 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranking = %v\nwant      %v", got, want)
	}
	if st.Postfix != 8 || st.Exim != 0 || st.Skipped != 1 || st.Lines != 17 {
		t.Errorf("stats = %+v; want 8 postfix lines, 1 skipped, 17 lines", st)
	}
}

func TestParseMaillogExim(t *testing.T) {
	got, st := parseFixture(t, "exim.log")
	// "*>", "==", "**", local and pipe deliveries do not count; "->" does.
	want := []DomainCount{
		{"example.com", 2},
		{"example.org", 1},
		{"xn--cole-9oa.example", 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranking = %v\nwant      %v", got, want)
	}
	if st.Exim != 6 || st.Postfix != 0 {
		t.Errorf("stats = %+v; want 6 exim lines", st)
	}
}

func TestParseMaillogEdges(t *testing.T) {
	cases := []struct {
		name, in string
		want     []DomainCount
	}{
		{"empty", "", []DomainCount{}},
		{"orig_to is not to", "Nov 1 mail postfix/smtp[1]: ABC: orig_to=<x@a.example>, relay=r[1.2.3.4]:25\n", []DomainCount{}},
		{"no relay", "Nov 1 mail postfix/smtp[1]: ABC: to=<x@a.example>, status=sent\n", []DomainCount{}},
		{"unterminated address", "Nov 1 mail postfix/smtp[1]: ABC: to=<x@a.example, relay=r\n", []DomainCount{}},
		{"exim without H=", "2026-01-01 00:00:00 1t-A => x@a.example R=r T=t\n", []DomainCount{}},
		{"exim tab separated", "2026-01-01 00:00:00\t1t-A\t=>\tx@a.example H=h [1.2.3.4]\n", []DomainCount{}},
		{"exim unterminated quote", "2026-01-01 00:00:00 1t-A => \"x@a.example H=h\n", []DomainCount{}},
		{"mixed formats", "Nov 1 mail postfix/smtp[1]: ABC: to=<x@a.example>, relay=r[1.2.3.4]:25\n" +
			"2026-01-01 00:00:00 1t-A => y@a.example H=h [1.2.3.4]\n", []DomainCount{{"a.example", 2}}},
		{"overlong line", strings.Repeat("x", 70<<10) + "\nNov 1 mail postfix/smtp[1]: ABC: to=<x@b.example>, relay=r\n", []DomainCount{{"b.example", 1}}},
	}
	for _, c := range cases {
		got, _, err := ParseMaillog(strings.NewReader(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func FuzzParseMaillog(f *testing.F) {
	for _, name := range []string{"postfix.log", "exim.log"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "scan", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, st, err := ParseMaillog(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i, dc := range got {
			if dc.Messages < 1 {
				t.Fatalf("%s has %d messages", dc.Domain, dc.Messages)
			}
			if i > 0 && got[i-1].Messages < dc.Messages {
				t.Fatal("not ranked")
			}
			if d, err := names.ParseDomain(dc.Domain); err != nil || d != dc.Domain {
				t.Fatalf("domain %q not normalised", dc.Domain)
			}
			total += dc.Messages
		}
		if total > st.Postfix+st.Exim {
			t.Fatalf("%d messages from %d delivery lines", total, st.Postfix+st.Exim)
		}
	})
}

// TestLooksLikeMaillog: Postfix and Exim lines, also cut to the 80 bytes a
// bad list line is reported with, are recognised; domain-list garbage is not.
func TestLooksLikeMaillog(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"Nov 1 mail postfix/smtp[1]: ABC: to=<x@a.example>, relay=r[1.2.3.4]:25, status=sent", true},
		{"Nov 1 mail postfix-out/smtp[1]: ABC: to=<x@a.e"[:40], true},
		{"2026-01-01 00:00:00 1t-A => x@a.example H=h [1.2.3.4]", true},
		{"2026-01-01 00:00:00 1t-A <= sender@b.example H=h", true},
		{"!!! not a domain 7", false},
		{"example.org, example.net", false},
	} {
		if got := LooksLikeMaillog(tc.line); got != tc.want {
			t.Errorf("LooksLikeMaillog(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

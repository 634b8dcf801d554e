package scan

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
)

// TestParseMaillogQuoting covers recipient addresses with quoted local
// parts and address literals (RFC 5321 §4.1.2: Quoted-string may hold
// ">" and "@"; §4.1.3: address literals are not domains).
func TestParseMaillogQuoting(t *testing.T) {
	pf := func(rcpt string) string {
		return "Nov 1 mail postfix/smtp[1]: ABC: to=<" + rcpt + ">, relay=r[192.0.2.1]:25, status=sent\n"
	}
	ex := func(rcpt string) string {
		return "2026-01-01 00:00:00 1t-A => " + rcpt + " R=r T=t H=h [192.0.2.1]\n"
	}
	one := func(d string) []DomainCount { return []DomainCount{{d, 1}} }
	cases := []struct {
		name, in string
		want     []DomainCount
	}{
		{"postfix quoted space", pf(`"a b"@example.org`), one("example.org")},
		{"postfix quoted >", pf(`"a>b"@example.org`), one("example.org")},
		{"postfix quoted @ and >", pf(`"x@evil.example>"@example.org`), one("example.org")},
		{"postfix escaped quote", pf(`"a\">b"@example.org`), one("example.org")},
		{"postfix address literal", pf(`user@[192.0.2.1]`), []DomainCount{}},
		{"postfix IPv6 literal", pf(`user@[IPv6:2001:db8::1]`), []DomainCount{}},
		{"postfix bare IP", pf(`user@192.0.2.1`), []DomainCount{}},
		{"postfix NUL", pf("us\x00er@example.org"), one("example.org")},
		{"postfix NUL in domain", pf("user@exa\x00mple.org"), []DomainCount{}},
		{"postfix CRLF", strings.TrimSuffix(pf("u@example.org"), "\n") + "\r\n", one("example.org")},
		{"exim quoted space", ex(`"a b"@example.org`), one("example.org")},
		{"exim quoted @", ex(`"x@evil.example"@example.org`), one("example.org")},
		{"exim address literal", ex(`user@[192.0.2.1]`), []DomainCount{}},
		{"exim CRLF", strings.TrimSuffix(ex("u@example.org"), "\n") + "\r\n", one("example.org")},
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

// TestParseShardEdges: only "I/N" with decimal 0 <= I < N.
func TestParseShardEdges(t *testing.T) {
	for _, s := range []string{"", "/", "1/", "/4", "4/4", "-1/4", "0/0", "0/-1", "1/4/2", "a/4", "1 / 4", "0x1/4", "1/99999999999999999999999", "1.0/4", "１/4"} {
		if sh, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q) = %v, want an error", s, sh)
		}
	}
	for s, want := range map[string]Shard{"0/1": {0, 1}, " 3/4 ": {3, 4}, "0/4": {0, 4}} {
		if got, err := ParseShard(s); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
}

func TestRecipientDomainQuoted(t *testing.T) {
	for addr, want := range map[string]string{
		`"x@evil.example"`:              "",
		`"x@evil.example"@example.org`:  "example.org",
		`a@b@example.org`:               "example.org",
		`"a\"@evil.example"@ok.example`: "ok.example",
		`plain@Example.ORG.`:            "example.org",
	} {
		got, ok := recipientDomain(addr)
		if got != want || ok != (want != "") {
			t.Errorf("recipientDomain(%q) = %q, %v; want %q", addr, got, ok, want)
		}
	}
}

// TestOpenResumePartialUTF8: a crash in the middle of a multi-byte
// character leaves a cut last line; it is dropped and the file truncated
// to its complete lines.
func TestOpenResumePartialUTF8(t *testing.T) {
	good := `{"domain":"xn--bcher-kva.example","status":"ok","note":"Bücher"}` + "\n"
	cut := "{\"domain\":\"b.example\",\"note\":\"\xc3"
	path := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(path, []byte(good+cut), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	f, info, err := OpenResume(path, func(r *delivery.DomainReport) { got = append(got, r.Domain) })
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, _ := os.ReadFile(path)
	if !reflect.DeepEqual(got, []string{"xn--bcher-kva.example"}) || info.Dropped != int64(len(cut)) || string(data) != good {
		t.Errorf("got %v, info %+v, file %q", got, info, data)
	}
}

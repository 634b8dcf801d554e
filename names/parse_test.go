package names_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/names"
)

func TestParseDomain(t *testing.T) {
	good := func(in, want string) {
		t.Helper()
		got, err := names.ParseDomain(in)
		if err != nil || got != want {
			t.Errorf("ParseDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := func(in, why, suggest string) {
		t.Helper()
		got, err := names.ParseDomain(in)
		var e *names.Error
		if !errors.As(err, &e) || !errors.Is(err, names.ErrNotDomain) {
			t.Errorf("ParseDomain(%q) = %q, %v; want a *names.Error", in, got, err)
			return
		}
		if !strings.Contains(e.Reason, why) || e.Suggest != suggest {
			t.Errorf("ParseDomain(%q): reason %q, suggest %q; want %q, %q", in, e.Reason, e.Suggest, why, suggest)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, "is not a domain name") {
			t.Errorf("ParseDomain(%q): message %q is not one line in the common style", in, msg)
		}
	}

	good("example.org", "example.org")
	good("  Example.ORG.  ", "example.org")
	good("mx1.partial.mail.test", "mx1.partial.mail.test")
	good("bücher.example", "xn--bcher-kva.example")
	good("BÜCHER.example.", "xn--bcher-kva.example")
	good("XN--BCHER-KVA.example", "xn--bcher-kva.example")
	good("bücher．example", "xn--bcher-kva.example") // U+FF0E separates labels (UTS #46)
	good("bücher。example", "xn--bcher-kva.example") // U+3002 too
	good("straße.de", "xn--strae-oqa.de")           // nontransitional (IDNA2008)
	good("ÉCOLE.example.", "xn--cole-9oa.example")
	good("r3---sn-abc.googlevideo.com", "r3---sn-abc.googlevideo.com")
	good("foo--bar.example", "foo--bar.example")
	good("123.example", "123.example")
	good(strings.Repeat("a", 63)+".example", strings.Repeat("a", 63)+".example")
	long := strings.Repeat(strings.Repeat("a", 62)+".", 5)[:253]
	good(long, long)

	bad("", "empty name", "")
	bad("   ", "empty name", "")
	bad(".", "empty name", "")
	bad("example", "single label", "")
	bad("example.", "single label", "")
	bad("example..org", "empty label", "")
	bad(".example.org", "empty label", "")
	bad("example.org..", "empty label", "")
	bad("exa mple.org", "character ' ' is not allowed", "")
	bad("exa_mple.org", "character '_' is not allowed", "")
	bad("_25._tcp.example.org", "character '_' is not allowed", "")
	bad("*.example.org", "character '*' is not allowed", "")
	bad("exa\x00mple.org", `character '\x00' is not allowed`, "")
	bad("-example.org", "starts or ends with a hyphen", "")
	bad("example-.org", "starts or ends with a hyphen", "")
	bad(strings.Repeat("a", 64)+".example", "longer than 63 octets", "")
	bad(long+"a", "longer than 253 octets", "")
	bad(strings.Repeat("ü", 60)+".example", "longer than 63 octets", "")
	bad("user@example.org", "an email address", "example.org")
	bad("<User@Bücher.Example>", "an email address", "")
	bad("User@Bücher.Example", "an email address", "xn--bcher-kva.example")
	bad("user@", "an email address", "")
	bad("https://mta-sts.example.org/.well-known/mta-sts.txt", "a URL", "mta-sts.example.org")
	bad("192.0.2.1", "an address literal", "")
	bad("[192.0.2.1]", "an address literal", "")
	bad("2001:db8::1", "an address literal", "")
	bad("[example.org]", "an address literal", "")
	bad("xn--zz.example", "not a valid A-label", "")
	bad("xn--abc-.example", "starts or ends with a hyphen", "")
	bad("xn--abc-d.example", "not a valid A-label", "")
	bad("\ufffd.example", "not a valid international name", "")
	bad("a\u200db.example", "not a valid international name", "")
	bad("⒈x.example", "not a valid international name", "")
	bad("\xff.example", "not valid UTF-8", "")
}

func TestParseName(t *testing.T) {
	good := func(in, want string) {
		t.Helper()
		got, err := names.ParseName(in)
		if err != nil || got != want {
			t.Errorf("ParseName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := func(in, why string) {
		t.Helper()
		got, err := names.ParseName(in)
		if !errors.Is(err, names.ErrNotDomain) || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseName(%q) = %q, %v; want an error saying %q", in, got, err, why)
		}
	}
	good(".", ".")
	good("org", "org")
	good("ORG.", "org")
	good("_25._tcp.MX.example.org.", "_25._tcp.mx.example.org")
	good("_mta-sts.bücher.example", "_mta-sts.xn--bcher-kva.example")
	good("*.example.org", "*.example.org")
	good("example.org", "example.org")
	bad("", "empty name")
	bad("..", "empty label")
	bad("a*.example.org", "character '*'")
	bad("exa mple.org", "character ' '")
	bad("user@example.org", "an email address")
	bad("192.0.2.1", "an address literal")
}

func TestParseDomainErrorClipsInput(t *testing.T) {
	in := strings.Repeat("ü", 100) + " x"
	_, err := names.ParseDomain(in)
	var e *names.Error
	if !errors.As(err, &e) || len(e.Input) > 80 || !strings.HasSuffix(e.Input, "...") || !strings.HasPrefix(in, strings.TrimSuffix(e.Input, "...")) {
		t.Fatalf("ParseDomain(long) = %v; want the input cut to 80 bytes on a rune boundary", err)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"MX.Example.ORG.":        "mx.example.org",
		" mx.example.org ":       "mx.example.org",
		"mx.bücher.example":      "mx.xn--bcher-kva.example",
		"*.Example.org":          "*.example.org",
		"_25._tcp.mx.example.":   "_25._tcp.mx.example",
		"mx.\ufffd.example":      "mx.\ufffd.example",
		"":                       "",
		"XN--BCHER-KVA.example.": "xn--bcher-kva.example",
	} {
		if got := names.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q; want %q", in, got, want)
		}
	}
}

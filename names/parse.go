package names

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrNotDomain is wrapped by every error ParseDomain and ParseName return.
var ErrNotDomain = errors.New("not a domain name")

// Error says why an input is not a domain name. Its message is one line:
// the input quoted, what is wrong with it and, when there is one, the name
// that was probably meant.
type Error struct {
	// Input is the text as given, cut to 80 bytes, invalid UTF-8 replaced
	// by U+FFFD.
	Input string
	// Reason says what is wrong, such as "empty label".
	Reason string
	// Suggest is a domain name the input probably meant (the domain of an
	// email address, the host of a URL), or "".
	Suggest string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%q is not a domain name: %s", e.Input, e.Reason)
	if e.Suggest != "" {
		s += "; did you mean " + e.Suggest + "?"
	}
	return s
}

// Unwrap returns ErrNotDomain.
func (e *Error) Unwrap() error { return ErrNotDomain }

// Limits of RFC 1035 §2.3.4, in octets of the presentation form without
// the trailing dot.
const (
	maxLabel = 63
	maxName  = 253
)

// ParseDomain returns the form of a mail domain or host name that goes on
// the wire: lower-case A-labels without the trailing dot. It refuses, with
// an *Error wrapping ErrNotDomain, anything that is not a host name of at
// least two letter-digit-hyphen labels (see the package documentation).
func ParseDomain(s string) (string, error) {
	return parse(s, false)
}

// ParseName is ParseDomain for DNS owner names, as the lookup command
// takes them: labels may also hold underscores ("_25._tcp.mx.example.org",
// "_mta-sts.example.org", RFC 8552), a single label ("org") is a name, and
// "." is the root (returned as "."). Every other rule of ParseDomain
// applies.
func ParseName(s string) (string, error) {
	return parse(s, true)
}

func parse(s string, owner bool) (string, error) {
	in := strings.TrimSpace(s)
	fail := func(format string, a ...any) (string, error) {
		return "", &Error{Input: clip(in), Reason: fmt.Sprintf(format, a...)}
	}
	if !utf8.ValidString(in) {
		return fail("not valid UTF-8")
	}
	if owner && in == "." {
		return ".", nil
	}
	if e := misplaced(in); e != nil {
		return "", e
	}
	// UTS #46 §2.3: the ideographic full stops separate labels too.
	name := in
	if strings.ContainsAny(in, "\u3002\uff0e\uff61") { // a Replacer per call was 1% of a scan's allocations
		name = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(in)
	}
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return fail("empty name")
	}
	labels := strings.Split(name, ".")
	if !owner && len(labels) < 2 {
		return fail("a single label; a mail domain has at least two, such as example.org")
	}
	for i, l := range labels {
		a, reason := label(l, owner)
		if reason != "" {
			return fail("%s", reason)
		}
		labels[i] = a
	}
	out := strings.Join(labels, ".")
	if len(out) > maxName {
		return fail("longer than %d octets", maxName)
	}
	return out, nil
}

// misplaced recognises the things people paste instead of a domain: an
// address literal, an email address, a URL.
func misplaced(in string) *Error {
	if _, err := netip.ParseAddr(strings.Trim(in, "[]")); err == nil || strings.HasPrefix(in, "[") {
		return &Error{Input: clip(in), Reason: "an address literal; give the domain name"}
	}
	if at := strings.LastIndexByte(in, '@'); at >= 0 {
		e := &Error{Input: clip(in), Reason: "an email address"}
		if d, err := ParseDomain(in[at+1:]); err == nil {
			e.Suggest = d
		}
		return e
	}
	if strings.Contains(in, "://") {
		e := &Error{Input: clip(in), Reason: "a URL"}
		if u, err := url.Parse(in); err == nil {
			if d, err := ParseDomain(u.Hostname()); err == nil {
				e.Suggest = d
			}
		}
		return e
	}
	return nil
}

// label returns the A-label form of one label, or the reason it is not a
// label.
func label(l string, owner bool) (string, string) {
	if l == "" {
		return "", "empty label"
	}
	ascii := true
	for i := 0; i < len(l); i++ {
		if l[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		// RFC 5890 §2.3.2.1: a U-label goes on the wire as its A-label.
		a, err := idna.Lookup.ToASCII(l)
		if err != nil {
			return "", fmt.Sprintf("label %q is not a valid international name (%s)", l, strings.TrimPrefix(err.Error(), "idna: "))
		}
		if strings.Contains(a, ".") {
			return "", fmt.Sprintf("label %q is not a valid international name", l)
		}
		l = a
	}
	l = strings.ToLower(l)
	if len(l) > maxLabel {
		return "", fmt.Sprintf("label %q is longer than %d octets", clip(l), maxLabel)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || owner && c == '_' {
			continue
		}
		if owner && c == '*' && l == "*" {
			continue // a wildcard owner (RFC 4592), to look it up as it is
		}
		return "", fmt.Sprintf("character %q is not allowed; a domain name has letters, digits, hyphens and dots", rune(c))
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "", fmt.Sprintf("label %q starts or ends with a hyphen", l)
	}
	// An A-label must decode (RFC 5891 §5.4); idna turns some invalid input
	// (such as U+FFFD) into a punycode label that it then refuses itself.
	if strings.HasPrefix(l, "xn--") {
		if _, err := idna.Lookup.ToUnicode(l); err != nil {
			return "", fmt.Sprintf("label %q is not a valid A-label", l)
		}
	}
	return l, ""
}

// Fold returns the form in which names from the DNS, a certificate or an
// MTA-STS policy are compared: without surrounding space and one trailing
// dot, in lower case, with U-labels converted to A-labels when they are
// valid. It never fails; a name it cannot convert is compared in lower case
// as it is.
func Fold(s string) string {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(s); err == nil && a != "" {
				return a
			}
			break
		}
	}
	return s
}

// clip shortens s for a message and replaces invalid UTF-8.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	if len(s) > 80 {
		s = s[:77]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "..."
	}
	return s
}

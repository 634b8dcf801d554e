package mtasts

import (
	"strings"

	"github.com/daneprobe/daneprobe/names"
)

// MatchMX reports whether the MX host name matches one policy mx pattern
// (RFC 8461 §4.1). The comparison ignores case and a trailing dot and is
// done on A-labels. A pattern "*.example.com" matches a name with exactly
// one more label to the left ("mx.example.com"), neither "example.com"
// nor "a.b.example.com".
func MatchMX(pattern, host string) bool {
	p, h := names.Fold(pattern), names.Fold(host)
	if p == "" || h == "" {
		return false
	}
	if suffix, ok := strings.CutPrefix(p, "*."); ok {
		// RFC 8461 §4.1: the wildcard matches only the left-most label.
		label, rest, ok := strings.Cut(h, ".")
		return ok && label != "" && rest == suffix
	}
	return p == h
}

// Match returns the first mx pattern of the policy that host matches.
func (p *Policy) Match(host string) (pattern string, ok bool) {
	for _, pat := range p.MX {
		if MatchMX(pat, host) {
			return pat, true
		}
	}
	return "", false
}

// checkPattern validates an mx pattern against ["*."] Domain, the grammar
// of RFC 8461 §3.2 (Domain from RFC 5321 §4.1.2: LDH labels, A-labels
// for international names). It returns a message, or "" when valid.
func checkPattern(pat string) string {
	name := strings.TrimPrefix(pat, "*.")
	if name == "" {
		return "empty host name"
	}
	if strings.Contains(name, "*") {
		return "a wildcard is allowed only as the whole left-most label (\"*.example.com\")"
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			a, err := names.ParseName(name)
			if err != nil {
				return "not a valid international domain name"
			}
			return "must be written in A-labels (" + a + "); the policy grammar has no U-labels"
		}
	}
	name = strings.TrimSuffix(name, ".")
	if len(name) > 253 {
		return "host name longer than 253 characters"
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if msg := checkLabel(l); msg != "" {
			return msg
		}
	}
	return ""
}

// patternAdvice returns a warning about a grammatically valid pattern
// that is probably a mistake, or "".
func patternAdvice(pat string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(pat, "*."), ".")
	if strings.HasPrefix(pat, "*.") && !strings.Contains(name, ".") {
		// Valid under RFC 8461 §3.2 (["*."] Domain), so senders apply
		// it: it matches every host one label under a top-level domain.
		return "a wildcard directly under a top-level domain matches any host such as mx." + name + "; it is valid, but almost certainly not meant"
	}
	return ""
}

func checkLabel(l string) string {
	if l == "" {
		return "empty label"
	}
	if len(l) > 63 {
		return "label longer than 63 characters"
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "label " + clip(l) + " starts or ends with a hyphen"
	}
	for i := 0; i < len(l); i++ {
		if !isAlnum(l[i]) && l[i] != '-' {
			return "label " + clip(l) + " has characters other than letters, digits and hyphens"
		}
	}
	return ""
}

package tlsa

import (
	"crypto/x509"
	"github.com/daneprobe/daneprobe/names"
	"strings"
)

// presentedNames returns the names a certificate offers for matching:
// its subjectAltName DNS-IDs, or, when it has none, its subject common name
// (RFC 7672 §3.2.3: CN-IDs are still accepted for SMTP when there are no
// DNS-ID subjectAltNames). The second result says whether the CN was used.
func presentedNames(c *x509.Certificate) (names []string, fromCN bool) {
	if len(c.DNSNames) > 0 {
		return c.DNSNames, false
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}, true
	}
	return nil, false
}

// nameMatches reports whether a presented name matches a reference
// identifier. RFC 7672 §3.2.3: a wildcard is honoured only as the whole
// leftmost label and stands for exactly one label, so "*.example.org"
// matches "mx.example.org" but neither "example.org" nor
// "a.mx.example.org". Partial-label wildcards ("mx*.example.org") are not
// honoured (RFC 9525 §6.3 deprecates them).
func nameMatches(presented, reference string) bool {
	p, r := names.Fold(presented), names.Fold(reference)
	if p == "" || r == "" || strings.Contains(r, "*") {
		return false
	}
	if rest, ok := strings.CutPrefix(p, "*."); ok {
		if rest == "" || strings.Contains(rest, "*") {
			return false
		}
		label, parent, found := strings.Cut(r, ".")
		return found && label != "" && parent == rest
	}
	if strings.Contains(p, "*") {
		return false
	}
	return p == r
}

// matchNames checks the leaf's names against the reference identifiers and
// returns the presented names for reporting.
func matchNames(leaf *x509.Certificate, refs []string) (ok bool, seen []string) {
	seen, _ = presentedNames(leaf)
	for _, p := range seen {
		for _, r := range refs {
			if nameMatches(p, r) {
				return true, seen
			}
		}
	}
	return false, seen
}

package dnssec

import (
	"bytes"
	"strings"

	"github.com/miekg/dns"
)

// canonicalName returns name fully qualified and in lower case, the form
// used for every comparison and cache key in this package (RFC 4034 §6.2).
func canonicalName(name string) string {
	return lowerASCII(dns.Fqdn(name))
}

// lowerASCII folds only the ASCII letters A-Z: DNS names compare
// case-insensitively for ASCII alone (RFC 4343 §3, RFC 4034 §6.2), and
// strings.ToLower would rewrite other octets (U+0130 "İ" becomes two
// runes; invalid UTF-8 becomes U+FFFD), turning the name into another.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// labels splits a presentation-format name into its labels, most specific
// first, decoding \DDD and \X escapes so that comparisons work on the raw
// octets (RFC 4034 §6.1). The root name has no labels.
func labels(name string) [][]byte {
	if name == "." || name == "" {
		return nil
	}
	var out [][]byte
	var cur []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+3 < len(name) && isDigit(name[i+1]) && isDigit(name[i+2]) && isDigit(name[i+3]):
			v := int(name[i+1]-'0')*100 + int(name[i+2]-'0')*10 + int(name[i+3]-'0')
			cur = append(cur, byte(v))
			i += 3
		case c == '\\' && i+1 < len(name):
			cur = append(cur, name[i+1])
			i++
		case c == '.':
			out = append(out, cur)
			cur = nil
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// labelCount counts the labels of name, not counting the root.
func labelCount(name string) int { return dns.CountLabel(name) }

// rrsigLabels is the label count an RRSIG over owner must carry when the
// RRset was not synthesised from a wildcard: a leading "*" label is not
// counted (RFC 4034 §3.1.3).
func rrsigLabels(owner string) int {
	n := labelCount(owner)
	if strings.HasPrefix(owner, "*.") {
		n--
	}
	return n
}

// lowerLabel returns a copy of label with ASCII letters folded to lower case.
func lowerLabel(l []byte) []byte {
	return bytes.ToLower(l)
}

// canonicalCompare orders two names as RFC 4034 §6.1 prescribes: compare
// labels from the rightmost (least significant) one, each label as a
// string of lower-cased octets, and a name that runs out of labels first
// sorts first. It returns -1, 0 or +1.
func canonicalCompare(a, b string) int {
	if plainName(a) && plainName(b) {
		return compareRight(a, b)
	}
	la, lb := labels(a), labels(b)
	i, j := len(la)-1, len(lb)-1
	for i >= 0 && j >= 0 {
		if c := bytes.Compare(lowerLabel(la[i]), lowerLabel(lb[j])); c != 0 {
			return c
		}
		i--
		j--
	}
	switch {
	case i < 0 && j < 0:
		return 0
	case i < 0:
		return -1
	default:
		return 1
	}
}

// equalNames compares two names label-wise, ignoring ASCII case.
func equalNames(a, b string) bool { return canonicalCompare(a, b) == 0 }

// isSubdomain reports whether child is parent or below it, compared label
// by label (not as a string suffix: "badexample.test." is not under
// "example.test.").
func isSubdomain(child, parent string) bool {
	if plainName(child) && plainName(parent) {
		c, p := newRightLabels(child), newRightLabels(parent)
		for {
			lp, ok := p.next()
			if !ok {
				return true
			}
			lc, ok := c.next()
			if !ok || !strings.EqualFold(lc, lp) {
				return false
			}
		}
	}
	lc, lp := labels(child), labels(parent)
	if len(lp) > len(lc) {
		return false
	}
	off := len(lc) - len(lp)
	for i := range lp {
		if !bytes.EqualFold(lc[off+i], lp[i]) {
			return false
		}
	}
	return true
}

// plainName reports whether name is ASCII without escapes, so that its
// labels are the substrings between its dots and ASCII case folding is all
// the folding there is: the case of nearly every name, compared without
// allocating (canonicalCompare and isSubdomain sit on the validator's hot
// path).
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// rightLabels walks the labels of a plain name from the rightmost one, as
// labels would list them in reverse.
type rightLabels struct {
	s   string // the name without its final dot
	end int    // end of the next label in s; -1 when none is left
}

func newRightLabels(name string) rightLabels {
	if name == "." || name == "" {
		return rightLabels{end: -1}
	}
	name = strings.TrimSuffix(name, ".")
	return rightLabels{s: name, end: len(name)}
}

func (r *rightLabels) next() (string, bool) {
	if r.end < 0 {
		return "", false
	}
	i := strings.LastIndexByte(r.s[:r.end], '.')
	l := r.s[i+1 : r.end]
	r.end = i
	return l, true
}

// compareRight is canonicalCompare for plain names.
func compareRight(a, b string) int {
	ra, rb := newRightLabels(a), newRightLabels(b)
	for {
		la, oka := ra.next()
		lb, okb := rb.next()
		switch {
		case !oka && !okb:
			return 0
		case !oka:
			return -1
		case !okb:
			return 1
		}
		if c := compareFoldASCII(la, lb); c != 0 {
			return c
		}
	}
}

// compareFoldASCII compares two ASCII labels as lower-cased octets.
func compareFoldASCII(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= 'A' && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if cb >= 'A' && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// parentName returns the name with its leftmost label removed; the parent
// of the root is the root.
func parentName(name string) string {
	if name == "." {
		return "."
	}
	off, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[off:]
}

// ancestorsBelow lists the names strictly below top down to and including
// name, from the one closest to top to name itself. name must be at or
// below top; when it is top the list is empty.
func ancestorsBelow(name, top string) []string {
	var out []string
	for n := name; !equalNames(n, top) && n != "."; n = parentName(n) {
		out = append(out, n)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// commonAncestor returns the deepest name that is an ancestor of (or
// equal to) both a and b.
func commonAncestor(a, b string) string {
	n := dns.CompareDomainName(a, b)
	if n == 0 {
		return "."
	}
	idx := dns.Split(a)
	return a[idx[len(idx)-n]:]
}

// wildcardSource returns the wildcard owner "*.<closest encloser>" that
// produced owner when its RRSIG has the given label count (RFC 4035
// §5.3.4), and the closest encloser itself.
func wildcardSource(owner string, sigLabels int) (wildcard, encloser string) {
	idx := dns.Split(owner)
	n := len(idx)
	if sigLabels >= n || sigLabels < 0 {
		return owner, owner
	}
	if sigLabels == 0 {
		encloser = "."
		return "*.", encloser
	}
	encloser = owner[idx[n-sigLabels]:]
	return "*." + encloser, encloser
}

// nextCloser returns the name one label longer than encloser on the way
// to name (RFC 5155 §1.3).
func nextCloser(name, encloser string) string {
	idx := dns.Split(name)
	k := labelCount(encloser)
	if k+1 > len(idx) {
		return name
	}
	return name[idx[len(idx)-k-1]:]
}

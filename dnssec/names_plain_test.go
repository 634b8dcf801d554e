package dnssec

import (
	"bytes"
	"testing"
)

// slowCompare and slowSubdomain are canonicalCompare and isSubdomain on
// the general path (labels with escapes decoded), which the plain-name
// fast path must agree with.
func slowCompare(a, b string) int {
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

func slowSubdomain(child, parent string) bool {
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

// TestPlainNamesAgree: the allocation-free comparison of plain names gives
// what the label-splitting one gives, on every pair of a set of awkward
// names (case, root, empty labels, prefixes, missing final dot).
func TestPlainNamesAgree(t *testing.T) {
	names := []string{"", ".", "..", "a", "a.", "A.", "a..", "b.a.", "B.A", "ba.", "ab.", "a.b.", "*.a.", "-.a.",
		"example.test.", "Example.TEST.", "badexample.test.", "www.example.test.", "x.www.example.test",
		"_25._tcp.mx.example.test.", "mx.example.test.", "z.", "0.", "a.b.c.d.e.", "e.", "d.e."}
	for _, a := range names {
		for _, b := range names {
			if !plainName(a) || !plainName(b) {
				t.Fatalf("%q or %q is not plain", a, b)
			}
			if got, want := canonicalCompare(a, b), slowCompare(a, b); got != want {
				t.Errorf("canonicalCompare(%q, %q) = %d, labels say %d", a, b, got, want)
			}
			if got, want := isSubdomain(a, b), slowSubdomain(a, b); got != want {
				t.Errorf("isSubdomain(%q, %q) = %v, labels say %v", a, b, got, want)
			}
		}
	}
	if plainName(`a\.b.`) || plainName("é.") {
		t.Error("escaped or non-ASCII names must take the general path")
	}
}

package dnssec

import (
	"sort"
	"testing"
)

// TestCanonicalOrder checks RFC 4034 §6.1 ordering with the RFC's own
// example list, shuffled.
func TestCanonicalOrder(t *testing.T) {
	want := []string{
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", `\001.z.example.`, "*.z.example.", `\200.z.example.`,
	}
	got := []string{want[4], want[8], want[0], want[6], want[2], want[7], want[1], want[5], want[3]}
	sort.Slice(got, func(i, j int) bool { return canonicalCompare(got[i], got[j]) < 0 })
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if canonicalCompare("WWW.Example.", "www.example.") != 0 {
		t.Error("comparison is case-sensitive")
	}
	if canonicalCompare(`a\.b.example.`, "a.b.example.") == 0 {
		t.Error("an escaped dot is not a label separator")
	}
}

func TestIsSubdomainLabelWise(t *testing.T) {
	for _, tc := range []struct {
		child, parent string
		want          bool
	}{
		{"www.example.test.", "example.test.", true},
		{"example.test.", "example.test.", true},
		{"WWW.EXAMPLE.test.", "example.TEST.", true},
		{"www.badexample.test.", "example.test.", false}, // a string suffix, not a label suffix
		{"test.", "example.test.", false},
		{"anything.", ".", true},
	} {
		if got := isSubdomain(tc.child, tc.parent); got != tc.want {
			t.Errorf("isSubdomain(%s, %s) = %v", tc.child, tc.parent, got)
		}
	}
}

func TestNameHelpers(t *testing.T) {
	if got := ancestorsBelow("a.b.example.test.", "."); len(got) != 4 || got[0] != "test." || got[3] != "a.b.example.test." {
		t.Errorf("ancestorsBelow = %v", got)
	}
	if got := ancestorsBelow("test.", "test."); len(got) != 0 {
		t.Errorf("ancestorsBelow(self) = %v", got)
	}
	if w, e := wildcardSource("a.b.example.test.", 2); w != "*.example.test." || e != "example.test." {
		t.Errorf("wildcardSource = %s %s", w, e)
	}
	if got := nextCloser("a.b.example.test.", "example.test."); got != "b.example.test." {
		t.Errorf("nextCloser = %s", got)
	}
	if got := commonAncestor("a.example.test.", "b.c.example.test."); got != "example.test." {
		t.Errorf("commonAncestor = %s", got)
	}
	if got := rrsigLabels("*.example.test."); got != 2 {
		t.Errorf("rrsigLabels(wildcard) = %d", got)
	}
}

// TestCanonicalNameFoldsASCIIOnly: strings.ToLower rewrote non-ASCII
// octets ("İ" became "i̇", invalid UTF-8 became U+FFFD), so a lookup
// asked for another name than the one given (RFC 4343 §3).
func TestCanonicalNameFoldsASCIIOnly(t *testing.T) {
	for in, want := range map[string]string{
		"WWW.Example.TEST": "www.example.test.",
		"İ.example.":       "İ.example.",
		"\xff.example.":    "\xff.example.",
		`\065.example.`:    `\065.example.`,
	} {
		if got := canonicalName(in); got != want {
			t.Errorf("canonicalName(%q) = %q, want %q", in, got, want)
		}
	}
}

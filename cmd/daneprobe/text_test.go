package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestCheckTextForPeople runs the built binary: --brief prints the verdict
// line and one line per failing item; a TLSA mismatch shows the whole
// record that would match, in text and brief; a chain several addresses
// present is printed once; TERM=dumb turns colour off.
func TestCheckTextForPeople(t *testing.T) {
	w := startMailWorld(t)
	record := regexp.MustCompile(`_[0-9]+\._tcp\.mx1\.tlsa-mismatch\.mail\.test\. IN TLSA 3 1 1 [0-9a-f]{64}\b`)

	r := runBinary(t, nil, "", append(append([]string{"check"}, w.flags...), "--brief", "tlsa-mismatch.mail.test", "dane-ee.mail.test")...)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != exitCritical || len(lines) < 3 {
		t.Fatalf("--brief: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(lines[0], "tlsa-mismatch.mail.test: CRITICAL - ") {
		t.Errorf("--brief: first line %q is not the verdict line", lines[0])
	}
	failures := 0
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "dane-ee.mail.test: OK - "):
		case strings.HasPrefix(l, "  failure tlsa-invalid [dane]"):
			failures++
			if !record.MatchString(l) {
				t.Errorf("--brief failure line lacks the whole record: %q", l)
			}
		case strings.HasPrefix(l, "  warning "):
		default:
			t.Errorf("--brief: unexpected line %q", l)
		}
	}
	if failures == 0 {
		t.Errorf("--brief printed no failure line:\n%s", r.stdout)
	}

	r = runBinary(t, []string{"TERM=dumb"}, "", append(append([]string{"check"}, w.flags...), "tlsa-mismatch.mail.test", "dual-stack.mail.test")...)
	if !record.MatchString(r.stdout) {
		t.Errorf("text output lacks the record that would match:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour with TERM=dumb")
	}
	// dual-stack: both hosts present one certificate (naming both) on
	// their IPv4 and IPv6 addresses: printed once, referred to three times.
	if n, m := strings.Count(r.stdout, "      leaf CN=mx1.dual-stack"), strings.Count(r.stdout, "chain: the same as mx1.dual-stack.mail.test"); n != 1 || m != 3 {
		t.Errorf("dual-stack's chain printed %d times, referred to %d times, want 1 and 3:\n%s", n, m, r.stdout)
	}

	r = runBinary(t, nil, "", append(append([]string{"check"}, w.flags...), "--brief", "--json", "dane-ee.mail.test")...)
	if r.code != exitUnknown || !strings.Contains(r.stderr, "choose one of") {
		t.Errorf("--brief --json: exit %d, stderr %q", r.code, r.stderr)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestScanRefuses runs the built binary: a scan refuses, with exit 3 and
// one line saying why, what it cannot use, and touches no file it must
// not.
func TestScanRefuses(t *testing.T) {
	w := startScanWorld(t, 0, 1)
	logLine := "Nov 1 mail postfix/smtp[1]: ABC: to=<x@dane-ee.mail.test>, relay=mx1.dane-ee.mail.test[127.0.0.2]:25, status=sent (250 ok)"
	garbage := make([]string, 5000)
	for i := range garbage {
		garbage[i] = "!!! not a domain " + strconv.Itoa(i)
	}
	foreign := w.writeList(t, "notes.txt", []string{"my notes, not scan output", "second line"})
	before, err := os.ReadFile(foreign)
	if err != nil {
		t.Fatal(err)
	}
	input := w.writeList(t, "input.txt", []string{"dane-ee.mail.test"})
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"empty stdin", nil, "", "the input holds no domain names"},
		{"comments only", []string{w.writeList(t, "empty.txt", []string{"# nothing here", ""})}, "", "the input holds no domain names"},
		{"garbage", []string{w.writeList(t, "garbage.txt", garbage)}, "", "none of the 5000 input lines is a domain name"},
		{"a mail log", nil, logLine + "\n" + logLine + "\n", "look like a mail log: scan its recipient domains with --from-maillog"},
		{"resume into a foreign file", []string{"--out", foreign, "--resume", input}, "", "is not the output of daneprobe scan (line 1 is not a scan result)"},
		{"out is the input", []string{"--out", input, "--resume", input}, "", "is the scan's input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, nil, tc.stdin, append(append([]string{"scan"}, w.flags...), tc.args...)...)
			if r.code != exitUnknown || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("exit %d, want 3 with %q\nstdout: %s\nstderr: %s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
	if after, _ := os.ReadFile(foreign); string(after) != string(before) {
		t.Errorf("the foreign --out file changed:\n%s", after)
	}
	if after, _ := os.ReadFile(input); string(after) != "dane-ee.mail.test\n" {
		t.Errorf("the input changed:\n%s", after)
	}
	// An --out file for a scan that had nothing to check is not left behind.
	out := filepath.Join(w.dir, "nothing.jsonl")
	if r := runBinary(t, nil, "", append(append([]string{"scan"}, w.flags...), "--out", out)...); r.code != exitUnknown {
		t.Errorf("empty input with --out: exit %d", r.code)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("an empty %s is left behind", out)
	}
}

// TestScanNonexistentAndMaillog: a domain that does not exist is critical
// with a machine-readable warning and listed in the summary; with
// --from-maillog each JSON line has the domain's message count.
func TestScanNonexistentAndMaillog(t *testing.T) {
	w := startScanWorld(t, 0, 1)
	logf := w.writeList(t, "mail.log", []string{
		"Nov 1 mail postfix/smtp[1]: A1: to=<a@dane-ee.mail.test>, relay=mx1.dane-ee.mail.test[127.0.0.2]:25, status=sent (250 ok)",
		"Nov 1 mail postfix/smtp[1]: A2: to=<b@dane-ee.mail.test>, relay=mx1.dane-ee.mail.test[127.0.0.2]:25, status=sent (250 ok)",
		"Nov 1 mail postfix/smtp[1]: A3: to=<c@nope-nope.mail.test>, relay=none, status=bounced (Host not found)",
		"Nov 1 mail postfix/smtp[1]: A4: to=<d@nope-nope.mail.test>, relay=mx.nope-nope.mail.test[127.0.0.9]:25, status=deferred",
		"Nov 1 mail postfix/smtp[1]: A5: to=<e@nope-nope.mail.test>, relay=mx.nope-nope.mail.test[127.0.0.9]:25, status=deferred",
	})
	r := runBinary(t, nil, "", append(append([]string{"scan"}, w.flags...), "--from-maillog", logf)...)
	reports := readReports(t, []byte(r.stdout))
	if got := reports["dane-ee.mail.test"].Messages; got != 2 {
		t.Errorf("dane-ee.mail.test messages = %d, want 2\n%s", got, r.stderr)
	}
	nx, ok := reports["nope-nope.mail.test"]
	if !ok {
		t.Fatalf("no report of nope-nope.mail.test:\n%s\n%s", r.stdout, r.stderr)
	}
	if nx.Messages != 3 {
		t.Errorf("nope-nope.mail.test messages = %d, want 3", nx.Messages)
	}
	found := false
	for _, f := range nx.Warnings {
		found = found || f.Code == "nonexistent-domain"
	}
	if nx.Status != "critical" || !found {
		t.Errorf("nonexistent domain: status %s, warnings %+v", nx.Status, nx.Warnings)
	}
	if !strings.Contains(r.stderr, "Domains that do not exist (NXDOMAIN): 1") || !strings.Contains(r.stderr, "nope-nope.mail.test") {
		t.Errorf("the summary does not list the nonexistent domain:\n%s", r.stderr)
	}
}

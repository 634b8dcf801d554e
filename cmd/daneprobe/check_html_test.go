package main

import (
	"github.com/daneprobe/daneprobe/internal/testworld"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check --html FILE writes the domain page of the service for the checked
// domains, with the failing link of the chain marked, and still prints
// the usual output and exit status.
func TestCheckHTML(t *testing.T) {
	_, dir, flags := startWorldWithFlags(t, testworld.MailOptions{})
	out := filepath.Join(dir, "report.html")
	r := runBinary(t, nil, "", append(append([]string{"check"}, flags...), "--timeout", "5s", "--html", out, "tlsa-mismatch.mail.test", "dane-ee.mail.test")...)
	if r.code != 2 || !strings.Contains(r.stdout, "tlsa-mismatch.mail.test: CRITICAL") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!DOCTYPE html>", `id="tlsa-mismatch.mail.test"`, `id="dane-ee.mail.test"`, "CRITICAL", "OK",
		`class="link failing"`, "<svg", "tlsa-invalid"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Error("the page has a script or loads something")
	}
	// A directory that does not exist: one line, exit 3, no file.
	r = runBinary(t, nil, "", append(append([]string{"check"}, flags...), "--html", filepath.Join(dir, "no", "such", "dir.html"), "dane-ee.mail.test")...)
	if r.code != 3 || !strings.HasPrefix(r.stderr, "daneprobe: --html") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("--html into a missing directory: exit %d, stderr %q", r.code, r.stderr)
	}
}

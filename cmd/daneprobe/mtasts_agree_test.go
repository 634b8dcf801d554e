package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestMTASTSAgreesWithCheck runs the built binary: mtasts and check give
// the same verdict where both decide (a null MX is OK, a domain that does
// not exist is CRITICAL and says so), and a domain without an _mta-sts
// record has no failed fetch to report.
func TestMTASTSAgreesWithCheck(t *testing.T) {
	_, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	var stsFlags []string
	for i := 0; i+1 < len(flags); i += 2 {
		if flags[i] != "--port" {
			stsFlags = append(stsFlags, flags[i], flags[i+1])
		}
	}
	for _, tc := range []struct {
		domain string
		code   int
		text   string
	}{
		{"null-mx.mail.test", exitOK, "null MX"},
		{"nope-nope.mail.test", exitCritical, "does not exist"},
	} {
		check := runBinary(t, nil, "", append(append([]string{"check"}, flags...), tc.domain)...)
		sts := runBinary(t, nil, "", append(append([]string{"mtasts"}, stsFlags...), tc.domain)...)
		if check.code != tc.code || sts.code != tc.code {
			t.Errorf("%s: check exit %d, mtasts exit %d, want both %d\n%s%s", tc.domain, check.code, sts.code, tc.code, sts.stdout, sts.stderr)
		}
		if !strings.Contains(sts.stdout, tc.text) {
			t.Errorf("%s: mtasts does not say %q:\n%s", tc.domain, tc.text, sts.stdout)
		}
	}
	r := runBinary(t, nil, "", append(append([]string{"mtasts", "--json"}, stsFlags...), "dane-ee.mail.test")...)
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("mtasts --json: %v\n%s%s", err, r.stdout, r.stderr)
	}
	if _, ok := rep["fetch"]; ok {
		t.Errorf("no _mta-sts record, yet a fetch is reported: %v", rep["fetch"])
	}
	if r.code != exitWarning {
		t.Errorf("no MTA-STS: exit %d, want 1 (no-mta-sts)", r.code)
	}
}

package main

import (
	"encoding/json"
	"reflect"
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
	stsFlags := flags // the same flags: mtasts takes check's
	for _, tc := range []struct {
		domain string
		code   int
		text   string
	}{
		{"null-mx.mail.test", exitOK, "null MX"},
		{"nope-nope.mail.test", exitCritical, "does not exist"},
		{"sts-enforce.mail.test", exitOK, "MTA-STS pass"},
		{"sts-enforce-fail.mail.test", exitCritical, "fails the policy"},
		{"sts-testing.mail.test", exitWarning, "fails the policy"},
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
	if own, _ := rep["mtasts"].(map[string]any); own == nil || own["fetch"] != nil {
		t.Errorf("no _mta-sts record, yet a fetch is reported: %v", rep["mtasts"])
	}
	// The objects both commands print are the same, name for name.
	for _, d := range []string{"sts-enforce.mail.test", "sts-testing.mail.test", "dane-ee.mail.test"} {
		var fromCheck, fromSTS map[string]any
		c := runBinary(t, nil, "", append(append([]string{"check", "--json"}, flags...), d)...)
		m := runBinary(t, nil, "", append(append([]string{"mtasts", "--json"}, flags...), d)...)
		if err := json.Unmarshal([]byte(c.stdout), &fromCheck); err != nil {
			t.Fatalf("check --json %s: %v", d, err)
		}
		if err := json.Unmarshal([]byte(m.stdout), &fromSTS); err != nil {
			t.Fatalf("mtasts --json %s: %v", d, err)
		}
		for _, key := range []string{"mta_sts", "tls_rpt"} {
			if !reflect.DeepEqual(fromCheck[key], fromSTS[key]) {
				t.Errorf("%s: %s differs:\ncheck:  %v\nmtasts: %v", d, key, fromCheck[key], fromSTS[key])
			}
		}
		if outcome, _ := fromCheck["outcome"].(map[string]any); !reflect.DeepEqual(outcome["mta_sts"], fromSTS["mta_sts_sender"]) {
			t.Errorf("%s: mta_sts_sender %v, check's outcome %v", d, fromSTS["mta_sts_sender"], outcome["mta_sts"])
		}
	}
	if r.code != exitWarning {
		t.Errorf("no MTA-STS: exit %d, want 1 (no-mta-sts)", r.code)
	}
}

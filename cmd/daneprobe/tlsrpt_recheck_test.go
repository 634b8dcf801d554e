package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// writeReport writes a TLS report of org for domain with one
// certificate-host-mismatch failure detail at mx, and returns its path.
func writeReport(t *testing.T, dir, org, id, domain, mx, sender string, failed int) string {
	t.Helper()
	js := fmt.Sprintf(`{"organization-name":%q,"report-id":%q,"date-range":{"start-datetime":"2026-12-02T00:00:00Z","end-datetime":"2026-12-02T23:59:59Z"},
"policies":[{"policy":{"policy-type":"sts","policy-domain":%q,"mx-host":["mx1.%s","mx2.%s"]},
"summary":{"total-successful-session-count":100,"total-failure-session-count":%d},
"failure-details":[{"result-type":"certificate-host-mismatch","sending-mta-ip":%q,"receiving-mx-hostname":%q,"failed-session-count":%d}]}]}`,
		org, id, domain, domain, domain, failed, sender, mx, failed)
	path := filepath.Join(dir, id+".json")
	if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTLSRPTRecheck: a reported certificate-host-mismatch at the MX that
// presents a certificate for another name reproduces; one reported at a
// healthy MX does not, and says who alone reported it.
func TestTLSRPTRecheck(t *testing.T) {
	w := startMailWorld(t)
	wrong := testworld.WrongNameScenario + "." + testworld.MailBase
	healthy := "sts-enforce." + testworld.MailBase
	dir := t.TempDir()
	atWrong := writeReport(t, dir, "Google Inc.", "g1", wrong, "mx2."+wrong, "209.85.220.41", 40)
	atGood := writeReport(t, dir, "Microsoft Corporation", "m1", wrong, "mx1."+wrong, "2a01:111:f400::1", 3)
	fixed := writeReport(t, dir, "Google Inc.", "g2", healthy, "mx1."+healthy, "209.85.220.41", 5)

	args := append([]string{"--recheck", "--json"}, w.flags...)
	code, out, stderr := runTLSRPTCmd(t, append(args, atWrong, atGood, fixed)...)
	if code != exitCritical {
		t.Errorf("exit %d, want %d; stderr %s", code, exitCritical, stderr)
	}
	var sum struct {
		Status    string `json:"status"`
		Rechecked bool   `json:"rechecked"`
		Domains   []struct {
			Domain   string `json:"policy_domain"`
			Failures []struct {
				MX      string `json:"receiving_mx"`
				Recheck *struct {
					Verdict  string   `json:"verdict"`
					Detail   string   `json:"why"`
					OnlyFrom []string `json:"only_from"`
					Matching []struct {
						Result string `json:"result_type"`
						IP     string `json:"ip"`
					} `json:"matching"`
				} `json:"recheck"`
			} `json:"failures"`
		} `json:"domains"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if sum.Status != "critical" || !sum.Rechecked {
		t.Errorf("status %s, rechecked %v", sum.Status, sum.Rechecked)
	}
	verdicts := map[string]string{}
	for _, d := range sum.Domains {
		for _, f := range d.Failures {
			if f.Recheck == nil {
				t.Fatalf("%s %s: no recheck", d.Domain, f.MX)
			}
			verdicts[f.MX] = f.Recheck.Verdict
			switch f.MX {
			case "mx2." + wrong:
				if len(f.Recheck.Matching) != 1 || f.Recheck.Matching[0].Result != "certificate-host-mismatch" || !strings.Contains(f.Recheck.Detail, "does not name mx2."+wrong) {
					t.Errorf("mx2: %+v", f.Recheck)
				}
			case "mx1." + wrong:
				if strings.Join(f.Recheck.OnlyFrom, ",") != "Microsoft Corporation" {
					t.Errorf("mx1: only from %q: %s", f.Recheck.OnlyFrom, f.Recheck.Detail)
				}
			}
		}
	}
	want := map[string]string{"mx2." + wrong: "reproduces", "mx1." + wrong: "not-reproduced", "mx1." + healthy: "not-reproduced"}
	if fmt.Sprint(verdicts) != fmt.Sprint(want) {
		t.Errorf("verdicts %v, want %v", verdicts, want)
	}

	// Text: the verdict line says it; the demo reports (the README's
	// example) give the golden output.
	code, text, _ := runTLSRPTCmd(t, append(append([]string{"--recheck"}, w.flags...), atWrong)...)
	if first, _, _ := strings.Cut(text, "\n"); code != exitCritical || !strings.HasSuffix(first, "(Google Inc.): reproduces") {
		t.Errorf("exit %d, verdict line %q", code, first)
	}
	if !strings.Contains(unwrap(text), "recheck: reproduces: still failing at mx2."+wrong) {
		t.Errorf("text:\n%s", text)
	}
	code, text, _ = runTLSRPTCmd(t, append(append([]string{"--recheck"}, w.flags...), tlsrptFixtures+"demo")...)
	if code != exitCritical {
		t.Errorf("demo reports: exit %d", code)
	}
	golden(t, filepath.Join(tlsrptFixtures, "golden", "recheck-demo.txt"), strings.ReplaceAll(text, tlsrptFixtures, ""))
	// Only at the healthy MX: exit 1.
	code, text, _ = runTLSRPTCmd(t, append(append([]string{"--recheck"}, w.flags...), fixed)...)
	if code != exitWarning || !strings.Contains(unwrap(text), "recheck: not-reproduced: no certificate-host-mismatch at mx1."+healthy+" now: fixed since the reports") {
		t.Errorf("exit %d:\n%s", code, text)
	}
}

// TestTLSRPTRecheckLocalFault: no usable resolver is UNKNOWN, one line,
// not a verdict about the domain; --recheck-max 0 is a usage error.
func TestTLSRPTRecheckLocalFault(t *testing.T) {
	report := tlsrptFixtures + "reports/google.json"
	code, out, stderr := runTLSRPTCmd(t, "--recheck", "--resolver", "127.0.0.1:9", "--timeout", "2s", report)
	if code != exitUnknown || out != "" || strings.Count(stderr, "\n") > 1 {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, stderr)
	}
	code, _, stderr = runTLSRPTCmd(t, "--recheck", "--recheck-max", "0", report)
	if code != exitUnknown || !strings.Contains(stderr, "--recheck-max") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// unwrap joins the wrapped lines of text output into words.
func unwrap(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestTLSRPTRecheckDANE: tlsa-invalid reported under the tlsa policy
// reproduces at the MX whose TLSA records match nothing, not at a
// DANE-EE MX that matches.
func TestTLSRPTRecheckDANE(t *testing.T) {
	w := startMailWorld(t)
	dir := t.TempDir()
	write := func(id, domain string) string {
		js := fmt.Sprintf(`{"organization-name":"Google Inc.","report-id":%q,"date-range":{"start-datetime":"2026-12-02T00:00:00Z","end-datetime":"2026-12-02T23:59:59Z"},
"policies":[{"policy":{"policy-type":"tlsa","policy-domain":%q,"policy-string":["3 1 1 00"]},
"summary":{"total-successful-session-count":0,"total-failure-session-count":4},
"failure-details":[{"result-type":"tlsa-invalid","sending-mta-ip":"209.85.220.41","receiving-mx-hostname":"mx1.%s","failed-session-count":4}]}]}`, id, domain, domain)
		path := filepath.Join(dir, id+".json")
		if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		scenario string
		code     int
		verdict  string
	}{
		{"tlsa-mismatch", exitCritical, "reproduces"},
		{"dane-ee", exitWarning, "not-reproduced"},
	} {
		domain := tc.scenario + "." + testworld.MailBase
		code, out, stderr := runTLSRPTCmd(t, append(append([]string{"--recheck"}, w.flags...), write(tc.scenario, domain))...)
		if first, _, _ := strings.Cut(out, "\n"); code != tc.code || !strings.HasSuffix(first, ": "+tc.verdict) {
			t.Errorf("%s: exit %d, verdict line %q; stderr %s", tc.scenario, code, first, stderr)
		}
	}
}

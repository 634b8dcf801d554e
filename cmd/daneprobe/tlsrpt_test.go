package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tlsrptFixtures = "../../testdata/tlsrpt/"

// runTLSRPT runs "daneprobe tlsrpt" in-process with args.
func runTLSRPTCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"daneprobe", "tlsrpt"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestTLSRPTGolden summarises every fixture, as text and as JSON.
func TestTLSRPTGolden(t *testing.T) {
	code, text, stderr := runTLSRPTCmd(t, tlsrptFixtures+"reports")
	if code != exitWarning || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	first, _, _ := strings.Cut(text, "\n")
	if want := "company-y.example: 94.6 % of 5,629 sessions succeeded; 200 failed with starttls-not-supported at mx2.mail.company-y.example (Company-X), 103 otherwise"; first != want {
		t.Errorf("verdict line\n%s\nwant\n%s", first, want)
	}
	golden(t, filepath.Join(tlsrptFixtures, "golden", "summary.txt"), text)

	code, js, _ := runTLSRPTCmd(t, "--json", tlsrptFixtures+"reports")
	if code != exitWarning {
		t.Errorf("--json: exit %d", code)
	}
	var v struct {
		Status  string `json:"status"`
		Reports int    `json:"reports"`
		Domains []struct {
			Domain string `json:"policy_domain"`
			Failed int64  `json:"failed_sessions"`
		} `json:"domains"`
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	if v.Status != "warning" || v.Reports != 9 || len(v.Domains) != 5 || v.Domains[1].Domain != "mail.example" || v.Domains[1].Failed != 147 {
		t.Errorf("JSON %+v", v)
	}
	golden(t, filepath.Join(tlsrptFixtures, "golden", "summary.json"), js)
}

func TestTLSRPTExit(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.json")
	if err := os.WriteFile(clean, []byte(`{"organization-name":"O","report-id":"1","date-range":{"start-datetime":"2026-12-01T00:00:00Z","end-datetime":"2026-12-01T23:59:59Z"},"policies":[{"policy":{"policy-type":"tlsa","policy-domain":"a.example"},"summary":{"total-successful-session-count":9,"total-failure-session-count":0}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"policies":`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a line the output must hold
		stderr string
	}{
		{"no failures", []string{clean}, exitOK, "a.example: 100.0 % of 9 sessions succeeded", ""},
		{"failures", []string{tlsrptFixtures + "reports/google.json"}, exitWarning, "mail.example: 99.2 % of 11,963 sessions succeeded; 90 failed with certificate-host-mismatch at mx2.mail.example (Google Inc.)", ""},
		{"one broken among good", []string{broken, clean}, exitOK, "  " + broken + ": JSON: unexpected EOF", ""},
		{"nothing readable", []string{broken}, exitUnknown, "No TLS report could be read (1 input not read).", ""},
		{"missing file", []string{filepath.Join(dir, "none")}, exitUnknown, "No TLS report could be read", ""},
		{"no arguments", nil, exitUnknown, "", "tlsrpt: want at least one FILE, DIR or -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runTLSRPTCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// TestTLSRPTStdin reads a gzip report from standard input through the
// built binary.
func TestTLSRPTStdin(t *testing.T) {
	gz, err := os.ReadFile(tlsrptFixtures + "reports/google-only.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, string(gz), "tlsrpt", "-")
	if r.code != exitWarning || !strings.HasPrefix(r.stdout, "mail.example: 99.2 % of 11,963 sessions succeeded") || r.stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// mtastsWorld starts the HTTPS policy server and a DNS world serving its
// records in a signed zone sts.test, and returns the flags that point
// daneprobe at both.
func mtastsWorld(t *testing.T) (*testworld.HTTPSWorld, []string) {
	t.Helper()
	h, err := testworld.StartHTTPS(testworld.HTTPSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	d, err := testworld.StartDNS(testworld.DNSOptions{Zones: []testworld.ZoneSpec{{Origin: h.Base, Records: h.Records()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	dir := t.TempDir()
	anchor, err := d.TrustAnchorFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, h.CA.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	// --port 1: check's SMTP probes meet a closed port, whatever MTA
	// this machine runs on port 25.
	return h, []string{"--resolver", d.Addr(), "--trust-anchor", anchor, "--ca-file", ca,
		"--policy-port", strconv.Itoa(h.Port), "--policy-timeout", "2s", "--port", "1"}
}

func runMTASTSCmd(t *testing.T, flags []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append(append([]string{"daneprobe", "mtasts"}, flags...), args...)
	code := run(context.Background(), argv, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMTASTSCommand(t *testing.T) {
	h, flags := mtastsWorld(t)
	tests := []struct {
		scenario string
		code     int
		want     []string
	}{
		{"enforce", exitOK, []string{"MTA-STS enforce.sts.test: OK (senders apply mode enforce)",
			"Record _mta-sts.enforce.sts.test. (DNSSEC secure): valid", "mode: enforce",
			"mx1.enforce.sts.test  covered by \"mx1.enforce.sts.test\"", "TLS-RPT _smtp._tls.enforce.sts.test. (DNSSEC secure): valid",
			"HTTP 200 from 127.0.0.1:"}},
		{"testing", exitOK, []string{"mode testing", "[mode-testing]"}},
		{"crlf", exitOK, []string{"line endings: CRLF"}},
		{"cnametxt", exitOK, []string{"via CNAME _mta-sts.cnametxt.sts.test. -> _mta-sts.enforce.sts.test."}},
		{"notxt", exitWarning, []string{"[policy-without-record]"}},
		{"noname", exitWarning, []string{"[no-mta-sts]"}},
		{"miss", exitCritical, []string{"backup.miss.sts.test  NOT covered", "[mx-pattern-unused]"}},
		{"syntax", exitCritical, []string{"line 1: error: version must be \"STSv1\"", "[policy-invalid]", "[tlsrpt-invalid]"}},
		{"redirect", exitCritical, []string{"fetch failed: redirect-not-allowed (sts-policy-fetch-error)", "https://mta-sts.enforce.example/"}},
		{"notfound", exitCritical, []string{"HTTP 404"}},
		{"oversized", exitCritical, []string{"policy-too-large"}},
		{"htmltype", exitCritical, []string{"fetch failed: content-type", "senders following RFC 8461 §3.2 ignore it"}},
		{"wrongname", exitCritical, []string{"fetch failed: certificate (sts-webpki-invalid)", "www.wrongname.sts.test"}},
		{"expired", exitCritical, []string{"fetch failed: certificate (sts-webpki-invalid)", "expired"}},
		{"twotxt", exitCritical, []string{"several", "[several-records]"}},
		{"badtxt", exitCritical, []string{"malformed", "letters and digits"}},
		{"nohost", exitCritical, []string{"fetch failed: no-address"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			code, out, errOut := runMTASTSCmd(t, flags, h.Domain(tt.scenario))
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestMTASTSCommandJSON(t *testing.T) {
	h, flags := mtastsWorld(t)
	code, out, errOut := runMTASTSCmd(t, append(flags, "--json"), h.Domain("wildcard"))
	if code != exitCritical {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Status mtasts.Status         `json:"status"`
		MTASTS delivery.MTASTSReport `json:"mta_sts"`
		Report mtasts.Report         `json:"mtasts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	rep := doc.Report
	// check's object: the same policy facts, in check's names.
	if doc.Status != rep.Status || doc.MTASTS.Mode != "enforce" || doc.MTASTS.ID == "" || len(doc.MTASTS.Patterns) == 0 || len(doc.MTASTS.MX) != 2 {
		t.Errorf("check's mta_sts object %+v (status %s)", doc.MTASTS, doc.Status)
	}
	if rep.Status != mtasts.StatusCritical || rep.Mode != mtasts.ModeEnforce || len(rep.MX) != 2 || !rep.MX[0].Matched || rep.MX[1].Matched {
		t.Errorf("report %+v", rep)
	}
	for _, key := range []string{`"effective_mode": "enforce"`, `"findings"`, `"dnssec": "secure"`, `"mx_dnssec"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

// TestMTASTSCommandJSONEmptyFindings: a domain without findings has an
// empty findings list, not null, as check --json has.
func TestMTASTSCommandJSONEmptyFindings(t *testing.T) {
	h, flags := mtastsWorld(t)
	code, out, errOut := runMTASTSCmd(t, append(flags, "--json"), h.Domain("enforce"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"findings": []`) {
		t.Errorf("want an empty findings list:\n%s", out)
	}
}

// TestMTASTSCommandWidth: the text report fits an 80-column terminal
// below its verdict line, wrapping long lines (certificates, findings)
// with an indented continuation.
func TestMTASTSCommandWidth(t *testing.T) {
	h, flags := mtastsWorld(t)
	for _, sc := range []string{"enforce", "wildcard"} {
		_, out, _ := runMTASTSCmd(t, flags, h.Domain(sc))
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if !strings.HasPrefix(lines[0], "MTA-STS "+h.Domain(sc)+": ") {
			t.Errorf("%s: first line %q is not the verdict", sc, lines[0])
		}
		wrapped := false
		for _, l := range lines[1:] {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: line of %d columns: %q", sc, n, l)
			}
			wrapped = wrapped || strings.HasPrefix(l, "      ")
		}
		if !wrapped {
			t.Errorf("%s: no continuation line; is the certificate line still whole?\n%s", sc, out)
		}
	}
}

// TestMTASTSCommandTrust shows the policy host's certificate is checked
// against the system roots plus --ca-file: without the test CA the fetch
// fails as sts-webpki-invalid.
func TestMTASTSCommandTrust(t *testing.T) {
	h, flags := mtastsWorld(t)
	var noCA []string
	for i := 0; i < len(flags); i += 2 {
		if flags[i] != "--ca-file" {
			noCA = append(noCA, flags[i], flags[i+1])
		}
	}
	code, out, _ := runMTASTSCmd(t, noCA, h.Domain("enforce"))
	if code != exitCritical || !strings.Contains(out, "sts-webpki-invalid") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestMTASTSCommandUsage(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "x.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "want exactly one DOMAIN"},
		{[]string{"a.test", "b.test"}, "want exactly one DOMAIN"},
		{[]string{"--ca-file", filepath.Join(dir, "missing.pem"), "a.test"}, "--ca-file"},
		{[]string{"--ca-file", notPEM, "a.test"}, "no PEM certificate"},
		{[]string{"--policy-port", "0", "a.test"}, "--policy-port"},
		{[]string{"--policy-timeout", "0s", "a.test"}, "--timeout must be positive"},
		{[]string{"--resolver", "127.0.0.1:1", "not a domain/"}, "not a domain name"},
		{[]string{"--no-such-flag", "a.test"}, "no-such-flag"},
	}
	for _, tt := range tests {
		code, out, errOut := runMTASTSCmd(t, nil, tt.args...)
		if code != exitUnknown || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 3 and %q (stdout %q)", tt.args, code, errOut, tt.want, out)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 && !strings.Contains(errOut, "Usage") && !strings.Contains(errOut, "USAGE") {
			t.Errorf("%v: error is not one line: %q", tt.args, errOut)
		}
	}
}

func TestMTASTSHelp(t *testing.T) {
	code, out, _ := runMTASTSCmd(t, nil, "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"--ca-file", "--json", "--policy-port", "test setups only", "--resolver", "Exit status", "CRITICAL"} {
		if !strings.Contains(out, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

// TestMTASTSTerminalSafe feeds the text renderer a policy holding escape
// sequences, as a hostile policy host could serve.
func TestMTASTSTerminalSafe(t *testing.T) {
	pol, _ := mtasts.ParsePolicy([]byte("version: STSv1\nmode: enforce\x1b]0;pwned\x07\nmx: \x1b[2Jmx.example\u202e\nmax_age: 86400\n"))
	rep := &mtasts.Report{Domain: "evil.test", Record: &mtasts.RecordResult{}, TLSRPT: &tlsrpt.RecordResult{}, Policy: pol,
		Fetch: &mtasts.FetchResult{URL: "https://mta-sts.evil.test/.well-known/mta-sts.txt", Detail: "x"}}
	var out bytes.Buffer
	printMTASTS(&out, rep)
	s := out.String()
	if strings.ContainsAny(s, "\x1b\x07\u202e") {
		t.Errorf("control characters reached the terminal:\n%q", s)
	}
	if !strings.Contains(s, `\x1b[2Jmx.example\u202e`) {
		t.Errorf("escaped form missing:\n%s", s)
	}
}

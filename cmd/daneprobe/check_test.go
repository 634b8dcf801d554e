package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/check")

// mailWorld is a running mail world with the flags that point check at it.
type mailWorld struct {
	*testworld.Mail
	flags []string
}

// startMailWorld starts the mail world for one test.
func startMailWorld(t *testing.T) *mailWorld {
	t.Helper()
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	return &mailWorld{Mail: w, flags: append(flags, "--helo", "checker.daneprobe.test", "--timeout", "5s")}
}

// startWorldWithFlags starts a mail world for one test and returns it with
// the directory holding its trust anchor and CA files and the flags that
// point check and scan at it (as "demo --serve" prints them).
func startWorldWithFlags(t *testing.T, opts testworld.MailOptions) (*testworld.Mail, string, []string) {
	t.Helper()
	w, err := testworld.StartMail(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	dir := t.TempDir()
	anchor, err := w.TrustAnchorFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := w.CAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	return w, dir, []string{
		"--resolver", w.Resolver(), "--trust-anchor", anchor, "--ca-file", ca,
		"--port", strconv.Itoa(w.Port), "--policy-port", strconv.Itoa(w.PolicyPort),
	}
}

// check runs "daneprobe check" with the world's flags and extra args.
func (w *mailWorld) check(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	all := append(append([]string{"daneprobe", "check"}, w.flags...), args...)
	code := run(context.Background(), all, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func demoScenarios(t *testing.T) []testworld.MailScenario {
	t.Helper()
	s := testworld.MailScenarios()
	if len(s) == 0 {
		t.Fatal("empty mail scenario catalogue")
	}
	return s
}

// The tests of this file do not run in parallel: urfave/cli applies its
// shared help flag on every run, which the race detector reports.

// TestCheckVerdicts runs check end to end against every curated domain of
// the mail world, one per kind of verdict, and asserts the JSON fields and
// the exit status.
func TestCheckVerdicts(t *testing.T) {
	w := startMailWorld(t)
	for _, s := range w.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			code, out, errOut := w.check(t, "--json", s.Domain)
			if code != s.ExitCode {
				t.Errorf("exit %d, want %d; stderr %s", code, s.ExitCode, errOut)
			}
			var r struct {
				Domain string `json:"domain"`
				Status string `json:"status"`
				DANE   string `json:"dane"`
				MTASTS struct {
					Mode   string `json:"mode"`
					Result string `json:"result"`
					MX     []struct {
						Host   string `json:"host"`
						Result string `json:"result"`
					} `json:"mx"`
				} `json:"mta_sts"`
				MX []struct {
					Host       string `json:"host"`
					Preference int    `json:"preference"`
					DNSSEC     string `json:"dnssec"`
					TLSA       *struct {
						DNSSEC  string            `json:"dnssec"`
						Records []json.RawMessage `json:"records"`
					} `json:"tlsa"`
					Addresses []struct {
						IP         string `json:"ip"`
						STARTTLS   bool   `json:"starttls"`
						TLSVersion string `json:"tls_version"`
						DANE       string `json:"dane"`
						MTASTS     string `json:"mta_sts"`
						Error      string `json:"error"`
					} `json:"addresses"`
				} `json:"mx"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("JSON: %v\n%s", err, out)
			}
			if r.Domain != s.Domain || r.Status != s.Status || r.DANE != s.DANE || r.MTASTS.Result != s.MTASTS {
				t.Errorf("domain %s status %s dane %s mta_sts %s, want %s %s %s %s\n%s",
					r.Domain, r.Status, r.DANE, r.MTASTS.Result, s.Domain, s.Status, s.DANE, s.MTASTS, out)
			}
			checkScenarioDetails(t, s.Name, r.DANE, len(r.MX), func(i int) (string, string, int, string) {
				m := r.MX[i]
				tl := ""
				if m.TLSA != nil {
					tl = m.TLSA.DNSSEC
				}
				addr := ""
				if len(m.Addresses) > 0 {
					addr = m.Addresses[0].DANE
				}
				return m.Host, tl, len(m.Addresses), addr
			})
		})
	}
}

// checkScenarioDetails checks the per-MX facts that make each scenario
// what it is.
func checkScenarioDetails(t *testing.T, name, dane string, nmx int, mx func(int) (host, tlsaDNSSEC string, addrs int, addrDANE string)) {
	t.Helper()
	switch name {
	case "null-mx", "bogus-mx":
		if nmx != 0 {
			t.Errorf("%s: %d MX hosts, want none", name, nmx)
		}
	case "partial", "dual-stack":
		if nmx != 2 {
			t.Fatalf("%s: %d MX hosts, want 2", name, nmx)
		}
		_, _, _, a1 := mx(0)
		_, _, _, a2 := mx(1)
		want2 := "verified"
		if name == "partial" {
			want2 = "failed"
		}
		if a1 != "verified" || a2 != want2 {
			t.Errorf("%s: address verdicts %s %s", name, a1, a2)
		}
	case "implicit-mx":
		if h, _, _, a := mx(0); nmx != 1 || h != "implicit-mx."+testworld.MailBase || a != "verified" {
			t.Errorf("implicit MX: %s %s", h, a)
		}
	case "bogus-tlsa":
		if _, tl, _, a := mx(0); tl != "bogus" || a != "failed" {
			t.Errorf("bogus TLSA: tlsa %s address %s", tl, a)
		}
	case "tlsa-servfail":
		if _, tl, _, a := mx(0); tl != "indeterminate" || a != "failed" {
			t.Errorf("TLSA SERVFAIL: tlsa %s address %s", tl, a)
		}
	case "sts-enforce", "unprotected":
		if _, tl, _, _ := mx(0); tl != "" {
			t.Errorf("%s: TLSA looked up (%s) although the addresses are insecure (RFC 7672 §2.2.2)", name, tl)
		}
	}
}

// scrubber replaces what changes from run to run: digests (fresh keys),
// dates, durations, ports and query counts.
func scrubber(w *mailWorld) func(string) string {
	type rule struct {
		re   *regexp.Regexp
		with string
	}
	rules := []rule{
		{regexp.MustCompile(`[0-9a-f]{64}`), "<sha256>"},
		{regexp.MustCompile(`[0-9a-f]{8}\.\.\.[0-9a-f]{8}`), "<digest>"},
		{regexp.MustCompile(`[0-9a-f]{16}…`), "<digest>…"},
		{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`), "<time>"},
		{regexp.MustCompile(`\d{4}-\d\d-\d\d`), "<date>"},
		{regexp.MustCompile(`\d+\.\d{3}s`), "<t>"},
		{regexp.MustCompile(`\d+ DNS quer(y|ies)`), "<n> DNS queries"},
		{regexp.MustCompile(`_` + strconv.Itoa(w.Port) + `\._tcp`), "_PORT._tcp"},
		{regexp.MustCompile(`:` + strconv.Itoa(w.Port) + `\b`), ":PORT"},
		{regexp.MustCompile(`:` + strconv.Itoa(w.PolicyPort) + `\b`), ":POLICYPORT"},
	}
	return func(s string) string {
		for _, r := range rules {
			s = r.re.ReplaceAllString(s, r.with)
		}
		return s
	}
}

// TestCheckGolden compares the text output for every curated domain with
// testdata/check/NAME.txt (refresh with go test -update). IPv4 only, so
// that the files do not depend on the machine having IPv6 loopback.
func TestCheckGolden(t *testing.T) {
	w := startMailWorld(t)
	scrub := scrubber(w)
	for _, s := range w.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			code, out, errOut := w.check(t, "-4", s.Domain)
			if code != s.ExitCode {
				t.Errorf("exit %d, want %d; stderr %s", code, s.ExitCode, errOut)
			}
			if strings.Contains(out, "\x1b[") {
				t.Errorf("colour in output to a pipe")
			}
			golden(t, filepath.Join("..", "..", "testdata", "check", s.Name+".txt"), scrub(out))
		})
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestCheckNagios checks the monitoring-plugin output: one status line
// with performance data for the worst status, and the matching exit code.
func TestCheckNagios(t *testing.T) {
	w := startMailWorld(t)
	for _, c := range []struct {
		domains []string
		label   string
		code    int
	}{
		{[]string{"dane-ee.mail.test"}, "OK", exitOK},
		{[]string{"partial.mail.test"}, "WARNING", exitWarning},
		{[]string{"tlsa-mismatch.mail.test"}, "CRITICAL", exitCritical},
		{[]string{"dane-ee.mail.test", "partial.mail.test", "tlsa-servfail.mail.test"}, "CRITICAL", exitCritical},
	} {
		code, out, errOut := w.check(t, append([]string{"--nagios"}, c.domains...)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d; %s", c.domains, code, c.code, errOut)
		}
		first, _, _ := strings.Cut(out, "\n")
		if !strings.HasPrefix(first, "DANE "+c.label+" - ") || !strings.Contains(first, "|") || !strings.Contains(first, "time=") {
			t.Errorf("%v: status line %q", c.domains, first)
		}
		if len(c.domains) > 1 && strings.Count(out, "\n") < len(c.domains) {
			t.Errorf("%v: no long output per domain:\n%s", c.domains, out)
		}
	}
}

// TestCheckWorstWins checks that with several domains the exit status is
// the worst one, and that the text output has one verdict line each.
func TestCheckWorstWins(t *testing.T) {
	w := startMailWorld(t)
	for _, c := range []struct {
		domains []string
		code    int
	}{
		{[]string{"dane-ee.mail.test", "null-mx.mail.test"}, exitOK},
		{[]string{"dane-ee.mail.test", "unusable-tlsa.mail.test"}, exitWarning},
		{[]string{"partial.mail.test", "no-starttls.mail.test", "dane-ta.mail.test"}, exitCritical},
	} {
		code, out, _ := w.check(t, c.domains...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d", c.domains, code, c.code)
		}
		for _, d := range c.domains {
			if !strings.Contains(out, d+": ") {
				t.Errorf("%v: no verdict line for %s", c.domains, d)
			}
		}
	}
}

// TestCheckQuiet checks --quiet: silence when every domain is OK, only
// the non-OK domains otherwise.
func TestCheckQuiet(t *testing.T) {
	w := startMailWorld(t)
	code, out, _ := w.check(t, "--quiet", "dane-ee.mail.test", "null-mx.mail.test")
	if code != exitOK || out != "" {
		t.Errorf("all OK: exit %d, output %q", code, out)
	}
	code, out, _ = w.check(t, "-q", "dane-ee.mail.test", "partial.mail.test")
	if code != exitWarning || !strings.Contains(out, "partial.mail.test: WARNING") || strings.Contains(out, "dane-ee.mail.test: OK") {
		t.Errorf("one warning: exit %d, output:\n%s", code, out)
	}
}

// TestCheckQuietMonitoring: --quiet does not silence --nagios or
// --prometheus, since a plugin without a status line and a textfile
// without series both read as broken to the monitoring system.
func TestCheckQuietMonitoring(t *testing.T) {
	w := startMailWorld(t)
	code, out, _ := w.check(t, "--quiet", "--nagios", "dane-ee.mail.test")
	if code != exitOK || !strings.HasPrefix(out, "DANE OK - dane-ee.mail.test") {
		t.Errorf("--quiet --nagios: exit %d, output %q", code, out)
	}
	code, out, _ = w.check(t, "-q", "--prometheus", "dane-ee.mail.test")
	if code != exitOK || !strings.Contains(out, `daneprobe_status{domain="dane-ee.mail.test"} 0`) {
		t.Errorf("-q --prometheus: exit %d, output %q", code, out)
	}
	code, out, _ = w.check(t, "-q", "--json", "dane-ee.mail.test")
	if code != exitOK || out != "" {
		t.Errorf("-q --json, all OK: exit %d, output %q", code, out)
	}
}

// TestCheckTextFits80Columns: every line of the text report but the
// verdict line fits an 80-column terminal, and the verdict line stays one
// line (grep, head -1, cron mail).
// zoneRecordLine is a whole TLSA record in zone-file form, which the text
// report never wraps.
var zoneRecordLine = regexp.MustCompile(`^ +_[0-9]+\._tcp\.[a-z0-9.-]+\. IN TLSA [0-3] [01] [0-2] [0-9a-f]+$`)

func TestCheckTextFits80Columns(t *testing.T) {
	w := startMailWorld(t)
	_, out, _ := w.check(t, "partial.mail.test", "sts-enforce-fail.mail.test", "unusable-tlsa.mail.test")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	verdicts := 0
	for i, l := range lines {
		if l != "" && !strings.HasPrefix(l, " ") {
			// A verdict line: whole, so the next line is the first detail.
			verdicts++
			if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "  DANE sender:") {
				t.Errorf("verdict line %d is followed by %q, want the DANE sender line", i+1, lines[i+1])
			}
			continue
		}
		// An unusable record keeps its digest whole and marked; the record
		// that would match is whole, to paste into a zone.
		if n := utf8.RuneCountInString(l); n > 80 && !strings.HasSuffix(l, "  unusable") && !zoneRecordLine.MatchString(l) {
			t.Errorf("line %d has %d columns: %q", i+1, n, l)
		}
	}
	if verdicts != 3 {
		t.Errorf("%d verdict lines, want 3:\n%s", verdicts, out)
	}
}

// TestCheckEnvironment checks that the common flags can come from
// DANEPROBE_* environment variables.
func TestCheckEnvironment(t *testing.T) {
	w := startMailWorld(t)
	get := func(name string) string {
		for i, f := range w.flags {
			if f == name {
				return w.flags[i+1]
			}
		}
		t.Fatalf("no flag %s", name)
		return ""
	}
	t.Setenv("DANEPROBE_RESOLVER", get("--resolver"))
	t.Setenv("DANEPROBE_TRUST_ANCHOR", get("--trust-anchor"))
	t.Setenv("DANEPROBE_CA_FILE", get("--ca-file"))
	t.Setenv("DANEPROBE_PORT", get("--port"))
	t.Setenv("DANEPROBE_POLICY_PORT", get("--policy-port"))
	t.Setenv("DANEPROBE_HELO", "env.daneprobe.test")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"daneprobe", "check", "sts-enforce.mail.test", "dane-ee.mail.test"}, &stdout, &stderr)
	if code != exitOK {
		t.Errorf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestCheckUsage checks usage errors (exit 3, one line, no stack), an
// unreachable resolver (exit 3) and the help text.
func TestCheckUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "at least one DOMAIN"},
		{[]string{"check", "--port", "0", "example.org"}, "--port"},
		{[]string{"check", "--policy-port", "70000", "example.org"}, "--policy-port"},
		{[]string{"check", "--json", "--nagios", "example.org"}, "choose one"},
		{[]string{"check", "-4", "-6", "example.org"}, "exclude each other"},
		{[]string{"check", "--timeout", "0s", "example.org"}, "--timeout"},
		{[]string{"check", "--deadline", "-1s", "example.org"}, "--deadline"},
		{[]string{"check", "--ca-file", bad, "example.org"}, "no PEM certificate"},
		{[]string{"check", "--ca-file", filepath.Join(dir, "missing"), "example.org"}, "--ca-file"},
		{[]string{"check", "--resolver", "not a host:port:x", "example.org"}, "--resolver"},
		{[]string{"check", "--at", "tomorrow", "example.org"}, "RFC 3339"},
		{[]string{"check", "--no-such-flag", "example.org"}, "no-such-flag"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, c.args...), &stdout, &stderr)
		if code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", c.args, code, exitUnknown)
		}
		if !strings.Contains(stderr.String(), c.want) || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("%v: stderr %q, want it to mention %q", c.args, stderr.String(), c.want)
		}
	}

	// No upstream answers: UNKNOWN, not a verdict about the domain.
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"daneprobe", "check", "--resolver", "127.0.0.1:1", "--dns-timeout", "300ms", "--json", "example.org"}, &stdout, &stderr)
	if code != exitUnknown || !strings.Contains(stdout.String(), `"status": "unknown"`) {
		t.Errorf("unreachable resolver: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"daneprobe", "check", "--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"Exit status", "UNKNOWN", "verified", "partial", "--resolver", "--trust-anchor", "--ca-file",
		"--port", "--helo", "--timeout", "--deadline", "-4", "-6", "--json", "--nagios", "--quiet", "--at", "--policy-port", "DANEPROBE_RESOLVER"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestCheckBadDomain checks that a name that cannot be a domain gives an
// UNKNOWN report, not a crash.
func TestCheckBadDomain(t *testing.T) {
	w := startMailWorld(t)
	code, out, errOut := w.check(t, "--json", "exa mple..org")
	if code != exitUnknown || !strings.Contains(out, `"status": "unknown"`) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	_ = fmt.Sprint()

	// An empty name or the root is a usage error: a report for it would
	// have a verdict line without a domain.
	for _, d := range []string{"", ".", " "} {
		code, out, errOut := w.check(t, "dane-ee.mail.test", d)
		if code != exitUnknown || out != "" || !strings.Contains(errOut, "is not a mail domain") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", d, code, out, errOut)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// lookupWorld starts a DNS test world and returns the flags that point
// daneprobe at it.
func lookupWorld(t *testing.T, opts testworld.DNSOptions) []string {
	t.Helper()
	w, err := testworld.StartDNS(opts)
	if err != nil {
		t.Fatalf("start DNS test world: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	anchor, err := w.TrustAnchorFile(t.TempDir())
	if err != nil {
		t.Fatalf("write trust anchor file: %v", err)
	}
	return []string{"--resolver", w.Addr(), "--trust-anchor", anchor}
}

func runLookupCmd(t *testing.T, flags []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	argv := append(append([]string{"daneprobe", "lookup"}, flags...), args...)
	code := run(ctx, argv, &out, &errb)
	return code, out.String(), errb.String()
}

func TestLookupCommand(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings expected on stdout
		stderr   string   // substring expected on stderr
		noStdout bool
	}{
		{"secure TLSA", []string{"_25._tcp.mx.bench.test.", "TLSA"}, exitOK,
			[]string{"_25._tcp.mx.bench.test.\t", "TLSA\t3 1 1", "; security: secure"}, "", false},
		{"default type A, no trailing dot", []string{"www.alg13.test"}, exitOK,
			[]string{"www.alg13.test.\t", "192.0.2.1", "; security: secure"}, "", false},
		{"type in lower case", []string{"www.alg8.test", "a"}, exitOK, []string{"; security: secure"}, "", false},
		{"nxdomain", []string{"nope.nsec.test", "A"}, exitOK, []string{"NXDOMAIN", "; security: secure"}, "", false},
		{"nodata", []string{"www.nsec3.test", "AAAA"}, exitOK, []string{"NODATA", "; security: secure"}, "", false},
		{"insecure", []string{"www.unsigned.nsec.test", "A"}, exitOK, []string{"; security: insecure (unsigned-delegation)"}, "", false},
		{"bogus exits 2", []string{"www.expired.test", "A"}, exitCritical, []string{"; security: bogus (signature-expired)"}, "", false},
		{"warning for SHA-1", []string{"www.alg5.test", "A"}, exitOK, []string{"; security: secure", "; warning: zone alg5.test. is signed with SHA-1"}, "", false},
		{"trace", []string{"--trace", "_25._tcp.mx.bench.test.", "TLSA"}, exitOK,
			[]string{"; chain:", ";   zone .: secure", ";   zone test.: secure", ";   zone bench.test.: secure", "matched by DS/anchor", "RRSIG _25._tcp.mx.bench.test. TLSA by key"}, "", false},
		{"not a name", []string{"exa mple..com", "A"}, exitUnknown, nil, "is not a domain name", true},
		{"unknown type", []string{"www.alg13.test", "BOGUSTYPE"}, exitUnknown, nil, "unknown record type", true},
		{"meta type", []string{"www.alg13.test", "ANY"}, exitUnknown, nil, "cannot be looked up", true},
		{"generic type", []string{"www.alg13.test", "TYPE1"}, exitOK, []string{"192.0.2.1", "; security: secure"}, "", false},
		{"too many args", []string{"a.test", "A", "x"}, exitUnknown, nil, "want NAME [TYPE]", true},
		{"no args", nil, exitUnknown, nil, "want NAME [TYPE]", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runLookupCmd(t, world, tc.args...)
			t.Logf("stdout:\n%s", out)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if tc.stderr != "" && !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr lacks %q: %s", tc.stderr, errs)
			}
			if tc.noStdout && out != "" {
				t.Errorf("unexpected stdout: %s", out)
			}
			if strings.Contains(errs, "goroutine") || strings.Count(errs, "\n") > 1 {
				t.Errorf("stderr is not one line: %s", errs)
			}
		})
	}
}

func TestLookupJSON(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	code, out, errs := runLookupCmd(t, world, "--json", "--trace", "www.dsmismatch.test", "A")
	if code != exitCritical {
		t.Fatalf("exit %d, want 2; stderr %s", code, errs)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	for k, want := range map[string]any{"name": "www.dsmismatch.test.", "type": "A", "rcode": "NOERROR", "security": "bogus", "reason": "ds-mismatch"} {
		if j[k] != want {
			t.Errorf("%s = %v, want %v", k, j[k], want)
		}
	}
	if _, ok := j["answer"].([]any); !ok {
		t.Errorf("answer is not a list: %v", j["answer"])
	}
	chain, ok := j["chain"].([]any)
	if !ok || len(chain) < 2 {
		t.Fatalf("chain missing or short: %v", j["chain"])
	}
	if z := chain[0].(map[string]any)["zone"]; z != "." {
		t.Errorf("chain starts at %v, want the root", z)
	}

	code, out, _ = runLookupCmd(t, world, "--json", "_25._tcp.mx.bench.test", "TLSA")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	j = nil
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if j["security"] != "secure" || j["dnssec"] != "secure" || j["reason"] != "" || len(j["answer"].([]any)) != 1 {
		t.Errorf("unexpected JSON: %s", out)
	}
	if _, ok := j["chain"]; ok {
		t.Errorf("chain present without --trace")
	}
}

// TestLookupAt validates as of a moment after the world's signatures
// expire (they are valid for 30 days).
func TestLookupAt(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	later := time.Now().Add(45 * 24 * time.Hour).UTC().Format(time.RFC3339)
	code, out, _ := runLookupCmd(t, world, append([]string{"--at", later}, "www.alg13.test", "A")...)
	if code != exitCritical || !strings.Contains(out, "signature-expired") {
		t.Errorf("--at %s: exit %d, output:\n%s", later, code, out)
	}
	code, out, _ = runLookupCmd(t, world, append([]string{"--at", time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, "www.alg13.test", "A")...)
	if code != exitOK || !strings.Contains(out, "; security: secure") {
		t.Errorf("--at tomorrow: exit %d, output:\n%s", code, out)
	}
}

func TestLookupBadFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"bad --at", []string{"--resolver", "127.0.0.1:1", "--at", "next friday"}, "RFC 3339"},
		{"missing anchor file", []string{"--resolver", "127.0.0.1:1", "--trust-anchor", dir + "/nope"}, "--trust-anchor"},
		{"anchor file of something else", []string{"--resolver", "127.0.0.1:1", "--trust-anchor", "lookup_test.go"}, "want DS or DNSKEY records in zone-file syntax, or IANA's root-anchors.xml"},
		{"bad resolver", []string{"--resolver", "127.0.0.1:99999"}, "bad port"},
		{"bad timeout", []string{"--resolver", "127.0.0.1", "--timeout", "-1s"}, "--timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runLookupCmd(t, tc.flags, "www.example.test", "A")
			if code != exitUnknown || !strings.Contains(errs, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 3 and %q", code, errs, out, tc.want)
			}
		})
	}
}

// TestLookupNoUpstream points lookup at a port nobody listens on.
func TestLookupNoUpstream(t *testing.T) {
	code, _, errs := runLookupCmd(t, []string{"--resolver", "127.0.0.1:9", "--timeout", "300ms"}, "www.example.test", "A")
	if code != exitUnknown || !strings.Contains(errs, "no DNS resolver answered (tried 127.0.0.1:9: connection refused): give a recursive resolver") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestLookupStrippingUpstream: an upstream that strips DNSSEC records
// gives indeterminate with advice, never insecure.
func TestLookupStrippingUpstream(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{StripDNSSEC: true})
	code, out, _ := runLookupCmd(t, world, "www.alg13.test", "A")
	if code != exitUnknown || !strings.Contains(out, "upstream-strips-dnssec") || !strings.Contains(out, "--resolver") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestLookupHelp(t *testing.T) {
	code, out, _ := runLookupCmd(t, nil, "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"--resolver", "--trust-anchor", "--at", "--json", "--trace", "Exit status", "bogus"} {
		if !strings.Contains(out, s) {
			t.Errorf("help lacks %q", s)
		}
	}
}

var updateLookupGolden = flag.Bool("update-lookup", false, "rewrite the golden files of the lookup command in testdata/check/lookup")

// TestLookupGolden pins the output format of lookup for answers whose
// output does not depend on keys or time.
func TestLookupGolden(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"tlsa-secure.txt", []string{"_25._tcp.mx.bench.test", "TLSA"}},
		{"tlsa-secure.json", []string{"--json", "_25._tcp.mx.bench.test", "TLSA"}},
		{"nxdomain-nsec3.txt", []string{"nope.nsec3.test", "A"}},
		{"nodata-tlsa.json", []string{"--json", "_25._tcp.mx.nsec.test", "TLSA"}},
		{"insecure.txt", []string{"www.unsigned.nsec.test", "A"}},
		{"cname-signed.txt", []string{"alias.nsec.test", "A"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, out, _ := runLookupCmd(t, world, tc.args...)
			path := filepath.Join("..", "..", "testdata", "check", "lookup", tc.file)
			if *updateLookupGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update-lookup to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n got:\n%s\nwant:\n%s", path, out, want)
			}
		})
	}
}

// TestLookupPolicyFlags: --no-sha1 turns a secure RSASHA1 zone insecure
// (RFC 8624 §3.1), and --nsec3-iterations moves the RFC 9276 §3.2 cap
// that the 200-iteration zone is judged by.
func TestLookupPolicyFlags(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	for _, tc := range []struct {
		flags    []string
		name     string
		code     int
		security string
	}{
		{nil, "www.alg5.test.", exitOK, "; security: secure"},
		{[]string{"--no-sha1"}, "www.alg5.test.", exitOK, "; security: insecure (unsupported-algorithm)"},
		{nil, "nope.iterations.test.", exitOK, "; security: insecure (nsec3-iterations-too-high)"},
		{[]string{"--nsec3-iterations", "300"}, "nope.iterations.test.", exitOK, "; security: secure"},
		{[]string{"--nsec3-iterations", "0"}, "www.alg13.test.", exitUnknown, ""},
	} {
		code, out, errOut := runLookupCmd(t, append(append([]string{}, world...), tc.flags...), tc.name, "A")
		if code != tc.code {
			t.Errorf("%v %s: exit %d, want %d (stderr %s)", tc.flags, tc.name, code, tc.code, errOut)
		}
		if tc.security != "" && !strings.Contains(out, tc.security) {
			t.Errorf("%v %s: output lacks %q:\n%s", tc.flags, tc.name, tc.security, out)
		}
	}
}

// TestLookupOrder: the records come first in zone-file form, then the
// verdict; records of a bogus answer are printed as comments so they can
// never be read or pasted as the result.
func TestLookupOrder(t *testing.T) {
	world := lookupWorld(t, testworld.DNSOptions{})
	for _, tc := range []struct {
		name, first, later string
	}{
		{"www.expired.test", "; not validated: www.expired.test.\t", "; security: bogus (signature-expired)"},
		{"www.alg13.test", "www.alg13.test.\t", "; security: secure"},
		{"nope.nsec3.test", "; security: secure", "NXDOMAIN"},
	} {
		_, out, _ := runLookupCmd(t, world, tc.name, "A")
		first, rest, _ := strings.Cut(out, "\n")
		if !strings.HasPrefix(first, tc.first) || !strings.Contains(rest, tc.later) {
			t.Errorf("%s: first line %q (want %q), then:\n%s", tc.name, first, tc.first, rest)
		}
	}
}

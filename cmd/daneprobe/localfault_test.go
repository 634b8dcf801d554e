package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// localFaultFlags returns resolver flags for the two local faults of issue
// 11 §1: an upstream that strips DNSSEC records, and a trust anchor that
// is not the root's (the anchor of another test world).
func localFaultFlags(t *testing.T) map[string][]string {
	t.Helper()
	start := func(opts testworld.DNSOptions) *testworld.DNS {
		w, err := testworld.StartDNS(opts)
		if err != nil {
			t.Fatalf("start DNS test world: %v", err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	anchorOf := func(w *testworld.DNS) string {
		a, err := w.TrustAnchorFile(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	strip := start(testworld.DNSOptions{StripDNSSEC: true})
	good, other := start(testworld.DNSOptions{}), start(testworld.DNSOptions{})
	nx := start(testworld.DNSOptions{RootDNSKEYNXDomain: true})
	return map[string][]string{
		"strips":        {"--resolver", strip.Addr(), "--trust-anchor", anchorOf(strip)},
		"wrong-anchor":  {"--resolver", good.Addr(), "--trust-anchor", anchorOf(other)},
		"root-nxdomain": {"--resolver", nx.Addr(), "--trust-anchor", anchorOf(nx)},
	}
}

// TestLocalFaultsUnknown runs the built binary against a stripping
// upstream, a trust anchor of another root and an upstream that answers
// ". DNSKEY" with NXDOMAIN: every command says UNKNOWN (exit 3) with the
// local cause, in every output format, and never a verdict about the
// domain ("does not exist", "no protection", "every sender defers").
func TestLocalFaultsUnknown(t *testing.T) {
	faults := localFaultFlags(t)
	reasons := map[string]string{
		"strips":        "upstream-strips-dnssec",
		"wrong-anchor":  "trust-anchor-mismatch",
		"root-nxdomain": "upstream-strips-dnssec",
	}
	cmds := []struct {
		name string
		args []string
	}{
		{"check text", []string{"check", "--timeout", "5s"}},
		{"check json", []string{"check", "--timeout", "5s", "--json"}},
		{"check nagios", []string{"check", "--timeout", "5s", "--nagios"}},
		{"check prometheus", []string{"check", "--timeout", "5s", "--prometheus"}},
		{"lookup", []string{"lookup"}},
		{"lookup json", []string{"lookup", "--json"}},
		{"mtasts", []string{"mtasts"}},
		{"mtasts json", []string{"mtasts", "--json"}},
	}
	for fault, flags := range faults {
		for _, c := range cmds {
			t.Run(fault+"/"+c.name, func(t *testing.T) {
				args := append(append(append([]string{}, c.args[0]), flags...), c.args[1:]...)
				args = append(args, "alg13.test")
				if c.args[0] == "lookup" {
					args = append(args, "MX")
				}
				r := runBinary(t, nil, "", args...)
				out := strings.Join(strings.Fields(r.stdout+r.stderr), " ") // wrapped text reads as one line
				t.Logf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				if r.code != exitUnknown {
					t.Errorf("exit %d, want %d", r.code, exitUnknown)
				}
				if !strings.Contains(out, reasons[fault]) {
					t.Errorf("output does not name %q", reasons[fault])
				}
				if strings.HasSuffix(c.name, "json") && !strings.Contains(out, `"local_fault": "`+reasons[fault]+`"`) && c.args[0] != "lookup" {
					t.Errorf("JSON has no local_fault %q", reasons[fault])
				}
				if fault == "wrong-anchor" && !strings.Contains(c.name, "prometheus") && !strings.Contains(out, "expects key tags") {
					t.Errorf("output does not say which anchor tags were expected")
				}
				for _, bad := range []string{"does not exist", "no protection", "every sender defers", "NXDOMAIN for the domain"} {
					if strings.Contains(out, bad) {
						t.Errorf("output claims %q about the domain", bad)
					}
				}
			})
		}
	}
}

// TestLocalFaultsStopScan: scan stops before writing anything, like for
// an unreachable resolver, with one line naming the local cause.
func TestLocalFaultsStopScan(t *testing.T) {
	faults := localFaultFlags(t)
	reasons := map[string]string{
		"strips":        "upstream-strips-dnssec",
		"wrong-anchor":  "trust-anchor-mismatch",
		"root-nxdomain": "upstream-strips-dnssec",
	}
	for fault, flags := range faults {
		t.Run(fault, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.jsonl")
			r := runBinary(t, nil, "alg13.test\nexample.test\n", append(append([]string{"scan"}, flags...), "--out", out)...)
			if r.code != exitUnknown {
				t.Errorf("exit %d, want %d\n%s%s", r.code, exitUnknown, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, reasons[fault]) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("stderr is not one line naming %q: %q", reasons[fault], r.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("scan wrote %s despite the local fault", out)
			}
		})
	}
}

// TestLookupRefusedTypes: ANY and RRSIG have no RRset of their own to
// validate: exit 3 before any query, one stderr line, and with --json a
// JSON object on stdout (issue 11 §3).
func TestLookupRefusedTypes(t *testing.T) {
	for _, qtype := range []string{"ANY", "RRSIG", "rrsig"} {
		for _, js := range []bool{false, true} {
			args := []string{"lookup", "--resolver", "127.0.0.1:1", "www.example.test", qtype}
			if js {
				args = append(args, "--json")
			}
			r := runBinary(t, nil, "", args...)
			if r.code != exitUnknown || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "cannot be looked up and validated") {
				t.Errorf("%s json=%v: exit %d, stderr %q", qtype, js, r.code, r.stderr)
			}
			var obj struct{ Name, Type, Security, Error string }
			err := json.Unmarshal([]byte(r.stdout), &obj)
			switch {
			case js && (err != nil || obj.Type != strings.ToUpper(qtype) || obj.Security != "indeterminate" || obj.Error == ""):
				t.Errorf("%s --json: stdout %q (%v)", qtype, r.stdout, err)
			case !js && r.stdout != "":
				t.Errorf("%s: text mode printed %q", qtype, r.stdout)
			}
		}
	}
}

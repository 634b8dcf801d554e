package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/tlsa"
)

// TestFlagsFirst: the flags of a command move before its arguments, with
// their values; "--" still ends the flags; lines without a known command
// stay as they are.
func TestFlagsFirst(t *testing.T) {
	cmds := commandList()
	for _, tc := range []struct {
		in, want string
	}{
		{"check example.org --json", "check --json example.org"},
		{"check example.org -q", "check -q example.org"},
		{"check a.example --timeout 5s b.example --json", "check --timeout 5s --json a.example b.example"},
		{"check a.example --timeout=5s", "check --timeout=5s a.example"},
		{"check example.org -- --json", "check -- example.org --json"},
		{"check -- -x.example", "check -- -x.example"},
		{"lookup NAME TYPE --trace", "lookup --trace NAME TYPE"},
		{"lookup NAME --resolver 127.0.0.1:53 A", "lookup --resolver 127.0.0.1:53 NAME A"},
		{"mtasts example.org --json", "mtasts --json example.org"},
		{"tlsa verify 3_1_1_ab --cert f.pem", "tlsa verify --cert f.pem 3_1_1_ab"},
		{"scan - --out o.jsonl", "scan --out o.jsonl -"},
		{"scan list --rate -1", "scan --rate -1 list"},
		{"check example.org --bogus", "check --bogus example.org"},
		{"check example.org --json=false", "check --json=false example.org"},
		{"check example.org --help", "check --help example.org"},
		{"nosuch a --json", "nosuch a --json"},
		{"--help check", "--help check"},
		{"tlsa nosuch --json", "tlsa nosuch --json"},
		{"check", "check"},
	} {
		// "_" stands for a space inside one word (a record argument).
		in := append([]string{"daneprobe"}, splitKeep(tc.in)...)
		want := append([]string{"daneprobe"}, splitKeep(tc.want)...)
		if got := flagsFirst(cmds, in); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, want)
		}
	}
}

// splitKeep splits at spaces; "_" stands for a space inside one word.
func splitKeep(s string) []string {
	f := strings.Fields(s)
	for i, w := range f {
		f[i] = strings.ReplaceAll(w, "_", " ")
	}
	return f
}

// TestFlagsAnywhereBinary: through the built binary, flags after the
// arguments work as if they came first, and "--" ends the flags.
func TestFlagsAnywhereBinary(t *testing.T) {
	w := startMailWorld(t)
	f := newTLSAFixture(t)
	rec := f.rec(t, f.leaf, tlsa.DANEEE, tlsa.SPKI, tlsa.SHA256)
	isJSON := func(s string) bool {
		var v map[string]any
		return json.Unmarshal([]byte(s), &v) == nil
	}
	resolverFlags := w.flags[:4] // --resolver, --trust-anchor and their values

	// check D --json
	r := runBinary(t, nil, "", append(append([]string{"check", "dane-ee.mail.test"}, w.flags...), "--json")...)
	if r.code != exitOK || !isJSON(r.stdout) || !strings.Contains(r.stdout, `"domain": "dane-ee.mail.test"`) {
		t.Errorf("check D --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// check D -q: an OK domain prints nothing.
	r = runBinary(t, nil, "", append(append([]string{"check", "dane-ee.mail.test"}, w.flags...), "-q")...)
	if r.code != exitOK || r.stdout != "" {
		t.Errorf("check D -q: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// A not-OK domain still prints with -q after it.
	r = runBinary(t, nil, "", append(append([]string{"check", "tlsa-mismatch.mail.test"}, w.flags...), "-q")...)
	if r.code != exitCritical || !strings.Contains(r.stdout, "tlsa-mismatch.mail.test") {
		t.Errorf("check D -q, critical: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// lookup NAME TYPE --trace
	r = runBinary(t, nil, "", append(append([]string{"lookup", "dane-ee.mail.test", "MX"}, resolverFlags...), "--trace")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "; chain:") || !strings.Contains(r.stdout, "; security: secure") {
		t.Errorf("lookup NAME TYPE --trace: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// mtasts D --json
	stsFlags := append(append([]string{}, w.flags[:6]...), w.flags[8:10]...) // and --ca-file, --policy-port
	r = runBinary(t, nil, "", append(append([]string{"mtasts", "sts-enforce.mail.test"}, stsFlags...), "--json")...)
	if r.code != exitOK || !isJSON(r.stdout) {
		t.Errorf("mtasts D --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// tlsa verify "3 1 1 ..." --cert f.pem
	r = runBinary(t, nil, "", "tlsa", "verify", rec, "--cert", f.chainPEM)
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "TLSA MATCH") {
		t.Errorf("tlsa verify RECORD --cert: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// "--" ends the flags: a "--json" after it is a (bad) domain name,
	// and the output is not JSON.
	r = runBinary(t, nil, "", append(append([]string{"check"}, w.flags...), "dane-ee.mail.test", "--", "--json")...)
	if r.code != exitUnknown || isJSON(r.stdout) || strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stdout+r.stderr, "--json") {
		t.Errorf("check D -- --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A mistyped flag after the arguments is still one usage line.
	r = runBinary(t, nil, "", "check", "example.org", "--bogus")
	if r.code != exitUnknown || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "-bogus") {
		t.Errorf("check D --bogus: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

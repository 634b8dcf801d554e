package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// horizonRun is the part of check --json the horizon tests read.
type horizonRun struct {
	Status   string `json:"status"`
	Warnings []struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"warnings"`
	Horizons struct {
		Signatures []struct {
			Owner       string    `json:"owner"`
			Type        string    `json:"type"`
			Signer      string    `json:"signer"`
			Expiration  time.Time `json:"expiration"`
			SecondsLeft int64     `json:"seconds_left"`
			Level       string    `json:"level"`
		} `json:"signatures"`
		Certificates []struct {
			Depth       int    `json:"depth"`
			CheckedBy   string `json:"checked_by"`
			SecondsLeft int64  `json:"seconds_left"`
			Level       string `json:"level"`
		} `json:"certificates"`
	} `json:"horizons"`
}

func (h horizonRun) codes() string {
	var c []string
	for _, w := range h.Warnings {
		c = append(c, w.Code)
	}
	return strings.Join(c, ",")
}

// checkHorizons runs the built binary's check --json with the world's
// flags and extra args and decodes it.
func checkHorizons(t *testing.T, w *mailWorld, env []string, domain string, args ...string) (int, horizonRun) {
	t.Helper()
	r := runBinary(t, env, "", append(append([]string{"check", domain, "--json"}, w.flags...), args...)...)
	var out horizonRun
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("check %s %v: exit %d, not JSON (%v):\n%s%s", domain, args, r.code, err, r.stdout, r.stderr)
	}
	return r.code, out
}

// TestCheckSignatureHorizonsAt answers "will this still validate on
// Friday?" through the built binary: check --at moved towards the end
// of the test world's signatures (valid for 30 days from its start)
// warns 1.5 days before, is critical 12 hours before, and after the end
// the lookups are bogus.
func TestCheckSignatureHorizonsAt(t *testing.T) {
	w := startMailWorld(t)
	const domain = "dane-ee.mail.test"
	code, now := checkHorizons(t, w, nil, domain)
	if code != exitOK || now.Status != "ok" {
		t.Fatalf("today: exit %d, status %s, warnings %s", code, now.Status, now.codes())
	}
	sigs := now.Horizons.Signatures
	if len(sigs) < 6 {
		t.Fatalf("%d signature horizons, want the MX, A, TLSA and the chain's DS and DNSKEY RRsets: %+v", len(sigs), sigs)
	}
	seen := map[string]bool{}
	for _, s := range sigs {
		seen[s.Type] = true
		if s.Level != "ok" || s.SecondsLeft < 29*86400 || s.SecondsLeft > 30*86400 {
			t.Errorf("%s %s by %s: %d seconds left, level %s; want about 30 days, ok", s.Owner, s.Type, s.Signer, s.SecondsLeft, s.Level)
		}
	}
	for _, typ := range []string{"MX", "A", "TLSA", "DS", "DNSKEY"} {
		if !seen[typ] {
			t.Errorf("no horizon of a %s RRset: %+v", typ, sigs)
		}
	}
	end := sigs[0].Expiration
	for _, tc := range []struct {
		before time.Duration
		code   int
		status string
		want   string
		why    string
	}{
		{36 * time.Hour, exitWarning, "warning", "signature-expiring", "left"},
		{12 * time.Hour, exitCritical, "critical", "signature-expiry-critical", "less than 1 day left"},
	} {
		at := end.Add(-tc.before).UTC().Format(time.RFC3339)
		code, got := checkHorizons(t, w, nil, domain, "--at", at)
		if code != tc.code || got.Status != tc.status || !strings.Contains(got.codes(), tc.want) {
			t.Errorf("--at %s: exit %d, status %s, warnings %s; want exit %d, %s with %s", at, code, got.Status, got.codes(), tc.code, tc.status, tc.want)
			continue
		}
		for _, wn := range got.Warnings {
			if wn.Code == tc.want && !strings.Contains(wn.Detail, tc.why) {
				t.Errorf("--at %s: %s does not say why (%q): %s", at, wn.Code, tc.why, wn.Detail)
			}
		}
		if s := got.Horizons.Signatures[0]; s.SecondsLeft != int64(tc.before/time.Second) {
			t.Errorf("--at %s: %d seconds left, want %d", at, s.SecondsLeft, int64(tc.before/time.Second))
		}
	}
	// An hour after the end the signatures no longer validate: the
	// lookups are bogus and the status critical, with no horizon left.
	code, after := checkHorizons(t, w, nil, domain, "--at", end.Add(time.Hour).UTC().Format(time.RFC3339))
	if code != exitCritical || len(after.Horizons.Signatures) != 0 {
		t.Errorf("after the end: exit %d, %d horizons", code, len(after.Horizons.Signatures))
	}
}

// TestCheckHorizonFlags: --sig-warn and its variable, --cert-warn and
// --cert-crit for a DANE-TA chain (dates checked), DANE-EE leaf dates
// informational, and bad values refused.
func TestCheckHorizonFlags(t *testing.T) {
	w := startMailWorld(t)
	// The world's signatures have 30 days left: a --sig-warn of 31 days
	// fires, by the --sig-warn rule.
	code, got := checkHorizons(t, w, []string{"DANEPROBE_SIG_WARN=744h"}, "dane-ee.mail.test")
	if code != exitWarning || !strings.Contains(got.codes(), "signature-expiring") || !strings.Contains(got.Warnings[0].Detail, "--sig-warn") {
		t.Errorf("DANEPROBE_SIG_WARN=744h: exit %d, warnings %+v", code, got.Warnings)
	}
	// The world's certificates are valid for 90 days.
	for _, tc := range []struct {
		domain string
		args   []string
		code   int
		want   string
	}{
		{"dane-ta.mail.test", nil, exitOK, ""},
		{"dane-ta.mail.test", []string{"--cert-warn", "2400h"}, exitWarning, "certificate-expiring"},
		{"dane-ta.mail.test", []string{"--cert-warn", "2400h", "--cert-crit", "2300h"}, exitCritical, "certificate-expiry-critical"},
		{"dane-ee.mail.test", []string{"--cert-warn", "2400h", "--cert-crit", "2300h"}, exitOK, ""},
	} {
		code, got := checkHorizons(t, w, nil, tc.domain, tc.args...)
		if code != tc.code || got.codes() != tc.want {
			t.Errorf("%s %v: exit %d, warnings %q; want exit %d, %q", tc.domain, tc.args, code, got.codes(), tc.code, tc.want)
		}
		checked := 0
		for _, c := range got.Horizons.Certificates {
			if c.CheckedBy != "" {
				checked++
			}
			if c.SecondsLeft < 80*86400 {
				t.Errorf("%s: certificate at depth %d has %d seconds left, want about 90 days", tc.domain, c.Depth, c.SecondsLeft)
			}
		}
		if wantChecked := tc.domain == "dane-ta.mail.test"; (checked > 0) != wantChecked {
			t.Errorf("%s: %d certificates checked by a sender: %+v", tc.domain, checked, got.Horizons.Certificates)
		}
	}
	for _, bad := range [][]string{{"--sig-warn", "0s"}, {"--cert-warn", "-1h"}, {"--cert-warn", "24h", "--cert-crit", "48h"}} {
		r := runBinary(t, nil, "", append(append([]string{"check", "dane-ee.mail.test"}, w.flags...), bad...)...)
		if r.code != exitUnknown || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, strings.TrimPrefix(bad[len(bad)-2], "")) {
			t.Errorf("%v: exit %d, stderr %q; want exit 3 and one line", bad, r.code, r.stderr)
		}
	}
}

// TestLookupSignatureHorizons: lookup shows when the first signature
// expires, warns as check does under --at, and lists every horizon with
// --trace, in JSON with the seconds left.
func TestLookupSignatureHorizons(t *testing.T) {
	w := startMailWorld(t)
	flags := w.flags[:4] // --resolver, --trust-anchor
	r := runBinary(t, nil, "", append([]string{"lookup", "--json", "--trace", "_25._tcp.mx1.dane-ee.mail.test", "TLSA"}, flags...)...)
	var j struct {
		Horizons []struct {
			Owner       string    `json:"owner"`
			Type        string    `json:"type"`
			Expiration  time.Time `json:"expiration"`
			SecondsLeft int64     `json:"seconds_left"`
			Level       string    `json:"level"`
		} `json:"horizons"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || r.code != exitOK || len(j.Horizons) < 4 {
		t.Fatalf("lookup --json --trace: exit %d, %v, %d horizons:\n%s%s", r.code, err, len(j.Horizons), r.stdout, r.stderr)
	}
	hasTLSA := false
	for _, h := range j.Horizons {
		hasTLSA = hasTLSA || (h.Type == "TLSA" && h.Owner == "_25._tcp.mx1.dane-ee.mail.test.")
		if h.SecondsLeft < 29*86400 || h.Level != "ok" {
			t.Errorf("%+v: want about 30 days left, ok", h)
		}
	}
	if !hasTLSA {
		t.Errorf("no horizon of the TLSA RRset: %+v", j.Horizons)
	}
	at := j.Horizons[0].Expiration.Add(-12 * time.Hour).UTC().Format(time.RFC3339)
	r = runBinary(t, nil, "", append([]string{"lookup", "_25._tcp.mx1.dane-ee.mail.test", "TLSA", "--at", at}, flags...)...)
	if r.code != exitOK || !strings.Contains(r.stdout, "; signatures: the first expires in 12 hours") || !strings.Contains(r.stdout, "; warning: critical: the signature of") {
		t.Errorf("lookup --at %s: exit %d\n%s%s", at, r.code, r.stdout, r.stderr)
	}
}

// TestCheckDNSSECHygiene: the hygiene remarks of the lookups a check
// rests on are warnings with their own codes, through the built binary.
func TestCheckDNSSECHygiene(t *testing.T) {
	w := startMailWorld(t)
	code, got := checkHorizons(t, w, nil, "dnssec-hygiene.mail.test")
	if code != exitWarning || got.Status != "warning" {
		t.Errorf("exit %d, status %s, want 1, warning", code, got.Status)
	}
	for _, c := range []string{"dnssec-sha1-algorithm", "dnssec-sha1-only-ds", "dnssec-nsec3-parameters", "dnssec-rsa-key-short"} {
		n := strings.Count(","+got.codes()+",", ","+c+",")
		if n != 1 {
			t.Errorf("warning %s appears %d times, want once: %s", c, n, got.codes())
		}
	}
	// A well-kept zone draws none.
	if _, ok := checkHorizons(t, w, nil, "dane-ee.mail.test"); strings.Contains(ok.codes(), "dnssec-") {
		t.Errorf("dane-ee.mail.test: hygiene warnings %s", ok.codes())
	}
}

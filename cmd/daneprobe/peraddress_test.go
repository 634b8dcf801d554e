package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// TestPerAddressVerdicts runs the built binary (issue 11 §4): one MX host
// with two addresses, one presenting a key its TLSA record does not name,
// is DANE partial with the failing address on the verdict line; -6
// against an IPv4-only MX host keeps the TLSA facts, says there was no
// IPv6 address to probe and is UNKNOWN, never "no protection".
func TestPerAddressVerdicts(t *testing.T) {
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	_ = w
	run := func(args ...string) binRun {
		return runBinary(t, nil, "", append(append([]string{"check"}, flags...), append([]string{"--timeout", "5s"}, args...)...)...)
	}
	t.Run("partial", func(t *testing.T) {
		r := run(testworld.AddressPartialScenario + "." + testworld.MailBase)
		first, _, _ := strings.Cut(r.stdout, "\n")
		if r.code != exitWarning || !regexp.MustCompile(`WARNING - DANE partial: mx1\.\S+ at 127\.0\.\d+\.\d+ \(leaf-mismatch\) fails`).MatchString(first) {
			t.Errorf("exit %d, verdict line %q: want WARNING, DANE partial naming the failing address", r.code, first)
		}
	})
	t.Run("-6 without IPv6", func(t *testing.T) {
		r := run("-6", "--json", "dane-ee."+testworld.MailBase)
		var rep struct {
			Status   string `json:"status"`
			Warnings []struct {
				Code   string `json:"code"`
				Detail string `json:"detail"`
			} `json:"warnings"`
			MX []struct {
				DANEReason string `json:"dane_reason"`
				TLSA       struct {
					Records []struct {
						Usable bool `json:"usable"`
					} `json:"records"`
				} `json:"tlsa"`
			} `json:"mx"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("JSON: %v\n%s", err, r.stdout)
		}
		if r.code != exitUnknown || rep.Status != "unknown" {
			t.Errorf("exit %d, status %q: want 3, unknown", r.code, rep.Status)
		}
		if len(rep.MX) != 1 || len(rep.MX[0].TLSA.Records) == 0 || !rep.MX[0].TLSA.Records[0].Usable {
			t.Errorf("TLSA facts lost: %+v", rep.MX)
		}
		if !strings.Contains(r.stdout, "no IPv6 address to probe (-6)") || strings.Contains(r.stdout, `"no-protection"`) {
			t.Errorf("want 'no IPv6 address to probe (-6)' and no no-protection warning:\n%s", r.stdout)
		}
		if text := run("-6", "dane-ee."+testworld.MailBase); strings.Contains(text.stdout, "no-protection") || !strings.Contains(text.stdout, "UNKNOWN - no IPv6 address to probe (-6)") {
			t.Errorf("text output:\n%s", text.stdout)
		}
	})
}

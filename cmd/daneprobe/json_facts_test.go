package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
)

// TestJSONHoldsWhatTextSays runs check --json over every domain of the
// test world and asserts what the text also says: a critical domain has
// at least one machine-readable failure or warning, a record that matched
// is usable, and DNS time is not zero when queries were sent.
func TestJSONHoldsWhatTextSays(t *testing.T) {
	w := startMailWorld(t)
	args := []string{"--json"}
	for _, s := range demoScenarios(t) {
		args = append(args, s.Domain)
	}
	args = append(args, "nope-nope.mail.test") // does not exist
	_, stdout, stderr := w.check(t, args...)
	dec := json.NewDecoder(bytes.NewReader([]byte(stdout)))
	n := 0
	for dec.More() {
		var r delivery.DomainReport
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("decode: %v\n%s", err, stderr)
		}
		n++
		if r.Status == delivery.StatusCritical && len(r.Failures)+len(r.Warnings) == 0 {
			t.Errorf("%s: critical (%s) without a failure or warning", r.Domain, r.Summary)
		}
		if r.Timings.Queries > 0 && r.Timings.DNS <= 0 {
			t.Errorf("%s: %d DNS queries but timings.dns = %v", r.Domain, r.Timings.Queries, r.Timings.DNS)
		}
		for _, m := range r.MX {
			for _, a := range m.Addresses {
				if a.Match != nil && a.Match.Matched && (a.Match.Record == nil || !a.Match.Record.Usable) {
					t.Errorf("%s %s [%s]: dane_match.record %+v matched but is not usable", r.Domain, m.Host, a.IP, a.Match.Record)
				}
			}
		}
	}
	if want := len(demoScenarios(t)) + 1; n != want {
		t.Errorf("%d reports, want %d\n%s", n, want, stderr)
	}
}

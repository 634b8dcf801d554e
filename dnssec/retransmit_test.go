package dnssec

import (
	"testing"
	"time"
)

// TestRetransmitAfter: the retransmission interval follows RFC 6298's
// estimator per upstream, bounded below by minRetransmit and above by
// half the timeout (also the interval before any sample).
func TestRetransmitAfter(t *testing.T) {
	const timeout = 5 * time.Second
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		want    time.Duration
	}{
		{"no sample yet", nil, timeout / 2},
		{"fast upstream: the floor", []time.Duration{ms, ms, ms}, minRetransmit},
		// First sample: SRTT = R, RTTVAR = R/2, so RTO = 3R.
		{"one 300 ms sample", []time.Duration{300 * ms}, 900 * ms},
		// SRTT 300, RTTVAR 150 -> (3·150 + 0)/4 = 112.5; SRTT stays 300.
		{"two 300 ms samples", []time.Duration{300 * ms, 300 * ms}, 300*ms + 4*112500*time.Microsecond},
		{"slow upstream: the ceiling", []time.Duration{2 * time.Second}, timeout / 2},
	} {
		var rt rttTable
		for _, s := range tc.samples {
			rt.sample("u", s)
		}
		if got := rt.retransmitAfter("u", timeout); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if got := rt.retransmitAfter("other", timeout); got != timeout/2 {
			t.Errorf("%s: another upstream got %v, want %v", tc.name, got, timeout/2)
		}
	}
}

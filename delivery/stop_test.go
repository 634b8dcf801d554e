package delivery

import (
	"strings"
	"testing"
	"time"
)

// TestDecideStopped checks that a check that stopped early is decided by
// Decide alone, from the Stopped fact: not started means unknown with
// every action "unknown", cut short means unknown whatever the partial
// facts say, and deciding twice gives the same report.
func TestDecideStopped(t *testing.T) {
	failing := func() *DomainReport {
		// A bogus TLSA lookup: CRITICAL when the check finished.
		r := base("cut.example", secure())
		r.MX = []MXReport{mxHost("mx.cut.example", 10, secure(), tlsaSet("mx.cut.example", bogus("expired")), probe("192.0.2.1", "mx.cut.example"))}
		return r
	}
	for _, tc := range []struct {
		name       string
		stop       Stop
		status     Status
		action     Action
		summaryPfx string
	}{
		{"finished", Finished, StatusCritical, Defer, "DANE failed"},
		{"cut short", CutShort, StatusUnknown, Defer, "incomplete: the deadline passed; partial results: "},
		{"not started", NotStarted, StatusUnknown, Unknown, "not checked: the deadline passed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := failing()
			r.Stopped = tc.stop
			if tc.stop != Finished {
				r.Error = "the deadline passed"
			}
			Decide(r)
			if r.Status != tc.status {
				t.Errorf("status %s, want %s", r.Status, tc.status)
			}
			for _, o := range []SenderOutcome{r.Outcome.DANE, r.Outcome.MTASTS, r.Outcome.Both} {
				if o.Action == "" {
					t.Errorf("an empty action: %+v", r.Outcome)
				}
			}
			if r.Outcome.DANE.Action != tc.action {
				t.Errorf("DANE action %q, want %q", r.Outcome.DANE.Action, tc.action)
			}
			if !strings.HasPrefix(r.Summary, tc.summaryPfx) {
				t.Errorf("summary %q, want it to start with %q", r.Summary, tc.summaryPfx)
			}
			if tc.stop != Finished && (len(r.Warnings) == 0 || r.Warnings[0].Code != WarnIncomplete) {
				t.Errorf("warnings %+v, want %s first", r.Warnings, WarnIncomplete)
			}
			first := *r
			Decide(r)
			if r.Summary != first.Summary || r.Status != first.Status || r.Outcome != first.Outcome {
				t.Errorf("deciding twice changed the report: %q then %q", first.Summary, r.Summary)
			}
		})
	}
}

// TestSecondsRoundUp: a duration that is not zero never shows as 0.000
// (a DNS phase answered from a fast loopback resolver, for one).
func TestSecondsRoundUp(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000"},
		{300 * time.Microsecond, "0.001"},
		{312 * time.Millisecond, "0.312"},
		{312*time.Millisecond + time.Nanosecond, "0.313"},
	} {
		b, err := Seconds(tc.d).MarshalJSON()
		if err != nil || string(b) != tc.want {
			t.Errorf("Seconds(%v) = %s (%v), want %s", tc.d, b, err, tc.want)
		}
	}
}

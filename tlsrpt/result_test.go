package tlsrpt

import "testing"

func TestResultTypesKnown(t *testing.T) {
	seen := map[ResultType]bool{}
	for _, r := range ResultTypes() {
		if seen[r] {
			t.Errorf("%s listed twice", r)
		}
		seen[r] = true
		if !r.Known() {
			t.Errorf("%s is listed but not Known", r)
		}
	}
	if len(seen) != 11 {
		t.Errorf("RFC 8460 §4.3 defines 11 result types, ResultTypes lists %d", len(seen))
	}
	for _, r := range []ResultType{"", "certificate-revoked", "STARTTLS-NOT-SUPPORTED"} {
		if r.Known() {
			t.Errorf("%q should not be Known", r)
		}
	}
}

package delivery

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecide feeds arbitrary facts, decoded from JSON the way a gatherer
// or a saved report could produce them, to Decide: it must never panic,
// must always reach a known status and DANE verdict, and must be
// idempotent.
func FuzzDecide(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "delivery", "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"mx":[{"host":"a","tlsa":{"dnssec":"secure","records":[{"usage":3}]},"addresses":[{}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r DomainReport
		if json.Unmarshal(b, &r) != nil {
			return
		}
		Decide(&r)
		switch r.Status {
		case StatusOK, StatusWarning, StatusCritical, StatusUnknown:
		default:
			t.Fatalf("status %q", r.Status)
		}
		switch r.DANE {
		case DANEVerified, DANEPartial, DANEFailed, DANEUnusable, DANENone:
		default:
			t.Fatalf("dane %q", r.DANE)
		}
		if r.Summary == "" {
			t.Fatal("empty summary")
		}
		for _, fl := range r.Failures {
			if fl.ResultType == "" {
				t.Fatalf("failure without result type: %+v", fl)
			}
		}
		once, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		Decide(&r)
		twice, _ := json.Marshal(&r)
		if string(once) != string(twice) {
			t.Fatalf("not idempotent:\n%s\n%s", once, twice)
		}
	})
}

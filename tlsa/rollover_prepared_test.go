package tlsa

import (
	"crypto/x509"
	"strings"
	"testing"
)

// TestRolloverPrepared: a set that already holds the next key's "3 1 1"
// (or the next issuer's "2 1 1"), matching nothing presented, is prepared
// for the change: no warning telling the administrator to pre-publish
// what is published, and the scenario names the record.
func TestRolloverPrepared(t *testing.T) {
	w := newWorld(t, nil)
	root, inter, leaf := w.root.cert, w.inter.cert, w.leaf.cert
	full := []*x509.Certificate{leaf, inter}
	newKey := mkCert(t, leafTemplate("mx.example.org"), inter, key(t), w.inter.key)
	inter2Key := key(t)
	inter2 := mkCert(t, caTemplate("Test Intermediate 2"), root, inter2Key, w.root.key)

	ee311 := rec(t, leaf, DANEEE, SPKI, SHA256)
	next311 := rec(t, newKey, DANEEE, SPKI, SHA256)
	ta211 := rec(t, inter, DANETA, SPKI, SHA256)
	next211 := rec(t, inter2, DANETA, SPKI, SHA256)
	tests := []struct {
		name     string
		set      []Record
		change   Change
		prepared []int
		warnings int
	}{
		{"next key published", []Record{ee311, next311}, RenewNewKey, []int{1}, 0},
		{"next key first in the set", []Record{next311, ee311}, RenewNewKey, []int{0}, 0},
		{"next issuer published (or a root not sent: still warned)", []Record{ta211, next211}, IssuerChange, []int{1}, 1},
		{"nothing extra", []Record{ee311}, RenewNewKey, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			adv := AdviseRollover(tc.set, full, nil, mxNames)
			var s Scenario
			for _, sc := range adv.Scenarios {
				if sc.Change == tc.change {
					s = sc
				}
			}
			if s.Survives || len(s.Prepared) != len(tc.prepared) || (len(tc.prepared) > 0 && s.Prepared[0] != tc.prepared[0]) {
				t.Fatalf("%s: survives %v prepared %v, want %v", tc.change, s.Survives, s.Prepared, tc.prepared)
			}
			if len(adv.Warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", adv.Warnings, tc.warnings)
			}
			for _, w := range adv.Warnings {
				if strings.Contains(w, "pre-publish the next") && tc.prepared != nil {
					t.Errorf("advises pre-publishing what is published: %s", w)
				}
			}
			if tc.prepared != nil && !strings.Contains(s.Detail, "pre-published") && !strings.Contains(s.Detail, "record 2") {
				t.Errorf("detail %q", s.Detail)
			}
		})
	}
	// The prediction holds: with the prepared key, the renewal matches.
	if v := Verify([]Record{ee311, next311}, []*x509.Certificate{newKey, inter}, mxNames); v.Verdict != VerdictMatch {
		t.Fatal(v.Err())
	}
}

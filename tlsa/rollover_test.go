package tlsa

import (
	"crypto/x509"
	"testing"
)

// TestRolloverPredictions checks AdviseRollover's predictions against
// actual renewals: each scenario is carried out with freshly issued
// certificates and Verify must agree with the prediction.
func TestRolloverPredictions(t *testing.T) {
	w := newWorld(t, nil)
	root, inter, leaf := w.root.cert, w.inter.cert, w.leaf.cert
	full := []*x509.Certificate{leaf, inter, root}

	// The three changes, carried out.
	sameKey := mkCert(t, leafTemplate("mx.example.org"), inter, w.leaf.key, w.inter.key)
	newKey := mkCert(t, leafTemplate("mx.example.org"), inter, key(t), w.inter.key)
	inter2Key := key(t)
	inter2 := mkCert(t, caTemplate("Test Intermediate 2"), root, inter2Key, w.root.key)
	newIssuer := mkCert(t, leafTemplate("mx.example.org"), inter2, w.leaf.key, inter2Key)
	after := map[Change][]*x509.Certificate{
		RenewSameKey: {sameKey, inter, root},
		RenewNewKey:  {newKey, inter, root},
		IssuerChange: {newIssuer, inter2, root},
	}

	ee301 := rec(t, leaf, DANEEE, Cert, SHA256)
	ee311 := rec(t, leaf, DANEEE, SPKI, SHA256)
	ta211 := rec(t, inter, DANETA, SPKI, SHA256)
	root211 := rec(t, root, DANETA, SPKI, SHA256)
	root210 := rec(t, root, DANETA, SPKI, Full)
	tests := []struct {
		name     string
		set      []Record
		survives [3]bool // same key, new key, issuer change
	}{
		{"3 0 1 alone breaks on every renewal", []Record{ee301}, [3]bool{false, false, false}},
		{"3 1 1 alone breaks on a key change", []Record{ee311}, [3]bool{true, false, true}},
		{"3 1 1 + 2 1 1 survives a key change", []Record{ee311, ta211}, [3]bool{true, true, true}},
		{"2 1 1 issuer alone breaks on an issuer change", []Record{ta211}, [3]bool{true, true, false}},
		{"2 1 1 root survives a new intermediate", []Record{root211}, [3]bool{true, true, true}},
		{"2 1 0 root key survives a new intermediate", []Record{root210}, [3]bool{true, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			adv := AdviseRollover(tc.set, full, nil, mxNames)
			if !adv.Current {
				t.Fatal("set does not match the current chain")
			}
			for i, ch := range []Change{RenewSameKey, RenewNewKey, IssuerChange} {
				s := adv.Scenarios[i]
				if s.Change != ch || s.Survives != tc.survives[i] {
					t.Errorf("%s: survives %v, want %v (%s)", ch, s.Survives, tc.survives[i], s.Detail)
				}
				actual := Verify(tc.set, after[ch], mxNames).Verdict == VerdictMatch
				if actual != s.Survives {
					t.Errorf("%s: predicted %v, but after the change the verdict is match=%v", ch, s.Survives, actual)
				}
			}
			broken := 0
			for _, s := range adv.Scenarios {
				if !s.Survives {
					broken++
				}
			}
			if len(adv.Warnings) != broken {
				t.Errorf("%d warnings for %d breaking changes: %v", len(adv.Warnings), broken, adv.Warnings)
			}
		})
	}

	t.Run("set not matching now", func(t *testing.T) {
		adv := AdviseRollover([]Record{wrong(ee311)}, full, nil, mxNames)
		if adv.Current || adv.Scenarios[0].Survives || len(adv.Warnings) != 1 {
			t.Fatalf("%+v", adv)
		}
	})
	t.Run("next certificate with a new key", func(t *testing.T) {
		adv := AdviseRollover([]Record{ee311}, full, &Next{Chain: after[RenewNewKey]}, mxNames)
		if adv.NextMatches == nil || *adv.NextMatches {
			t.Fatalf("next matches: %v", adv.NextMatches)
		}
		// Adding the proposed records makes the set match both chains.
		set := append([]Record{ee311}, adv.Add...)
		if Verify(set, full, mxNames).Verdict != VerdictMatch || Verify(set, after[RenewNewKey], mxNames).Verdict != VerdictMatch {
			t.Fatalf("proposed set %v does not cover both certificates", set)
		}
		if len(adv.Add) != 2 {
			t.Fatalf("Add = %v, want the new 3 1 1 and the issuer's 2 1 1", adv.Add)
		}
	})
	t.Run("next key already published", func(t *testing.T) {
		nextKey := rec(t, newKey, DANEEE, SPKI, SHA256)
		adv := AdviseRollover([]Record{ee311, nextKey}, full, &Next{SPKI: newKey.RawSubjectPublicKeyInfo, Chain: after[RenewNewKey]}, mxNames)
		if adv.NextMatches == nil || !*adv.NextMatches || len(adv.Add) != 0 {
			t.Fatalf("next: %v add %v", *adv.NextMatches, adv.Add)
		}
	})
	t.Run("next key not published", func(t *testing.T) {
		adv := AdviseRollover([]Record{ee311, ta211}, full, &Next{SPKI: newKey.RawSubjectPublicKeyInfo}, mxNames)
		if *adv.NextMatches || len(adv.Add) != 1 || adv.Add[0].String() != rec(t, newKey, DANEEE, SPKI, SHA256).String() {
			t.Fatalf("add %v", adv.Add)
		}
	})
}

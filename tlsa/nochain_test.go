package tlsa

import (
	"reflect"
	"testing"
	"time"
)

// TestVerifyNoChain: NoChain leaves out the chain summaries and nothing
// else, for a match and for a non-match.
func TestVerifyNoChain(t *testing.T) {
	w := newWorld(t, nil)
	for _, recs := range [][]Record{
		{rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)},
		{rec(t, w.inter.cert, DANETA, SPKI, SHA256)},
		{wrong(rec(t, w.leaf.cert, DANEEE, SPKI, SHA256))},
	} {
		opts := Options{Names: []string{"mx.example.org"}, Time: w.leaf.cert.NotBefore.Add(time.Hour)}
		full := Verify(recs, w.chain(), opts)
		opts.NoChain = true
		bare := Verify(recs, w.chain(), opts)
		if bare.Chain != nil || len(full.Chain) != 2 {
			t.Fatalf("chain: %d summaries with NoChain, %d without", len(bare.Chain), len(full.Chain))
		}
		full.Chain = nil
		if !reflect.DeepEqual(full, bare) {
			t.Errorf("NoChain changed more than the chain:\n%+v\n%+v", full, bare)
		}
	}
}

package tlsa

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/tlsa")

// TestGoldenJSON pins the JSON form of a Result (field names are part of
// daneprobe's output) on the OpenSSL-made fixture, with a fixed clock.
func TestGoldenJSON(t *testing.T) {
	chain := readFixture(t)
	leaf, inter, root := chain[0], chain[1], chain[2]
	set := []Record{
		rec(t, root, DANETA, SPKI, SHA256),
		rec(t, inter, DANETA, Cert, SHA256),
		wrong(rec(t, leaf, DANEEE, SPKI, SHA256)),
		rec(t, leaf, DANEEE, SPKI, SHA512),
		rec(t, leaf, PKIXEE, SPKI, SHA256),
	}
	res := Verify(set, chain, Options{Names: []string{"mx.example.org", "example.org"}, Time: leaf.NotBefore.Add(3600e9)})
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "../testdata/tlsa/sha1-chain.verify.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("JSON differs from %s (run go test -update after checking):\n%s", golden, got)
	}
}

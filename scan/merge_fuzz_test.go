package scan

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzMerge feeds arbitrary bytes to the merge of scan outputs: it must
// never panic, and every line is counted once, as a report summed, a
// repeated domain or a line that is not a report.
func FuzzMerge(f *testing.F) {
	if b, err := os.ReadFile("../testdata/report/all.jsonl"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("{\"domain\":\"a.example\",\"mx\":[{\"tlsa\":{\"records\":[{}]}}]}\n{}\nx\n{\"domain\":\"a.example\"}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		sum := &Summary{MaxListed: 3}
		m := NewMerger(sum)
		if err := m.Read(bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		st := m.Stats
		if st.Lines != sum.Domains+st.Duplicates+st.BadLines {
			t.Fatalf("stats %+v, %d domains: a line counted twice or not at all", st, sum.Domains)
		}
		if len(sum.DANEDefer.Entries) > 3 || len(sum.FailureReasons) > maxReasons {
			t.Fatalf("unbounded summary: %d entries, %d reasons", len(sum.DANEDefer.Entries), len(sum.FailureReasons))
		}
		if _, err := json.Marshal(sum); err != nil {
			t.Fatal(err)
		}
	})
}

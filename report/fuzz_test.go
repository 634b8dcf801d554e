package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
)

// FuzzRender decides arbitrary facts and renders them in every format:
// no panic, no raw control character in the uncoloured text or the
// Nagios output, exactly one status line in the Nagios output, and JSON
// that parses back.
func FuzzRender(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures, "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"domain":"a\u001b[2J|b\n","summary":"x","mx":[{"host":"\u202e","addresses":[{"error":"\u0007"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r delivery.DomainReport
		if json.Unmarshal(b, &r) != nil {
			return
		}
		delivery.Decide(&r)
		rs := []delivery.DomainReport{r}
		var txt, ng, js bytes.Buffer
		if err := WriteText(&txt, rs, false); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(txt.String(), "\n"), "\n") {
			if !isClean(line) && strings.ContainsAny(line, "\x1b\x07\x00\r") {
				t.Fatalf("raw control character in text line %q", line)
			}
		}
		if err := WriteNagios(&ng, rs); err != nil {
			t.Fatal(err)
		}
		if strings.Count(ng.String(), "\n") != 1 || strings.ContainsAny(ng.String(), "\x1b\r") {
			t.Fatalf("bad Nagios output %q", ng.String())
		}
		if err := WriteJSON(&js, rs); err != nil {
			t.Fatal(err)
		}
		var back delivery.DomainReport
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatalf("JSON output does not parse: %v", err)
		}
	})
}

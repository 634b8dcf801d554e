package tlsrpt

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, stays within its bounds, and what it
// returns is valid UTF-8 that encodes as JSON.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rfc8460-appendix-b.json", "variants.json", "google.json", "microsoft.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"policies":{"policy":{"policy-domain":"a"},"failure-details":{"failed-session-count":"1e9"}}}`))
	f.Add([]byte("\xef\xbb\xbf{\"policies\":[],\"report-id\":\"\xff\"}"))
	lim := Limits{MaxReportBytes: 1 << 16, MaxPolicies: 8, MaxFailureDetails: 16, MaxObjects: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data, lim)
		if err != nil {
			return
		}
		if len(r.Policies) > lim.MaxPolicies {
			t.Fatalf("%d policies", len(r.Policies))
		}
		n := 0
		for _, p := range r.Policies {
			n += len(p.Details)
			if p.Successful < 0 || p.Failed < 0 || p.Successful > maxCount || p.Failed > maxCount {
				t.Fatalf("counts %d %d", p.Successful, p.Failed)
			}
		}
		if n > lim.MaxFailureDetails {
			t.Fatalf("%d details", n)
		}
		if len(r.Unusual) > maxNotes+1 {
			t.Fatalf("%d notes", len(r.Unusual))
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatal("invalid UTF-8 out")
		}
		s := NewSummarizer()
		s.Add(Input{Source: "fuzz", Report: r})
		_ = s.Summary()
	})
}

// FuzzRead: reading any bytes as a file (JSON, gzip, message or mbox)
// never panics and yields at least one input.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"google.eml", "body.eml", "reports.mbox", "google-only.json.gz", "variants.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte("From x\n\nFrom y\n>From z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := &Reader{Limits: Limits{MaxReportBytes: 1 << 16, MaxCompressedBytes: 1 << 16, MaxMessageBytes: 1 << 16, MaxParts: 8, MaxInputs: 16},
			Stdin: strings.NewReader(string(data))}
		n := 0
		if err := rd.Read(context.Background(), []string{"-"}, func(Input) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("no input yielded")
		}
	})
}

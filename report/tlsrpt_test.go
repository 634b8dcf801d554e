package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/tlsrpt"
)

// TestTLSRPTTextHostile: what a report says cannot move the cursor or
// set the window title, in the verdict line or the details.
func TestTLSRPTTextHostile(t *testing.T) {
	s := tlsrpt.NewSummarizer()
	s.Add(tlsrpt.Input{Source: "evil\x1b[2J.json", Report: &tlsrpt.Report{
		Organization: "Evil \x1b]0;pwned\x07 Corp", ID: "x\u202e",
		Policies: []tlsrpt.Policy{{Type: tlsrpt.PolicySTS, Domain: "a.example\x1b[1A", Successful: 1, Failed: 2,
			Details: []tlsrpt.FailureDetail{{Result: "x\x1b[31m", ReceivingMX: "mx\r\n.a.example", Sessions: 2, SendingIP: "\x00"}}}},
		Unusual: []string{"note \x1b[K"},
	}})
	sum := s.Summary()
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteTLSRPTText(&b, &sum, color); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1b[1A", "\x1b[K", "\r", "\x00", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("color %v: output holds %q:\n%s", color, bad, out)
			}
		}
		if !strings.Contains(out, `Evil \x1b]0;pwned\x07 Corp`) {
			t.Errorf("color %v: organisation not shown escaped:\n%s", color, out)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 12431: "12,431", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

package mtasts_test

import (
	"testing"

	"github.com/daneprobe/daneprobe/mtasts"
)

func TestMatchMX(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"mail.example.com", "mail.example.com", true},
		{"mail.example.com", "MAIL.Example.COM", true},                 // case-insensitive
		{"Mail.Example.com.", "mail.example.com", true},                // trailing dot on the pattern
		{"mail.example.com", "mail.example.com.", true},                // trailing dot on the host
		{"mail.example.com", "mail2.example.com", false},               // exact names only
		{"mail.example.com", "x.mail.example.com", false},              // no implicit subdomains
		{"*.example.com", "mx.example.com", true},                      // one extra label
		{"*.example.com", "MX.EXAMPLE.COM.", true},                     // ...case and dot ignored
		{"*.example.com", "example.com", false},                        // not the bare domain
		{"*.example.com", "a.b.example.com", false},                    // not two labels
		{"*.example.com", "mx.example.net", false},                     // other domain
		{"*.example.com", ".example.com", false},                       // empty label
		{"mx.*.example.com", "mx.a.example.com", false},                // only a left-most wildcard
		{"*.xn--bcher-kva.example", "mx.bücher.example", true},         // A-labels
		{"mx.xn--bcher-kva.example", "MX.XN--BCHER-KVA.EXAMPLE", true}, // A-labels, case
		{"mx.bücher.example", "mx.xn--bcher-kva.example", true},        // a U-label pattern compares as A-label
		{"", "mx.example.com", false},
		{"mx.example.com", "", false},
	}
	for _, tt := range tests {
		if got := mtasts.MatchMX(tt.pattern, tt.host); got != tt.want {
			t.Errorf("MatchMX(%q, %q) = %v, want %v", tt.pattern, tt.host, got, tt.want)
		}
	}
}

func TestPolicyMatchFirstPattern(t *testing.T) {
	p := &mtasts.Policy{MX: []string{"mx1.example.com", "*.example.com"}}
	if pat, ok := p.Match("mx1.example.com"); !ok || pat != "mx1.example.com" {
		t.Errorf("Match = %q, %v", pat, ok)
	}
	if pat, ok := p.Match("mx2.example.com"); !ok || pat != "*.example.com" {
		t.Errorf("Match = %q, %v", pat, ok)
	}
	if _, ok := p.Match("example.com"); ok {
		t.Error("bare domain matched")
	}
}

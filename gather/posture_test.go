package gather

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// TestPostureVersionRules checks which TXT records count as SPF and DMARC
// records and what a receiver makes of them, beyond TestPosture.
func TestPostureVersionRules(t *testing.T) {
	for _, c := range []struct {
		txt     []string
		version string
		found   bool
		policy  string
		err     string
	}{
		// RFC 7208 §4.5: several SPF records are a permerror.
		{[]string{"v=spf1 -all", "V=SPF1 ~all", "v=spf1"}, "v=spf1", false, "", "3 records start with v=spf1; receivers treat that as a permerror"},
		// The version section ends at a space or the end of the record.
		{[]string{"v=spf1;-all"}, "v=spf1", false, "", ""},
		{[]string{"v=spf1"}, "v=spf1", true, "", ""},
		{[]string{"v=spf1 -ALL"}, "v=spf1", true, "-all", ""},
		// RFC 7489 §6.4: white space may surround "=" and precede ";".
		{[]string{"v = DMARC1 ; p = reject"}, "v=DMARC1", true, "reject", ""},
		{[]string{"V=DMARC1;p=quarantine"}, "v=DMARC1", true, "quarantine", ""},
		{[]string{"v=DMARC1"}, "v=DMARC1", false, "", "no p= tag"},
		// "DMARC1" must match exactly (RFC 7489 §6.3).
		{[]string{"v=dmarc1; p=reject"}, "v=DMARC1", false, "", ""},
		{[]string{"v=DMARC10; p=reject"}, "v=DMARC1", false, "", ""},
		// v must be the first tag (RFC 7489 §6.3).
		{[]string{"p=reject; v=DMARC1"}, "v=DMARC1", false, "", ""},
		{[]string{" v=DMARC1; p=reject"}, "v=DMARC1", false, "", ""},
		// p is none, quarantine or reject; anything else is no policy.
		{[]string{"v=DMARC1; p=block"}, "v=DMARC1", false, "", "not none, quarantine or reject"},
		{[]string{"v=DMARC1; p=REJECT"}, "v=DMARC1", true, "reject", ""},
		{[]string{"v=DMARC1; p=reject", "v=DMARC1; p=none"}, "v=DMARC1", false, "", "no DMARC policy at all"},
	} {
		s := &script{}
		var lines []string
		for _, txt := range c.txt {
			lines = append(lines, fmt.Sprintf("p.example. 300 IN TXT %q", txt))
		}
		s.answer(dnssec.Secure, "p.example", dns.TypeTXT, lines...)
		parse := parseSPF
		if c.version == "v=DMARC1" {
			parse = parseDMARC
		}
		p := txtPosture(context.Background(), s, "p.example.", c.version, parse)
		if p.Found != c.found || p.Policy != c.policy || !strings.Contains(p.Error, c.err) || (c.err == "" && p.Error != "") {
			t.Errorf("%q: %+v", c.txt, p)
		}
	}
}

package gather

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// FuzzPosture feeds arbitrary TXT record text to the SPF and DMARC
// parsing: it must never panic, and a record it reports as found must
// start with the version tag.
func FuzzPosture(f *testing.F) {
	for _, s := range []string{"v=spf1 mx -all", "v=DMARC1; p=reject; rua=mailto:a@x", "v=spf1", "v=DMARC1;;;=;p", "V=dmarc1 p=none", "v=spf1\tall"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		s := &script{}
		r := &dnssec.Result{Name: "p.example.", Type: dns.TypeTXT, Security: dnssec.Secure, Canonical: "p.example."}
		r.Answer = append(r.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: "p.example.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{txt}})
		s.answers = map[string]*dnssec.Result{key("p.example", dns.TypeTXT): r}
		for _, c := range []struct {
			version string
			parse   func(string, *delivery.Posture)
		}{{"v=spf1", parseSPF}, {"v=DMARC1", parseDMARC}} {
			p := txtPosture(context.Background(), s, "p.example.", c.version, c.parse)
			if p.Found && (!hasVersion(p.Record, c.version) || !strings.EqualFold(p.Record[:1], "v")) {
				t.Fatalf("%s found in %q", c.version, txt)
			}
			_ = fmt.Sprint(p)
		}
	})
}

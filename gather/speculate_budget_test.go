package gather_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// hostileMX is the number of MX hosts of the hostile zone: more than the
// speculation budget, few enough for the answer to fit a UDP datagram
// (a truncated answer retried over TCP may come after its chain).
const hostileMX = 40

// TestSpeculationBudgetHostileZone: a real signed zone whose MX RRset
// names 40 hosts, served bogus (expired signatures): the unvalidated MX
// answer starts lookups for only MaxSpeculativeHosts hosts (3 each), no
// more hosts are ever asked about upstream, and the whole check stays
// within a fixed number of upstream queries, counted at the DNS world,
// not at the checker. The same zone with valid signatures is the control: the
// check looks its hosts up once the MX RRset is validated, as RFC 7672
// §2.2 asks, so the budget is what holds the bogus case down.
func TestSpeculationBudgetHostileZone(t *testing.T) {
	host := regexp.MustCompile(`(?:^|\.)(mx\d+)\.flood\.test\. (?:A|AAAA|TLSA)$`)
	for _, bogus := range []bool{true, false} {
		t.Run(fmt.Sprintf("bogus=%v", bogus), func(t *testing.T) {
			recs := []string{"flood.test. 300 IN TXT \"v=spf1 -all\""}
			for i := range hostileMX {
				recs = append(recs, fmt.Sprintf("flood.test. 300 IN MX %d mx%d.flood.test.", i, i),
					fmt.Sprintf("mx%d.flood.test. 300 IN A 127.0.0.%d", i, 10+i%200))
			}
			d, err := testworld.StartDNS(testworld.DNSOptions{Zones: []testworld.ZoneSpec{
				{Origin: "flood.test.", Records: recs, Faults: testworld.ZoneFaults{ExpiredSigs: bogus}},
			}, Delay: 50 * time.Millisecond}) // the MX answer comes before its chain, as on the internet
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var anchors []dns.RR
			for _, ds := range d.TrustAnchors() {
				anchors = append(anchors, ds)
			}
			res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{d.Addr()}, TrustAnchors: anchors, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			c := &gather.Checker{Resolver: res, Port: 1, EHLOName: "checker.daneprobe.test", Timeout: time.Second, Deadline: 30 * time.Second}
			r := c.Check(context.Background(), "flood.test")
			qs, _ := d.Depths()
			hosts := map[string]bool{}
			for _, q := range qs {
				if m := host.FindStringSubmatch(q.Question); m != nil {
					hosts[m[1]] = true
				}
			}
			if !bogus {
				if len(hosts) <= gather.MaxSpeculativeHosts {
					t.Fatalf("valid MX RRset of %d hosts: only %d hosts asked about; the control proves nothing", hostileMX, len(hosts))
				}
				return
			}
			if len(r.MX) != 0 {
				t.Errorf("bogus MX RRset: %d hosts in the report", len(r.MX))
			}
			// Hosts of a zone already known bogus may be answered from
			// the resolver's cache without a query: at most the budget.
			if len(hosts) > gather.MaxSpeculativeHosts {
				t.Errorf("%d MX hosts asked about upstream, want at most %d", len(hosts), gather.MaxSpeculativeHosts)
			}
			// The domain's own lookups and chain (about 20) plus at most
			// 3 per speculated host (A, AAAA, TLSA; their chain is the
			// domain's, already in hand).
			if limit := 25 + 3*gather.MaxSpeculativeHosts; int(d.Queries()) > limit {
				t.Errorf("%d upstream queries for one check of a bogus %d-host MX RRset, want at most %d: %+v", d.Queries(), hostileMX, limit, qs)
			}
			// Non-zero: the unvalidated answer did start lookups, so the
			// test is not vacuous; bounded: 3 per host (A, AAAA, TLSA).
			if r.Timings.Speculative == 0 || r.Timings.Speculative > 3*gather.MaxSpeculativeHosts || r.Timings.Discarded != r.Timings.Speculative {
				t.Errorf("speculative %d, discarded %d: want 1 to %d, all discarded", r.Timings.Speculative, r.Timings.Discarded, 3*gather.MaxSpeculativeHosts)
			}
			t.Logf("%d upstream queries, %d hosts asked, %d speculative lookups", d.Queries(), len(hosts), r.Timings.Speculative)
		})
	}
}

// TestUnsignedZoneQueries accounts for the upstream queries of a cold
// check of the MTA-STS domain sts-enforce.mail.test (an unsigned zone
// under a signed parent), question by question: the domain's own
// lookups and the chain down to the zone cut (the DS that proves the
// zone insecure) are 17. The lookups start together, and the first to
// validate claims the walk down to its own owner; the others wait for
// that walk (dnssec's walkGroup) instead of asking DS and DNSKEY at their
// own names below the cut. So the only queries below the cut are the
// first walk's own: none when it is the MX lookup's (the owner is the
// cut), two for _mta-sts or the MX host, four for _smtp._tls (before the
// sharing, 8 to 12, at every owner).
func TestUnsignedZoneQueries(t *testing.T) {
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.DNS.SetDelay(20 * time.Millisecond)
	s, _ := w.Scenario("sts-enforce")
	cut := dns.Fqdn(s.Domain)
	c := newChecker(t, w)
	w.DNS.ResetDepths()
	r := c.Check(context.Background(), s.Domain)
	if string(r.Status) != s.Status {
		t.Fatalf("status %s, want %s: %s", r.Status, s.Status, r.Summary)
	}
	qs, _ := w.DNS.Depths()
	var own, below []string
	for _, q := range qs {
		name, typ, _ := strings.Cut(q.Question, " ")
		if (typ == "DS" || typ == "DNSKEY") && name != cut && dns.IsSubDomain(cut, name) {
			below = append(below, q.Question)
		} else {
			own = append(own, q.Question)
		}
		if q.Count != 1 {
			t.Errorf("%s went upstream %d times", q.Question, q.Count)
		}
	}
	if len(own) > 17 {
		t.Errorf("%d queries besides the walks below the cut, want at most 17: %v", len(own), own)
	}
	if len(below) > 4 {
		t.Errorf("%d DS and DNSKEY queries below the insecure cut %s, want at most 4 (the first walk's own names): %v", len(below), cut, below)
	}
	t.Logf("%d queries: %d for the lookups and the chain to the cut, %d below the cut: %v", len(qs), len(own), len(below), below)
}

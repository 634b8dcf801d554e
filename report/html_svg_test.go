package report

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// zl builds a chain of trust: "name" is secure, "name!" insecure,
// "name?" bogus.
func zl(zones ...string) []delivery.ZoneLink {
	out := make([]delivery.ZoneLink, len(zones))
	for i, z := range zones {
		sec := dnssec.Secure
		switch {
		case strings.HasSuffix(z, "!"):
			sec = dnssec.Insecure
		case strings.HasSuffix(z, "?"):
			sec = dnssec.Bogus
		}
		out[i] = delivery.ZoneLink{Zone: strings.TrimRight(z, "!?"), Security: sec}
	}
	return out
}

var (
	svgLinkRE = regexp.MustCompile(`<g class="link ([a-z]+)" data-from="([^"]*)" data-to="([^"]*)">`)
	svgZoneRE = regexp.MustCompile(`<g class="node zone ([a-z]+)" data-id="zone:([^"]*)">`)
)

// svgLinks returns the picture's links as "from>to" → state.
func svgLinks(svg string) map[string]string {
	out := map[string]string{}
	for _, m := range svgLinkRE.FindAllStringSubmatch(svg, -1) {
		out[m[2]+">"+m[3]] = m[1]
	}
	return out
}

// svgZones returns the zone boxes drawn, as "zone state", sorted.
func svgZones(svg string) []string {
	var out []string
	for _, m := range svgZoneRE.FindAllStringSubmatch(svg, -1) {
		out = append(out, m[2]+" "+m[1])
	}
	sort.Strings(out)
	return out
}

func TestChainZoneCuts(t *testing.T) {
	sec := func(zones []delivery.ZoneLink) *delivery.Lookup {
		return &delivery.Lookup{DNSSEC: dnssec.Secure, Zones: zones}
	}
	signed := zl(".", "example.", "h.example.")
	tlsa := func(name string, l delivery.Lookup) *delivery.TLSAReport {
		return &delivery.TLSAReport{Name: name, Lookup: l, Records: []delivery.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "aa", Usable: true}}}
	}
	for _, tc := range []struct {
		name  string
		r     delivery.DomainReport
		zones []string          // every zone box drawn, with its state
		links map[string]string // links that must be drawn, with their state
		not   []string          // links that must not be drawn
		label string            // a link label that must be drawn once
	}{{
		name: "MX in the domain's zone",
		r: delivery.DomainReport{Domain: "h.example", MXLookup: *sec(signed), MX: []delivery.MXReport{{
			Host: "mx.h.example", DNSSEC: dnssec.Secure, A: sec(signed),
			TLSA: tlsa("_25._tcp.mx.h.example", *sec(signed))}}},
		zones: []string{". ok", "example. ok", "h.example. ok"},
		links: map[string]string{"zone:.>zone:example.": "ok", "zone:example.>zone:h.example.": "ok",
			"zone:h.example.>h.example.": "ok", "zone:h.example.>mx.h.example.": "ok", "h.example.>mx.h.example.": "ok",
			"zone:h.example.>tlsa:_25._tcp.mx.h.example.": "ok", "mx.h.example.>tlsa:_25._tcp.mx.h.example.": "ok"},
		// The parent names of the owners are no zones.
		not: []string{"zone:h.example.>zone:mx.h.example.", "zone:mx.h.example.>zone:_tcp.mx.h.example."},
	}, {
		name: "MX in another signed zone",
		r: delivery.DomainReport{Domain: "h.example", MXLookup: *sec(signed), MX: []delivery.MXReport{{
			Host: "mx.p.example", DNSSEC: dnssec.Secure, A: sec(zl(".", "example.", "p.example.")),
			TLSA: tlsa("_25._tcp.mx.p.example", *sec(zl(".", "example.", "p.example.")))}}},
		zones: []string{". ok", "example. ok", "h.example. ok", "p.example. ok"},
		links: map[string]string{"zone:example.>zone:p.example.": "ok", "zone:p.example.>mx.p.example.": "ok",
			"zone:p.example.>tlsa:_25._tcp.mx.p.example.": "ok", "h.example.>mx.p.example.": "ok"},
		not: []string{"zone:h.example.>mx.p.example."},
	}, {
		name: "unsigned MX zone: the insecure cut",
		r: delivery.DomainReport{Domain: "h.example", MXLookup: *sec(signed), MX: []delivery.MXReport{{
			Host: "mx.u.example", DNSSEC: dnssec.Insecure,
			A: &delivery.Lookup{DNSSEC: dnssec.Insecure, Reason: dnssec.ReasonUnsignedDelegation, Zones: zl(".", "example.", "u.example.!")}}}},
		zones: []string{". ok", "example. ok", "h.example. ok", "u.example. insecure"},
		links: map[string]string{"zone:example.>zone:u.example.": "insecure", "zone:u.example.>mx.u.example.": "insecure",
			"zone:example.>zone:h.example.": "ok"},
		label: "insecure delegation",
	}, {
		name: "bogus zone on the TLSA chain",
		r: delivery.DomainReport{Domain: "h.example", MXLookup: *sec(signed), MX: []delivery.MXReport{{
			Host: "mx.h.example", DNSSEC: dnssec.Secure, A: sec(signed),
			TLSA: tlsa("_25._tcp.mx.h.example", delivery.Lookup{DNSSEC: dnssec.Bogus, Reason: dnssec.ReasonSignatureExpired,
				Zones: zl(".", "example.", "h.example.", "_tcp.mx.h.example.?")})}}},
		zones: []string{". ok", "_tcp.mx.h.example. failing", "example. ok", "h.example. ok"},
		links: map[string]string{"zone:h.example.>zone:_tcp.mx.h.example.": "failing",
			"zone:_tcp.mx.h.example.>tlsa:_25._tcp.mx.h.example.": "failing", "zone:h.example.>mx.h.example.": "ok"},
		label: "✗ bogus: signature-expired",
	}, {
		name: "bogus answer in a secure zone",
		r: delivery.DomainReport{Domain: "b.example",
			MXLookup: delivery.Lookup{DNSSEC: dnssec.Bogus, Reason: dnssec.ReasonSignatureExpired, Zones: zl(".", "example.", "b.example.")}},
		zones: []string{". ok", "b.example. ok", "example. ok"},
		links: map[string]string{"zone:b.example.>b.example.": "failing", "zone:example.>zone:b.example.": "ok"},
		label: "✗ bogus: signature-expired",
	}, {
		name: "CNAME'd MX host",
		r: delivery.DomainReport{Domain: "h.example", MXLookup: *sec(signed), MX: []delivery.MXReport{{
			Host: "mx.h.example", Canonical: "smtp.p.example", DNSSEC: dnssec.Secure,
			A:    sec(zl(".", "example.", "h.example.", "p.example.")),
			TLSA: tlsa("_25._tcp.smtp.p.example", *sec(zl(".", "example.", "p.example."))),
			Addresses: []delivery.AddressReport{{IP: "192.0.2.1", STARTTLS: true, DANE: delivery.AddressVerified,
				Chain: []delivery.Certificate{{Subject: "CN=smtp.p.example", SPKISHA256: "aa"}}}}}}},
		zones: []string{". ok", "example. ok", "h.example. ok", "p.example. ok"},
		links: map[string]string{"zone:h.example.>mx.h.example.": "ok", "mx.h.example.>smtp.p.example.": "ok",
			"zone:p.example.>smtp.p.example.": "ok", "zone:p.example.>tlsa:_25._tcp.smtp.p.example.": "ok",
			"smtp.p.example.>ip:mx.h.example/192.0.2.1": "ok"},
		not:   []string{"zone:h.example.>zone:p.example.", "mx.h.example.>ip:mx.h.example/192.0.2.1"},
		label: "CNAME",
	}, {
		name:  "no chain recorded (a failed lookup)",
		r:     delivery.DomainReport{Domain: "t.example", MXLookup: delivery.Lookup{Error: "i/o timeout"}},
		zones: []string{"? insecure"},
		links: map[string]string{"zone:?>t.example.": "failing"},
		label: "✗ lookup failed",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			svg := chainSVG(&tc.r)
			links := svgLinks(svg)
			if got := svgZones(svg); strings.Join(got, ", ") != strings.Join(tc.zones, ", ") {
				t.Errorf("zones drawn %q, want %q", got, tc.zones)
			}
			for l, st := range tc.links {
				if links[l] != st {
					t.Errorf("link %s is %q, want %q", l, links[l], st)
				}
			}
			for _, l := range tc.not {
				if _, ok := links[l]; ok {
					t.Errorf("link %s drawn", l)
				}
			}
			if tc.label != "" {
				if n := strings.Count(svg, ">"+tc.label+"</text>"); n != 1 {
					t.Errorf("label %q drawn %d times, want once", tc.label, n)
				}
			}
			if t.Failed() {
				t.Logf("links: %v\n%s", links, svg)
			}
		})
	}
}

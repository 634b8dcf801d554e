package report

import (
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// htmlSample is a domain with two MX hosts: a good one listed first and a
// failing one (its TLSA record does not match), and hostile text in the
// server's answers.
func htmlSample() *delivery.DomainReport {
	z := []delivery.ZoneLink{{Zone: ".", Security: dnssec.Secure}, {Zone: "example.", Security: dnssec.Secure}, {Zone: "h.example.", Security: dnssec.Secure}}
	good := delivery.MXReport{Host: "mx1.h.example", Preference: 10, DNSSEC: dnssec.Secure, A: &delivery.Lookup{DNSSEC: dnssec.Secure, Zones: z},
		TLSA: &delivery.TLSAReport{Name: "_25._tcp.mx1.h.example", Lookup: delivery.Lookup{DNSSEC: dnssec.Secure, Zones: z},
			Records: []delivery.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "aa", Usable: true}}},
		Addresses: []delivery.AddressReport{{IP: "192.0.2.1", STARTTLS: true, DANE: delivery.AddressVerified,
			Chain: []delivery.Certificate{{Subject: "CN=mx1.h.example", SPKISHA256: "aa", NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		DANE: delivery.DANEVerified}
	bad := delivery.MXReport{Host: "mx2.h.example", Preference: 20, DNSSEC: dnssec.Secure, A: &delivery.Lookup{DNSSEC: dnssec.Secure, Zones: z},
		TLSA: &delivery.TLSAReport{Name: "_25._tcp.mx2.h.example", Lookup: delivery.Lookup{DNSSEC: dnssec.Secure, Zones: z},
			Records: []delivery.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "bb", Usable: true}}},
		Addresses: []delivery.AddressReport{
			{IP: "192.0.2.3", Error: "connection refused", ErrorStage: "connect", DANE: delivery.AddressFailed, DANEReason: "unreachable"},
			{IP: "192.0.2.2", STARTTLS: true, Banner: "220 <script>alert(1)</script>", DANE: delivery.AddressFailed, DANEReason: delivery.ReasonNoMatch,
				Match: &delivery.Match{Detail: "no record matches <marquee>"},
				Chain: []delivery.Certificate{{Subject: "CN=<img src=x>", SPKISHA256: "cc"}}},
		},
		DANE: delivery.DANEFailed, DANEReason: delivery.ReasonNoMatch}
	return &delivery.DomainReport{Domain: "h.example", Status: delivery.StatusCritical, DANE: delivery.DANEPartial,
		Summary: "DANE fails on mx2 <i>", MXLookup: delivery.Lookup{DNSSEC: dnssec.Secure, Zones: z}, MX: []delivery.MXReport{good, bad},
		Failures: []delivery.Failure{{ResultType: tlsrpt.ResultTLSAInvalid, Policy: "dane", MX: "mx2.h.example", IP: "192.0.2.2", Detail: "no match"}}}
}

func TestWriteHTML(t *testing.T) {
	var b strings.Builder
	page := HTMLPage{Report: htmlSample(), Dashboard: "/",
		Timeline: []HTMLRun{{Status: delivery.StatusOK}, {Status: delivery.StatusCritical}},
		Changes:  []HTMLChange{{Level: "critical", Code: "broken-rollover", Detail: "new key <without> TLSA"}}}
	if err := WriteHTML(&b, []HTMLPage{page}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<script>", "<img", "<marquee>", "<i>", "<without>"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in the page", bad)
		}
	}
	for _, want := range []string{"CRITICAL", "&lt;img src=x&gt;", "broken-rollover", `href="/"`, `class="timeline"`, "tlsa-invalid",
		`class="link failing"`, "✗ no-match", "✗ connect failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Failures first: the failing MX before the good one, and within it
	// the address with the failure listed first stays first.
	if i, j := strings.Index(out, "<h3>mx2.h.example"), strings.Index(out, "<h3>mx1.h.example"); i < 0 || j < 0 || i > j {
		t.Errorf("the failing MX is not first (%d, %d)", i, j)
	}
	// The failing links are the no-match certificate and the refused
	// address, nothing else.
	svg := out[strings.Index(out, "<svg"):strings.Index(out, "</svg>")]
	if n := strings.Count(svg, `class="link failing"`); n != 2 {
		t.Errorf("%d failing links, want 2:\n%s", n, svg)
	}
	for _, want := range []string{`data-from="mx2.h.example." data-to="ip:mx2.h.example/192.0.2.3"`, `data-from="tlsa:_25._tcp.mx2.h.example." data-to="cert:ip:mx2.h.example/192.0.2.2"`} {
		if !strings.Contains(svg, `<g class="link failing" `+want) {
			t.Errorf("the link %s is not marked failing", want)
		}
	}
	if strings.Contains(svg, `<g class="link failing" data-from="tlsa:_25._tcp.mx1.h.example."`) {
		t.Error("the matching certificate of mx1 is marked failing")
	}
}

func TestWriteHTMLIndex(t *testing.T) {
	var b strings.Builder
	idx := HTMLIndex{Sort: "status", Rows: []HTMLIndexRow{{Domain: "h.example", Report: htmlSample()}, {Domain: "new.example"}}}
	if err := WriteHTMLIndex(&b, idx); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`<a href="/domain/h.example">h.example</a>`, "CRITICAL", "NOT CHECKED", `href="?sort=status&amp;order=desc">Status ▲`, `href="?sort=domain">Domain<`} {
		if !strings.Contains(out, want) {
			t.Errorf("index lacks %q:\n%s", want, out)
		}
	}
}

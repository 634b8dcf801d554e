package interop

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

var update = flag.Bool("update", false, "rewrite the generated interop tables in the top-level README.md")

// readmeSections maps each generated section of README.md to its
// renderer. The sections sit between "<!-- begin NAME -->" and
// "<!-- end NAME -->" markers.
func readmeSections(t *testing.T) map[string]string {
	t.Helper()
	scen, err := smtpScenarios(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sw := &smtpWorld{scenarios: scen}
	return map[string]string{
		"zones": zoneTable(append(dnsZones(), sw.zones()...)),
		"dns":   dnsTable(dnsCases()),
		"smtp":  smtpTable(scen),
	}
}

func zoneTable(specs []zoneSpec) string {
	var b strings.Builder
	b.WriteString("| zone | signer | algorithm | keys | denial | signatures | DS at parent |\n|---|---|---|---|---|---|---|\n")
	for _, z := range specs {
		if z.signer == noSigner {
			fmt.Fprintf(&b, "| `%s` | unsigned | | | | | none (insecure delegation) |\n", z.name)
			continue
		}
		keys := "one key (KSK flag) signs all"
		if z.split {
			keys = "KSK + ZSK"
		}
		denial := "NSEC"
		if z.nsec3 {
			denial = fmt.Sprintf("NSEC3, %d iterations", z.iterations)
			if z.optOut {
				denial += ", opt-out"
			}
		}
		window := "valid (now-1h .. +30d)"
		switch z.window {
		case windowExpired:
			window = "expired (-30d .. -3d)"
		case windowFuture:
			window = "not yet valid (+3d .. +30d)"
		}
		ds := "matches the KSK"
		if z.wrongDS {
			ds = "**wrong**: digest of an unused key"
		}
		if z.dsDigest != 0 {
			ds = fmt.Sprintf("digest type %d only (unsupported)", z.dsDigest)
		}
		if z.parent == "" {
			ds = "trust anchor of every validator"
		}
		alg := z.alg
		if z.bits != 0 {
			alg += fmt.Sprintf(", %d-bit modulus", z.bits)
		}
		if z.exponent != nil {
			alg += fmt.Sprintf(", exponent %v (%d bits; key made in Go)", z.exponent, z.exponent.BitLen())
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", z.name, z.signer, alg, keys, denial, window, ds)
	}
	return b.String()
}

func dnsTable(cases []dnsCase) string {
	var b strings.Builder
	b.WriteString("| question | rcode | daneprobe | delv | Unbound (AD/SERVFAIL) |\n|---|---|---|---|---|\n")
	var notes []string
	for _, c := range cases {
		rcode := dns.RcodeToString[c.rcode]
		if c.want == dnssec.Bogus { // a bogus answer's rcode is not compared
			rcode = "—"
		}
		mark := ""
		if c.note != "" {
			notes = append(notes, c.note)
			mark = fmt.Sprintf(" (%d)", len(notes))
		}
		want := c.want.String()
		if c.reason != "" {
			want += " (" + string(c.reason) + ")"
		}
		fmt.Fprintf(&b, "| `%s %s` | %s | %s%s | %s | %s |\n", c.name, dns.TypeToString[c.qtype], rcode, want, mark, c.delvWant(), c.refWant())
	}
	seen := map[string]int{}
	b.WriteString("\n")
	for i, n := range notes {
		if j, ok := seen[n]; ok {
			fmt.Fprintf(&b, "(%d) as (%d).\n", i+1, j)
			continue
		}
		seen[n] = i + 1
		fmt.Fprintf(&b, "(%d) Expected difference: %s.\n", i+1, n)
	}
	return b.String()
}

func smtpTable(scen []*smtpScenario) string {
	var b strings.Builder
	b.WriteString("| recipient domain | what the MX presents / publishes | RFC 7672 verdict (reason) | posttls-finger -l dane |\n|---|---|---|---|\n")
	for _, s := range scen {
		v := string(s.want)
		if s.reason != "" {
			v += " (" + string(s.reason) + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", strings.TrimSuffix(s.domain, "."), s.about, v, s.finger)
	}
	return b.String()
}

// TestREADMETables keeps the scenario tables of README.md in step with the
// tables the suite runs; go test -run TestREADMETables -update rewrites
// them. It needs no daemons.
func TestREADMETables(t *testing.T) {
	const path = "../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for name, body := range readmeSections(t) {
		begin, end := "<!-- begin "+name+" -->\n", "<!-- end "+name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("README.md lacks the %q and %q markers", strings.TrimSpace(begin), end)
		}
		cur := doc[i+len(begin) : j]
		if cur == body {
			continue
		}
		if !*update {
			t.Errorf("README.md section %q is out of date; run go test ./interop -run TestREADMETables -update", name)
			continue
		}
		doc = doc[:i+len(begin)] + body + doc[j:]
	}
	if *update && doc != string(raw) {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package mailauth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSPF(t *testing.T) {
	good := func(rec string, terms int) {
		t.Helper()
		r, err := ParseSPF(rec)
		if err != nil {
			t.Errorf("ParseSPF(%q): %v", rec, err)
			return
		}
		if len(r.Terms) != terms {
			t.Errorf("ParseSPF(%q): %d terms, want %d", rec, len(r.Terms), terms)
		}
	}
	bad := func(rec string, pos int, msg string) {
		t.Helper()
		_, err := ParseSPF(rec)
		se, ok := err.(*SyntaxError)
		if !ok {
			t.Errorf("ParseSPF(%q) = %v, want a syntax error", rec, err)
			return
		}
		if se.Pos != pos || !strings.Contains(se.Msg, msg) {
			t.Errorf("ParseSPF(%q) = %v, want offset %d and %q", rec, err, pos, msg)
		}
	}
	// RFC 7208 §4.5, §4.6.1: the version and SP-separated terms.
	good("v=spf1", 0)
	good("V=SPF1 -ALL", 1)
	good("v=spf1  ip4:192.0.2.0/24   -all ", 2)
	bad("v=spf10 -all", 0, "v=spf1")
	bad("v=spf1\t-all", 0, "v=spf1")
	bad("v=spf1 -all\tip4:192.0.2.1", 7, "unknown mechanism")
	// §5: every mechanism and its arguments.
	good("v=spf1 a a:mail.example.test a/24 a:x.example.test/24//64 a//64 mx mx:x.test/30 ptr ptr:x.test ip4:192.0.2.1 ip6:2001:db8::/32 exists:%{ir}.x.test include:_spf.x.test ?all", 14)
	bad("v=spf1 ip4:192.0.2.1/33", 7, "out of range")
	bad("v=spf1 ip4:2001:db8::1", 7, "IPv4")
	bad("v=spf1 ip6:192.0.2.1", 7, "IPv6")
	bad("v=spf1 ip4:192.0.2.1/08", 7, "bad CIDR")
	bad("v=spf1 a/129", 7, "out of range")
	bad("v=spf1 a//129", 7, "out of range")
	bad("v=spf1 include", 7, "needs a domain")
	bad("v=spf1 exists", 7, "needs a domain")
	bad("v=spf1 ip4", 7, "needs a network")
	bad("v=spf1 -all foo", 12, "unknown mechanism")
	bad("v=spf1 a:example", 7, "top label")
	bad("v=spf1 include:example.123", 7, "top label")
	bad("v=spf1 all:x", 7, "no argument")
	bad("v=spf1 ptr/24", 7, "no CIDR")
	// §6: modifiers, at most one redirect and one exp; unknown ones are
	// ignored but must be macro-strings.
	good("v=spf1 redirect=_spf.x.test exp=explain.x.test foo=bar", 3)
	bad("v=spf1 redirect=a.x.test redirect=b.x.test", 25, "more than once")
	bad("v=spf1 exp=a.x.test exp=b.x.test", 20, "more than once")
	bad("v=spf1 foo=%z", 7, "not a macro")
	// §7: macros.
	good("v=spf1 exists:%{l1r-}.%{d2}.%{ir}.%{v}._spf.%{d}", 1)
	good("v=spf1 include:%{d}", 1)
	bad("v=spf1 exists:%{c}.x.test", 7, "only allowed in explanation")
	bad("v=spf1 exists:%{d0}.x.test", 7, "1-128")
	bad("v=spf1 exists:%{q}.x.test", 7, "unknown macro letter")
	bad("v=spf1 exists:%{d.x.test", 7, "unterminated")
	bad("v=spf1 exists:%{d*}.x.test", 7, "not a delimiter")
	bad("v=spf1 exists:x.test%", 7, "lone")
}

func TestExpandDomain(t *testing.T) {
	// RFC 7208 §7.4's examples.
	env := &macroEnv{known: true, sender: "strong-bad@email.example.com", local: "strong-bad", sdom: "email.example.com", ip: netip.MustParseAddr("192.0.2.3"), helo: "mx.example.org"}
	cases := map[string]string{
		"%{s}":                              "strong-bad@email.example.com",
		"%{o}":                              "email.example.com",
		"%{d}":                              "email.example.com",
		"%{d4}":                             "email.example.com",
		"%{d3}":                             "email.example.com",
		"%{d2}":                             "example.com",
		"%{d1}":                             "com",
		"%{dr}":                             "com.example.email",
		"%{d2r}":                            "example.email",
		"%{l}":                              "strong-bad",
		"%{l-}":                             "strong.bad",
		"%{lr}":                             "strong-bad",
		"%{lr-}":                            "bad.strong",
		"%{l1r-}":                           "strong",
		"%{ir}.%{v}._spf.%{d2}":             "3.2.0.192.in-addr._spf.example.com",
		"%{lr-}.lp._spf.%{d2}":              "bad.strong.lp._spf.example.com",
		"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}":  "3.2.0.192.in-addr.strong.lp._spf.example.com",
		"%{d2}.trusted-domains.example.net": "example.com.trusted-domains.example.net",
	}
	for spec, want := range cases {
		got, dep, err := expandDomain(spec, "email.example.com", env)
		if err != nil || dep || got != want {
			t.Errorf("expand %q = %q, %v, %v; want %q", spec, got, dep, err, want)
		}
	}
	env6 := &macroEnv{known: true, ip: netip.MustParseAddr("2001:db8::cb01")}
	got, _, _ := expandDomain("%{ir}.%{v}._spf.%{d2}", "email.example.com", env6)
	if want := "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"; got != want {
		t.Errorf("IPv6 %%{ir} = %q, want %q", got, want)
	}
	// Without a sender, sender macros make the term depend on it.
	if _, dep, _ := expandDomain("%{l}.x.test", "x.test", &macroEnv{}); !dep {
		t.Error("%{l} without a sender: want depends")
	}
	// RFC 7208 §7.3: over 253 octets, left labels go.
	long := &macroEnv{known: true, local: strings.Repeat("a.", 200) + "b"}
	got, _, err := expandDomain("%{l}.x.test", "x.test", long)
	if err != nil || len(got) > 253 || !strings.HasSuffix(got, "b.x.test") {
		t.Errorf("long expansion = %d octets %q, %v", len(got), got, err)
	}
	// A huge expansion is refused, not built.
	huge := &macroEnv{known: true, sender: strings.Repeat("x", 300)}
	if _, _, err := expandDomain(strings.Repeat("%{s}", 100)+".x.test", "x.test", huge); err == nil {
		t.Error("a 30 kB expansion: want an error")
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// checkHostCase is one row of the check_host() table.
type checkHostCase struct {
	rule, domain, ip, sender string
	want                     SPFResult
	lookups                  int
}

// checkHostTable returns the zone lines and cases of the check_host()
// rules, shared with the differential test against blitiri.
func checkHostTable() ([]string, []checkHostCase) {
	base := []string{
		txt("x.test.", "v=spf1 ip4:192.0.2.0/24 a:mail.x.test mx include:_spf.y.test -all"),
		"mail.x.test. 300 IN A 198.51.100.7",
		"x.test. 300 IN MX 10 mx.x.test.",
		"mx.x.test. 300 IN A 203.0.113.9",
		"mx.x.test. 300 IN AAAA 2001:db8::25",
		txt("_spf.y.test.", "v=spf1 ip6:2001:db8:5::/48 ~all"),
		txt("soft.test.", "v=spf1 ip4:192.0.2.1 ~all"),
		txt("redir.test.", "v=spf1 redirect=x.test"),
		txt("redir-all.test.", "v=spf1 ?all redirect=x.test"),
		txt("none-inc.test.", "v=spf1 include:nothing.test -all"),
		"nothing.test. 300 IN A 192.0.2.99",
		txt("two.test.", "v=spf1 -all"),
		txt("two.test.", "v=spf1 +all"),
		txt("split.test.", "v=spf1 ip4:192.0.2.5 "+strings.Repeat(" ", 300)+"-all"),
		txt("loop.test.", "v=spf1 include:loop2.test -all"),
		txt("loop2.test.", "v=spf1 include:loop.test -all"),
		txt("void.test.", "v=spf1 a:n1.test a:n2.test a:n3.test -all"),
		txt("void2.test.", "v=spf1 a:n1.test a:n2.test ip4:192.0.2.1 -all"),
		txt("exists.test.", "v=spf1 exists:%{ir}.list.exists.test -all"),
		"1.2.0.192.list.exists.test. 300 IN A 127.0.0.2",
		txt("macro.test.", "v=spf1 include:%{l}.users.macro.test -all"),
		txt("alice.users.macro.test.", "v=spf1 ip4:198.51.100.1 -all"),
		txt("bad.test.", "v=spf1 ip4:192.0.2.300 -all"),
		txt("neutral.test.", "v=spf1 ip4:192.0.2.1"),
		txt("tmp.test.", "v=spf1 include:down.test -all"),
		txt("a-cidr.test.", "v=spf1 a:mail.x.test/24 -all"),
		txt("ptr.test.", "v=spf1 ptr:x.test -all"),
		"7.100.51.198.in-addr.arpa. 300 IN PTR mail.x.test.",
		txt("manymx.test.", "v=spf1 mx -all"),
	}
	for i := 0; i < 11; i++ {
		base = append(base, fmt.Sprintf("manymx.test. 300 IN MX %d m%d.x.test.", i, i))
	}
	// Twelve lookups: one include per term.
	var inc []string
	for i := 0; i < 11; i++ {
		inc = append(inc, fmt.Sprintf("include:i%d.wide.test", i))
		base = append(base, txt(fmt.Sprintf("i%d.wide.test.", i), "v=spf1 ip4:10.0.0.1 -all"))
	}
	base = append(base, txt("wide.test.", "v=spf1 "+strings.Join(inc, " ")+" -all"))
	cases := []checkHostCase{
		{"§5.6 ip4 match", "x.test", "192.0.2.77", "", SPFPass, 0},
		{"§5.3 a match", "x.test", "198.51.100.7", "", SPFPass, 1},
		{"§5.4 mx match", "x.test", "203.0.113.9", "", SPFPass, 2},
		{"§5.4 mx match IPv6", "x.test", "2001:db8::25", "", SPFPass, 2},
		{"§5.2 include pass", "x.test", "2001:db8:5::1", "", SPFPass, 3},
		{"§5.2 include softfail is no match, -all", "x.test", "2001:db8:6::1", "", SPFFail, 3},
		{"§5.1 -all fail", "x.test", "192.0.3.1", "", SPFFail, 3},
		{"§4.6.2 ~all softfail", "soft.test", "192.0.2.2", "", SPFSoftfail, 0},
		{"§4.7 no match neutral", "neutral.test", "192.0.2.2", "", SPFNeutral, 0},
		{"§6.1 redirect", "redir.test", "192.0.2.1", "", SPFPass, 1},
		{"§6.1 redirect counted", "redir.test", "192.0.3.1", "", SPFFail, 4},
		{"§6.1 redirect ignored with all", "redir-all.test", "192.0.2.1", "", SPFNeutral, 0},
		{"§4.5 no record none", "nothing.test", "192.0.2.1", "", SPFNone, 0},
		{"§4.5 nxdomain none", "absent.test", "192.0.2.1", "", SPFNone, 0},
		{"§4.5 two records permerror", "two.test", "192.0.2.1", "", SPFPermerror, 0},
		{"§3.3 strings joined", "split.test", "192.0.2.5", "", SPFPass, 0},
		{"§5.2 include of no record permerror", "none-inc.test", "192.0.2.1", "", SPFPermerror, 1},
		{"§4.6.4 include loop permerror", "loop.test", "192.0.2.1", "", SPFPermerror, 2},
		{"§4.6.4 11 lookups permerror", "wide.test", "192.0.2.1", "", SPFPermerror, 11},
		{"§4.6.4 10 lookups fine", "wide.test", "10.0.0.1", "", SPFPass, 1},
		{"§4.6.4 3 void lookups permerror", "void.test", "192.0.2.1", "", SPFPermerror, 3},
		{"§4.6.4 2 void lookups fine", "void2.test", "192.0.2.1", "", SPFPass, 2},
		{"§4.6.4 more than 10 MX permerror", "manymx.test", "192.0.2.1", "", SPFPermerror, 1},
		{"§5.7 exists with %{ir}", "exists.test", "192.0.2.1", "", SPFPass, 1},
		{"§5.7 exists without", "exists.test", "192.0.2.9", "", SPFFail, 1},
		{"§7 macro include", "macro.test", "198.51.100.1", "alice@macro.test", SPFPass, 1},
		{"§7 macro include, no record", "macro.test", "198.51.100.1", "bob@macro.test", SPFPermerror, 1},
		{"§4.6 syntax error permerror", "bad.test", "192.0.2.1", "", SPFPermerror, 0},
		{"§5 temperror", "tmp.test", "192.0.2.1", "", SPFTemperror, 1},
		{"§5.6 a cidr", "a-cidr.test", "198.51.100.200", "", SPFPass, 1},
		{"§5.5 ptr validated", "ptr.test", "198.51.100.7", "", SPFPass, 1},
		{"§5.5 ptr no name", "ptr.test", "198.51.100.8", "", SPFFail, 1},
	}
	return base, cases
}

func TestCheckHost(t *testing.T) {
	base, cases := checkHostTable()
	for _, c := range cases {
		f := newFake(t, base...)
		f.servfail["down.test."] = true
		got := CheckHost(context.Background(), f, ip(c.ip), c.domain, c.sender, "")
		if got.Result != c.want || got.Lookups != c.lookups {
			t.Errorf("%s: CheckHost(%s, %s) = %s with %d lookups (%s, path %v), want %s with %d", c.rule, c.ip, c.domain, got.Result, got.Lookups, got.Reason, got.Path, c.want, c.lookups)
		}
		if f.queries > 1+MaxSPFLookups*(1+maxSPFNames) {
			t.Errorf("%s: %d queries", c.rule, f.queries)
		}
	}
}

func TestCheckHostPath(t *testing.T) {
	f := newFake(t,
		txt("x.test.", "v=spf1 include:_spf.y.test -all"),
		txt("_spf.y.test.", "v=spf1 ip4:192.0.2.0/24 -all"))
	got := CheckHost(context.Background(), f, ip("192.0.2.1"), "x.test", "", "")
	want := []string{"x.test: include:_spf.y.test", "_spf.y.test: ip4:192.0.2.0/24"}
	if got.Result != SPFPass || strings.Join(got.Path, "|") != strings.Join(want, "|") {
		t.Errorf("path = %v %v, want pass via %v", got.Result, got.Path, want)
	}
}

func TestAnalyzeSPF(t *testing.T) {
	f := newFake(t,
		txt("x.test.", "v=spf1 include:a.y.test include:%{l}.z.test mx ptr ~all"),
		txt("a.y.test.", "v=spf1 include:b.y.test a:host.y.test -all"),
		txt("b.y.test.", "v=spf1 ip4:192.0.2.0/24 -all"),
		"host.y.test. 300 IN AAAA 2001:db8::1",
		"x.test. 300 IN MX 10 mx.x.test.",
		txt("plus.test.", "v=spf1 +all"),
		txt("redir.test.", "v=spf1 redirect=x.test"),
	)
	f.insecure["a.y.test."] = true
	s := AnalyzeSPF(context.Background(), f, "x.test")
	// include a.y.test, include (macro: counted, not followed), mx, ptr,
	// include b.y.test, a.
	if !s.Found || s.Lookups != 6 || s.VoidLookups != 0 || s.Policy != "~all" || s.Result != "" {
		t.Fatalf("AnalyzeSPF = found %v lookups %d voids %d policy %q result %q %s", s.Found, s.Lookups, s.VoidLookups, s.Policy, s.Result, s.Error)
	}
	if len(s.Tree.Children) != 1 || s.Tree.Children[0].DNSSEC.String() != "insecure" || len(s.Tree.Children[0].Children) != 1 {
		t.Errorf("tree = %+v", s.Tree)
	}
	if !hasCode(s.Findings, NoteSPFPtr) || !hasCode(s.Findings, NoteSPFSoftfail) || !hasCode(s.Findings, NoteSPFSenderMacros) {
		t.Errorf("findings = %+v", s.Findings)
	}
	p := AnalyzeSPF(context.Background(), f, "plus.test")
	if p.Policy != "+all" || !hasCode(p.Findings, WarnSPFPlusAll) {
		t.Errorf("+all: %+v", p)
	}
	r := AnalyzeSPF(context.Background(), f, "redir.test")
	if r.Policy != "~all" || r.Lookups != 7 {
		t.Errorf("redirect: policy %q lookups %d", r.Policy, r.Lookups)
	}
	n := AnalyzeSPF(context.Background(), f, "none.test")
	if n.Found || n.Result != SPFNone || !hasCode(n.Findings, NoteSPFNone) {
		t.Errorf("none: %+v", n)
	}
}

// TestSPFHostileBounded: a tree that fans out to hundreds of names ends
// at the 11th lookup with a permerror, in a bounded number of queries.
func TestSPFHostileBounded(t *testing.T) {
	var lines []string
	for i := 0; i < 300; i++ {
		var inc []string
		for j := 0; j < 20 && i*20+j+1 < 300; j++ {
			inc = append(inc, fmt.Sprintf("include:n%d.fan.test", i*20+j+1))
		}
		lines = append(lines, txt(fmt.Sprintf("n%d.fan.test.", i), "v=spf1 "+strings.Join(inc, " ")+" -all"))
	}
	lines = append(lines, txt("fan.test.", "v=spf1 include:n0.fan.test -all"))
	// A 64 KiB record of valid terms.
	big := "v=spf1" + strings.Repeat(" ip4:192.0.2.1", 65536/14)
	lines = append(lines, txt("big.test.", big))
	f := newFake(t, lines...)
	s := AnalyzeSPF(context.Background(), f, "fan.test")
	if s.Result != SPFPermerror || s.Lookups != 11 || f.queries > 12 {
		t.Errorf("fan-out: %s after %d lookups, %d queries: %s", s.Result, s.Lookups, f.queries, s.Error)
	}
	f.queries = 0
	b := AnalyzeSPF(context.Background(), f, "big.test")
	if !b.Found || f.queries != 1 || !hasCode(b.Findings, NoteSPFLong) {
		t.Errorf("64 KiB record: found %v, %d queries, %+v", b.Found, f.queries, b.Findings)
	}
}

func hasCode(fs []Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestIsSPFRecord: RFC 7208 §4.5, the version section ends at a space or
// the record's end; moved from gather with the parsing.
func TestIsSPFRecord(t *testing.T) {
	for s, want := range map[string]bool{"v=spf1": true, "V=SPF1 -all": true, "v=spf1;-all": false, "v=spf10 -all": false, "google-site-verification=x": false, " v=spf1": false} {
		if got := IsSPFRecord(s); got != want {
			t.Errorf("IsSPFRecord(%q) = %v", s, got)
		}
	}
}

package mailauth

import (
	"context"
	"strings"
	"testing"
)

func TestIsDMARCRecord(t *testing.T) {
	for s, want := range map[string]bool{
		"v=DMARC1; p=none":  true,
		"V = DMARC1;p=none": true,
		"v=DMARC1":          true,
		"v=dmarc1; p=none":  false, // RFC 7489 §6.4: DMARC1 is case-sensitive
		"v=DMARC10; p=none": false,
		"p=none; v=DMARC1":  false, // §6.3: v must be first
		"":                  false,
	} {
		if got := IsDMARCRecord(s); got != want {
			t.Errorf("IsDMARCRecord(%q) = %v", s, got)
		}
	}
}

func TestParseDMARC(t *testing.T) {
	cases := []struct {
		rule, rec string
		err       bool
		problem   string // a substring of a problem, or ""
		p         string
	}{
		{"§6.3 minimal", "v=DMARC1; p=reject", false, "", "reject"},
		{"§6.3 every tag", "v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@x.test,mailto:b@y.test!10m; ruf=mailto:f@x.test; adkim=s; aspf=r; fo=0:1:d:s; rf=afrf; ri=86400", false, "", "quarantine"},
		{"§6.3 p invalid, no rua: no policy", "v=DMARC1; p=block", true, "p=\"block\"", ""},
		{"§6.6.3 no p, valid rua: none", "v=DMARC1; rua=mailto:a@x.test", false, "treated as p=none", "none"},
		{"§6.6.3 no p, no rua", "v=DMARC1; adkim=s", true, "", ""},
		{"§6.3 pct range", "v=DMARC1; p=none; pct=101", false, "pct=", "none"},
		{"§6.3 adkim", "v=DMARC1; p=none; adkim=x", false, "adkim=", "none"},
		{"§6.3 aspf", "v=DMARC1; p=none; aspf=strict", false, "aspf=", "none"},
		{"§6.3 fo", "v=DMARC1; p=none; fo=2", false, "fo=", "none"},
		{"§6.3 rf", "v=DMARC1; p=none; rf=iodef", false, "rf=", "none"},
		{"§6.3 ri", "v=DMARC1; p=none; ri=-1", false, "ri=", "none"},
		{"§6.4 rua URI", "v=DMARC1; p=none; rua=reports@x.test", false, "not a URI", "none"},
		{"§6.4 rua size", "v=DMARC1; p=none; rua=mailto:a@x.test!10q", false, "size", "none"},
		{"§6.6.3 sp invalid, no rua: no policy", "v=DMARC1; p=reject; sp=maybe", true, "sp=", ""},
		{"§6.6.3 sp invalid, valid rua: none", "v=DMARC1; p=reject; sp=maybe; rua=mailto:a@x.test", false, "an invalid sp=", "none"},
		{"DMARCbis np/psd/t accepted", "v=DMARC1; p=reject; np=reject; psd=n; t=n", false, "", "reject"},
		{"DMARCbis psd invalid", "v=DMARC1; p=reject; psd=x", false, "psd=", "reject"},
		{"§6.3 case of p value", "v=DMARC1; p=Reject", false, "", "reject"},
		{"not DMARC", "v=spf1 -all", true, "", ""},
	}
	for _, c := range cases {
		r, err := ParseDMARC(c.rec)
		if (err != nil) != c.err {
			t.Errorf("%s: ParseDMARC(%q) error %v, want error %v", c.rule, c.rec, err, c.err)
			continue
		}
		if c.problem != "" && (r == nil || !strings.Contains(strings.Join(r.Problems, "|"), c.problem)) {
			t.Errorf("%s: problems %v, want %q", c.rule, r.Problems, c.problem)
		}
		if c.problem == "" && r != nil && len(r.Problems) > 0 {
			t.Errorf("%s: unexpected problems %v", c.rule, r.Problems)
		}
		if !c.err && r.Tags["p"] != c.p {
			t.Errorf("%s: p = %q, want %q", c.rule, r.Tags["p"], c.p)
		}
	}
	r, _ := ParseDMARC("v=DMARC1; p=none; foo=bar")
	if len(r.Unknown) != 1 || r.Unknown[0] != "foo" {
		t.Errorf("unknown tags %v", r.Unknown)
	}
}

func TestOrgDomain(t *testing.T) {
	for d, want := range map[string]string{
		"a.b.example.co.uk": "example.co.uk",
		"mail.example.com":  "example.com",
		"example.com.":      "example.com",
		// The PSL's default rule: an unlisted TLD is a public suffix.
		"sub.mail.test": "mail.test",
		"mail.test":     "mail.test",
	} {
		if got := OrgDomain(d); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", d, got, want)
		}
	}
}

func TestLookupDMARC(t *testing.T) {
	f := newFake(t,
		txt("_dmarc.org.test.", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@org.test,mailto:agg@reports.test,mailto:x@noauth.test"),
		txt("org.test._report._dmarc.reports.test.", "v=DMARC1"),
		txt("_dmarc.own.org.test.", "v=DMARC1; p=none; pct=20"),
		txt("_dmarc.two.test.", "v=DMARC1; p=none"),
		txt("_dmarc.two.test.", "v=DMARC1; p=reject"),
		txt("_dmarc.weak.test.", "v=DMARC1; p=reject; sp=none"),
		txt("_dmarc.bad.test.", "v=DMARC1; p=bogus"),
	)
	f.servfail["_dmarc.down.test."] = true
	// §6.6.3: fallback to the organizational domain, whose sp= applies.
	d := LookupDMARC(context.Background(), f, "sub.org.test")
	if !d.Found || d.Source != "_dmarc.org.test" || d.Policy != "quarantine" || d.OrgDomain != "org.test" || !hasCode(d.Findings, NoteDMARCOrgFallback) {
		t.Errorf("fallback: %+v", d)
	}
	// §7.1: two external destinations, one authorized.
	if len(d.External) != 2 || !d.External[0].Authorized || d.External[1].Authorized || d.External[1].Query != "org.test._report._dmarc.noauth.test" || !hasCode(d.Findings, WarnDMARCUnauthorized) {
		t.Errorf("external: %+v %+v", d.External, d.Findings)
	}
	own := LookupDMARC(context.Background(), f, "own.org.test")
	if own.Source != "_dmarc.own.org.test" || own.Policy != "none" || !hasCode(own.Findings, NoteDMARCMonitor) || !hasCode(own.Findings, WarnDMARCPct) {
		t.Errorf("own: %+v", own)
	}
	two := LookupDMARC(context.Background(), f, "two.test")
	if two.Found || !strings.Contains(two.Error, "2 DMARC records") || !hasCode(two.Findings, WarnDMARCInvalid) {
		t.Errorf("two: %+v", two)
	}
	weak := LookupDMARC(context.Background(), f, "weak.test")
	if !hasCode(weak.Findings, WarnDMARCWeakSP) {
		t.Errorf("weak sp: %+v", weak.Findings)
	}
	bad := LookupDMARC(context.Background(), f, "bad.test")
	if bad.Found || !hasCode(bad.Findings, WarnDMARCInvalid) {
		t.Errorf("bad: %+v", bad)
	}
	none := LookupDMARC(context.Background(), f, "none.test")
	if none.Found || !hasCode(none.Findings, NoteDMARCNone) {
		t.Errorf("none: %+v", none)
	}
	down := LookupDMARC(context.Background(), f, "down.test")
	if down.Found || !hasCode(down.Findings, WarnDMARCTemperror) {
		t.Errorf("down: %+v", down)
	}
}

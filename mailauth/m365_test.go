package mailauth

import (
	"context"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/dnssec"
)

// testNames puts Microsoft's names under the test TLD.
var testNames = Microsoft365Names{LegacyMX: "mail.protection.outlook.test", DANEMX: "mx.microsoft.test", SPFInclude: "spf.protection.outlook.test", Tenant: "onmicrosoft.test"}

func TestAssessMicrosoft365(t *testing.T) {
	keyed := &DKIM{Selectors: []DKIMSelector{
		{Selector: "selector1", Name: "selector1._domainkey.t.test", Status: "found", Target: "selector1-t-test._domainkey.t.onmicrosoft.test"},
		{Selector: "selector2", Name: "selector2._domainkey.t.test", Status: "not-found", Target: "selector2-t-test._domainkey.t.onmicrosoft.test", Dangling: true},
	}}
	spf := &SPF{Record: "v=spf1 include:spf.protection.outlook.test -all", Tree: &SPFNode{Domain: "t.test", Children: []*SPFNode{{Domain: "spf.protection.outlook.test"}}}}
	reject := &DMARC{Found: true, Policy: "reject"}
	cases := []struct {
		name   string
		mx     []MXHost
		sec    dnssec.Security
		spf    *SPF
		dmarc  *DMARC
		dkim   *DKIM
		detect string
		todo   []string // substrings, each must be in some todo
		none   bool
	}{
		{"not Microsoft", []MXHost{{"mx.other.test", 10}}, dnssec.Secure, &SPF{Record: "v=spf1 -all"}, reject, &DKIM{}, "", nil, true},
		{"legacy, unsigned, p=none", []MXHost{{"t-test.mail.protection.outlook.test", 0}}, dnssec.Insecure, &SPF{Record: "v=spf1 -all"}, &DMARC{Found: true, Policy: "none"}, keyed, "MX,DKIM",
			[]string{"include:spf.protection.outlook.test", "beyond p=none", "DNSSEC-signed", "Enable-DnssecForVerifiedDomain", "selector2._domainkey.t.test points to"}, false},
		{"DANE MX but two MX", []MXHost{{"t-test.a1b.mx.microsoft.test", 0}, {"backup.t.test", 20}}, dnssec.Secure, spf, reject, keyed, "MX,SPF,DKIM", []string{"single MX"}, false},
		{"preference", []MXHost{{"t-test.a1b.mx.microsoft.test", 5}}, dnssec.Secure, spf, reject, keyed, "MX,SPF,DKIM", []string{"preference 0 or 10"}, false},
		{"ready for DANE", []MXHost{{"t-test.a1b.mx.microsoft.test", 0}}, dnssec.Secure, spf, reject, keyed, "MX,SPF,DKIM", []string{"Enable-SmtpDaneInbound"}, false},
		{"no DMARC", []MXHost{{"t-test.a1b.mx.microsoft.test", 0}}, dnssec.Secure, spf, &DMARC{}, keyed, "MX,SPF,DKIM", []string{"publish a DMARC record"}, false},
	}
	for _, c := range cases {
		m := AssessMicrosoft365(testNames, c.mx, c.sec, c.spf, c.dmarc, c.dkim)
		if c.none {
			if m != nil {
				t.Errorf("%s: %+v", c.name, m)
			}
			continue
		}
		if m == nil {
			t.Errorf("%s: not detected", c.name)
			continue
		}
		if got := strings.Join(m.Detected, ","); got != c.detect {
			t.Errorf("%s: detected by %s, want %s", c.name, got, c.detect)
		}
		var all []string
		for _, f := range m.Todo {
			all = append(all, f.Detail)
		}
		for _, want := range c.todo {
			if !strings.Contains(strings.Join(all, "\n"), want) {
				t.Errorf("%s: no todo says %q in\n%s", c.name, want, strings.Join(all, "\n"))
			}
		}
		if c.name == "ready for DANE" && len(m.Todo) != 2 {
			t.Errorf("ready: want only the dangling selector2 and Enable-SmtpDaneInbound, got\n%s", strings.Join(all, "\n"))
		}
	}
}

func TestCheck(t *testing.T) {
	f := newFake(t,
		"t.test. 300 IN MX 0 t-test.mail.protection.outlook.test.",
		txt("t.test.", "v=spf1 include:spf.protection.outlook.test -all"),
		txt("spf.protection.outlook.test.", "v=spf1 ip4:192.0.2.0/24 -all"),
		txt("_dmarc.t.test.", "v=DMARC1; p=none; rua=mailto:d@t.test"),
		"selector1._domainkey.t.test. 300 IN CNAME selector1-t-test._domainkey.t.onmicrosoft.test.",
		txt("selector1-t-test._domainkey.t.onmicrosoft.test.", "v=DKIM1; p="+rsaKey(t, 2048)),
	)
	r := Check(context.Background(), f, "t.test", Options{Microsoft365: testNames, Selectors: []string{"custom"}, IP: ip("192.0.2.9"), Sender: "a@t.test"})
	if !r.SPF.Found || r.SPF.Check == nil || r.SPF.Check.Result != SPFPass || r.DMARC.Policy != "none" || r.DKIM.Found != 1 || r.DKIM.Selectors[0].Selector != "custom" {
		t.Fatalf("Check = %+v %+v %+v %+v", r.SPF, r.SPF.Check, r.DMARC, r.DKIM)
	}
	if r.Microsoft365 == nil || strings.Join(r.Microsoft365.Detected, ",") != "MX,SPF,DKIM" {
		t.Errorf("microsoft365 = %+v", r.Microsoft365)
	}
	if !hasCode(r.Findings(), NoteDMARCMonitor) {
		t.Errorf("findings %+v", r.Findings())
	}
	// The real table is what production uses.
	if Microsoft365().DANEMX != "mx.microsoft" {
		t.Error("table")
	}
}

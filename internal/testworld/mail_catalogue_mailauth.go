package testworld

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
)

// AuthBase is the zone of the mail world's mail-authentication area. The
// DMARC fallback and report-destination scenarios use zones directly
// under the test TLD instead: the Public Suffix List's default rule makes
// every name under an unlisted TLD its own organizational domain, so
// everything under mail.test or auth.test shares one.
const AuthBase = "auth.test"

// Microsoft365Names are the test world's stand-ins for Exchange Online's
// host-name suffixes, in the order of the auth and check commands'
// hidden --microsoft365-names flag: legacy MX, DANE MX, SPF include,
// tenant zone.
const Microsoft365Names = "mail.protection.outlook.test,mx.microsoft.test,spf.protection.outlook.test,onmicrosoft.test"

// AuthScenario is one domain of the mail-authentication area.
type AuthScenario struct {
	// Name is the scenario label; Domain the domain to check.
	Name, Domain string
	// Description says in one line what the domain shows.
	Description string
	// Codes are finding codes "daneprobe auth" must report.
	Codes []string
	// Selectors are DKIM selectors to pass with --dkim-selector.
	Selectors []string
	// Microsoft365 is true for the Exchange Online-style tenants (use
	// Microsoft365Names).
	Microsoft365 bool
}

// dkimKey is the base64 SubjectPublicKeyInfo of an RSA public key of
// the given size: a modulus with its top bit set. Nothing signs with
// it; the size is what a key record is judged by.
func dkimKey(bits int) string {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(0x10001*2+1))
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return base64.StdEncoding.EncodeToString(der)
}

// txtLine is a TXT record line with rec split into 255-octet strings.
func txtLine(owner, rec string) string {
	var parts []string
	for len(rec) > 255 {
		parts = append(parts, `"`+rec[:255]+`"`)
		rec = rec[255:]
	}
	parts = append(parts, `"`+rec+`"`)
	return fmt.Sprintf("%s 300 IN TXT %s", fqdn(owner), strings.Join(parts, " "))
}

// authScenarios adds the mail-authentication area: a domain for every
// SPF, DMARC and DKIM finding, and two Microsoft 365-style tenants whose
// Microsoft names live under the test TLD (Microsoft365Names).
func (b *mailBuild) authScenarios() error {
	z := b.zone(AuthBase + ".")
	add := func(name, desc string, codes []string, records ...string) {
		domain := name + "." + AuthBase
		z.add("%s 300 IN A 127.0.0.1", fqdn(domain))
		for _, r := range records {
			z.add("%s", strings.ReplaceAll(r, "{D}", domain))
		}
		b.auth = append(b.auth, AuthScenario{Name: name, Domain: domain, Description: desc, Codes: codes})
	}
	dmarc := txtLine("_dmarc.{D}", "v=DMARC1; p=reject; rua=mailto:dmarc@"+AuthBase)
	add("spf-plus-all", "SPF +all: anyone may send", []string{"spf-plus-all"},
		txtLine("{D}", "v=spf1 +all"), dmarc)
	var inc []string
	for i := 0; i < 11; i++ {
		n := fmt.Sprintf("i%d.spf-wide.%s", i, AuthBase)
		inc = append(inc, "include:"+n)
		z.add("%s", txtLine(n, "v=spf1 ip4:192.0.2.1 -all"))
	}
	add("spf-wide", "SPF include tree of 11 lookups: permerror (RFC 7208 §4.6.4)", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 "+strings.Join(inc, " ")+" -all"), dmarc)
	add("spf-loop", "SPF include loop: permerror", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 include:loop2.{D} -all"), txtLine("loop2.{D}", "v=spf1 include:{D} -all"), dmarc)
	add("spf-void", "SPF with three void lookups: permerror (RFC 7208 §4.6.4)", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 a:n1.{D} a:n2.{D} a:n3.{D} -all"), dmarc)
	add("spf-syntax", "SPF syntax error: permerror with its position", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 ip4:192.0.2.300 -all"), dmarc)
	add("spf-missing-include", "SPF include of a name without SPF: permerror (RFC 7208 §5.2)", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 include:nothing.{D} -all"), "nothing.{D}. 300 IN A 127.0.0.1", dmarc)
	add("spf-soft", "SPF ~all, ptr, a sender-dependent macro, and a long record", []string{"spf-softfail", "spf-ptr", "spf-depends-on-sender", "spf-long-record"},
		txtLine("{D}", "v=spf1 ptr exists:%{ir}.%{l}._spf.{D} "+strings.Repeat("ip4:192.0.2.1 ", 34)+"~all"), dmarc)
	add("spf-macro", "SPF exists: with eight %{s} macros: depends on the sender; with a long sender the name is cut to 253 octets (RFC 7208 §7.3)", []string{"spf-depends-on-sender"},
		txtLine("{D}", "v=spf1 exists:%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}.{D} -all"), dmarc)
	add("spf-neutral", "SPF ?all", []string{"spf-neutral"}, txtLine("{D}", "v=spf1 ip4:192.0.2.1 ?all"), dmarc)
	add("spf-near-limit", "SPF tree of 9 lookups: near the limit", []string{"spf-near-lookup-limit"},
		txtLine("{D}", "v=spf1 "+strings.Join(inc[:9], " ")+" -all"), dmarc)
	add("spf-two", "two SPF records: permerror (RFC 7208 §4.5)", []string{"spf-permerror"},
		txtLine("{D}", "v=spf1 -all"), txtLine("{D}", "v=spf1 ~all"), dmarc)
	spf := txtLine("{D}", "v=spf1 -all")
	add("dmarc-monitor", "DMARC p=none, pct=50, sp weaker than p, a bad tag", []string{"dmarc-monitoring-only", "dmarc-pct", "dmarc-bad-tag"},
		spf, txtLine("_dmarc.{D}", "v=DMARC1; p=none; pct=50; fo=9"))
	add("dmarc-weak-sp", "DMARC sp=none under p=reject", []string{"dmarc-weak-subdomain-policy"},
		spf, txtLine("_dmarc.{D}", "v=DMARC1; p=reject; sp=none"))
	add("dmarc-invalid", "DMARC p=block and no rua: no policy", []string{"dmarc-invalid"},
		spf, txtLine("_dmarc.{D}", "v=DMARC1; p=block"))
	add("dmarc-two", "two DMARC records: no policy (RFC 7489 §6.6.3)", []string{"dmarc-invalid"},
		spf, txtLine("_dmarc.{D}", "v=DMARC1; p=none"), txtLine("_dmarc.{D}", "v=DMARC1; p=reject"))
	add("none", "no SPF, no DMARC, no DKIM key under the common selectors", []string{"spf-none", "dmarc-none", "dkim-no-selector"})
	// External report destinations: one authorized, one not (RFC 7489
	// §7.1), in zones of their own organizational domains.
	dest := b.zone("dmarc-reports.test.")
	dest.add("%s", txtLine("dmarc-external."+AuthBase+"._report._dmarc.dmarc-reports.test", "v=DMARC1"))
	dest.add("dmarc-reports.test. 300 IN MX 10 mx.dmarc-reports.test.")
	add("dmarc-external", "DMARC reports to two outside destinations, one of which has not authorized them", []string{"dmarc-report-unauthorized"},
		spf, txtLine("_dmarc.{D}", "v=DMARC1; p=reject; rua=mailto:agg@dmarc-reports.test,mailto:agg@dmarc-unauthorized.test"))
	unauth := b.zone("dmarc-unauthorized.test.")
	unauth.add("dmarc-unauthorized.test. 300 IN MX 10 mx.dmarc-unauthorized.test.")
	// The organizational-domain fallback (RFC 7489 §6.6.3).
	org := b.zone("dmarc-org.test.")
	org.add("%s", txtLine("_dmarc.dmarc-org.test", "v=DMARC1; p=reject; sp=quarantine"))
	org.add("shop.dmarc-org.test. 300 IN A 127.0.0.1")
	org.add("%s", txtLine("shop.dmarc-org.test", "v=spf1 -all"))
	b.auth = append(b.auth, AuthScenario{Name: "dmarc-org", Domain: "shop.dmarc-org.test",
		Description: "no _dmarc record of its own: the organizational domain's sp=quarantine applies", Codes: []string{"dmarc-from-org-domain"}})
	// DKIM keys under the built-in selectors.
	add("dkim", "DKIM keys: 2048, 1024 and 512 bits, revoked, testing Ed25519, invalid, a CNAME loop and a dangling CNAME",
		[]string{"dkim-short-key", "dkim-weak-key", "dkim-revoked", "dkim-testing", "dkim-invalid-key", "dkim-dangling-cname", "dkim-lookup-failed"},
		spf, dmarc,
		txtLine("selector1._domainkey.{D}", "v=DKIM1; k=rsa; p="+dkimKey(2048)),
		txtLine("selector2._domainkey.{D}", "v=DKIM1; k=rsa; p="+dkimKey(1024)),
		txtLine("google._domainkey.{D}", "v=DKIM1; p="+dkimKey(512)),
		txtLine("default._domainkey.{D}", "v=DKIM1; p="),
		txtLine("dkim._domainkey.{D}", "v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
		txtLine("mail._domainkey.{D}", "v=DKIM1; k=rsa; p=AAAA"),
		"k1._domainkey.{D}. 300 IN CNAME k1b._domainkey.{D}.",
		"k1b._domainkey.{D}. 300 IN CNAME k1._domainkey.{D}.",
		"s1._domainkey.{D}. 300 IN CNAME gone._domainkey.{D}.",
		txtLine("custom._domainkey.{D}", "v=DKIM1; p="+dkimKey(2048)))
	b.auth[len(b.auth)-1].Selectors = []string{"custom"}
	b.microsoft365Tenants()
	return nil
}

// microsoft365Tenants adds Exchange Online-style tenants: m365-legacy
// (legacy MX, unsigned, DMARC p=none, one DKIM target missing) and
// m365-dane (the DNSSEC-capable MX, everything in place), with
// Microsoft's zones under the test TLD.
func (b *mailBuild) microsoft365Tenants() {
	outlook := b.zone("outlook.test.")
	outlook.add("%s", txtLine("spf.protection.outlook.test", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"))
	ms := b.zone("microsoft.test.")
	tenant := b.zone("onmicrosoft.test.")
	for _, name := range []string{"m365-legacy", "m365-dane"} {
		domain := name + "." + AuthBase
		label := strings.ReplaceAll(domain, ".", "-")
		// The legacy tenant's zone is unsigned, as a DNS host without
		// DNSSEC serves it; the other is signed.
		z := b.zone(domain + ".")
		z.spec.Unsigned = name == "m365-legacy"
		mxHost := label + ".mail.protection.outlook.test"
		if name == "m365-dane" {
			mxHost = label + ".a-v1.mx.microsoft.test"
			ms.add("%s 300 IN A 127.0.0.1", fqdn(mxHost))
		} else {
			outlook.add("%s 300 IN A 127.0.0.1", fqdn(mxHost))
		}
		z.add("%s 300 IN MX 0 %s", fqdn(domain), fqdn(mxHost))
		z.add("%s", txtLine(domain, "v=spf1 include:spf.protection.outlook.test -all"))
		policy := "reject"
		if name == "m365-legacy" {
			policy = "none"
		}
		z.add("%s", txtLine("_dmarc."+domain, "v=DMARC1; p="+policy+"; rua=mailto:dmarc@"+domain))
		org := strings.TrimSuffix(name, ".") + "corp"
		for i, sel := range []string{"selector1", "selector2"} {
			target := fmt.Sprintf("%s-%s._domainkey.%s.onmicrosoft.test", sel, label, org)
			z.add("%s._domainkey.%s 300 IN CNAME %s", sel, fqdn(domain), fqdn(target))
			if i == 0 || name == "m365-dane" {
				tenant.add("%s", txtLine(target, "v=DKIM1; k=rsa; p="+dkimKey(2048)))
			}
		}
	}
	b.auth = append(b.auth,
		AuthScenario{Name: "m365-legacy", Domain: "m365-legacy." + AuthBase, Microsoft365: true, Codes: []string{"m365-todo", "dmarc-monitoring-only"},
			Description: "Exchange Online tenant: unsigned zone, legacy MX, DMARC p=none, selector2's target not published yet"},
		AuthScenario{Name: "m365-dane", Domain: "m365-dane." + AuthBase, Microsoft365: true, Codes: []string{"m365-todo"},
			Description: "Exchange Online tenant ready for inbound DANE: signed zone, single *.mx.microsoft MX, DKIM, SPF, DMARC reject"})
}

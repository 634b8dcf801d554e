package mailauth

import (
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Microsoft365Names are the host names by which Exchange Online is
// recognised. They live in this one table so that no verdict logic
// elsewhere names Microsoft's hosts, and so that tests can put them under
// the test TLD.
type Microsoft365Names struct {
	// LegacyMX is the suffix of the MX hosts without DNSSEC
	// ("mail.protection.outlook.com").
	LegacyMX string
	// DANEMX is the suffix of the DNSSEC-signed MX hosts that support
	// inbound DANE ("mx.microsoft").
	DANEMX string
	// SPFInclude is the name the SPF record must include
	// ("spf.protection.outlook.com").
	SPFInclude string
	// Tenant is the suffix of the tenant zone DKIM selectors point into
	// ("onmicrosoft.com").
	Tenant string
}

// Microsoft365 returns Exchange Online's real names.
func Microsoft365() Microsoft365Names {
	return Microsoft365Names{
		LegacyMX:   "mail.protection.outlook.com",
		DANEMX:     "mx.microsoft",
		SPFInclude: "spf.protection.outlook.com",
		Tenant:     "onmicrosoft.com",
	}
}

// MXHost is one MX record as the Microsoft 365 assessment needs it.
type MXHost struct {
	Host       string
	Preference uint16
}

// M365 is the Microsoft 365 readiness section.
type M365 struct {
	// Detected says which records show an Exchange Online domain.
	Detected []string `json:"detected_by"`
	// Todo lists what the tenant still needs, each as a finding.
	Todo []Finding `json:"todo"`
	// Ready lists what is in place.
	Ready []string `json:"ready,omitempty"`
}

func hasSuffixName(name, suffix string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	suffix = strings.ToLower(strings.TrimSuffix(suffix, "."))
	return suffix != "" && (name == suffix || strings.HasSuffix(name, "."+suffix))
}

// AssessMicrosoft365 recognises an Exchange Online domain from its MX,
// SPF and DKIM records and lists what it still needs, inbound DANE
// included. It returns nil for a domain that shows no sign of Exchange
// Online. mxSecurity is the DNSSEC status of the MX lookup.
func AssessMicrosoft365(names Microsoft365Names, mx []MXHost, mxSecurity dnssec.Security, spf *SPF, dmarc *DMARC, dkim *DKIM) *M365 {
	m := &M365{}
	legacy, dane := 0, 0
	for _, h := range mx {
		switch {
		case hasSuffixName(h.Host, names.DANEMX):
			dane++
		case hasSuffixName(h.Host, names.LegacyMX):
			legacy++
		}
	}
	if legacy+dane > 0 {
		m.Detected = append(m.Detected, "MX")
	}
	spfIncludes := false
	if spf != nil {
		walkNodes(spf.Tree, func(n *SPFNode) {
			if hasSuffixName(n.Domain, names.SPFInclude) && n != spf.Tree {
				spfIncludes = true
			}
		})
		if strings.Contains(strings.ToLower(spf.Record), "include:"+strings.ToLower(names.SPFInclude)) {
			spfIncludes = true
		}
	}
	if spfIncludes {
		m.Detected = append(m.Detected, "SPF")
	}
	var cnames []DKIMSelector
	if dkim != nil {
		for _, s := range dkim.Selectors {
			if s.Target != "" && hasSuffixName(s.Target, names.Tenant) {
				cnames = append(cnames, s)
			}
		}
	}
	if len(cnames) > 0 {
		m.Detected = append(m.Detected, "DKIM")
	}
	if len(m.Detected) == 0 {
		return nil
	}
	todo := func(format string, args ...any) {
		m.Todo = append(m.Todo, Finding{Code: NoteM365, Detail: fmt.Sprintf(format, args...)})
	}
	// DKIM: selector1 and selector2 CNAMEs into the tenant zone, resolving.
	for _, sel := range []string{"selector1", "selector2"} {
		var s *DKIMSelector
		if dkim != nil {
			for i := range dkim.Selectors {
				if dkim.Selectors[i].Selector == sel {
					s = &dkim.Selectors[i]
				}
			}
		}
		switch {
		case s == nil:
		case s.Target == "" || !hasSuffixName(s.Target, names.Tenant):
			todo("publish %s as a CNAME to the target the Microsoft Defender portal shows for it (%s-<domain>._domainkey.<tenant>.%s), then enable DKIM signing", s.Name, sel, names.Tenant)
		case s.Status != "found":
			todo("%s points to %s, which has no key yet: enable DKIM signing for the domain in the Microsoft Defender portal so Microsoft publishes it", s.Name, s.Target)
		default:
			m.Ready = append(m.Ready, "DKIM "+sel+" resolves to a key at "+s.Target)
		}
	}
	if !spfIncludes {
		todo("add include:%s to the SPF record so Exchange Online's outbound servers pass SPF", names.SPFInclude)
	} else {
		m.Ready = append(m.Ready, "SPF includes "+names.SPFInclude)
	}
	switch {
	case dmarc == nil || !dmarc.Found:
		todo("publish a DMARC record at _dmarc of the domain, starting with p=none and a rua= address to collect reports")
	case dmarc.Policy == "none":
		todo("move DMARC beyond p=none (quarantine, then reject) once the reports show only your own senders")
	default:
		m.Ready = append(m.Ready, "DMARC p="+dmarc.Policy)
	}
	// Inbound DANE (Microsoft's prerequisites).
	if mxSecurity != dnssec.Secure {
		todo("inbound DANE needs the domain's zone DNSSEC-signed at its DNS provider (the MX lookup is %s); sign it and publish the DS record at the registrar", mxSecurity)
	}
	if legacy > 0 && dane == 0 {
		todo("the MX is the legacy *.%s host, which has no DNSSEC: run Enable-DnssecForVerifiedDomain in Exchange Online PowerShell and publish the *.%s MX value it returns", names.LegacyMX, names.DANEMX)
	}
	if len(mx) != 1 {
		todo("Microsoft's inbound DANE needs a single MX record (this domain has %d): remove the others, fallback MX included", len(mx))
	} else if mx[0].Preference != 0 && mx[0].Preference != 10 {
		todo("Microsoft's inbound DANE expects the MX preference 0 or 10, not %d", mx[0].Preference)
	}
	if dane > 0 && mxSecurity == dnssec.Secure && len(mx) == 1 {
		m.Ready = append(m.Ready, "MX is the DNSSEC-capable *."+names.DANEMX+" host")
		todo("if not done yet, turn inbound DANE on with Enable-SmtpDaneInbound -DomainName <domain> in Exchange Online PowerShell, then run daneprobe check on the domain to see the TLSA records and the DANE verdict")
	}
	return m
}

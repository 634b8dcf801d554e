package mailauth

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Options configure Check.
type Options struct {
	// Selectors are DKIM selectors to probe before DefaultSelectors.
	Selectors []string
	// Microsoft365 is the host-name table; the zero value means
	// Microsoft365().
	Microsoft365 Microsoft365Names
	// IP, when valid, asks for check_host() for that address, with
	// Sender (an address or a domain; empty means postmaster@DOMAIN).
	IP     netip.Addr
	Sender string
}

// Report is the mail-authentication posture of one domain.
type Report struct {
	Domain       string `json:"domain"`
	SPF          *SPF   `json:"spf"`
	DMARC        *DMARC `json:"dmarc"`
	DKIM         *DKIM  `json:"dkim"`
	Microsoft365 *M365  `json:"microsoft365,omitempty"`
}

// Findings returns the warnings and notes of SPF, DMARC and DKIM, in
// that order; the Microsoft 365 to-do list stays in its own section.
func (r *Report) Findings() []Finding {
	var f []Finding
	if r.SPF != nil {
		f = append(f, r.SPF.Findings...)
	}
	if r.DMARC != nil {
		f = append(f, r.DMARC.Findings...)
	}
	if r.DKIM != nil {
		f = append(f, r.DKIM.Findings...)
	}
	return f
}

// Check gathers and judges SPF, DMARC, DKIM and Microsoft 365 readiness
// of domain over lk. The three lookups run in parallel. It never returns
// an error: failures are in the parts.
func Check(ctx context.Context, lk dnssec.Lookuper, domain string, o Options) *Report {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	r := &Report{Domain: domain}
	names := o.Microsoft365
	if names == (Microsoft365Names{}) {
		names = Microsoft365()
	}
	selectors := uniqueSelectors(append(append([]string{}, o.Selectors...), DefaultSelectors()...))
	var mx []MXHost
	var mxSec dnssec.Security
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		r.SPF = AnalyzeSPF(ctx, lk, domain)
		if o.IP.IsValid() {
			r.SPF.Check = CheckHost(ctx, lk, o.IP, domain, o.Sender, "")
		}
	}()
	go func() { defer wg.Done(); r.DMARC = LookupDMARC(ctx, lk, domain) }()
	go func() { defer wg.Done(); r.DKIM = LookupDKIM(ctx, lk, domain, selectors) }()
	go func() {
		defer wg.Done()
		res, err := lk.Lookup(ctx, dns.Fqdn(domain), dns.TypeMX)
		if err != nil {
			return
		}
		mxSec = res.Security
		for _, rr := range res.Answer {
			if m, ok := rr.(*dns.MX); ok {
				mx = append(mx, MXHost{Host: strings.TrimSuffix(m.Mx, "."), Preference: m.Preference})
			}
		}
	}()
	wg.Wait()
	r.Microsoft365 = AssessMicrosoft365(names, mx, mxSec, r.SPF, r.DMARC, r.DKIM)
	return r
}

func uniqueSelectors(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

package mailauth

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/daneprobe/daneprobe/dnssec"
)

// DMARC is the DMARC policy that applies to a domain (RFC 7489).
type DMARC struct {
	// Found reports that a valid policy applies.
	Found bool `json:"found"`
	// Record is the DMARC record text.
	Record string `json:"record,omitempty"`
	// DNSSEC is the status of the lookup that found the record (or of
	// the last lookup when none was found).
	DNSSEC dnssec.Security `json:"dnssec"`
	// Source is the name the record came from: "_dmarc.D" or, by the
	// fallback of RFC 7489 §6.6.3, "_dmarc.ORG" of the organizational
	// domain.
	Source string `json:"source,omitempty"`
	// OrgDomain is the organizational domain (RFC 7489 §3.2, by the
	// Public Suffix List).
	OrgDomain string `json:"org_domain"`
	// Policy is the policy that applies to the domain: the p= tag, or
	// sp= when the record came from the organizational domain.
	Policy string `json:"policy,omitempty"`
	// Tags are the record's tags as written, lower-case names.
	Tags map[string]string `json:"tags,omitempty"`
	// RUA and RUF are the report destinations.
	RUA []string `json:"rua,omitempty"`
	RUF []string `json:"ruf,omitempty"`
	// External lists the report destinations outside the
	// organizational domain and whether they accept the reports.
	External []ReportAuth `json:"external_destinations,omitempty"`
	// Error says why no policy applies, or that the lookup failed.
	Error string `json:"error,omitempty"`
	// Findings are the warnings and notes about the policy.
	Findings []Finding `json:"findings,omitempty"`
}

// ReportAuth is one external report destination (RFC 7489 §7.1).
type ReportAuth struct {
	URI string `json:"uri"`
	// Query is the authorization name, D._report._dmarc.DEST.
	Query      string          `json:"query"`
	Authorized bool            `json:"authorized"`
	DNSSEC     dnssec.Security `json:"dnssec"`
	Error      string          `json:"error,omitempty"`
}

// IsDMARCRecord reports whether the record begins with the DMARC version
// tag. RFC 7489 §6.4: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41
// %x52 %x43 %x31, and it must be the first tag (§6.3): the tag name is
// case-insensitive, "DMARC1" is not, white space may surround "=", and
// the tag ends at a ";" (dmarc-sep = *WSP ";" *WSP) or the record's end.
func IsDMARCRecord(s string) bool {
	if s == "" || s[0] != 'v' && s[0] != 'V' {
		return false
	}
	rest := strings.TrimLeft(s[1:], " \t")
	rest, ok := strings.CutPrefix(rest, "=")
	if !ok {
		return false
	}
	rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "DMARC1")
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	return rest == "" || rest[0] == ';'
}

// DMARCRecord is a parsed DMARC record.
type DMARCRecord struct {
	Tags     map[string]string
	RUA, RUF []string
	// Problems lists invalid tag values, each naming the tag; they do
	// not invalidate the record unless p= is missing or invalid.
	Problems []string
	// Unknown lists tags RFC 7489 and DMARCbis do not define (ignored,
	// §6.3).
	Unknown []string
}

var policies = map[string]int{"none": 0, "quarantine": 1, "reject": 2}

// ParseDMARC parses a DMARC record (RFC 7489 §6.3, §6.4) and validates
// every tag. The error is set when the record gives no policy: not a
// DMARC record, or no valid p= and no valid rua= (§6.6.3). DMARCbis tags
// (np, psd, t) are accepted and validated.
func ParseDMARC(s string) (*DMARCRecord, error) {
	if !IsDMARCRecord(s) {
		return nil, fmt.Errorf(`the record does not start with "v=DMARC1"`)
	}
	r := &DMARCRecord{Tags: map[string]string{}}
	badSP := false
	bad := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	for i, part := range strings.Split(s, ";") {
		part = strings.Trim(part, " \t")
		if i == 0 || part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			bad("%q is not a tag=value pair", short(part))
			continue
		}
		k = strings.ToLower(strings.TrimRight(k, " \t"))
		v = strings.TrimLeft(v, " \t")
		if _, dup := r.Tags[k]; dup {
			bad("the %s tag appears twice; the first counts", k)
			continue
		}
		r.Tags[k] = v
		switch k {
		case "p", "sp", "np":
			if _, ok := policies[strings.ToLower(v)]; !ok {
				bad("%s=%q is not none, quarantine or reject (RFC 7489 §6.3)", k, short(v))
				delete(r.Tags, k)
				badSP = badSP || k == "sp"
			} else {
				r.Tags[k] = strings.ToLower(v)
			}
		case "adkim", "aspf":
			if lv := strings.ToLower(v); lv != "r" && lv != "s" {
				bad("%s=%q is not r or s (RFC 7489 §6.3)", k, short(v))
			}
		case "pct":
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 100 {
				bad("pct=%q is not an integer from 0 to 100 (RFC 7489 §6.3)", short(v))
				delete(r.Tags, k)
			}
		case "ri":
			if n, err := strconv.ParseUint(v, 10, 32); err != nil || n == 0 && v != "0" {
				bad("ri=%q is not a 32-bit unsigned integer (RFC 7489 §6.3)", short(v))
			}
		case "fo":
			for _, o := range strings.Split(v, ":") {
				if o = strings.TrimSpace(o); o != "0" && o != "1" && o != "d" && o != "s" {
					bad("fo=%q: %q is not 0, 1, d or s (RFC 7489 §6.3)", short(v), short(o))
					break
				}
			}
		case "rf":
			for _, o := range strings.Split(v, ":") {
				if strings.ToLower(strings.TrimSpace(o)) != "afrf" {
					bad("rf=%q: %q is not a known report format (afrf, RFC 7489 §6.3)", short(v), short(o))
					break
				}
			}
		case "rua", "ruf":
			var uris []string
			for _, u := range strings.Split(v, ",") {
				u = strings.Trim(u, " \t")
				if err := checkReportURI(u); err != nil {
					bad("%s: %v", k, err)
					continue
				}
				uris = append(uris, u)
			}
			if k == "rua" {
				r.RUA = uris
			} else {
				r.RUF = uris
			}
		case "psd", "t":
			// DMARCbis: psd=y|n|u marks a public suffix domain, t=y|n
			// replaces pct (testing mode).
			allowed := "yn"
			if k == "psd" {
				allowed = "ynu"
			}
			if lv := strings.ToLower(v); len(lv) != 1 || !strings.Contains(allowed, lv) {
				bad("%s=%q is not one of %s (DMARCbis)", k, short(v), strings.Join(strings.Split(allowed, ""), ", "))
			}
		case "v":
			bad("the v tag appears again")
		default:
			r.Unknown = append(r.Unknown, k)
		}
	}
	if _, ok := r.Tags["p"]; !ok || badSP {
		// RFC 7489 §6.6.3: a record without a valid p= tag, or with an
		// invalid sp= tag, is treated as p=none when its rua= holds a
		// valid URI; otherwise there is no policy.
		what := "no valid p= tag"
		if ok {
			what = "an invalid sp= tag"
		}
		if len(r.RUA) == 0 {
			return r, fmt.Errorf("the record has %s and no valid rua= (RFC 7489 §6.6.3)", what)
		}
		r.Tags["p"] = "none"
		delete(r.Tags, "sp")
		bad("%s: treated as p=none because rua= is valid (RFC 7489 §6.6.3)", what)
	}
	return r, nil
}

// checkReportURI checks dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g"
// / "t" ] ] (RFC 7489 §6.4); only mailto: is used in practice (§6.2).
func checkReportURI(u string) error {
	if u == "" {
		return fmt.Errorf("empty URI")
	}
	if i := strings.LastIndexByte(u, '!'); i > 0 {
		size := strings.TrimRight(u[i+1:], "kmgtKMGT")
		if _, err := strconv.ParseUint(size, 10, 64); err != nil || len(u[i+1:])-len(size) > 1 {
			return fmt.Errorf("%q has an invalid size limit", short(u))
		}
		u = u[:i]
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Opaque == "" && p.Host == "" {
		return fmt.Errorf("%q is not a URI", short(u))
	}
	if strings.EqualFold(p.Scheme, "mailto") {
		if _, err := mail.ParseAddress(p.Opaque); err != nil || !strings.Contains(p.Opaque, "@") {
			return fmt.Errorf("%q is not a mailto: address", short(u))
		}
	}
	return nil
}

// OrgDomain returns the organizational domain of d (RFC 7489 §3.2): one
// label below its public suffix, by the Public Suffix List (whose
// default rule makes every unlisted TLD a public suffix).
func OrgDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// LookupDMARC finds the DMARC policy of domain (RFC 7489 §6.6.3): the
// record at _dmarc.DOMAIN, else the organizational domain's, whose sp=
// (or p=) then applies; it checks the authorization of external report
// destinations (§7.1).
func LookupDMARC(ctx context.Context, lk dnssec.Lookuper, domain string) *DMARC {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	d := &DMARC{OrgDomain: OrgDomain(domain)}
	rec, ok := d.fetch(ctx, lk, domain)
	if ok && rec == "" && d.OrgDomain != domain {
		rec, ok = d.fetch(ctx, lk, d.OrgDomain)
	}
	if !ok || rec == "" {
		d.Findings = dmarcFindings(d, domain, nil)
		return d
	}
	parsed, err := ParseDMARC(rec)
	if err != nil {
		d.Error = err.Error()
		d.Findings = dmarcFindings(d, domain, nil)
		return d
	}
	d.Found, d.Tags, d.RUA, d.RUF = true, parsed.Tags, parsed.RUA, parsed.RUF
	d.Policy = parsed.Tags["p"]
	if d.Source != "_dmarc."+domain {
		if sp, ok := parsed.Tags["sp"]; ok {
			// RFC 7489 §6.3: sp= is the policy for subdomains of the
			// organizational domain.
			d.Policy = sp
		}
	}
	policyDomain := strings.TrimPrefix(d.Source, "_dmarc.")
	for _, u := range append(append([]string{}, d.RUA...), d.RUF...) {
		if a := reportAuth(ctx, lk, policyDomain, d.OrgDomain, u); a != nil {
			d.External = append(d.External, *a)
		}
	}
	d.Findings = dmarcFindings(d, domain, parsed)
	return d
}

// fetch looks up _dmarc.name. ok is false when the lookup failed, which
// ends the search (a temperror, RFC 7489 §6.6.3 says nothing about
// falling back past a failure).
func (d *DMARC) fetch(ctx context.Context, lk dnssec.Lookuper, name string) (string, bool) {
	q := "_dmarc." + name
	res, err := lk.Lookup(ctx, dns.Fqdn(q), dns.TypeTXT)
	if err != nil {
		d.Error = fmt.Sprintf("lookup of %s failed: %v", q, err)
		return "", false
	}
	if d.Source == "" && (d.DNSSEC == dnssec.Indeterminate || name != d.OrgDomain) {
		// The status shown without a record is that of the domain's
		// own lookup; a record's is that of the lookup that found it.
		d.DNSSEC = res.Security
	}
	if failed := lookupFailure(res); failed != "" {
		d.DNSSEC = res.Security
		d.Error = "lookup of " + q + " " + failed
		return "", false
	}
	var found []string
	for _, rr := range res.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			if s := strings.Join(t.Txt, ""); IsDMARCRecord(s) {
				found = append(found, s)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", true
	case 1:
		d.Source, d.Record, d.DNSSEC = q, found[0], res.Security
		return found[0], true
	}
	// RFC 7489 §6.6.3: more than one record means no DMARC policy.
	d.Source, d.Record, d.DNSSEC = q, found[0], res.Security
	d.Error = fmt.Sprintf("%s has %d DMARC records; receivers apply no DMARC policy (RFC 7489 §6.6.3)", q, len(found))
	return "", false
}

// reportAuth checks one report URI: when its domain's organizational
// domain differs from org, the destination must publish a record at
// DOMAIN._report._dmarc.DEST that starts with "v=DMARC1" (RFC 7489
// §7.1). It returns nil for internal destinations and non-mailto URIs.
func reportAuth(ctx context.Context, lk dnssec.Lookuper, domain, org, uri string) *ReportAuth {
	u := uri
	if i := strings.LastIndexByte(u, '!'); i > 0 {
		u = u[:i]
	}
	p, err := url.Parse(u)
	if err != nil || !strings.EqualFold(p.Scheme, "mailto") {
		return nil
	}
	at := strings.LastIndexByte(p.Opaque, '@')
	if at < 0 {
		return nil
	}
	dest := strings.ToLower(strings.TrimSuffix(p.Opaque[at+1:], "."))
	if OrgDomain(dest) == org {
		return nil
	}
	a := &ReportAuth{URI: uri, Query: domain + "._report._dmarc." + dest}
	if _, ok := dns.IsDomainName(a.Query); !ok || len(a.Query) > 253 {
		a.Error = "the authorization name is not a valid domain name"
		return a
	}
	res, err := lk.Lookup(ctx, dns.Fqdn(a.Query), dns.TypeTXT)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	a.DNSSEC = res.Security
	if failed := lookupFailure(res); failed != "" {
		a.Error = "the lookup " + failed
		return a
	}
	for _, rr := range res.Answer {
		if t, ok := rr.(*dns.TXT); ok && IsDMARCRecord(strings.Join(t.Txt, "")) {
			a.Authorized = true
		}
	}
	return a
}

func dmarcFindings(d *DMARC, domain string, r *DMARCRecord) []Finding {
	var f []Finding
	add := func(warn bool, code, format string, args ...any) {
		f = append(f, Finding{Code: code, Warning: warn, Detail: fmt.Sprintf(format, args...)})
	}
	if !d.Found {
		switch {
		case d.Error != "" && d.Record == "" && strings.HasPrefix(d.Error, "lookup"):
			add(true, WarnDMARCTemperror, "the DMARC %s", d.Error)
		case d.Error != "":
			add(true, WarnDMARCInvalid, "the DMARC record gives no policy: %s", d.Error)
		default:
			add(false, NoteDMARCNone, "no DMARC record at _dmarc.%s or at the organizational domain %s: receivers apply no DMARC policy", domain, d.OrgDomain)
		}
		return f
	}
	if d.Source != "_dmarc."+domain {
		add(false, NoteDMARCOrgFallback, "no DMARC record at _dmarc.%s: the policy comes from the organizational domain's %s (RFC 7489 §6.6.3)", domain, d.Source)
	}
	if d.Policy == "none" {
		add(false, NoteDMARCMonitor, "the DMARC policy is none: monitoring only, receivers deliver mail that fails DMARC; move to quarantine, then reject")
	}
	if pct, ok := r.Tags["pct"]; ok && pct != "100" {
		// A warning (issue: a policy that silently lets most failing mail
		// through is a gap an administrator must act on), as for sp=.
		add(true, WarnDMARCPct, "pct=%s: the policy applies to only %s%% of failing mail; the rest is treated as p=none (RFC 7489 §6.3)", pct, pct)
	}
	if sp, ok := r.Tags["sp"]; ok && policies[sp] < policies[r.Tags["p"]] {
		add(true, WarnDMARCWeakSP, "sp=%s is weaker than p=%s: subdomains are less protected than the domain (spoofers use them)", sp, r.Tags["p"])
	}
	for _, p := range r.Problems {
		add(false, NoteDMARCTag, "DMARC record: %s", p)
	}
	for _, e := range d.External {
		if !e.Authorized {
			why := "no v=DMARC1 record at " + e.Query
			if e.Error != "" {
				why = "the lookup of " + e.Query + " failed: " + e.Error
			}
			add(true, WarnDMARCUnauthorized, "report destination %s is outside %s and has not agreed to take its reports (%s, RFC 7489 §7.1): receivers do not send them", e.URI, d.OrgDomain, why)
		}
	}
	return f
}

// lookupFailure says why an answer cannot be used ("is bogus: ...",
// "failed: SERVFAIL"), or "" for a usable answer (data, NODATA or
// NXDOMAIN, secure or insecure).
func lookupFailure(res *dnssec.Result) string {
	switch {
	case res.Security == dnssec.Bogus || res.Security == dnssec.Indeterminate:
		s := "is " + res.Security.String()
		if res.Detail != "" {
			s += ": " + res.Detail
		} else if res.Reason != "" {
			s += " (" + string(res.Reason) + ")"
		}
		return s
	case res.Rcode != dns.RcodeSuccess && res.Rcode != dns.RcodeNameError:
		return "failed: response code " + dns.RcodeToString[res.Rcode]
	}
	return ""
}

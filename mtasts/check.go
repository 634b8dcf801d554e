package mtasts

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// Checker evaluates the MTA-STS and TLS-RPT set-up of a domain. Resolver
// is required; Fetcher defaults to a Fetcher using the same Resolver.
type Checker struct {
	Resolver dnssec.Lookuper
	Fetcher  *Fetcher
	// Port is the SMTP port whose TLSA records (_PORT._tcp.HOST) say that
	// DANE applies to an MX host; 0 means 25. Other ports are for test
	// setups.
	Port int
}

// Status is the overall verdict of a Report, mapped by the CLI onto the
// monitoring exit codes.
type Status string

// Statuses.
const (
	StatusOK       Status = "ok"
	StatusWarning  Status = "warning"
	StatusCritical Status = "critical"
)

// Finding is one consistency finding for the administrator.
type Finding struct {
	Severity Severity `json:"severity"`
	// Code is a stable identifier, such as "policy-unreachable".
	Code   string `json:"code"`
	Detail string `json:"message"`
}

// MXHost is one MX record of the domain with its match against the
// policy patterns.
type MXHost struct {
	Host       string `json:"host"`
	Preference uint16 `json:"preference"`
	Pattern    string `json:"pattern,omitempty"`
	Matched    bool   `json:"matched"`
	// DANE is true when the host has DNSSEC-validated TLSA records at
	// _PORT._tcp.HOST (Checker.Port): DANE then applies to it and takes precedence over
	// MTA-STS (RFC 8461 §2). The TLSA records themselves are judged by
	// the DANE check, not here.
	DANE bool `json:"dane"`
}

// Report is the outcome of Checker.Check.
type Report struct {
	Domain string        `json:"domain"`
	Record *RecordResult `json:"record"`
	// Fetch and Policy are set when a fetch was attempted and a body was
	// received; Policy is nil when the fetch failed.
	Fetch  *FetchResult `json:"fetch,omitempty"`
	Policy *Policy      `json:"policy,omitempty"`
	// Mode is the mode a sender applies: the policy's mode when the
	// record and the policy are both valid, otherwise "none".
	Mode Mode `json:"effective_mode"`
	// MX lists the domain's MX hosts by preference, and MXSecurity the
	// DNSSEC status of the MX lookup.
	MX         []MXHost        `json:"mx"`
	MXSecurity dnssec.Security `json:"mx_dnssec"`
	// NullMX and NXDomain are the MX lookup's two answers that decide
	// without MTA-STS, as in check: a null MX (RFC 7505) accepts no mail,
	// and a validated NXDOMAIN means the domain does not exist.
	NullMX   bool                 `json:"null_mx"`
	NXDomain bool                 `json:"nxdomain"`
	TLSRPT   *tlsrpt.RecordResult `json:"tlsrpt"`
	Findings []Finding            `json:"findings"`
	Status   Status               `json:"status"`
}

// Check evaluates domain: the _mta-sts TXT record, the policy fetch and
// parse, the domain's MX hosts against the policy patterns, the TLS-RPT
// record, and the consistency findings an administrator wants to hear
// about. Certificate checks of the MX hosts need an SMTP probe and are
// done by the caller with EvaluateMX.
//
// Check returns an error only for an unusable domain argument or a
// cancelled context; every DNS or HTTPS failure is part of the Report.
func (c *Checker) Check(ctx context.Context, domain string) (*Report, error) {
	// Names go on the wire in A-labels (RFC 8461 §4.1 compares A-labels
	// too), so an international domain is converted first.
	domain, err := names.ParseDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("check MTA-STS: %w", err)
	}
	if c.Resolver == nil {
		return nil, errors.New("check MTA-STS: no resolver configured")
	}
	fetcher := c.Fetcher
	if fetcher == nil {
		fetcher = &Fetcher{Resolver: c.Resolver}
	}
	rep := &Report{Domain: domain, Mode: ModeNone}
	add := func(sev Severity, code, format string, a ...any) {
		rep.Findings = append(rep.Findings, Finding{Severity: sev, Code: code, Detail: fmt.Sprintf(format, a...)})
	}

	rep.Record = LookupRecord(ctx, c.Resolver, domain)
	// The policy is fetched even without a record, to tell the admin
	// about a policy that senders will never look at; with a shorter
	// deadline, since nothing is expected there.
	if rep.Record.Status == StatusNone && (fetcher.Timeout <= 0 || fetcher.Timeout > probeTimeout) {
		f := *fetcher
		f.Timeout = probeTimeout
		fetcher = &f
	}
	fetch, ferr := fetcher.Fetch(ctx, domain)
	rep.Fetch = fetch
	if ferr == nil {
		rep.Policy, _ = ParsePolicy(fetch.Body)
	}
	rep.MX, rep.MXSecurity = c.lookupMX(ctx, rep, domain, add)
	c.lookupDANE(ctx, rep, add)
	rep.TLSRPT = tlsrpt.LookupRecord(ctx, c.Resolver, domain)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("check MTA-STS for %s: %w", domain, err)
	}

	if rep.Record.Status == StatusNone && ferr != nil {
		// Nothing was expected there: no fetch to report (a fetch that
		// failed is not a finding without a record, RFC 8461 §3.1).
		rep.Fetch = nil
	}
	recordFindings(rep, add)
	if rep.Record.Status != StatusNone && ferr != nil {
		fetchFindings(fetch, add)
	}
	c.policyFindings(rep, add)
	c.tlsrptFindings(rep, add)
	rep.Status = StatusOf(rep.Findings)
	return rep, nil
}

// recordFindings says what the administrator should hear about the
// _mta-sts record (RFC 8461 §3.1).
func recordFindings(rep *Report, add func(Severity, string, string, ...any)) {
	fetch := rep.Fetch
	rec := rep.Record
	switch rec.Status {
	case StatusNone:
		switch {
		case rep.NXDomain || rep.NullMX:
			// The domain receives no mail: MTA-STS has nothing to protect
			// (check says the same).
		case rep.Policy != nil:
			// RFC 8461 §3.1: without the TXT record senders never fetch.
			add(SeverityWarning, "policy-without-record", "a policy is served at %s but %s has no MTA-STS record, so senders ignore the policy", fetch.URL, rec.Name)
		default:
			add(SeverityWarning, "no-mta-sts", "%s has no MTA-STS record: the domain does not publish MTA-STS", rec.Name)
		}
	case StatusSeveral:
		add(SeverityError, "several-records", "%s", rec.Detail)
	case StatusMalformed:
		add(SeverityError, "malformed-record", "the MTA-STS record is malformed, so senders treat the domain as having no MTA-STS: %s", rec.Detail)
	case StatusLookupFailed:
		add(SeverityError, "record-lookup-failed", "%s", rec.Detail)
	}
	for _, o := range rec.Others {
		if strings.Contains(strings.ToLower(o), "stsv1") {
			// RFC 8461 §3.1: only records beginning with "v=STSv1" count.
			add(SeverityWarning, "record-ignored", "TXT record %q at %s looks like MTA-STS but does not begin exactly with \"v=STSv1\", so senders discard it", clip(o), rec.Name)
		}
	}
	if len(rec.CNAMEs) > 0 {
		add(SeverityNote, "record-cname", "the MTA-STS record is reached through a CNAME (%s), which RFC 8461 §3.1 allows", strings.Join(rec.CNAMEs, ", "))
	}
	if rec.Record != nil {
		for _, n := range rec.Record.Notes {
			add(SeverityNote, "record-note", "MTA-STS record: %s", n)
		}
	}
}

// fetchFindings explains a failed fetch of a policy whose record exists.
func fetchFindings(fetch *FetchResult, add func(Severity, string, string, ...any)) {
	// RFC 8461 §5: without a cached policy a sender that cannot fetch
	// one treats the domain as having none, and reports the failure.
	msg := fmt.Sprintf("the MTA-STS record exists but the policy could not be fetched (%s: %s); senders without a cached policy treat the domain as having no MTA-STS and report %s", fetch.Failure, fetch.Detail, fetch.Result())
	if fetch.Failure == FetchContentType {
		msg = fmt.Sprintf("the policy is served as %q, not text/plain: senders following RFC 8461 §3.2 ignore it and report %s", fetch.ContentType, fetch.Result())
	}
	add(SeverityError, "policy-unreachable", "%s", msg)
}

// policyFindings reports the policy's problems and, for a valid policy,
// its mode and its patterns against the MX set.
func (c *Checker) policyFindings(rep *Report, add func(Severity, string, string, ...any)) {
	rec := rep.Record
	if p := rep.Policy; p != nil {
		for _, pr := range p.Problems {
			if pr.Severity == SeverityError {
				continue
			}
			code := "policy-note"
			if pr.Severity == SeverityWarning {
				code = "policy-warning"
			}
			add(pr.Severity, code, "policy %s", pr)
		}
		if !p.Valid() {
			add(SeverityError, "policy-invalid", "the policy is invalid, so senders ignore it and report %s: %s", tlsrpt.ResultSTSPolicyInvalid, firstError(p.Problems))
		} else {
			if rec.Status == StatusValid {
				rep.Mode = p.Mode
			}
			c.matchFindings(rep, add)
		}
	}
}

// matchFindings compares the policy's mx patterns with the actual MX set.
func (c *Checker) matchFindings(rep *Report, add func(Severity, string, string, ...any)) {
	p := rep.Policy
	switch p.Mode {
	case ModeNone:
		add(SeverityNote, "mode-none", "mode none: the domain withdraws its policy; senders apply no MTA-STS")
		return
	case ModeTesting:
		add(SeverityNote, "mode-testing", "mode testing: failures are only reported, mail is delivered anyway; if the policy has been in testing for long and the TLS reports are clean, move to enforce")
	}
	used := map[string]bool{}
	for i := range rep.MX {
		m := &rep.MX[i]
		m.Pattern, m.Matched = p.Match(m.Host)
		if m.Matched {
			used[m.Pattern] = true
			continue
		}
		if p.Mode == ModeEnforce {
			// RFC 8461 §4.1, §5: in enforce mode senders refuse an MX that
			// matches no pattern.
			add(SeverityError, "mx-not-covered", "MX %s matches no mx pattern of the policy: senders enforcing MTA-STS will not deliver to it", m.Host)
		} else {
			add(SeverityWarning, "mx-not-covered", "MX %s matches no mx pattern of the policy: it would fail under enforce", m.Host)
		}
	}
	for _, pat := range p.MX {
		if !used[pat] && len(rep.MX) > 0 {
			add(SeverityWarning, "mx-pattern-unused", "mx pattern %q matches none of the domain's MX hosts", pat)
		}
	}
}

func (c *Checker) tlsrptFindings(rep *Report, add func(Severity, string, string, ...any)) {
	t := rep.TLSRPT
	switch t.Status {
	case StatusNone:
		if rep.Record.Status != StatusNone {
			add(SeverityNote, "no-tlsrpt", "%s has no TLS-RPT record, so senders send no reports of MTA-STS failures", t.Name)
		}
	case StatusSeveral, StatusMalformed, StatusLookupFailed:
		add(SeverityWarning, "tlsrpt-invalid", "TLS-RPT record: %s", t.Detail)
	}
}

// lookupMX returns the domain's MX hosts sorted by preference. A domain
// without MX records has the implicit MX of RFC 5321 §5.1.
func (c *Checker) lookupMX(ctx context.Context, rep *Report, domain string, add func(Severity, string, string, ...any)) ([]MXHost, dnssec.Security) {
	res, err := c.Resolver.Lookup(ctx, dns.Fqdn(domain), dns.TypeMX)
	if err != nil {
		add(SeverityWarning, "mx-lookup-failed", "MX lookup %s: %v", domain, err)
		return nil, dnssec.Indeterminate
	}
	var hosts []MXHost
	for _, rr := range res.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			hosts = append(hosts, MXHost{Host: strings.ToLower(strings.TrimSuffix(mx.Mx, ".")), Preference: mx.Preference})
		}
	}
	sort.SliceStable(hosts, func(i, j int) bool { return hosts[i].Preference < hosts[j].Preference })
	validated := res.Security == dnssec.Secure || res.Security == dnssec.Insecure
	switch {
	case res.Rcode == dns.RcodeNameError && validated:
		// As check: a validated NXDOMAIN is a verdict about the domain
		// (an unvalidated one is not, and stays a lookup problem).
		rep.NXDomain = true
		add(SeverityError, "nxdomain", "the domain does not exist (NXDOMAIN): senders bounce mail to it")
		return nil, res.Security
	case res.Rcode == dns.RcodeNameError:
		add(SeverityWarning, "mx-lookup-failed", "MX lookup %s: NXDOMAIN that could not be validated (%s)", domain, res.Security)
		return nil, res.Security
	case res.Rcode != dns.RcodeSuccess:
		add(SeverityWarning, "mx-lookup-failed", "MX lookup %s: %s", domain, rcodeName(res.Rcode))
	case len(hosts) == 1 && hosts[0].Host == "":
		rep.NullMX = true
		add(SeverityNote, "null-mx", "the domain publishes a null MX (RFC 7505): it accepts no mail, so MTA-STS has nothing to protect")
		return nil, res.Security
	case len(hosts) == 0 && res.Rcode == dns.RcodeSuccess:
		add(SeverityNote, "implicit-mx", "no MX records: mail goes to the domain itself (RFC 5321 §5.1)")
		hosts = []MXHost{{Host: domain}}
	}
	return hosts, res.Security
}

// probeTimeout bounds the policy fetch of a domain without an MTA-STS
// record.
const probeTimeout = 10 * time.Second

// lookupDANE marks the MX hosts that have validated TLSA records and says
// that DANE takes precedence for them (RFC 8461 §2).
func (c *Checker) lookupDANE(ctx context.Context, rep *Report, add func(Severity, string, string, ...any)) {
	var hosts []string
	for i := range rep.MX {
		m := &rep.MX[i]
		port := c.Port
		if port == 0 {
			port = 25
		}
		res, err := c.Resolver.Lookup(ctx, fmt.Sprintf("_%d._tcp.%s", port, dns.Fqdn(m.Host)), dns.TypeTLSA)
		if err != nil || res.Security != dnssec.Secure {
			continue
		}
		for _, rr := range res.Answer {
			if _, ok := rr.(*dns.TLSA); ok {
				m.DANE = true
			}
		}
		if m.DANE {
			hosts = append(hosts, m.Host)
		}
	}
	if len(hosts) > 0 {
		add(SeverityNote, "dane-precedence", "DANE applies to %s (DNSSEC-signed TLSA records): for senders that support DANE it takes precedence over MTA-STS, and an MTA-STS pass never overrides a DANE failure (RFC 8461 §2)", strings.Join(hosts, ", "))
	}
}

// StatusOf maps the worst finding onto the report status: an error is
// critical, a warning a warning, notes leave it OK.
func StatusOf(fs []Finding) Status {
	st := StatusOK
	for _, f := range fs {
		switch f.Severity {
		case SeverityError:
			return StatusCritical
		case SeverityWarning:
			st = StatusWarning
		}
	}
	return st
}

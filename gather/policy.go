package gather

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/tlsa"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// stsFacts is what the MTA-STS check found that the per-address
// evaluation needs after the probes.
type stsFacts struct {
	// policy is the fetched policy (valid or not), nil without one.
	policy *mtasts.Policy
}

// mtasts gathers the MTA-STS and TLS-RPT facts of the domain step by step
// and fills in r.MTASTS and r.TLSRPT: the _mta-sts record and, only when
// it is valid (senders fetch nothing otherwise, RFC 8461 §3.1, §3.3), the
// policy fetch and parse; the TLS-RPT record (RFC 8460 §3) at the same
// time. It asks the DNS nothing else: the MX hosts and their TLSA records
// are the rest of the check's.
func (g *gathering) mtasts(ctx context.Context, name string) *stsFacts {
	c := g.c
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.tlsrpt(ctx, name)
	}()
	defer func() { <-done }()

	facts := &stsFacts{}
	s := &g.r.MTASTS
	// The policy host's lookups start with the unvalidated record (only
	// to warm the cache; speculate.go); the fetch still waits for the
	// validated record.
	var warm *policyWarm
	warmed := make(chan struct{})
	go func() { defer close(warmed); warm = g.speculatePolicy(ctx, name) }()
	rec := mtasts.LookupRecord(ctx, c.Resolver, name)
	<-warmed
	made := warm.wait()
	g.countSpeculation(made, 0)
	switch rec.Status {
	case mtasts.StatusValid:
		s.Record = rec.Records[0]
		s.ID = rec.Record.ID
	case mtasts.StatusSeveral, mtasts.StatusMalformed:
		// RFC 8461 §3.1: senders treat the domain as having no policy;
		// the administrator wants to hear about it.
		g.advise(delivery.Finding{
			Code: "mta-sts-record-" + string(rec.Status), Severity: delivery.SeverityWarning,
			Detail: "the _mta-sts TXT record is unusable, so senders apply no MTA-STS policy: " + rec.Detail,
		})
		g.countSpeculation(0, made)
		return facts
	default:
		g.countSpeculation(0, made)
		return facts
	}
	f := &mtasts.Fetcher{Resolver: c.Resolver, Roots: c.Roots, Port: c.PolicyPort, Timeout: c.timeout(), Now: c.Now}
	if c.Dial != nil {
		f.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			return c.Dial(ctx, network, address)
		}
	}
	fetch, err := f.Fetch(ctx, name)
	if err != nil {
		s.FetchError = string(fetch.Failure)
		if fetch.Detail != "" {
			s.FetchError += ": " + fetch.Detail
		}
		return facts
	}
	// An invalid policy is kept: its problems are the administrator's
	// diagnosis, and Decide applies no policy for it.
	p, _ := mtasts.ParsePolicy(fetch.Body)
	facts.policy = p
	s.Mode, s.MaxAge, s.Patterns = string(p.Mode), p.MaxAge, p.MX
	if !p.Valid() {
		s.PolicyError = "invalid policy"
		for _, pr := range p.Problems {
			if pr.Severity == mtasts.SeverityError {
				s.PolicyError = pr.String()
				break
			}
		}
	}
	return facts
}

// tlsrpt looks up the TLS-RPT record (RFC 8460 §3) into r.TLSRPT.
func (g *gathering) tlsrpt(ctx context.Context, name string) {
	tr := tlsrpt.LookupRecord(ctx, g.c.Resolver, name)
	p := &delivery.Posture{Found: tr.Status == mtasts.StatusValid, DNSSEC: tr.Security, Error: tr.Detail}
	if len(tr.Records) > 0 {
		p.Record = tr.Records[0]
	}
	if tr.Record != nil {
		p.RUA = tr.Record.RUA
	}
	g.r.TLSRPT = p
}

// advise records a remark for Decide to merge into Warnings or Notes.
func (g *gathering) advise(f delivery.Finding) {
	g.mu.Lock()
	g.r.Advice = append(g.r.Advice, f)
	g.mu.Unlock()
}

// applyMTASTS fills each MX host's policy match and each address's WebPKI
// fact, once both the policy and the probes are in: RFC 8461 §4.1, the MX
// host must match a policy pattern, and §4.2, its TLS session must be TLS
// 1.2 or newer with a certificate valid under the WebPKI for the MX host
// name. Decide applies the policy's mode.
func (g *gathering) applyMTASTS(sts *stsFacts, hosts []*hostFacts) {
	verify := mtasts.VerifyMXTLS
	if m, ok := g.prober.(webPKIMemo); ok {
		verify = m.VerifyMXTLS // the same answers, once per shared chain
	}
	for _, h := range hosts {
		if h == nil {
			continue
		}
		m := h.m
		if sts != nil && sts.policy != nil {
			_, m.PolicyMatch = sts.policy.Match(m.Host)
		}
		for i := range m.Addresses {
			pf := h.probes[i]
			if len(pf.chain) == 0 || m.Addresses[i].TLSVersion == "" {
				continue
			}
			rt, detail := verify(m.Host, pf.tlsVersion, pf.chain, mtasts.VerifyOptions{Roots: g.c.Roots, Now: g.now})
			m.Addresses[i].WebPKI = &delivery.WebPKI{Valid: rt == "", Failure: rt, Detail: detail}
		}
	}
}

// rolloverAdvice passes on the tlsa package's rollover advice (RFC 7671
// §8) for every host whose TLSA set authenticates one of its servers:
// which changes the set would not survive, and the records to publish
// ahead of them.
func (g *gathering) rolloverAdvice(hosts []*hostFacts) {
	for _, h := range hosts {
		if h == nil || h.recs == nil {
			continue
		}
		for i := range h.m.Addresses {
			a := &h.m.Addresses[i]
			if a.Match == nil || !a.Match.Matched {
				continue
			}
			adv := tlsa.AdviseRollover(h.recs, h.probes[i].chain, nil, tlsa.Options{Names: h.names, Time: g.now})
			if !adv.Current || len(adv.Warnings) == 0 {
				break
			}
			detail := strings.Join(adv.Warnings, " ")
			if len(adv.Add) > 0 {
				var add []string
				for _, r := range adv.Add {
					add = append(add, r.String())
				}
				detail += " Publish ahead of the change: " + strings.Join(add, ", ") + "."
			}
			g.advise(delivery.Finding{Code: delivery.NoteRolloverAdvice, Severity: delivery.SeverityNote, MX: h.m.Host, Detail: detail})
			break
		}
	}
}

// posture looks up the SPF and DMARC records of the domain in parallel.
// TLS-RPT comes with the MTA-STS check.
func (g *gathering) posture(ctx context.Context, name string) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		// RFC 7208 §4.5: the SPF record is the TXT record at the domain
		// starting with "v=spf1".
		g.r.SPF = txtPosture(ctx, g.c.Resolver, dns.Fqdn(name), "v=spf1", parseSPF)
	}()
	go func() {
		defer wg.Done()
		// RFC 7489 §6.1, §6.6.3: the DMARC record is the TXT record at
		// _dmarc.DOMAIN starting with "v=DMARC1".
		g.r.DMARC = txtPosture(ctx, g.c.Resolver, "_dmarc."+dns.Fqdn(name), "v=DMARC1", parseDMARC)
	}()
	wg.Wait()
}

// txtPosture looks up the TXT records at qname and keeps the one of the
// protocol whose version tag is version.
func txtPosture(ctx context.Context, lk dnssec.Lookuper, qname, version string, parse func(string, *delivery.Posture)) *delivery.Posture {
	res, err := lk.Lookup(ctx, qname, dns.TypeTXT)
	l := delivery.LookupOf(res, err)
	p := &delivery.Posture{DNSSEC: l.DNSSEC}
	if !l.Usable() {
		p.Error = "lookup of " + strings.TrimSuffix(qname, ".") + " " + l.Failure()
		return p
	}
	var found []string
	for _, rr := range res.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			s := strings.Join(t.Txt, "")
			if hasVersion(s, version) {
				found = append(found, s)
			}
		}
	}
	switch len(found) {
	case 0:
		return p
	case 1:
		p.Found, p.Record = true, found[0]
		parse(found[0], p)
	default:
		p.Record = found[0]
		// RFC 7208 §4.5: more than one SPF record is a permerror;
		// RFC 7489 §6.6.3: more than one DMARC record means no DMARC
		// policy is applied.
		why := "a permerror (RFC 7208 §4.5)"
		if version == "v=DMARC1" {
			why = "no DMARC policy at all (RFC 7489 §6.6.3)"
		}
		p.Error = fmt.Sprintf("%d records start with %s; receivers treat that as %s", len(found), version, why)
	}
	return p
}

// hasVersion reports whether the record is one of the protocol whose
// version tag is version ("v=spf1" or "v=DMARC1").
func hasVersion(s, version string) bool {
	if version == "v=DMARC1" {
		return isDMARCRecord(s)
	}
	// RFC 7208 §4.5: the record begins with the version section
	// "v=spf1", which ends at a space or the end of the record ("v=spf10"
	// and "v=spf1;..." are not SPF records). ABNF strings are
	// case-insensitive (RFC 5234 §2.3).
	if len(s) < len(version) || !strings.EqualFold(s[:len(version)], version) {
		return false
	}
	rest := s[len(version):]
	return rest == "" || rest[0] == ' '
}

// isDMARCRecord reports whether the record begins with the DMARC version
// tag. RFC 7489 §6.4: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41
// %x52 %x43 %x31, and it must be the first tag (§6.3): the tag name is
// case-insensitive, "DMARC1" is not, white space may surround "=", and
// the tag ends at a ";" (dmarc-sep = *WSP ";" *WSP) or the record's end.
func isDMARCRecord(s string) bool {
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

// parseSPF records the qualifier of the "all" mechanism (RFC 7208 §5.1).
func parseSPF(rec string, p *delivery.Posture) {
	for _, term := range strings.Fields(rec)[1:] {
		t := strings.ToLower(term)
		switch t {
		case "all":
			p.Policy = "+all"
		case "+all", "-all", "~all", "?all":
			p.Policy = t
		}
	}
}

// parseDMARC records the p= policy and the rua= destinations (RFC 7489
// §6.3).
func parseDMARC(rec string, p *delivery.Posture) {
	for _, tag := range strings.Split(rec, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "p":
			p.Policy = strings.ToLower(strings.TrimSpace(v))
			switch p.Policy {
			case "none", "quarantine", "reject":
			default:
				// RFC 7489 §6.3: p is one of none, quarantine and
				// reject; anything else is no valid policy.
				p.Found = false
				p.Error = fmt.Sprintf("the p= tag %q is not none, quarantine or reject (RFC 7489 §6.3)", truncateText(v, 40))
				p.Policy = ""
				return
			}
		case "rua":
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					p.RUA = append(p.RUA, u)
				}
			}
		}
	}
	if p.Policy == "" {
		// RFC 7489 §6.6.3: a record without a valid p= tag but with at
		// least one syntactically valid rua= URI is processed as if it
		// said p=none; without one, no DMARC processing applies.
		for _, u := range p.RUA {
			if validReportURI(u) {
				p.Policy = "none"
				return
			}
		}
		p.Found = false
		p.Error = "the record has no p= tag (RFC 7489 §6.3)"
	}
}

// validReportURI reports whether u is a syntactically valid DMARC report
// URI (RFC 7489 §6.2: a URI, in practice mailto:), ignoring the optional
// "!size" suffix.
func validReportURI(u string) bool {
	if i := strings.LastIndexByte(u, '!'); i > 0 {
		u = u[:i]
	}
	parsed, err := url.Parse(u)
	return err == nil && parsed.Scheme != "" && (parsed.Opaque != "" || parsed.Host != "")
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

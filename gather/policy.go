package gather

import (
	"context"
	"net"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
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
	f := &mtasts.Fetcher{Resolver: c.Resolver, Roots: c.Roots, RootSource: c.RootSource, Port: c.PolicyPort, Timeout: c.timeout(), Now: c.Now}
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
			rt, detail := verify(m.Host, pf.tlsVersion, pf.chain, mtasts.VerifyOptions{Roots: g.c.Roots, RootSource: g.c.RootSource, Now: g.now})
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

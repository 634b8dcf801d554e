package gather

import (
	"context"
	"errors"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
)

// mxSet looks up the MX RRset of name and fills MXLookup, NullMX,
// ImplicitMX and the MX list in the order a sender tries the hosts.
//
// It returns an error only when no upstream resolver answered
// (dnssec.ErrNoUpstream): then nothing is known about the domain.
func (g *gathering) mxSet(ctx context.Context, name string) error {
	r := g.r
	res, err := g.c.Resolver.Lookup(ctx, dns.Fqdn(name), dns.TypeMX)
	r.MXLookup = delivery.LookupOf(res, err)
	g.noteDNSSEC(res)
	if errors.Is(err, dnssec.ErrNoUpstream) && ctx.Err() == nil {
		return err
	}
	if !r.MXLookup.Usable() {
		// RFC 7672 §2.1.1: nothing may be done with a bogus or failed MX
		// answer; Decide defers.
		return nil
	}
	g.mxSecure = r.MXLookup.Secure()
	if r.MXLookup.NXDomain {
		return nil // the domain does not exist: no mail
	}
	var mxs []*dns.MX
	for _, rr := range res.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			mxs = append(mxs, mx)
		}
	}
	// RFC 7505 §3: a single MX record with preference 0 and target "."
	// says the domain accepts no mail.
	if len(mxs) == 1 && mxs[0].Mx == "." {
		r.NullMX = true
		return nil
	}
	if len(mxs) == 0 {
		// RFC 5321 §5.1: without MX records the domain itself is the one
		// mail exchanger, with preference 0.
		r.ImplicitMX = true
		r.MX = []delivery.MXReport{{Host: name}}
		return nil
	}
	// RFC 5321 §5.1: lower preference first; ties in name order so that
	// reports are stable (senders randomise them).
	sort.SliceStable(mxs, func(i, j int) bool {
		if mxs[i].Preference != mxs[j].Preference {
			return mxs[i].Preference < mxs[j].Preference
		}
		return strings.ToLower(mxs[i].Mx) < strings.ToLower(mxs[j].Mx)
	})
	seen := map[string]bool{}
	for _, mx := range mxs {
		host := strings.TrimSuffix(strings.ToLower(mx.Mx), ".")
		// RFC 7505 §3: "." among other MX records is a misconfiguration
		// and names no host.
		if host == "" || seen[host] {
			continue
		}
		seen[host] = true
		r.MX = append(r.MX, delivery.MXReport{Host: host, Preference: mx.Preference})
	}
	return nil
}

// hostFacts are what one MX host's gathering found beyond the report: the
// parsed TLSA records and the presented chains, for the matching and the
// MTA-STS evaluation.
type hostFacts struct {
	m *delivery.MXReport
	// recs is the secure TLSA RRset, nil when DANE does not apply.
	recs []tlsa.Record
	// names are the DANE-TA reference identifiers.
	names []string
	// probes holds each address's probe facts, by index in m.Addresses.
	probes []probeFacts
}

// dnsAnswered notes that a DNS phase ended now: the MX set, or one host's
// addresses and TLSA records. Timings.DNS runs to the last of them.
func (g *gathering) dnsAnswered() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.After(g.lastDNS) {
		g.lastDNS = now
	}
}

// host gathers one MX host: its addresses and TLSA records, then the SMTP
// probes of every address.
func (g *gathering) host(ctx context.Context, m *delivery.MXReport) *hostFacts {
	h := &hostFacts{m: m}
	g.hostDNS(ctx, h)
	g.dnsAnswered()
	g.probeAll(ctx, h)
	return h
}

// hostDNS looks up the addresses and the TLSA records of one host.
//
// RFC 7672 §2.2.2 uses TLSA records only when the address records are
// secure. To save a round trip, the TLSA query at the host name is sent
// together with the address queries and its answer discarded when the
// addresses turn out insecure; only a CNAME'd host needs a second,
// sequential TLSA query, at the expanded name.
func (g *gathering) hostDNS(ctx context.Context, h *hostFacts) {
	m := h.m
	c := g.c
	fq := dns.Fqdn(m.Host)
	owner := tlsa.Owner(m.Host, c.port())
	var (
		wg                sync.WaitGroup
		aRes, aaaaRes, tr *dnssec.Result
		aErr, aaaaErr, te error
	)
	// m is a host of the validated, usable MX RRset: its speculative
	// lookups, if any, may be used (speculate.go).
	sp := g.spec.take(ctx, m.Host)
	if sp != nil {
		aRes, aErr, aaaaRes, aaaaErr, tr, te = sp.a, sp.aErr, sp.aaaa, sp.aaaaErr, sp.tlsa, sp.tEr
	} else {
		if !c.IPv6Only {
			wg.Add(1)
			go func() { defer wg.Done(); aRes, aErr = c.Resolver.Lookup(ctx, fq, dns.TypeA) }()
		}
		if !c.IPv4Only {
			wg.Add(1)
			go func() { defer wg.Done(); aaaaRes, aaaaErr = c.Resolver.Lookup(ctx, fq, dns.TypeAAAA) }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); tr, te = c.Resolver.Lookup(ctx, owner, dns.TypeTLSA) }()
		wg.Wait()
	}

	var v4, v6 []netip.Addr
	canonical := ""
	if !c.IPv6Only {
		l := delivery.LookupOf(aRes, aErr)
		m.A = &l
		v4 = addressesOf(aRes, l)
		if aRes != nil && l.Usable() {
			canonical = aRes.Canonical
		}
	}
	if !c.IPv4Only {
		l := delivery.LookupOf(aaaaRes, aaaaErr)
		m.AAAA = &l
		v6 = addressesOf(aaaaRes, l)
		if canonical == "" && aaaaRes != nil && l.Usable() {
			canonical = aaaaRes.Canonical
		}
	}
	// Most senders try IPv6 first.
	for _, a := range append(v6, v4...) {
		m.Addresses = append(m.Addresses, delivery.AddressReport{IP: a.String()})
	}
	h.probes = make([]probeFacts, len(m.Addresses))
	if canonical = strings.TrimSuffix(strings.ToLower(canonical), "."); canonical != "" && canonical != m.Host {
		m.Canonical = canonical
	}
	g.noteDNSSEC(aRes, aaaaRes)
	// RFC 7672 §2.2.2: no TLSA records without secure address records.
	if delivery.AddressSecurity(m.A, m.AAAA) != dnssec.Secure {
		return
	}
	// RFC 7672 §2.2.3: when the secure address answer was a CNAME chain,
	// the TLSA base domain is the expanded name if it has TLSA records;
	// else the original host name.
	var rrs []*dns.TLSA
	if m.Canonical != "" {
		eOwner := tlsa.Owner(m.Canonical, c.port())
		var er *dnssec.Result
		var ee error
		if sp != nil && sp.expanded == m.Canonical && (sp.expTLSA != nil || sp.expErr != nil) {
			// Started as soon as the unvalidated answer showed the CNAME;
			// the validated answer expands to the same name.
			er, ee = sp.expTLSA, sp.expErr
		} else {
			er, ee = c.Resolver.Lookup(ctx, eOwner, dns.TypeTLSA)
		}
		el := delivery.LookupOf(er, ee)
		switch {
		case !el.Usable():
			// A failed lookup at the expanded name leaves the sender
			// unable to know whether TLSA records exist (§2.1.1).
			m.TLSA, _ = tlsaReportOf(eOwner, m.Canonical, el, er)
		case el.Secure():
			if t, set := tlsaReportOf(eOwner, m.Canonical, el, er); len(set) > 0 {
				m.TLSA, rrs = t, set
				g.noteDNSSEC(er)
			}
		}
	}
	if m.TLSA == nil {
		m.TLSA, rrs = tlsaReportOf(owner, m.Host, delivery.LookupOf(tr, te), tr)
		g.noteDNSSEC(tr)
	}
	if m.TLSA.Secure() && len(rrs) > 0 {
		h.recs = tlsa.FromDNS(rrs)
	}
}

// addressesOf returns the addresses of an A or AAAA answer that may be
// used. RFC 7672 §2.1.2: a bogus or failed answer is never acted on (its
// records are for diagnosis only).
func addressesOf(res *dnssec.Result, l delivery.Lookup) []netip.Addr {
	if res == nil || !l.Usable() {
		return nil
	}
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, rr := range res.Answer {
		var a netip.Addr
		switch rr := rr.(type) {
		case *dns.A:
			a, _ = netip.AddrFromSlice(rr.A.To4())
		case *dns.AAAA:
			a, _ = netip.AddrFromSlice(rr.AAAA.To16())
		default:
			continue
		}
		if a.IsValid() && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// tlsaReportOf builds the TLSA fact of one lookup and returns the TLSA
// records of the answer (none unless the answer may be acted on).
func tlsaReportOf(owner, base string, l delivery.Lookup, res *dnssec.Result) (*delivery.TLSAReport, []*dns.TLSA) {
	t := &delivery.TLSAReport{
		Name:       strings.TrimSuffix(owner, "."),
		BaseDomain: base,
		Lookup:     l,
		Records:    []delivery.TLSARecord{},
	}
	if res == nil || !l.Usable() {
		return t, nil
	}
	var rrs []*dns.TLSA
	for _, rr := range res.Answer {
		if rr, ok := rr.(*dns.TLSA); ok {
			rrs = append(rrs, rr)
			t.Records = append(t.Records, delivery.TLSARecord{
				Usage: rr.Usage, Selector: rr.Selector, MatchingType: rr.MatchingType,
				Data: strings.ToLower(rr.Certificate),
			})
		}
	}
	return t, rrs
}

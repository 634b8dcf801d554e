package gather

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
)

// ErrCannotTell is returned (wrapped) by HostTLSA.Published when the
// lookups did not establish what senders see: a failed or indeterminate
// answer, which says nothing about what is published (a local problem,
// or one senders would also retry).
var ErrCannotTell = errors.New("cannot tell which TLSA records are published")

// HostTLSA is what a DANE sender learns from the DNS about one MX host:
// its address lookups and the TLSA lookup it would use, with the CNAME
// rules of RFC 7672 §2.2.3.
type HostTLSA struct {
	// Host holds the address lookups (A, AAAA, Canonical) and TLSA, the
	// lookup a sender uses: its owner name, base domain, status and
	// records.
	Host delivery.MXReport
	// Records is the TLSA RRset a sender acts on, nil when DANE does not
	// apply (insecure, bogus or failed lookups, no records).
	Records []tlsa.Record
	// TTL is how long the TLSA answer of Host.TLSA.Name may be cached:
	// the RRset's TTL, or for a denial the negative TTL (RFC 2308 §5), as
	// the validating resolver computed it (capped by the signatures'
	// original TTLs; through a caching upstream it may be less than the
	// zone's).
	TTL time.Duration
}

// LookupTLSA looks up the addresses and the TLSA records of host as the
// check of an MX host does, through the same code: _PORT._tcp at the
// CNAME-expanded name first, then at host, only when the address records
// are secure (RFC 7672 §2.2.2-§2.2.3). Only Resolver, Port, IPv4Only and
// IPv6Only of the Checker are used. It returns an error wrapping
// dnssec.ErrNoUpstream when no upstream answered.
func (c *Checker) LookupTLSA(ctx context.Context, host string) (*HostTLSA, error) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	rec := &ttlRecorder{Lookuper: c.Resolver, ttls: map[string]time.Duration{}}
	cc := *c
	cc.Resolver = rec
	g := &gathering{c: &cc, r: &delivery.DomainReport{Domain: host}}
	h := &hostFacts{m: &delivery.MXReport{Host: host}}
	g.hostDNS(ctx, h)
	if rec.err != nil {
		return nil, fmt.Errorf("TLSA lookup of %s: %w", host, rec.err)
	}
	h.m.DNSSEC = delivery.AddressSecurity(h.m.A, h.m.AAAA)
	out := &HostTLSA{Host: *h.m, Records: h.recs}
	if t := h.m.TLSA; t != nil {
		out.TTL = rec.ttl(t.Name)
	}
	return out, nil
}

// Published returns the TLSA set as a DANE sender sees it, for the
// renewal gate (tlsa.Gate), and the owner name records are to be
// published at. It returns an error wrapping ErrCannotTell when a lookup
// failed or was indeterminate.
func (h *HostTLSA) Published(port int) (tlsa.Published, error) {
	m := h.Host
	p := tlsa.Published{Owner: tlsa.Owner(m.Host, port)}
	switch m.DNSSEC {
	case dnssec.Secure:
	case dnssec.Insecure:
		p.State, p.Detail = tlsa.DNSInsecure, "the address records of "+m.Host+" are insecure"
		return p, nil
	case dnssec.Bogus:
		p.State, p.Detail = tlsa.DNSBogus, "the address records of "+m.Host+" are bogus"
		return p, nil
	default:
		return p, fmt.Errorf("%w: the address lookups of %s %s", ErrCannotTell, m.Host, addressFailure(m))
	}
	t := m.TLSA
	if t == nil {
		return p, fmt.Errorf("%w: no TLSA lookup was made for %s", ErrCannotTell, m.Host)
	}
	p.Owner = dns.Fqdn(t.Name)
	switch {
	case t.Error != "" || t.DNSSEC == dnssec.Indeterminate:
		return p, fmt.Errorf("%w: the TLSA lookup of %s %s", ErrCannotTell, t.Name, t.Failure())
	case t.DNSSEC == dnssec.Bogus:
		p.State, p.Detail = tlsa.DNSBogus, t.Detail
	case t.DNSSEC == dnssec.Insecure:
		p.State, p.Detail = tlsa.DNSInsecure, "the TLSA answer at "+t.Name+" is insecure"
	case len(h.Records) == 0:
		p.State, p.NegativeTTL = tlsa.DNSAbsent, h.TTL
	default:
		p.State, p.Records, p.TTL = tlsa.DNSSecure, h.Records, h.TTL
	}
	return p, nil
}

// addressFailure says why the address lookups are not usable.
func addressFailure(m delivery.MXReport) string {
	for _, l := range []*delivery.Lookup{m.A, m.AAAA} {
		if l != nil && !l.Usable() && l.DNSSEC != dnssec.Bogus {
			return l.Failure()
		}
	}
	return "are indeterminate"
}

// ttlRecorder passes lookups on and keeps the TTL of each TLSA answer,
// and the first "no upstream answered" error.
type ttlRecorder struct {
	dnssec.Lookuper
	mu   sync.Mutex
	ttls map[string]time.Duration
	err  error
}

func (r *ttlRecorder) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	res, err := r.Lookuper.Lookup(ctx, name, qtype)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && errors.Is(err, dnssec.ErrNoUpstream) && r.err == nil {
		r.err = err
	}
	if res != nil && qtype == dns.TypeTLSA {
		r.ttls[strings.ToLower(dns.Fqdn(name))] = res.TTL
	}
	return res, err
}

func (r *ttlRecorder) ttl(owner string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ttls[strings.ToLower(dns.Fqdn(owner))]
}

package gather

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
)

// MaxSpeculativeHosts bounds the MX hosts whose lookups start before the
// MX answer is validated: at most this many hosts (the most preferred),
// at most four lookups each (A, AAAA, TLSA, and TLSA at the target when
// the address answer is a CNAME), so that a hostile MX RRset with
// hundreds of targets cannot turn one check into hundreds of queries. The
// other hosts are looked up once the MX RRset is validated, as without
// speculation. With the policy host's two lookups (speculatePolicy), one
// check speculates at most 4*MaxSpeculativeHosts+2 lookups.
const MaxSpeculativeHosts = 8

// earlyFetcher is a resolver that hands out an upstream answer before it
// is validated (dnssec.Resolver.Fetch). Only the names in it are used, to
// start lookups early; the answer itself is never reported or acted on.
type earlyFetcher interface {
	Fetch(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
}

// hostLookups are the A, AAAA and TLSA lookups of one MX host, started
// speculatively. Each is an ordinary validated Lookup: what speculation
// changes is only when it starts, before anyone knows whether the MX
// RRset that names the host is secure, bogus, or names it at all.
type hostLookups struct {
	done               chan struct{}
	n                  int // lookups started
	a, aaaa, tlsa      *dnssec.Result
	aErr, aaaaErr, tEr error
	// expanded is the host's CNAME target in the unvalidated address
	// answer, and expTLSA/expErr the TLSA lookup at that name, started
	// at once (RFC 7672 §2.2.3 looks there first); used only when the
	// validated address answer expands to the same name.
	expanded string
	expTLSA  *dnssec.Result
	expErr   error
}

// speculation is the MX-answer speculation of one check (RFC 7672 §2.2
// still decides: a host's lookups are used only when the validated MX
// RRset is usable and names the host; see take).
type speculation struct {
	ctx    context.Context
	cancel context.CancelFunc

	wg     sync.WaitGroup // every goroutine of the speculation
	mu     sync.Mutex
	closed bool // the validated MX set is known: nothing new starts
	hosts  map[string]*hostLookups
	// started counts the speculative lookups sent, used those whose
	// answers a host of the validated MX set took.
	started, used int
}

// speculate starts, when the resolver can hand out the MX answer before
// validating it, the lookups of the MX hosts that answer names; nil when
// it cannot. The MX answer's own validation runs at the same time, in
// mxSet: Fetch and Lookup share one upstream query.
func (g *gathering) speculate(ctx context.Context, name string) *speculation {
	ef, ok := g.c.Resolver.(earlyFetcher)
	if !ok {
		return nil
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &speculation{ctx: sctx, cancel: cancel, hosts: map[string]*hostLookups{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		msg, err := ef.Fetch(sctx, dns.Fqdn(name), dns.TypeMX)
		if err != nil || msg == nil || msg.Rcode != dns.RcodeSuccess {
			return
		}
		for _, host := range speculativeHosts(msg, name) {
			if !s.start(g, host) {
				return
			}
		}
	}()
	return s
}

// speculativeHosts lists the targets of the MX records owned by name in
// msg, most preferred first, at most MaxSpeculativeHosts of them.
func speculativeHosts(msg *dns.Msg, name string) []string {
	owner := strings.ToLower(dns.Fqdn(name))
	var mxs []*dns.MX
	for _, rr := range msg.Answer {
		if mx, ok := rr.(*dns.MX); ok && strings.ToLower(mx.Hdr.Name) == owner && mx.Mx != "." {
			mxs = append(mxs, mx)
		}
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Preference < mxs[j].Preference })
	var out []string
	seen := map[string]bool{}
	for _, mx := range mxs {
		host := strings.TrimSuffix(strings.ToLower(mx.Mx), ".")
		if host == "" || seen[host] {
			continue
		}
		seen[host] = true
		out = append(out, host)
		if len(out) == MaxSpeculativeHosts {
			break
		}
	}
	return out
}

// start launches the lookups of host unless the validated MX set is
// already known; it reports whether speculation goes on.
func (s *speculation) start(g *gathering, host string) bool {
	c := g.c
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	h := &hostLookups{done: make(chan struct{}), n: 1}
	if !c.IPv6Only {
		h.n++
	}
	if !c.IPv4Only {
		h.n++
	}
	s.hosts[host] = h
	s.started += h.n
	s.mu.Unlock()

	fq := dns.Fqdn(host)
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); defer wg.Done(); f() }()
	}
	if !c.IPv6Only {
		run(func() { h.a, h.aErr = c.Resolver.Lookup(s.ctx, fq, dns.TypeA) })
	}
	if !c.IPv4Only {
		run(func() { h.aaaa, h.aaaaErr = c.Resolver.Lookup(s.ctx, fq, dns.TypeAAAA) })
	}
	run(func() { h.tlsa, h.tEr = c.Resolver.Lookup(s.ctx, tlsa.Owner(host, c.port()), dns.TypeTLSA) })
	if ef, ok := c.Resolver.(earlyFetcher); ok {
		qtype := dns.TypeA
		if c.IPv6Only {
			qtype = dns.TypeAAAA
		}
		run(func() {
			msg, err := ef.Fetch(s.ctx, fq, qtype)
			if err != nil || msg == nil {
				return
			}
			target := cnameTarget(msg, fq)
			if target == "" {
				return
			}
			s.mu.Lock()
			h.n++
			s.started++
			s.mu.Unlock()
			h.expanded = target
			h.expTLSA, h.expErr = c.Resolver.Lookup(s.ctx, tlsa.Owner(target, c.port()), dns.TypeTLSA)
		})
	}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); wg.Wait(); close(h.done) }()
	return true
}

// cnameTarget follows the CNAME chain from name in msg's answer section
// (at most 8 links) and returns its end, lower case without the trailing
// dot; "" when name is not an alias.
func cnameTarget(msg *dns.Msg, name string) string {
	cur := strings.ToLower(dns.Fqdn(name))
	for range 8 {
		next := ""
		for _, rr := range msg.Answer {
			if cn, ok := rr.(*dns.CNAME); ok && strings.ToLower(cn.Hdr.Name) == cur {
				next = strings.ToLower(dns.Fqdn(cn.Target))
				break
			}
		}
		if next == "" {
			break
		}
		cur = next
	}
	if cur == strings.ToLower(dns.Fqdn(name)) {
		return ""
	}
	return strings.TrimSuffix(cur, ".")
}

// close ends the speculation's start: called once the validated MX set
// is known, before the hosts are gathered.
func (s *speculation) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// take returns the speculative lookups of host, a host of the validated
// MX set, waiting for them to finish; nil when there are none (then the
// caller looks the host up itself). It must be called only after close,
// and only for hosts of a usable, validated MX RRset: that is the rule
// that keeps a speculative answer from reaching a verdict about a host
// the validated MX RRset does not name (RFC 7672 §2.1.1, §2.2).
func (s *speculation) take(ctx context.Context, host string) *hostLookups {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	h := s.hosts[host]
	delete(s.hosts, host)
	s.mu.Unlock()
	if h == nil {
		return nil
	}
	select {
	case <-h.done:
	case <-ctx.Done():
		return nil
	}
	s.mu.Lock()
	s.used += h.n
	s.mu.Unlock()
	return h
}

// finish cancels the speculative lookups nobody took (hosts of a bogus or
// failed MX answer, or not in the validated MX set), waits for them to
// return, so that nothing of a check outlives it, and returns the counts:
// lookups started, and those discarded.
func (s *speculation) finish() (started, discarded int) {
	if s == nil {
		return 0, 0
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.started, s.started - s.used
}

// policyWarm are the lookups of the MTA-STS policy host started before
// the _mta-sts record is validated (see speculatePolicy).
type policyWarm struct {
	wg      sync.WaitGroup
	started int
}

// speculatePolicy starts the A and AAAA lookups of mta-sts.<name> the
// moment the unvalidated _mta-sts TXT answer holds a record that begins
// with "v=STSv1", while the answer's chain of trust is fetched. RFC 8461
// §3.3: the policy is fetched only once the record is known to be valid,
// and that rule stands (gather fetches after mtasts.LookupRecord, as
// without speculation); the early lookups only warm the resolver's cache,
// so that the fetcher's own lookups are answered at once. Nil when the
// resolver cannot hand out early answers. The lookups are ordinary
// validated ones; the fetcher applies its rules to what they found.
func (g *gathering) speculatePolicy(ctx context.Context, name string) *policyWarm {
	ef, ok := g.c.Resolver.(earlyFetcher)
	if !ok {
		return nil
	}
	p := &policyWarm{}
	msg, err := ef.Fetch(ctx, "_mta-sts."+dns.Fqdn(name), dns.TypeTXT)
	if err != nil || msg == nil || !hasSTSRecord(msg) {
		return p
	}
	host := "mta-sts." + dns.Fqdn(name)
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		p.started++
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			g.c.Resolver.Lookup(ctx, host, qt) // for the cache
		}()
	}
	return p
}

// hasSTSRecord reports whether a TXT answer holds a record that begins
// with "v=STSv1" (RFC 8461 §3.1), whatever else it holds.
func hasSTSRecord(msg *dns.Msg) bool {
	for _, rr := range msg.Answer {
		if t, ok := rr.(*dns.TXT); ok && strings.HasPrefix(strings.Join(t.Txt, ""), "v=STSv1") {
			return true
		}
	}
	return false
}

// wait waits for the early lookups (they started before the record's
// validation ended, so little is left) and returns how many were made.
func (p *policyWarm) wait() int {
	if p == nil {
		return 0
	}
	p.wg.Wait()
	return p.started
}

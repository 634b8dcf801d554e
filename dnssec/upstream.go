package dnssec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// ednsBufferSize is the UDP payload size we advertise: 1232 bytes avoids
// IP fragmentation on any common path (DNS Flag Day 2020).
const ednsBufferSize = 1232

// errUpstreamStrips marks an upstream that failed the DNSSEC capability
// probe.
var errUpstreamStrips = errors.New("upstream does not return DNSSEC records")

// ErrNoUpstream is returned (wrapped) when no upstream resolver answered.
var ErrNoUpstream = errors.New("no upstream resolver answered")

// probeState remembers, per upstream, whether it passed the DNSSEC
// capability probe. The probe runs once per upstream and Resolver.
type probeState struct {
	once    sync.Once
	capable bool
	why     string
	err     error     // network failure during the probe
	rootKey *dns.Msg  // the probed anchor zone's DNSKEY answer, reused for the chain
	at      time.Time // when the probe ran (wall clock)
}

// probeReuse is how long the probe's DNSKEY answer stands in for a
// fresh query, so a cold lookup does not ask for it twice.
const probeReuse = 30 * time.Second

// call is one in-flight upstream query shared by concurrent callers.
type call struct {
	done chan struct{}
	msg  *dns.Msg
	err  error
	// abandoned is set when the caller that sent the query gave up (its
	// context ended) before the answer came: that says nothing about the
	// query, so the callers waiting for it ask again.
	abandoned bool
}

// flightGroup coalesces concurrent identical queries (a minimal
// singleflight): the first caller sends the query, the others wait for
// its answer.
//
// Answers to chain queries (DS, DNSKEY) stay shared for a short grace
// period after they arrive, so lookups that start their chain walk a
// moment after the others (a busy machine) still share the answers
// instead of asking again.
type flightGroup struct {
	mu     sync.Mutex
	calls  map[string]*call
	recent map[string]recentAnswer
}

type recentAnswer struct {
	msg *dns.Msg
	at  time.Time
}

// flightGrace is how long a chain answer is shared after it arrived, and
// maxRecent bounds how many are kept.
const (
	flightGrace = time.Second
	maxRecent   = 1024
)

func (g *flightGroup) do(ctx context.Context, key string, share bool, fn func() (*dns.Msg, error)) (*dns.Msg, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = make(map[string]*call)
		g.recent = make(map[string]recentAnswer)
	}
	if ra, ok := g.recent[key]; ok {
		if time.Since(ra.at) < flightGrace {
			g.mu.Unlock()
			return ra.msg.Copy(), nil
		}
		delete(g.recent, key)
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		select {
		case <-c.done:
			if c.abandoned && ctx.Err() == nil {
				// Another check's deadline is not this one's: ask again
				// (at most once per abandoned call, and never after this
				// caller's own context ended).
				return g.do(ctx, key, share, fn)
			}
			return c.msg, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	c.msg, c.err = fn()
	c.abandoned = c.err != nil && ctx.Err() != nil
	g.mu.Lock()
	delete(g.calls, key)
	if share && c.err == nil && c.msg != nil {
		if len(g.recent) >= maxRecent {
			clear(g.recent)
		}
		g.recent[key] = recentAnswer{msg: c.msg, at: time.Now()}
	}
	g.mu.Unlock()
	close(c.done)
	return c.msg, c.err
}

// fetch asks the upstreams for name/qtype with DO and CD set, in order,
// failing over on network errors and on upstreams that fail the
// capability probe. It returns errUpstreamStrips (wrapped) with the last
// answer when every upstream that answered strips DNSSEC.
func (r *Resolver) fetch(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	key := name + "/" + dns.TypeToString[qtype]
	share := qtype == dns.TypeDS || qtype == dns.TypeDNSKEY
	return r.flight.do(ctx, key, share, func() (*dns.Msg, error) {
		return r.fetchUncoalesced(ctx, name, qtype)
	})
}

func (r *Resolver) fetchUncoalesced(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var errs []error
	var failed *dns.Msg
	var stripped *dns.Msg
	var strippedWhy string
	for _, up := range r.upstreams {
		ps := r.probeState(up)
		// The probe (the anchor zone's DNSKEY) runs concurrently with the query itself,
		// so a cold lookup does not pay an extra round trip for it.
		probeDone := make(chan struct{})
		go func() {
			r.runProbe(ctx, up, ps)
			close(probeDone)
		}()
		var msg *dns.Msg
		var err error
		if qtype == dns.TypeDNSKEY && name == r.probeZone {
			<-probeDone
			if ps.capable && ps.rootKey != nil && time.Since(ps.at) < probeReuse {
				msg = ps.rootKey.Copy()
			}
		}
		if msg == nil {
			msg, err = r.exchange(ctx, up, name, qtype, true)
		}
		<-probeDone
		if ps.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", up, ps.err))
			continue
		}
		if !ps.capable {
			strippedWhy = fmt.Sprintf("%s: %s", up, ps.why)
			if err == nil {
				stripped = msg
			}
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", up, err))
			continue
		}
		// SERVFAIL and REFUSED say nothing about the name: the next
		// upstream may do better. The last such answer is returned if
		// none does.
		if msg.Rcode == dns.RcodeServerFailure || msg.Rcode == dns.RcodeRefused {
			failed = msg
			continue
		}
		return msg, nil
	}
	if failed != nil {
		return failed, nil
	}
	if strippedWhy != "" {
		return stripped, fmt.Errorf("%s: %w", strippedWhy, errUpstreamStrips)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("%w: %w", ErrNoUpstream, errors.Join(errs...))
}

func (r *Resolver) probeState(up string) *probeState {
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	ps, ok := r.probes[up]
	if !ok {
		ps = &probeState{}
		r.probes[up] = ps
	}
	return ps
}

// runProbe checks once whether up is usable for validation: the DNSKEY
// RRset of the anchor zone (probeZoneOf; "." with the root anchors),
// asked with DO=1, CD=1 must come back with an OPT record, the CD bit
// copied (RFC 4035 §3.2.2), the DNSKEY RRset and its RRSIGs. Upstreams
// that drop EDNS (FORMERR), ignore CD or strip signatures fail it.
func (r *Resolver) runProbe(ctx context.Context, up string, ps *probeState) {
	ps.once.Do(func() {
		if r.skipProbe {
			ps.capable = true
			return
		}
		// Detached from the caller: the verdict is shared by every lookup.
		msg, err := r.exchange(context.WithoutCancel(ctx), up, r.probeZone, dns.TypeDNSKEY, true)
		if err != nil {
			if errors.Is(err, errFormErr) {
				ps.why = "it rejects EDNS0 queries (FORMERR), so it cannot return DNSSEC records"
				return
			}
			ps.err = err
			return
		}
		var keys, sigs int
		for _, rr := range msg.Answer {
			switch rr := rr.(type) {
			case *dns.DNSKEY:
				keys++
			case *dns.RRSIG:
				if rr.TypeCovered == dns.TypeDNSKEY {
					sigs++
				}
			}
		}
		// An anchor zone other than the root may not exist in the
		// upstream's view (a stale or lab anchor): a signed denial of it
		// still shows that the upstream returns DNSSEC records, and what
		// the anchor's names then are is the validator's to say.
		signedDenial := false
		if r.probeZone != "." && (msg.Rcode == dns.RcodeNameError || msg.Rcode == dns.RcodeSuccess) && keys == 0 {
			for _, rr := range msg.Ns {
				if _, ok := rr.(*dns.RRSIG); ok {
					signedDenial = true
				}
			}
		}
		switch {
		case msg.IsEdns0() == nil:
			ps.why = "it does not answer with EDNS0"
		case signedDenial && msg.CheckingDisabled:
			ps.capable = true
		case msg.Rcode != dns.RcodeSuccess:
			ps.why = fmt.Sprintf("it answers the %s DNSKEY query with %s", probeZoneName(r.probeZone), dns.RcodeToString[msg.Rcode])
		case !msg.CheckingDisabled:
			ps.why = "it ignores the CD (checking disabled) bit"
		case keys == 0 || sigs == 0:
			ps.why = fmt.Sprintf("it strips RRSIG records from the %s DNSKEY answer", probeZoneName(r.probeZone))
		default:
			ps.capable = true
			ps.rootKey = msg
			ps.at = time.Now()
		}
	})
}

var errFormErr = errors.New("FORMERR")

// exchange sends one query to one upstream: UDP with EDNS0 (DO, CD, 1232
// bytes), then TCP if the answer was truncated. The answer must match the
// query's ID and question; owner and signer names are lower-cased so the
// validator compares canonical forms (RFC 4034 §6.2).
func (r *Resolver) exchange(ctx context.Context, up, name string, qtype uint16, edns bool) (*dns.Msg, error) {
	if r.transport != nil {
		r.queries.Add(1)
		m, err := r.transport(ctx, up, name, qtype)
		if err == nil {
			normaliseMsg(m)
		}
		return m, err
	}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.CheckingDisabled = true
	if edns {
		q.SetEdns0(ednsBufferSize, true)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	// A second copy of the datagram after the upstream's retransmission
	// interval, in the same deadline, so one lost datagram does not cost
	// the whole upstream (exchangeUDP, retransmit.go).
	resp, err := r.exchangeNet(ctx, "udp", up, q)
	if err == nil && resp.Truncated {
		resp, err = r.exchangeNet(ctx, "tcp", up, q)
	}
	if err != nil {
		return nil, err
	}
	if resp.Rcode == dns.RcodeFormatError && edns {
		return resp, fmt.Errorf("%s %s: %w", name, dns.TypeToString[qtype], errFormErr)
	}
	normaliseMsg(resp)
	return resp, nil
}

func (r *Resolver) exchangeNet(ctx context.Context, network, up string, q *dns.Msg) (*dns.Msg, error) {
	r.queries.Add(1)
	c := &dns.Client{
		Net:     network,
		Dialer:  r.cfg.Dialer,
		UDPSize: ednsBufferSize,
		Timeout: r.cfg.Timeout,
	}
	var resp *dns.Msg
	var err error
	if network == "udp" {
		var rtt time.Duration
		var resent bool
		resp, rtt, resent, err = exchangeUDP(ctx, c, up, q, r.rtts.retransmitAfter(up, r.cfg.Timeout))
		if resent {
			r.queries.Add(1)
		}
		if rtt > 0 {
			r.rtts.sample(up, rtt)
		}
	} else {
		resp, _, err = c.ExchangeContext(ctx, q, up)
	}
	if err != nil {
		return nil, fmt.Errorf("query %s %s over %s: %w", q.Question[0].Name, dns.TypeToString[q.Question[0].Qtype], network, err)
	}
	// A FORMERR (e.g. from a server without EDNS, RFC 6891 §7) may come
	// without the question; the caller treats it as a refusal.
	if resp.Rcode == dns.RcodeFormatError && resp.Id == q.Id {
		return resp, nil
	}
	// miekg/dns checks the ID; check the question too (RFC 5452 §9.1).
	if resp.Id != q.Id || len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, q.Question[0].Name) ||
		resp.Question[0].Qtype != q.Question[0].Qtype || resp.Question[0].Qclass != q.Question[0].Qclass {
		return nil, fmt.Errorf("query %s %s: answer does not match the question", q.Question[0].Name, dns.TypeToString[q.Question[0].Qtype])
	}
	return resp, nil
}

// normaliseMsg lower-cases owner names and RRSIG signer names in place.
func normaliseMsg(m *dns.Msg) {
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			h.Name = lowerASCII(h.Name)
			if sig, ok := rr.(*dns.RRSIG); ok {
				sig.SignerName = lowerASCII(sig.SignerName)
			}
		}
	}
}

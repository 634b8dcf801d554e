package scan

import (
	"container/list"
	"context"
	"crypto/x509"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/smtpprobe"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// DefaultProbeCacheSize bounds the probe results a SharedProber keeps. A
// result holds the presented chain (a few kilobytes parsed), so the default
// stays in the tens of megabytes.
const DefaultProbeCacheSize = 1024

// ProbeFunc runs one SMTP session; (*smtpprobe.Prober).Probe fits.
type ProbeFunc func(ctx context.Context, t smtpprobe.Target) (*smtpprobe.Result, error)

// probeKey identifies a probe whose result can be shared: the same address,
// port, SNI and greeting give the same session.
type probeKey struct {
	addr netip.AddrPort
	sni  string
	ehlo string
}

// probeEntry is a cached result, or a probe in flight when done is open.
type probeEntry struct {
	key  probeKey
	done chan struct{}
	res  *smtpprobe.Result
	err  error
	elem *list.Element // in the LRU list once cached
}

// SharedProber probes each distinct (address, port, SNI) once and hands the
// result to every caller that asks for it, for the duration of a scan: the
// thousands of domains served by one provider's MX hosts cost one SMTP
// session per address. Concurrent callers of the same target wait for the
// one probe in flight. Results are kept in an LRU bounded by Size.
//
// The per-address cap and the connection rate belong to the connections,
// not to this cache: give Probe a smtpprobe.Prober whose Dial is LimitDial.
// A SharedProber is safe for concurrent use; configure it before
// the first call.
//
// Shared results are read-only: callers must not modify a Result or its
// slices. A Target with a TLSConfig hook is probed without sharing (its
// outcome may depend on the hook), and so are results of a probe cut short
// by the caller's context, which are never cached.
type SharedProber struct {
	// Session runs one SMTP session; nil uses a zero smtpprobe.Prober.
	Session ProbeFunc
	// Size bounds the cached results (DefaultProbeCacheSize when zero).
	Size int
	// Parallel bounds the concurrent sessions of one ProbeAddrs call
	// (default 4, as smtpprobe).
	Parallel int

	mu      sync.Mutex
	entries map[probeKey]*probeEntry
	lru     list.List // of *probeEntry, most recent first

	certMu sync.Mutex
	certs  map[*x509.Certificate]delivery.Certificate
	webpki map[webpkiKey]webpkiVerdict

	sessions, shared atomic.Int64
}

// size is the bound of the cache.
func (s *SharedProber) size() int {
	if s.Size <= 0 {
		return DefaultProbeCacheSize
	}
	return s.Size
}

// Certificate returns delivery.CertificateOf(c), computed once per
// certificate of the shared results (the subject and issuer strings and
// two digests cost more than a hundred allocations), so that gather
// summarises a provider's certificate once per scan rather than once per
// domain. The memo holds at most four certificates per cached result and
// is emptied when full.
func (s *SharedProber) Certificate(c *x509.Certificate) delivery.Certificate {
	s.certMu.Lock()
	defer s.certMu.Unlock()
	if sum, ok := s.certs[c]; ok {
		return sum
	}
	if s.certs == nil || len(s.certs) >= 4*s.size() {
		s.certs = make(map[*x509.Certificate]delivery.Certificate)
	}
	sum := delivery.CertificateOf(c)
	s.certs[c] = sum
	return sum
}

// webpkiKey identifies a WebPKI verdict that can be shared: the same
// host name, TLS version, chain (the certificates of one shared result,
// by identity), roots, and the validation time on the same side of every
// certificate's validity window.
type webpkiKey struct {
	host    string
	version uint16
	leaf    *x509.Certificate
	n       int
	roots   *x509.CertPool
	source  mtasts.RootSource
	window  uint64 // per certificate, 2 bits: before, within or after its validity
}

type webpkiVerdict struct {
	result tlsrpt.ResultType
	detail string
}

// VerifyMXTLS returns mtasts.VerifyMXTLS(host, tlsVersion, chain, opts),
// computed once per host name and shared chain (an x509 chain
// verification per domain was 13% of a scan's CPU). A verdict is reused
// only while the validation time stays on the same side of every
// presented certificate's NotBefore and NotAfter, so an expiry during the
// scan is seen; roots are compared by identity. The memo is bounded like
// the certificate memo.
func (s *SharedProber) VerifyMXTLS(host string, tlsVersion uint16, chain []*x509.Certificate, opts mtasts.VerifyOptions) (tlsrpt.ResultType, string) {
	if len(chain) == 0 || chain[0] == nil || len(chain) > 32 {
		return mtasts.VerifyMXTLS(host, tlsVersion, chain, opts)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
		opts.Now = now
	}
	k := webpkiKey{host: host, version: tlsVersion, leaf: chain[0], n: len(chain), roots: opts.Roots, source: opts.RootSource}
	for i, c := range chain {
		w := uint64(1)
		switch {
		case c == nil:
			w = 3
		case now.Before(c.NotBefore):
			w = 0
		case now.After(c.NotAfter):
			w = 2
		}
		k.window |= w << (2 * i)
	}
	s.certMu.Lock()
	v, ok := s.webpki[k]
	s.certMu.Unlock()
	if ok {
		return v.result, v.detail
	}
	rt, detail := mtasts.VerifyMXTLS(host, tlsVersion, chain, opts)
	s.certMu.Lock()
	if s.webpki == nil || len(s.webpki) >= 4*s.size() {
		s.webpki = make(map[webpkiKey]webpkiVerdict)
	}
	s.webpki[k] = webpkiVerdict{rt, detail}
	s.certMu.Unlock()
	return rt, detail
}

// ProbeStats counts a SharedProber's work.
type ProbeStats struct {
	// Sessions is the number of SMTP sessions opened; Shared the number
	// of calls answered from the cache or by waiting for a session in
	// flight.
	Sessions, Shared int64
	// Cached is the number of results held now.
	Cached int
}

// Stats returns the counters.
func (s *SharedProber) Stats() ProbeStats {
	s.mu.Lock()
	n := s.lru.Len()
	s.mu.Unlock()
	return ProbeStats{Sessions: s.sessions.Load(), Shared: s.shared.Load(), Cached: n}
}

// Probe returns the result for t: from the cache, from a probe of the
// same target in flight, or from a new session. It has the contract of
// smtpprobe.Prober.Probe: the Result is never nil and is meaningful also with
// an error.
func (s *SharedProber) Probe(ctx context.Context, t smtpprobe.Target) (*smtpprobe.Result, error) {
	if t.TLSConfig != nil {
		return s.session(ctx, t)
	}
	port := t.Port
	if port == 0 {
		port = 25
	}
	sni := t.SNI
	if sni == "" {
		sni = t.Host
	}
	key := probeKey{addr: netip.AddrPortFrom(t.Addr.Unmap(), port), sni: sni, ehlo: t.EHLOName}
	for {
		s.mu.Lock()
		if s.entries == nil {
			s.entries = make(map[probeKey]*probeEntry)
		}
		e := s.entries[key]
		if e == nil {
			// Lead: probe, then publish.
			e = &probeEntry{key: key, done: make(chan struct{})}
			s.entries[key] = e
			s.mu.Unlock()
			res, err := s.session(ctx, t)
			s.finish(e, res, err, ctx.Err() == nil)
			return res, err
		}
		if e.elem != nil {
			s.lru.MoveToFront(e.elem)
		}
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return s.session(ctx, t) // ends at once with the right outcome
		}
		if e.res != nil {
			s.shared.Add(1)
			return withHost(e.res, t.Host), e.err
		}
		// The leader's probe was cut short by its own context and not
		// published: try again (perhaps leading this time).
	}
}

// finish publishes a leader's result: cached if keep, else withdrawn so
// that waiters retry.
func (s *SharedProber) finish(e *probeEntry, res *smtpprobe.Result, err error, keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if keep {
		e.res, e.err = res, err
		e.elem = s.lru.PushFront(e)
		for s.lru.Len() > s.size() {
			old := s.lru.Remove(s.lru.Back()).(*probeEntry)
			delete(s.entries, old.key)
		}
	} else {
		delete(s.entries, e.key)
	}
	close(e.done)
}

// withHost returns res as seen by a caller that reached the address under
// another MX name (two provider names for one address and SNI): a shallow
// copy with Host changed. The slices stay shared and read-only.
func withHost(res *smtpprobe.Result, host string) *smtpprobe.Result {
	if res.Host == host {
		return res
	}
	c := *res
	c.Host = host
	return &c
}

// session runs one SMTP session.
func (s *SharedProber) session(ctx context.Context, t smtpprobe.Target) (*smtpprobe.Result, error) {
	probe := s.Session
	if probe == nil {
		var p smtpprobe.Prober
		probe = p.Probe
	}
	s.sessions.Add(1)
	return probe(ctx, t)
}

// ProbeAddrs probes every address of one MX host like
// smtpprobe.Prober.ProbeAddrs, each through Probe: one Result per
// address, in the order given, never nil, with Result.Err set.
func (s *SharedProber) ProbeAddrs(ctx context.Context, t smtpprobe.Target, addrs []netip.Addr) []*smtpprobe.Result {
	n := s.Parallel
	if n <= 0 {
		n = 4
	}
	results := make([]*smtpprobe.Result, len(addrs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tt := t
			tt.Addr = a
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			res, err := s.Probe(ctx, tt)
			if res.Err == nil && err != nil {
				r := *res
				r.Err = err
				res = &r
			}
			results[i] = res
		}()
	}
	wg.Wait()
	return results
}

// ProberFor returns a SharedProber whose sessions are those ck would run
// itself: ck's Dial (wrap it with LimitDial first), EHLOName, and Timeout
// for every step (gather.DefaultTimeout when zero; QUIT at most 5s). It is
// what "daneprobe scan" hands to the checker's prober seam.
func ProberFor(ck *gather.Checker) *SharedProber {
	step := ck.Timeout
	if step <= 0 {
		step = gather.DefaultTimeout
	}
	p := &smtpprobe.Prober{Dial: ck.Dial, EHLOName: ck.EHLOName, Timeouts: smtpprobe.Timeouts{
		Connect: step, Banner: step, EHLO: step, STARTTLS: step, Handshake: step, Quit: min(step, 5*time.Second)}}
	return &SharedProber{Session: p.Probe}
}

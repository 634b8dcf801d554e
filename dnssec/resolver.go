package dnssec

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Resolver is a validating stub resolver. It is safe for concurrent use;
// concurrent identical upstream queries are coalesced and validated zone
// keys and answers are cached (bounded, honouring TTLs).
type Resolver struct {
	cfg       Config
	upstreams []string
	anchors   map[string][]dns.RR // zone -> DS/DNSKEY anchors
	probeZone string              // the zone whose DNSKEY the capability probe asks (probe.go)

	queries atomic.Int64
	flight  flightGroup
	walks   walkGroup // zone cuts being validated (walks.go)
	rtts    rttTable  // round trips per upstream, for retransmission (retransmit.go)

	probeMu sync.Mutex
	probes  map[string]*probeState

	cuts    *lru[cutInfo]
	answers *lru[*Result]
	sigs    *sigCache // signatures that verified (sigcache.go)

	// transport, when set (tests and fuzzing only), replaces the network
	// exchange with one upstream; skipProbe skips the capability probe.
	transport func(ctx context.Context, up, name string, qtype uint16) (*dns.Msg, error)
	skipProbe bool
}

// NewResolver checks cfg, fills in defaults and returns a Resolver. It
// fails when no upstream is configured or found in resolv.conf, when an
// upstream address is malformed, or when a trust anchor is not a DS or
// DNSKEY record.
func NewResolver(cfg Config) (*Resolver, error) {
	c, ups, err := cfg.normalise()
	if err != nil {
		return nil, fmt.Errorf("configure resolver: %w", err)
	}
	r := &Resolver{
		cfg:       c,
		upstreams: ups,
		anchors:   map[string][]dns.RR{},
		probes:    map[string]*probeState{},
		cuts:      newLRU[cutInfo](c.CacheSize),
		answers:   newLRU[*Result](c.CacheSize),
		sigs:      newSigCache(c.CacheSize),
	}
	for _, rr := range c.TrustAnchors {
		switch rr.(type) {
		case *dns.DS, *dns.DNSKEY:
		default:
			return nil, fmt.Errorf("configure resolver: trust anchor %q is not a DS or DNSKEY record", rr.String())
		}
		z := canonicalName(rr.Header().Name)
		r.anchors[z] = append(r.anchors[z], rr)
	}
	r.probeZone = probeZoneOf(r.anchors)
	return r, nil
}

// Upstreams returns the upstream resolvers in the order they are tried.
func (r *Resolver) Upstreams() []string { return append([]string(nil), r.upstreams...) }

// Queries returns the number of upstream queries sent so far (UDP and
// TCP attempts each count), for tests and benchmarks.
func (r *Resolver) Queries() int64 { return r.queries.Load() }

// Now returns the validation time the resolver uses.
func (r *Resolver) Now() time.Time { return r.cfg.Now() }

// lookupState is the per-lookup scratch space: the validation time, the
// work counters that enforce Limits, warnings and chain links.
type lookupState struct {
	r             *Resolver
	now           time.Time
	verifications atomic.Int64
	queriesSent   atomic.Int64 // upstream queries asked for (maxQueriesPerLookup)

	mu       sync.Mutex
	warnings []string
	remarks  []Remark // the hygiene findings among warnings (horizon.go)
	links    []ChainLink
	zones    map[string]zoneResult
	cutMemo  map[string]*cutFuture
	minTTL   time.Duration
}

func (st *lookupState) limitHit() bool {
	return st.verifications.Load() > int64(st.r.cfg.Limits.VerificationsPerLookup)
}

// budgetHit reports whether this lookup ran out of its verification or
// query budget. What it learns afterwards may rest on a query it was not
// allowed to send, a fact about the lookup rather than the zone, so it is
// neither cached nor shared with other lookups.
func (st *lookupState) budgetHit() bool {
	return st.limitHit() || st.queriesSent.Load() > maxQueriesPerLookup
}

func (st *lookupState) warn(w string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, x := range st.warnings {
		if x == w {
			return
		}
	}
	st.warnings = append(st.warnings, w)
}

func (st *lookupState) noteTTL(d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.minTTL < 0 || d < st.minTTL {
		st.minTTL = d
	}
}

// addLinks merges chain links into the lookup's chain, keeping the first
// occurrence of each zone.
func (st *lookupState) addLinks(links []ChainLink) {
	st.mu.Lock()
	defer st.mu.Unlock()
outer:
	for _, l := range links {
		for _, x := range st.links {
			if x.Zone == l.Zone {
				continue outer
			}
		}
		st.links = append(st.links, l)
	}
}

// addSignatures records answer signatures on the signer zone's link.
func (st *lookupState) addSignatures(zone string, sigs []SignatureInfo) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range st.links {
		if st.links[i].Zone == zone {
			l := &st.links[i]
			l.Signatures = append(append([]SignatureInfo(nil), l.Signatures...), sigs...)
			return
		}
	}
}

// zoneFor returns the zone status for target, computing it once per
// lookup.
func (st *lookupState) zoneFor(ctx context.Context, target string) zoneResult {
	st.mu.Lock()
	zr, ok := st.zones[target]
	st.mu.Unlock()
	if ok {
		return zr
	}
	zr = st.resolveZone(ctx, target)
	st.mu.Lock()
	st.zones[target] = zr
	st.mu.Unlock()
	return zr
}

// useZone is zoneFor for the sequential validation pass: it also adds
// the zone's chain to the result, in the order the answer uses them.
func (st *lookupState) useZone(ctx context.Context, target string) zoneResult {
	zr := st.zoneFor(ctx, target)
	st.addLinks(zr.links)
	return zr
}

// prefetchZones resolves the chains of several targets concurrently, so
// an answer whose RRsets come from several zones (a CNAME chain) still
// costs one parallel round of chain queries.
func (st *lookupState) prefetchZones(ctx context.Context, targets []string) {
	if len(targets) < 2 {
		for _, t := range targets {
			st.zoneFor(ctx, t)
		}
		return
	}
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.zoneFor(ctx, t)
		}()
	}
	wg.Wait()
}

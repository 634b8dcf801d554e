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

// cutKind says what a name is on the path from a trust anchor down.
type cutKind int

const (
	cutSecure   cutKind = iota // a zone whose DNSKEY RRset was validated
	cutInsecure                // a proven insecure delegation (or unsupported algorithms)
	cutBogus                   // validation failed at this name
	cutNone                    // not a zone cut: inside the parent zone
)

// cutInfo is the cached knowledge about one name on a chain.
type cutInfo struct {
	kind cutKind
	v    verdict
	keys *zoneKeys
	link ChainLink
	ttl  time.Duration // how long the fact may be cached (0: default)
	// provenCut is set when name is known to be a zone cut: a DS RRset
	// was validated at it, or the parent proved a delegation without DS.
	// An Insecure result for other reasons (NSEC3 iterations above the
	// cap, unknown NSEC3 hash) leaves open whether name is a cut.
	provenCut bool
}

// zoneResult is what resolveZone learns about the zone enclosing a name:
// Secure with the zone's validated keys, or the status that ended the
// walk (Insecure, Bogus, Indeterminate), and the chain links on the way.
type zoneResult struct {
	v     verdict
	keys  *zoneKeys
	links []ChainLink
}

// fetchKey names one upstream query.
type fetchKey struct {
	name  string
	qtype uint16
}

type fetched struct {
	msg *dns.Msg
	err error
}

// fetchAll sends all queries at once and waits for every answer. This is
// what keeps a cold chain to one round trip: the DS and DNSKEY of every
// ancestor of a signer are known before any of them is validated.
func (st *lookupState) fetchAll(ctx context.Context, keys []fetchKey) map[fetchKey]fetched {
	out := make(map[fetchKey]fetched, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, k := range keys {
		if !st.spendQuery() {
			mu.Lock()
			out[k] = fetched{err: errQueryBudget}
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := st.r.fetch(ctx, k.name, k.qtype)
			mu.Lock()
			out[k] = fetched{m, err}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// anchorFor returns the deepest trust anchor zone at or above name.
func (r *Resolver) anchorFor(name string) string {
	best := ""
	for z := range r.anchors {
		if isSubdomain(name, z) && (best == "" || labelCount(z) > labelCount(best)) {
			best = z
		}
	}
	return best
}

// resolveZone walks from the trust anchor down to target and returns the
// status of the deepest zone enclosing target. Every DS and DNSKEY on the
// way is fetched in parallel, then validated top-down (RFC 4035 §5): the
// DS RRset with the parent's keys, the child's DNSKEY RRset with a key the
// DS matched; a proven absence of DS ends the walk as Insecure.
func (st *lookupState) resolveZone(ctx context.Context, target string) zoneResult {
	r := st.r
	anchor := r.anchorFor(target)
	if anchor == "" {
		return zoneResult{v: insecure(ReasonNoTrustAnchor, "no trust anchor covers %s", target)}
	}
	var res zoneResult
	var cur *zoneKeys
	if ci, ok := r.cuts.get(anchor, st.now); ok {
		if ci.kind != cutSecure {
			return zoneResult{v: ci.v, links: []ChainLink{ci.link}}
		}
		cur = ci.keys
		res.links = append(res.links, ci.link)
	}
	// descend takes the cut at the next name down; it reports false when
	// the walk ends there, at an insecure or bogus cut (res.v is then set).
	descend := func(ci cutInfo) bool {
		switch ci.kind {
		case cutNone:
			return true // inside the parent zone: no link
		case cutSecure:
			cur = ci.keys
		default:
			res.v = ci.v
		}
		res.links = append(res.links, ci.link)
		return ci.kind == cutSecure
	}
	need := ancestorsBelow(target, anchor)
	// known descends through the names at the top of need that the cut
	// cache holds or that another lookup is validating right now (it
	// waits for that one); it reports false when the walk ended there.
	known := func() bool {
		for len(need) > 0 {
			ci, ok := r.cuts.get(need[0], st.now)
			if !ok {
				f := r.walks.inFlight(need[0])
				if f == nil {
					return true
				}
				if ci, ok = f.wait(ctx); !ok {
					return true // validate it here
				}
			}
			if !descend(ci) {
				return false
			}
			need = need[1:]
		}
		return true
	}
	// Every name this walk claims is finished before it returns, so no
	// other lookup waits for a walk that ended above that name.
	type claimed struct {
		name string
		f    *walkFuture
	}
	var claims []claimed
	defer func() {
		for _, c := range claims {
			r.walks.finish(c.name, c.f, cutInfo{}, false)
		}
	}()
	// The names below the deepest known cut are discovered in batches:
	// the DS and DNSKEY of up to chainBatch names are fetched at once,
	// then validated top-down, and the walk stops at the first cut that
	// is not Secure. A signed answer needs only the few names down to its
	// signer (one batch, one round trip); an unsigned answer for a name
	// of 120 labels would otherwise cost some 240 queries at once. A
	// batch ends before a name another lookup is validating: the walk
	// waits for that result instead of asking the names below it too.
	walked := 0
	first := true
	for len(need) > 0 || first {
		if cur != nil && !known() {
			return res
		}
		if len(need) == 0 && (cur != nil || !first) {
			break
		}
		if walked >= maxChainNames {
			// Only unsigned data (the walk goes to the owner, not to a
			// signer) can need this many names; past the cap the zone
			// has not been shown insecure, so the data is not trusted.
			res.v = bogus(ReasonResourceLimit, "%s lies more than %d names below the deepest zone cut validated so far; this validator walks no further for unsigned data", target, maxChainNames)
			return res
		}
		futures := r.walks.claim(need[:min(len(need), chainBatch)])
		if len(futures) == 0 && cur != nil {
			if ctx.Err() != nil {
				// known no longer waits once ctx has ended: stop here
				// rather than spin until the other lookup finishes.
				res.v = verdict{sec: Indeterminate, reason: ReasonUpstreamError, why: fmt.Sprintf("%s: %v", need[0], ctx.Err())}
				return res
			}
			continue // claimed by another lookup since known looked: wait for it
		}
		batch := need[:len(futures)]
		for j, n := range batch {
			claims = append(claims, claimed{n, futures[j]})
		}
		need = need[len(batch):]
		walked += len(batch)
		var keys []fetchKey
		if cur == nil {
			keys = append(keys, fetchKey{anchor, dns.TypeDNSKEY})
		}
		for _, n := range batch {
			keys = append(keys, fetchKey{n, dns.TypeDS}, fetchKey{n, dns.TypeDNSKEY})
		}
		got := st.fetchAll(ctx, keys)
		if cur == nil {
			ci := st.sharedCut(anchor, func() cutInfo {
				ci := st.validateAnchor(anchor, got[fetchKey{anchor, dns.TypeDNSKEY}])
				st.storeCut(anchor, ci)
				return ci
			})
			res.links = append(res.links, ci.link)
			if ci.kind != cutSecure {
				res.v = ci.v
				return res
			}
			cur = ci.keys
		}
		first = false
		for j, n := range batch {
			parent := cur
			ci := st.sharedCut(n, func() cutInfo {
				ci := st.validateCut(n, parent, got[fetchKey{n, dns.TypeDS}], got[fetchKey{n, dns.TypeDNSKEY}])
				st.storeCut(n, ci)
				return ci
			})
			r.walks.finish(n, futures[j], ci, st.shareable(ctx, ci))
			if !descend(ci) {
				return res
			}
		}
	}
	res.v = secure
	res.keys = cur
	return res
}

// chainBatch is how many names below the deepest known cut are fetched
// in one parallel round; maxChainNames is how many one walk may visit.
// Legitimate names sit a few labels below their zone's apex, so one
// batch covers them; the bounds only stop hostile or broken data.
const (
	chainBatch    = 8
	maxChainNames = 32
)

// maxQueriesPerLookup bounds the upstream queries one lookup may cause.
// A cold lookup through an 11-link CNAME chain over 11 zones needs about
// 60; hostile answers (many chain targets, each with a deep unsigned
// owner) hit this bound and end Bogus with ReasonResourceLimit.
const maxQueriesPerLookup = 100

var errQueryBudget = fmt.Errorf("more than %d upstream queries for one lookup", maxQueriesPerLookup)

// spendQuery takes one query from the lookup's budget and reports
// whether there was one left.
func (st *lookupState) spendQuery() bool {
	return st.queriesSent.Add(1) <= maxQueriesPerLookup
}

// maxDSDigests bounds the DNSKEY digests computed to match one DS RRset
// to one DNSKEY RRset (only pairs whose key tag and algorithm agree are
// digested).
const maxDSDigests = 64

// cutFuture is one name's validation shared by the concurrent chain
// walks of one lookup (the zones of a CNAME chain share their
// ancestors), so common links are verified once.
type cutFuture struct {
	done chan struct{}
	ci   cutInfo
}

func (st *lookupState) sharedCut(name string, compute func() cutInfo) cutInfo {
	st.mu.Lock()
	if f, ok := st.cutMemo[name]; ok {
		st.mu.Unlock()
		<-f.done
		return f.ci
	}
	f := &cutFuture{done: make(chan struct{})}
	st.cutMemo[name] = f
	st.mu.Unlock()
	defer close(f.done)
	f.ci = compute()
	return f.ci
}

// storeCut caches what was learnt about a name. Secure and insecure
// facts live for their TTL (at most an hour); bogus ones for a minute, so
// a broken zone is not re-validated on every lookup (RFC 4035 §4.7) but
// a fix is seen soon; indeterminate ones (network) are not kept, nor
// anything learnt after the lookup ran out of its budget.
func (st *lookupState) storeCut(name string, ci cutInfo) {
	if ci.v.sec == Indeterminate || st.budgetHit() {
		return
	}
	ttl := time.Hour
	if ci.kind == cutBogus {
		ttl = time.Minute
	}
	if ci.ttl > 0 && ci.ttl < ttl {
		ttl = ci.ttl
	}
	st.r.cuts.put(name, ci, st.now.Add(ttl))
}

func fetchVerdict(name string, qtype uint16, f fetched) (verdict, bool) {
	if f.err == nil && f.msg != nil {
		return verdict{}, false
	}
	if errors.Is(f.err, errQueryBudget) {
		return bogus(ReasonResourceLimit, "%s %s: %v", name, dns.TypeToString[qtype], f.err), true
	}
	if errors.Is(f.err, errUpstreamStrips) {
		return stripsVerdict(f.err), true
	}
	return verdict{sec: Indeterminate, reason: ReasonUpstreamError, why: fmt.Sprintf("%s %s: %v", name, dns.TypeToString[qtype], f.err)}, true
}

func stripsVerdict(err error) verdict {
	return verdict{sec: Indeterminate, reason: ReasonUpstreamStripsDNSSEC,
		why: fmt.Sprintf("%v; use a DNSSEC-capable upstream resolver (one that returns RRSIG, NSEC and DS records for DO=1, CD=1 queries)", err)}
}

// validateAnchor validates the trust anchor zone's DNSKEY RRset against
// the configured DS or DNSKEY anchors.
func (st *lookupState) validateAnchor(zone string, f fetched) cutInfo {
	if v, bad := fetchVerdict(zone, dns.TypeDNSKEY, f); bad {
		return cutInfo{kind: cutBogus, v: v, link: ChainLink{Zone: zone, Security: v.sec, Note: v.why}}
	}
	var ds []*dns.DS
	var keys []*dns.DNSKEY
	for _, rr := range st.r.anchors[zone] {
		switch a := rr.(type) {
		case *dns.DS:
			ds = append(ds, a)
		case *dns.DNSKEY:
			keys = append(keys, a)
		}
	}
	return st.validateKeys(zone, ds, keys, f.msg, "trust anchor")
}

// validateCut establishes what name is, given the parent zone's keys and
// the answers to "name DS" and "name DNSKEY".
func (st *lookupState) validateCut(name string, parent *zoneKeys, dsF, keyF fetched) cutInfo {
	link := ChainLink{Zone: name}
	fail := func(v verdict) cutInfo {
		link.Security, link.Note = v.sec, v.why
		kind := cutBogus
		if v.sec == Insecure {
			kind = cutInsecure
		}
		return cutInfo{kind: kind, v: v, link: link}
	}
	if v, bad := fetchVerdict(name, dns.TypeDS, dsF); bad {
		return fail(v)
	}
	msg := dsF.msg
	ans := groupRRsets(msg.Answer)
	if dsSet := findRRset(ans, name, dns.TypeDS); dsSet != nil {
		sr := st.verifyRRset(dsSet, parent, nil)
		link.Signatures = append(link.Signatures, sr.tried...)
		if sr.sec != Secure {
			return fail(sr.verdict)
		}
		var ds []*dns.DS
		for _, rr := range dsSet.rrs {
			ds = append(ds, rr.(*dns.DS))
		}
		if v, bad := fetchVerdict(name, dns.TypeDNSKEY, keyF); bad {
			return fail(v)
		}
		ci := st.validateKeys(name, ds, nil, keyF.msg, "DS")
		ci.provenCut = true
		ci.link.Signatures = append(link.Signatures, ci.link.Signatures...)
		if sr.ttl < ci.ttl || ci.ttl == 0 {
			ci.ttl = sr.ttl
		}
		return ci
	}
	// A recursive resolver answers "name DS" from the parent side (RFC
	// 4035 §3.1.4.1); when name is a CNAME owner there it follows the
	// CNAME. A CNAME signed by the parent proves name is the parent's
	// data, and a CNAME cannot share its owner with NS (RFC 2181 §10.1),
	// so name is no zone cut; the DS records of the target, if any, are
	// not name's.
	if cn := findRRset(ans, name, dns.TypeCNAME); cn != nil {
		sr := st.verifyRRset(cn, parent, nil)
		link.Signatures = append(link.Signatures, sr.tried...)
		if sr.sec != Secure {
			return fail(sr.verdict)
		}
		return cutInfo{kind: cutNone, v: secure, ttl: sr.ttl}
	}
	switch msg.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return fail(bogus(ReasonNSECProofInvalid, "the upstream says %s does not exist, yet names below it were answered", name))
	default:
		return fail(verdict{sec: Indeterminate, reason: ReasonUpstreamError, why: fmt.Sprintf("%s DS: upstream answered %s", name, dns.RcodeToString[msg.Rcode])})
	}
	// RFC 4035 §5.2: without a DS RRset the parent must prove its absence.
	d := st.denialFor(parent, groupRRsets(msg.Ns), func(nsecs []*dns.NSEC) denial { return nsecNoDS(nsecs, name) },
		func(p *nsec3Proof) denial { return p.noDS(name) })
	switch {
	case d.sec == Secure && d.notCut:
		return cutInfo{kind: cutNone, v: secure, ttl: d.ttl}
	case d.sec == Secure && d.delegation, d.sec == Insecure && d.reason == ReasonUnsignedDelegation:
		v := insecure(ReasonUnsignedDelegation, "%s is an unsigned delegation: %s proves it has no DS", name, parent.zone)
		ci := fail(v)
		ci.ttl = d.ttl
		ci.provenCut = true
		return ci
	default:
		if d.sec == Secure {
			d.verdict = bogus(ReasonNSECProofInvalid, "no valid proof that %s has no DS", name)
		}
		return fail(d.verdict)
	}
}

// validateKeys finds the DNSKEYs of zone that a DS (or DNSKEY anchor)
// matches and requires the DNSKEY RRset to be signed by one of them (RFC
// 4035 §5.2; not merely by any key of the set).
func (st *lookupState) validateKeys(zone string, dsSet []*dns.DS, anchorKeys []*dns.DNSKEY, msg *dns.Msg, via string) cutInfo {
	link := ChainLink{Zone: zone}
	for _, d := range dsSet {
		link.DS = append(link.DS, strings.TrimPrefix(d.String(), d.Hdr.String()))
	}
	fail := func(v verdict) cutInfo {
		link.Security, link.Note = v.sec, v.why
		kind := cutBogus
		if v.sec == Insecure {
			kind = cutInsecure
		}
		return cutInfo{kind: kind, v: v, link: link}
	}
	// Phase 1: which DS records and anchor keys count at all.
	usable, usableKeys, algOK := st.usableAnchors(dsSet, anchorKeys)
	if len(usable) == 0 && len(usableKeys) == 0 {
		if !algOK {
			return fail(insecure(ReasonUnsupportedAlgorithm, "the %s records for %s use only algorithms this validator does not support", via, zone))
		}
		return fail(insecure(ReasonUnsupportedDigest, "the DS records for %s use only digest types this validator does not support", zone))
	}
	// Phase 2: the DNSKEY RRset, and which of its keys the anchors name.
	set := findRRset(groupRRsets(msg.Answer), zone, dns.TypeDNSKEY)
	if set == nil {
		if msg.Rcode != dns.RcodeSuccess {
			return fail(verdict{sec: Indeterminate, reason: ReasonUpstreamError, why: fmt.Sprintf("%s DNSKEY: upstream answered %s", zone, dns.RcodeToString[msg.Rcode])})
		}
		return fail(bogus(ReasonNoMatchingDNSKEY, "%s has a DS but no DNSKEY RRset", zone))
	}
	zk, matched, ok := matchKeys(zone, set, usable, usableKeys, &link)
	if !ok {
		return fail(bogus(ReasonResourceLimit, "matching the %s records of %s to its DNSKEYs needs more than %d digest computations", via, zone, maxDSDigests))
	}
	if len(matched) == 0 {
		if anchorKeys != nil || via == "trust anchor" {
			// The configured anchor is ours, not the domain's: a root (or
			// anchor zone) that serves other keys is a local fault, so the
			// answer is Indeterminate, never Bogus (RFC 4035 §5, RFC 5011).
			return fail(verdict{sec: Indeterminate, reason: ReasonTrustAnchorMismatch,
				why: anchorMismatch(zone, usable, usableKeys, set)})
		}
		return fail(bogus(ReasonDSMismatch, "no DNSKEY of %s matches its %s records", zone, via))
	}
	// RFC 4035 §5.2, RFC 6840 §5.2: an RSA key of a size RFC 3110 does
	// not define counts as a key of an unsupported algorithm; when the
	// anchors name only such keys, the zone is treated as unsigned.
	strong := supportedKeys(matched)
	if len(strong) == 0 {
		_, bits := rsaKeyUnsupported(matched[0])
		return fail(insecure(ReasonUnsupportedKeySize, "the %s records for %s name only RSA keys of a size RFC 3110 does not define (%d bits; 512 to 4096 are)", via, zone, bits))
	}
	matched = strong
	// Phase 3: the DNSKEY RRset must be signed by a key the anchors name.
	if len(set.sigs) == 0 {
		return fail(bogus(ReasonMissingRRSIG, "the DNSKEY RRset of %s has no RRSIG", zone))
	}
	if !signedBy(set.sigs, matched) {
		return fail(bogus(ReasonDNSKEYNotSignedByKSK, "the DNSKEY RRset of %s is not signed by a key its %s records name", zone, via))
	}
	sr := st.verifyRRset(set, zk, matched)
	link.Signatures = append(link.Signatures, sr.tried...)
	if sr.sec != Secure {
		return fail(sr.verdict)
	}
	link.Security = Secure
	link.Remarks = keyRemarks(zone, usable, matched, zk.keys)
	st.remark(link.Remarks...)
	return cutInfo{kind: cutSecure, v: secure, keys: zk, link: link, ttl: sr.ttl}
}

// usableAnchors returns the DS records and anchor keys validation may use,
// and whether any of them has an algorithm we support. RFC 4035 §5.2 and
// RFC 6840 §5.2: only DS records with an algorithm and digest type we
// support count; if none is left the zone is treated as unsigned.
func (st *lookupState) usableAnchors(dsSet []*dns.DS, anchorKeys []*dns.DNSKEY) (usable []*dns.DS, usableKeys []*dns.DNSKEY, algOK bool) {
	for _, d := range dsSet {
		if st.r.supportedAlgorithm(d.Algorithm) {
			algOK = true
			if supportedDigest(d.DigestType) {
				usable = append(usable, d)
			}
		}
	}
	// RFC 4509 §3: ignore SHA-1 DS records when SHA-256 ones are present.
	if hasStrongDigest(usable) {
		kept := usable[:0:0]
		for _, d := range usable {
			if d.DigestType != dns.SHA1 {
				kept = append(kept, d)
			}
		}
		usable = kept
	}
	for _, k := range anchorKeys {
		if st.r.supportedAlgorithm(k.Algorithm) {
			usableKeys = append(usableKeys, k)
			algOK = true
		}
	}
	return usable, usableKeys, algOK
}

// matchKeys collects the zone's DNSKEYs and those a usable DS record or
// anchor key names, recording each in link. It returns ok false when the
// DS matching would take more than maxDSDigests digests.
func matchKeys(zone string, set *rrset, usable []*dns.DS, usableKeys []*dns.DNSKEY, link *ChainLink) (zk *zoneKeys, matched []*dns.DNSKEY, ok bool) {
	zk = &zoneKeys{zone: zone}
	digests := 0
	for _, rr := range set.rrs {
		k := rr.(*dns.DNSKEY)
		zk.keys = append(zk.keys, k)
		m := false
		tag := k.KeyTag()
		for _, d := range usable {
			if d.KeyTag != tag || d.Algorithm != k.Algorithm {
				continue
			}
			// KeyTrap applied to DS matching: many DS records and keys
			// sharing one tag would cost a digest per pair. A zone needs
			// a handful (a KSK or two per algorithm, a DS or two per
			// key), so the digests computed per DNSKEY RRset are bounded.
			if digests++; digests > maxDSDigests {
				return nil, nil, false
			}
			if dsMatches(d, k) {
				m = true
			}
		}
		for _, a := range usableKeys {
			if sameKey(a, k) {
				m = true
			}
		}
		if m {
			matched = append(matched, k)
		}
		link.Keys = append(link.Keys, KeyInfo{Tag: k.KeyTag(), Algorithm: k.Algorithm, Flags: k.Flags, DSMatched: m})
	}
	return zk, matched, true
}

// signedBy reports whether one of sigs names one of keys (tag and
// algorithm), so that the RRset is worth verifying with them.
func signedBy(sigs []*dns.RRSIG, keys []*dns.DNSKEY) bool {
	for _, s := range sigs {
		for _, k := range keys {
			if s.KeyTag == k.KeyTag() && s.Algorithm == k.Algorithm {
				return true
			}
		}
	}
	return false
}

func hasStrongDigest(ds []*dns.DS) bool {
	for _, d := range ds {
		if d.DigestType == dns.SHA256 || d.DigestType == dns.SHA384 {
			return true
		}
	}
	return false
}

// supportedKeys returns keys without the RSA keys of sizes RFC 3110 does
// not define.
func supportedKeys(keys []*dns.DNSKEY) []*dns.DNSKEY {
	var out []*dns.DNSKEY
	for _, k := range keys {
		if bad, _ := rsaKeyUnsupported(k); !bad {
			out = append(out, k)
		}
	}
	return out
}

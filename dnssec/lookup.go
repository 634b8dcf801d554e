package dnssec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Lookup resolves name/qtype through the upstreams and validates the
// answer from the trust anchors down. Validation outcomes, including
// Bogus and an upstream that strips DNSSEC, are reported in the Result
// with a nil error. The error is non-nil only when name is not a domain
// name, the context ended, or no upstream answered (wrapping
// ErrNoUpstream); the Result is then Indeterminate and still describes
// what happened.
func (r *Resolver) Lookup(ctx context.Context, name string, qtype uint16) (*Result, error) {
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return nil, fmt.Errorf("lookup %q: not a domain name", name)
	}
	qname := canonicalName(name)
	if !dns.IsFqdn(qname) {
		// "a" passes IsDomainName, but the dot added to it is escaped.
		return nil, fmt.Errorf("lookup %q: not a domain name", name)
	}
	now := r.cfg.Now()
	key := qname + "/" + dns.TypeToString[qtype]
	if res, ok := r.answers.get(key, now); ok {
		return res.clone(), nil
	}
	st := &lookupState{r: r, now: now, zones: map[string]zoneResult{}, cutMemo: map[string]*cutFuture{}, minTTL: -1}
	res := &Result{Name: qname, Type: qtype, Canonical: qname}
	msg, err := r.fetch(ctx, qname, qtype)
	if err != nil {
		if errors.Is(err, errUpstreamStrips) {
			v := stripsVerdict(err)
			res.Security, res.Reason, res.Detail = v.sec, v.reason, v.why
			if msg != nil {
				res.Rcode = msg.Rcode
				for _, rr := range msg.Answer {
					if rr.Header().Rrtype != dns.TypeRRSIG {
						res.Answer = append(res.Answer, rr)
					}
				}
			}
			return res, nil
		}
		res.Security, res.Reason, res.Detail = Indeterminate, ReasonUpstreamError, err.Error()
		return res, fmt.Errorf("lookup %s %s: %w", qname, dns.TypeToString[qtype], err)
	}
	v := st.validate(ctx, msg, res)
	if ctx.Err() != nil {
		res.Security, res.Reason, res.Detail = Indeterminate, ReasonUpstreamError, ctx.Err().Error()
		return res, fmt.Errorf("lookup %s %s: %w", qname, dns.TypeToString[qtype], ctx.Err())
	}
	res.Security, res.Reason, res.Detail = v.sec, v.reason, v.why
	res.Warnings = st.warnings
	res.Remarks = st.remarks
	res.Chain = st.links
	if st.minTTL >= 0 {
		res.TTL = st.minTTL
	}
	if st.limitHit() && res.Security != Bogus {
		res.Security, res.Reason = Bogus, ReasonResourceLimit
		res.Detail = fmt.Sprintf("more than %d signature verifications needed", r.cfg.Limits.VerificationsPerLookup)
	}
	r.storeAnswer(key, res, now)
	return res.clone(), nil
}

// storeAnswer caches a result: Secure and Insecure ones for their TTL,
// Bogus ones for at most a minute, Indeterminate ones not at all.
func (r *Resolver) storeAnswer(key string, res *Result, now time.Time) {
	ttl := res.TTL
	switch res.Security {
	case Indeterminate:
		return
	case Bogus:
		ttl = min(ttl, time.Minute)
		if ttl <= 0 {
			ttl = time.Minute
		}
	}
	if ttl <= 0 {
		return
	}
	// res itself is kept: Lookup hands out only clones of it.
	r.answers.put(key, res, now.Add(ttl))
}

// clone copies a result so callers may modify it without touching the
// cache. Records are shared: they are never modified after validation.
func (res *Result) clone() *Result {
	c := *res
	c.Answer = append([]dns.RR(nil), res.Answer...)
	c.Warnings = append([]string(nil), res.Warnings...)
	c.Remarks = append([]Remark(nil), res.Remarks...)
	c.Chain = append([]ChainLink(nil), res.Chain...)
	return &c
}

// signerOf picks the zone that signed set: the signer name of its first
// RRSIG that is the owner or an ancestor of it (RFC 4035 §5.3.1).
func signerOf(set *rrset) string {
	for _, s := range set.sigs {
		if isSubdomain(set.name, s.SignerName) {
			return s.SignerName
		}
	}
	return ""
}

// chainTargets lists the names whose chains the response needs: the
// signer of every signed RRset on the CNAME/DNAME chain from qname, or
// for unsigned data the owner itself. RRsets off that chain, and denial
// records of zones that do not enclose a name on it, are ignored: a
// hostile upstream must not make the resolver walk chains for names
// nobody asked about (each unsigned one costs DS and DNSKEY queries).
func chainTargets(msg *dns.Msg, qname string, qtype uint16) []string {
	var out []string
	add := func(n string) {
		for _, x := range out {
			if x == n {
				return
			}
		}
		out = append(out, n)
	}
	sets := groupRRsets(msg.Answer)
	addSet := func(s *rrset) {
		if sg := signerOf(s); sg != "" {
			add(sg)
		} else if len(s.sigs) == 0 {
			add(s.name)
		}
	}
	chain := []string{qname}
	cur := qname
	for hops := 0; hops <= maxChainHops; hops++ {
		if set := findRRset(sets, cur, qtype); set != nil {
			addSet(set)
			break
		}
		cname := findRRset(sets, cur, dns.TypeCNAME)
		dname, dtarget := findDNAME(sets, cur)
		if dname != nil && cname != nil && len(cname.sigs) == 0 {
			cname = nil // synthesised from the DNAME (RFC 6672 §5.3.3)
		}
		switch {
		case cname != nil:
			addSet(cname)
			cur = canonicalName(cname.rrs[0].(*dns.CNAME).Target)
		case dname != nil:
			addSet(dname)
			cur = dtarget
		default:
			hops = maxChainHops + 1
			continue
		}
		chain = append(chain, cur)
	}
	encloses := func(zone string) bool {
		for _, n := range chain {
			if isSubdomain(n, zone) {
				return true
			}
		}
		return false
	}
	for _, s := range groupRRsets(msg.Ns) {
		if s.rrtype == dns.TypeNSEC || s.rrtype == dns.TypeNSEC3 || s.rrtype == dns.TypeSOA {
			if sg := signerOf(s); sg != "" && encloses(sg) {
				add(sg)
			} else if s.rrtype == dns.TypeSOA && len(s.sigs) == 0 && len(s.rrs) > 0 && encloses(s.name) {
				add(s.name) // an unsigned negative answer: prove the zone insecure
			}
		}
	}
	return out
}

// maxChainHops bounds the CNAME/DNAME links chainTargets follows in one
// response; validate enforces the configured limit.
const maxChainHops = 32

// validate follows the answer from the question through any CNAME and
// DNAME links to the final RRset or its denial, validating each link with
// its own zone's keys, and returns the weakest status.
func (st *lookupState) validate(ctx context.Context, msg *dns.Msg, res *Result) verdict {
	lim := st.r.cfg.Limits
	cur := res.Name
	v := secure
	hops := 0
	// requeried: names whose data in a response that also carried the
	// CNAME/DNAME leading to them failed validation and were asked for
	// again on their own (out-of-bailiwick data, see below).
	requeried := map[string]bool{}
	linkSigner := "" // the signer of the last CNAME/DNAME link followed
	for round := 0; ; round++ {
		if msg.Rcode != dns.RcodeSuccess && msg.Rcode != dns.RcodeNameError {
			res.Rcode = msg.Rcode
			return worse(v, verdict{sec: Indeterminate, reason: ReasonUpstreamError,
				why: fmt.Sprintf("every upstream answered %s for %s; a resolver that validates and ignores CD=1 answers SERVFAIL for bogus data, so use an upstream resolver that honours CD=1 to see why", dns.RcodeToString[msg.Rcode], cur)})
		}
		res.Rcode = msg.Rcode
		st.prefetchZones(ctx, chainTargets(msg, cur, res.Type))
		answer := groupRRsets(msg.Answer)
		auth := groupRRsets(msg.Ns)
		done := false
		followed := false
		requery := false
		// outside: data for cur in this response after a link from
		// another zone. A recursive resolver answers the chain in one
		// response, but data outside the zone of the link that led to it
		// is out of bailiwick there: it is validated against its own zone
		// and, when that fails, asked for again on its own, so a stale or
		// injected record is neither trusted nor blamed on the target.
		outside := func() bool {
			return followed && !requeried[cur] && linkSigner != "" && !isSubdomain(cur, linkSigner)
		}
		for {
			if set := findRRset(answer, cur, res.Type); set != nil {
				sv := st.link(v, func() verdict { return st.validateSet(ctx, set, auth) })
				if sv.sec == Bogus && outside() {
					requery = true
					break
				}
				v = sv
				res.Answer = append(res.Answer, st.capped(set)...)
				res.Canonical = cur
				done = true
				break
			}
			if res.Type == dns.TypeCNAME || res.Type == dns.TypeDNAME {
				break
			}
			cname := findRRset(answer, cur, dns.TypeCNAME)
			dname, dtarget := findDNAME(answer, cur)
			// RFC 6672 §5.3.3: a CNAME synthesised from a DNAME is
			// unsigned; the signed DNAME is what gets validated. The CNAME
			// must be exactly the synthesis (RFC 6672 §2.2, §3.1); one that
			// points elsewhere is a forgery riding on a valid DNAME.
			if dname != nil && cname != nil && len(cname.sigs) == 0 {
				for _, rr := range cname.rrs {
					if got := canonicalName(rr.(*dns.CNAME).Target); !equalNames(got, dtarget) {
						return worse(v, bogus(ReasonDNAMEMismatch, "the unsigned CNAME %s -> %s does not match the synthesis of DNAME %s -> %s (%s)", cur, got, dname.name, dname.rrs[0].(*dns.DNAME).Target, dtarget))
					}
				}
				cname = nil
			}
			if set := cname; set != nil {
				if hops >= lim.CNAMEChain {
					return worse(v, bogus(ReasonCNAMEChainTooLong, "more than %d CNAME/DNAME links", lim.CNAMEChain))
				}
				hops++
				v = st.link(v, func() verdict { return st.validateSet(ctx, set, auth) })
				res.Answer = append(res.Answer, st.capped(set)...)
				linkSigner = signerOf(set)
				cur = canonicalName(set.rrs[0].(*dns.CNAME).Target)
				res.Canonical = cur
				followed = true
				continue
			}
			if set, target := dname, dtarget; set != nil {
				if hops >= lim.CNAMEChain {
					return worse(v, bogus(ReasonCNAMEChainTooLong, "more than %d CNAME/DNAME links", lim.CNAMEChain))
				}
				hops++
				v = st.link(v, func() verdict { return st.validateSet(ctx, set, auth) })
				res.Answer = append(res.Answer, st.capped(set)...)
				linkSigner = signerOf(set)
				// RFC 6672 §5.3.3: the CNAME synthesised from a signed
				// DNAME is unsigned; we derive its target ourselves.
				cur = target
				res.Canonical = cur
				followed = true
				continue
			}
			break
		}
		if done {
			return v
		}
		if !requery && followed && outside() {
			// A denial of the target in the response that carried the
			// link: the same rule as for its data.
			if dv := st.link(v, func() verdict { return st.validateDenial(ctx, cur, res.Type, msg.Rcode, auth) }); dv.sec != Bogus {
				return dv
			}
			requery = true
		}
		// The upstream stopped following the chain, or its data for the
		// target did not validate: ask for the target on its own.
		if requery || followed && msg.Rcode == dns.RcodeSuccess && len(msg.Ns) == 0 && round < lim.CNAMEChain {
			if requery {
				requeried[cur] = true
			}
			if !st.spendQuery() {
				return worse(v, bogus(ReasonResourceLimit, "%v", errQueryBudget))
			}
			m, err := st.r.fetch(ctx, cur, res.Type)
			if err != nil {
				if errors.Is(err, errUpstreamStrips) {
					return worse(v, stripsVerdict(err))
				}
				return worse(v, verdict{sec: Indeterminate, reason: ReasonUpstreamError, why: err.Error()})
			}
			msg = m
			continue
		}
		return st.link(v, func() verdict { return st.validateDenial(ctx, cur, res.Type, msg.Rcode, auth) })
	}
}

// link adds one link of a CNAME/DNAME chain to the status so far. Once a
// link is Insecure the names after it are unauthenticated (anyone on the
// path could have chosen them), so the rest of the chain is Insecure
// without further validation: a forged target must not be able to turn
// the answer Bogus.
func (st *lookupState) link(sofar verdict, check func() verdict) verdict {
	if sofar.sec == Insecure {
		return sofar
	}
	return worse(sofar, check())
}

// findDNAME returns a DNAME RRset at an ancestor of name and the name it
// maps name to (RFC 6672 §2.2).
func findDNAME(sets []*rrset, name string) (*rrset, string) {
	for _, s := range sets {
		if s.rrtype != dns.TypeDNAME || len(s.rrs) == 0 || equalNames(s.name, name) || !isSubdomain(name, s.name) {
			continue
		}
		d := s.rrs[0].(*dns.DNAME)
		prefix := strings.TrimSuffix(name, s.name)
		target := canonicalName(prefix + strings.TrimPrefix(d.Target, "."))
		if d.Target == "." {
			target = canonicalName(strings.TrimSuffix(prefix, ".") + ".")
		}
		if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
			continue
		}
		return s, target
	}
	return nil, ""
}

// capped returns the records of set without RRSIGs, TTLs capped by the
// RRSIGs' original TTL (RFC 4035 §5.3.3) and by the time left until they
// expire, so no record outlives the signature that vouches for it.
func (st *lookupState) capped(set *rrset) []dns.RR {
	ttl := time.Duration(1<<31-1) * time.Second
	for _, s := range set.sigs {
		ttl = min(ttl, time.Duration(s.OrigTtl)*time.Second)
		_, exp := sigTimes(s, st.now)
		ttl = min(ttl, max(exp.Sub(st.now), 0))
	}
	if len(set.sigs) == 0 {
		return append([]dns.RR(nil), set.rrs...)
	}
	return capTTLs(set.rrs, ttl)
}

// validateSet validates one RRset of the answer: with its signer zone's
// keys, or, when unsigned, by proving that the owner lies below an
// insecure delegation. A wildcard expansion also needs its proof that no
// closer name exists (RFC 4035 §5.3.4).
func (st *lookupState) validateSet(ctx context.Context, set *rrset, auth []*rrset) verdict {
	if len(set.sigs) == 0 {
		zr := st.useZone(ctx, set.name)
		if zr.v.sec == Secure {
			return bogus(ReasonMissingRRSIG, "%s %s has no RRSIG, but zone %s is signed", set.name, dns.TypeToString[set.rrtype], zr.keys.zone)
		}
		if zr.v.sec == Insecure {
			st.noteTTL(minTTL(set.rrs))
		}
		return zr.v
	}
	signer := signerOf(set)
	if signer == "" {
		return bogus(ReasonSignatureInvalid, "the RRSIGs over %s %s name a signer that is not an ancestor of it", set.name, dns.TypeToString[set.rrtype])
	}
	zr := st.useZone(ctx, signer)
	if zr.v.sec != Secure {
		return zr.v
	}
	if !equalNames(zr.keys.zone, signer) {
		return bogus(ReasonNoMatchingDNSKEY, "the signer %s of %s is not a zone (no DS proven at it)", signer, set.name)
	}
	if v, bad := st.wrongSigner(set, signer, auth); bad {
		return v
	}
	sr := st.verifyRRset(set, zr.keys, nil)
	st.addSignatures(zr.keys.zone, sr.tried)
	if sr.sec != Secure {
		return sr.verdict
	}
	st.noteTTL(sr.ttl)
	// RFC 4035 §5.3.4: an RRSIG with fewer labels than the owner means
	// the RRset was synthesised from a wildcard.
	if int(sr.used.Labels) < rrsigLabels(set.name) {
		_, enc := wildcardSource(set.name, int(sr.used.Labels))
		d := st.denialFor(zr.keys, auth,
			func(nsecs []*dns.NSEC) denial { return nsecWildcard(nsecs, set.name, enc) },
			func(p *nsec3Proof) denial { return p.wildcard(set.name, enc) })
		if d.missing {
			return bogus(ReasonWildcardProofMissing, "%s was synthesised from the wildcard *.%s without a proof that no closer name exists", set.name, enc)
		}
		return d.verdict
	}
	return secure
}

// wrongSigner checks that signer is the zone that contains set (RFC 4035
// §5.3.1): a DS RRset lives in the parent, so it is never signed by the
// zone at its owner (RFC 4035 §2.4); the apex-only types DNSKEY, SOA and
// NSEC3PARAM are signed by the zone at their owner; and no zone cut may
// lie between the signer and the owner, or the signer (a parent) would
// be vouching for its child's data. Cuts are known from the validated
// chain cache and from NS RRsets in the response's authority section; no
// extra queries are sent for this check.
func (st *lookupState) wrongSigner(set *rrset, signer string, auth []*rrset) (verdict, bool) {
	name := set.name + " " + dns.TypeToString[set.rrtype]
	switch set.rrtype {
	case dns.TypeDS:
		if equalNames(signer, set.name) && set.name != "." {
			return bogus(ReasonSignatureInvalid, "%s is signed by the child zone %s; a DS RRset must be signed by the parent (RFC 4035 §2.4)", name, signer), true
		}
	case dns.TypeDNSKEY, dns.TypeSOA, dns.TypeNSEC3PARAM:
		if !equalNames(signer, set.name) {
			return bogus(ReasonSignatureInvalid, "%s is apex data of zone %s but signed by %s (RFC 4035 §5.3.1)", name, set.name, signer), true
		}
	}
	bottom := set.name
	if set.rrtype == dns.TypeDS {
		bottom = parentName(set.name)
	}
	for n := bottom; !equalNames(n, signer) && isSubdomain(n, signer) && n != "."; n = parentName(n) {
		cut := false
		if ci, ok := st.r.cuts.get(n, st.now); ok && (ci.kind == cutSecure || ci.kind == cutInsecure && ci.provenCut) {
			cut = true
		}
		if ns := findRRset(auth, n, dns.TypeNS); ns != nil {
			cut = true
		}
		if cut {
			return bogus(ReasonSignatureInvalid, "%s is signed by %s, but %s is a zone cut between them: the data belongs to the child zone (RFC 4035 §5.3.1)", name, signer, n), true
		}
	}
	return verdict{}, false
}

// validateDenial validates an NXDOMAIN or NODATA answer for name/qtype.
func (st *lookupState) validateDenial(ctx context.Context, name string, qtype uint16, rcode int, auth []*rrset) verdict {
	signer := ""
	var soaOwner string
	for _, s := range auth {
		if s.rrtype == dns.TypeSOA && len(s.rrs) > 0 && isSubdomain(name, s.name) {
			soaOwner = s.name
		}
		if s.rrtype == dns.TypeNSEC || s.rrtype == dns.TypeNSEC3 || s.rrtype == dns.TypeSOA {
			if sg := signerOf(s); sg != "" && isSubdomain(name, sg) && (signer == "" || s.rrtype != dns.TypeSOA) {
				signer = sg
			}
		}
	}
	if signer == "" {
		target := name
		if soaOwner != "" {
			target = soaOwner
		}
		zr := st.useZone(ctx, target)
		if zr.v.sec == Secure {
			return bogus(ReasonMissingRRSIG, "the denial for %s %s is unsigned, but zone %s is signed", name, dns.TypeToString[qtype], zr.keys.zone)
		}
		if zr.v.sec == Insecure {
			// RFC 2308 §5: a negative answer is cached for the lesser of
			// the SOA's TTL and its MINIMUM field.
			for _, s := range auth {
				if s.rrtype == dns.TypeSOA && len(s.rrs) > 0 && isSubdomain(name, s.name) {
					st.noteTTL(negativeTTL(s.rrs, -1))
				}
			}
		}
		return zr.v
	}
	zr := st.useZone(ctx, signer)
	if zr.v.sec != Secure {
		return zr.v
	}
	var d denial
	if rcode == dns.RcodeNameError {
		d = st.denialFor(zr.keys, auth,
			func(nsecs []*dns.NSEC) denial { return nsecNXDomain(nsecs, name) },
			func(p *nsec3Proof) denial { return p.nxDomain(name) })
	} else {
		d = st.denialFor(zr.keys, auth,
			func(nsecs []*dns.NSEC) denial { return nsecNoData(nsecs, name, qtype) },
			func(p *nsec3Proof) denial { return p.noData(name, qtype) })
	}
	if d.sec == Secure {
		st.noteTTL(d.ttl)
		// RFC 2308 §5 (and RFC 9077 §3 for the NSEC TTLs noted above): a
		// negative answer lives no longer than the lesser of the SOA's
		// TTL and MINIMUM. The SOA of the signer zone must verify like
		// any other RRset before its numbers are used (RFC 4035 §5.3).
		if soa := findRRset(auth, zr.keys.zone, dns.TypeSOA); soa != nil {
			sr := st.verifyRRset(soa, zr.keys, nil)
			if sr.sec != Secure {
				return sr.verdict
			}
			st.noteTTL(negativeTTL(soa.rrs, sr.ttl))
		}
	}
	return d.verdict
}

// negativeTTL is min(SOA TTL, SOA MINIMUM) of an SOA RRset (RFC 2308
// §5), further capped by capTTL when that is not negative (the TTL the
// SOA's RRSIG allows).
func negativeTTL(soa []dns.RR, capTTL time.Duration) time.Duration {
	ttl := minTTL(soa)
	for _, rr := range soa {
		if s, ok := rr.(*dns.SOA); ok {
			ttl = min(ttl, time.Duration(s.Minttl)*time.Second)
		}
	}
	if capTTL >= 0 {
		ttl = min(ttl, capTTL)
	}
	return ttl
}

// denialFor verifies the NSEC or NSEC3 RRsets of zone z in the authority
// section and runs the proof on them. NSEC3 proofs with more iterations
// than the cap are Insecure once their signatures verify (RFC 9276 §3.2).
func (st *lookupState) denialFor(z *zoneKeys, auth []*rrset, nsecFn func([]*dns.NSEC) denial, nsec3Fn func(*nsec3Proof) denial) denial {
	lim := st.r.cfg.Limits
	var nsecs []*dns.NSEC
	var nsec3s []*dns.NSEC3
	ttl := time.Duration(-1)
	count := 0
	for _, s := range auth {
		if (s.rrtype != dns.TypeNSEC && s.rrtype != dns.TypeNSEC3) || len(s.rrs) == 0 {
			continue
		}
		// Proofs from other zones (another link of a CNAME chain) and
		// unsigned records are not part of this proof.
		if signerOf(s) != z.zone {
			continue
		}
		count++
		if count > lim.NSEC3PerProof {
			return denial{verdict: bogus(ReasonResourceLimit, "more than %d NSEC/NSEC3 records in one proof", lim.NSEC3PerProof)}
		}
		sr := st.verifyRRset(s, z, nil)
		if sr.sec != Secure {
			return denial{verdict: sr.verdict}
		}
		if ttl < 0 || sr.ttl < ttl {
			ttl = sr.ttl
		}
		for _, rr := range s.rrs {
			switch n := rr.(type) {
			case *dns.NSEC:
				nsecs = append(nsecs, n)
			case *dns.NSEC3:
				nsec3s = append(nsec3s, n)
			}
		}
	}
	var d denial
	switch {
	case len(nsecs) > 0:
		d = nsecFn(nsecs)
	case len(nsec3s) > 0:
		p := newNSEC3Proof(z.zone, nsec3s, lim.NSEC3HashCost)
		if len(p.recs) == 0 {
			// RFC 5155 §8.1: NSEC3 records with an unknown hash algorithm
			// are ignored, so nothing can be proven with them.
			return denial{verdict: insecure(ReasonUnsupportedAlgorithm, "the NSEC3 records of %s use only hash algorithms or flags this validator does not support", z.zone)}
		}
		it := int(p.recs[0].Iterations)
		if it > lim.NSEC3Iterations {
			return denial{verdict: insecure(ReasonNSEC3IterationsTooMany, "the NSEC3 records of %s use %d iterations, more than the cap of %d (RFC 9276 §3.2)", z.zone, it, lim.NSEC3Iterations), ttl: ttl}
		}
		st.remark(nsec3Remark(z.zone, it, p.recs[0].Salt))
		d = nsec3Fn(p)
	default:
		// A signed zone must send signed NSEC or NSEC3 records. When the
		// response carries no signatures at all, they were stripped.
		signed := false
		for _, s := range auth {
			if len(s.sigs) > 0 {
				signed = true
			}
		}
		if !signed {
			return denial{verdict: bogus(ReasonMissingRRSIG, "zone %s is signed but the denial of existence carries no RRSIG, NSEC or NSEC3 records", z.zone), missing: true}
		}
		return denial{verdict: bogus(ReasonNSECProofInvalid, "no NSEC or NSEC3 records of zone %s in the answer", z.zone), missing: true}
	}
	d.ttl = max(ttl, 0)
	return d
}

// minTTL is the smallest TTL among rrs.
func minTTL(rrs []dns.RR) time.Duration {
	var m uint32 = 1<<31 - 1
	for _, rr := range rrs {
		m = min(m, rr.Header().Ttl)
	}
	return time.Duration(m) * time.Second
}

package testworld

import (
	"sort"

	"github.com/miekg/dns"
)

// zoneAnswer is what one zone contributes to a response.
type zoneAnswer struct {
	rcode     int
	answer    []dns.RR
	authority []dns.RR
	// target is the CNAME target to follow next, "" when the answer is
	// final.
	target string
}

// lookup answers qname/qtype from the zone's data the way an
// authoritative server would, with the DNSSEC records a DO=1 query gets
// (RFC 4035 §3.1): RRSIGs with every RRset, and the NSEC or NSEC3 records
// that prove a denial or a wildcard expansion. qname must be lower case
// and at or below the zone's origin.
func (z *zone) lookup(qname string, qtype uint16) zoneAnswer {
	if cut := z.cutAbove(qname); cut != "" && (cut != qname || qtype != dns.TypeDS) {
		// A delegation to a zone the world does not serve: a recursive
		// resolver cannot reach the child and fails.
		return zoneAnswer{rcode: dns.RcodeServerFailure}
	}
	if n := z.nodes[qname]; n != nil {
		if qtype == dns.TypeANY && !n.empty() {
			var za zoneAnswer
			for t, s := range n.sets {
				if !z.cuts[qname] || t == dns.TypeDS || t == dns.TypeNSEC {
					za.answer = append(za.answer, z.withSigs(s, t)...)
				}
			}
			return za
		}
		if s := n.sets[qtype]; s != nil {
			return zoneAnswer{answer: z.withSigs(s, qtype)}
		}
		if s := n.sets[dns.TypeCNAME]; s != nil && qtype != dns.TypeCNAME && !z.cuts[qname] {
			return zoneAnswer{answer: z.withSigs(s, dns.TypeCNAME), target: cnameTarget(s)}
		}
		// RFC 4035 §3.1.3.1 and RFC 5155 §7.2.3/§7.2.4: NODATA.
		return zoneAnswer{authority: append(z.soa(), z.nodataProof(qname, n)...)}
	}
	ce := z.closestEncloser(qname)
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	if w := z.nodes[wild]; w != nil {
		// RFC 4592 §3.3.1: the wildcard at the closest encloser matches.
		if s := w.sets[qtype]; s != nil {
			return zoneAnswer{answer: z.synthesize(s, qtype, qname), authority: z.wildcardProof(qname, ce)}
		}
		if s := w.sets[dns.TypeCNAME]; s != nil && qtype != dns.TypeCNAME {
			return zoneAnswer{answer: z.synthesize(s, dns.TypeCNAME, qname), authority: z.wildcardProof(qname, ce), target: cnameTarget(s)}
		}
		// RFC 4035 §3.1.3.4 and RFC 5155 §7.2.5: wildcard NODATA.
		auth := z.soa()
		if z.signed {
			if z.spec.NSEC3 != nil {
				auth = appendUnique(auth, z.nsec3Match(ce))
				auth = appendUnique(auth, z.nsec3Cover(nextCloser(qname, ce)))
				auth = appendUnique(auth, z.nsec3Match(wild))
			} else {
				auth = appendUnique(auth, z.nsecCover(qname))
				auth = appendUnique(auth, z.withSigs(w.sets[dns.TypeNSEC], dns.TypeNSEC))
			}
		}
		return zoneAnswer{authority: auth}
	}
	return zoneAnswer{rcode: dns.RcodeNameError, authority: append(z.soa(), z.nxdomainProof(qname, ce)...)}
}

// withSigs returns an RRset followed by its RRSIGs, unless the zone's
// StripRRSIG fault removes them (it spares the DNSKEY RRset).
func (z *zone) withSigs(s *rrset, t uint16) []dns.RR {
	if s == nil {
		return nil
	}
	if z.spec.Faults.StripRRSIG && t != dns.TypeDNSKEY {
		return s.rrs[:len(s.rrs):len(s.rrs)]
	}
	sigs := z.sigs(s)
	out := make([]dns.RR, 0, len(s.rrs)+len(sigs))
	out = append(out, s.rrs...)
	return append(out, sigs...)
}

func cnameTarget(s *rrset) string {
	return dns.CanonicalName(s.rrs[0].(*dns.CNAME).Target)
}

// soa returns the apex SOA with its RRSIG, for the authority section of
// negative answers (RFC 2308 §3, RFC 4035 §3.1.3).
func (z *zone) soa() []dns.RR {
	return z.withSigs(z.nodes[z.origin].sets[dns.TypeSOA], dns.TypeSOA)
}

// synthesize expands a wildcard RRset to qname (RFC 4592 §3.3.1). The
// RRSIGs keep their labels field, which is smaller than qname's label
// count: that is how a validator recognises the expansion (RFC 4035
// §5.3.4).
func (z *zone) synthesize(s *rrset, t uint16, qname string) []dns.RR {
	src := z.withSigs(s, t)
	out := make([]dns.RR, len(src))
	for i, rr := range src {
		c := dns.Copy(rr)
		c.Header().Name = qname
		out[i] = c
	}
	return out
}

// closestEncloser returns the longest existing ancestor of qname (RFC
// 4592 §3.3.1), empty non-terminals included.
func (z *zone) closestEncloser(qname string) string {
	for p := parentName(qname); ; p = parentName(p) {
		if z.nodes[p] != nil || p == z.origin || p == "." {
			return p
		}
	}
}

// nextCloser returns the ancestor of qname one label longer than the
// closest encloser ce (RFC 5155 §1.3).
func nextCloser(qname, ce string) string {
	return ancestorAt(qname, dns.CountLabel(ce)+1)
}

// nodataProof proves that the existing name qname has no RRset of the
// asked type.
func (z *zone) nodataProof(qname string, n *node) []dns.RR {
	if !z.signed {
		return nil
	}
	if z.spec.NSEC3 == nil {
		if s := n.sets[dns.TypeNSEC]; s != nil {
			// RFC 4035 §3.1.3.1: the NSEC at qname, whose bitmap lacks
			// the type (and CNAME).
			return z.withSigs(s, dns.TypeNSEC)
		}
		// RFC 4035 §3.1.3.2 (empty non-terminal): the NSEC covering
		// qname, whose next name is below qname.
		return z.nsecCover(qname)
	}
	if m := z.nsec3Match(qname); m != nil {
		// RFC 5155 §7.2.3: the NSEC3 matching qname.
		return m
	}
	// RFC 5155 §7.2.4: a DS query at an opt-out delegation without an
	// NSEC3 record gets the closest provable encloser proof, the next
	// closer name covered by an opt-out NSEC3.
	ce := z.closestProvable(qname)
	return appendUnique(z.nsec3Match(ce), z.nsec3Cover(nextCloser(qname, ce)))
}

// nxdomainProof proves that qname does not exist and that no wildcard
// could have produced it.
func (z *zone) nxdomainProof(qname, ce string) []dns.RR {
	if !z.signed {
		return nil
	}
	if z.spec.NSEC3 == nil {
		// RFC 4035 §3.1.3.2: an NSEC covering qname and one covering the
		// wildcard at the closest encloser (often the same record).
		wild := "*." + ce
		if ce == "." {
			wild = "*."
		}
		return appendUnique(z.nsecCover(qname), z.nsecCover(wild))
	}
	// RFC 5155 §7.2.2: closest encloser proof (§7.2.1) plus an NSEC3
	// covering the wildcard at the closest encloser.
	ce = z.closestProvable(qname)
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	out := z.nsec3Match(ce)
	out = appendUnique(out, z.nsec3Cover(nextCloser(qname, ce)))
	return appendUnique(out, z.nsec3Cover(wild))
}

// wildcardProof proves that qname itself does not exist, so the wildcard
// expansion was legitimate. The MissingWildcardProof fault leaves it out.
func (z *zone) wildcardProof(qname, ce string) []dns.RR {
	if !z.signed || z.spec.Faults.MissingWildcardProof {
		return nil
	}
	if z.spec.NSEC3 == nil {
		// RFC 4035 §3.1.3.3: an NSEC covering qname.
		return z.nsecCover(qname)
	}
	// RFC 5155 §7.2.6: an NSEC3 covering the next closer name.
	return z.nsec3Cover(nextCloser(qname, ce))
}

// nsecCover returns the NSEC (with RRSIGs) whose owner is the canonical
// predecessor of name, which covers name when name does not exist.
func (z *zone) nsecCover(name string) []dns.RR {
	if len(z.nsecOwners) == 0 {
		return nil
	}
	key := canonicalKey(name)
	i := sort.SearchStrings(z.nsecKeys, key)
	if i == len(z.nsecKeys) || z.nsecKeys[i] != key {
		i-- // the last owner sorting before name
	}
	if i < 0 {
		i = len(z.nsecOwners) - 1 // wrap around to the last NSEC
	}
	return z.withSigs(z.nodes[z.nsecOwners[i]].sets[dns.TypeNSEC], dns.TypeNSEC)
}

// nsec3Match returns the NSEC3 (with RRSIGs) whose hash equals that of
// name, or nil.
func (z *zone) nsec3Match(name string) []dns.RR {
	e := z.nsec3ByHash[z.nsec3Hash(name)]
	if e == nil {
		return nil
	}
	return z.nsec3Out(e)
}

// nsec3Cover returns the NSEC3 (with RRSIGs) whose hash is the greatest
// one below name's hash, wrapping around: it covers the hash (RFC 5155
// §3.1.7).
func (z *zone) nsec3Cover(name string) []dns.RR {
	if len(z.nsec3) == 0 {
		return nil
	}
	h := z.nsec3Hash(name)
	i := sort.Search(len(z.nsec3), func(i int) bool { return z.nsec3[i].hash >= h }) - 1
	if i < 0 {
		i = len(z.nsec3) - 1
	}
	return z.nsec3Out(z.nsec3[i])
}

func (z *zone) nsec3Out(e *nsec3Entry) []dns.RR {
	return z.withSigs(e.set, dns.TypeNSEC3)
}

// closestProvable returns the longest ancestor of qname (qname excluded)
// that has an NSEC3 record (RFC 5155 §7.2.1).
func (z *zone) closestProvable(qname string) string {
	for p := parentName(qname); ; p = parentName(p) {
		if z.nsec3ByHash[z.nsec3Hash(p)] != nil || p == z.origin || p == "." {
			return p
		}
	}
}

// appendUnique appends the records of add that are not in dst yet (the
// same stored record), keeping proofs free of duplicates when one NSEC or
// NSEC3 serves two purposes.
func appendUnique(dst, add []dns.RR) []dns.RR {
	for _, rr := range add {
		dup := false
		for _, have := range dst {
			if have == rr {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, rr)
		}
	}
	return dst
}

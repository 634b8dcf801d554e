package dnssec

import (
	"time"

	"github.com/miekg/dns"
)

// denial is the outcome of a denial-of-existence proof.
type denial struct {
	verdict
	// For DS proofs: delegation means the name is a delegation without
	// DS (an insecure delegation, RFC 4035 §5.2); notCut means the name
	// is inside the zone, not a zone cut.
	delegation bool
	notCut     bool
	// missing is set when the response had no usable NSEC/NSEC3 records.
	missing bool
	// ttl is how long the proof may be cached.
	ttl time.Duration
}

func proofOK() denial { return denial{verdict: secure} }

func nsecBad(format string, a ...any) denial {
	return denial{verdict: bogus(ReasonNSECProofInvalid, format, a...)}
}

// hasType reports whether t is set in a type bitmap.
func hasType(bitmap []uint16, t uint16) bool {
	for _, b := range bitmap {
		if b == t {
			return true
		}
	}
	return false
}

// nsecMatches reports whether the NSEC's owner is name.
func nsecMatches(n *dns.NSEC, name string) bool { return equalNames(n.Hdr.Name, name) }

// nsecCovers reports whether name falls strictly between the NSEC's owner
// and its next name in canonical order (RFC 4034 §6.1, RFC 4035 §5.4). An
// exact match of the owner is not covered. The last NSEC of a zone points
// back to the apex and covers everything after its owner.
func nsecCovers(n *dns.NSEC, name string) bool {
	owner, next := n.Hdr.Name, n.NextDomain
	if canonicalCompare(owner, name) >= 0 {
		return false
	}
	if canonicalCompare(owner, next) < 0 {
		return canonicalCompare(name, next) < 0
	}
	// Wrap-around: next is the apex, so the NSEC covers every name after
	// owner that lies inside the zone (the apex is an ancestor of next).
	return isSubdomain(name, next)
}

// nsecEncloser derives the closest encloser of name from an NSEC covering
// it: the deeper of the names it shares with the NSEC's owner and next.
func nsecEncloser(n *dns.NSEC, name string) string {
	a := commonAncestor(name, n.Hdr.Name)
	b := commonAncestor(name, n.NextDomain)
	if labelCount(b) > labelCount(a) {
		return b
	}
	return a
}

// nsecAboveCut rejects an NSEC at an ancestor of name that shows a
// delegation or DNAME there: names below it are not in this zone (RFC
// 6840 §4.1).
func nsecAboveCut(nsecs []*dns.NSEC, name string) bool {
	for _, n := range nsecs {
		if !equalNames(n.Hdr.Name, name) && isSubdomain(name, n.Hdr.Name) {
			if hasType(n.TypeBitMap, dns.TypeDNAME) || (hasType(n.TypeBitMap, dns.TypeNS) && !hasType(n.TypeBitMap, dns.TypeSOA)) {
				return true
			}
		}
	}
	return false
}

func findNSECMatch(nsecs []*dns.NSEC, name string) *dns.NSEC {
	for _, n := range nsecs {
		if nsecMatches(n, name) {
			return n
		}
	}
	return nil
}

func findNSECCover(nsecs []*dns.NSEC, name string) *dns.NSEC {
	for _, n := range nsecs {
		if nsecCovers(n, name) {
			return n
		}
	}
	return nil
}

// nsecNXDomain checks an NXDOMAIN proof (RFC 4035 §5.4): one NSEC covers
// qname, and one covers the wildcard at the closest encloser.
func nsecNXDomain(nsecs []*dns.NSEC, qname string) denial {
	if nsecAboveCut(nsecs, qname) {
		return nsecBad("an NSEC shows a delegation or DNAME above %s", qname)
	}
	c := findNSECCover(nsecs, qname)
	if c == nil {
		return nsecBad("no NSEC covers %s", qname)
	}
	ce := nsecEncloser(c, qname)
	wc := "*." + ce
	if ce == "." {
		wc = "*."
	}
	if findNSECMatch(nsecs, wc) != nil {
		return nsecBad("the wildcard %s exists, so %s cannot be NXDOMAIN", wc, qname)
	}
	if findNSECCover(nsecs, wc) == nil {
		return nsecBad("no NSEC proves that the wildcard %s does not exist", wc)
	}
	return proofOK()
}

// nsecNoData checks a NODATA proof (RFC 4035 §5.4, RFC 6840 §4.4): an
// NSEC at qname without qtype or CNAME in its bitmap; or for an empty
// non-terminal, an NSEC covering qname whose next name is below qname;
// or for a wildcard, the covering NSEC plus an NSEC at the wildcard
// without qtype.
func nsecNoData(nsecs []*dns.NSEC, qname string, qtype uint16) denial {
	if nsecAboveCut(nsecs, qname) {
		return nsecBad("an NSEC shows a delegation or DNAME above %s", qname)
	}
	if m := findNSECMatch(nsecs, qname); m != nil {
		if hasType(m.TypeBitMap, qtype) || hasType(m.TypeBitMap, dns.TypeCNAME) {
			return nsecBad("the NSEC at %s says %s exists", qname, dns.TypeToString[qtype])
		}
		// RFC 6840 §4.4: a parent-side NSEC at a delegation (NS without
		// SOA) proves nothing about the child's types, except DS; the
		// child's apex NSEC (SOA set) proves nothing about DS.
		if qtype != dns.TypeDS && hasType(m.TypeBitMap, dns.TypeNS) && !hasType(m.TypeBitMap, dns.TypeSOA) {
			return nsecBad("the NSEC at %s is the parent side of a delegation", qname)
		}
		if qtype == dns.TypeDS && hasType(m.TypeBitMap, dns.TypeSOA) && qname != "." {
			return nsecBad("the NSEC at %s comes from the child zone, not the parent", qname)
		}
		return proofOK()
	}
	c := findNSECCover(nsecs, qname)
	if c == nil {
		return nsecBad("no NSEC matches or covers %s", qname)
	}
	// RFC 4035 §3.1.3.2: empty non-terminal.
	if isSubdomain(c.NextDomain, qname) && !equalNames(c.NextDomain, qname) {
		return proofOK()
	}
	// RFC 4035 §3.1.3.4: wildcard NODATA.
	ce := nsecEncloser(c, qname)
	wc := "*." + ce
	if w := findNSECMatch(nsecs, wc); w != nil {
		if hasType(w.TypeBitMap, qtype) || hasType(w.TypeBitMap, dns.TypeCNAME) {
			return nsecBad("the wildcard %s has %s", wc, dns.TypeToString[qtype])
		}
		return proofOK()
	}
	return nsecBad("the NSEC records prove neither NODATA nor a wildcard NODATA for %s", qname)
}

// nsecNoDS classifies name from an NSEC proof that it has no DS: a
// delegation without DS (insecure), or no zone cut at all.
func nsecNoDS(nsecs []*dns.NSEC, name string) denial {
	if nsecAboveCut(nsecs, name) {
		return nsecBad("an NSEC shows a delegation or DNAME above %s", name)
	}
	if m := findNSECMatch(nsecs, name); m != nil {
		switch {
		case hasType(m.TypeBitMap, dns.TypeDS):
			return nsecBad("the NSEC at %s says a DS exists", name)
		case hasType(m.TypeBitMap, dns.TypeSOA):
			return nsecBad("the NSEC at %s comes from the child zone, not the parent", name)
		case hasType(m.TypeBitMap, dns.TypeNS):
			// RFC 4035 §5.2: NS without DS proves an insecure delegation.
			return denial{verdict: secure, delegation: true}
		default:
			return denial{verdict: secure, notCut: true}
		}
	}
	if c := findNSECCover(nsecs, name); c != nil && isSubdomain(c.NextDomain, name) && !equalNames(c.NextDomain, name) {
		return denial{verdict: secure, notCut: true} // empty non-terminal
	}
	return nsecBad("no NSEC proves the absence of a DS at %s", name)
}

// nsecWildcard checks the proof that accompanies a wildcard expansion
// (RFC 4035 §5.3.4): an NSEC covers the owner, and the closest encloser it
// implies is the wildcard's parent, so no closer name exists.
func nsecWildcard(nsecs []*dns.NSEC, owner, encloser string) denial {
	c := findNSECCover(nsecs, owner)
	if c == nil {
		return denial{verdict: bogus(ReasonWildcardProofMissing, "no NSEC proves that %s does not exist, as the wildcard expansion requires", owner)}
	}
	if ce := nsecEncloser(c, owner); !equalNames(ce, encloser) {
		return nsecBad("the NSEC shows %s exists, so the wildcard at %s must not apply to %s", ce, encloser, owner)
	}
	return proofOK()
}

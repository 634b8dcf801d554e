package dnssec

import (
	"encoding/base32"
	"strings"

	"github.com/miekg/dns"
)

// nsec3Proof holds the verified NSEC3 records of one response and counts
// the hash work done on them (RFC 5155 §8, CVE-2023-50868).
type nsec3Proof struct {
	zone    string
	recs    []*dns.NSEC3
	cost    int // SHA-1 computations spent: hashes × (iterations+1)
	limit   int // the budget of cost
	overrun bool
	memo    map[string]string
}

// newNSEC3Proof keeps the NSEC3 records a validator may use: SHA-1 hash
// (RFC 5155 §8.1: unknown hash algorithms are ignored), flags 0 or 1
// (§8.2), an owner whose first label is a 20-octet base32hex hash and
// whose remainder is the zone, and the same parameters as the first.
func newNSEC3Proof(zone string, all []*dns.NSEC3, hashLimit int) *nsec3Proof {
	p := &nsec3Proof{zone: zone, limit: hashLimit, memo: map[string]string{}}
	for _, n := range all {
		if n.Hash != dns.SHA1 || n.Flags > 1 {
			continue
		}
		first, rest := splitFirst(n.Hdr.Name)
		if !equalNames(rest, zone) {
			continue
		}
		if b, err := base32.HexEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(first)); err != nil || len(b) != 20 {
			continue
		}
		if len(p.recs) > 0 {
			f := p.recs[0]
			if f.Iterations != n.Iterations || !strings.EqualFold(f.Salt, n.Salt) {
				continue
			}
		}
		p.recs = append(p.recs, n)
	}
	return p
}

func splitFirst(name string) (string, string) {
	off, end := dns.NextLabel(name, 0)
	if end {
		return strings.TrimSuffix(name, "."), "."
	}
	return name[:off-1], name[off:]
}

// hash returns the upper-case base32hex NSEC3 hash of name, or "" once
// the hash budget is spent.
func (p *nsec3Proof) hash(name string) string {
	name = lowerASCII(name)
	if h, ok := p.memo[name]; ok {
		return h
	}
	f := p.recs[0]
	// RFC 5155 §5: a hash is iterations+1 SHA-1 computations.
	if p.cost+int(f.Iterations)+1 > p.limit {
		p.overrun = true
		return ""
	}
	p.cost += int(f.Iterations) + 1
	h := dns.HashName(name, f.Hash, f.Iterations, f.Salt)
	p.memo[name] = h
	return h
}

func ownerHash(n *dns.NSEC3) string {
	first, _ := splitFirst(n.Hdr.Name)
	return strings.ToUpper(first)
}

// match returns the NSEC3 whose owner hash equals the hash of name,
// compared case-insensitively (miekg's helpers compare base32 text with
// case).
func (p *nsec3Proof) match(name string) *dns.NSEC3 {
	h := p.hash(name)
	if h == "" {
		return nil
	}
	for _, n := range p.recs {
		if ownerHash(n) == h {
			return n
		}
	}
	return nil
}

// cover returns the NSEC3 whose hash interval strictly contains the hash
// of name (RFC 5155 §8.3). Unlike miekg's NSEC3.Cover, an exact match is
// not a cover. The last NSEC3 of the chain wraps around to the first.
func (p *nsec3Proof) cover(name string) *dns.NSEC3 {
	h := p.hash(name)
	if h == "" {
		return nil
	}
	for _, n := range p.recs {
		o, nx := ownerHash(n), strings.ToUpper(n.NextDomain)
		if o < nx {
			if o < h && h < nx {
				return n
			}
		} else if h > o || h < nx {
			return n
		}
	}
	return nil
}

// closestEncloser runs the closest encloser proof of RFC 5155 §8.3 for
// qname: the deepest existing ancestor (matched by an NSEC3) and an NSEC3
// covering the next closer name. It returns ok=false when the proof fails.
func (p *nsec3Proof) closestEncloser(qname string) (ce string, ncCover *dns.NSEC3, ok bool) {
	for n := parentName(qname); isSubdomain(n, p.zone); n = parentName(n) {
		m := p.match(n)
		if p.overrun {
			return "", nil, false
		}
		if m != nil {
			// A delegation or DNAME at the encloser means the names below
			// are not in this zone.
			if hasType(m.TypeBitMap, dns.TypeDNAME) || (hasType(m.TypeBitMap, dns.TypeNS) && !hasType(m.TypeBitMap, dns.TypeSOA)) {
				return "", nil, false
			}
			ce = n
			break
		}
		if n == "." || equalNames(n, p.zone) {
			return "", nil, false
		}
	}
	if ce == "" {
		return "", nil, false
	}
	c := p.cover(nextCloser(qname, ce))
	if c == nil {
		return "", nil, false
	}
	return ce, c, true
}

func optOut(n *dns.NSEC3) bool { return n.Flags&1 == 1 }

func (p *nsec3Proof) bad(format string, a ...any) denial {
	if p.overrun {
		return denial{verdict: bogus(ReasonResourceLimit, "NSEC3 proof needs more than %d SHA-1 computations (hashes × (iterations+1))", p.limit)}
	}
	return denial{verdict: bogus(ReasonNSEC3ProofInvalid, format, a...)}
}

// nxDomain checks an NSEC3 NXDOMAIN proof (RFC 5155 §8.4). When the next
// closer name is covered by an opt-out NSEC3 the name might be an
// unsigned delegation, so the result is Insecure (RFC 5155 §9.2).
func (p *nsec3Proof) nxDomain(qname string) denial {
	if p.match(qname) != nil {
		return p.bad("an NSEC3 record says %s exists", qname)
	}
	ce, nc, ok := p.closestEncloser(qname)
	if !ok {
		return p.bad("no closest encloser proof for %s", qname)
	}
	wc := "*." + ce
	if p.match(wc) != nil {
		return p.bad("the wildcard %s exists, so %s cannot be NXDOMAIN", wc, qname)
	}
	if p.cover(wc) == nil {
		return p.bad("no NSEC3 proves that the wildcard %s does not exist", wc)
	}
	if optOut(nc) {
		return denial{verdict: insecure(ReasonUnsignedDelegation, "%s is covered by an opt-out NSEC3: it may be an unsigned delegation", qname)}
	}
	return proofOK()
}

// noData checks an NSEC3 NODATA proof (RFC 5155 §8.5-8.7).
func (p *nsec3Proof) noData(qname string, qtype uint16) denial {
	if m := p.match(qname); m != nil {
		if hasType(m.TypeBitMap, qtype) || hasType(m.TypeBitMap, dns.TypeCNAME) {
			return p.bad("the NSEC3 for %s says %s exists", qname, dns.TypeToString[qtype])
		}
		if qtype != dns.TypeDS && hasType(m.TypeBitMap, dns.TypeNS) && !hasType(m.TypeBitMap, dns.TypeSOA) {
			return p.bad("the NSEC3 for %s is the parent side of a delegation", qname)
		}
		if qtype == dns.TypeDS && hasType(m.TypeBitMap, dns.TypeSOA) && qname != "." {
			return p.bad("the NSEC3 for %s comes from the child zone, not the parent", qname)
		}
		return proofOK()
	}
	ce, nc, ok := p.closestEncloser(qname)
	if !ok {
		return p.bad("no NSEC3 matches %s and there is no closest encloser proof", qname)
	}
	// RFC 5155 §8.6: DS NODATA with opt-out.
	if qtype == dns.TypeDS && optOut(nc) {
		return denial{verdict: insecure(ReasonUnsignedDelegation, "%s is covered by an opt-out NSEC3", qname), delegation: true}
	}
	// RFC 5155 §8.7: wildcard NODATA.
	if w := p.match("*." + ce); w != nil {
		if hasType(w.TypeBitMap, qtype) || hasType(w.TypeBitMap, dns.TypeCNAME) {
			return p.bad("the wildcard *.%s has %s", ce, dns.TypeToString[qtype])
		}
		return proofOK()
	}
	// RFC 5155 §8.5 (erratum 3441): an empty non-terminal that exists
	// only because of an opt-out insecure delegation has no NSEC3; the
	// opt-out cover of the next closer name proves nothing signed, so the
	// answer is Insecure (§9.2).
	if optOut(nc) {
		return denial{verdict: insecure(ReasonUnsignedDelegation, "%s is covered by an opt-out NSEC3: it may lie in an unsigned delegation", qname)}
	}
	return p.bad("no NSEC3 proves NODATA for %s", qname)
}

// noDS classifies name from an NSEC3 proof of no DS: an insecure
// delegation (NS without DS, or covered by opt-out, RFC 5155 §8.6), or no
// zone cut.
func (p *nsec3Proof) noDS(name string) denial {
	if m := p.match(name); m != nil {
		switch {
		case hasType(m.TypeBitMap, dns.TypeDS):
			return p.bad("the NSEC3 for %s says a DS exists", name)
		case hasType(m.TypeBitMap, dns.TypeSOA):
			return p.bad("the NSEC3 for %s comes from the child zone, not the parent", name)
		case hasType(m.TypeBitMap, dns.TypeNS):
			return denial{verdict: secure, delegation: true}
		default:
			return denial{verdict: secure, notCut: true}
		}
	}
	_, nc, ok := p.closestEncloser(name)
	if ok && optOut(nc) {
		return denial{verdict: secure, delegation: true}
	}
	return p.bad("no NSEC3 proves the absence of a DS at %s", name)
}

// wildcard checks the proof for a wildcard expansion (RFC 5155 §8.8): an
// NSEC3 covers the next closer name of owner below the encloser.
func (p *nsec3Proof) wildcard(owner, encloser string) denial {
	if p.cover(nextCloser(owner, encloser)) == nil {
		if p.overrun {
			return p.bad("")
		}
		return denial{verdict: bogus(ReasonWildcardProofMissing, "no NSEC3 proves that %s does not exist, as the wildcard expansion requires", nextCloser(owner, encloser))}
	}
	return proofOK()
}

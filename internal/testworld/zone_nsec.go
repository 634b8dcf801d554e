package testworld

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// negativeTTL is the TTL of the zone's NSEC and NSEC3 records: the lesser
// of the SOA's minimum field and its own TTL (RFC 4035 §2.3 and RFC 5155
// §3 as updated by RFC 9077 §3).
func (z *zone) negativeTTL() uint32 {
	soa := z.nodes[z.origin].sets[dns.TypeSOA].rrs[0].(*dns.SOA)
	return min(soa.Minttl, soa.Hdr.Ttl)
}

// nsecTypes returns the types present at an authoritative owner, as the
// type bitmap of its NSEC or NSEC3 record must list them. At a delegation
// point only the NS and DS RRsets belong to the parent (RFC 4035 §2.3).
func (z *zone) nsecTypes(n *node) []uint16 {
	var types []uint16
	for t := range n.sets {
		if z.cuts[n.name] && t != dns.TypeNS && t != dns.TypeDS {
			continue
		}
		types = append(types, t)
	}
	return types
}

// buildNSEC builds the NSEC chain (RFC 4034 §4, RFC 4035 §2.3): one NSEC
// per authoritative owner that has data, in canonical order (RFC 4034
// §6.1), the last one pointing back to the apex. Empty non-terminals and
// glue get no NSEC. Every bitmap lists NSEC and RRSIG, since the NSEC
// itself is signed, also at an unsigned delegation point.
func (z *zone) buildNSEC() {
	type owned struct{ key, name string }
	var owners []owned
	for name, n := range z.nodes {
		if n.empty() || !z.authoritative(name) {
			continue
		}
		owners = append(owners, owned{canonicalKey(name), name})
	}
	sort.Slice(owners, func(i, j int) bool { return owners[i].key < owners[j].key })
	z.nsecOwners = make([]string, len(owners))
	z.nsecKeys = make([]string, len(owners))
	for i, o := range owners {
		z.nsecOwners[i] = o.name
		z.nsecKeys[i] = o.key
	}
	for i, o := range owners {
		n := z.nodes[o.name]
		types := append(z.nsecTypes(n), dns.TypeNSEC, dns.TypeRRSIG)
		slices.Sort(types)
		nsec := &dns.NSEC{
			Hdr:        dns.RR_Header{Name: o.name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: z.negativeTTL()},
			NextDomain: owners[(i+1)%len(owners)].name,
			TypeBitMap: slices.Compact(types),
		}
		n.sets[dns.TypeNSEC] = &rrset{rrs: []dns.RR{nsec}}
	}
}

// nsec3Hash returns the upper-case base32hex NSEC3 hash of name with the
// zone's parameters (RFC 5155 §5).
func (z *zone) nsec3Hash(name string) string {
	p := z.spec.NSEC3
	return dns.HashName(name, dns.SHA1, p.Iterations, p.Salt)
}

// buildNSEC3 builds the NSEC3 chain (RFC 5155 §7.1): one NSEC3 per
// authoritative owner including empty non-terminals, owned by the hash of
// the name under the apex, sorted by hash, each pointing to the next hash
// and the last back to the first. With opt-out, delegation points without
// a DS are left out (RFC 5155 §6) and every record carries the opt-out
// flag. The RRSIG bit is set only where the original owner has signed
// RRsets (RFC 5155 §3.2.1: the bitmap lists the types at the original
// owner).
func (z *zone) buildNSEC3() error {
	p := z.spec.NSEC3
	var flags uint8
	if p.OptOut {
		flags = 1
	}
	z.nsec3ByHash = map[string]*nsec3Entry{}
	type pending struct {
		hash  string
		types []uint16
	}
	var all []pending
	for name, n := range z.nodes {
		if !z.authoritative(name) {
			continue
		}
		cut := z.cuts[name]
		hasDS := n.sets[dns.TypeDS] != nil
		if cut && !hasDS && p.OptOut {
			continue // RFC 5155 §7.1: opt-out skips unsigned delegations.
		}
		types := z.nsecTypes(n)
		if !n.empty() && (!cut || hasDS) {
			types = append(types, dns.TypeRRSIG)
		}
		slices.Sort(types)
		h := z.nsec3Hash(name)
		if z.nsec3ByHash[h] != nil {
			return fmt.Errorf("zone %s: NSEC3 hash collision at %s", z.origin, name)
		}
		z.nsec3ByHash[h] = &nsec3Entry{hash: h}
		all = append(all, pending{h, slices.Compact(types)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].hash < all[j].hash })
	z.nsec3 = make([]*nsec3Entry, len(all))
	for i, e := range all {
		rr := &dns.NSEC3{
			Hdr:        dns.RR_Header{Name: strings.ToLower(e.hash) + "." + strings.TrimPrefix(z.origin, "."), Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: z.negativeTTL()},
			Hash:       dns.SHA1,
			Flags:      flags,
			Iterations: p.Iterations,
			SaltLength: uint8(len(p.Salt) / 2),
			Salt:       p.Salt,
			HashLength: 20,
			NextDomain: all[(i+1)%len(all)].hash,
			TypeBitMap: e.types,
		}
		ent := z.nsec3ByHash[e.hash]
		ent.set = &rrset{rrs: []dns.RR{rr}}
		z.nsec3[i] = ent
	}
	return nil
}

// nsec3Param is the apex NSEC3PARAM record (RFC 5155 §4: flags zero).
func (z *zone) nsec3Param() *dns.NSEC3PARAM {
	p := z.spec.NSEC3
	return &dns.NSEC3PARAM{
		Hdr:        dns.RR_Header{Name: z.origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET, Ttl: 0},
		Hash:       dns.SHA1,
		Iterations: p.Iterations,
		SaltLength: uint8(len(p.Salt) / 2),
		Salt:       p.Salt,
	}
}

package testworld

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// ZoneText returns the zone with the given origin as served, in zone-file
// syntax: every RRset with its RRSIGs, the NSEC or NSEC3 chain, the
// DNSKEY RRset and the DS and NS records of its delegations. Owners come in
// canonical order (RFC 4034 §6.1), NSEC3 records last. It lets people
// inspect a world and lets tests hand the zones to independent DNSSEC
// verifiers. It returns an error when the world has no such zone.
func (d *DNS) ZoneText(origin string) (string, error) {
	z := d.world.zones[dns.CanonicalName(origin)]
	if z == nil {
		return "", fmt.Errorf("zone text: the world has no zone %q", origin)
	}
	return z.text(), nil
}

// Zones returns the origins of all zones of the world in canonical order.
func (d *DNS) Zones() []string {
	var out []string
	for o := range d.world.zones {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return canonicalKey(out[i]) < canonicalKey(out[j]) })
	return out
}

func (z *zone) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n", z.origin)
	names := make([]string, 0, len(z.nodes))
	for n := range z.nodes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return canonicalKey(names[i]) < canonicalKey(names[j]) })
	write := func(rrs []dns.RR) {
		for _, rr := range rrs {
			b.WriteString(rr.String())
			b.WriteByte('\n')
		}
	}
	for _, name := range names {
		n := z.nodes[name]
		types := make([]int, 0, len(n.sets))
		for t := range n.sets {
			types = append(types, int(t))
		}
		sort.Ints(types)
		// SOA first, as zone files and their verifiers expect.
		if s := n.sets[dns.TypeSOA]; s != nil {
			write(z.withSigs(s, dns.TypeSOA))
		}
		for _, t := range types {
			if uint16(t) != dns.TypeSOA {
				write(z.withSigs(n.sets[uint16(t)], uint16(t)))
			}
		}
	}
	for _, e := range z.nsec3 {
		write(z.nsec3Out(e))
	}
	return b.String()
}

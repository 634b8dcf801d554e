package dnssec

import (
	"sort"

	"github.com/miekg/dns"
)

// probeZoneOf picks the zone whose DNSKEY RRset the capability probe asks
// for: the root when a root anchor is configured, otherwise the
// shallowest configured anchor zone (the first in canonical order among
// equals). An admin who tests their own zone with its DNSKEY as the only
// anchor (before the DS is at the registrar, or in a lab hierarchy) may
// use an upstream that cannot answer ". DNSKEY"; probing the anchor's own
// zone asks only what validation from that anchor down needs.
func probeZoneOf(anchors map[string][]dns.RR) string {
	if _, ok := anchors["."]; ok || len(anchors) == 0 {
		return "."
	}
	zones := make([]string, 0, len(anchors))
	for z := range anchors {
		zones = append(zones, z)
	}
	sort.Slice(zones, func(i, j int) bool {
		if a, b := labelCount(zones[i]), labelCount(zones[j]); a != b {
			return a < b
		}
		return zones[i] < zones[j]
	})
	return zones[0]
}

// probeZoneName names the probed zone in messages: "root" or the zone.
func probeZoneName(z string) string {
	if z == "." {
		return "root"
	}
	return z
}

// AnchorZone returns the zone whose DNSKEY RRset the capability probe asks
// for and validation of the root-most names starts from: "." with the
// root anchors, otherwise the shallowest configured anchor zone. Callers
// that check the resolver before their lookups (as the commands do) look
// up this zone's DNSKEY rather than the root's.
func (r *Resolver) AnchorZone() string { return r.probeZone }

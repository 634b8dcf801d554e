package main

import (
	"context"
	"fmt"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/miekg/dns"
)

// checkLocalFault validates the anchor zone's DNSKEY RRset (". DNSKEY"
// with the root anchors; see anchorZone) through
// the resolver, as scan does before it writes anything: an upstream that
// strips DNSSEC or answers it NXDOMAIN, or a trust anchor that is not the
// root's, would make every domain UNKNOWN, so it is said once, with the
// reason code, instead (issue 11 §1). Names outside every anchor are not
// at stake here; failures of the lookup itself are checkUpstream's.
func checkLocalFault(ctx context.Context, lk dnssec.Lookuper, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := lk.Lookup(ctx, anchorZone(lk), dns.TypeDNSKEY)
	if err != nil || res == nil || ctx.Err() != nil {
		return nil
	}
	switch res.Reason {
	case dnssec.ReasonUpstreamStripsDNSSEC, dnssec.ReasonTrustAnchorMismatch:
		if res.Security == dnssec.Indeterminate {
			return fmt.Errorf("local fault (%s), every domain would be UNKNOWN: %s", res.Reason, res.Detail)
		}
	}
	return nil
}

// anchorZone is the zone whose DNSKEY RRset validation starts from: the
// root, or with --trust-anchor naming another zone that zone (issue 11
// §2: the root may not be answerable then).
func anchorZone(lk dnssec.Lookuper) string {
	if a, ok := lk.(interface{ AnchorZone() string }); ok {
		return a.AnchorZone()
	}
	return "."
}

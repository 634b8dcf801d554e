package dnssec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// anchorMismatch says which key tags the configured trust anchor expected
// and which the anchor zone served, for an Indeterminate result with
// ReasonTrustAnchorMismatch: the remedy is on the checking side (update
// the trust anchor file, or point at the resolver of the right root).
func anchorMismatch(zone string, ds []*dns.DS, keys []*dns.DNSKEY, set *rrset) string {
	var want []string
	for _, d := range ds {
		want = append(want, fmt.Sprintf("%d/alg %d", d.KeyTag, d.Algorithm))
	}
	for _, k := range keys {
		want = append(want, fmt.Sprintf("%d/alg %d", k.KeyTag(), k.Algorithm))
	}
	var got []string
	if set != nil {
		for _, rr := range set.rrs {
			if k, ok := rr.(*dns.DNSKEY); ok {
				got = append(got, fmt.Sprintf("%d/alg %d", k.KeyTag(), k.Algorithm))
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	return fmt.Sprintf("the trust anchor for %s expects key tags %s but %s serves DNSKEY tags %s: the trust anchor file is out of date or for another root (a local fault, not the domain's)",
		zone, strings.Join(want, ", "), zone, strings.Join(got, ", "))
}

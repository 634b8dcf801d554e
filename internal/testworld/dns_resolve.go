package testworld

import (
	"github.com/miekg/dns"
)

// maxCNAMEChain bounds the CNAME links the upstream follows, as a
// recursive resolver does (Unbound's limit is in the same range).
const maxCNAMEChain = 16

// validatorCNAMELimit is the chain length above which a validating
// resolver gives up (Unbound's restart limit, and daneprobe's default); the
// IgnoreCD mode uses it.
const validatorCNAMELimit = 11

// resolution is the upstream's answer to one question before EDNS
// handling: the rcode, the sections, and whether any zone on the way is
// bogus (for DNSOptions.IgnoreCD).
type resolution struct {
	rcode     int
	answer    []dns.RR
	authority []dns.RR
	bogus     bool
	// links counts the CNAME links followed.
	links int
}

// resolve answers qname/qtype the way a recursive resolver answers a
// DO=1, CD=1 query: from the deepest zone that holds the name, following
// CNAMEs into other zones and returning the whole chain (RFC 1034 §4.3.2,
// RFC 6604 §2: the rcode is that of the last link), with the denial
// records of every link in the authority section. DS questions are
// answered from the parent side of the zone cut (RFC 4035 §3.1.4.1).
func (w *world) resolve(qname string, qtype uint16) resolution {
	var res resolution
	seen := map[string]bool{}
	name := dns.CanonicalName(qname)
	for range maxCNAMEChain {
		z := w.enclosing(name)
		if qtype == dns.TypeDS && name == z.origin && z.parent != nil {
			z = z.parent
		}
		za := z.lookup(name, qtype)
		res.bogus = res.bogus || z.bogus
		res.answer = append(res.answer, za.answer...)
		// The authority section collects the proofs of every link: a
		// CNAME synthesised from a wildcard needs its proof that no
		// closer name exists as much as the final answer does.
		res.rcode = za.rcode
		res.authority = appendUnique(res.authority, za.authority)
		if za.target == "" || seen[za.target] {
			return res
		}
		seen[name] = true
		name = za.target
		res.links++
	}
	return res
}

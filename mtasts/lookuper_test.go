package mtasts_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// zoneDNS is a scripted dnssec.Lookuper serving zone-file lines, the way
// tests use DNS without a resolver. It follows CNAMEs like the real
// resolver does (the chain first in Answer, Canonical at its end).
type zoneDNS struct {
	rrs      map[string][]dns.RR // "name/TYPE" -> records
	names    map[string]bool     // owners that exist
	security dnssec.Security     // status of every answer
	fail     map[string]error    // "name/TYPE" -> I/O error
	rcode    map[string]int      // "name/TYPE" -> forced rcode
	bogus    map[string]bool     // "name/TYPE" -> Bogus result
	lookups  atomic.Int64        // number of Lookup calls
}

// newZoneDNS parses zone-file lines with fully qualified owners. It
// returns an error for a line miekg/dns cannot parse.
func newZoneDNS(lines ...string) (*zoneDNS, error) {
	z := &zoneDNS{rrs: map[string][]dns.RR{}, names: map[string]bool{}, security: dnssec.Insecure,
		fail: map[string]error{}, rcode: map[string]int{}, bogus: map[string]bool{}}
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			return nil, fmt.Errorf("zone line %q: %w", l, err)
		}
		if rr == nil {
			continue
		}
		name := strings.ToLower(rr.Header().Name)
		k := name + "/" + dns.TypeToString[rr.Header().Rrtype]
		z.rrs[k] = append(z.rrs[k], rr)
		z.names[name] = true
	}
	return z, nil
}

func mustZoneDNS(lines ...string) *zoneDNS {
	z, err := newZoneDNS(lines...)
	if err != nil {
		panic(err) // test fixtures are constants
	}
	return z
}

func (z *zoneDNS) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	z.lookups.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name = strings.ToLower(dns.Fqdn(name))
	key := name + "/" + dns.TypeToString[qtype]
	if err := z.fail[key]; err != nil {
		return nil, err
	}
	res := &dnssec.Result{Name: name, Type: qtype, Security: z.security, Canonical: name}
	if rc, ok := z.rcode[key]; ok {
		res.Rcode = rc
		return res, nil
	}
	if z.bogus[key] {
		res.Security, res.Reason = dnssec.Bogus, dnssec.ReasonSignatureExpired
		res.Rcode = dns.RcodeServerFailure
		return res, nil
	}
	cur := name
	for i := 0; i < 8; i++ {
		c, ok := z.rrs[cur+"/CNAME"]
		if !ok || qtype == dns.TypeCNAME {
			break
		}
		res.Answer = append(res.Answer, c[0])
		cur = strings.ToLower(c[0].(*dns.CNAME).Target)
	}
	res.Canonical = cur
	res.Answer = append(res.Answer, z.rrs[cur+"/"+dns.TypeToString[qtype]]...)
	if !z.names[cur] {
		res.Rcode = dns.RcodeNameError
	}
	return res, nil
}

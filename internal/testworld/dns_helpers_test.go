package testworld

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startWorld starts a DNS world for one test and stops it at the end.
func startWorld(t testing.TB, opts DNSOptions) *DNS {
	t.Helper()
	d, err := StartDNS(opts)
	if err != nil {
		t.Fatalf("StartDNS: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// query describes how to ask: transport, EDNS and the DO bit.
type query struct {
	tcp     bool
	noEDNS  bool
	noDO    bool
	bufsize uint16
}

// ask sends one question to the world and returns the response.
func ask(t testing.TB, d *DNS, name string, qtype uint16, q query) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.CheckingDisabled = true
	if !q.noEDNS {
		size := q.bufsize
		if size == 0 {
			size = 1232
		}
		m.SetEdns0(size, !q.noDO)
	}
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second, UDPSize: dns.MaxMsgSize}
	if q.tcp {
		c.Net = "tcp"
	}
	r, _, err := c.Exchange(m, d.Addr())
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	if r.Id != m.Id {
		t.Fatalf("query %s: response ID %d, want %d", name, r.Id, m.Id)
	}
	return r
}

// askTCP is ask over TCP with EDNS and DO: the full answer.
func askTCP(t testing.TB, d *DNS, name string, qtype uint16) *dns.Msg {
	t.Helper()
	return ask(t, d, name, qtype, query{tcp: true})
}

// rrsOf returns the records of type t in a section.
func rrsOf(section []dns.RR, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range section {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}

// sigsFor returns the RRSIGs in a section covering type t at owner.
func sigsFor(section []dns.RR, owner string, t uint16) []*dns.RRSIG {
	var out []*dns.RRSIG
	for _, rr := range section {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == t && strings.EqualFold(sig.Hdr.Name, owner) {
			out = append(out, sig)
		}
	}
	return out
}

// rrset returns the records of type t owned by owner in a section.
func rrsetOf(section []dns.RR, owner string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range section {
		if rr.Header().Rrtype == t && strings.EqualFold(rr.Header().Name, owner) {
			out = append(out, rr)
		}
	}
	return out
}

// refLess is the test's own, deliberately simple, canonical order for
// names without escapes: compare reversed lower-case label lists.
func refLess(a, b string) bool {
	la := dns.SplitDomainName(strings.ToLower(a))
	lb := dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if la[i] != lb[j] {
			return la[i] < lb[j]
		}
	}
	return len(la) < len(lb)
}

// nsecCovers reports whether an NSEC covers name: owner < name < next in
// canonical order, or owner < name for the last NSEC of the chain (RFC
// 4034 §4.1.1, §6.1).
func nsecCovers(n *dns.NSEC, name string) bool {
	owner, next := n.Hdr.Name, n.NextDomain
	if refLess(owner, next) {
		return refLess(owner, name) && refLess(name, next)
	}
	// The last NSEC: next is the apex.
	return refLess(owner, name) || refLess(name, next)
}

// nsec3Covers reports whether an NSEC3 covers the hash of name, strictly
// (RFC 5155 §3.1.7, with wrap-around for the last record).
func nsec3Covers(n *dns.NSEC3, name string) bool {
	h := dns.HashName(name, n.Hash, n.Iterations, n.Salt)
	owner := strings.ToUpper(strings.SplitN(n.Hdr.Name, ".", 2)[0])
	next := strings.ToUpper(n.NextDomain)
	if owner < next {
		return owner < h && h < next
	}
	return owner < h || h < next
}

// nsec3Matches reports whether an NSEC3's owner is the hash of name.
func nsec3Matches(n *dns.NSEC3, name string) bool {
	h := dns.HashName(name, n.Hash, n.Iterations, n.Salt)
	return strings.EqualFold(strings.SplitN(n.Hdr.Name, ".", 2)[0], h)
}

func hasType(bitmap []uint16, t uint16) bool {
	for _, b := range bitmap {
		if b == t {
			return true
		}
	}
	return false
}

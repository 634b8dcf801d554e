package dnssec

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func nsec(owner, next string, types ...uint16) *dns.NSEC {
	return &dns.NSEC{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300}, NextDomain: next, TypeBitMap: types}
}

func TestNSECCovers(t *testing.T) {
	n := nsec("b.example.", "d.example.", dns.TypeA)
	last := nsec("z.example.", "example.", dns.TypeA)
	for _, tc := range []struct {
		n    *dns.NSEC
		name string
		want bool
	}{
		{n, "c.example.", true},
		{n, "C.EXAMPLE.", true},      // case-insensitive
		{n, "b.example.", false},     // exact owner match is not a cover
		{n, "d.example.", false},     // the next name exists
		{n, "a.b.example.", true},    // after b.example., before d.example. (RFC 4034 §6.1)
		{n, "x.c.example.", true},    // below a covered name
		{n, "a.example.", false},     // before the owner
		{last, "zz.example.", true},  // wrap-around at the end of the zone
		{last, "a.example.", false},  // before the last owner
		{last, "other.test.", false}, // outside the zone
	} {
		if got := nsecCovers(tc.n, tc.name); got != tc.want {
			t.Errorf("nsecCovers(%s..%s, %s) = %v, want %v", tc.n.Hdr.Name, tc.n.NextDomain, tc.name, got, tc.want)
		}
	}
}

func TestNSECProofs(t *testing.T) {
	zone := []*dns.NSEC{
		nsec("example.", "a.example.", dns.TypeSOA, dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG, dns.TypeDNSKEY),
		nsec("a.example.", "x.b.example.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG),
		nsec("x.b.example.", "deleg.example.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG),
		nsec("deleg.example.", "*.w.example.", dns.TypeNS, dns.TypeNSEC, dns.TypeRRSIG),
		nsec("*.w.example.", "example.", dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG),
	}
	ok := func(d denial) bool { return d.sec == Secure }
	if d := nsecNXDomain(zone, "nope.example."); !ok(d) {
		t.Errorf("NXDOMAIN nope: %s", d.why)
	}
	if d := nsecNXDomain(zone, "a.example."); ok(d) {
		t.Error("NXDOMAIN for an existing name accepted")
	}
	if d := nsecNXDomain(zone[1:2], "aa.example."); ok(d) {
		t.Error("NXDOMAIN without the wildcard proof accepted")
	}
	if d := nsecNXDomain(zone, "host.w.example."); ok(d) {
		t.Error("NXDOMAIN below an existing wildcard accepted")
	}
	if d := nsecNoData(zone, "a.example.", dns.TypeAAAA); !ok(d) {
		t.Errorf("NODATA: %s", d.why)
	}
	if d := nsecNoData(zone, "a.example.", dns.TypeA); ok(d) {
		t.Error("NODATA for a type in the bitmap accepted")
	}
	if d := nsecNoData(zone, "b.example.", dns.TypeTXT); !ok(d) {
		t.Errorf("empty non-terminal NODATA: %s", d.why)
	}
	if d := nsecNoData(zone, "deleg.example.", dns.TypeA); ok(d) {
		t.Error("NODATA from the parent side of a delegation accepted (RFC 6840 §4.4)")
	}
	if d := nsecNoData(zone, "host.w.example.", dns.TypeAAAA); !ok(d) {
		t.Errorf("wildcard NODATA: %s", d.why)
	}
	if d := nsecNoDS(zone, "deleg.example."); !ok(d) || !d.delegation {
		t.Errorf("insecure delegation not proven: %+v", d)
	}
	if d := nsecNoDS(zone, "a.example."); !ok(d) || !d.notCut {
		t.Errorf("a.example is not a cut: %+v", d)
	}
	if d := nsecNoDS(zone, "b.example."); !ok(d) || !d.notCut {
		t.Errorf("empty non-terminal is not a cut: %+v", d)
	}
	if d := nsecNoData(zone, "x.deleg.example.", dns.TypeA); ok(d) {
		t.Error("proof for a name below a delegation accepted")
	}
	if d := nsecWildcard(zone, "host.w.example.", "w.example."); !ok(d) {
		t.Errorf("wildcard proof: %s", d.why)
	}
	if d := nsecWildcard(zone[:1], "host.w.example.", "w.example."); d.reason != ReasonWildcardProofMissing {
		t.Errorf("missing wildcard proof: %+v", d)
	}
}

// TestNSEC3Traps covers what miekg's NSEC3.Cover gets wrong: an exact
// match is not a cover, unknown hash algorithms are ignored, and base32
// is compared case-insensitively.
func TestNSEC3Traps(t *testing.T) {
	zone := "example."
	h := func(name string) string { return dns.HashName(name, dns.SHA1, 0, "") }
	mk := func(ownerHash, next string, hash uint8, types ...uint16) *dns.NSEC3 {
		return &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(ownerHash) + "." + zone, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET},
			Hash: hash, Iterations: 0, NextDomain: next, TypeBitMap: types}
	}
	hw := h("www.example.")
	// A record whose owner is exactly the hash of www, next one above it.
	rec := mk(hw, incHash(hw), dns.SHA1, dns.TypeA)
	p := newNSEC3Proof(zone, []*dns.NSEC3{rec}, 32)
	if len(p.recs) != 1 {
		t.Fatal("lower-case owner hash rejected")
	}
	if p.match("www.example.") == nil {
		t.Error("no case-insensitive match")
	}
	if p.cover("www.example.") != nil {
		t.Error("an exact match counts as a cover")
	}
	// The trap we avoid: miekg's Cover says true here.
	t.Logf("miekg NSEC3.Cover on an exact match: %v", rec.Cover("www.example."))
	unknown := mk(hw, incHash(hw), 2, dns.TypeA)
	if p := newNSEC3Proof(zone, []*dns.NSEC3{unknown}, 32); len(p.recs) != 0 {
		t.Error("NSEC3 with an unknown hash algorithm kept")
	}
	badFlags := mk(hw, incHash(hw), dns.SHA1, dns.TypeA)
	badFlags.Flags = 2
	if p := newNSEC3Proof(zone, []*dns.NSEC3{badFlags}, 32); len(p.recs) != 0 {
		t.Error("NSEC3 with unknown flags kept (RFC 5155 §8.2)")
	}
	// Hash budget.
	p = newNSEC3Proof(zone, []*dns.NSEC3{rec}, 2)
	p.closestEncloser("a.b.c.d.e.www.example.")
	if !p.overrun {
		t.Error("hash budget not enforced")
	}
	if d := p.nxDomain("a.b.c.d.e.www.example."); d.reason != ReasonResourceLimit {
		t.Errorf("hash overrun reason %q", d.reason)
	}
}

// incHash returns a base32hex hash one step above h (same length).
func incHash(h string) string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
	b := []byte(h)
	for i := len(b) - 1; i >= 0; i-- {
		j := strings.IndexByte(alpha, b[i])
		if j < len(alpha)-1 {
			b[i] = alpha[j+1]
			return string(b)
		}
		b[i] = alpha[0]
	}
	return string(b)
}

package mailauth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// fakeDNS is a scripted dnssec.Lookuper: zone-file lines, every answer
// Secure unless its name is in insecure; names in servfail fail. It
// counts queries.
type fakeDNS struct {
	rrs      map[string][]dns.RR // "name./TYPE"
	names    map[string]bool
	insecure map[string]bool
	servfail map[string]bool
	mu       sync.Mutex
	queries  int
}

func newFake(t testing.TB, lines ...string) *fakeDNS {
	t.Helper()
	f := &fakeDNS{rrs: map[string][]dns.RR{}, names: map[string]bool{}, insecure: map[string]bool{}, servfail: map[string]bool{}}
	for _, l := range lines {
		f.add(t, l)
	}
	return f
}

func (f *fakeDNS) add(t testing.TB, line string) {
	t.Helper()
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatalf("bad fixture %q: %v", line, err)
	}
	f.addRR(rr)
}

// addRR adds one record as it is.
func (f *fakeDNS) addRR(rr dns.RR) {
	h := rr.Header()
	h.Name = strings.ToLower(h.Name)
	k := h.Name + "/" + dns.TypeToString[h.Rrtype]
	f.rrs[k] = append(f.rrs[k], rr)
	labels := dns.SplitDomainName(h.Name)
	for i := range labels {
		f.names[dns.Fqdn(strings.Join(labels[i:], "."))] = true
	}
}

func (f *fakeDNS) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries++
	name = strings.ToLower(dns.Fqdn(name))
	res := &dnssec.Result{Name: name, Type: qtype, Canonical: name, Security: dnssec.Secure}
	if f.insecure[name] {
		res.Security = dnssec.Insecure
	}
	if f.servfail[name] {
		return nil, fmt.Errorf("upstream timed out")
	}
	cur := name
	for hops := 0; hops < 8; hops++ {
		if rrs := f.rrs[cur+"/"+dns.TypeToString[qtype]]; len(rrs) > 0 {
			res.Answer = append(res.Answer, rrs...)
			res.Canonical = cur
			return res, nil
		}
		c := f.rrs[cur+"/CNAME"]
		if len(c) == 0 || qtype == dns.TypeCNAME {
			break
		}
		res.Answer = append(res.Answer, c[0])
		cur = strings.ToLower(c[0].(*dns.CNAME).Target)
	}
	res.Canonical = cur
	if !f.names[cur] {
		res.Rcode = dns.RcodeNameError
	}
	return res, nil
}

// txtRR is a TXT record with rec as one string per 255 octets.
func txtRR(name, rec string) dns.RR {
	t := &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}}
	for len(rec) > 255 {
		t.Txt = append(t.Txt, rec[:255])
		rec = rec[255:]
	}
	t.Txt = append(t.Txt, rec)
	return t
}

// txt builds a TXT fixture line, splitting long records into 255-octet
// strings.
func txt(name, rec string) string {
	var parts []string
	for len(rec) > 255 {
		parts = append(parts, fmt.Sprintf("%q", rec[:255]))
		rec = rec[255:]
	}
	parts = append(parts, fmt.Sprintf("%q", rec))
	return name + " 300 IN TXT " + strings.Join(parts, " ")
}

package mailauth

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"blitiri.com.ar/go/spf"
	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// blitiriResolver answers blitiri's net.Resolver-shaped questions from a
// dnssec.Lookuper (our scripted one): NXDOMAIN and NODATA are "not
// found", everything else that fails is temporary.
type blitiriResolver struct{ lk dnssec.Lookuper }

func (b blitiriResolver) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	res, err := b.lk.Lookup(ctx, dns.Fqdn(name), qtype)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true}
	}
	var out []dns.RR
	for _, rr := range res.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return out, nil
}

func (b blitiriResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := b.lookup(ctx, name, dns.TypeTXT)
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, err
}

func (b blitiriResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := b.lookup(ctx, name, dns.TypeMX)
	var out []*net.MX
	for _, rr := range rrs {
		m := rr.(*dns.MX)
		out = append(out, &net.MX{Host: m.Mx, Pref: m.Preference})
	}
	return out, err
}

func (b blitiriResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	a, errA := b.lookup(ctx, host, dns.TypeA)
	for _, rr := range a {
		out = append(out, net.IPAddr{IP: rr.(*dns.A).A})
	}
	aaaa, errAAAA := b.lookup(ctx, host, dns.TypeAAAA)
	for _, rr := range aaaa {
		out = append(out, net.IPAddr{IP: rr.(*dns.AAAA).AAAA})
	}
	if len(out) == 0 {
		if errA != nil {
			return nil, errA
		}
		return nil, errAAAA
	}
	return out, nil
}

func (b blitiriResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	rev, err := dns.ReverseAddr(addr)
	if err != nil {
		return nil, err
	}
	rrs, err := b.lookup(ctx, rev, dns.TypePTR)
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.(*dns.PTR).Ptr)
	}
	return out, err
}

// TestSPFDifferential runs the check_host() rule table through
// blitiri.com.ar/go/spf as well, over the same scripted DNS: every
// result must agree (none differs today; a future difference is to be
// decided by the RFC text and listed here).
func TestSPFDifferential(t *testing.T) {
	base, cases := checkHostTable()
	agree := 0
	for _, c := range cases {
		f := newFake(t, base...)
		f.servfail["down.test."] = true
		ours := CheckHost(context.Background(), f, netip.MustParseAddr(c.ip), c.domain, c.sender, "")
		sender := c.sender
		if sender == "" {
			sender = "postmaster@" + c.domain
		}
		theirs, err := spf.CheckHostWithSender(net.ParseIP(c.ip), c.domain, sender,
			spf.WithResolver(blitiriResolver{lk: f}), spf.WithContext(context.Background()))
		if string(theirs) == string(ours.Result) {
			agree++
			continue
		}
		t.Errorf("%s: blitiri says %s (%v), we say %s (%s)", c.rule, theirs, err, ours.Result, ours.Reason)
	}
	t.Logf("%d cases, %d agree with blitiri", len(cases), agree)
}

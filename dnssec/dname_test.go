package dnssec

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// handZone is one signed zone served from hand-built answers: its KSK is
// the trust anchor, and answers maps "name/TYPE" to the response.
type handZone struct {
	t       *testing.T
	now     time.Time
	key     testKey
	answers map[string]*dns.Msg
}

func newHandZone(t *testing.T, zone string, now time.Time) *handZone {
	t.Helper()
	z := &handZone{t: t, now: now, key: newTestKey(t, zone, dns.ECDSAP256SHA256, 257), answers: map[string]*dns.Msg{}}
	keys := &dns.Msg{Answer: []dns.RR{z.key.pub}}
	keys.Answer = append(keys.Answer, z.sign(z.key.pub)...)
	z.answers[zone+"/DNSKEY"] = keys
	return z
}

// sign returns rrs (one RRset) followed by its RRSIG.
func (z *handZone) sign(rrs ...dns.RR) []dns.RR {
	z.t.Helper()
	return append(append([]dns.RR(nil), rrs...), z.key.sign(z.t, rrs, z.now.Add(-time.Hour), z.now.Add(24*time.Hour)))
}

// rrs parses records.
func (z *handZone) rrs(lines ...string) []dns.RR {
	z.t.Helper()
	var out []dns.RR
	for _, l := range lines {
		out = append(out, mustRR(z.t, l))
	}
	return out
}

func (z *handZone) answer(name string, qtype uint16, rcode int, answer, ns []dns.RR) {
	z.answers[name+"/"+dns.TypeToString[qtype]] = &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: rcode}, Answer: answer, Ns: ns}
}

func (z *handZone) resolver() *Resolver {
	z.t.Helper()
	r, err := NewResolver(Config{Upstreams: []string{"127.0.0.1:9"}, TrustAnchors: []dns.RR{z.key.pub}, Now: func() time.Time { return z.now }})
	if err != nil {
		z.t.Fatal(err)
	}
	r.skipProbe = true
	r.transport = func(_ context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
		m := new(dns.Msg)
		if a, ok := z.answers[name+"/"+dns.TypeToString[qtype]]; ok {
			m = a.Copy()
		} else {
			m.Rcode = dns.RcodeServerFailure
		}
		m.Question = []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}}
		m.Response, m.CheckingDisabled = true, true
		m.SetEdns0(1232, true)
		return m, nil
	}
	return r
}

// TestDNAMESynthesis: RFC 6672 §5.3.3: a signed DNAME validates, the unsigned CNAME
// synthesised from it is accepted only when it is exactly the synthesis
// (RFC 6672 §2.2) and needs no proof of its own (no DS or NSEC query for
// the synthesised owner is answered here: one would end Indeterminate), a
// CNAME that does not
// match is Bogus, and a DNAME loop ends at the CNAME-chain limit.
func TestDNAMESynthesis(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const zone = "example.test."
	for _, tc := range []struct {
		name   string
		qname  string
		setup  func(z *handZone)
		want   Security
		reason Reason
		answer int // records in the result's answer, -1: any
	}{
		{"synthesis matches", "www.old.example.test.", func(z *handZone) {
			ans := z.sign(z.rrs("old.example.test. 300 IN DNAME new.example.test.")...)
			ans = append(ans, z.rrs("www.old.example.test. 300 IN CNAME www.new.example.test.")...)
			ans = append(ans, z.sign(z.rrs("www.new.example.test. 300 IN A 192.0.2.1")...)...)
			z.answer("www.old.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
		}, Secure, ReasonNone, 2},
		{"synthesis matches, upper case in the CNAME", "www.old.example.test.", func(z *handZone) {
			ans := z.sign(z.rrs("old.example.test. 300 IN DNAME new.example.test.")...)
			ans = append(ans, z.rrs("WWW.old.example.test. 300 IN CNAME www.NEW.example.test.")...)
			ans = append(ans, z.sign(z.rrs("www.new.example.test. 300 IN A 192.0.2.1")...)...)
			z.answer("www.old.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
		}, Secure, ReasonNone, 2},
		{"no synthesised CNAME sent", "www.old.example.test.", func(z *handZone) {
			ans := z.sign(z.rrs("old.example.test. 300 IN DNAME new.example.test.")...)
			ans = append(ans, z.sign(z.rrs("www.new.example.test. 300 IN A 192.0.2.1")...)...)
			z.answer("www.old.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
		}, Secure, ReasonNone, 2},
		{"synthesised CNAME points elsewhere", "www.old.example.test.", func(z *handZone) {
			ans := z.sign(z.rrs("old.example.test. 300 IN DNAME new.example.test.")...)
			ans = append(ans, z.rrs("www.old.example.test. 300 IN CNAME evil.example.test.")...)
			ans = append(ans, z.sign(z.rrs("evil.example.test. 300 IN A 192.0.2.66")...)...)
			z.answer("www.old.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
		}, Bogus, ReasonDNAMEMismatch, -1},
		{"DNAME unsigned in a signed zone", "www.old.example.test.", func(z *handZone) {
			ans := z.rrs("old.example.test. 300 IN DNAME new.example.test.", "www.old.example.test. 300 IN CNAME www.new.example.test.")
			ans = append(ans, z.sign(z.rrs("www.new.example.test. 300 IN A 192.0.2.1")...)...)
			z.answer("www.old.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
			// The zone proves old.example.test. is no delegation.
			ns := z.sign(z.rrs("example.test. 300 IN SOA ns.example.test. h.example.test. 1 7200 3600 1209600 300")...)
			ns = append(ns, z.sign(z.rrs("old.example.test. 300 IN NSEC www.new.example.test. DNAME RRSIG NSEC")...)...)
			z.answer("old.example.test.", dns.TypeDS, dns.RcodeSuccess, nil, ns)
		}, Bogus, ReasonMissingRRSIG, -1},
		{"DNAME loop", "x.a.example.test.", func(z *handZone) {
			ans := z.sign(z.rrs("a.example.test. 300 IN DNAME b.example.test.")...)
			ans = append(ans, z.sign(z.rrs("b.example.test. 300 IN DNAME a.example.test.")...)...)
			z.answer("x.a.example.test.", dns.TypeA, dns.RcodeSuccess, ans, nil)
		}, Bogus, ReasonCNAMEChainTooLong, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := newHandZone(t, zone, now)
			tc.setup(z)
			res, err := z.resolver().Lookup(context.Background(), tc.qname, dns.TypeA)
			if err != nil {
				t.Fatal(err)
			}
			if res.Security != tc.want || res.Reason != tc.reason {
				t.Fatalf("got %s/%q (%s), want %s/%q", res.Security, res.Reason, res.Detail, tc.want, tc.reason)
			}
			if tc.answer >= 0 && len(res.Answer) != tc.answer {
				t.Errorf("answer %v, want %d records", res.Answer, tc.answer)
			}
		})
	}
}

// TestLiteralWildcardOwner: an RRset or NSEC whose owner is a wildcard
// name, asked for by that name, is not an expansion: its RRSIG's Labels
// excludes the "*" (RFC 4034 §3.1.3) and it verifies as is, without a
// proof that no closer name exists. An RRSIG whose Labels counts the "*"
// is invalid (RFC 4035 §5.3.1).
func TestLiteralWildcardOwner(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const zone = "example.test."
	soa := "example.test. 300 IN SOA ns.example.test. h.example.test. 1 7200 3600 1209600 300"
	for _, tc := range []struct {
		name  string
		qtype uint16
		setup func(z *handZone)
		want  Security
		rcode int
	}{
		{"TXT at *.example.test.", dns.TypeTXT, func(z *handZone) {
			z.answer("*.example.test.", dns.TypeTXT, dns.RcodeSuccess, z.sign(z.rrs(`*.example.test. 300 IN TXT "wild"`)...), nil)
		}, Secure, dns.RcodeSuccess},
		{"NODATA at *.example.test. from its own NSEC", dns.TypeAAAA, func(z *handZone) {
			ns := z.sign(z.rrs(soa)...)
			ns = append(ns, z.sign(z.rrs("*.example.test. 300 IN NSEC www.example.test. TXT RRSIG NSEC")...)...)
			z.answer("*.example.test.", dns.TypeAAAA, dns.RcodeSuccess, nil, ns)
		}, Secure, dns.RcodeSuccess},
		{"RRSIG Labels counting the *", dns.TypeTXT, func(z *handZone) {
			rrs := z.sign(z.rrs(`*.example.test. 300 IN TXT "wild"`)...)
			rrs[1].(*dns.RRSIG).Labels = 3
			z.answer("*.example.test.", dns.TypeTXT, dns.RcodeSuccess, rrs, nil)
		}, Bogus, dns.RcodeSuccess},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := newHandZone(t, zone, now)
			tc.setup(z)
			res, err := z.resolver().Lookup(context.Background(), "*.example.test.", tc.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if res.Security != tc.want || res.Rcode != tc.rcode {
				t.Fatalf("got %s/%q rcode %d (%s), want %s", res.Security, res.Reason, res.Rcode, res.Detail, tc.want)
			}
		})
	}
}

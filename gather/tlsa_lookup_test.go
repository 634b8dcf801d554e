package gather

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
)

// TestLookupTLSA checks the renewal gate's view of the DNS, with scripted
// answers: the DNS state, the owner name (CNAME rules of RFC 7672 §2.2.3)
// and the TTL senders may cache, or why nothing can be told.
func TestLookupTLSA(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	const host = "mx.example.org"
	withTTL := func(s *script, name string, qtype uint16, ttl time.Duration) {
		s.answers[key(name, qtype)].TTL = ttl
	}
	tests := []struct {
		name    string
		setup   func(s *script)
		state   tlsa.DNSState
		owner   string
		ttl     time.Duration
		records int
		err     error
	}{
		{"secure RRset", func(s *script) {
			s.answer(dnssec.Secure, host, dns.TypeA, host+". 300 IN A 192.0.2.1")
			s.answer(dnssec.Secure, "_25._tcp."+host, dns.TypeTLSA, "_25._tcp."+host+". 600 IN TLSA 3 1 1 "+digest)
			withTTL(s, "_25._tcp."+host, dns.TypeTLSA, 600*time.Second)
		}, tlsa.DNSSecure, "_25._tcp." + host + ".", 600 * time.Second, 1, nil},
		{"absent: the negative TTL", func(s *script) {
			s.answer(dnssec.Secure, host, dns.TypeA, host+". 300 IN A 192.0.2.1")
			s.answer(dnssec.Secure, "_25._tcp."+host, dns.TypeTLSA)
			withTTL(s, "_25._tcp."+host, dns.TypeTLSA, 900*time.Second)
		}, tlsa.DNSAbsent, "_25._tcp." + host + ".", 900 * time.Second, 0, nil},
		{"insecure addresses", func(s *script) {
			s.answer(dnssec.Insecure, host, dns.TypeA, host+". 300 IN A 192.0.2.1")
			s.answer(dnssec.Secure, "_25._tcp."+host, dns.TypeTLSA, "_25._tcp."+host+". 600 IN TLSA 3 1 1 "+digest)
		}, tlsa.DNSInsecure, "_25._tcp." + host + ".", 0, 0, nil},
		{"bogus TLSA", func(s *script) {
			s.answer(dnssec.Secure, host, dns.TypeA, host+". 300 IN A 192.0.2.1")
			s.answer(dnssec.Bogus, "_25._tcp."+host, dns.TypeTLSA, "_25._tcp."+host+". 600 IN TLSA 3 1 1 "+digest)
		}, tlsa.DNSBogus, "_25._tcp." + host + ".", 0, 0, nil},
		{"CNAME: the expanded name's RRset", func(s *script) {
			s.answer(dnssec.Secure, host, dns.TypeA, host+". 300 IN CNAME smtp.provider.example.", "smtp.provider.example. 300 IN A 192.0.2.1")
			s.answer(dnssec.Secure, "_25._tcp.smtp.provider.example", dns.TypeTLSA, "_25._tcp.smtp.provider.example. 60 IN TLSA 2 1 1 "+digest)
			withTTL(s, "_25._tcp.smtp.provider.example", dns.TypeTLSA, time.Minute)
		}, tlsa.DNSSecure, "_25._tcp.smtp.provider.example.", time.Minute, 1, nil},
		{"failed TLSA lookup", func(s *script) {
			s.answer(dnssec.Secure, host, dns.TypeA, host+". 300 IN A 192.0.2.1")
			s.errs = map[string]error{key("_25._tcp."+host, dns.TypeTLSA): errors.New("SERVFAIL")}
		}, "", "", 0, 0, ErrCannotTell},
		{"indeterminate addresses", func(s *script) {
			s.answer(dnssec.Indeterminate, host, dns.TypeA)
		}, "", "", 0, 0, ErrCannotTell},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{answers: map[string]*dnssec.Result{}}
			tc.setup(s)
			c := &Checker{Resolver: s, IPv4Only: true}
			h, err := c.LookupTLSA(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			p, err := h.Published(25)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || p.State != tc.state || p.Owner != tc.owner || len(p.Records) != tc.records {
				t.Fatalf("%+v, %v", p, err)
			}
			if got := p.TTL + p.NegativeTTL; got != tc.ttl {
				t.Errorf("TTL %s, negative %s, want %s", p.TTL, p.NegativeTTL, tc.ttl)
			}
		})
	}
	t.Run("no upstream", func(t *testing.T) {
		s := &script{errs: map[string]error{key(host, dns.TypeA): dnssec.ErrNoUpstream}}
		_, err := (&Checker{Resolver: s, IPv4Only: true}).LookupTLSA(context.Background(), host)
		if !errors.Is(err, dnssec.ErrNoUpstream) {
			t.Fatalf("error %v", err)
		}
	})
}

package gather

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// script is a Lookuper with scripted answers, so that the gatherer's DNS
// rules are tested without a network. Unscripted questions get a secure
// NXDOMAIN.
type script struct {
	mu      sync.Mutex
	answers map[string]*dnssec.Result
	errs    map[string]error
	asked   []string
}

func key(name string, qtype uint16) string {
	return strings.ToLower(dns.Fqdn(name)) + " " + dns.TypeToString[qtype]
}

func (s *script) Lookup(_ context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	k := key(name, qtype)
	s.mu.Lock()
	s.asked = append(s.asked, k)
	s.mu.Unlock()
	if err := s.errs[k]; err != nil {
		return &dnssec.Result{Name: dns.Fqdn(name), Type: qtype, Security: dnssec.Indeterminate}, err
	}
	if r, ok := s.answers[k]; ok {
		return r, nil
	}
	return &dnssec.Result{Name: dns.Fqdn(name), Type: qtype, Rcode: dns.RcodeNameError, Security: dnssec.Secure, Canonical: dns.Fqdn(name)}, nil
}

func (s *script) wasAsked(name string, qtype uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.asked {
		if k == key(name, qtype) {
			return true
		}
	}
	return false
}

// answer scripts a secure (or other) answer made of zone-file lines.
func (s *script) answer(sec dnssec.Security, name string, qtype uint16, lines ...string) {
	r := &dnssec.Result{Name: dns.Fqdn(name), Type: qtype, Security: sec, Canonical: dns.Fqdn(name)}
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", l, err))
		}
		r.Answer = append(r.Answer, rr)
		if c, ok := rr.(*dns.CNAME); ok {
			r.Canonical = c.Target
		}
	}
	if s.answers == nil {
		s.answers = map[string]*dnssec.Result{}
	}
	s.answers[key(name, qtype)] = r
}

// refused is a dialer that never touches the network.
func refused(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("connection refused (scripted)")
}

func scriptedChecker(s *script) *Checker {
	return &Checker{Resolver: s, Dial: refused, Timeout: 1e9}
}

// TestGatherRules checks the gatherer's DNS rules one by one, with
// scripted answers.
func TestGatherRules(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	t.Run("RFC 7505 null MX", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "null.example", dns.TypeMX, "null.example. 300 IN MX 0 .")
		r := scriptedChecker(s).Check(context.Background(), "null.example")
		if !r.NullMX || len(r.MX) != 0 || r.Status != delivery.StatusOK {
			t.Errorf("null MX: %+v", r)
		}
	})
	t.Run("RFC 7505 dot among other MX is skipped", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "mixed.example", dns.TypeMX, "mixed.example. 300 IN MX 0 .", "mixed.example. 300 IN MX 10 mx.mixed.example.")
		r := scriptedChecker(s).Check(context.Background(), "mixed.example")
		if r.NullMX || len(r.MX) != 1 || r.MX[0].Host != "mx.mixed.example" {
			t.Errorf("MX %+v", r.MX)
		}
	})
	t.Run("RFC 5321 5.1 preference order and duplicates", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "order.example", dns.TypeMX,
			"order.example. 300 IN MX 20 b.order.example.", "order.example. 300 IN MX 10 C.order.example.",
			"order.example. 300 IN MX 20 a.order.example.", "order.example. 300 IN MX 30 a.order.example.")
		r := scriptedChecker(s).Check(context.Background(), "order.example")
		var got []string
		for _, m := range r.MX {
			got = append(got, fmt.Sprintf("%d %s", m.Preference, m.Host))
		}
		if strings.Join(got, ",") != "10 c.order.example,20 a.order.example,20 b.order.example" {
			t.Errorf("order %v", got)
		}
	})
	t.Run("RFC 5321 5.1 implicit MX", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "implicit.example", dns.TypeMX)
		s.answer(dnssec.Secure, "implicit.example", dns.TypeA, "implicit.example. 300 IN A 192.0.2.1")
		r := scriptedChecker(s).Check(context.Background(), "implicit.example")
		if !r.ImplicitMX || len(r.MX) != 1 || r.MX[0].Host != "implicit.example" || len(r.MX[0].Addresses) != 1 {
			t.Errorf("implicit: %+v", r.MX)
		}
	})
	t.Run("RFC 7672 2.2.2 insecure addresses: no TLSA", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "ins.example", dns.TypeMX, "ins.example. 300 IN MX 10 mx.ins.example.")
		s.answer(dnssec.Insecure, "mx.ins.example", dns.TypeA, "mx.ins.example. 300 IN A 192.0.2.1")
		s.answer(dnssec.Secure, "_25._tcp.mx.ins.example", dns.TypeTLSA, "_25._tcp.mx.ins.example. 300 IN TLSA 3 1 1 "+digest)
		r := scriptedChecker(s).Check(context.Background(), "ins.example")
		if r.MX[0].TLSA != nil || r.DANE != delivery.DANENone {
			t.Errorf("TLSA %+v dane %s", r.MX[0].TLSA, r.DANE)
		}
	})
	t.Run("RFC 7672 2.2.3 CNAME: expanded name first", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "cn.example", dns.TypeMX, "cn.example. 300 IN MX 10 mx.cn.example.")
		s.answer(dnssec.Secure, "mx.cn.example", dns.TypeA, "mx.cn.example. 300 IN CNAME smtp.provider.example.", "smtp.provider.example. 300 IN A 192.0.2.2")
		s.answer(dnssec.Secure, "_25._tcp.smtp.provider.example", dns.TypeTLSA, "_25._tcp.smtp.provider.example. 300 IN TLSA 2 1 1 "+digest)
		s.answer(dnssec.Secure, "_25._tcp.mx.cn.example", dns.TypeTLSA, "_25._tcp.mx.cn.example. 300 IN TLSA 3 1 1 "+digest)
		r := scriptedChecker(s).Check(context.Background(), "cn.example")
		m := r.MX[0]
		if m.Canonical != "smtp.provider.example" || m.TLSA == nil || m.TLSA.BaseDomain != "smtp.provider.example" || m.TLSA.Records[0].Usage != 2 {
			t.Errorf("canonical %q TLSA %+v", m.Canonical, m.TLSA)
		}
		if m.ReferenceIDs[0] != "smtp.provider.example" {
			t.Errorf("reference IDs %v", m.ReferenceIDs)
		}
	})
	t.Run("RFC 7672 2.2.3 CNAME: original name when the expansion has none", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "cn2.example", dns.TypeMX, "cn2.example. 300 IN MX 10 mx.cn2.example.")
		s.answer(dnssec.Secure, "mx.cn2.example", dns.TypeA, "mx.cn2.example. 300 IN CNAME smtp.other.example.", "smtp.other.example. 300 IN A 192.0.2.3")
		s.answer(dnssec.Secure, "_25._tcp.mx.cn2.example", dns.TypeTLSA, "_25._tcp.mx.cn2.example. 300 IN TLSA 3 1 1 "+digest)
		r := scriptedChecker(s).Check(context.Background(), "cn2.example")
		m := r.MX[0]
		if !s.wasAsked("_25._tcp.smtp.other.example", dns.TypeTLSA) || m.TLSA == nil || m.TLSA.BaseDomain != "mx.cn2.example" || len(m.TLSA.Records) != 1 {
			t.Errorf("TLSA %+v", m.TLSA)
		}
	})
	t.Run("RFC 7672 2.1.1 failed TLSA at the expansion: unusable", func(t *testing.T) {
		s := &script{errs: map[string]error{key("_25._tcp.smtp.broken.example", dns.TypeTLSA): dnssec.ErrNoUpstream}}
		s.answer(dnssec.Secure, "cn3.example", dns.TypeMX, "cn3.example. 300 IN MX 10 mx.cn3.example.")
		s.answer(dnssec.Secure, "mx.cn3.example", dns.TypeA, "mx.cn3.example. 300 IN CNAME smtp.broken.example.", "smtp.broken.example. 300 IN A 192.0.2.4")
		r := scriptedChecker(s).Check(context.Background(), "cn3.example")
		if r.MX[0].DANEReason != delivery.ReasonTLSALookupFailed || r.Status != delivery.StatusCritical {
			t.Errorf("reason %s status %s", r.MX[0].DANEReason, r.Status)
		}
	})
	t.Run("RFC 7672 2.1.2 bogus addresses are not used", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "bg.example", dns.TypeMX, "bg.example. 300 IN MX 10 mx.bg.example.")
		s.answer(dnssec.Bogus, "mx.bg.example", dns.TypeA, "mx.bg.example. 300 IN A 192.0.2.5")
		r := scriptedChecker(s).Check(context.Background(), "bg.example")
		if len(r.MX[0].Addresses) != 0 || r.MX[0].DANEReason != delivery.ReasonAddressLookupBogus {
			t.Errorf("addresses %+v reason %s", r.MX[0].Addresses, r.MX[0].DANEReason)
		}
	})
	t.Run("no upstream answers: unknown", func(t *testing.T) {
		s := &script{errs: map[string]error{key("down.example", dns.TypeMX): fmt.Errorf("lookup: %w", dnssec.ErrNoUpstream)}}
		r := scriptedChecker(s).Check(context.Background(), "down.example")
		if r.Status != delivery.StatusUnknown || r.Error == "" {
			t.Errorf("status %s error %q", r.Status, r.Error)
		}
	})
	t.Run("unreachable addresses are probed and reported", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "un.example", dns.TypeMX, "un.example. 300 IN MX 10 mx.un.example.")
		s.answer(dnssec.Secure, "mx.un.example", dns.TypeA, "mx.un.example. 300 IN A 192.0.2.6")
		s.answer(dnssec.Secure, "mx.un.example", dns.TypeAAAA, "mx.un.example. 300 IN AAAA 2001:db8::6")
		r := scriptedChecker(s).Check(context.Background(), "un.example")
		a := r.MX[0].Addresses
		if len(a) != 2 || a[0].IP != "2001:db8::6" || a[0].Connected || a[0].ErrorStage != "connect" {
			t.Errorf("addresses %+v", a)
		}
	})
	t.Run("many MX hosts under a small Parallel bound", func(t *testing.T) {
		s := &script{}
		var mx []string
		for i := 0; i < 12; i++ {
			h := fmt.Sprintf("mx%d.many.example.", i)
			mx = append(mx, fmt.Sprintf("many.example. 300 IN MX %d %s", i, h))
			s.answer(dnssec.Secure, h, dns.TypeA, fmt.Sprintf("%s 300 IN A 192.0.2.%d", h, i+1), fmt.Sprintf("%s 300 IN A 198.51.100.%d", h, i+1))
		}
		s.answer(dnssec.Secure, "many.example", dns.TypeMX, mx...)
		c := scriptedChecker(s)
		c.Parallel = 2
		r := c.Check(context.Background(), "many.example")
		if len(r.MX) != 12 {
			t.Fatalf("%d MX", len(r.MX))
		}
		for _, m := range r.MX {
			if len(m.Addresses) != 2 || m.Addresses[0].ErrorStage != "connect" || m.Addresses[1].ErrorStage != "connect" {
				t.Errorf("%s: %+v", m.Host, m.Addresses)
			}
		}
	})
	t.Run("cancelled check is unknown", func(t *testing.T) {
		s := &script{}
		s.answer(dnssec.Secure, "cx.example", dns.TypeMX, "cx.example. 300 IN MX 10 mx.cx.example.")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := scriptedChecker(s).Check(ctx, "cx.example")
		if r.Status != delivery.StatusUnknown || !strings.Contains(r.Error, "cancelled") {
			t.Errorf("status %s error %q", r.Status, r.Error)
		}
	})
	t.Run("IDN domains go on the wire as A-labels", func(t *testing.T) {
		s := &script{}
		r := scriptedChecker(s).Check(context.Background(), "Bücher.Example.")
		if r.Domain != "xn--bcher-kva.example" || !s.wasAsked("xn--bcher-kva.example", dns.TypeMX) {
			t.Errorf("domain %q asked %v", r.Domain, s.asked)
		}
	})
}

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

// earlyScript is a script whose MX answer can be handed out before it is
// validated (like dnssec.Resolver.Fetch), and whose validated MX answer
// is held back until every speculative TLSA lookup has been answered: the
// order in which a cold resolver can deliver them.
type earlyScript struct {
	*script
	// early is the unvalidated MX message Fetch returns, earlyTXT the
	// _mta-sts TXT one.
	early, earlyTXT *dns.Msg
	// holdMX is closed when the validated MX answer may be returned.
	holdMX chan struct{}
	// tlsaWant is how many TLSA answers to wait for before releasing MX.
	tlsaWant int

	mu       sync.Mutex
	tlsaDone int
	fetches  int
}

func (e *earlyScript) Fetch(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
	e.mu.Lock()
	e.fetches++
	e.mu.Unlock()
	switch {
	case qtype == dns.TypeMX && e.early != nil:
		return e.early.Copy(), nil
	case qtype == dns.TypeTXT && e.earlyTXT != nil && strings.HasPrefix(strings.ToLower(name), "_mta-sts."):
		return e.earlyTXT.Copy(), nil
	}
	return nil, fmt.Errorf("no early answer for %s", name)
}

func (e *earlyScript) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	if qtype == dns.TypeMX && e.holdMX != nil {
		select {
		case <-e.holdMX:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	res, err := e.script.Lookup(ctx, name, qtype)
	if qtype == dns.TypeTLSA {
		e.mu.Lock()
		e.tlsaDone++
		if e.tlsaDone == e.tlsaWant && e.holdMX != nil {
			close(e.holdMX)
		}
		e.mu.Unlock()
	}
	return res, err
}

// lookups returns the questions asked so far.
func (s *script) lookups() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func mxMsg(t *testing.T, lines ...string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	return m
}

// TestSpeculationNeverReachesAVerdict: the MX answer names hosts whose
// secure TLSA and address answers all arrive before the MX answer is
// validated. When the validated MX RRset is bogus, or names other hosts,
// none of those answers may appear in the report or change its verdict
// (RFC 7672 §2.1.1: nothing is done with a bogus MX answer; §2.2: only
// the validated MX hosts are looked up). Each case is compared with the
// same check without speculation (a resolver without Fetch).
func TestSpeculationNeverReachesAVerdict(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	setup := func(mxSec dnssec.Security, validated []string) *script {
		s := &script{}
		s.answer(mxSec, "spec.example", dns.TypeMX, validated...)
		for _, h := range []string{"evil.attacker.example", "mx.spec.example"} {
			s.answer(dnssec.Secure, h, dns.TypeA, h+". 300 IN A 192.0.2.66")
			s.answer(dnssec.Secure, "_25._tcp."+h, dns.TypeTLSA, "_25._tcp."+h+". 300 IN TLSA 3 1 1 "+digest)
		}
		return s
	}
	early := []string{"spec.example. 300 IN MX 10 evil.attacker.example."}
	cases := []struct {
		name      string
		mxSec     dnssec.Security
		validated []string
	}{
		{"bogus MX", dnssec.Bogus, early},
		{"validated MX names another host", dnssec.Secure, []string{"spec.example. 300 IN MX 10 mx.spec.example."}},
		{"insecure MX", dnssec.Insecure, early},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// One host in the early answer: A, AAAA and TLSA, released
			// once the TLSA answer is in.
			e := &earlyScript{script: setup(c.mxSec, c.validated), early: mxMsg(t, early...), holdMX: make(chan struct{}), tlsaWant: 1}
			ck := &Checker{Resolver: e, Dial: refused, Timeout: 1e9}
			got := ck.Check(context.Background(), "spec.example")
			want := scriptedChecker(setup(c.mxSec, c.validated)).Check(context.Background(), "spec.example")

			if !e.wasAsked("_25._tcp.evil.attacker.example", dns.TypeTLSA) {
				t.Fatal("the speculative TLSA lookup was not made: the test proves nothing")
			}
			if got.Timings.Speculative != 3 {
				t.Errorf("speculative lookups %d, want 3 (A, AAAA, TLSA of one host)", got.Timings.Speculative)
			}
			usedEvil := c.mxSec != dnssec.Bogus && len(c.validated) == 1 && strings.Contains(c.validated[0], "evil")
			if !usedEvil && got.Timings.Discarded != 3 {
				t.Errorf("discarded %d of %d, want all", got.Timings.Discarded, got.Timings.Speculative)
			}
			for _, m := range got.MX {
				if m.Host == "evil.attacker.example" && !usedEvil {
					t.Errorf("the unvalidated MX host is in the report: %+v", m)
				}
			}
			if c.mxSec == dnssec.Bogus && (len(got.MX) != 0 || got.Outcome.DANE.Action != delivery.Defer) {
				t.Errorf("bogus MX: %d hosts, DANE sender %s; want none and defer", len(got.MX), got.Outcome.DANE.Action)
			}
			if got.Status != want.Status || got.DANE != want.DANE || got.Outcome != want.Outcome || got.Summary != want.Summary {
				t.Errorf("with speculation: %s %s %+v %q\nwithout:           %s %s %+v %q",
					got.Status, got.DANE, got.Outcome, got.Summary, want.Status, want.DANE, want.Outcome, want.Summary)
			}
			if fmt.Sprint(got.Failures) != fmt.Sprint(want.Failures) {
				t.Errorf("failures with speculation %v, without %v", got.Failures, want.Failures)
			}
		})
	}
}

// TestSpeculationUsed: when the validated MX RRset names the hosts of the
// early answer, their speculative lookups are used (not asked twice) and
// the verdict is the one without speculation.
func TestSpeculationUsed(t *testing.T) {
	digest := strings.Repeat("cd", 32)
	setup := func() *script {
		s := &script{}
		s.answer(dnssec.Secure, "used.example", dns.TypeMX, "used.example. 300 IN MX 10 mx1.used.example.", "used.example. 300 IN MX 20 mx2.used.example.")
		for _, h := range []string{"mx1.used.example", "mx2.used.example"} {
			s.answer(dnssec.Secure, h, dns.TypeA, h+". 300 IN A 192.0.2.7")
			s.answer(dnssec.Secure, "_25._tcp."+h, dns.TypeTLSA, "_25._tcp."+h+". 300 IN TLSA 3 1 1 "+digest)
		}
		return s
	}
	e := &earlyScript{script: setup(), holdMX: make(chan struct{}), tlsaWant: 2,
		early: mxMsg(t, "used.example. 300 IN MX 20 mx2.used.example.", "used.example. 300 IN MX 10 mx1.used.example.")}
	got := (&Checker{Resolver: e, Dial: refused, Timeout: 1e9}).Check(context.Background(), "used.example")
	want0 := setup()
	want := scriptedChecker(want0).Check(context.Background(), "used.example")
	if got.Timings.Speculative != 6 || got.Timings.Discarded != 0 {
		t.Errorf("speculative %d, discarded %d; want 6 and 0", got.Timings.Speculative, got.Timings.Discarded)
	}
	// No lookup more than without speculation: the speculative answers
	// are used, not asked again.
	if n, m := len(e.script.lookups()), len(want0.lookups()); n != m {
		t.Errorf("%d lookups with speculation, %d without", n, m)
	}
	if got.Status != want.Status || got.DANE != want.DANE || len(got.MX) != 2 || got.MX[0].TLSA == nil || len(got.MX[0].TLSA.Records) != 1 {
		t.Errorf("got %s %s %+v, want %s %s", got.Status, got.DANE, got.MX, want.Status, want.DANE)
	}
}

// TestSpeculationBounded: an MX answer with 300 targets starts the lookups
// of MaxSpeculativeHosts hosts only.
func TestSpeculationBounded(t *testing.T) {
	var lines []string
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("many.example. 300 IN MX %d mx%d.many.example.", i, i))
	}
	s := &script{}
	s.answer(dnssec.Bogus, "many.example", dns.TypeMX, lines...)
	e := &earlyScript{script: s, early: mxMsg(t, lines...), holdMX: make(chan struct{}), tlsaWant: MaxSpeculativeHosts}
	r := (&Checker{Resolver: e, Dial: refused, Timeout: 1e9}).Check(context.Background(), "many.example")
	plain := &script{answers: s.answers}
	scriptedChecker(plain).Check(context.Background(), "many.example")
	if r.Timings.Speculative != 3*MaxSpeculativeHosts || r.Timings.Discarded != r.Timings.Speculative {
		t.Errorf("speculative %d, discarded %d; want %d, all", r.Timings.Speculative, r.Timings.Discarded, 3*MaxSpeculativeHosts)
	}
	// At most the speculative lookups more than without speculation.
	if n, m := len(e.script.lookups()), len(plain.lookups()); n > m+3*MaxSpeculativeHosts {
		t.Errorf("%d lookups with speculation, %d without", n, m)
	}
}

// TestPolicySpeculation: an unvalidated _mta-sts answer with a v=STSv1
// record starts the policy host's lookups early; when the validated
// record is bogus the policy is never fetched (RFC 8461 §3.3 and §3.1:
// no policy without a valid record), the lookups are counted as
// discarded, and the verdict is the one without speculation.
func TestPolicySpeculation(t *testing.T) {
	for _, sec := range []dnssec.Security{dnssec.Bogus, dnssec.Secure} {
		t.Run(sec.String(), func(t *testing.T) {
			setup := func() *script {
				s := &script{}
				s.answer(dnssec.Secure, "pol.example", dns.TypeMX, "pol.example. 300 IN MX 10 mx.pol.example.")
				s.answer(sec, "_mta-sts.pol.example", dns.TypeTXT, `_mta-sts.pol.example. 300 IN TXT "v=STSv1; id=1"`)
				s.answer(dnssec.Secure, "mta-sts.pol.example", dns.TypeA, "mta-sts.pol.example. 300 IN A 192.0.2.80")
				return s
			}
			var dials sync.Mutex
			dialed := []string{}
			dial := func(_ context.Context, _, addr string) (net.Conn, error) {
				dials.Lock()
				dialed = append(dialed, addr)
				dials.Unlock()
				return nil, errors.New("connection refused (scripted)")
			}
			e := &earlyScript{script: setup(), earlyTXT: mxMsg(t, `_mta-sts.pol.example. 300 IN TXT "v=STSv1; id=1"`)}
			got := (&Checker{Resolver: e, Dial: dial, Timeout: 1e9}).Check(context.Background(), "pol.example")
			want := scriptedChecker(setup()).Check(context.Background(), "pol.example")
			if !e.wasAsked("mta-sts.pol.example", dns.TypeA) || !e.wasAsked("mta-sts.pol.example", dns.TypeAAAA) {
				t.Fatal("the policy host was not looked up early: the test proves nothing")
			}
			policyDials := 0
			for _, a := range dialed {
				if strings.HasPrefix(a, "192.0.2.80:") {
					policyDials++
				}
			}
			if sec == dnssec.Bogus {
				if policyDials != 0 {
					t.Errorf("the policy host was contacted (%v) although the record is bogus", dialed)
				}
				if got.Timings.Discarded != 2 {
					t.Errorf("discarded %d, want the 2 policy host lookups", got.Timings.Discarded)
				}
			} else if policyDials == 0 {
				t.Errorf("valid record, but no policy fetch (%v)", dialed)
			}
			if got.Status != want.Status || got.MTASTS.Result != want.MTASTS.Result || got.MTASTS.FetchError != want.MTASTS.FetchError || got.Outcome != want.Outcome {
				t.Errorf("with speculation %s %+v %+v\nwithout           %s %+v %+v", got.Status, got.MTASTS, got.Outcome, want.Status, want.MTASTS, want.Outcome)
			}
		})
	}
}

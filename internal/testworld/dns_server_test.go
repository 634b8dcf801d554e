package testworld

import (
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestStartDNSFast keeps starting a world cheap: many tests start one.
func TestStartDNSFast(t *testing.T) {
	start := time.Now()
	d := startWorld(t, DNSOptions{})
	took := time.Since(start)
	t.Logf("StartDNS took %v for %d zones", took, len(d.Zones()))
	// Generous for a loaded CI machine; typically 30-60 ms.
	if took > 2*time.Second {
		t.Errorf("StartDNS took %v", took)
	}
	if !strings.HasPrefix(d.Addr(), "127.0.0.1:") {
		t.Errorf("Addr %q not on loopback", d.Addr())
	}
}

// TestEDNSAndDO checks the EDNS0 rules (RFC 6891, RFC 3225, RFC 4035
// §3.2.1): the OPT record and the DO bit are echoed; without DO no
// DNSSEC records are added except the type asked for.
func TestEDNSAndDO(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	for _, c := range []struct {
		name     string
		q        query
		qname    string
		qtype    uint16
		wantOPT  bool
		wantDO   bool
		wantSigs bool
	}{
		{"do", query{tcp: true}, "www.alg13.test.", dns.TypeA, true, true, true},
		{"edns without do", query{tcp: true, noDO: true}, "www.alg13.test.", dns.TypeA, true, false, false},
		{"no edns", query{tcp: true, noEDNS: true}, "www.alg13.test.", dns.TypeA, false, false, false},
		{"nxdomain without do", query{tcp: true, noDO: true}, "nope.nsec.test.", dns.TypeA, true, false, false},
		{"ds asked without do", query{tcp: true, noDO: true}, "alg13.test.", dns.TypeDS, true, false, false},
		{"udp do", query{}, "www.alg13.test.", dns.TypeA, true, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ask(t, d, c.qname, c.qtype, c.q)
			opt := r.IsEdns0()
			if (opt != nil) != c.wantOPT {
				t.Fatalf("OPT present = %v, want %v", opt != nil, c.wantOPT)
			}
			if opt != nil && opt.Do() != c.wantDO {
				t.Errorf("DO = %v, want %v", opt.Do(), c.wantDO)
			}
			if !r.CheckingDisabled || !r.RecursionAvailable || !r.Response {
				t.Errorf("flags: CD %v RA %v QR %v", r.CheckingDisabled, r.RecursionAvailable, r.Response)
			}
			dnssecRRs := 0
			for _, rr := range append(append([]dns.RR{}, r.Answer...), r.Ns...) {
				switch rr.Header().Rrtype {
				case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3:
					dnssecRRs++
				}
			}
			if (dnssecRRs > 0) != c.wantSigs {
				t.Errorf("%d DNSSEC records, want some = %v\n%v", dnssecRRs, c.wantSigs, r)
			}
			if c.qtype == dns.TypeDS && len(rrsOf(r.Answer, dns.TypeDS)) == 0 {
				t.Errorf("DS asked for but not returned\n%v", r)
			}
		})
	}
}

// TestTruncation checks that responses larger than the requester's UDP
// buffer come back with TC set (RFC 1035 §4.2.1, RFC 6891 §6.2.5) and in
// full over TCP.
func TestTruncation(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	// The KeyTrap zone's DNSKEY RRset is several kilobytes.
	big := "keytrap.test."
	for _, c := range []struct {
		name   string
		q      query
		wantTC bool
	}{
		{"udp no edns", query{noEDNS: true}, true},
		{"udp 1232", query{bufsize: 1232}, true},
		{"udp 512 floor", query{bufsize: 100}, true},
		{"udp 65000", query{bufsize: 65000}, false},
		{"tcp", query{tcp: true}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ask(t, d, big, dns.TypeDNSKEY, c.q)
			if r.Truncated != c.wantTC {
				t.Fatalf("TC = %v, want %v", r.Truncated, c.wantTC)
			}
			if c.wantTC && (len(r.Answer) != 0 || len(r.Question) != 1) {
				t.Errorf("truncated response keeps %d answers, %d questions", len(r.Answer), len(r.Question))
			}
			if !c.wantTC && len(rrsOf(r.Answer, dns.TypeDNSKEY)) != keyTrapKeys+2 {
				t.Errorf("%d DNSKEYs, want %d", len(rrsOf(r.Answer, dns.TypeDNSKEY)), keyTrapKeys+2)
			}
		})
	}
	// A small answer fits in 512 octets without EDNS.
	if r := ask(t, d, "www.alg13.test.", dns.TypeA, query{noEDNS: true}); r.Truncated || len(r.Answer) != 1 {
		t.Errorf("small answer truncated or empty\n%v", r)
	}
}

// TestUpstreamFaults checks the server-wide fault modes.
func TestUpstreamFaults(t *testing.T) {
	t.Run("DropEDNS", func(t *testing.T) {
		d := startWorld(t, DNSOptions{DropEDNS: true})
		r := ask(t, d, "www.alg13.test.", dns.TypeA, query{tcp: true})
		if r.Rcode != dns.RcodeFormatError || r.IsEdns0() != nil {
			t.Errorf("with EDNS: rcode %s, OPT %v; want FORMERR without OPT", dns.RcodeToString[r.Rcode], r.IsEdns0())
		}
		r = ask(t, d, "www.alg13.test.", dns.TypeA, query{noEDNS: true})
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			t.Errorf("without EDNS: rcode %s, %d answers", dns.RcodeToString[r.Rcode], len(r.Answer))
		}
	})
	t.Run("StripDNSSEC", func(t *testing.T) {
		d := startWorld(t, DNSOptions{StripDNSSEC: true})
		for _, q := range []struct {
			name  string
			qtype uint16
		}{{"www.alg13.test.", dns.TypeA}, {"nope.nsec3.test.", dns.TypeA}, {"alg13.test.", dns.TypeDS}, {".", dns.TypeDNSKEY}} {
			r := askTCP(t, d, q.name, q.qtype)
			for _, rr := range append(append([]dns.RR{}, r.Answer...), r.Ns...) {
				switch rr.Header().Rrtype {
				case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeDS:
					t.Errorf("%s: DNSSEC record kept: %v", q.name, rr)
				}
			}
		}
		if r := askTCP(t, d, ".", dns.TypeDNSKEY); len(rrsOf(r.Answer, dns.TypeDNSKEY)) == 0 {
			t.Error("DNSKEYs stripped too")
		}
	})
	t.Run("IgnoreCD", func(t *testing.T) {
		d := startWorld(t, DNSOptions{IgnoreCD: true})
		for _, s := range DNSScenarios() {
			r := askTCP(t, d, s.Qname, s.Qtype)
			want := s.Rcode
			if s.Security == "bogus" {
				want = dns.RcodeServerFailure
			}
			if r.Rcode != want {
				t.Errorf("%s: rcode %s, want %s", s.Name, dns.RcodeToString[r.Rcode], dns.RcodeToString[want])
			}
		}
	})
}

// TestDelayAndCounter checks the injected delay, SetDelay, and the query
// counter.
func TestDelayAndCounter(t *testing.T) {
	d := startWorld(t, DNSOptions{Delay: 40 * time.Millisecond})
	before := d.Queries()
	start := time.Now()
	askTCP(t, d, "www.alg13.test.", dns.TypeA)
	if took := time.Since(start); took < 40*time.Millisecond {
		t.Errorf("response after %v, want at least 40ms", took)
	}
	d.SetDelay(0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ask(t, d, "www.alg8.test.", dns.TypeA, query{})
		}()
	}
	wg.Wait()
	if got := d.Queries() - before; got != 9 {
		t.Errorf("Queries counted %d, want 9", got)
	}
	// Parallel queries are answered in parallel, not one delay after
	// another.
	d.SetDelay(300 * time.Millisecond)
	start = time.Now()
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ask(t, d, "www.alg8.test.", dns.TypeA, query{})
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("5 parallel delayed queries took %v", took)
	}
}

// TestCloseCutsDelay checks that Close does not wait out long delays and
// that it can be called twice.
func TestCloseCutsDelay(t *testing.T) {
	d, err := StartDNS(DNSOptions{Delay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c := &dns.Client{Net: "udp", Timeout: 3 * time.Second}
		m := new(dns.Msg)
		m.SetQuestion("www.alg13.test.", dns.TypeA)
		_, _, _ = c.Exchange(m, d.Addr())
	}()
	for d.Queries() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v", took)
	}
	if _, err := net.DialTimeout("tcp", d.Addr(), time.Second); err == nil {
		t.Error("TCP still accepting after Close")
	}
}

// TestTrustAnchors checks that the anchors match the root's KSK and that
// the file round-trips through the zone-file parser.
func TestTrustAnchors(t *testing.T) {
	d := startWorld(t, DNSOptions{})
	tas := d.TrustAnchors()
	if len(tas) != 1 || tas[0].DigestType != dns.SHA256 || tas[0].Hdr.Name != "." {
		t.Fatalf("anchors %v", tas)
	}
	r := askTCP(t, d, ".", dns.TypeDNSKEY)
	matched := false
	for _, rr := range rrsOf(r.Answer, dns.TypeDNSKEY) {
		k := rr.(*dns.DNSKEY)
		if ds := k.ToDS(dns.SHA256); ds != nil && strings.EqualFold(ds.Digest, tas[0].Digest) {
			matched = k.Flags == flagKSK
		}
	}
	if !matched {
		t.Fatal("anchor matches no root KSK")
	}
	path, err := d.TrustAnchorFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zp := dns.NewZoneParser(f, ".", path)
	var got []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		got = append(got, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String() != tas[0].String() {
		t.Errorf("file holds %v, want %v", got, tas)
	}
	if _, err := d.TrustAnchorFile("/nonexistent/dir"); err == nil {
		t.Error("writing to a missing directory succeeded")
	}
	// Two worlds have different root keys.
	other := startWorld(t, DNSOptions{})
	if other.TrustAnchors()[0].Digest == tas[0].Digest {
		t.Error("two worlds share a root key")
	}
}

// TestExtraZones checks that later work can add zones: under the test
// TLD, under a new TLD (delegated from the root), replacing a built-in
// zone, unsigned, and with NSEC3; each validates from the trust anchor.
func TestExtraZones(t *testing.T) {
	d := startWorld(t, DNSOptions{Zones: []ZoneSpec{
		{Origin: "mail.test.", Records: []string{
			"mail.test. 300 IN MX 10 mx.mail.test.",
			"mx.mail.test. 300 IN A 127.0.0.10",
			"mx.mail.test. 300 IN AAAA ::1",
			"_25._tcp.mx.mail.test. 300 IN TLSA 3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d",
			"_mta-sts.mail.test. 300 IN TXT \"v=STSv1; id=1\"",
		}},
		{Origin: "example.", NSEC3: &NSEC3Params{}, Records: []string{"www.example. 300 IN A 192.0.2.7"}},
		{Origin: "alg13.test.", Algorithm: dns.ED25519, Records: []string{"www.alg13.test. 300 IN A 192.0.2.99"}},
		{Origin: "plain.test.", Unsigned: true, Records: []string{"www.plain.test. 300 IN A 192.0.2.8"}},
	}})
	v := newVerifier(t, d)
	for _, c := range []struct {
		name  string
		qtype uint16
		want  string
	}{
		{"mail.test.", dns.TypeMX, "mx.mail.test."},
		{"_25._tcp.mx.mail.test.", dns.TypeTLSA, "8d02536c"},
		{"_mta-sts.mail.test.", dns.TypeTXT, "v=STSv1"},
		{"mx.mail.test.", dns.TypeAAAA, "::1"},
		{"www.example.", dns.TypeA, "192.0.2.7"},
		{"www.alg13.test.", dns.TypeA, "192.0.2.99"},
	} {
		r := askTCP(t, d, c.name, c.qtype)
		if len(r.Answer) == 0 || !strings.Contains(r.Answer[0].String(), c.want) {
			t.Errorf("%s: answer %v, want %q", c.name, r.Answer, c.want)
			continue
		}
		if err := v.verifyAll(r.Answer); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if sig := sigsFor(askTCP(t, d, "www.alg13.test.", dns.TypeA).Answer, "www.alg13.test.", dns.TypeA); len(sig) == 0 || sig[0].Algorithm != dns.ED25519 {
		t.Errorf("replaced zone not signed with its own algorithm: %v", sig)
	}
	r := askTCP(t, d, "www.plain.test.", dns.TypeA)
	if len(r.Answer) != 1 {
		t.Errorf("unsigned extra zone: %v", r)
	}
	ds := askTCP(t, d, "plain.test.", dns.TypeDS)
	checkNoDSProof(t, "plain.test.", ds)
	nx := askTCP(t, d, "nope.example.", dns.TypeA)
	if nx.Rcode != dns.RcodeNameError {
		t.Fatalf("nope.example.: %v", nx)
	}
	checkNXDOMAINProof(t, "nope.example.", nil, rrsOf(nx.Ns, dns.TypeNSEC3))
	// A name under a TLD the world does not have: NXDOMAIN from the root.
	nx = askTCP(t, d, "www.invalid.", dns.TypeA)
	if nx.Rcode != dns.RcodeNameError {
		t.Fatalf("www.invalid.: %v", nx)
	}
	checkNXDOMAINProof(t, "www.invalid.", rrsOf(nx.Ns, dns.TypeNSEC), nil)
	if err := v.verifyAll(nx.Ns); err != nil {
		t.Error(err)
	}
}

// TestOddQuestions checks answers to questions a resolver seldom asks.
func TestOddQuestions(t *testing.T) {
	d := startWorld(t, DNSOptions{Zones: []ZoneSpec{{Origin: "loop.test.", Records: []string{
		"a.loop.test. 300 IN CNAME b.loop.test.",
		"b.loop.test. 300 IN CNAME a.loop.test.",
		"lame.loop.test. 300 IN NS ns.elsewhere.",
	}}}})
	r := askTCP(t, d, "a.loop.test.", dns.TypeA)
	if r.Rcode != dns.RcodeSuccess || len(rrsOf(r.Answer, dns.TypeCNAME)) != 2 {
		t.Errorf("CNAME loop: %v", r)
	}
	if r := askTCP(t, d, "x.lame.loop.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("delegation to a zone the world lacks: %s", dns.RcodeToString[r.Rcode])
	}
	if r := askTCP(t, d, "lame.loop.test.", dns.TypeDS); r.Rcode != dns.RcodeSuccess || len(rrsOf(r.Ns, dns.TypeNSEC)) == 0 {
		t.Errorf("DS at a lame delegation: %v", r)
	}
	if r := askTCP(t, d, "WWW.ALG13.TEST.", dns.TypeA); len(r.Answer) != 2 {
		t.Errorf("upper-case question: %v", r)
	}
	if r := askTCP(t, d, "www.alg13.test.", dns.TypeANY); len(rrsOf(r.Answer, dns.TypeA)) != 1 {
		t.Errorf("ANY: %v", r)
	}
	m := new(dns.Msg)
	m.SetQuestion("www.alg13.test.", dns.TypeA)
	m.Question[0].Qclass = dns.ClassCHAOS
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	if r, _, err := c.Exchange(m, d.Addr()); err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("CHAOS class: %v %v", r, err)
	}
	m = new(dns.Msg)
	m.SetQuestion("www.alg13.test.", dns.TypeA)
	m.SetEdns0(1232, true)
	m.IsEdns0().SetVersion(1)
	if r, _, err := c.Exchange(m, d.Addr()); err != nil || r.Rcode != dns.RcodeBadVers {
		t.Errorf("EDNS version 1: %v %v", r, err)
	}
	m = new(dns.Msg)
	m.SetQuestion("loop.test.", dns.TypeAXFR)
	if r, _, err := c.Exchange(m, d.Addr()); err != nil || r.Rcode != dns.RcodeNotImplemented {
		t.Errorf("AXFR: %v %v", r, err)
	}
}

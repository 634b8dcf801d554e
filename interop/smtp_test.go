package interop

import (
	"context"
	"crypto/x509"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/smtpprobe"
	"github.com/daneprobe/daneprobe/tlsa"
)

// smtpAnswers are the observations for one SMTP scenario.
type smtpAnswers struct {
	direct    *delivery.DomainReport // smtpprobe + tlsa facts, delivery.Decide verdicts
	directErr error
	checker   *delivery.DomainReport // gather.Checker, the engine of "daneprobe check"
	finger    postfinger
	fingerOut string
	fingerErr error
}

// testSMTP runs every SMTP scenario against its Postfix listener three
// ways, and each must give the RFC 7672 verdict of the scenario table:
//
//   - daneprobe: the facts gathered here with daneprobe's packages
//     (validated MX, A and _25._tcp TLSA lookups through Unbound, an
//     smtpprobe session, tlsa.Verify) and decided by delivery.Decide;
//   - checker: gather.Checker, the engine of "daneprobe check", which
//     gathers the same facts itself (TLSA at _PORT._tcp);
//   - posttls-finger -l dane, resolving through Unbound.
func testSMTP(t *testing.T, w *world) {
	w.needPostfix(t)
	r := w.resolver(t)
	finger := newFingerprinter(t, w)
	answers := make([]smtpAnswers, len(w.smtp.scenarios))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, s := range w.smtp.scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			a := &answers[i]
			a.direct, a.directErr = gatherDirect(ctx, r, s)
			// The Checker probes the scenario's port and, as it must for
			// a port other than 25, asks for TLSA at _PORT._tcp: the
			// wildcard *._tcp records answer, so this also exercises
			// wildcard-expanded TLSA RRsets.
			c := &gather.Checker{Resolver: r, Port: s.port, EHLOName: "probe.interop",
				Timeout: 5 * time.Second, Deadline: 25 * time.Second}
			a.checker = c.Check(ctx, s.domain)
			if finger.err == nil {
				a.finger, a.fingerOut, a.fingerErr = finger.run(ctx, s)
			}
		}()
	}
	wg.Wait()
	for i, s := range w.smtp.scenarios {
		a := answers[i]
		t.Run(strings.TrimSuffix(s.domain, "."), func(t *testing.T) {
			t.Run("daneprobe", func(t *testing.T) {
				if a.directErr != nil {
					t.Fatal(a.directErr)
				}
				checkMXVerdict(t, s, a.direct)
			})
			t.Run("checker", func(t *testing.T) {
				if a.checker.Error != "" {
					t.Fatalf("check did not complete: %s", a.checker.Error)
				}
				checkMXVerdict(t, s, a.checker)
			})
			t.Run("posttls-finger", func(t *testing.T) {
				if finger.err != nil {
					finger.unavailable(t)
				}
				if a.fingerErr != nil {
					t.Fatalf("posttls-finger: %v\n%s", a.fingerErr, a.fingerOut)
				}
				if a.finger != s.finger {
					t.Errorf("posttls-finger -l dane: %s, want %s; output:\n%s", a.finger, s.finger, a.fingerOut)
				}
			})
		})
	}
}

// checkMXVerdict compares the MX-level DANE verdict of a report with the
// scenario table.
func checkMXVerdict(t *testing.T, s *smtpScenario, rep *delivery.DomainReport) {
	t.Helper()
	if len(rep.MX) != 1 {
		t.Fatalf("report has %d MX hosts, want 1 (%s): %+v", len(rep.MX), rep.Error, rep.MXLookup)
	}
	m := rep.MX[0]
	if m.DANE != s.want || m.DANEReason != s.reason {
		var addr string
		if len(m.Addresses) > 0 {
			a := m.Addresses[0]
			addr = a.IP + " " + string(a.DANE) + " " + string(a.DANEReason) + " " + a.Error
		}
		t.Errorf("MX %s: DANE %s (%s), want %s (%s); TLSA %+v; address %s", m.Host, m.DANE, m.DANEReason, s.want, s.reason, m.TLSA, addr)
	}
}

// gatherDirect gathers the facts about one scenario domain with
// daneprobe's packages, as "daneprobe check" does, and decides them with
// delivery.Decide. The SMTP session goes to the scenario's listener port;
// the TLSA records are the ones at _25._tcp.
func gatherDirect(ctx context.Context, r *dnssec.Resolver, s *smtpScenario) (*delivery.DomainReport, error) {
	rep := &delivery.DomainReport{Domain: strings.TrimSuffix(s.domain, "."), CheckedAt: time.Now()}
	mxRes, err := r.Lookup(ctx, s.domain, dns.TypeMX)
	rep.MXLookup = delivery.LookupOf(mxRes, err)
	if err != nil {
		return nil, err
	}
	for _, rr := range mxRes.Answer {
		mx, ok := rr.(*dns.MX)
		if !ok {
			continue
		}
		rep.MX = append(rep.MX, gatherMX(ctx, r, s, rep.Domain, mxRes.Security == dnssec.Secure, mx))
	}
	delivery.Decide(rep)
	return rep, nil
}

func gatherMX(ctx context.Context, r *dnssec.Resolver, s *smtpScenario, domain string, mxSecure bool, mx *dns.MX) delivery.MXReport {
	host := strings.ToLower(mx.Mx)
	m := delivery.MXReport{Host: strings.TrimSuffix(host, "."), Preference: mx.Preference}
	aRes, err := r.Lookup(ctx, host, dns.TypeA)
	la := delivery.LookupOf(aRes, err)
	m.A = &la
	var addrs []netip.Addr
	if aRes != nil {
		for _, rr := range aRes.Answer {
			if a, ok := rr.(*dns.A); ok {
				if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
					addrs = append(addrs, ip)
				}
			}
		}
	}
	// RFC 7672 §2.2.2: TLSA records count only when the address records
	// are secure.
	var records []tlsa.Record
	base := m.Host
	if aRes != nil && aRes.Security == dnssec.Secure {
		// RFC 7672 §2.2.3: for an alias, the TLSA records of the
		// (secure) CNAME target come first; without any there, those of
		// the MX host name. The name where they are found is the TLSA
		// base domain.
		names := []string{host}
		if c := strings.ToLower(aRes.Canonical); c != "" && c != host {
			names = []string{c, host}
			m.Canonical = strings.TrimSuffix(c, ".")
		}
		for _, name := range names {
			owner := tlsa.Owner(name, 25)
			tRes, err := r.Lookup(ctx, owner, dns.TypeTLSA)
			tr := &delivery.TLSAReport{Name: strings.TrimSuffix(owner, "."), BaseDomain: strings.TrimSuffix(name, "."), Lookup: delivery.LookupOf(tRes, err)}
			var rrs []*dns.TLSA
			if tRes != nil {
				for _, rr := range tRes.Answer {
					if t, ok := rr.(*dns.TLSA); ok {
						rrs = append(rrs, t)
						tr.Records = append(tr.Records, delivery.TLSARecord{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: strings.ToLower(t.Certificate)})
					}
				}
			}
			m.TLSA, base = tr, tr.BaseDomain
			if tRes == nil || tRes.Security != dnssec.Secure || len(rrs) > 0 {
				if tRes != nil && tRes.Security == dnssec.Secure {
					records = tlsa.FromDNS(rrs)
				}
				break // found, or not securely denied: no fallback
			}
		}
	}
	m.ReferenceIDs = delivery.ReferenceIDs(domain, m.Host, base, mxSecure, false)
	p := smtpprobe.Prober{
		Timeouts: smtpprobe.Timeouts{Connect: 3 * time.Second, Banner: 5 * time.Second, EHLO: 5 * time.Second,
			STARTTLS: 5 * time.Second, Handshake: 5 * time.Second, Quit: 2 * time.Second},
		EHLOName: "probe.interop",
	}
	for _, ip := range addrs {
		// Every MX host of the world is 127.0.0.1; the scenario's
		// listener port tells them apart.
		res, _ := p.Probe(ctx, smtpprobe.Target{Host: m.Host, Addr: ip, Port: uint16(s.port), SNI: base})
		m.Addresses = append(m.Addresses, addressReport(res, records, m.ReferenceIDs))
	}
	return m
}

// addressReport turns a probe result and the TLSA match into the facts
// delivery.Decide reads.
func addressReport(res *smtpprobe.Result, records []tlsa.Record, names []string) delivery.AddressReport {
	a := delivery.AddressReport{
		IP:         res.Addr.Addr().String(),
		Connected:  res.BannerCode == 220,
		Banner:     res.Banner,
		STARTTLS:   res.STARTTLSAdvertised,
		Error:      res.Error,
		ErrorStage: string(res.FailedStep),
	}
	hs, ok := res.Step(smtpprobe.StepHandshake)
	if !ok || hs.Outcome != smtpprobe.OutcomeOK || res.TLS == nil {
		return a
	}
	a.TLSVersion, a.CipherSuite = res.TLS.VersionName, res.TLS.CipherName
	var certs []*x509.Certificate
	for _, c := range res.TLS.Certificates {
		a.Chain = append(a.Chain, delivery.CertificateOf(c))
		certs = append(certs, c)
	}
	if len(records) == 0 {
		return a
	}
	v := tlsa.Verify(records, certs, tlsa.Options{Names: names})
	m := &delivery.Match{Matched: v.Verdict == tlsa.VerdictMatch, Depth: -1}
	switch {
	case v.Match != nil:
		m.Depth = v.Match.Depth
	case len(v.Failures) > 0:
		m.Failure, m.Detail = delivery.Reason(v.Failures[0].Code), v.Failures[0].Detail
	}
	if v.Verdict != tlsa.VerdictUnusable {
		a.Match = m
	}
	return a
}

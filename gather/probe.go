package gather

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/smtpprobe"
	"github.com/daneprobe/daneprobe/tlsa"
)

// probeFacts are the parts of one SMTP probe that the report keeps only
// in summary: the parsed chain and the negotiated version, for the
// MTA-STS and rollover evaluations.
type probeFacts struct {
	chain      []*x509.Certificate
	tlsVersion uint16
}

// probeAll probes every address of the host, at most Parallel sessions at
// a time over the whole check.
func (g *gathering) probeAll(ctx context.Context, h *hostFacts) {
	m := h.m
	base := m.Host
	if m.TLSA != nil && m.TLSA.BaseDomain != "" {
		base = m.TLSA.BaseDomain
	}
	h.names = delivery.ReferenceIDs(g.r.Domain, m.Host, base, g.mxSecure, g.r.ImplicitMX)
	var wg sync.WaitGroup
	for i := range m.Addresses {
		addr, err := netip.ParseAddr(m.Addresses[i].IP)
		if err != nil {
			m.Addresses[i].Error = "unparsable address " + m.Addresses[i].IP
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			select {
			case g.sem <- struct{}{}:
			case <-ctx.Done():
				m.Addresses[i].Error = "not probed: " + ctx.Err().Error()
				m.Addresses[i].ErrorStage = string(smtpprobe.StepConnect)
				return
			}
			defer func() { <-g.sem }()
			// RFC 7672 §8.1: the SNI is the TLSA base domain.
			g.probe(ctx, h, i, addr, base)
		}(i)
	}
	wg.Wait()
}

// probe runs one SMTP session and records its facts, the DANE match and
// nothing else: the MTA-STS evaluation waits for the policy.
func (g *gathering) probe(ctx context.Context, h *hostFacts, i int, addr netip.Addr, sni string) {
	m := h.m
	a := &m.Addresses[i]
	t0 := time.Now()
	g.mu.Lock()
	if g.firstProbe.IsZero() || t0.Before(g.firstProbe) {
		g.firstProbe = t0
	}
	g.mu.Unlock()
	res, _ := g.prober.Probe(ctx, smtpprobe.Target{
		Host: m.Host, Addr: addr, Port: uint16(g.c.port()), SNI: sni,
	})
	end := time.Now()
	g.mu.Lock()
	if end.After(g.lastProbe) {
		g.lastProbe = end
	}
	g.mu.Unlock()
	a.Time = delivery.Seconds(end.Sub(t0))
	if st, ok := res.Step(smtpprobe.StepBanner); ok && st.Outcome == smtpprobe.OutcomeOK {
		a.Connected = true
	}
	a.Banner = res.Banner
	a.STARTTLS = res.STARTTLSAdvertised
	a.STARTTLSHidden = !res.STARTTLSAdvertised && res.STARTTLSAccepted
	a.InjectedBytes = res.InjectedCount
	if res.FailedStep != "" {
		a.Error = res.Error
		a.ErrorStage = errorStage(res.FailedStep)
	}
	if res.TLS == nil {
		return
	}
	if st, ok := res.Step(smtpprobe.StepHandshake); ok && st.Outcome == smtpprobe.OutcomeOK {
		a.TLSVersion = versionName(res.TLS.Version)
		a.CipherSuite = res.TLS.CipherName
		h.probes[i].tlsVersion = res.TLS.Version
	}
	certOf := delivery.CertificateOf
	if m, ok := g.prober.(certSummarizer); ok {
		certOf = m.Certificate
	}
	for _, c := range res.TLS.Certificates {
		if c != nil {
			a.Chain = append(a.Chain, certOf(c))
			h.probes[i].chain = append(h.probes[i].chain, c)
		}
	}
	// RFC 7672 §3: match the chain against the usable TLSA records, with
	// the reference identifiers of §3.2.2-§3.2.3 for DANE-TA.
	if h.recs != nil && a.TLSVersion != "" && len(h.probes[i].chain) > 0 {
		a.Match = matchOf(tlsa.Verify(h.recs, h.probes[i].chain, tlsa.Options{Names: h.names, Time: g.now, NoChain: true}))
	}
}

// errorStage maps a probe step onto the report's error stages.
func errorStage(s smtpprobe.Step) string {
	switch s {
	case smtpprobe.StepEHLOAfterTLS:
		return string(smtpprobe.StepEHLO)
	default:
		return string(s)
	}
}

// versionName writes a TLS version as OpenSSL and the report do:
// "TLSv1.3".
func versionName(v uint16) string {
	switch v {
	case 0x0301:
		return "TLSv1.0"
	case 0x0302:
		return "TLSv1.1"
	case 0x0303:
		return "TLSv1.2"
	case 0x0304:
		return "TLSv1.3"
	case 0x0300:
		return "SSLv3"
	}
	return "0x" + hex.EncodeToString([]byte{byte(v >> 8), byte(v)})
}

// matchOf turns the tlsa verdict into the Match fact. A set without
// usable records gives nil: no matching was done (RFC 7672 §2.2.3, TLS
// without authentication).
func matchOf(res *tlsa.Result) *delivery.Match {
	switch res.Verdict {
	case tlsa.VerdictMatch:
		rec := tlsaRecordOf(res.Match.Record)
		return &delivery.Match{Matched: true, Record: &rec, Depth: max(res.Match.Depth, 0)}
	case tlsa.VerdictNoMatch:
		m := &delivery.Match{Failure: delivery.ReasonNoMatch}
		if len(res.Failures) > 0 {
			f := res.Failures[0]
			m.Failure, m.Detail = delivery.Reason(f.Code), f.Detail
		}
		if m.Failure == delivery.ReasonNameMismatch {
			for _, rr := range res.Records {
				for _, f := range rr.Failures {
					if f.Code == tlsa.CodeNameMismatch {
						rec := tlsaRecordOf(rr.Record)
						m.Record, m.Depth = &rec, max(rr.Depth, 0)
						return m
					}
				}
			}
		}
		return m
	}
	return nil
}

// tlsaRecordOf converts a tlsa package record for the report.
func tlsaRecordOf(r tlsa.Record) delivery.TLSARecord {
	return delivery.TLSARecord{
		Usage: uint8(r.Usage), Selector: uint8(r.Selector), MatchingType: uint8(r.MatchingType),
		Data: strings.ToLower(hex.EncodeToString(r.Data)),
	}
}

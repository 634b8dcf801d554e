package gather

import (
	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// noteDNSSEC collects what the lookups a verdict rests on (the MX, A,
// AAAA and TLSA lookups of the MX hosts) say beyond their status: the
// signature horizons of every RRset and chain link they validated, for
// Decide to judge (delivery/decide_horizon.go), and the zones' DNSSEC
// hygiene remarks (dnssec/horizon.go owns the rules), passed on as
// warnings. Results that are nil or not Secure add nothing.
func (g *gathering) noteDNSSEC(results ...*dnssec.Result) {
	var hs []dnssec.Horizon
	var rs []dnssec.Remark
	for _, res := range results {
		if res == nil || res.Security != dnssec.Secure {
			continue
		}
		hs = append(hs, res.Horizons()...)
		rs = append(rs, res.AllRemarks()...)
	}
	if len(hs) == 0 && len(rs) == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.r
	known := make([]dnssec.Horizon, len(r.Horizons.Signatures))
	for i, s := range r.Horizons.Signatures {
		known[i] = s.Horizon
	}
	merged := dnssec.MergeHorizons(known, hs)
	r.Horizons.Signatures = make([]delivery.SignatureHorizon, len(merged))
	for i, h := range merged {
		r.Horizons.Signatures[i] = delivery.SignatureHorizon{Horizon: h}
	}
	g.remarks = dnssec.MergeRemarks(g.remarks, rs)
}

// adviseRemarks passes the hygiene remarks on as warnings, once each, in
// the order they were found.
func (g *gathering) adviseRemarks() {
	g.mu.Lock()
	rs := g.remarks
	g.mu.Unlock()
	for _, rm := range rs {
		g.advise(delivery.Finding{Code: string(rm.Code), Severity: delivery.SeverityWarning, Detail: rm.Detail})
	}
}

package delivery

import "github.com/daneprobe/daneprobe/tlsrpt"

// stsPolicy is the MTA-STS policy a sender would apply.
type stsPolicy int

const (
	stsNone    stsPolicy = iota // no policy in effect
	stsTesting                  // RFC 8461 §5: report failures, deliver anyway
	stsEnforce                  // RFC 8461 §5: do not deliver to failing MX hosts
)

// stsInEffect is the policy a sender without a cached policy would apply.
// RFC 8461 §3.3, §5: when the record exists but the policy cannot be
// fetched or is invalid, a sender with no cached policy delivers as if
// there were none; mode "none" means the same.
func stsInEffect(p *MTASTSReport) stsPolicy {
	if p.FetchError != "" || p.PolicyError != "" {
		return stsNone
	}
	switch p.Mode {
	case "enforce":
		return stsEnforce
	case "testing":
		return stsTesting
	}
	return stsNone
}

// addressMTASTS is the MTA-STS verdict for one address of an MX host.
// RFC 8461 §4.1-§4.2: the MX host must match a policy pattern, and the
// server must offer STARTTLS and present a certificate valid in the WebPKI
// for the MX host name.
func addressMTASTS(p stsPolicy, policyMatch bool, a *AddressReport) (MTASTSResult, Reason) {
	if p == stsNone {
		return MTASTSNone, ReasonNone
	}
	switch {
	case !policyMatch:
		return MTASTSFail, ReasonMXNotInPolicy
	case !a.Connected:
		return MTASTSFail, ReasonUnreachable
	case !a.STARTTLS:
		return MTASTSFail, ReasonNoSTARTTLS
	case a.TLSVersion == "":
		return MTASTSFail, ReasonHandshake
	case a.WebPKI == nil:
		return MTASTSFail, ReasonWebPKINotChecked
	case a.WebPKI.Valid:
		return MTASTSPass, ReasonNone
	}
	switch a.WebPKI.Failure {
	case tlsrpt.ResultCertificateExpired:
		return MTASTSFail, ReasonWebPKIExpired
	case tlsrpt.ResultCertificateHostMismatch:
		return MTASTSFail, ReasonWebPKIHostMismatch
	case tlsrpt.ResultCertificateNotTrusted:
		return MTASTSFail, ReasonWebPKINotTrusted
	default:
		// Anything else, such as TLS older than 1.2 (RFC 8461 §4.2).
		return MTASTSFail, ReasonWebPKIInvalid
	}
}

// decideMXMTASTS sets the MTA-STS verdicts of every address of m and of
// m, and what an MTA-STS-enforcing sender does with m.
func decideMXMTASTS(m *MXReport, p stsPolicy) {
	pass, reachable := false, false
	for i := range m.Addresses {
		a := &m.Addresses[i]
		a.MTASTS, a.MTASTSReason = addressMTASTS(p, m.PolicyMatch, a)
		pass = pass || a.MTASTS == MTASTSPass
		reachable = reachable || a.Connected
	}
	switch {
	case p == stsNone:
		m.MTASTS = MTASTSNone
	case pass:
		m.MTASTS = MTASTSPass
	default:
		m.MTASTS = MTASTSFail
	}
	switch {
	case pass:
		m.MTASTSSender = DeliverAuthenticated
	case p == stsEnforce:
		// RFC 8461 §5.1: in enforce mode a host that fails validation is
		// not delivered to; the sender tries the next MX.
		m.MTASTSSender = Skip
	case reachable && (p == stsTesting || p == stsNone):
		m.MTASTSSender = DeliverOpportunistic
	default:
		m.MTASTSSender = Skip
	}
}

// combinedAction is what a sender enforcing both DANE and MTA-STS does
// with m. RFC 8461 §2: where DANE applies it takes precedence, and an
// MTA-STS pass never overrides a DANE failure; elsewhere MTA-STS decides,
// on top of whatever TLS DANE already made mandatory.
func combinedAction(m *MXReport, p stsPolicy) Action {
	if daneApplies(m) {
		return m.DANESender
	}
	switch {
	case m.DANESender == Skip:
		return Skip
	case m.MTASTS == MTASTSPass:
		return DeliverAuthenticated
	case p == stsEnforce:
		return Skip
	default:
		return m.DANESender
	}
}

// decideDomainMTASTS sets the domain-level MTA-STS verdict (pass when
// every MX passes, fail when one fails, none without a policy) and the
// per-host list, and records the policy-level failures.
func decideDomainMTASTS(r *DomainReport, p stsPolicy) {
	s := &r.MTASTS
	switch {
	case s.FetchError != "":
		r.Failures = append(r.Failures, Failure{
			ResultType: resultType(ReasonMTASTSPolicyFetch), Policy: PolicyMTASTS,
			Reason: ReasonMTASTSPolicyFetch,
			Detail: "the _mta-sts record exists but the policy could not be fetched: " + s.FetchError,
		})
	case s.PolicyError != "":
		r.Failures = append(r.Failures, Failure{
			ResultType: resultType(ReasonMTASTSPolicyInvalid), Policy: PolicyMTASTS,
			Reason: ReasonMTASTSPolicyInvalid,
			Detail: "the MTA-STS policy is invalid: " + s.PolicyError,
		})
	}
	s.Result = MTASTSNone
	if p == stsNone {
		for i := range r.MX {
			s.MX = append(s.MX, MTASTSHost{Host: r.MX[i].Host, Result: MTASTSNone})
		}
		return
	}
	s.Result = MTASTSPass
	for i := range r.MX {
		m := &r.MX[i]
		s.MX = append(s.MX, MTASTSHost{Host: m.Host, Result: m.MTASTS})
		if m.MTASTS != MTASTSPass {
			s.Result = MTASTSFail
		}
	}
	if len(r.MX) == 0 {
		s.Result = MTASTSFail
	}
}

// mxFailures lists the failures of m: host-level DNS failures once, then
// each address's DANE and MTA-STS failures. An unreachable address is not
// a TLS failure and has no RFC 8460 result type; it becomes a warning.
func mxFailures(m *MXReport, p stsPolicy) []Failure {
	var out []Failure
	switch m.DANEReason {
	case ReasonAddressLookupBogus, ReasonAddressLookupFailed,
		ReasonTLSALookupBogus, ReasonTLSALookupFailed:
		out = append(out, Failure{
			ResultType: resultType(m.DANEReason), Policy: PolicyDANE,
			MX: m.Host, Reason: m.DANEReason, Detail: hostFailureDetail(m),
		})
		return out
	}
	for i := range m.Addresses {
		a := &m.Addresses[i]
		if a.DANE == AddressFailed && a.DANEReason != ReasonUnreachable {
			out = append(out, Failure{
				ResultType: resultType(a.DANEReason), Policy: PolicyDANE,
				MX: m.Host, IP: a.IP, Reason: a.DANEReason,
				Detail: daneFailureDetail(a),
			})
		}
		if p != stsNone && a.MTASTS == MTASTSFail && a.MTASTSReason != ReasonUnreachable {
			out = append(out, Failure{
				ResultType: resultType(a.MTASTSReason), Policy: PolicyMTASTS,
				MX: m.Host, IP: a.IP, Reason: a.MTASTSReason,
				Detail: stsFailureDetail(m, a),
			})
		}
	}
	return out
}

func hostFailureDetail(m *MXReport) string {
	switch m.DANEReason {
	case ReasonAddressLookupBogus, ReasonAddressLookupFailed:
		for _, l := range []*Lookup{m.A, m.AAAA} {
			if l != nil {
				if o := lookupOutcomeOf(*l); o == lookupBogus || o == lookupFailed {
					return "the address lookup " + describeLookupFailure(*l) + "; a DANE sender skips this host (RFC 7672 §2.1.2)"
				}
			}
		}
	case ReasonTLSALookupBogus, ReasonTLSALookupFailed:
		return "the TLSA lookup " + describeLookupFailure(m.TLSA.Lookup) + "; a DANE sender must not use this host (RFC 7672 §2.1.1)"
	}
	return string(m.DANEReason)
}

func daneFailureDetail(a *AddressReport) string {
	detail := ""
	switch a.DANEReason {
	case ReasonNoSTARTTLS:
		detail = "secure TLSA records make STARTTLS mandatory but the server does not offer it (RFC 7672 §2.2.3)"
	case ReasonHandshake:
		detail = "TLS handshake failed"
	case ReasonNoMatch:
		detail = "no usable TLSA record matches the presented certificate chain (RFC 7672 §3.2)"
	case ReasonNameMismatch:
		detail = "the DANE-TA chain matches but the certificate names none of the reference identifiers (RFC 7672 §3.2.2-§3.2.3)"
	case ReasonExpired:
		detail = "the DANE-TA chain contains an expired certificate"
	case ReasonChainInvalid, ReasonInsecureSignature:
		detail = "no valid chain from the server certificate to the DANE-TA trust anchor"
	case ReasonTANotInChain:
		detail = "the DANE-TA trust anchor is not in the presented chain (RFC 7672 §3.1.2)"
	case ReasonLeafMismatch:
		detail = "the server certificate matches no DANE-EE record (RFC 7672 §3.1.1)"
	case ReasonNoCertificate:
		detail = "the server presented no certificate"
	case ReasonNotYetValid:
		detail = "the DANE-TA chain contains a certificate that is not valid yet"
	default:
		detail = string(a.DANEReason)
	}
	if a.Match != nil && a.Match.Detail != "" {
		detail += ": " + a.Match.Detail
	} else if a.Error != "" && (a.DANEReason == ReasonHandshake || a.DANEReason == ReasonNoSTARTTLS) {
		detail += ": " + a.Error
	}
	return detail
}

func stsFailureDetail(m *MXReport, a *AddressReport) string {
	detail := ""
	switch a.MTASTSReason {
	case ReasonMXNotInPolicy:
		detail = m.Host + " matches none of the policy's mx patterns (RFC 8461 §4.1)"
	case ReasonNoSTARTTLS:
		detail = "the server does not offer STARTTLS"
	case ReasonHandshake:
		detail = "TLS handshake failed"
	case ReasonWebPKINotChecked:
		detail = "the certificate was not checked against the WebPKI"
	case ReasonWebPKIExpired:
		detail = "the certificate has expired (RFC 8461 §4.2)"
	case ReasonWebPKIHostMismatch:
		detail = "the certificate does not name " + m.Host + " (RFC 8461 §4.2)"
	case ReasonWebPKINotTrusted:
		detail = "the certificate does not chain to a trusted root (RFC 8461 §4.2)"
	case ReasonWebPKIInvalid:
		detail = "the TLS session does not meet MTA-STS requirements (RFC 8461 §4.2)"
	default:
		detail = string(a.MTASTSReason)
	}
	if a.WebPKI != nil && a.WebPKI.Detail != "" {
		detail += ": " + a.WebPKI.Detail
	} else if a.Error != "" && (a.MTASTSReason == ReasonHandshake || a.MTASTSReason == ReasonNoSTARTTLS) {
		detail += ": " + a.Error
	}
	return detail
}

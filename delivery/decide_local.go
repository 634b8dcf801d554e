package delivery

import "github.com/daneprobe/daneprobe/dnssec"

// A verdict about the domain rests only on Secure, Insecure and Bogus
// answers for the domain's names. An Indeterminate answer (RFC 4035
// §4.3: the validator could not tell) comes from the checking side: an
// upstream that strips DNSSEC or answers ". DNSKEY" with NXDOMAIN, a
// trust anchor that is not the root's. It makes the check UNKNOWN,
// naming the lookup and why, never "does not exist" or "every sender
// defers".

// localFaultOf returns the reason code of an Indeterminate lookup that
// did not fail with an I/O error or response code (those keep the rules
// of RFC 7672 §2.1.1), and whether l is one.
func localFaultOf(l Lookup) (string, bool) {
	if l.Error != "" || l.DNSSEC != dnssec.Indeterminate {
		return "", false
	}
	if l.Reason == dnssec.ReasonNone {
		return "indeterminate", true
	}
	return string(l.Reason), true
}

// decideLocalFault decides a check whose MX lookup was Indeterminate:
// the status is unknown and nothing is claimed about the domain. It
// reports whether it decided r.
func decideLocalFault(r *DomainReport) bool {
	code, ok := localFaultOf(r.MXLookup)
	if !ok {
		return false
	}
	why := "the MX lookup " + describeLookupFailure(r.MXLookup)
	r.Status = StatusUnknown
	r.LocalFault = code
	r.DANE = DANENone
	r.MTASTS.Result = MTASTSNone
	unknown := SenderOutcome{Action: Unknown, Reason: "not decided: " + why}
	r.Outcome = Outcomes{DANE: unknown, MTASTS: unknown, Both: unknown}
	r.Summary = "a local fault (" + code + "), not the domain's: " + why
	r.Failures = []Failure{}
	r.Warnings = []Finding{{Code: WarnIncomplete, Detail: "the check could not be completed: " + why}}
	r.Notes = []Finding{}
	return true
}

// hostLocalFault makes the status unknown when a lookup of an MX host
// (address or TLSA) was Indeterminate because of a local fault: the
// verdicts decided from the other answers stay in the details.
func hostLocalFault(r *DomainReport) {
	if r.LocalFault != "" {
		return
	}
	for i := range r.MX {
		m := &r.MX[i]
		ls := []*Lookup{m.A, m.AAAA}
		if m.TLSA != nil {
			ls = append(ls, &m.TLSA.Lookup)
		}
		for _, l := range ls {
			if l == nil {
				continue
			}
			code, ok := localFaultOf(*l)
			if !ok || (code != string(dnssec.ReasonUpstreamStripsDNSSEC) && code != string(dnssec.ReasonTrustAnchorMismatch)) {
				continue
			}
			r.Status = StatusUnknown
			r.LocalFault = code
			r.Summary = "a local fault (" + code + ") in a lookup of " + m.Host + ": " + describeLookupFailure(*l) + "; partial results: " + r.Summary
			return
		}
	}
}

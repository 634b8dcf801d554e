package delivery

import (
	"sort"
	"strings"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Decide fills in the verdicts of r from its facts: per address, per MX
// and per domain DANE and MTA-STS verdicts, what each kind of enforcing
// sender would do, every failure with its RFC 8460 result type, the
// warnings and notes, the monitoring Status and the one-line Summary.
//
// Decide does no I/O and reads no clock: certificate expiry is judged
// against r.CheckedAt (skipped when it is zero). It overwrites every
// verdict field, so calling it twice gives the same report. It never
// fails: facts that are missing or contradictory lead to the cautious
// verdict (a probe that did not happen cannot verify anything).
func Decide(r *DomainReport) {
	clearVerdicts(r)
	if r.Stopped == NotStarted {
		decideNotStarted(r)
		return
	}
	if decideLocalFault(r) {
		return
	}
	mx := lookupOutcomeOf(r.MXLookup)
	switch {
	case r.MXLookup.NXDomain && mx != lookupBogus:
		r.DANE = DANENone
		r.MTASTS.Result = MTASTSNone
		noMail := SenderOutcome{Action: NoMail, Reason: "the domain does not exist"}
		r.Outcome = Outcomes{DANE: noMail, MTASTS: noMail, Both: noMail}
	case mx == lookupBogus || mx == lookupFailed:
		// RFC 7672 §2.1.1: a bogus or failed MX lookup is a lookup
		// failure; no sender, DANE-enforcing or not, may fall back to the
		// domain's address records, so delivery is deferred.
		reason := ReasonMXLookupFailed
		if mx == lookupBogus {
			reason = ReasonMXLookupBogus
		}
		r.DANE = DANEFailed
		r.MTASTS.Result = MTASTSNone
		why := "the MX lookup " + describeLookupFailure(r.MXLookup)
		d := SenderOutcome{Action: Defer, Reason: why}
		r.Outcome = Outcomes{DANE: d, MTASTS: d, Both: d}
		r.Failures = append(r.Failures, Failure{
			ResultType: resultType(reason), Policy: PolicyDNSSEC,
			Reason: reason, Detail: why,
		})
	case r.NullMX:
		// RFC 7505 §3: a null MX says the domain accepts no mail; senders
		// bounce at once.
		r.DANE = DANENone
		r.MTASTS.Result = MTASTSNone
		noMail := SenderOutcome{Action: NoMail, Reason: "the domain publishes a null MX (RFC 7505): it accepts no mail"}
		r.Outcome = Outcomes{DANE: noMail, MTASTS: noMail, Both: noMail}
	default:
		decideHosts(r)
	}
	decideFindings(r)
	r.Status = domainStatus(r)
	r.Summary = summary(r)
	if r.Stopped == CutShort {
		// Lookups and probes cut short say nothing about the domain: the
		// verdict is unknown, whatever the partial facts suggest.
		r.Status = StatusUnknown
		r.Summary = "incomplete: " + r.Error + "; partial results: " + r.Summary
	}
	hostLocalFault(r)
	decideFamily(r)
}

// decideNotStarted decides a check that could not start: nothing was
// looked up, so there is no verdict but unknown, and nothing is claimed
// about the domain.
func decideNotStarted(r *DomainReport) {
	why := r.Error
	r.Status = StatusUnknown
	r.DANE = DANENone
	r.MTASTS.Result = MTASTSNone
	unknown := SenderOutcome{Action: Unknown, Reason: "not checked"}
	r.Outcome = Outcomes{DANE: unknown, MTASTS: unknown, Both: unknown}
	r.Summary = "not checked: " + why
	r.Failures = []Failure{}
	r.Warnings = []Finding{{Code: WarnIncomplete, Detail: "the check could not be completed: " + why}}
	r.Notes = []Finding{}
}

// decideHosts decides every MX, then the domain-level verdicts.
func decideHosts(r *DomainReport) {
	mxSecure := lookupOutcomeOf(r.MXLookup) == lookupSecure
	policy := stsInEffect(&r.MTASTS)
	for i := range r.MX {
		m := &r.MX[i]
		base := m.Host
		if m.TLSA != nil && m.TLSA.BaseDomain != "" {
			base = m.TLSA.BaseDomain
		}
		m.ReferenceIDs = ReferenceIDs(r.Domain, m.Host, base, mxSecure, r.ImplicitMX)
		decideMXDANE(m)
		decideMXMTASTS(m, policy)
		m.Sender = combinedAction(m, policy)
		r.Failures = append(r.Failures, mxFailures(m, policy)...)
	}
	r.DANE = domainDANE(r.MX)
	order := preferenceOrder(r.MX)
	r.Outcome.DANE = domainOutcome(r.MX, order, func(m *MXReport) Action { return m.DANESender }, daneSkipReason)
	r.Outcome.MTASTS = domainOutcome(r.MX, order, func(m *MXReport) Action { return m.MTASTSSender }, stsSkipReason)
	r.Outcome.Both = domainOutcome(r.MX, order, func(m *MXReport) Action { return m.Sender }, bothSkipReason)
	explainOpportunistic(r, policy)
	decideDomainMTASTS(r, policy)
}

// explainOpportunistic says why a sender would deliver without
// authentication.
func explainOpportunistic(r *DomainReport, p stsPolicy) {
	via := func(o SenderOutcome) *MXReport {
		for i := range r.MX {
			if r.MX[i].Host == o.Via {
				return &r.MX[i]
			}
		}
		return nil
	}
	daneWhy := func(m *MXReport) string {
		if m != nil && m.DANE == DANEUnusable {
			// RFC 7672 §2.2.3: TLS is mandatory, authentication is not.
			return "only unusable TLSA records: TLS mandatory but unauthenticated"
		}
		return "no secure TLSA records: TLS if offered, else clear text"
	}
	stsWhy := "no MTA-STS policy in effect"
	if p == stsTesting {
		stsWhy = "MTA-STS testing mode: failures are reported, not enforced"
	}
	if o := &r.Outcome.DANE; o.Action == DeliverOpportunistic {
		o.Reason = daneWhy(via(*o))
	}
	if o := &r.Outcome.MTASTS; o.Action == DeliverOpportunistic {
		o.Reason = stsWhy
	}
	if o := &r.Outcome.Both; o.Action == DeliverOpportunistic {
		o.Reason = daneWhy(via(*o)) + "; " + stsWhy
	}
}

// clearVerdicts resets every verdict field so that Decide is idempotent.
func clearVerdicts(r *DomainReport) {
	r.Status, r.DANE, r.Summary, r.LocalFault = "", "", "", ""
	r.Outcome = Outcomes{}
	r.Failures, r.Warnings, r.Notes = nil, nil, nil
	clearHorizons(r)
	r.MTASTS.Result, r.MTASTS.MX = "", nil
	for i := range r.MX {
		m := &r.MX[i]
		m.DNSSEC, m.ReferenceIDs = dnssec.Indeterminate, nil
		m.DANE, m.DANEReason, m.MTASTS = "", "", ""
		m.DANESender, m.MTASTSSender, m.Sender = "", "", ""
		if m.TLSA != nil {
			for j := range m.TLSA.Records {
				m.TLSA.Records[j].Usable = false
			}
		}
		for j := range m.Addresses {
			a := &m.Addresses[j]
			a.DANE, a.DANEReason, a.MTASTS, a.MTASTSReason = "", "", "", ""
			if a.Match != nil && a.Match.Record != nil {
				a.Match.Record.Usable = false
			}
		}
	}
}

// lookupOutcome classifies a Lookup for the decision rules.
type lookupOutcome int

const (
	lookupFailed lookupOutcome = iota // I/O error, SERVFAIL, or indeterminate status
	lookupBogus
	lookupInsecure
	lookupSecure
)

// lookupOutcomeOf classifies l. RFC 7672 §2.1.1 treats an indeterminate
// answer like a failed lookup: neither can be trusted to be complete.
func lookupOutcomeOf(l Lookup) lookupOutcome {
	if l.Error != "" {
		return lookupFailed
	}
	switch l.DNSSEC {
	case dnssec.Secure:
		return lookupSecure
	case dnssec.Insecure:
		return lookupInsecure
	case dnssec.Bogus:
		return lookupBogus
	default:
		return lookupFailed
	}
}

// Usable reports whether the answer may be acted on: secure or provably
// insecure, not bogus or failed (RFC 7672 §2.1.1, §2.1.2: the records of a
// bogus or failed answer are for diagnosis only).
func (l Lookup) Usable() bool {
	o := lookupOutcomeOf(l)
	return o == lookupSecure || o == lookupInsecure
}

// Secure reports whether the answer is DNSSEC-secure and did not fail.
func (l Lookup) Secure() bool { return lookupOutcomeOf(l) == lookupSecure }

// Failure says in a few words why l is not usable ("failed: ...", "is
// bogus: ...", "is indeterminate"), for messages such as "the MX lookup
// is bogus: ...".
func (l Lookup) Failure() string { return describeLookupFailure(l) }

// describeLookupFailure says in a few words why l failed, for Details.
func describeLookupFailure(l Lookup) string {
	switch {
	case l.Error != "":
		return "failed: " + l.Error
	case l.DNSSEC == dnssec.Bogus && l.Detail != "":
		return "is bogus: " + l.Detail
	case l.DNSSEC == dnssec.Bogus && l.Reason != "":
		return "is bogus (" + string(l.Reason) + ")"
	case l.DNSSEC == dnssec.Bogus:
		return "is bogus"
	case l.Detail != "":
		return "is indeterminate: " + l.Detail
	default:
		return "is indeterminate"
	}
}

// AddressSecurity is the weakest status of the A and AAAA lookups made
// (nil means not made), the MX's "dnssec" field: bogus < indeterminate
// (failed) < insecure < secure. With no lookup at all it is
// indeterminate.
func AddressSecurity(a, aaaa *Lookup) dnssec.Security {
	var made []dnssec.Security
	for _, l := range []*Lookup{a, aaaa} {
		switch {
		case l == nil:
		case l.Error != "":
			made = append(made, dnssec.Indeterminate) // a failed lookup
		default:
			made = append(made, l.DNSSEC)
		}
	}
	return dnssec.Weakest(made...)
}

// ReferenceIDs returns the names a DANE-TA(2) server certificate must
// carry for the MX host (RFC 7672 §3.2.2-§3.2.3), in the order to report them.
// domain is the next-hop (recipient) domain, host the MX host name, base
// the TLSA base domain (the CNAME-expanded host when its TLSA RRset was
// found there, RFC 7672 §2.2.3). mxSecure says whether the MX lookup was
// secure; implicit, that there was no MX and host is the domain itself.
//
// When the MX RRset is secure, the base domain, the MX host name and the
// next-hop domain are all acceptable. When it is not, an attacker may
// have chosen the MX host, so the next-hop domain is not trusted as a
// name: only the host's own names (the base domain and the host name)
// are used. For an implicit MX the host is the next-hop domain.
// DANE-EE(3) records need no name check (RFC 7672 §3.1.1).
func ReferenceIDs(domain, host, base string, mxSecure, implicit bool) []string {
	var ids []string
	add := func(s string) {
		s = strings.TrimSuffix(strings.ToLower(s), ".")
		if s == "" {
			return
		}
		for _, x := range ids {
			if x == s {
				return
			}
		}
		ids = append(ids, s)
	}
	add(base)
	add(host)
	if mxSecure || implicit {
		add(domain)
	}
	return ids
}

// preferenceOrder returns the indexes of mx in the order a sender tries
// them: ascending preference, ties in the given order.
func preferenceOrder(mx []MXReport) []int {
	order := make([]int, len(mx))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return mx[order[i]].Preference < mx[order[j]].Preference
	})
	return order
}

// domainOutcome is what a sender does with the domain, given what it does
// with each MX: it tries them in preference order and uses the first it
// can deliver to (RFC 5321 §5.1); if it can use none, it defers.
func domainOutcome(mx []MXReport, order []int, action func(*MXReport) Action, why func(*MXReport) string) SenderOutcome {
	for _, i := range order {
		m := &mx[i]
		switch a := action(m); a {
		case DeliverAuthenticated, DeliverOpportunistic:
			return SenderOutcome{Action: a, Via: m.Host}
		}
	}
	if len(mx) == 0 {
		return SenderOutcome{Action: Defer, Reason: "no MX host to try"}
	}
	var reasons []string
	for _, i := range order {
		m := &mx[i]
		reasons = append(reasons, m.Host+" ("+why(m)+")")
	}
	return SenderOutcome{Action: Defer, Reason: "no usable MX host: " + strings.Join(reasons, ", ")}
}

// daneSkipReason says briefly why a DANE-enforcing sender skips m.
func daneSkipReason(m *MXReport) string {
	switch {
	case m.DANEReason != "":
		return string(m.DANEReason)
	case len(m.Addresses) == 0:
		return string(ReasonNoAddresses)
	default:
		return string(ReasonUnreachable)
	}
}

// stsSkipReason says briefly why an MTA-STS-enforcing sender skips m.
func stsSkipReason(m *MXReport) string {
	if len(m.Addresses) == 0 {
		return string(ReasonNoAddresses)
	}
	for _, a := range m.Addresses {
		if a.MTASTSReason != "" {
			return string(a.MTASTSReason)
		}
	}
	return string(ReasonUnreachable)
}

// bothSkipReason says why a sender enforcing both policies skips m: the
// DANE reason where DANE applies (RFC 8461 §2), else the MTA-STS one.
func bothSkipReason(m *MXReport) string {
	if daneApplies(m) {
		return daneSkipReason(m)
	}
	return stsSkipReason(m)
}

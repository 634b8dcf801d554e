package delivery

import (
	"encoding/hex"
	"fmt"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
)

// tlsaState is what the DNS lookups of one MX host mean for a
// DANE-enforcing sender, before any SMTP probe.
type tlsaState int

const (
	// tlsaAddressFailed: an address lookup was bogus or failed; the host
	// is skipped (RFC 7672 §2.1.2).
	tlsaAddressFailed tlsaState = iota
	// tlsaNotApplicable: the address records are insecure, so no TLSA
	// lookup is made and TLS stays opportunistic (RFC 7672 §2.2.2).
	tlsaNotApplicable
	// tlsaLookupFailed: the TLSA lookup was bogus or failed; the host is
	// unusable (RFC 7672 §2.1.1).
	tlsaLookupFailed
	// tlsaInsecure: the TLSA RRset is insecure and is ignored
	// (RFC 7672 §2.2).
	tlsaInsecure
	// tlsaAbsent: no TLSA records, securely denied (or no lookup made).
	tlsaAbsent
	// tlsaOnlyUnusable: a secure TLSA RRset with no usable record: TLS is
	// mandatory, unauthenticated (RFC 7672 §2.2.3).
	tlsaOnlyUnusable
	// tlsaUsableRecords: a secure TLSA RRset with at least one usable
	// record: TLS is mandatory and authenticated (RFC 7672 §3).
	tlsaUsableRecords
)

// hostTLSAState classifies the lookups of m and marks each TLSA record's
// Usable field. The failure reason is set for the two failed states.
func hostTLSAState(m *MXReport) (tlsaState, Reason) {
	looked := 0
	for _, l := range []*Lookup{m.A, m.AAAA} {
		if l == nil {
			continue // not looked up, for example with -4
		}
		looked++
		// RFC 7672 §2.1.2: a bogus or failed address lookup makes the
		// host unusable; a sender must not act on a partial answer.
		switch lookupOutcomeOf(*l) {
		case lookupBogus:
			return tlsaAddressFailed, ReasonAddressLookupBogus
		case lookupFailed:
			return tlsaAddressFailed, ReasonAddressLookupFailed
		}
	}
	if len(m.Addresses) == 0 {
		return tlsaAddressFailed, ReasonNoAddresses
	}
	// RFC 7672 §2.2.2: TLSA records are looked up only when the address
	// records are secure; otherwise a TLSA answer would not be bound to
	// the addresses connected to.
	if looked == 0 || m.DNSSEC != dnssec.Secure {
		return tlsaNotApplicable, ReasonNone
	}
	t := m.TLSA
	if t == nil {
		return tlsaAbsent, ReasonNone
	}
	usable := 0
	for i := range t.Records {
		reason, _ := usability(t.Records[i])
		t.Records[i].Usable = reason == ""
		if reason == "" {
			usable++
		}
	}
	switch lookupOutcomeOf(t.Lookup) {
	case lookupBogus:
		// RFC 7672 §2.1.1: a bogus TLSA RRset may hide a downgrade; the
		// host must not be used.
		return tlsaLookupFailed, ReasonTLSALookupBogus
	case lookupFailed:
		// RFC 7672 §2.1.1: a failed TLSA lookup (SERVFAIL, timeout) is
		// not proof that no TLSA records exist; the host is unusable.
		return tlsaLookupFailed, ReasonTLSALookupFailed
	case lookupInsecure:
		return tlsaInsecure, ReasonNone
	}
	switch {
	case len(t.Records) == 0:
		return tlsaAbsent, ReasonNone
	case usable == 0:
		return tlsaOnlyUnusable, ReasonNone
	default:
		return tlsaUsableRecords, ReasonNone
	}
}

// usability is tlsa.Usability for a record of the report: an empty reason
// when an SMTP client may use rec to authenticate a server (RFC 7672
// §3.1), else tlsa's reason code and a sentence.
func usability(rec TLSARecord) (reason, detail string) {
	r := tlsa.Record{Usage: tlsa.Usage(rec.Usage), Selector: tlsa.Selector(rec.Selector), MatchingType: tlsa.MatchingType(rec.MatchingType)}
	data, err := hex.DecodeString(rec.Data)
	if err != nil {
		r.Invalid = "association data is not valid hex: " + err.Error()
	}
	r.Data = data
	return tlsa.Usability(r)
}

// addressDANE is the DANE verdict for one address of a host in state s.
func addressDANE(s tlsaState, hostReason Reason, a *AddressReport) (AddressDANE, Reason) {
	switch s {
	case tlsaAddressFailed, tlsaLookupFailed:
		return AddressFailed, hostReason
	case tlsaNotApplicable, tlsaInsecure, tlsaAbsent:
		return AddressNone, ReasonNone
	}
	// Secure TLSA RRset: RFC 7672 §2.2.3 makes TLS mandatory, even when
	// every record is unusable.
	switch {
	case !a.Connected:
		return AddressFailed, ReasonUnreachable
	case !a.STARTTLS:
		// RFC 7672 §2.2.3: a server without STARTTLS is treated as a
		// downgrade attack; the sender must not send in clear text.
		return AddressFailed, ReasonNoSTARTTLS
	case a.TLSVersion == "":
		return AddressFailed, ReasonHandshake
	}
	if s == tlsaOnlyUnusable {
		return AddressUnusableTLSA, ReasonNone
	}
	// RFC 7672 §3.2: with usable records, the chain must match one of
	// them, or the sender must not deliver to this server.
	switch {
	case a.Match == nil:
		return AddressFailed, ReasonNoMatch
	case a.Match.Matched:
		return AddressVerified, ReasonNone
	case a.Match.Failure != "":
		return AddressFailed, a.Match.Failure
	default:
		return AddressFailed, ReasonNoMatch
	}
}

// addressDANEAction is what a DANE-enforcing sender does with one address.
func addressDANEAction(v AddressDANE, a *AddressReport) Action {
	switch v {
	case AddressVerified:
		return DeliverAuthenticated
	case AddressUnusableTLSA:
		return DeliverOpportunistic
	case AddressNone:
		if a.Connected {
			return DeliverOpportunistic
		}
	}
	return Skip
}

// decideMXDANE sets the DANE verdicts of every address of m and of m.
//
// A sender tries the addresses of an MX host in turn and uses the first
// that works, so the MX verdict is the best of its addresses: verified if
// one address authenticates, unusable if one offers unauthenticated TLS
// under an all-unusable TLSA RRset, none without secure TLSA records; else
// failed, with the reason of the first failing address.
func decideMXDANE(m *MXReport) {
	m.DNSSEC = AddressSecurity(m.A, m.AAAA)
	s, hostReason := hostTLSAState(m)
	best := Skip
	var firstReason Reason
	for i := range m.Addresses {
		a := &m.Addresses[i]
		if a.Match != nil && a.Match.Record != nil {
			// The same verdict as the record in the host's TLSA set, so
			// that the JSON never says a matching record is unusable.
			reason, _ := usability(*a.Match.Record)
			a.Match.Record.Usable = reason == ""
		}
		a.DANE, a.DANEReason = addressDANE(s, hostReason, a)
		if a.DANEReason != "" && firstReason == "" {
			firstReason = a.DANEReason
		}
		act := addressDANEAction(a.DANE, a)
		if act == DeliverAuthenticated || best == Skip {
			best = act
		}
	}
	if firstReason == "" {
		firstReason = hostReason
	}
	m.DANESender = best
	switch s {
	case tlsaAddressFailed, tlsaLookupFailed:
		m.DANE, m.DANEReason, m.DANESender = DANEFailed, hostReason, Skip
		if hostReason == ReasonNoAddresses {
			// Nothing to connect to, and no TLSA lookup: DANE does not
			// apply, but no sender can use the host.
			m.DANE = DANENone
		}
	case tlsaNotApplicable, tlsaInsecure, tlsaAbsent:
		m.DANE = DANENone
		if best == Skip {
			m.DANEReason = ReasonUnreachable
		}
	case tlsaOnlyUnusable:
		if best == DeliverOpportunistic {
			m.DANE = DANEUnusable
		} else {
			m.DANE, m.DANEReason = DANEFailed, firstReason
		}
	case tlsaUsableRecords:
		if best == DeliverAuthenticated {
			m.DANE = DANEVerified
		} else {
			m.DANE, m.DANEReason = DANEFailed, firstReason
		}
	}
}

// domainDANE aggregates the MX verdicts into the domain verdict:
// verified when every MX authenticates; none when no MX has secure TLSA
// records; unusable when the MX hosts with secure TLSA records have only
// unusable ones and none fails; partial when some MX does not
// authenticate but a DANE-enforcing sender can still deliver via another;
// failed when such a sender would defer.
func domainDANE(mx []MXReport) DANEResult {
	if len(mx) == 0 {
		return DANENone
	}
	var verified, failed, unusable int
	deliverable := false
	for i := range mx {
		switch mx[i].DANE {
		case DANEVerified:
			verified++
		case DANEFailed:
			failed++
		case DANEUnusable:
			unusable++
		}
		if mx[i].DANESender != Skip {
			deliverable = true
		}
	}
	switch {
	case verified == len(mx) && failingAddress(mx) != "":
		// Issue 11 §4: an MX host that verifies at one address and fails
		// at another is not fully protected: senders that reach the
		// failing address first defer to the next (RFC 7672 §2.2.1,
		// §3.2), so the domain is partial.
		return DANEPartial
	case verified == len(mx):
		return DANEVerified
	case failed == 0 && verified == 0 && unusable == 0:
		return DANENone
	case failed == 0 && verified == 0:
		return DANEUnusable
	case deliverable:
		return DANEPartial
	default:
		return DANEFailed
	}
}

// daneApplies reports whether DANE governs delivery to m for a sender
// that enforces both DANE and MTA-STS: the host has a secure TLSA RRset
// with usable records, or its lookups failed in a way that makes it
// unusable under DANE.
func daneApplies(m *MXReport) bool {
	return m.DANE == DANEVerified || m.DANE == DANEFailed
}

// failingAddress names the first address ("mx.example.org at 192.0.2.1
// (leaf-mismatch)") that answered and failed DANE at an MX host that verifies
// at another address, or "" when there is none.
func failingAddress(mx []MXReport) string {
	for i := range mx {
		if mx[i].DANE != DANEVerified {
			continue
		}
		for _, a := range mx[i].Addresses {
			// An unreachable address is its own warning; this is a
			// server that answered and failed DANE.
			if a.DANE == AddressFailed && a.Connected {
				return fmt.Sprintf("%s at %s (%s)", mx[i].Host, a.IP, a.DANEReason)
			}
		}
	}
	return ""
}

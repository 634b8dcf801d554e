package tlsa

import (
	"bytes"
	"fmt"
	"time"
)

// The renewal gate (RFC 7671 §8): before a new certificate, key or issuer
// is deployed, judge it against the TLSA records senders already have,
// as a DANE sender would judge the server after the switch. A new key
// whose "3 1 1" is not yet published, deployed, makes every DANE sender
// defer mail until the zone catches up; the gate says so beforehand and
// prints what to publish and how long to wait.

// DNSState is what a DANE sender learns from the TLSA lookup of the
// owner name.
type DNSState string

// DNS states of the published set.
const (
	// DNSSecure: a DNSSEC-validated TLSA RRset.
	DNSSecure DNSState = "secure"
	// DNSAbsent: a validated denial, no TLSA records at the name
	// (NODATA or NXDOMAIN); senders cache it for the negative TTL.
	DNSAbsent DNSState = "absent"
	// DNSInsecure: the TLSA answer, or the host's address records, are not
	// signed: senders do not use DANE for the host (RFC 7672 §2.2.2).
	DNSInsecure DNSState = "insecure"
	// DNSBogus: the TLSA answer failed validation: DANE senders defer
	// mail to the host now, whatever certificate it presents (RFC 7672
	// §2.1.1).
	DNSBogus DNSState = "bogus"
)

// Published is the TLSA set of one owner name as a DANE sender finds it.
type Published struct {
	// Owner is the fully qualified owner name senders look up (after
	// CNAME expansion, RFC 7672 §2.2.3), such as "_25._tcp.mx.example.".
	Owner string
	State DNSState
	// Records is the RRset; empty unless State is DNSSecure.
	Records []Record
	// TTL is how long senders may cache the RRset (DNSSecure), and
	// NegativeTTL how long they may cache the absence of records
	// (DNSAbsent: the SOA minimum, capped by the SOA's TTL, RFC 2308 §5).
	TTL, NegativeTTL time.Duration
	// Detail says why the state is insecure or bogus, for people.
	Detail string
}

// GateMode is what the gate judges.
type GateMode string

// Gate modes.
const (
	// ModeChain: a new certificate chain, leaf first.
	ModeChain GateMode = "chain"
	// ModeKey: only the new key (from a key file or a CSR), before the
	// certificate exists: only DANE-EE "3 1 x" records can name it.
	ModeKey GateMode = "key"
	// ModeIssuer: the certificate of a new issuing CA (first in Chain,
	// with its own issuers after it): only DANE-TA "2 x x" records can
	// name it.
	ModeIssuer GateMode = "issuer"
)

// GateVerdict is the answer of the gate.
type GateVerdict string

// Gate verdicts. Only GateSafe means "deploy".
const (
	// GateSafe: a usable published record authenticates the candidate.
	GateSafe GateVerdict = "safe"
	// GateNoMatch: usable records are published and none authenticates
	// the candidate: deployed now, DANE senders would defer mail.
	GateNoMatch GateVerdict = "no-match"
	// GateUnusable: the RRset has no usable record (RFC 7672 §3.1.3).
	GateUnusable GateVerdict = "unusable"
	// GateAbsent, GateInsecure, GateBogus: see the DNS states.
	GateAbsent   GateVerdict = "absent"
	GateInsecure GateVerdict = "insecure"
	GateBogus    GateVerdict = "bogus"
)

// GateResult is the judgement of a candidate against a published set.
type GateResult struct {
	Verdict GateVerdict `json:"verdict"`
	// Safe is true for GateSafe only.
	Safe bool     `json:"safe"`
	Mode GateMode `json:"mode"`
	// Owner is the owner name of the published set and of the records
	// to publish.
	Owner string   `json:"owner"`
	State DNSState `json:"dns"`
	// Detail is one sentence for people: why safe, or why not.
	Detail string `json:"detail"`
	// Published is the RRset as found.
	Published []Record `json:"published"`
	// Matched are the indexes in Published of the records that
	// authenticate the candidate.
	Matched []int `json:"matched,omitempty"`
	// Publish are the records to add before deploying (empty when Safe),
	// Keep the published ones to leave in place until the switch is done
	// (RFC 7671 §8.1: "current + next").
	Publish []Record `json:"publish,omitempty"`
	Keep    []Record `json:"keep,omitempty"`
	// Wait is how long to wait after every authoritative server serves
	// the new records before deploying: the TTL of the RRset senders
	// may have cached, plus the negative TTL when the name had no
	// records (RFC 7671 §8.1-8.4). Zero when Safe.
	Wait time.Duration `json:"-"`
	// Verify is the full evaluation of the published set against the
	// candidate chain (ModeChain only).
	Verify *Result `json:"verification,omitempty"`
	// Names are the reference identifiers DANE-TA records were checked
	// with.
	Names []string `json:"names,omitempty"`
}

// Gate judges the candidate against the published set as a DANE sender
// would once the candidate is deployed (RFC 7672 §3: usable records,
// digest agility, DANE-TA paths and the names of §3.2 in opts.Names), and
// when it would fail, proposes the records to publish first. opts.Names
// should hold the TLSA base domain and the MX host name; opts.IgnoreNames
// is not honoured (a gate that skips names could pass a certificate
// senders refuse).
func Gate(pub Published, cand Candidate, opts Options) GateResult {
	opts.IgnoreNames = false
	g := GateResult{Mode: cand.Mode(), Owner: pub.Owner, State: pub.State, Published: pub.Records, Names: opts.Names}
	if g.Published == nil {
		g.Published = []Record{}
	}
	switch pub.State {
	case DNSSecure:
	case DNSAbsent:
		g.Verdict = GateAbsent
		g.Detail = fmt.Sprintf("no TLSA records are published at %s: DANE senders do not authenticate the server yet, so nothing breaks, but nothing is protected either", pub.Owner)
		g.Publish = proposal(nil, cand, opts)
		g.Wait = pub.NegativeTTL
		return g
	case DNSInsecure:
		g.Verdict = GateInsecure
		g.Detail = "the TLSA records (or the host's address records) are not DNSSEC-signed, so senders do not use DANE for this host (RFC 7672 §2.2.2): sign the zone, then publish"
		if pub.Detail != "" {
			g.Detail += " (" + pub.Detail + ")"
		}
		g.Publish = proposal(nil, cand, opts)
		return g
	default:
		g.Verdict = GateBogus
		g.Detail = "the TLSA lookup fails DNSSEC validation: DANE senders defer mail to this host now, whatever certificate it presents (RFC 7672 §2.1.1); repair the zone's signatures first"
		if pub.Detail != "" {
			g.Detail += " (" + pub.Detail + ")"
		}
		g.Publish = proposal(nil, cand, opts)
		return g
	}

	for _, r := range pub.Records {
		if reason, _ := usability(r); reason == "" {
			g.Keep = append(g.Keep, r)
		}
	}
	var usable int
	g.Matched, usable, g.Verify = judge(pub.Records, cand, opts)
	switch {
	case len(g.Matched) > 0:
		g.Verdict, g.Safe, g.Keep = GateSafe, true, nil
		r := pub.Records[g.Matched[0]]
		g.Detail = fmt.Sprintf("the published record %d (%s %s %s) authenticates the %s, so DANE senders will accept the server after the switch", g.Matched[0]+1, r.Usage, r.Selector, r.MatchingType, g.Mode.what())
		return g
	case usable == 0:
		g.Verdict = GateUnusable
		g.Detail = fmt.Sprintf("none of the %d published records is usable for SMTP (RFC 7672 §3.1.3): TLS is required but the server is not authenticated", len(pub.Records))
	default:
		g.Verdict = GateNoMatch
		g.Detail = fmt.Sprintf("no published record authenticates the %s: deployed now, DANE senders would defer mail until the records below are published and cached copies of the old set expire", g.Mode.what())
		if g.Verify != nil && len(g.Verify.Failures) > 0 {
			f := g.Verify.Failures[0]
			g.Detail += fmt.Sprintf(" (%s: %s)", f.Code, f.Detail)
		}
	}
	g.Publish = proposal(pub.Records, cand, opts)
	g.Wait = pub.TTL
	return g
}

// what names the candidate of a mode in sentences.
func (m GateMode) what() string {
	switch m {
	case ModeKey:
		return "new key"
	case ModeIssuer:
		return "new issuing CA"
	}
	return "new certificate chain"
}

// judge returns the indexes of the records that authenticate the
// candidate, the number of usable records, and for a chain the full
// evaluation.
func judge(records []Record, cand Candidate, opts Options) ([]int, int, *Result) {
	rrs := make([]RecordResult, len(records))
	classify(records, rrs)
	usable := 0
	for _, rr := range rrs {
		if rr.Outcome == "" {
			usable++
		}
	}
	var matched []int
	switch cand.Mode() {
	case ModeChain:
		res := Verify(records, cand.Chain, opts)
		for _, rr := range res.Records {
			if rr.Outcome == Matched {
				matched = append(matched, rr.Index)
			}
		}
		return matched, usable, res
	case ModeKey:
		// Only a DANE-EE record of the key's SPKI can name a bare key
		// (RFC 7671 §5.1); the certificate around it does not matter.
		for _, rr := range rrs {
			r := rr.Record
			if rr.Outcome == "" && r.Usage == DANEEE && r.Selector == SPKI && bytes.Equal(associate(cand.SPKI, r.MatchingType), r.Data) {
				matched = append(matched, rr.Index)
			}
		}
	case ModeIssuer:
		// A DANE-TA record names the new CA or one of its issuers: the
		// leaves it issues chain to that trust anchor (RFC 7672 §3.1.2),
		// provided the server sends the CA certificates up to it.
		for _, rr := range rrs {
			r := rr.Record
			if rr.Outcome != "" || r.Usage != DANETA {
				continue
			}
			for _, c := range cand.Chain {
				if bytes.Equal(associate(selected(c, r.Selector), r.MatchingType), r.Data) {
					matched = append(matched, rr.Index)
					break
				}
			}
		}
	}
	return matched, usable, nil
}

// proposal returns the records to publish, next to records, so that the
// set authenticates the candidate. It follows the form of the usable
// published records (a zone with "3 1 1" gets the new "3 1 1", one with
// "2 1 1" the new issuer's), so that digest agility (RFC 7671 §9) does not
// set the new record aside, and falls back to the recommended "3 1 1" +
// "2 1 1" (RFC 7671 §8.1, RFC 7672 §3.1).
func proposal(records []Record, cand Candidate, opts Options) []Record {
	var out []Record
	add := func(r Record, err error) {
		if err != nil {
			return
		}
		for _, have := range append(append([]Record(nil), records...), out...) {
			if have.Usage == r.Usage && have.Selector == r.Selector && have.MatchingType == r.MatchingType && bytes.Equal(have.Data, r.Data) {
				return
			}
		}
		out = append(out, r)
	}
	covered := func() bool {
		m, _, _ := judge(append(append([]Record(nil), records...), out...), cand, opts)
		return len(m) > 0
	}
	rrs := make([]RecordResult, len(records))
	classify(records, rrs)
	for _, rr := range rrs {
		if rr.Outcome != "" {
			continue
		}
		r := rr.Record
		switch {
		case cand.Mode() == ModeKey && r.Usage == DANEEE && r.Selector == SPKI:
			add(GenerateKey(cand.SPKI, DANEEE, r.MatchingType))
		case cand.Mode() == ModeChain && r.Usage == DANEEE:
			add(Generate(cand.Chain[0], DANEEE, r.Selector, r.MatchingType))
		case cand.Mode() == ModeChain && r.Usage == DANETA && len(cand.Chain) > 1:
			add(Generate(cand.Chain[1], DANETA, r.Selector, r.MatchingType))
		case cand.Mode() == ModeIssuer && r.Usage == DANETA:
			add(Generate(cand.Chain[0], DANETA, r.Selector, r.MatchingType))
		}
	}
	if len(out) > 0 && covered() {
		return out
	}
	// Nothing published to follow, or following it is not enough (a
	// DANE-TA record for an issuer whose leaf lacks the names): the
	// recommended set, whose "3 1 1" needs no names.
	switch cand.Mode() {
	case ModeKey:
		add(GenerateKey(cand.SPKI, DANEEE, SHA256))
	case ModeIssuer:
		add(Generate(cand.Chain[0], DANETA, SPKI, SHA256))
	default:
		rec, _ := Recommended(cand.Chain)
		for _, r := range rec {
			add(r, nil)
		}
	}
	if !covered() {
		// Digest agility: a stronger digest of the same usage and selector
		// is published, which would set a SHA-256 record aside.
		switch cand.Mode() {
		case ModeKey:
			add(GenerateKey(cand.SPKI, DANEEE, SHA512))
		case ModeIssuer:
			add(Generate(cand.Chain[0], DANETA, SPKI, SHA512))
		default:
			add(Generate(cand.Chain[0], DANEEE, SPKI, SHA512))
		}
	}
	return out
}

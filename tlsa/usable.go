package tlsa

import "fmt"

// Outcome is what happened to one record during Verify.
type Outcome string

// Record outcomes.
const (
	Matched    Outcome = "matched"     // the record authenticates the chain
	NotMatched Outcome = "not-matched" // usable, but it did not authenticate the chain (see its failures)
	Unusable   Outcome = "unusable"    // the record cannot be used for SMTP (see its reason)
	Ignored    Outcome = "ignored"     // usable, but set aside by digest agility (RFC 7671 §9)
)

// Reasons a record is unusable or ignored. They are stable output codes.
const (
	ReasonPKIXUsage       = "pkix-usage"            // usage 0 or 1, unusable for SMTP
	ReasonUnknownUsage    = "unknown-usage"         // usage other than 0..3
	ReasonUnknownSelector = "unknown-selector"      // selector other than 0 and 1
	ReasonUnknownMatching = "unknown-matching-type" // matching type other than 0..2
	ReasonBadLength       = "bad-length"            // digest length does not fit the matching type
	ReasonEmptyData       = "empty-data"            // no association data
	ReasonMalformed       = "malformed"             // the record could not be decoded
	ReasonDigestAgility   = "digest-agility"        // a stronger digest exists for this usage and selector
)

// Usability says whether a record is usable for SMTP: it returns an empty
// reason for a usable record, else one of the Reason codes above (never
// ReasonDigestAgility, which depends on the rest of the set) and a sentence
// for the administrator. It is the one place daneprobe decides TLSA
// usability (RFC 7672 §3.1, RFC 7671 §4.1).
func Usability(r Record) (reason, detail string) { return usability(r) }

func usability(r Record) (reason, detail string) {
	switch {
	case r.Invalid != "":
		return ReasonMalformed, r.Invalid
	case r.Usage == PKIXTA || r.Usage == PKIXEE:
		// RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are not usable with
		// opportunistic DANE TLS for SMTP: there is no agreed set of CAs.
		return ReasonPKIXUsage, fmt.Sprintf("usage %s is not usable for SMTP (RFC 7672 §3.1.3)", r.Usage)
	case r.Usage != DANETA && r.Usage != DANEEE:
		// RFC 6698 §4.1, RFC 7671 §4.1: records with unknown parameters are unusable.
		return ReasonUnknownUsage, fmt.Sprintf("unknown certificate usage %d", r.Usage)
	case r.Selector != Cert && r.Selector != SPKI:
		return ReasonUnknownSelector, fmt.Sprintf("unknown selector %d", r.Selector)
	case r.MatchingType > SHA512:
		return ReasonUnknownMatching, fmt.Sprintf("unknown matching type %d", r.MatchingType)
	case len(r.Data) == 0:
		return ReasonEmptyData, "the record has no certificate association data"
	case r.MatchingType.digestLen() != 0 && len(r.Data) != r.MatchingType.digestLen():
		// RFC 7671 §10.1.3 (and RFC 6698 §2.1.3): a digest of the wrong
		// length cannot match anything; treat the record as malformed.
		return ReasonBadLength, fmt.Sprintf("%s data must be %d octets, record has %d", r.MatchingType, r.MatchingType.digestLen(), len(r.Data))
	}
	return "", ""
}

// strength orders digest matching types for RFC 7671 §9 (higher is
// stronger). Full(0) is not a digest and takes no part.
func strength(m MatchingType) int {
	switch m {
	case SHA256:
		return 1
	case SHA512:
		return 2
	}
	return 0
}

// classify fills in Unusable and Ignored outcomes for a set, leaving the
// usable records with an empty outcome.
func classify(records []Record, out []RecordResult) {
	// RFC 7671 §9: for each (usage, selector), only the strongest digest
	// algorithm present among usable records is used; Full(0) records are
	// always used, since they are not digests.
	var best [4][2]int
	for i, r := range records {
		out[i] = RecordResult{Index: i, Record: r, Depth: -1, Position: -1}
		if reason, detail := usability(r); reason != "" {
			out[i].Outcome, out[i].Reason, out[i].Detail = Unusable, reason, detail
			continue
		}
		if s := strength(r.MatchingType); s > best[r.Usage][r.Selector] {
			best[r.Usage][r.Selector] = s
		}
	}
	for i, r := range records {
		if out[i].Outcome != "" {
			continue
		}
		s := strength(r.MatchingType)
		if s != 0 && s < best[r.Usage][r.Selector] {
			out[i].Outcome = Ignored
			out[i].Reason = ReasonDigestAgility
			out[i].Detail = fmt.Sprintf("a stronger digest (%s) is published for %s %s, so this %s record is not used (RFC 7671 §9)",
				strongest(best[r.Usage][r.Selector]), r.Usage, r.Selector, r.MatchingType)
		}
	}
}

func strongest(s int) MatchingType {
	if s == 2 {
		return SHA512
	}
	return SHA256
}

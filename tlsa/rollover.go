package tlsa

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
)

// Change is a kind of certificate change a TLSA set may or may not survive.
type Change string

// Changes considered by AdviseRollover.
const (
	// RenewSameKey: a new leaf certificate for the same key from the same
	// issuing CA (certbot --reuse-key, most commercial renewals).
	RenewSameKey Change = "renew-same-key"
	// RenewNewKey: a new leaf certificate with a new key from the same
	// issuing CA (certbot's default).
	RenewNewKey Change = "renew-new-key"
	// IssuerChange: the leaf, with the same key, is issued by a different
	// CA certificate (a new intermediate, or another CA altogether).
	IssuerChange Change = "issuer-change"
)

// Scenario says whether a set survives one kind of change.
type Scenario struct {
	Change   Change `json:"change"`
	Survives bool   `json:"survives"`
	// Survivors are the indexes of the records that would still match.
	Survivors []int `json:"survivors,omitempty"`
	// Prepared are the indexes of usable records that match nothing the
	// server presents now but are of the kind the change needs: a "3 1 x"
	// for a new key, a "2 x x" for a new issuing CA. They are most likely
	// pre-published for the change (RFC 7671 §8.1, "current + next"), so
	// the change keeps matching if it brings that key or CA. A new key
	// with Prepared records is not warned about; a new CA still is, as an
	// unmatched "2 x x" may as well be a root the server does not send.
	Prepared []int  `json:"prepared,omitempty"`
	Detail   string `json:"detail"`
}

// Next describes the certificate or key that will replace the current one.
// Either field may be empty.
type Next struct {
	// Chain is the next certificate chain, leaf first.
	Chain []*x509.Certificate
	// SPKI is the next key's DER SubjectPublicKeyInfo, for when only the
	// key exists yet.
	SPKI []byte
}

// Advice is the result of AdviseRollover.
type Advice struct {
	// Current is true when the set matches the current chain at all; if
	// not, the scenarios say nothing survives.
	Current   bool       `json:"current"`
	Scenarios []Scenario `json:"scenarios"`
	// NextMatches reports, when a next certificate or key was given,
	// whether the set already authenticates it.
	NextMatches *bool `json:"next_matches,omitempty"`
	// Add lists records to publish now so that the change does not break
	// delivery (publish, wait at least two TTLs, then switch; RFC 7671 §8.1).
	Add []Record `json:"add,omitempty"`
	// Warnings are sentences for the administrator, one per risk.
	Warnings []string `json:"warnings,omitempty"`
}

// AdviseRollover tells whether the set keeps authenticating the server
// through a renewal that keeps the key, one that changes the key, and a
// change of issuing CA (RFC 7671 §8, RFC 7672 §3.1.1-3.1.2). For example
// "3 0 1" alone breaks on every renewal, "3 1 1" alone breaks when the key
// changes, and "3 1 1" with "2 1 1" survives a key change under the same
// CA. With next, it also checks the set against the coming certificate or
// key and proposes the records to add. opts are passed to Verify.
func AdviseRollover(records []Record, chain []*x509.Certificate, next *Next, opts Options) Advice {
	res := Verify(records, chain, opts)
	var adv Advice
	adv.Current = res.Verdict == VerdictMatch
	survivors := map[Change][]int{}
	prepared := map[Change][]int{}
	for _, rr := range res.Records {
		if rr.Outcome == NotMatched {
			// RFC 7671 §8.1: the next key's "3 1 1", or the next issuer's
			// "2 1 1", is published before the switch and matches nothing
			// until then.
			switch r := rr.Record; {
			case r.Usage == DANEEE && r.Selector == SPKI:
				prepared[RenewNewKey] = append(prepared[RenewNewKey], rr.Index)
			case r.Usage == DANETA:
				prepared[IssuerChange] = append(prepared[IssuerChange], rr.Index)
			}
		}
		if rr.Outcome != Matched {
			continue
		}
		r := rr.Record
		pinsLeaf := r.Usage == DANEEE || rr.Depth == 0
		switch {
		case pinsLeaf && r.Selector == Cert:
			// The whole certificate changes on every renewal.
		case pinsLeaf:
			// RFC 7671 §8.1: an SPKI pin survives any reissue of the key.
			survivors[RenewSameKey] = append(survivors[RenewSameKey], rr.Index)
			survivors[IssuerChange] = append(survivors[IssuerChange], rr.Index)
		default:
			survivors[RenewSameKey] = append(survivors[RenewSameKey], rr.Index)
			survivors[RenewNewKey] = append(survivors[RenewNewKey], rr.Index)
			if rr.Depth >= 2 {
				// The anchor sits above the issuing CA (a root): a new
				// intermediate under the same root keeps matching.
				survivors[IssuerChange] = append(survivors[IssuerChange], rr.Index)
			}
		}
	}
	explain := map[Change][2]string{
		RenewSameKey: {"a renewal that keeps the key keeps matching",
			"every certificate renewal breaks this set: it pins the whole leaf certificate (selector 0); publish \"3 1 1\" for the key instead"},
		RenewNewKey: {"a renewal with a new key keeps matching",
			"a renewal with a new key breaks this set (certbot makes a new key on each renewal unless --reuse-key is set): add \"2 1 1\" for the issuing CA, or pre-publish the next key's \"3 1 1\" before switching"},
		IssuerChange: {"a change of issuing CA keeps matching",
			"a change of issuing CA (such as a CA rotating its intermediates) breaks this set: keep a \"3 1 1\" record for the leaf key next to DANE-TA records, and update them before switching CA"},
	}
	for _, ch := range []Change{RenewSameKey, RenewNewKey, IssuerChange} {
		s := Scenario{Change: ch, Survivors: survivors[ch], Survives: len(survivors[ch]) > 0}
		switch {
		case s.Survives:
			s.Detail = explain[ch][0]
			if ch == IssuerChange && !hasLeafKeyPin(res) {
				s.Detail += " provided the new CA chains to the same trust anchor"
			}
		case adv.Current && len(prepared[ch]) > 0:
			s.Prepared = prepared[ch]
			s.Detail = preparedDetail(ch, records, s.Prepared)
			if ch == IssuerChange {
				// An unmatched DANE-TA record may as well be the root of the
				// current chain, which the server does not send: a new
				// intermediate under it breaks the set all the same.
				adv.Warnings = append(adv.Warnings, s.Detail)
			}
		default:
			s.Detail = explain[ch][1]
			if adv.Current {
				adv.Warnings = append(adv.Warnings, s.Detail)
			}
		}
		adv.Scenarios = append(adv.Scenarios, s)
	}
	if !adv.Current {
		adv.Warnings = append(adv.Warnings, "the set does not authenticate the current chain; fix that before planning a rollover")
	}
	if next != nil {
		adv.checkNext(records, next, opts)
	}
	return adv
}

func hasLeafKeyPin(res *Result) bool {
	for _, rr := range res.Records {
		if rr.Outcome == Matched && (rr.Record.Usage == DANEEE || rr.Depth == 0) && rr.Record.Selector == SPKI {
			return true
		}
	}
	return false
}

func (adv *Advice) checkNext(records []Record, next *Next, opts Options) {
	ok := true
	if len(next.Chain) > 0 && next.Chain[0] != nil {
		nr := Verify(records, next.Chain, opts)
		if nr.Verdict != VerdictMatch {
			ok = false
			rec, _ := Recommended(next.Chain)
			for _, r := range rec {
				adv.addOnce(records, r)
			}
			adv.Warnings = append(adv.Warnings, fmt.Sprintf("the next certificate (%s) would not match the published set; publish the records listed to add, wait at least two TTLs, then deploy it (RFC 7671 §8.1)", subjectOf(next.Chain[0])))
		}
	}
	if len(next.SPKI) > 0 {
		found := false
		for _, r := range records {
			if reason, _ := usability(r); reason == "" && r.Usage == DANEEE && r.Selector == SPKI &&
				bytes.Equal(associate(next.SPKI, r.MatchingType), r.Data) {
				found = true
			}
		}
		if !found {
			ok = false
			if r, err := GenerateKey(next.SPKI, DANEEE, SHA256); err == nil {
				adv.addOnce(records, r)
			}
			adv.Warnings = append(adv.Warnings, "the next key has no DANE-EE record yet; publish its \"3 1 1\" record, wait at least two TTLs, then switch keys (RFC 7671 §8.1)")
		}
	}
	adv.NextMatches = &ok
}

// addOnce appends r to Add unless the set or Add already holds it.
func (adv *Advice) addOnce(records []Record, r Record) {
	for _, have := range append(append([]Record(nil), records...), adv.Add...) {
		if have.Usage == r.Usage && have.Selector == r.Selector && have.MatchingType == r.MatchingType && bytes.Equal(have.Data, r.Data) {
			return
		}
	}
	adv.Add = append(adv.Add, r)
}

// preparedDetail explains a change the set is prepared for by the
// records at idx, which match nothing presented now.
func preparedDetail(ch Change, records []Record, idx []int) string {
	var list []string
	for _, i := range idx {
		list = append(list, fmt.Sprintf("%d (%s)", i+1, short(records[i].Data)))
	}
	if ch == IssuerChange {
		return fmt.Sprintf("a change of issuing CA breaks this set unless the new chain brings the CA of record %s, which matches nothing presented now "+
			"(a next CA pre-published as RFC 7671 §8.1 advises, or a root the server does not send); "+
			"check the new chain with \"daneprobe tlsa verify --from-dns HOST --cert NEW.pem\" before deploying it",
			strings.Join(list, ", "))
	}
	return fmt.Sprintf("a renewal with a new key keeps matching if it brings the key of record %s, which matches nothing presented now and looks pre-published for the change (RFC 7671 §8.1); "+
		"check the new certificate with \"daneprobe tlsa verify --from-dns HOST --cert NEW.pem\" before deploying it; a record of a retired key can be removed",
		strings.Join(list, ", "))
}

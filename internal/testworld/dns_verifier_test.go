package testworld

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// verifier is a small DNSSEC chain checker for the tests of the world
// itself. It asks the world over the network, like a validator would,
// and checks signatures with miekg/dns's Verify. It is not the project's
// resolver and deliberately knows nothing of it.
type verifier struct {
	t    testing.TB
	d    *DNS
	now  time.Time
	keys map[string][]*dns.DNSKEY
}

func newVerifier(t testing.TB, d *DNS) *verifier {
	return &verifier{t: t, d: d, now: time.Now(), keys: map[string][]*dns.DNSKEY{}}
}

// zoneKeys returns the DNSKEYs of zone after checking the chain from the
// world's trust anchor: the DS RRset (signed by the parent) matches a KSK
// that signs the DNSKEY RRset.
func (v *verifier) zoneKeys(zone string) ([]*dns.DNSKEY, error) {
	zone = dns.CanonicalName(zone)
	if k, ok := v.keys[zone]; ok {
		return k, nil
	}
	var dsSet []*dns.DS
	if zone == "." {
		dsSet = v.d.TrustAnchors()
	} else {
		r := askTCP(v.t, v.d, zone, dns.TypeDS)
		rrs := rrsetOf(r.Answer, zone, dns.TypeDS)
		if len(rrs) == 0 {
			return nil, fmt.Errorf("%s: no DS at the parent", zone)
		}
		if err := v.verifyRRset(rrs, sigsFor(r.Answer, zone, dns.TypeDS)); err != nil {
			return nil, fmt.Errorf("%s: DS RRset: %w", zone, err)
		}
		for _, rr := range rrs {
			dsSet = append(dsSet, rr.(*dns.DS))
		}
	}
	r := askTCP(v.t, v.d, zone, dns.TypeDNSKEY)
	keySet := rrsetOf(r.Answer, zone, dns.TypeDNSKEY)
	var keys, ksks []*dns.DNSKEY
	for _, rr := range keySet {
		k := rr.(*dns.DNSKEY)
		keys = append(keys, k)
		for _, ds := range dsSet {
			if kd := k.ToDS(ds.DigestType); kd != nil && strings.EqualFold(kd.Digest, ds.Digest) && ds.KeyTag == k.KeyTag() {
				ksks = append(ksks, k)
			}
		}
	}
	if len(ksks) == 0 {
		return nil, fmt.Errorf("%s: no DNSKEY matches the DS set", zone)
	}
	ok := false
	for _, sig := range sigsFor(r.Answer, zone, dns.TypeDNSKEY) {
		for _, k := range ksks {
			if sig.KeyTag == k.KeyTag() && sig.Algorithm == k.Algorithm && sig.Verify(k, keySet) == nil && sig.ValidityPeriod(v.now) {
				ok = true
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("%s: DNSKEY RRset not signed by a DS-matched key", zone)
	}
	v.keys[zone] = keys
	return keys, nil
}

// verifyRRset checks that at least one of sigs is a valid, current
// signature over rrs by a key of a validated zone.
func (v *verifier) verifyRRset(rrs []dns.RR, sigs []*dns.RRSIG) error {
	if len(sigs) == 0 {
		return fmt.Errorf("no RRSIG")
	}
	var errs []string
	for _, sig := range sigs {
		keys, err := v.zoneKeys(sig.SignerName)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, k := range keys {
			if k.KeyTag() != sig.KeyTag || k.Algorithm != sig.Algorithm {
				continue
			}
			if err := sig.Verify(k, rrs); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if !sig.ValidityPeriod(v.now) {
				errs = append(errs, "outside validity period")
				continue
			}
			return nil
		}
	}
	return fmt.Errorf("no valid RRSIG: %s", strings.Join(errs, "; "))
}

// verifyAll checks that every RRset in the sections (RRSIGs aside) has a
// valid signature, and that no RRSIG is left without its RRset.
func (v *verifier) verifyAll(sections ...[]dns.RR) error {
	for _, sec := range sections {
		type key struct {
			name string
			t    uint16
		}
		sets := map[key][]dns.RR{}
		var order []key
		for _, rr := range sec {
			h := rr.Header()
			if h.Rrtype == dns.TypeRRSIG || h.Rrtype == dns.TypeOPT {
				continue
			}
			k := key{strings.ToLower(h.Name), h.Rrtype}
			if sets[k] == nil {
				order = append(order, k)
			}
			sets[k] = append(sets[k], rr)
		}
		for _, k := range order {
			if err := v.verifyRRset(sets[k], sigsFor(sec, k.name, k.t)); err != nil {
				return fmt.Errorf("%s %s: %w", k.name, dns.TypeToString[k.t], err)
			}
		}
		for _, rr := range sec {
			if sig, ok := rr.(*dns.RRSIG); ok && sets[key{strings.ToLower(sig.Hdr.Name), sig.TypeCovered}] == nil {
				return fmt.Errorf("RRSIG without its RRset: %s", sig)
			}
		}
	}
	return nil
}

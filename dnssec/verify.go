package dnssec

import (
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// rrset is one RRset of a message with the RRSIGs that cover it.
type rrset struct {
	name   string // lower-case owner
	rrtype uint16
	rrs    []dns.RR
	sigs   []*dns.RRSIG
}

// groupRRsets splits a message section into RRsets (same owner, type and
// class; owner compared case-insensitively, unlike miekg's IsRRset) and
// attaches each RRSIG to the RRset it covers. Order of first appearance
// is kept. RRSIGs whose RRset is absent get an RRset with no records.
func groupRRsets(section []dns.RR) []*rrset {
	// One allocation for the sets and one for the list: there are at
	// most as many sets as records, and backing never grows, so the
	// pointers into it stay valid.
	backing := make([]rrset, 0, len(section))
	out := make([]*rrset, 0, len(section))
	find := func(name string, t uint16) *rrset {
		for _, s := range out {
			if s.rrtype == t && s.name == name {
				return s
			}
		}
		backing = append(backing, rrset{name: name, rrtype: t})
		s := &backing[len(backing)-1]
		out = append(out, s)
		return s
	}
	for _, rr := range section {
		h := rr.Header()
		if h.Class != dns.ClassINET || h.Rrtype == dns.TypeOPT {
			continue
		}
		name := lowerASCII(h.Name)
		if sig, ok := rr.(*dns.RRSIG); ok {
			s := find(name, sig.TypeCovered)
			s.sigs = append(s.sigs, sig)
			continue
		}
		s := find(name, h.Rrtype)
		s.rrs = append(s.rrs, rr)
	}
	return out
}

// findRRset returns the RRset for name/t, or nil.
func findRRset(sets []*rrset, name string, t uint16) *rrset {
	for _, s := range sets {
		if s.rrtype == t && len(s.rrs) > 0 && equalNames(s.name, name) {
			return s
		}
	}
	return nil
}

// verdict is a security status with its reason.
type verdict struct {
	sec    Security
	reason Reason
	why    string
}

var secure = verdict{sec: Secure}

func bogus(r Reason, format string, a ...any) verdict {
	return verdict{sec: Bogus, reason: r, why: fmt.Sprintf(format, a...)}
}

func insecure(r Reason, format string, a ...any) verdict {
	return verdict{sec: Insecure, reason: r, why: fmt.Sprintf(format, a...)}
}

// worse returns whichever of a and b is weaker (a on a tie).
func worse(a, b verdict) verdict {
	if Weakest(a.sec, b.sec) != a.sec {
		return b
	}
	return a
}

// supportedAlgorithm reports whether we validate algorithm alg (RFC 8624
// §3.1: 5, 7, 8, 10, 13, 14, 15, 16; 5 and 7 unless SHA-1 is disabled).
func (r *Resolver) supportedAlgorithm(alg uint8) bool {
	switch alg {
	case dns.RSASHA256, dns.RSASHA512, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519, dns.ED448:
		return true
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1:
		return !r.cfg.DisableSHA1
	}
	return false
}

// supportedDigest reports whether we compute DS digest type d (RFC 8624
// §3.3: SHA-1, SHA-256, SHA-384).
func supportedDigest(d uint8) bool {
	return d == dns.SHA1 || d == dns.SHA256 || d == dns.SHA384
}

// sigTimes returns an RRSIG's inception and expiration as absolute times,
// reading the 32-bit fields with serial number arithmetic around now
// (RFC 4034 §3.1.5).
func sigTimes(sig *dns.RRSIG, now time.Time) (time.Time, time.Time) {
	n := now.Unix()
	abs := func(ts uint32) time.Time {
		return time.Unix(n+int64(int32(ts-uint32(n))), 0).UTC()
	}
	return abs(sig.Inception), abs(sig.Expiration)
}

// zoneKeys is a validated DNSKEY RRset of one zone.
type zoneKeys struct {
	zone string
	keys []*dns.DNSKEY
}

// sigResult is the outcome of verifying one RRset.
type sigResult struct {
	verdict
	used    *dns.RRSIG // the RRSIG that verified
	ttl     time.Duration
	tried   []SignatureInfo
	expires time.Time
}

// verifyRRset checks set against the keys of zone z. Only keys in allowed
// are used when allowed is non-nil (for the DNSKEY RRset: the keys a DS
// matched). It enforces the checks miekg's RRSIG.Verify leaves out or gets
// wrong: signer name equal to the zone and an ancestor of the owner
// (label-wise), label count, validity window with clock skew, key tag and
// algorithm, and the work limits.
func (st *lookupState) verifyRRset(set *rrset, z *zoneKeys, allowed []*dns.DNSKEY) sigResult {
	lim := st.r.cfg.Limits
	var res sigResult
	owner := set.name
	var nExpired, nFuture, nNoKey, nInvalid, nUnsupported, nOtherSigner int
	boundHit := false
	var expired, future time.Time
	tried := 0
	for _, sig := range set.sigs {
		// RFC 4035 §5.3.1: the RRSIG's owner, class and type covered must
		// match the RRset, and the signer must be the zone holding it.
		if !equalNames(sig.SignerName, z.zone) {
			nOtherSigner++
			continue
		}
		if tried >= lim.RRSIGsPerRRset {
			boundHit = true
			break
		}
		tried++
		if !st.r.supportedAlgorithm(sig.Algorithm) {
			nUnsupported++
			continue
		}
		// RFC 4035 §5.3.1: the signer's name must be the owner or an
		// ancestor of it, compared label by label.
		if !isSubdomain(owner, sig.SignerName) {
			nInvalid++
			continue
		}
		// RFC 4035 §5.3.1: the Labels field must not exceed the owner's
		// label count (not counting a leading "*", RFC 4034 §3.1.3).
		if int(sig.Labels) > rrsigLabels(owner) {
			nInvalid++
			continue
		}
		inc, exp := sigTimes(sig, st.now)
		skew := st.r.cfg.ClockSkew
		// RFC 4035 §5.3.1: the validation time must lie within the
		// signature's inception and expiration (we allow ClockSkew).
		if st.now.Add(skew).Before(inc) {
			nFuture++
			future = inc
			continue
		}
		if st.now.Add(-skew).After(exp) {
			nExpired++
			expired = exp
			continue
		}
		var cands []*dns.DNSKEY
		for _, k := range z.keys {
			if k.Algorithm != sig.Algorithm || k.Protocol != 3 || k.Flags&dns.ZONE == 0 || k.KeyTag() != sig.KeyTag {
				continue
			}
			if allowed != nil && !containsKey(allowed, k) {
				continue
			}
			cands = append(cands, k)
		}
		if len(cands) == 0 {
			nNoKey++
			continue
		}
		info := SignatureInfo{Owner: owner, Type: dns.TypeToString[set.rrtype], Signer: z.zone, KeyTag: sig.KeyTag, Algorithm: sig.Algorithm, Inception: inc, Expiration: exp}
		for i, k := range cands {
			// RFC 4035 §5.3.1 allows several keys with one tag; try each,
			// but only up to the KeyTrap bound.
			if i >= lim.KeysPerTag {
				boundHit = true
				break
			}
			if st.verifications.Add(verifyCost(k)) > int64(lim.VerificationsPerLookup) {
				res.verdict = bogus(ReasonResourceLimit, "more than %d signature verifications needed for one lookup (at %s %s)", lim.VerificationsPerLookup, owner, dns.TypeToString[set.rrtype])
				return res
			}
			if err := st.r.sigs.verify(sig, k, set.rrs, st.now, exp); err == nil {
				st.noteWeakKey(z.zone, k)
				info.Valid = true
				res.tried = append(res.tried, info)
				res.verdict = secure
				res.used = sig
				res.expires = exp
				res.ttl = rrsetTTL(set, sig, exp, st.now)
				return res
			}
		}
		res.tried = append(res.tried, info)
		nInvalid++
	}
	name := owner + " " + dns.TypeToString[set.rrtype]
	switch {
	case boundHit:
		res.verdict = bogus(ReasonResourceLimit, "%s: gave up after the per-RRset limits (%d RRSIGs, %d keys per key tag) without a valid signature", name, lim.RRSIGsPerRRset, lim.KeysPerTag)
	case tried == 0 && nOtherSigner > 0:
		res.verdict = bogus(ReasonSignatureInvalid, "%s is signed by another zone than %s", name, z.zone)
	case tried == 0:
		res.verdict = bogus(ReasonMissingRRSIG, "%s has no RRSIG from zone %s", name, z.zone)
	case nInvalid > 0:
		res.verdict = bogus(ReasonSignatureInvalid, "%s: no RRSIG verifies", name)
	case nExpired > 0:
		res.verdict = bogus(ReasonSignatureExpired, "%s: signature expired at %s", name, expired.Format(time.RFC3339))
	case nFuture > 0:
		res.verdict = bogus(ReasonSignatureNotYetValid, "%s: signature not valid before %s", name, future.Format(time.RFC3339))
	case nNoKey > 0:
		res.verdict = bogus(ReasonNoMatchingDNSKEY, "%s: no DNSKEY of %s matches the RRSIG key tag", name, z.zone)
	case nUnsupported > 0:
		// RFC 4035 §5.2, RFC 6840 §5.11: only the DS RRset can make a
		// zone insecure for lack of a supported algorithm. z's keys were
		// validated through a supported algorithm, so an RRset that
		// carries only RRSIGs of other algorithms is Bogus: anyone on the
		// path can swap the real RRSIG for one of an algorithm we cannot
		// check.
		res.verdict = bogus(ReasonMissingRRSIG, "%s carries only RRSIGs of algorithms this validator does not support, but zone %s is signed with a supported one", name, z.zone)
	default:
		res.verdict = bogus(ReasonSignatureInvalid, "%s: no usable RRSIG", name)
	}
	return res
}

func containsKey(keys []*dns.DNSKEY, k *dns.DNSKEY) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// rrsetTTL is the time an RRset may be cached: its TTL capped by the
// RRSIG's original TTL (RFC 4035 §5.3.3) and by the time left until the
// signature expires.
func rrsetTTL(set *rrset, sig *dns.RRSIG, exp, now time.Time) time.Duration {
	ttl := uint32(sig.OrigTtl)
	for _, rr := range set.rrs {
		if rr.Header().Ttl < ttl {
			ttl = rr.Header().Ttl
		}
	}
	d := time.Duration(ttl) * time.Second
	if left := exp.Sub(now); left < d {
		d = max(left, 0)
	}
	return d
}

// capTTLs rewrites the TTLs of set's records to at most the RRSIG's
// original TTL (RFC 4035 §5.3.3) and returns copies.
func capTTLs(rrs []dns.RR, ttl time.Duration) []dns.RR {
	out := make([]dns.RR, 0, len(rrs))
	secs := uint32(ttl / time.Second)
	for _, rr := range rrs {
		c := dns.Copy(rr)
		if c.Header().Ttl > secs {
			c.Header().Ttl = secs
		}
		out = append(out, c)
	}
	return out
}

// dsMatches reports whether ds is the digest of key (RFC 4034 §5.1.4),
// comparing the digest case-insensitively.
func dsMatches(ds *dns.DS, key *dns.DNSKEY) bool {
	if ds.KeyTag != key.KeyTag() || ds.Algorithm != key.Algorithm || key.Protocol != 3 || key.Flags&dns.ZONE == 0 {
		return false
	}
	d := key.ToDS(ds.DigestType)
	return d != nil && strings.EqualFold(d.Digest, ds.Digest)
}

// sameKey reports whether two DNSKEYs carry the same key material.
func sameKey(a, b *dns.DNSKEY) bool {
	return a.Flags == b.Flags && a.Protocol == b.Protocol && a.Algorithm == b.Algorithm &&
		strings.TrimSpace(a.PublicKey) == strings.TrimSpace(b.PublicKey)
}

// noteWeakKey warns when a signature verified with an RSA key shorter
// than 1024 bits: it is verified (RFC 3110 §2 allows 512 bits, and
// Unbound verifies such keys too), but such a key can be factored with
// modest computing.
func (st *lookupState) noteWeakKey(zone string, k *dns.DNSKEY) {
	if !isRSA(k.Algorithm) {
		return
	}
	if _, bits := rsaKeyUnsupported(k); bits > 0 && bits < 1024 {
		st.warn(fmt.Sprintf("zone %s signs with a %d-bit RSA key (tag %d), short enough to be factored (2048 bits is usual today)", zone, bits, k.KeyTag()))
	}
}

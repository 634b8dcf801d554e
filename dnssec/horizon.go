package dnssec

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// This file holds what a monitor needs beyond the status of one answer:
// when the signatures it rests on expire (horizons), and the zone's
// DNSSEC hygiene (remarks). Both are facts; deciding how close is too
// close is left to the caller.

// Horizon is when the validation of one RRset stops: the expiration of
// the RRSIG that validated it (RFC 4035 §5.3.1). After it a validator
// treats the RRset as Bogus unless the zone is re-signed, and a DANE-EE
// binding lives only as long as its signatures (RFC 7671 §5.1).
type Horizon struct {
	// Owner and Type name the RRset, Owner fully qualified, lower case.
	Owner string `json:"owner"`
	Type  string `json:"type"`
	// Signer is the zone whose key made the signature.
	Signer    string `json:"signer"`
	KeyTag    uint16 `json:"key_tag"`
	Algorithm uint8  `json:"algorithm"`
	// Inception and Expiration are the signature's validity window.
	Inception  time.Time `json:"inception"`
	Expiration time.Time `json:"expiration"`
}

// Horizons returns the horizon of every RRset res rests on: the answer's
// RRsets and, for every zone on its chains, the DS RRset (signed by the
// parent) and the DNSKEY RRset. Each RRset appears once, with the
// earliest expiration among the signatures that validated it, ordered by
// expiration, then owner and type. It is empty when nothing was
// validated (an insecure or bogus answer carries no horizon worth a
// warning: its status already says more).
func (res *Result) Horizons() []Horizon {
	if res == nil || res.Security != Secure {
		return nil
	}
	return MergeHorizons(nil, res.horizons())
}

func (res *Result) horizons() []Horizon {
	var out []Horizon
	for _, l := range res.Chain {
		for _, s := range l.Signatures {
			if !s.Valid {
				continue
			}
			signer := s.Signer
			if signer == "" {
				signer = l.Zone
			}
			out = append(out, Horizon{Owner: s.Owner, Type: s.Type, Signer: signer, KeyTag: s.KeyTag,
				Algorithm: s.Algorithm, Inception: s.Inception, Expiration: s.Expiration})
		}
	}
	return out
}

// MergeHorizons adds more to hs, keeping one Horizon per RRset (owner,
// type and signer) with the earliest expiration, and returns them sorted
// by expiration, then owner and type. A check merges the horizons of
// all its lookups with it.
func MergeHorizons(hs []Horizon, more []Horizon) []Horizon {
	type key struct{ owner, typ, signer string }
	idx := map[key]int{}
	var out []Horizon
	for _, h := range append(append([]Horizon(nil), hs...), more...) {
		k := key{strings.ToLower(h.Owner), h.Type, strings.ToLower(h.Signer)}
		if i, ok := idx[k]; ok {
			if h.Expiration.Before(out[i].Expiration) {
				out[i] = h
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Expiration.Equal(b.Expiration) {
			return a.Expiration.Before(b.Expiration)
		}
		if a.Owner != b.Owner {
			return a.Owner < b.Owner
		}
		return a.Type < b.Type
	})
	return out
}

// RemarkCode is a stable code of a hygiene remark.
type RemarkCode string

// Hygiene remarks: practices that still validate but that current
// guidance asks zones to leave. They are part of the JSON output and stay
// stable; new ones may be added.
const (
	// RemarkSHA1Algorithm: the zone is signed with RSASHA1 (5) or
	// RSASHA1-NSEC3-SHA1 (7), which RFC 8624 §3.1 makes NOT RECOMMENDED
	// for signing, and which some validators already treat as
	// unsupported.
	RemarkSHA1Algorithm RemarkCode = "dnssec-sha1-algorithm"
	// RemarkSHA1OnlyDS: every DS record of the zone uses digest type 1
	// (SHA-1), which RFC 8624 §3.3 says MUST NOT be published.
	RemarkSHA1OnlyDS RemarkCode = "dnssec-sha1-only-ds"
	// RemarkNSEC3Parameters: the zone's NSEC3 records use extra
	// iterations or a salt, which RFC 9276 §3.1 asks zones not to
	// (iterations 0, empty salt).
	RemarkNSEC3Parameters RemarkCode = "dnssec-nsec3-parameters"
	// RemarkRSAKeyShort: a DNSKEY of the zone is an RSA key of fewer than
	// 2048 bits (RFC 8624 §3.1 and NIST SP 800-131A: 2048 bits minimum).
	RemarkRSAKeyShort RemarkCode = "dnssec-rsa-key-short"
)

// MinRSABits is the smallest RSA modulus, in bits, that draws no remark.
const MinRSABits = 2048

// Remark is one hygiene finding about a zone.
type Remark struct {
	Code RemarkCode `json:"code"`
	// Zone is the zone it is about, fully qualified.
	Zone string `json:"zone"`
	// Detail is one sentence for people.
	Detail string `json:"detail"`
}

// AllRemarks returns the remarks of res and of every link of its chain,
// each once.
func (res *Result) AllRemarks() []Remark {
	if res == nil {
		return nil
	}
	var all []Remark
	for _, l := range res.Chain {
		all = append(all, l.Remarks...)
	}
	return MergeRemarks(all, res.Remarks)
}

// MergeRemarks adds more to rs and drops repetitions (same code, zone
// and detail), keeping the first order.
func MergeRemarks(rs []Remark, more []Remark) []Remark {
	var out []Remark
	seen := map[Remark]bool{}
	for _, r := range append(append([]Remark(nil), rs...), more...) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// remark records hygiene findings, also as warnings for "lookup".
func (st *lookupState) remark(rs ...Remark) {
	for _, r := range rs {
		if r.Code == "" {
			continue
		}
		st.warn(r.Detail)
		st.mu.Lock()
		dup := false
		for _, x := range st.remarks {
			dup = dup || x == r
		}
		if !dup {
			st.remarks = append(st.remarks, r)
		}
		st.mu.Unlock()
	}
}

// keyRemarks judges the DS records (or DS anchors) that authenticated a
// zone, the keys they matched and the zone's whole DNSKEY RRset.
func keyRemarks(zone string, ds []*dns.DS, matched, keys []*dns.DNSKEY) []Remark {
	var out []Remark
	// RFC 8624 §3.1: RSASHA1 and RSASHA1-NSEC3-SHA1 are NOT RECOMMENDED
	// for signing.
	for _, k := range matched {
		if k.Algorithm == dns.RSASHA1 || k.Algorithm == dns.RSASHA1NSEC3SHA1 {
			out = append(out, Remark{RemarkSHA1Algorithm, zone,
				fmt.Sprintf("zone %s is signed with SHA-1 algorithm %d (%s), which RFC 8624 §3.1 deprecates; roll to algorithm 13 or 8", zone, k.Algorithm, dns.AlgorithmToString[k.Algorithm])})
			break
		}
	}
	// RFC 8624 §3.3: DS digest type 1 (SHA-1) MUST NOT be used; with a
	// SHA-256 DS alongside, validators use that one.
	if len(ds) > 0 {
		sha1Only := true
		for _, d := range ds {
			sha1Only = sha1Only && d.DigestType == dns.SHA1
		}
		if sha1Only {
			out = append(out, Remark{RemarkSHA1OnlyDS, zone,
				fmt.Sprintf("zone %s is authenticated only by SHA-1 DS records (digest type 1), which RFC 8624 §3.3 says must not be published; publish a SHA-256 (type 2) DS", zone)})
		}
	}
	var short []string
	for _, k := range keys {
		if bits := rsaBits(k); bits > 0 && bits < MinRSABits {
			short = append(short, fmt.Sprintf("%d (%d bits)", k.KeyTag(), bits))
		}
	}
	if len(short) > 0 {
		what := "key"
		if len(short) > 1 {
			what = "keys"
		}
		out = append(out, Remark{RemarkRSAKeyShort, zone,
			fmt.Sprintf("zone %s has RSA keys shorter than %d bits: %s %s (RFC 8624 §3.1); use 2048 bits or algorithm 13", zone, MinRSABits, what, strings.Join(short, ", "))})
	}
	return out
}

// nsec3Remark judges the NSEC3 parameters of a zone's denial of
// existence (RFC 9276 §3.1: iterations 0 and an empty salt). The zero
// Remark means nothing to say.
func nsec3Remark(zone string, iterations int, salt string) Remark {
	if iterations == 0 && (salt == "" || salt == "-") {
		return Remark{}
	}
	d := fmt.Sprintf("zone %s uses NSEC3 with %d extra iterations and salt %q; RFC 9276 §3.1 asks for 0 iterations and no salt", zone, iterations, salt)
	if iterations > nsec3WarnIterations {
		d += fmt.Sprintf("; validators that cap at %d (BIND, Knot Resolver) treat its denials as insecure (RFC 9276 §3.2)", nsec3WarnIterations)
	}
	return Remark{RemarkNSEC3Parameters, zone, d}
}

// rsaBits returns the modulus length of an RSA DNSKEY (RFC 3110 §2), 0
// for other algorithms and for key data that does not parse.
func rsaBits(k *dns.DNSKEY) int {
	switch k.Algorithm {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
	default:
		return 0
	}
	b, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(b) < 1 {
		return 0
	}
	// RFC 3110 §2: a one-octet exponent length, or zero and two octets.
	elen, off := int(b[0]), 1
	if elen == 0 {
		if len(b) < 3 {
			return 0
		}
		elen, off = int(b[1])<<8|int(b[2]), 3
	}
	if len(b) <= off+elen {
		return 0
	}
	return new(big.Int).SetBytes(b[off+elen:]).BitLen()
}

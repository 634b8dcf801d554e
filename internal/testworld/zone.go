package testworld

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// ZoneSpec describes one zone of the test hierarchy. The world adds the
// apex SOA and NS records when Records has none, adds the delegation (NS
// and, for signed zones, DS) to the closest enclosing zone of the world,
// and signs the zone when it starts.
type ZoneSpec struct {
	// Origin is the zone's apex, fully qualified ("example.test.").
	Origin string
	// Records are zone-file lines, one record each, for example
	// "mx.example.test. 300 IN A 127.0.0.10". Owners should be fully
	// qualified; relative ones and "@" are taken relative to Origin, and
	// a missing TTL means 3600. Every owner must be at or below Origin.
	Records []string
	// Algorithm is the DNSSEC algorithm number; 0 means
	// dns.ECDSAP256SHA256. Algorithms this package cannot sign with (for
	// example 12, ECC-GOST) get random keys and random signatures, which a
	// validator must treat as an unsupported algorithm.
	Algorithm uint8
	// Unsigned serves the zone without DNSSEC; its parent gets no DS, so
	// the delegation is insecure and the parent's NSEC/NSEC3 proves it.
	Unsigned bool
	// NSEC3 selects NSEC3 denial of existence (RFC 5155); nil means NSEC.
	NSEC3 *NSEC3Params
	// DSDigests are the digest types of the DS records the parent
	// publishes for the zone's KSK, one DS each; nil means SHA-256 only.
	// Types miekg/dns cannot compute (anything but 1, 2 and 4) get a
	// random 32-octet digest, which a validator must treat as an
	// unsupported digest (RFC 4035 §5.2).
	DSDigests []uint8
	// Faults deliberately break the zone.
	Faults ZoneFaults
}

// NSEC3Params are a zone's NSEC3 parameters (RFC 5155 §3.1).
type NSEC3Params struct {
	// Iterations is the number of additional hash iterations.
	Iterations uint16
	// Salt is the salt in hexadecimal, "" for none.
	Salt string
	// OptOut sets the opt-out flag and leaves unsigned delegations out of
	// the NSEC3 chain (RFC 5155 §6).
	OptOut bool
}

// ZoneFaults lists the deliberate breakages a zone can carry. Each one
// makes a validator's result predictable: see DNSScenarios.
type ZoneFaults struct {
	// ExpiredSigs signs the zone with signatures that expired two days
	// before the world's reference time.
	ExpiredSigs bool
	// FutureSigs signs the zone with signatures whose inception is two
	// days after the world's reference time.
	FutureSigs bool
	// WrongDS publishes a DS at the parent whose digest matches no DNSKEY
	// of the zone (the key tag still names the KSK).
	WrongDS bool
	// DNSKEYNotSignedByKSK signs the DNSKEY RRset with the ZSK only, so
	// the key the parent's DS refers to signs nothing.
	DNSKEYNotSignedByKSK bool
	// StripRRSIG serves every RRset of the zone except the DNSKEY RRset
	// without its RRSIGs, although the parent has a DS for the zone.
	StripRRSIG bool
	// UnsupportedAlgorithm replaces the zone's keys and signatures by
	// random ones of algorithm 12 (ECC-GOST, RFC 8624 §3.1: MUST NOT
	// validate), which this package cannot sign with; the parent's DS
	// names algorithm 12.
	UnsupportedAlgorithm bool
	// KeyTrap adds keyTrapKeys DNSKEYs that share the ZSK's key tag and
	// gives every RRset signed by the ZSK keyTrapSigs bogus RRSIGs with
	// that tag instead of its real one (CVE-2023-50387).
	KeyTrap bool
	// MissingWildcardProof serves wildcard-synthesised answers without
	// the NSEC/NSEC3 records proving that no closer match exists.
	MissingWildcardProof bool
}

// bogus reports whether the faults make the zone's data bogus for a
// validating resolver (used by DNSOptions.IgnoreCD).
func (f ZoneFaults) bogus() bool {
	return f.ExpiredSigs || f.FutureSigs || f.WrongDS || f.DNSKEYNotSignedByKSK ||
		f.StripRRSIG || f.KeyTrap || f.MissingWildcardProof
}

// KeyTrap sizes: enough colliding keys and signatures that a validator
// without work limits would do thousands of verifications per RRset.
const (
	keyTrapKeys = 32
	keyTrapSigs = 40
)

// rrset is one RRset of a zone with the RRSIGs that cover it. The
// RRSIGs are made on first use (see zone.sigs), so that starting a world
// does not sign RRsets no test asks for.
type rrset struct {
	rrs []dns.RR
	// typ and signed are set by zone.finish: the RRset's type, and
	// whether the zone signs it.
	typ    uint16
	signed bool
	once   sync.Once
	sigs   []dns.RR
}

// node is one owner name of a zone. A node without RRsets is an empty
// non-terminal (RFC 4592 §2.2.2): it exists, but has no data.
type node struct {
	name string
	sets map[uint16]*rrset
}

func (n *node) empty() bool { return len(n.sets) == 0 }

// nsec3Entry is one NSEC3 record of a zone's chain, indexed by the
// upper-case base32hex hash of the original owner name.
type nsec3Entry struct {
	hash string
	set  *rrset // the NSEC3 record
}

// zone is a parsed, signed zone ready to answer queries.
type zone struct {
	spec   ZoneSpec
	origin string
	labels int
	parent *zone
	signed bool
	// bogus is set when this zone or an ancestor carries a fault that
	// makes its data bogus.
	bogus bool
	ksk   *zoneKey
	zsk   *zoneKey
	// trapKeys are the KeyTrap zone's extra DNSKEYs.
	trapKeys []*dns.DNSKEY
	// inception and expiration of the zone's RRSIGs, set by finish.
	inception, expiration uint32
	// signErr holds the first error of lazy signing (never expected:
	// finish signs the apex eagerly with the same keys).
	signErr atomic.Pointer[error]

	nodes map[string]*node
	// cuts are the delegation points: non-apex owners of NS RRsets.
	cuts map[string]bool
	// nsecOwners lists the owners in the NSEC chain, in canonical order.
	nsecOwners []string
	// nsecKeys holds the canonicalKey of each entry of nsecOwners.
	nsecKeys []string
	// nsec3 is the NSEC3 chain sorted by hash; nsec3ByHash indexes it.
	nsec3       []*nsec3Entry
	nsec3ByHash map[string]*nsec3Entry
}

// parseZone checks a ZoneSpec and loads its records into a zone. The
// zone is not signed yet.
func parseZone(spec ZoneSpec) (*zone, error) {
	if _, ok := dns.IsDomainName(spec.Origin); !ok || spec.Origin == "" {
		return nil, fmt.Errorf("zone %q: origin is not a domain name", spec.Origin)
	}
	if !dns.IsFqdn(spec.Origin) {
		return nil, fmt.Errorf("zone %q: origin must be fully qualified", spec.Origin)
	}
	origin := dns.CanonicalName(spec.Origin)
	z := &zone{
		spec:   spec,
		origin: origin,
		labels: dns.CountLabel(origin),
		signed: !spec.Unsigned,
		nodes:  map[string]*node{},
		cuts:   map[string]bool{},
	}
	if z.signed && z.spec.Algorithm == 0 {
		z.spec.Algorithm = dns.ECDSAP256SHA256
	}
	if z.spec.Faults.UnsupportedAlgorithm {
		z.spec.Algorithm = dns.ECCGOST
	}
	if spec.NSEC3 != nil && len(spec.NSEC3.Salt) > 0 {
		if len(spec.NSEC3.Salt)%2 != 0 || len(spec.NSEC3.Salt) > 510 || strings.Trim(strings.ToLower(spec.NSEC3.Salt), "0123456789abcdef") != "" {
			return nil, fmt.Errorf("zone %s: NSEC3 salt %q is not hexadecimal of at most 255 octets", origin, spec.NSEC3.Salt)
		}
	}
	for i, line := range spec.Records {
		// Each line is parsed on its own, relative to the origin, so
		// "@" and relative owners work too; the default TTL is 3600.
		zp := dns.NewZoneParser(strings.NewReader(line), origin, "")
		zp.SetDefaultTTL(3600)
		rr, _ := zp.Next()
		if err := zp.Err(); err != nil {
			return nil, fmt.Errorf("zone %s: record %d %q: %w", origin, i+1, line, err)
		}
		if rr == nil {
			continue // a blank or comment line
		}
		if err := z.add(rr); err != nil {
			return nil, fmt.Errorf("zone %s: record %d %q: %w", origin, i+1, line, err)
		}
	}
	apex := z.nodes[origin]
	if apex == nil || apex.sets[dns.TypeSOA] == nil {
		soa := &dns.SOA{
			Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
			Ns:      nsName(origin),
			Mbox:    "hostmaster." + strings.TrimPrefix(origin, "."),
			Serial:  1,
			Refresh: 7200, Retry: 3600, Expire: 1209600,
			Minttl: negativeTTL,
		}
		if origin == "." {
			soa.Mbox = "hostmaster.test."
		}
		if err := z.add(soa); err != nil {
			return nil, err
		}
		apex = z.nodes[origin]
	}
	if apex.sets[dns.TypeNS] == nil {
		if err := z.add(nsRecord(origin)); err != nil {
			return nil, err
		}
	}
	return z, nil
}

// negativeTTL is the SOA minimum of generated SOA records, and so the
// TTL of NSEC/NSEC3 records in zones whose SOA is generated.
const negativeTTL = 300

func nsName(origin string) string {
	if origin == "." {
		return "ns1.test."
	}
	return "ns1." + origin
}

func nsRecord(owner string) *dns.NS {
	return &dns.NS{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: nsName(owner)}
}

// add inserts one record, creating its node and the empty non-terminals
// between it and the apex.
func (z *zone) add(rr dns.RR) error {
	h := rr.Header()
	if h.Class != dns.ClassINET {
		return fmt.Errorf("class %s is not IN", dns.Class(h.Class))
	}
	switch h.Rrtype {
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY:
		return fmt.Errorf("type %s is generated by the world, not given", dns.TypeToString[h.Rrtype])
	}
	owner := dns.CanonicalName(h.Name)
	if !dns.IsSubDomain(z.origin, owner) {
		return fmt.Errorf("owner %s is outside the zone", h.Name)
	}
	h.Name = owner
	n := z.node(owner)
	s := n.sets[h.Rrtype]
	if s == nil {
		s = &rrset{}
		n.sets[h.Rrtype] = s
	}
	// RFC 2181 §5.2: all records of an RRset share one TTL.
	if len(s.rrs) > 0 {
		h.Ttl = s.rrs[0].Header().Ttl
		for _, old := range s.rrs {
			if dns.IsDuplicate(old, rr) {
				return nil
			}
		}
	}
	s.rrs = append(s.rrs, rr)
	if h.Rrtype == dns.TypeNS && owner != z.origin {
		z.cuts[owner] = true
	}
	return nil
}

// node returns the node for name, creating it and any empty non-terminals
// above it.
func (z *zone) node(name string) *node {
	if n := z.nodes[name]; n != nil {
		return n
	}
	n := &node{name: name, sets: map[uint16]*rrset{}}
	z.nodes[name] = n
	for p := name; p != z.origin; {
		off, end := dns.NextLabel(p, 0)
		if end {
			break
		}
		p = p[off:]
		if p == "" {
			p = "."
		}
		if z.nodes[p] != nil {
			break
		}
		z.nodes[p] = &node{name: p, sets: map[uint16]*rrset{}}
	}
	return n
}

// cutAbove returns the delegation point at or above name inside the zone
// (below the apex), or "" when name is authoritative data of the zone.
func (z *zone) cutAbove(name string) string {
	cut := ""
	for p := name; dns.CountLabel(p) > z.labels; p = parentName(p) {
		if z.cuts[p] {
			cut = p
		}
	}
	return cut
}

// authoritative reports whether the zone holds authoritative data at
// name: names below a delegation point are glue, and the delegation point
// itself is authoritative only for its NS (not signed) and DS RRsets
// (RFC 4035 §2.2).
func (z *zone) authoritative(name string) bool {
	cut := z.cutAbove(name)
	return cut == "" || cut == name
}

// parentName returns the name with its first label removed ("." for a
// top-level name and for the root).
func parentName(name string) string {
	off, end := dns.NextLabel(name, 0)
	if end || off >= len(name) {
		return "."
	}
	return name[off:]
}

// ancestorAt returns the suffix of name that has the given number of
// labels.
func ancestorAt(name string, labels int) string {
	for dns.CountLabel(name) > labels {
		name = parentName(name)
	}
	return name
}

package tlsa

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Usage is the certificate usage field of a TLSA record (RFC 6698 §2.1.1,
// names from RFC 7218).
type Usage uint8

// Certificate usages.
const (
	PKIXTA Usage = 0 // PKIX-TA: unusable for SMTP (RFC 7672 §3.1.3)
	PKIXEE Usage = 1 // PKIX-EE: unusable for SMTP (RFC 7672 §3.1.3)
	DANETA Usage = 2 // DANE-TA: a trust anchor in the presented chain
	DANEEE Usage = 3 // DANE-EE: the server's own certificate or key
)

// String returns the RFC 7218 acronym, or the number for unknown usages.
func (u Usage) String() string {
	switch u {
	case PKIXTA:
		return "PKIX-TA"
	case PKIXEE:
		return "PKIX-EE"
	case DANETA:
		return "DANE-TA"
	case DANEEE:
		return "DANE-EE"
	}
	return strconv.Itoa(int(u))
}

// Selector is the selector field of a TLSA record (RFC 6698 §2.1.2).
type Selector uint8

// Selectors.
const (
	Cert Selector = 0 // the full certificate, DER encoded
	SPKI Selector = 1 // the DER SubjectPublicKeyInfo
)

// String returns the RFC 7218 acronym, or the number for unknown selectors.
func (s Selector) String() string {
	switch s {
	case Cert:
		return "Cert"
	case SPKI:
		return "SPKI"
	}
	return strconv.Itoa(int(s))
}

// MatchingType is the matching type field of a TLSA record (RFC 6698
// §2.1.3).
type MatchingType uint8

// Matching types.
const (
	Full   MatchingType = 0 // the selected bytes as they are
	SHA256 MatchingType = 1 // SHA-256 of the selected bytes
	SHA512 MatchingType = 2 // SHA-512 of the selected bytes
)

// String returns the RFC 7218 acronym, or the number for unknown types.
func (m MatchingType) String() string {
	switch m {
	case Full:
		return "Full"
	case SHA256:
		return "SHA2-256"
	case SHA512:
		return "SHA2-512"
	}
	return strconv.Itoa(int(m))
}

// digestLen is the association data length a matching type requires, or 0
// when any non-empty length is allowed (Full) or the type is unknown.
func (m MatchingType) digestLen() int {
	switch m {
	case SHA256:
		return 32
	case SHA512:
		return 64
	}
	return 0
}

// maxDataLen bounds association data: RDATA cannot exceed 65535 octets.
const maxDataLen = 65535 - 3

// Record is one TLSA record in decoded form. Data holds the certificate
// association data as bytes, never as hex, so that comparisons are
// independent of the case used in the zone file.
type Record struct {
	Usage        Usage
	Selector     Selector
	MatchingType MatchingType
	Data         []byte
	// Invalid is set when the record could not be decoded (for example a
	// dns.TLSA whose hex is malformed). Such a record is kept so that it
	// can be reported, and is unusable.
	Invalid string
}

// String returns the record in presentation form, "3 1 1 <hex>", with
// lower-case hex.
func (r Record) String() string {
	return fmt.Sprintf("%d %d %d %s", r.Usage, r.Selector, r.MatchingType, hex.EncodeToString(r.Data))
}

// ZoneLine returns the record as a zone-file line with the given owner,
// for example "_25._tcp.mx.example.org. IN TLSA 3 1 1 <hex>". A ttl of 0
// leaves the TTL out so the zone's default applies.
func (r Record) ZoneLine(owner string, ttl uint32) string {
	if ttl == 0 {
		return fmt.Sprintf("%s IN TLSA %s", owner, r)
	}
	return fmt.Sprintf("%s %d IN TLSA %s", owner, ttl, r)
}

// DNS returns the record as a miekg/dns resource record.
func (r Record) DNS(owner string, ttl uint32) *dns.TLSA {
	return &dns.TLSA{
		Hdr:          dns.RR_Header{Name: dns.Fqdn(owner), Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: ttl},
		Usage:        uint8(r.Usage),
		Selector:     uint8(r.Selector),
		MatchingType: uint8(r.MatchingType),
		Certificate:  hex.EncodeToString(r.Data),
	}
}

// Owner returns the TLSA owner name for a service: "_25._tcp.HOST." for
// SMTP on port 25 (RFC 6698 §3, RFC 7672 §2.2.3).
func Owner(host string, port int) string {
	return fmt.Sprintf("_%d._tcp.%s", port, dns.Fqdn(strings.ToLower(host)))
}

type recordJSON struct {
	Usage        uint8  `json:"usage"`
	Selector     uint8  `json:"selector"`
	MatchingType uint8  `json:"matching_type"`
	Data         string `json:"data"`
	Invalid      string `json:"invalid,omitempty"`
}

// MarshalJSON renders the record with its fields as numbers and the data
// as lower-case hex.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(recordJSON{uint8(r.Usage), uint8(r.Selector), uint8(r.MatchingType), hex.EncodeToString(r.Data), r.Invalid})
}

// UnmarshalJSON reads the form written by MarshalJSON.
func (r *Record) UnmarshalJSON(b []byte) error {
	var j recordJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	data, err := hex.DecodeString(j.Data)
	if err != nil {
		return fmt.Errorf("tlsa record data: %w", err)
	}
	*r = Record{Usage(j.Usage), Selector(j.Selector), MatchingType(j.MatchingType), data, j.Invalid}
	return nil
}

// FromDNS converts records from miekg/dns. It never fails: a record whose
// hex data does not decode is returned with Invalid set, so that Verify
// reports it as unusable instead of silently dropping it.
func FromDNS(rrs []*dns.TLSA) []Record {
	out := make([]Record, 0, len(rrs))
	for _, rr := range rrs {
		if rr == nil {
			continue
		}
		r := Record{Usage: Usage(rr.Usage), Selector: Selector(rr.Selector), MatchingType: MatchingType(rr.MatchingType)}
		data, err := hex.DecodeString(rr.Certificate)
		if err != nil {
			r.Invalid = fmt.Sprintf("association data is not valid hex: %v", err)
		} else {
			r.Data = data
		}
		out = append(out, r)
	}
	return out
}

// ErrSyntax is wrapped by every parse error of ParseRecord and ParseRDATA.
var ErrSyntax = errors.New("malformed TLSA record")

// ParseRecord parses the presentation form of TLSA RDATA: usage, selector
// and matching type as numbers (or RFC 7218 acronyms such as "DANE-EE SPKI
// SHA2-256"), followed by the association data in hex, which may be split
// by white space as in zone files (RFC 6698 §2.2). Values outside 0..255,
// odd-length or non-hex data, and missing data are errors wrapping
// ErrSyntax. Unknown but well-formed values parse; Verify then reports the
// record as unusable.
func ParseRecord(s string) (Record, error) {
	f := strings.Fields(s)
	if len(f) < 4 {
		return Record{}, fmt.Errorf("%w: %q: want \"usage selector matching-type hex-data\"", ErrSyntax, clip(s))
	}
	u, err := parseField(f[0], usageNames)
	if err != nil {
		return Record{}, fmt.Errorf("%w: usage: %v", ErrSyntax, err)
	}
	sel, err := parseField(f[1], selectorNames)
	if err != nil {
		return Record{}, fmt.Errorf("%w: selector: %v", ErrSyntax, err)
	}
	m, err := parseField(f[2], matchingNames)
	if err != nil {
		return Record{}, fmt.Errorf("%w: matching type: %v", ErrSyntax, err)
	}
	h := strings.Join(f[3:], "")
	if len(h) > 2*maxDataLen {
		return Record{}, fmt.Errorf("%w: association data longer than %d octets", ErrSyntax, maxDataLen)
	}
	data, err := hex.DecodeString(h)
	if err != nil {
		return Record{}, fmt.Errorf("%w: association data: %v", ErrSyntax, err)
	}
	return Record{Usage: Usage(u), Selector: Selector(sel), MatchingType: MatchingType(m), Data: data}, nil
}

// ParseRDATA parses TLSA RDATA in wire form (RFC 6698 §2.1): three octets
// followed by the association data, which must not be empty.
func ParseRDATA(b []byte) (Record, error) {
	if len(b) < 4 {
		return Record{}, fmt.Errorf("%w: RDATA of %d octets, need at least 4", ErrSyntax, len(b))
	}
	if len(b) > 65535 {
		return Record{}, fmt.Errorf("%w: RDATA of %d octets exceeds 65535", ErrSyntax, len(b))
	}
	data := make([]byte, len(b)-3)
	copy(data, b[3:])
	return Record{Usage: Usage(b[0]), Selector: Selector(b[1]), MatchingType: MatchingType(b[2]), Data: data}, nil
}

// RDATA returns the wire form of the record's RDATA.
func (r Record) RDATA() []byte {
	return append([]byte{byte(r.Usage), byte(r.Selector), byte(r.MatchingType)}, r.Data...)
}

var (
	usageNames    = map[string]uint8{"pkix-ta": 0, "pkix-ee": 1, "dane-ta": 2, "dane-ee": 3, "privcert": 255}
	selectorNames = map[string]uint8{"cert": 0, "spki": 1, "privsel": 255}
	matchingNames = map[string]uint8{"full": 0, "sha2-256": 1, "sha2-512": 2, "privmatch": 255}
)

func parseField(s string, names map[string]uint8) (uint8, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number from 0 to 255", clip(s))
	}
	return uint8(n), nil
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

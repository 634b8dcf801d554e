package dnssec

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Security is the DNSSEC status of an answer (RFC 4033 §5, RFC 4035 §4.3).
type Security int

const (
	// Indeterminate means the status could not be established, for
	// example because no upstream answered or the upstream strips DNSSEC
	// records. It is the zero value, so an unset status is never Secure.
	Indeterminate Security = iota
	// Secure means every RRset in the answer (or the denial of existence)
	// was validated along a chain of trust from a trust anchor.
	Secure
	// Insecure means the answer is provably outside signed space: an
	// unsigned delegation was proven, or the zone uses only algorithms or
	// digests this validator does not support (RFC 4035 §5.2).
	Insecure
	// Bogus means validation should have succeeded but failed: bad or
	// missing signatures, a broken chain, or an invalid denial proof.
	Bogus
)

// String returns the lower-case name used in output: "secure",
// "insecure", "bogus" or "indeterminate".
func (s Security) String() string {
	switch s {
	case Secure:
		return "secure"
	case Insecure:
		return "insecure"
	case Bogus:
		return "bogus"
	default:
		return "indeterminate"
	}
}

// MarshalText renders the status as its String form for JSON output.
func (s Security) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the String form of a status.
func (s *Security) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "secure":
		*s = Secure
	case "insecure":
		*s = Insecure
	case "bogus":
		*s = Bogus
	case "indeterminate":
		*s = Indeterminate
	default:
		return fmt.Errorf("unknown DNSSEC status %q", b)
	}
	return nil
}

// Reason is a stable, machine-readable code saying why a result has the
// status it has. The empty Reason goes with a plain Secure result.
type Reason string

// Reasons a lookup can return. They are part of the JSON output and stay
// stable; new ones may be added.
const (
	ReasonNone                   Reason = ""
	ReasonUnsignedDelegation     Reason = "unsigned-delegation"       // Insecure: no DS proven at a parent
	ReasonUnsupportedAlgorithm   Reason = "unsupported-algorithm"     // Insecure: DS set has no supported algorithm
	ReasonUnsupportedDigest      Reason = "unsupported-digest"        // Insecure: DS set has no supported digest type
	ReasonUnsupportedKeySize     Reason = "unsupported-key-size"      // Insecure: DS set names only RSA keys outside 512..4096 bits
	ReasonNSEC3IterationsTooMany Reason = "nsec3-iterations-too-high" // Insecure: RFC 9276 §3.2 cap exceeded
	ReasonNoTrustAnchor          Reason = "no-trust-anchor"           // Insecure: no configured anchor covers the name
	ReasonSignatureExpired       Reason = "signature-expired"
	ReasonSignatureNotYetValid   Reason = "signature-not-yet-valid"
	ReasonSignatureInvalid       Reason = "signature-invalid"
	ReasonNoMatchingDNSKEY       Reason = "no-matching-dnskey"
	ReasonDSMismatch             Reason = "ds-mismatch"
	ReasonDNSKEYNotSignedByKSK   Reason = "dnskey-not-signed-by-ds-key"
	ReasonMissingRRSIG           Reason = "missing-rrsig"
	ReasonNSECProofInvalid       Reason = "nsec-proof-invalid"
	ReasonNSEC3ProofInvalid      Reason = "nsec3-proof-invalid"
	ReasonWildcardProofMissing   Reason = "wildcard-proof-missing"
	ReasonCNAMEChainTooLong      Reason = "cname-chain-too-long"
	ReasonDNAMEMismatch          Reason = "dname-mismatch" // Bogus: an unsigned CNAME next to a DNAME is not its synthesis
	ReasonResourceLimit          Reason = "resource-limit" // KeyTrap-style work bound hit
	ReasonUpstreamStripsDNSSEC   Reason = "upstream-strips-dnssec"
	ReasonUpstreamError          Reason = "upstream-error"
	ReasonTrustAnchorMismatch    Reason = "trust-anchor-mismatch" // Indeterminate: the anchor zone serves no key the configured anchor names (a local fault)
	ReasonBadResponse            Reason = "bad-response"
)

// Result is the outcome of one validated lookup. Validation failures are
// results (Security Bogus or Indeterminate with a Reason), not errors.
type Result struct {
	// Name and Type are the question as asked, Name fully qualified and
	// lower case.
	Name string
	Type uint16
	// Rcode is the DNS response code of the final answer (dns.RcodeSuccess
	// for data and NODATA, dns.RcodeNameError for NXDOMAIN).
	Rcode int
	// Answer holds the answer section without RRSIGs: any CNAME/DNAME
	// links first, in chain order, then the RRset of the requested type
	// at the Canonical name. It is empty for NODATA and NXDOMAIN. For a
	// Bogus or Indeterminate result it holds what the upstream sent, for
	// diagnosis only: never act on it.
	Answer []dns.RR
	// Canonical is the owner name of the final RRset after following
	// CNAMEs (equal to Name when there were none). RFC 7672 §2.2.2 uses it
	// as the candidate TLSA base domain.
	Canonical string
	// Security is the status of the answer as a whole: the weakest link
	// of the CNAME chain and the final RRset or denial.
	Security Security
	// Reason and Detail explain Security: a stable code and one sentence for
	// people. Both are empty for a plain Secure answer.
	Reason Reason
	Detail string
	// Warnings are remarks that do not change the status, such as a SHA-1
	// algorithm in the chain or NSEC3 iterations that other validators
	// would reject.
	Warnings []string
	// Remarks are the hygiene findings among Warnings, with stable codes
	// (see horizon.go): remarks of the answer itself, such as NSEC3
	// parameters; those about a zone's keys are on its ChainLink.
	Remarks []Remark
	// TTL is the time the result may be cached: the minimum of the
	// answer's TTLs, capped by the RRSIG original TTLs and expirations.
	TTL time.Duration
	// Chain describes the authentication chain that was used, from the
	// trust anchor down, for "lookup --trace". It may be empty.
	Chain []ChainLink
}

// ChainLink describes one zone on an authentication chain.
type ChainLink struct {
	// Zone is the zone's apex name.
	Zone string `json:"zone"`
	// Security is the status established for the zone's keys.
	Security Security `json:"security"`
	// DS lists the DS records that authenticated the zone's keys
	// (presentation format); empty for the trust anchor's zone when the
	// anchor is a DNSKEY, and for insecure delegations.
	DS []string `json:"ds,omitempty"`
	// Keys lists the zone's DNSKEYs: tag, algorithm, flags, and whether
	// a DS matched it.
	Keys []KeyInfo `json:"keys,omitempty"`
	// Signatures lists which key signed which RRset, with the validity
	// window.
	Signatures []SignatureInfo `json:"signatures,omitempty"`
	// Note is a free-text remark, for example how an insecure delegation
	// was proven.
	Note string `json:"note,omitempty"`
	// Remarks are the hygiene findings about the zone's DS and DNSKEY
	// records (see horizon.go).
	Remarks []Remark `json:"remarks,omitempty"`
}

// KeyInfo summarises one DNSKEY.
type KeyInfo struct {
	Tag       uint16 `json:"tag"`
	Algorithm uint8  `json:"algorithm"`
	Flags     uint16 `json:"flags"`
	DSMatched bool   `json:"ds_matched"`
}

// SignatureInfo summarises one RRSIG that was verified or tried.
type SignatureInfo struct {
	Owner string `json:"owner"`
	Type  string `json:"type"`
	// Signer is the zone whose key made the signature.
	Signer     string    `json:"signer,omitempty"`
	KeyTag     uint16    `json:"key_tag"`
	Algorithm  uint8     `json:"algorithm"`
	Inception  time.Time `json:"inception"`
	Expiration time.Time `json:"expiration"`
	Valid      bool      `json:"valid"`
}

// Lookuper is what higher layers (MTA-STS, the delivery check) need from
// DNS: one answer with its authenticity. *Resolver implements it; tests
// use scripted implementations.
type Lookuper interface {
	// Lookup resolves name/qtype and validates the answer. The error is
	// for I/O and context failures; validation outcomes are in Result.
	Lookup(ctx context.Context, name string, qtype uint16) (*Result, error)
}

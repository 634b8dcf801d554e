package delivery

import (
	"github.com/daneprobe/daneprobe/tlsa"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// DANEResult is a DANE verdict for a domain or one MX host.
type DANEResult string

// DANE verdicts. For one MX host only verified, failed, unusable and none
// occur; partial is a domain-level verdict.
const (
	// DANEVerified: every MX (for a domain) or at least one address (for
	// an MX) is reached over TLS authenticated by a usable TLSA record.
	DANEVerified DANEResult = "verified"
	// DANEPartial: not every MX authenticates, but a DANE-enforcing
	// sender can still deliver via another MX.
	DANEPartial DANEResult = "partial"
	// DANEFailed: a DANE-enforcing sender would defer (domain) or skip
	// this MX (host).
	DANEFailed DANEResult = "failed"
	// DANEUnusable: only unusable TLSA records (RFC 7672 §2.2.3): TLS is
	// mandatory but unauthenticated.
	DANEUnusable DANEResult = "unusable"
	// DANENone: no secure TLSA records, so DANE does not apply.
	DANENone DANEResult = "none"
)

// AddressDANE is the DANE verdict for one address, in the words of the
// design notes.
type AddressDANE string

// Per-address DANE verdicts.
const (
	AddressVerified     AddressDANE = "verified"
	AddressFailed       AddressDANE = "failed"
	AddressUnusableTLSA AddressDANE = "unusable-tlsa"
	AddressNone         AddressDANE = "none"
)

// MTASTSResult is an MTA-STS verdict for a domain, an MX or an address.
type MTASTSResult string

// MTA-STS verdicts.
const (
	MTASTSPass MTASTSResult = "pass"
	MTASTSFail MTASTSResult = "fail"
	// MTASTSNone: no MTA-STS policy is in effect (no record, mode none,
	// or the policy could not be fetched or parsed).
	MTASTSNone MTASTSResult = "none"
)

// Action is what a sending MTA does: with a domain (deliver-authenticated,
// deliver-opportunistic, defer, no-mail) or with one MX
// (deliver-authenticated, deliver-opportunistic, skip).
type Action string

// Sender actions.
const (
	// DeliverAuthenticated: over TLS whose certificate the policy
	// authenticates.
	DeliverAuthenticated Action = "deliver-authenticated"
	// DeliverOpportunistic: over TLS if offered (possibly mandatory but
	// unauthenticated), else in clear text.
	DeliverOpportunistic Action = "deliver-opportunistic"
	// Defer: the message stays queued; no MX can be used.
	Defer Action = "defer"
	// NoMail: the domain accepts no mail (null MX, or it does not exist);
	// the sender bounces the message at once.
	NoMail Action = "no-mail"
	// Skip: this MX is not used; the sender tries the next one.
	Skip Action = "skip"
	// Unknown: the check stopped before anything was decided (see
	// NotStarted), so what a sender would do is not known.
	Unknown Action = "unknown"
)

// Reason is a stable code saying why a verdict is what it is.
type Reason string

// Reasons for failed DANE and MTA-STS verdicts. They are part of the
// JSON output and stay stable; new ones may be added. The reasons a chain
// does not match usable TLSA records are package tlsa's failure codes.
const (
	ReasonNone Reason = ""
	// Lookup failures (RFC 7672 §2.1.1, §2.1.2).
	ReasonMXLookupBogus       Reason = "mx-lookup-bogus"
	ReasonMXLookupFailed      Reason = "mx-lookup-failed"
	ReasonAddressLookupBogus  Reason = "address-lookup-bogus"
	ReasonAddressLookupFailed Reason = "address-lookup-failed"
	ReasonTLSALookupBogus     Reason = "bogus-tlsa"
	ReasonTLSALookupFailed    Reason = "tlsa-lookup-failed"
	ReasonNoAddresses         Reason = "no-addresses"
	ReasonFamilyNotProbed     Reason = "family-not-probed" // -4/-6: no address of that family to probe
	ReasonUnreachable         Reason = "unreachable"
	ReasonNoSTARTTLS          Reason = "no-starttls"
	ReasonHandshake           Reason = "handshake"
	ReasonNoMatch             Reason = "no-match"
	ReasonNameMismatch               = Reason(tlsa.CodeNameMismatch)
	ReasonExpired                    = Reason(tlsa.CodeExpired)
	ReasonChainInvalid               = Reason(tlsa.CodeChainInvalid)
	ReasonTANotInChain               = Reason(tlsa.CodeTANotInChain)
	ReasonLeafMismatch               = Reason(tlsa.CodeLeafMismatch)
	ReasonNoCertificate              = Reason(tlsa.CodeNoCertificate)
	ReasonNotYetValid                = Reason(tlsa.CodeNotYetValid)
	ReasonInsecureSignature          = Reason(tlsa.CodeInsecureSignature)
	ReasonWebPKIInvalid       Reason = "webpki-invalid"
	ReasonMXNotInPolicy       Reason = "mx-mismatch"
	ReasonWebPKIExpired       Reason = "webpki-expired"
	ReasonWebPKIHostMismatch  Reason = "webpki-host-mismatch"
	ReasonWebPKINotTrusted    Reason = "webpki-not-trusted"
	ReasonWebPKINotChecked    Reason = "webpki-not-checked"
	ReasonMTASTSPolicyFetch   Reason = "policy-fetch"
	ReasonMTASTSPolicyInvalid Reason = "policy-invalid"
)

// Policies a Failure can break.
const (
	PolicyDANE   = "dane"
	PolicyMTASTS = "mta-sts"
	PolicyDNSSEC = "dnssec"
)

// resultType maps a failure reason to its RFC 8460 §4.3 result type.
func resultType(r Reason) tlsrpt.ResultType {
	switch r {
	case ReasonNoSTARTTLS:
		return tlsrpt.ResultSTARTTLSNotSupported
	case ReasonNameMismatch, ReasonWebPKIHostMismatch:
		return tlsrpt.ResultCertificateHostMismatch
	case ReasonExpired, ReasonNotYetValid, ReasonWebPKIExpired:
		return tlsrpt.ResultCertificateExpired
	case ReasonChainInvalid, ReasonInsecureSignature, ReasonWebPKINotTrusted:
		return tlsrpt.ResultCertificateNotTrusted
	case ReasonNoMatch, ReasonLeafMismatch, ReasonTANotInChain, ReasonNoCertificate:
		// RFC 8460 §4.3.2.1: none of the TLSA records were found valid
		// for the presented certificate.
		return tlsrpt.ResultTLSAInvalid
	case ReasonMXLookupBogus, ReasonMXLookupFailed,
		ReasonAddressLookupBogus, ReasonAddressLookupFailed,
		ReasonTLSALookupBogus, ReasonTLSALookupFailed:
		// RFC 8460 §4.3.2.1: no valid records were returned.
		return tlsrpt.ResultDNSSECInvalid
	case ReasonMTASTSPolicyFetch:
		return tlsrpt.ResultSTSPolicyFetchError
	case ReasonMTASTSPolicyInvalid:
		return tlsrpt.ResultSTSPolicyInvalid
	case ReasonWebPKINotChecked, ReasonWebPKIInvalid:
		return tlsrpt.ResultSTSWebPKIInvalid
	default:
		// Handshake failures, an MX outside the policy, anything else.
		return tlsrpt.ResultValidationFailure
	}
}

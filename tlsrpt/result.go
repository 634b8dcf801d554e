package tlsrpt

// ResultType is a failure code of RFC 8460 §4.3: the reason a sending MTA
// gives in a TLS report for a session that did not complete as its policy
// required. daneprobe tags every failure it finds with the result type a
// sender would have reported for it.
type ResultType string

// Negotiation failures (RFC 8460 §4.3.1).
const (
	// ResultSTARTTLSNotSupported: the receiving MX did not offer STARTTLS.
	ResultSTARTTLSNotSupported ResultType = "starttls-not-supported"
	// ResultCertificateHostMismatch: the certificate does not name the
	// host the policy requires.
	ResultCertificateHostMismatch ResultType = "certificate-host-mismatch"
	// ResultCertificateExpired: the certificate has expired.
	ResultCertificateExpired ResultType = "certificate-expired"
	// ResultCertificateNotTrusted: the chain does not lead to a trusted
	// root (MTA-STS) or trust anchor.
	ResultCertificateNotTrusted ResultType = "certificate-not-trusted"
	// ResultValidationFailure: any other failure to validate, including
	// the general failures of RFC 8460 §4.3.3.
	ResultValidationFailure ResultType = "validation-failure"
)

// DANE policy failures (RFC 8460 §4.3.2.1).
const (
	// ResultTLSAInvalid: the TLSA records matched nothing presented, or
	// were malformed.
	ResultTLSAInvalid ResultType = "tlsa-invalid"
	// ResultDNSSECInvalid: the TLSA (or MX, or address) lookup did not
	// validate: bogus or failed.
	ResultDNSSECInvalid ResultType = "dnssec-invalid"
	// ResultDANERequired: the sender requires DANE and found no TLSA.
	ResultDANERequired ResultType = "dane-required"
)

// MTA-STS policy failures (RFC 8460 §4.3.2.2).
const (
	// ResultSTSPolicyFetchError: the policy could not be fetched.
	ResultSTSPolicyFetchError ResultType = "sts-policy-fetch-error"
	// ResultSTSPolicyInvalid: the policy did not parse or was not valid.
	ResultSTSPolicyInvalid ResultType = "sts-policy-invalid"
	// ResultSTSWebPKIInvalid: the policy host's certificate is not
	// WebPKI-valid.
	ResultSTSWebPKIInvalid ResultType = "sts-webpki-invalid"
)

// ResultTypes lists every result type RFC 8460 §4.3 defines, in the
// order of the RFC.
func ResultTypes() []ResultType {
	return []ResultType{
		ResultSTARTTLSNotSupported, ResultCertificateHostMismatch,
		ResultCertificateExpired, ResultCertificateNotTrusted,
		ResultValidationFailure,
		ResultTLSAInvalid, ResultDNSSECInvalid, ResultDANERequired,
		ResultSTSPolicyFetchError, ResultSTSPolicyInvalid, ResultSTSWebPKIInvalid,
	}
}

// Known reports whether t is one of the result types of RFC 8460 §4.3.
// Reports may carry others (later RFCs, or a sender's own); they are kept
// as they are and shown as unknown.
func (t ResultType) Known() bool {
	for _, k := range ResultTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// PolicyType is the "policy-type" of a report's policy (RFC 8460 §4.4):
// what the sender applied to the sessions it counts under that policy.
type PolicyType string

// Policy types (RFC 8460 §4.4).
const (
	PolicyTLSA          PolicyType = "tlsa"
	PolicySTS           PolicyType = "sts"
	PolicyNoPolicyFound PolicyType = "no-policy-found"
)

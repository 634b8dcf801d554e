package mtasts

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/daneprobe/daneprobe/tlsrpt"
	"strings"
	"time"
)

// Outcome is the per-MX MTA-STS verdict word of daneprobe's output.
type Outcome string

// Outcomes.
const (
	OutcomePass Outcome = "pass"
	OutcomeFail Outcome = "fail"
	// OutcomeNone: no policy applies (no valid policy, or mode none).
	OutcomeNone Outcome = "none"
)

// DANEState is what the DANE evaluation of the same MX found. MTA-STS
// needs it only to state precedence (RFC 8461 §2).
type DANEState string

// DANE states.
const (
	// DANENotApplicable: no usable TLSA records; MTA-STS governs.
	DANENotApplicable DANEState = ""
	DANEVerified      DANEState = "verified"
	DANEFailed        DANEState = "failed"
)

// MXFacts are the facts an SMTP probe gathered about one MX host (one of
// its addresses), the input of EvaluateMX.
type MXFacts struct {
	// MX is the MX host name as published in the MX record.
	MX string
	// STARTTLS reports whether the server offered STARTTLS in its EHLO
	// response. With Err nil and STARTTLS false, the session worked and
	// STARTTLS was not offered.
	STARTTLS bool
	// TLSVersion is the negotiated version (tls.VersionTLS12...), zero
	// if no handshake completed.
	TLSVersion uint16
	// Chain is the presented certificate chain, leaf first.
	Chain []*x509.Certificate
	// Err is the probe's error, if the session failed somewhere.
	Err error
	// DANE is the DANE verdict for the same MX, if any.
	DANE DANEState
}

// VerifyOptions configure the WebPKI check of an MX certificate.
type VerifyOptions struct {
	// Roots are the trusted roots; nil means the system roots. Ignored
	// when RootSource is set.
	Roots *x509.CertPool
	// RootSource, if set, gives the trusted roots for each chain.
	RootSource RootSource
	// Now is the validation time; zero means time.Now().
	Now time.Time
}

// MXVerdict is the MTA-STS verdict for one MX host.
type MXVerdict struct {
	MX string `json:"mx"`
	// Pattern is the policy mx pattern the host matched, if any.
	Pattern string  `json:"pattern,omitempty"`
	Matched bool    `json:"matched"`
	Outcome Outcome `json:"outcome"`
	// Result is the RFC 8460 result type of a failure; empty on pass.
	Result tlsrpt.ResultType `json:"result,omitempty"`
	// Detail explains a failure in one sentence.
	Detail string `json:"detail,omitempty"`
	// Enforced is true when a failure stops delivery to this MX (mode
	// enforce); in mode testing a failure is only reported.
	Enforced bool `json:"enforced"`
	// Deliver says whether a sender enforcing MTA-STS (and DANE, where it
	// applies) would deliver to this MX.
	Deliver bool `json:"deliver"`
	// Note states DANE precedence where DANE applies.
	Note string `json:"note,omitempty"`
}

// EvaluateMX decides what a sender applying policy p does with one MX
// host, given the facts its SMTP probe gathered (RFC 8461 §4 and §5). p
// may be nil (no valid policy). The function does no I/O.
func EvaluateMX(p *Policy, f MXFacts, opts VerifyOptions) MXVerdict {
	v := MXVerdict{MX: f.MX, Outcome: OutcomeNone, Deliver: true}
	if p != nil {
		v.Pattern, v.Matched = p.Match(f.MX)
	}
	if p != nil && p.Valid() && p.Mode != ModeNone {
		v.Result, v.Detail = mxFailure(p, f, v.Matched, opts)
		v.Outcome = OutcomePass
		if v.Result != "" {
			v.Outcome = OutcomeFail
		}
		// RFC 8461 §5: in enforce mode a sender MUST NOT deliver to a
		// failing host; in testing mode it delivers and reports.
		v.Enforced = p.Mode == ModeEnforce
		v.Deliver = v.Outcome == OutcomePass || !v.Enforced
	}
	switch f.DANE {
	case DANEVerified:
		v.Note = "DANE applies to this MX and takes precedence over MTA-STS (RFC 8461 §2); DANE verified"
		v.Deliver = true
	case DANEFailed:
		// RFC 8461 §2: MTA-STS validation MUST NOT override a failing
		// DANE validation.
		v.Note = "DANE applies to this MX and takes precedence over MTA-STS (RFC 8461 §2); DANE failed, so an MTA-STS pass does not save delivery"
		v.Deliver = false
	}
	return v
}

// mxFailure returns the first reason the MX fails the policy, or "".
func mxFailure(p *Policy, f MXFacts, matched bool, opts VerifyOptions) (tlsrpt.ResultType, string) {
	// RFC 8461 §4.1: the MX host must match a policy pattern.
	if !matched {
		return tlsrpt.ResultValidationFailure, fmt.Sprintf("MX host %s matches none of the policy's mx patterns (%s)", f.MX, strings.Join(p.MX, ", "))
	}
	// RFC 8461 §5: the host must support STARTTLS.
	if !f.STARTTLS {
		if f.Err != nil {
			return tlsrpt.ResultValidationFailure, fmt.Sprintf("the SMTP session failed before STARTTLS: %v", f.Err)
		}
		return tlsrpt.ResultSTARTTLSNotSupported, "the server does not offer STARTTLS"
	}
	if f.TLSVersion == 0 || len(f.Chain) == 0 {
		why := "no certificate was presented"
		if f.Err != nil {
			why = f.Err.Error()
		}
		return tlsrpt.ResultValidationFailure, "the TLS handshake did not complete: " + why
	}
	return VerifyMXTLS(f.MX, f.TLSVersion, f.Chain, opts)
}

// VerifyMXTLS judges an established TLS session with the MX host as
// MTA-STS requires (RFC 8461 §4.2): TLS 1.2 or newer, and a chain (leaf
// first) valid under the WebPKI roots of opts with a DNS-ID matching host.
// It returns "" when the session passes, else the RFC 8460 result type a
// sender would report (certificate-host-mismatch, certificate-expired,
// certificate-not-trusted, or validation-failure for anything else) and a
// sentence. It does no I/O.
func VerifyMXTLS(host string, tlsVersion uint16, chain []*x509.Certificate, opts VerifyOptions) (tlsrpt.ResultType, string) {
	// RFC 8461 §4.2 (and RFC 8461 §5 via RFC 8446/5246): TLS 1.2 or newer.
	if tlsVersion < tls.VersionTLS12 {
		return tlsrpt.ResultValidationFailure, fmt.Sprintf("negotiated %s; MTA-STS requires TLS 1.2 or newer", tls.VersionName(tlsVersion))
	}
	if len(chain) == 0 || chain[0] == nil {
		return tlsrpt.ResultValidationFailure, "no certificate was presented"
	}
	// RFC 8461 §4.2: the certificate must be valid under the WebPKI, with
	// a SAN DNS-ID matching the MX host name.
	return verifyWebPKI(chain, host, opts)
}

// verifyWebPKI checks a presented chain for host and classifies a failure
// into the RFC 8460 certificate result types.
func verifyWebPKI(chain []*x509.Certificate, host string, opts VerifyOptions) (tlsrpt.ResultType, string) {
	host = strings.TrimSuffix(host, ".")
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         rootsFor(opts.Roots, opts.RootSource, chain),
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err == nil {
		return "", ""
	}
	return classifyCertError(err)
}

// classifyCertError maps an x509 verification error onto the RFC 8460
// §4.3.1 result types.
func classifyCertError(err error) (tlsrpt.ResultType, string) {
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	var ue x509.UnknownAuthorityError
	switch {
	case errors.As(err, &he):
		return tlsrpt.ResultCertificateHostMismatch, err.Error()
	case errors.As(err, &ie) && ie.Reason == x509.Expired:
		return tlsrpt.ResultCertificateExpired, err.Error()
	case errors.As(err, &ue):
		return tlsrpt.ResultCertificateNotTrusted, err.Error()
	default:
		return tlsrpt.ResultValidationFailure, err.Error()
	}
}

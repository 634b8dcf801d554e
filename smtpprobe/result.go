package smtpprobe

import (
	"crypto/tls"
	"crypto/x509"
	"net/netip"
	"time"
)

// Step names one phase of the SMTP session.
type Step string

// The steps of a session, in order.
const (
	StepConnect      Step = "connect"
	StepBanner       Step = "banner"
	StepEHLO         Step = "ehlo"
	StepStartTLS     Step = "starttls"
	StepHandshake    Step = "handshake"
	StepEHLOAfterTLS Step = "ehlo-after-tls"
	StepQuit         Step = "quit"
)

// Outcome classifies how a step ended.
type Outcome string

// Outcomes of a step. Callers branch on these words; they are stable and
// appear in JSON output.
const (
	// OutcomeOK means the step completed as expected.
	OutcomeOK Outcome = "ok"
	// OutcomeTimeout means the step deadline (or the context deadline)
	// passed before the step completed.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeEOF means the server closed or reset the connection.
	OutcomeEOF Outcome = "eof"
	// OutcomeTLSAlert means the server sent a TLS alert during the
	// handshake.
	OutcomeTLSAlert Outcome = "tls-alert"
	// OutcomeProtocol means the server sent something that is not valid
	// SMTP or TLS at that point.
	OutcomeProtocol Outcome = "protocol"
	// OutcomeReplyTooLong means a reply exceeded the byte or line cap.
	OutcomeReplyTooLong Outcome = "reply-too-long"
	// OutcomeRejected means the server answered with an unexpected reply
	// code (a 554 greeting, a 454 to STARTTLS, a 5xx to EHLO and HELO).
	OutcomeRejected Outcome = "rejected"
	// OutcomeRefused means the TCP connection was refused.
	OutcomeRefused Outcome = "refused"
	// OutcomeNetworkUnreachable means the local machine has no route to
	// the address (typically IPv6 on an IPv4-only host); it says nothing
	// about the server.
	OutcomeNetworkUnreachable Outcome = "network-unreachable"
	// OutcomeVerifyFailed means the caller's verification hook rejected
	// the presented chain.
	OutcomeVerifyFailed Outcome = "verify-failed"
	// OutcomeCanceled means the caller canceled the context.
	OutcomeCanceled Outcome = "canceled"
	// OutcomeFailed is any other local or network error.
	OutcomeFailed Outcome = "failed"
)

// StepResult is the record of one step.
type StepResult struct {
	Step     Step          `json:"step"`
	Outcome  Outcome       `json:"outcome"`
	Duration time.Duration `json:"duration_ns"`
	// Error is the error text when Outcome is not OutcomeOK.
	Error string `json:"error,omitempty"`
}

// Result holds the facts of one session. Its fields are meaningful also
// when Probe returned an error: they hold everything gathered before the
// failure.
type Result struct {
	Host     string         `json:"host"`
	Addr     netip.AddrPort `json:"addr"`
	SNI      string         `json:"sni"`
	EHLOName string         `json:"ehlo_name"`

	// Banner is the text of the greeting (lines joined by "\n", without
	// reply codes); BannerCode its reply code.
	Banner     string `json:"banner"`
	BannerCode int    `json:"banner_code,omitempty"`
	// UsedHELO is true when the server refused EHLO and HELO was used.
	UsedHELO bool `json:"used_helo,omitempty"`
	// Extensions are the EHLO extension lines before TLS, as sent (for
	// example "SIZE 10240000").
	Extensions []string `json:"extensions"`

	STARTTLSAdvertised bool `json:"starttls_advertised"`
	// STARTTLSAttempted is true once the command was sent; the probe sends
	// it also when it is not advertised.
	STARTTLSAttempted bool   `json:"starttls_attempted"`
	STARTTLSAccepted  bool   `json:"starttls_accepted"`
	STARTTLSCode      int    `json:"starttls_code,omitempty"`
	STARTTLSText      string `json:"starttls_text,omitempty"`
	// InjectedBytes are the bytes the server sent after its STARTTLS 220
	// reply and before the handshake (at most 4 KiB are kept;
	// InjectedCount has the total seen). They were discarded, never fed to
	// TLS.
	InjectedBytes []byte `json:"injected_bytes,omitempty"`
	InjectedCount int    `json:"injected_count,omitempty"`
	// InjectedLate is true when the injected bytes arrived after the
	// probe had read the 220 (a later packet): they reached the TLS
	// client as a malformed record and failed the handshake
	// (OutcomeProtocol). InjectedBytes then holds what the TLS client
	// read before it gave up.
	InjectedLate bool `json:"injected_late,omitempty"`

	// TLS is nil when no handshake got as far as the server's
	// certificates.
	TLS *TLSFacts `json:"tls,omitempty"`
	// ExtensionsAfterTLS are the EHLO extension lines over TLS.
	ExtensionsAfterTLS []string `json:"extensions_after_tls,omitempty"`

	Steps []StepResult `json:"steps"`
	// FailedStep is the step at which the session failed, "" when it
	// completed. Outcome is that step's outcome, or OutcomeOK.
	FailedStep Step    `json:"failed_step,omitempty"`
	Outcome    Outcome `json:"outcome"`
	// Err is the error Probe returned; Error its text for JSON.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// TLSFacts describe the TLS session as negotiated, before any
// verification by the caller.
type TLSFacts struct {
	Version     uint16 `json:"version"`
	VersionName string `json:"version_name"`
	CipherSuite uint16 `json:"cipher_suite"`
	CipherName  string `json:"cipher_name"`
	// ServerName is the SNI that was sent.
	ServerName string `json:"server_name"`
	// Chain is the chain as presented, leaf first, in DER: at most
	// MaxChainCerts certificates and MaxChainBytes bytes are kept (the
	// leaf always), so a hostile server cannot make every cached result
	// hold hundreds of certificates.
	Chain [][]byte `json:"chain_der"`
	// Certificates is Chain parsed.
	Certificates []*x509.Certificate `json:"-"`
	// ChainLength is the number of certificates presented; ChainTruncated
	// says that Chain holds fewer.
	ChainLength    int  `json:"chain_length"`
	ChainTruncated bool `json:"chain_truncated,omitempty"`
	// OCSPStapled is true when the server stapled an OCSP response.
	OCSPStapled  bool   `json:"ocsp_stapled"`
	OCSPResponse []byte `json:"ocsp_response,omitempty"`
	// VerifyError is the error of the caller's verification hook, if any.
	VerifyError string `json:"verify_error,omitempty"`
}

// Caps on the chain a Result keeps. Real chains have two to four
// certificates; Go's TLS client accepts certificate messages of up to
// 256 KiB (TLS 1.3), several hundred small certificates.
const (
	MaxChainCerts = 16
	MaxChainBytes = 64 << 10
)

func tlsFacts(cs tls.ConnectionState, sni string) *TLSFacts {
	f := &TLSFacts{
		Version:      cs.Version,
		VersionName:  tls.VersionName(cs.Version),
		CipherSuite:  cs.CipherSuite,
		CipherName:   tls.CipherSuiteName(cs.CipherSuite),
		ServerName:   sni,
		ChainLength:  len(cs.PeerCertificates),
		OCSPStapled:  len(cs.OCSPResponse) > 0,
		OCSPResponse: cs.OCSPResponse,
	}
	size := 0
	for i, c := range cs.PeerCertificates {
		size += len(c.Raw)
		if i > 0 && (i >= MaxChainCerts || size > MaxChainBytes) {
			f.ChainTruncated = true
			break
		}
		f.Chain = append(f.Chain, c.Raw)
		f.Certificates = append(f.Certificates, c)
	}
	if len(cs.OCSPResponse) > MaxChainBytes {
		f.OCSPResponse = nil // stapled, but too large to keep
	}
	return f
}

// Step returns the record of step s, and false if the session never
// reached it.
func (r *Result) Step(s Step) (StepResult, bool) {
	for _, sr := range r.Steps {
		if sr.Step == s {
			return sr, true
		}
	}
	return StepResult{}, false
}

package delivery

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mailauth"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// DomainReport is everything daneprobe learned about one recipient domain
// and what it concluded. The gatherer fills in the facts (the fields
// documented as facts); Decide fills in the verdicts. The JSON encoding of
// this type is daneprobe's stable output schema (see report/SCHEMA.md):
// field names do not change, new fields may be added.
type DomainReport struct {
	// Domain is the recipient domain as checked, lower case, without the
	// trailing dot. Fact.
	Domain string `json:"domain"`
	// Messages is the number of messages a mail log sent to the domain,
	// when the domain came from one (scan --from-maillog); zero, and not
	// in the JSON, otherwise. Fact about the input, not the domain.
	Messages int `json:"messages,omitempty"`

	// Status is the monitoring verdict (ok, warning, critical, unknown).
	// Verdict.
	Status Status `json:"status"`
	// DANE is the domain-level DANE verdict. Verdict.
	DANE DANEResult `json:"dane"`
	// Summary is the one-line verdict for people, such as "DANE verified
	// on every MX; MTA-STS enforce passes". Verdict.
	Summary string `json:"summary"`

	// MXLookup is the outcome of the validated MX lookup. Fact.
	MXLookup Lookup `json:"mx_lookup"`
	// NullMX reports a "null MX" (RFC 7505): a single MX record with
	// preference 0 and target ".", meaning the domain accepts no mail.
	// Fact.
	NullMX bool `json:"null_mx"`
	// ImplicitMX reports that the domain has no MX records, so mail goes
	// to the domain's own addresses (RFC 5321 §5.1); MX then holds one
	// entry whose Host is the domain itself. Fact.
	ImplicitMX bool `json:"implicit_mx"`

	// MX lists the mail exchangers in the order a sender tries them
	// (ascending preference). Facts and verdicts.
	MX []MXReport `json:"mx"`

	// MTASTS holds the MTA-STS policy facts and verdicts.
	MTASTS MTASTSReport `json:"mta_sts"`

	// Outcome says what a sending MTA that enforces DANE, MTA-STS, or
	// both, would do with a message to this domain. Verdict.
	Outcome Outcomes `json:"outcome"`

	// Failures lists every failure found, each with its RFC 8460 result
	// type. Verdict.
	Failures []Failure `json:"failures"`
	// Warnings lists findings that do not stop delivery today but deserve
	// attention, such as a rollover risk. Verdict; the gatherer may add
	// its own in Advice, which Decide copies here.
	Warnings []Finding `json:"warnings"`
	// Notes are informational remarks that do not affect Status. Verdict.
	Notes []Finding `json:"notes"`
	// Changes lists what changed since the previous complete check of the
	// domain in the history store (--state); nil when no store was used
	// or there was no previous check. Fact from package history (Diff).
	Changes []Change `json:"changes,omitempty"`

	// Advice are remarks found while gathering (for example the tlsa
	// package's rollover advice), each with a Severity. Decide merges them
	// into Warnings or Notes. Fact; not part of the JSON output.
	Advice []Finding `json:"-"`

	// TLSRPT describes the domain's TLS reporting; SPF, DMARC, DKIM and
	// Microsoft365 its mail-authentication posture (package mailauth,
	// whose findings the gatherer passes on in Advice). Facts; nil when
	// not looked up (DKIM and Microsoft365 only when asked for).
	TLSRPT       *Posture        `json:"tls_rpt,omitempty"`
	SPF          *mailauth.SPF   `json:"spf,omitempty"`
	DMARC        *mailauth.DMARC `json:"dmarc,omitempty"`
	DKIM         *mailauth.DKIM  `json:"dkim,omitempty"`
	Microsoft365 *mailauth.M365  `json:"microsoft365,omitempty"`

	// Horizons are the expiry dates the verdicts rest on: signatures and
	// certificates, with the time left (decide_horizon.go). Facts and
	// verdicts.
	Horizons Horizons `json:"horizons"`
	// HorizonPolicy holds the thresholds Horizons are judged with. Fact
	// about the check; not part of the JSON output.
	HorizonPolicy HorizonPolicy `json:"-"`

	// Timings holds how long the check took. Fact.
	Timings Timings `json:"timings"`
	// CheckedAt is when the check started. Fact.
	CheckedAt time.Time `json:"checked_at"`
	// Error is set when the check could not be completed for a reason on
	// the checking side (no usable resolver, overall deadline exceeded):
	// the verdicts are then incomplete and Status is unknown. Fact.
	Error string `json:"error,omitempty"`
	// Stopped says whether the gatherer stopped before it had every fact,
	// and how (Error says why): Decide reads it, so that every verdict,
	// also "unknown", is set in one place. Fact; not part of the JSON
	// output, where Error and the unknown status carry it.
	Stopped Stop `json:"-"`
	// LocalFault is set when the status is unknown because a lookup the
	// verdict rests on was Indeterminate, a fault on the checking side
	// (our resolver strips DNSSEC, our trust anchor is not the root's):
	// the dnssec reason code of that lookup ("upstream-strips-dnssec",
	// "trust-anchor-mismatch", ...) or "indeterminate". Verdict.
	LocalFault string `json:"local_fault,omitempty"`
	// Family is "ipv4" or "ipv6" when the check looked up and probed only
	// that address family (-4, -6); empty for both. Fact.
	Family string `json:"family,omitempty"`
}

// Stop says how far a check got when it could not finish.
type Stop string

// Values of DomainReport.Stopped.
const (
	// Finished: the check ran to its end (whatever it found).
	Finished Stop = ""
	// NotStarted: nothing about the domain could be looked up (the name
	// is not a domain, there is no resolver, the options exclude each
	// other, or no upstream answered the MX query). The verdict is
	// unknown and nothing is claimed about the domain.
	NotStarted Stop = "not-started"
	// CutShort: the deadline passed, or the check was cancelled, while
	// lookups and probes were running. The partial verdicts stay in the
	// details, but lookups and probes cut short say nothing about the
	// domain: the status is unknown.
	CutShort Stop = "cut-short"
)

// Lookup is the outcome of one validated DNS lookup.
type Lookup struct {
	// DNSSEC is the validation status of the answer. Fact.
	DNSSEC dnssec.Security `json:"dnssec"`
	// Reason and Detail explain a status other than Secure (from
	// dnssec.Result). Facts.
	Reason dnssec.Reason `json:"reason,omitempty"`
	Detail string        `json:"why,omitempty"`
	// NXDomain reports that the name does not exist (RCODE 3). Fact.
	NXDomain bool `json:"nxdomain,omitempty"`
	// Error is set when the lookup failed: an I/O error, a timeout, or a
	// response code other than NOERROR and NXDOMAIN such as SERVFAIL.
	// Fact.
	Error string `json:"error,omitempty"`
	// Zones are the zones of the answer's chain of trust, from the trust
	// anchor down to the zone that signed (or proved insecure) the
	// answer, in the order the validator used them; a CNAME'd answer
	// adds the zones of its targets. Empty when the lookup failed before
	// a chain was walked. Fact.
	Zones []ZoneLink `json:"zones,omitempty"`
}

// ZoneLink is one zone on a lookup's chain of trust.
type ZoneLink struct {
	// Zone is the zone's apex, fully qualified ("." for the root).
	Zone string `json:"zone"`
	// Security is the status established for the zone's keys: secure,
	// insecure (an unsigned delegation: the cut where DNSSEC ends) or
	// bogus.
	Security dnssec.Security `json:"security"`
}

// MXReport is one mail exchanger with its lookups, probes and verdicts.
type MXReport struct {
	// Host is the MX target, lower case, without the trailing dot. Fact.
	Host string `json:"host"`
	// Preference is the MX preference (lower is tried first). Fact.
	Preference uint16 `json:"preference"`
	// DNSSEC is the combined status of the host's address lookups, the
	// weakest of A and AAAA (bogus < indeterminate < insecure < secure).
	// RFC 7672 §2.2.2 looks up TLSA records only when it is secure.
	// Verdict computed from A and AAAA.
	DNSSEC dnssec.Security `json:"dnssec"`
	// A and AAAA are the address lookups of Host; nil when not made (for
	// example AAAA with -4). Facts.
	A    *Lookup `json:"a,omitempty"`
	AAAA *Lookup `json:"aaaa,omitempty"`
	// Canonical is Host after following CNAMEs, when different. Fact.
	Canonical string `json:"canonical,omitempty"`
	// TLSA is the TLSA lookup for the host; nil when none was made, for
	// example because the address records are insecure. Fact.
	TLSA *TLSAReport `json:"tlsa,omitempty"`
	// ReferenceIDs are the names the server certificate must carry for a
	// DANE-TA(2) match (RFC 7672 §3.2.2-§3.2.3). Verdict from ReferenceIDs.
	ReferenceIDs []string `json:"reference_ids,omitempty"`
	// PolicyMatch reports whether Host matches an "mx" pattern of the
	// MTA-STS policy (RFC 8461 §4.1); meaningful only when a policy is in
	// effect. Fact.
	PolicyMatch bool `json:"mta_sts_policy_match"`
	// Addresses are the host's addresses, IPv6 first as most senders try
	// them, each with its probe. Facts and verdicts.
	Addresses []AddressReport `json:"addresses"`

	// DANE is the MX-level DANE verdict: verified when a DANE-enforcing
	// sender can deliver over authenticated TLS to at least one address.
	// Verdict.
	DANE DANEResult `json:"dane"`
	// DANEReason explains a failed DANE verdict. Verdict.
	DANEReason Reason `json:"dane_reason,omitempty"`
	// MTASTS is the MX-level MTA-STS verdict: pass when at least one
	// address passes. Verdict.
	MTASTS MTASTSResult `json:"mta_sts"`
	// DANESender, MTASTSSender and Sender say what a sender enforcing
	// DANE, MTA-STS, or both, does with this MX. Verdicts.
	DANESender   Action `json:"dane_sender"`
	MTASTSSender Action `json:"mta_sts_sender"`
	Sender       Action `json:"sender"`
}

// TLSAReport is the TLSA lookup of one MX host.
type TLSAReport struct {
	// Name is the owner name whose answer was used, such as
	// "_25._tcp.mx.example.org". Fact.
	Name string `json:"name"`
	// BaseDomain is the TLSA base domain (RFC 7672 §2.2.3): the
	// CNAME-expanded host name when its TLSA RRset was found there, else
	// the host name. Fact.
	BaseDomain string `json:"base_domain"`
	// Lookup is the outcome of the TLSA query (embedded in JSON as
	// dnssec, reason, why, nxdomain, error). Fact.
	Lookup
	// Records is the TLSA RRset, empty for NODATA or NXDOMAIN. Facts,
	// except Usable.
	Records []TLSARecord `json:"records"`
}

// TLSARecord is one TLSA record (RFC 6698 §2.1).
type TLSARecord struct {
	Usage        uint8 `json:"usage"`
	Selector     uint8 `json:"selector"`
	MatchingType uint8 `json:"matching_type"`
	// Data is the certificate association data in lower-case hex.
	Data string `json:"data"`
	// Usable reports whether an SMTP client may use the record
	// (RFC 7672 §3.1). Verdict from Usable.
	Usable bool `json:"usable"`
}

// String returns the record's presentation form, "3 1 1 abcd...".
func (r TLSARecord) String() string {
	return fmt.Sprintf("%d %d %d %s", r.Usage, r.Selector, r.MatchingType, r.Data)
}

// AddressReport is one address of an MX host, its SMTP probe and its
// verdicts.
type AddressReport struct {
	// IP is the address in its canonical text form. Fact.
	IP string `json:"ip"`
	// Connected reports that a TCP connection was made and the server
	// sent a 220 banner. Fact.
	Connected bool `json:"connected"`
	// Banner is the server's greeting line. Fact.
	Banner string `json:"banner,omitempty"`
	// STARTTLS reports that the server offered STARTTLS after EHLO. Fact.
	STARTTLS bool `json:"starttls"`
	// STARTTLSHidden reports that the server did not offer STARTTLS but
	// accepted the command when the probe tried it anyway: a server or a
	// middlebox hiding the capability, so senders deliver in plaintext
	// (or, under DANE, defer). Fact.
	STARTTLSHidden bool `json:"starttls_hidden,omitempty"`
	// InjectedBytes counts the bytes the server sent after its STARTTLS
	// 220 reply and before the TLS handshake: the signature of STARTTLS
	// command injection (CVE-2011-0411). Fact.
	InjectedBytes int `json:"injected_bytes,omitempty"`
	// TLSVersion ("TLSv1.3") and CipherSuite describe the TLS session;
	// both are empty when no TLS session was established. Facts.
	TLSVersion  string `json:"tls_version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`
	// Chain summarises the certificates the server presented, leaf first.
	// Fact.
	Chain []Certificate `json:"chain,omitempty"`
	// Match is the result of matching Chain against the usable TLSA
	// records; nil when no matching was done. Fact.
	Match *Match `json:"dane_match,omitempty"`
	// WebPKI is the result of validating Chain against the WebPKI roots
	// for Host, as MTA-STS requires (RFC 8461 §4.2); nil when not done.
	// Fact.
	WebPKI *WebPKI `json:"webpki,omitempty"`
	// Error and ErrorStage describe where the probe failed: "connect",
	// "banner", "ehlo", "starttls" or "handshake". Facts.
	Error      string `json:"error,omitempty"`
	ErrorStage string `json:"error_stage,omitempty"`
	// Time is how long the probe took. Fact.
	Time Seconds `json:"time"`

	// DANE and DANEReason are the per-address DANE verdict. Verdicts.
	DANE       AddressDANE `json:"dane"`
	DANEReason Reason      `json:"dane_reason,omitempty"`
	// MTASTS and MTASTSReason are the per-address MTA-STS verdict.
	// Verdicts.
	MTASTS       MTASTSResult `json:"mta_sts"`
	MTASTSReason Reason       `json:"mta_sts_reason,omitempty"`
}

// Certificate summarises one certificate of a presented chain.
type Certificate struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// DNSNames are the subjectAltName DNS names.
	DNSNames []string `json:"dns_names,omitempty"`
	// SPKISHA256 is the SHA-256 digest of the SubjectPublicKeyInfo in
	// lower-case hex: the data of a "3 1 1" or "2 1 1" TLSA record.
	SPKISHA256 string `json:"spki_sha256"`
	// CertSHA256 is the SHA-256 digest of the whole certificate: the
	// data of a "3 0 1" or "2 0 1" TLSA record.
	CertSHA256 string    `json:"cert_sha256,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
}

// Match is the outcome of matching a presented chain against the usable
// TLSA records of the host (RFC 7672 §3).
type Match struct {
	// Matched reports that a usable record matched and, for DANE-TA(2),
	// the chain and names checked out.
	Matched bool `json:"matched"`
	// Record is the TLSA record that matched (or, for a name mismatch,
	// the DANE-TA record whose chain was otherwise good).
	Record *TLSARecord `json:"record,omitempty"`
	// Depth is the chain position of the matched certificate, 0 for the
	// leaf.
	Depth int `json:"depth"`
	// Failure classifies a non-match with a stable code. It takes the
	// tlsa package's failure codes as they are: "leaf-mismatch",
	// "ta-not-in-chain", "no-certificate" (RFC 8460 tlsa-invalid),
	// "chain-invalid", "insecure-signature" (certificate-not-trusted),
	// "expired", "not-yet-valid" (certificate-expired), "name-mismatch"
	// (certificate-host-mismatch); "no-match" is the generic code. Empty
	// means "no-match".
	Failure Reason `json:"failure,omitempty"`
	// Detail is one sentence for people.
	Detail string `json:"detail,omitempty"`
}

// WebPKI is the outcome of validating a chain as MTA-STS requires: a
// chain to a trusted root, unexpired, naming the MX host (RFC 8461 §4.2).
type WebPKI struct {
	Valid bool `json:"valid"`
	// Failure classifies an invalid chain, as an RFC 8460 result type
	// ("certificate-expired", "certificate-host-mismatch",
	// "certificate-not-trusted", or "validation-failure" for anything
	// else, such as TLS older than 1.2), as mtasts.MXVerdict.Result has it.
	Failure tlsrpt.ResultType `json:"failure,omitempty"`
	Detail  string            `json:"detail,omitempty"`
}

// MTASTSReport holds the MTA-STS facts and the domain-level verdict.
type MTASTSReport struct {
	// Record is the _mta-sts TXT record, empty when there is none. Fact.
	Record string `json:"record,omitempty"`
	// ID is the record's id field. Fact.
	ID string `json:"id,omitempty"`
	// Mode is the policy mode: "enforce", "testing" or "none"; empty when
	// no policy was obtained. Fact.
	Mode string `json:"mode"`
	// MaxAge is the policy's max_age in seconds. Fact.
	MaxAge int64 `json:"max_age,omitempty"`
	// Patterns are the policy's "mx" patterns. Fact.
	Patterns []string `json:"mx_patterns,omitempty"`
	// FetchError is set when the TXT record exists but the policy could
	// not be fetched over HTTPS (RFC 8461 §3.3). Fact.
	FetchError string `json:"fetch_error,omitempty"`
	// PolicyError is set when the policy was fetched but is invalid
	// (RFC 8461 §3.2). Fact.
	PolicyError string `json:"policy_error,omitempty"`
	// Result is the domain-level verdict: pass when every MX passes, fail
	// when some MX fails, none when no policy is in effect. Verdict.
	Result MTASTSResult `json:"result"`
	// MX repeats each MX host's MTA-STS verdict. Verdict.
	MX []MTASTSHost `json:"mx"`
}

// MTASTSHost is the MTA-STS verdict for one MX host.
type MTASTSHost struct {
	Host   string       `json:"host"`
	Result MTASTSResult `json:"result"`
}

// Outcomes says what a sender enforcing each policy would do.
type Outcomes struct {
	// DANE is the outcome for a sender that enforces DANE (RFC 7672).
	DANE SenderOutcome `json:"dane"`
	// MTASTS is the outcome for a sender that enforces MTA-STS
	// (RFC 8461) and not DANE.
	MTASTS SenderOutcome `json:"mta_sts"`
	// Both is the outcome for a sender that enforces both, DANE taking
	// precedence where it applies (RFC 8461 §2).
	Both SenderOutcome `json:"both"`
}

// SenderOutcome is what one kind of sending MTA would do.
type SenderOutcome struct {
	// Action is deliver-authenticated, deliver-opportunistic, defer or
	// no-mail.
	Action Action `json:"action"`
	// Via is the MX host the message would go to; empty for defer and
	// no-mail.
	Via string `json:"via,omitempty"`
	// Reason explains a defer, no-mail or deliver-opportunistic action in
	// one sentence.
	Reason string `json:"reason,omitempty"`
}

// Failure is one failure with its RFC 8460 result type.
type Failure struct {
	// ResultType is the RFC 8460 §4.3 result type, such as
	// "starttls-not-supported" or "tlsa-invalid".
	ResultType tlsrpt.ResultType `json:"result_type"`
	// Policy is the policy that the failure breaks: "dane", "mta-sts" or
	// "dnssec" (a DNS failure that affects every sender).
	Policy string `json:"policy"`
	// MX and IP locate the failure; empty when it is domain-wide.
	MX string `json:"mx,omitempty"`
	IP string `json:"ip,omitempty"`
	// Reason is daneprobe's own code for the failure (the DANE or
	// MTA-STS reason).
	Reason Reason `json:"reason"`
	// Detail is one sentence for people.
	Detail string `json:"detail"`
}

// Finding is a warning or a note.
type Finding struct {
	// Code is a stable identifier such as "rollover-risk".
	Code string `json:"code"`
	// Severity is "warning" or "note"; it decides whether the finding
	// lowers Status. Only used in Advice; Warnings and Notes omit it.
	Severity Severity `json:"-"`
	// MX and IP locate the finding; empty when it is domain-wide.
	MX string `json:"mx,omitempty"`
	IP string `json:"ip,omitempty"`
	// Detail is one sentence for people.
	Detail string `json:"detail"`
}

// Severity ranks a Finding.
type Severity int

const (
	// SeverityNote does not change Status.
	SeverityNote Severity = iota
	// SeverityWarning makes Status at least warning.
	SeverityWarning
)

// Posture is a DNS TXT record that describes the domain's reporting
// posture (TLS-RPT).
type Posture struct {
	// Found reports that a valid record exists.
	Found bool `json:"found"`
	// Record is the record text.
	Record string `json:"record,omitempty"`
	// DNSSEC is the status of the lookup.
	DNSSEC dnssec.Security `json:"dnssec"`
	// Policy is the DMARC p= value, or the SPF "all" qualifier such as
	// "-all"; empty otherwise.
	Policy string `json:"policy,omitempty"`
	// RUA lists the TLS-RPT or DMARC aggregate report destinations.
	RUA []string `json:"rua,omitempty"`
	// Error is set when the lookup failed or the record is invalid.
	Error string `json:"error,omitempty"`
}

// Timings records how long the check took.
type Timings struct {
	// Total is the wall time of the whole check.
	Total Seconds `json:"total"`
	// DNS is the wall time from the start of the check to the last DNS
	// answer of the MX track: the MX set, then each host's addresses and
	// TLSA records.
	DNS Seconds `json:"dns"`
	// SMTP is the wall time of the SMTP probes (they run in parallel).
	SMTP Seconds `json:"smtp"`
	// MTASTS is the wall time of the MTA-STS evaluation.
	MTASTS Seconds `json:"mta_sts"`
	// Queries is the number of upstream DNS queries sent.
	Queries int `json:"dns_queries"`
	// Speculative is the number of lookups started before the answer
	// naming them was validated (A, AAAA and TLSA of the hosts of the MX
	// answer, at most gather.MaxSpeculativeHosts hosts, a CNAME'd host's
	// TLSA at the target, the MTA-STS policy host's addresses);
	// Discarded is how many of them were not used because the validated
	// answer was not usable or did not lead to them. Speculation changes
	// timing only, never a verdict.
	Speculative int `json:"speculative_lookups,omitempty"`
	Discarded   int `json:"speculative_discarded,omitempty"`
}

// Seconds is a duration that encodes in JSON as a number of seconds with
// millisecond precision, such as 0.512.
type Seconds time.Duration

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) }

// String formats s like "0.512s".
func (s Seconds) String() string {
	return strconv.FormatFloat(s.seconds(), 'f', 3, 64) + "s"
}

// seconds rounds up to whole milliseconds, so that a duration that is not
// zero (a fast DNS answer) never shows as 0.000.
func (s Seconds) seconds() float64 {
	return math.Ceil(float64(s)/float64(time.Millisecond)) / 1000
}

// MarshalJSON encodes s as seconds with three decimals.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, s.seconds(), 'f', 3, 64), nil
}

// UnmarshalJSON decodes a number of seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("duration in seconds: %w", err)
	}
	if math.IsNaN(f) || f < 0 || f > float64(math.MaxInt64)/float64(time.Second) {
		return fmt.Errorf("duration in seconds out of range: %v", f)
	}
	*s = Seconds(math.Round(f * float64(time.Second)))
	return nil
}

// LookupOf turns the outcome of a dnssec lookup into a Lookup fact. res
// may be nil when err is set. An error, or a response code other than
// NOERROR and NXDOMAIN (such as SERVFAIL), makes the lookup failed.
func LookupOf(res *dnssec.Result, err error) Lookup {
	var l Lookup
	if res != nil {
		l.DNSSEC, l.Reason, l.Detail = res.Security, res.Reason, res.Detail
		if len(res.Chain) > 0 {
			// One allocation; the zone names are shared with res.
			l.Zones = make([]ZoneLink, len(res.Chain))
			for i, c := range res.Chain {
				l.Zones[i] = ZoneLink{Zone: c.Zone, Security: c.Security}
			}
		}
		switch res.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			l.NXDomain = true
		default:
			l.Error = "response code " + dns.RcodeToString[res.Rcode]
			if l.Error == "response code " {
				l.Error += strconv.Itoa(res.Rcode)
			}
		}
	}
	if err != nil {
		l.Error = err.Error()
	}
	return l
}

// CertificateOf summarises a certificate for the report: names, digests
// for TLSA records, and validity.
func CertificateOf(c *x509.Certificate) Certificate {
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	whole := sha256.Sum256(c.Raw)
	return Certificate{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		DNSNames:   c.DNSNames,
		SPKISHA256: hex.EncodeToString(spki[:]),
		CertSHA256: hex.EncodeToString(whole[:]),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
	}
}

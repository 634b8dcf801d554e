package tlsa

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Verdict is the overall answer of Verify.
type Verdict string

// Verdicts.
const (
	// VerdictMatch: at least one usable record authenticates the chain.
	VerdictMatch Verdict = "match"
	// VerdictNoMatch: there are usable records, and none authenticates
	// the chain. An enforcing MTA defers delivery (RFC 7672 §2.2).
	VerdictNoMatch Verdict = "no-match"
	// VerdictUnusable: the set has no usable record. TLS is still
	// mandatory but unauthenticated (RFC 7672 §2.2, §3.1.3).
	VerdictUnusable Verdict = "unusable-set"
)

// Code names why a usable record did not authenticate the chain. Codes
// are stable output; new ones may be added.
type Code string

// Failure codes.
const (
	CodeNoCertificate Code = "no-certificate"  // the server presented no certificate
	CodeLeafMismatch  Code = "leaf-mismatch"   // DANE-EE: the leaf does not match the record
	CodeTANotInChain  Code = "ta-not-in-chain" // DANE-TA: no presented certificate (or key) matches the record
	CodeChainInvalid  Code = "chain-invalid"   // DANE-TA: no valid path from the leaf to the trust anchor
	// CodeInsecureSignature is a chain-invalid case worth its own name: a
	// certificate on the path is signed with SHA-1 (or MD5), which Go's
	// crypto/x509 and current validators refuse.
	CodeInsecureSignature Code = "insecure-signature"
	CodeExpired           Code = "expired"       // DANE-TA: a certificate on the path has expired
	CodeNotYetValid       Code = "not-yet-valid" // DANE-TA: a certificate on the path is not valid yet
	CodeNameMismatch      Code = "name-mismatch" // DANE-TA: the leaf carries none of the reference identifiers
)

// rank orders failure codes from most to least telling: a record that got
// as far as the name check says more than one that never found its anchor.
func (c Code) rank() int {
	return slices.Index([]Code{CodeNameMismatch, CodeExpired, CodeNotYetValid, CodeInsecureSignature,
		CodeChainInvalid, CodeTANotInChain, CodeLeafMismatch, CodeNoCertificate}, c)
}

// Failure is one reason a record did not authenticate the chain.
type Failure struct {
	Code   Code   `json:"code"`
	Detail string `json:"detail"`
	// Depth is the position on the certificate path (0 = leaf) of the
	// certificate concerned, or -1.
	Depth int `json:"depth"`
	// Cause is the underlying error text from crypto/x509, if any.
	Cause string `json:"cause,omitempty"`
	// NamesSeen and NamesExpected are set for name-mismatch.
	NamesSeen     []string `json:"names_seen,omitempty"`
	NamesExpected []string `json:"names_expected,omitempty"`
}

// Remark codes: facts worth telling that do not change the DANE verdict.
const (
	RemarkWebPKIExpired      = "webpki-expired"       // matched by DANE-EE, but the leaf has expired
	RemarkWebPKINotYetValid  = "webpki-not-yet-valid" // matched by DANE-EE, but the leaf is not valid yet
	RemarkWebPKISelfSigned   = "webpki-self-signed"   // matched by DANE-EE, and the leaf is self-signed
	RemarkWebPKINameMismatch = "webpki-name-mismatch" // matched by DANE-EE, and the leaf lacks the reference names
	RemarkNamesNotChecked    = "names-not-checked"    // Options.IgnoreNames was set
	RemarkChainTruncated     = "chain-truncated"      // more certificates than MaxChain were presented
)

// Remark is a fact about the chain that does not change the DANE verdict,
// such as a DANE-EE match on a certificate that would fail WebPKI checks.
type Remark struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// RecordResult is the outcome of one record of the set.
type RecordResult struct {
	// Index is the record's position in the set given to Verify.
	Index   int     `json:"index"`
	Record  Record  `json:"record"`
	Outcome Outcome `json:"outcome"`
	// Reason and Detail explain Unusable and Ignored outcomes.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Depth is where on the certificate path the record matched (0 = leaf,
	// 1 = its issuer...), or -1. For a DANE-TA record it is set as soon as
	// the trust anchor was found, also when the path then failed.
	Depth int `json:"depth"`
	// Position is the index in the chain as presented of the certificate
	// that matched, or -1 (also for a key-only trust anchor).
	Position int `json:"position"`
	// KeyOnly is true when a "2 1 0" record's key stood in for a trust
	// anchor certificate the server did not send (RFC 7672 §3.1.2).
	KeyOnly bool `json:"key_only,omitempty"`
	// Path lists the presented positions of the certificates from the leaf
	// to the trust anchor, for DANE-TA records whose anchor was found.
	Path []int `json:"path,omitempty"`
	// Failures say why a NotMatched record did not authenticate the chain,
	// most telling first.
	Failures []Failure `json:"failures,omitempty"`
}

// CertInfo summarizes one presented certificate for output.
type CertInfo struct {
	Position  int       `json:"position"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dns_names,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	IsCA      bool      `json:"is_ca"`
	// SelfSigned means the issuer and subject names are equal.
	SelfSigned bool   `json:"self_signed"`
	SigAlg     string `json:"signature_algorithm"`
	// SPKISHA256 is the hex SHA-256 of the SubjectPublicKeyInfo: the data
	// of a "x 1 1" record for this certificate.
	SPKISHA256 string `json:"spki_sha256"`
}

// Result is the full answer of Verify. Every usable record is evaluated,
// so Records shows all matches and non-matches, not only the first.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Match is the first record (in set order) that authenticated the
	// chain, or nil.
	Match *RecordResult `json:"match,omitempty"`
	// Records holds one entry per record, in set order.
	Records []RecordResult `json:"records"`
	// Failures holds one failure per distinct code over all records that
	// did not match, most telling first. It is empty on a match.
	Failures []Failure `json:"failures,omitempty"`
	Remarks  []Remark  `json:"remarks,omitempty"`
	// Names are the reference identifiers used for DANE-TA name checks.
	Names []string   `json:"names,omitempty"`
	Time  time.Time  `json:"time"`
	Chain []CertInfo `json:"chain"`
}

// Sentinel errors returned (wrapped) by Result.Err.
var (
	ErrNoMatch  = errors.New("no TLSA record matched the certificate chain")
	ErrUnusable = errors.New("no usable TLSA record for SMTP")
)

// Err returns nil for a match, an error wrapping ErrNoMatch (naming the
// most telling failure) for a mismatch, and one wrapping ErrUnusable for a
// set without usable records.
func (r *Result) Err() error {
	switch r.Verdict {
	case VerdictMatch:
		return nil
	case VerdictUnusable:
		return ErrUnusable
	}
	if len(r.Failures) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrNoMatch, r.Failures[0].Code, r.Failures[0].Detail)
	}
	return ErrNoMatch
}

// Options control Verify.
type Options struct {
	// Names are the reference identifiers for DANE-TA name checks: the
	// TLSA base domain and, where the MX lookup was secure, the next-hop
	// domain and its CNAME expansion (RFC 7672 §3.2.2). DANE-EE ignores
	// them except for a WebPKI remark.
	Names []string
	// IgnoreNames skips the DANE-TA name check (the result then carries a
	// names-not-checked remark). Without it, an empty Names makes every
	// DANE-TA match fail with name-mismatch.
	IgnoreNames bool
	// Time is the validation time; the zero value means time.Now().
	Time time.Time
	// NoChain leaves Result.Chain empty: the certificate summaries cost
	// a hundred allocations per chain, and a caller that has its own (a
	// scan matching one provider's chain for thousands of domains) need
	// not pay for them on every call.
	NoChain bool
}

// MaxChain is the number of presented certificates Verify considers;
// further ones are ignored with a chain-truncated remark. Real chains have
// two to four.
const MaxChain = 16

// Verify evaluates a TLSA set against the chain a server presented (leaf
// first, the rest in any order, extra certificates allowed) under the SMTP
// rules of RFC 7672 §3. It never fails: every problem is part of the
// returned Result, whose Err method gives an error for callers that only
// need one. Nil certificates in chain are dropped before positions are
// counted.
func Verify(records []Record, chain []*x509.Certificate, opts Options) *Result {
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	res := &Result{Records: make([]RecordResult, len(records)), Time: now, Names: opts.Names}
	var certs []*x509.Certificate
	for _, c := range chain {
		if c != nil {
			certs = append(certs, c)
		}
	}
	if len(certs) > MaxChain {
		res.Remarks = append(res.Remarks, Remark{RemarkChainTruncated,
			fmt.Sprintf("the server presented %d certificates; only the first %d were considered", len(certs), MaxChain)})
		certs = certs[:MaxChain]
	}
	v := &verifier{chain: certs, now: now, opts: opts}
	if !opts.NoChain {
		res.Chain = v.summaries()
	}
	classify(records, res.Records)

	usable := 0
	for i := range res.Records {
		rr := &res.Records[i]
		if rr.Outcome != "" {
			continue
		}
		usable++
		switch {
		case len(certs) == 0:
			rr.Failures = []Failure{{Code: CodeNoCertificate, Detail: "the server presented no certificate", Depth: -1}}
		case rr.Record.Usage == DANEEE:
			v.evalEE(rr)
		default:
			v.evalTA(rr)
		}
		if len(rr.Failures) == 0 {
			rr.Outcome = Matched
			if res.Match == nil {
				res.Match = rr
			}
		} else {
			rr.Outcome = NotMatched
		}
	}
	switch {
	case usable == 0:
		res.Verdict = VerdictUnusable
	case res.Match != nil:
		res.Verdict = VerdictMatch
	default:
		res.Verdict = VerdictNoMatch
		res.Failures = distinctFailures(res.Records)
	}
	if res.Match != nil {
		m := *res.Match
		res.Match = &m
		if m.Record.Usage == DANEEE {
			res.Remarks = append(res.Remarks, v.webPKIRemarks()...)
		}
	}
	if opts.IgnoreNames {
		res.Remarks = append(res.Remarks, Remark{RemarkNamesNotChecked, "the leaf's names were not checked against reference identifiers"})
	}
	return res
}

func distinctFailures(rrs []RecordResult) []Failure {
	var out []Failure
	for _, rr := range rrs {
		for _, f := range rr.Failures {
			if !slices.ContainsFunc(out, func(g Failure) bool { return g.Code == f.Code }) {
				out = append(out, f)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Failure) int { return a.Code.rank() - b.Code.rank() })
	return out
}

// verifier holds one Verify call's chain and caches digests and signature
// checks, which dominate the cost.
type verifier struct {
	chain   []*x509.Certificate
	now     time.Time
	opts    Options
	digests map[digestKey][]byte
	edges   map[[2]int]edge
}

type digestKey struct {
	pos int
	sel Selector
	mt  MatchingType
}

func (v *verifier) assoc(pos int, s Selector, m MatchingType) []byte {
	if m == Full {
		return selected(v.chain[pos], s)
	}
	k := digestKey{pos, s, m}
	if d, ok := v.digests[k]; ok {
		return d
	}
	if v.digests == nil {
		v.digests = make(map[digestKey][]byte)
	}
	d := associate(selected(v.chain[pos], s), m)
	v.digests[k] = d
	return d
}

// matches lists the presented positions whose certificate matches r.
func (v *verifier) matches(r Record) []int {
	var out []int
	for i := range v.chain {
		if bytes.Equal(v.assoc(i, r.Selector, r.MatchingType), r.Data) {
			out = append(out, i)
		}
	}
	return out
}

// evalEE applies a DANE-EE record: RFC 7672 §3.1.1 and §3.2.1, RFC 7671
// §5.1: only the leaf is compared, and neither its names nor its validity
// dates matter.
func (v *verifier) evalEE(rr *RecordResult) {
	r := rr.Record
	if bytes.Equal(v.assoc(0, r.Selector, r.MatchingType), r.Data) {
		rr.Depth, rr.Position = 0, 0
		return
	}
	detail := fmt.Sprintf("the leaf's %s %s is %s, the record has %s", r.Selector, r.MatchingType,
		short(v.assoc(0, r.Selector, r.MatchingType)), short(r.Data))
	for _, p := range v.matches(r) {
		detail += fmt.Sprintf("; the record matches the certificate at position %d (%s) instead, which DANE-EE does not accept: should it be a DANE-TA (2) record?",
			p, v.chain[p].Subject.String())
		break
	}
	rr.Failures = []Failure{{Code: CodeLeafMismatch, Detail: detail, Depth: 0}}
}

// short abbreviates association data for messages.
func short(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) > 16 {
		return h[:8] + "..." + h[len(h)-8:]
	}
	return h
}

// webPKIRemarks lists why a DANE-EE-matched leaf would fail WebPKI
// validation (and so MTA-STS), although DANE accepts it.
func (v *verifier) webPKIRemarks() []Remark {
	leaf := v.chain[0]
	var out []Remark
	if v.now.After(leaf.NotAfter) {
		out = append(out, Remark{RemarkWebPKIExpired, fmt.Sprintf(
			"the leaf expired on %s: DANE-EE ignores validity dates (RFC 7672 §3.1.1), but WebPKI and MTA-STS validation would fail",
			leaf.NotAfter.UTC().Format(time.RFC3339))})
	}
	if v.now.Before(leaf.NotBefore) {
		out = append(out, Remark{RemarkWebPKINotYetValid, fmt.Sprintf(
			"the leaf is not valid before %s: DANE-EE ignores validity dates, but WebPKI validation would fail",
			leaf.NotBefore.UTC().Format(time.RFC3339))})
	}
	if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil {
		out = append(out, Remark{RemarkWebPKISelfSigned,
			"the leaf is self-signed: fine for DANE-EE, but WebPKI and MTA-STS validation would fail"})
	}
	if len(v.opts.Names) > 0 {
		if ok, seen := matchNames(leaf, v.opts.Names); !ok {
			out = append(out, Remark{RemarkWebPKINameMismatch, fmt.Sprintf(
				"the leaf's names %v include none of %v: DANE-EE ignores names (RFC 7672 §3.2.1), but WebPKI validation would fail",
				seen, v.opts.Names)})
		}
	}
	return out
}

func (v *verifier) summaries() []CertInfo {
	out := make([]CertInfo, len(v.chain))
	for i, c := range v.chain {
		spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		out[i] = CertInfo{
			Position: i, Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			DNSNames: c.DNSNames, NotBefore: c.NotBefore, NotAfter: c.NotAfter,
			IsCA:       c.BasicConstraintsValid && c.IsCA,
			SelfSigned: bytes.Equal(c.RawIssuer, c.RawSubject),
			SigAlg:     c.SignatureAlgorithm.String(), SPKISHA256: hex.EncodeToString(spki[:]),
		}
	}
	return out
}

// subjectOf names a certificate for messages.
func subjectOf(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return s
	}
	if len(c.DNSNames) > 0 {
		return strings.Join(c.DNSNames, ",")
	}
	return "(empty subject)"
}

package delivery

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Expiry horizons: how long what the verdict rests on stays valid. A
// DANE-EE binding lives as long as the signatures over its TLSA, address
// and MX RRsets and over every DS and DNSKEY RRset on their chains (RFC
// 7671 §5.1); certificates matter where senders check their dates
// (DANE-TA chains, MTA-STS's WebPKI validation).

// Defaults of HorizonPolicy, and the fixed parts of the rules.
const (
	// DefaultSigWarn is how close to its expiration an RRSIG draws a
	// warning (--sig-warn).
	DefaultSigWarn = 48 * time.Hour
	// SigWarnFraction: a signature with less than this share of its
	// validity period (inception to expiration) left also draws a
	// warning, whichever of the two rules fires first. A zone re-signed
	// on schedule refreshes its signatures well before that.
	SigWarnFraction = 0.2
	// SigCritical is how close to its expiration an RRSIG makes the
	// status critical: after it, DANE senders defer.
	SigCritical = 24 * time.Hour
	// DefaultCertWarn and DefaultCertCrit are how close to its notAfter
	// date a certificate whose dates senders check draws a warning
	// (--cert-warn) or makes the status critical (--cert-crit).
	DefaultCertWarn = 14 * 24 * time.Hour
	DefaultCertCrit = 3 * 24 * time.Hour
)

// Warning codes of the horizons (see also decide_findings.go).
const (
	WarnSignatureExpiring         = "signature-expiring"
	WarnSignatureExpiryCritical   = "signature-expiry-critical"
	WarnCertificateExpiryCritical = "certificate-expiry-critical"
)

// HorizonPolicy holds the thresholds Decide judges the horizons with.
// Zero fields take the defaults.
type HorizonPolicy struct {
	// SigWarn: an RRSIG expiring within it draws a warning
	// (DefaultSigWarn).
	SigWarn time.Duration
	// CertWarn and CertCrit: a checked certificate expiring within them
	// draws a warning or makes the status critical (DefaultCertWarn,
	// DefaultCertCrit).
	CertWarn, CertCrit time.Duration
}

func (p HorizonPolicy) sigWarn() time.Duration  { return orDefault(p.SigWarn, DefaultSigWarn) }
func (p HorizonPolicy) certWarn() time.Duration { return orDefault(p.CertWarn, DefaultCertWarn) }
func (p HorizonPolicy) certCrit() time.Duration { return orDefault(p.CertCrit, DefaultCertCrit) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Horizons lists the expiry dates of what the verdicts rest on.
type Horizons struct {
	// Signatures has one entry per validated RRset of the MX, A, AAAA
	// and TLSA lookups of the MX hosts and per DS and DNSKEY RRset on
	// their chains: the earliest expiration among the signatures that
	// validated it. Facts (the gatherer), with SecondsLeft, Level and
	// Why set by Decide.
	Signatures []SignatureHorizon `json:"signatures"`
	// Certificates has one entry per certificate presented by an
	// address. Verdict, from the addresses' chains.
	Certificates []CertificateHorizon `json:"certificates"`
}

// Level says how close a horizon is.
type Level string

// Levels of a horizon.
const (
	LevelOK       Level = "ok"
	LevelWarning  Level = "warning"
	LevelCritical Level = "critical"
	// LevelExpired: the date has passed (the lookup or the certificate
	// check already failed; the failure, not the horizon, says so).
	LevelExpired Level = "expired"
	// LevelInfo: a date no sender checks (a DANE-EE leaf, RFC 7672
	// §3.1.1).
	LevelInfo Level = "info"
)

// SignatureHorizon is when the signature over one RRset expires.
type SignatureHorizon struct {
	// Owner, Type, Signer, KeyTag, Algorithm, Inception and Expiration
	// describe the RRset and the RRSIG that validated it. Fact.
	dnssec.Horizon
	// SecondsLeft is the time from CheckedAt to Expiration. Verdict.
	SecondsLeft int64 `json:"seconds_left"`
	// Level is ok, warning or critical. Verdict.
	Level Level `json:"level"`
	// Why says which rule set a warning or critical Level. Verdict.
	Why string `json:"why,omitempty"`
}

// CertificateHorizon is when one presented certificate expires.
type CertificateHorizon struct {
	MX string `json:"mx"`
	IP string `json:"ip"`
	// Depth is the certificate's position in the presented chain, 0 for
	// the leaf.
	Depth    int       `json:"depth"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
	// CheckedBy says which sender checks the date: "dane-ta",
	// "mta-sts", "dane-ta mta-sts", or "" when none does (a DANE-EE
	// leaf, RFC 7672 §3.1.1, or a certificate no policy authenticates).
	CheckedBy   string `json:"checked_by"`
	SecondsLeft int64  `json:"seconds_left"`
	// Level is ok, warning, critical or expired for a checked
	// certificate, info otherwise.
	Level Level `json:"level"`
}

// signatureLevel is the rule for one RRSIG: critical within SigCritical
// of its expiration; a warning within warn or with less than
// SigWarnFraction of its validity period left, whichever fires first.
// why names the rule that fired.
func signatureLevel(h dnssec.Horizon, at time.Time, warn time.Duration) (Level, string) {
	left := h.Expiration.Sub(at)
	period := h.Expiration.Sub(h.Inception)
	switch {
	case left <= 0:
		return LevelExpired, "expired"
	case left < SigCritical:
		// RFC 7671 §5.1: the TLSA binding lives only as long as the
		// signatures; after them DANE senders defer.
		return LevelCritical, fmt.Sprintf("less than %s left", human(SigCritical))
	}
	var why []string
	if left < warn {
		why = append(why, fmt.Sprintf("less than the %s of --sig-warn left", human(warn)))
	}
	if period > 0 && float64(left) < SigWarnFraction*float64(period) {
		why = append(why, fmt.Sprintf("%d%% of its %s validity period left, under %d%%: the zone is not re-signed on time",
			int(100*float64(left)/float64(period)), human(period), int(100*SigWarnFraction)))
	}
	if len(why) > 0 {
		return LevelWarning, strings.Join(why, "; ")
	}
	return LevelOK, ""
}

// JudgeSignature judges one signature horizon as of at, with warn as
// --sig-warn (DefaultSigWarn when zero): the rule Decide applies, for
// commands such as lookup that show horizons outside a domain check.
func JudgeSignature(h dnssec.Horizon, at time.Time, warn time.Duration) SignatureHorizon {
	s := SignatureHorizon{Horizon: h, SecondsLeft: int64(h.Expiration.Sub(at) / time.Second)}
	s.Level, s.Why = signatureLevel(h, at, orDefault(warn, DefaultSigWarn))
	return s
}

// HumanDuration formats d for people as the horizon findings do: "3
// days", "1 day 12 hours", "5 hours", "40 minutes".
func HumanDuration(d time.Duration) string { return human(d) }

// certificateLevel is the rule for one certificate whose dates a sender
// checks.
func certificateLevel(notAfter, at time.Time, p HorizonPolicy) Level {
	left := notAfter.Sub(at)
	switch {
	case left <= 0:
		return LevelExpired
	case left < p.certCrit():
		return LevelCritical
	case left < p.certWarn():
		return LevelWarning
	}
	return LevelOK
}

// decideHorizons sets the verdict fields of r.Horizons and adds the
// warnings they call for. Nothing is judged without r.CheckedAt.
func decideHorizons(r *DomainReport, warn func(Finding)) {
	r.Horizons.Certificates = []CertificateHorizon{}
	at := r.CheckedAt
	if at.IsZero() {
		return
	}
	p := r.HorizonPolicy
	// Signatures: one finding per level and signer zone (a zone re-signs
	// its RRsets together), naming the RRset that expires first.
	type group struct {
		first *SignatureHorizon
		n     int
	}
	groups := map[Level]map[string]*group{}
	for i := range r.Horizons.Signatures {
		s := &r.Horizons.Signatures[i]
		*s = JudgeSignature(s.Horizon, at, p.sigWarn())
		if s.Level != LevelWarning && s.Level != LevelCritical {
			continue
		}
		if groups[s.Level] == nil {
			groups[s.Level] = map[string]*group{}
		}
		g := groups[s.Level][s.Signer]
		if g == nil {
			g = &group{first: s}
			groups[s.Level][s.Signer] = g
		}
		g.n++
		if s.Expiration.Before(g.first.Expiration) {
			g.first = s
		}
	}
	for _, lv := range []Level{LevelCritical, LevelWarning} {
		signers := make([]string, 0, len(groups[lv]))
		for z := range groups[lv] {
			signers = append(signers, z)
		}
		sort.Strings(signers)
		for _, z := range signers {
			g := groups[lv][z]
			s := g.first
			code, verb := WarnSignatureExpiring, "DANE senders defer once it passes unless the zone is re-signed"
			if lv == LevelCritical {
				code = WarnSignatureExpiryCritical
				verb = "after it, validation fails and DANE senders defer (RFC 7671 §5.1); re-sign the zone now"
			}
			detail := fmt.Sprintf("the RRSIG of zone %s over %s %s expires at %s, in %s (%s); %s",
				z, s.Owner, s.Type, s.Expiration.UTC().Format(time.RFC3339), human(s.Expiration.Sub(at)), s.Why, verb)
			if g.n > 1 {
				detail += fmt.Sprintf("; %d RRsets of the zone are affected", g.n)
			}
			warn(Finding{Code: code, Detail: detail})
		}
	}
	// Certificates: every presented one, judged where a sender checks it.
	for i := range r.MX {
		m := &r.MX[i]
		for j := range m.Addresses {
			a := &m.Addresses[j]
			for d, c := range a.Chain {
				if c.NotAfter.IsZero() {
					continue
				}
				h := CertificateHorizon{MX: m.Host, IP: a.IP, Depth: d, Subject: c.Subject, NotAfter: c.NotAfter.UTC(),
					CheckedBy: checkedBy(a, d), SecondsLeft: int64(c.NotAfter.Sub(at) / time.Second), Level: LevelInfo}
				if h.CheckedBy != "" {
					h.Level = certificateLevel(c.NotAfter, at, p)
				}
				r.Horizons.Certificates = append(r.Horizons.Certificates, h)
				code := WarnCertificateExpiring
				switch h.Level {
				case LevelCritical:
					code = WarnCertificateExpiryCritical
				case LevelWarning:
				default:
					continue
				}
				what := "the certificate"
				if d > 0 {
					what = fmt.Sprintf("the chain certificate at depth %d (%s)", d, c.Subject)
				}
				warn(Finding{Code: code, MX: m.Host, IP: a.IP,
					Detail: fmt.Sprintf("%s expires on %s, in %s (checked by %s senders; --cert-warn %s, --cert-crit %s)",
						what, c.NotAfter.UTC().Format("2006-01-02"), human(c.NotAfter.Sub(at)), strings.ReplaceAll(h.CheckedBy, " ", " and "),
						human(p.certWarn()), human(p.certCrit()))})
			}
		}
	}
}

// checkedBy says which senders check the dates of the certificate at
// depth d of a's chain: an MTA-STS sender every certificate of a chain it
// validated (RFC 8461 §4.2), a DANE sender those below the trust anchor
// a DANE-TA(2) record matched (RFC 7672 §3.1.2). DANE-EE(3) ignores
// dates (RFC 7672 §3.1.1).
func checkedBy(a *AddressReport, d int) string {
	var by []string
	if a.DANE == AddressVerified && a.Match != nil && a.Match.Record != nil && a.Match.Record.Usage == 2 && d < max(a.Match.Depth, 1) {
		by = append(by, "dane-ta")
	}
	if a.MTASTS == MTASTSPass {
		by = append(by, "mta-sts")
	}
	return strings.Join(by, " ")
}

// clearHorizons resets the verdict fields of r.Horizons.
func clearHorizons(r *DomainReport) {
	r.Horizons.Certificates = []CertificateHorizon{}
	if r.Horizons.Signatures == nil {
		r.Horizons.Signatures = []SignatureHorizon{}
	}
	for i := range r.Horizons.Signatures {
		s := &r.Horizons.Signatures[i]
		s.SecondsLeft, s.Level, s.Why = 0, "", ""
	}
}

// horizonCritical reports a horizon that makes the status critical.
func horizonCritical(r *DomainReport) bool {
	for _, s := range r.Horizons.Signatures {
		if s.Level == LevelCritical {
			return true
		}
	}
	for _, c := range r.Horizons.Certificates {
		if c.Level == LevelCritical {
			return true
		}
	}
	return false
}

// human formats d for people: "3 days", "1 day 12 hours", "5 hours",
// "40 minutes".
func human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	unit := func(n int64, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	days, hours := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
	switch {
	case days > 0 && hours > 0 && days < 7:
		return unit(days, "day") + " " + unit(hours, "hour")
	case days > 0:
		return unit(days, "day")
	case hours > 0:
		return unit(hours, "hour")
	}
	return unit(int64(d/time.Minute), "minute")
}

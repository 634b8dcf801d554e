package delivery

import (
	"fmt"
	"strings"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Warning codes. They are part of the JSON output and stay stable; new
// ones may be added.
const (
	WarnDANEPartial         = "dane-partial"
	WarnDANEUnusable        = "dane-unusable"
	WarnUnreachable         = "unreachable"
	WarnNoAddresses         = "no-addresses"
	WarnNoProtection        = "no-protection"
	WarnRolloverRisk        = "rollover-risk"
	WarnCertificateExpiring = "certificate-expiring"
	WarnIncomplete          = "incomplete"
	WarnNonexistentDomain   = "nonexistent-domain"
	WarnSTARTTLSHidden      = "starttls-hidden"
	WarnSTARTTLSInjection   = "starttls-injection"
	NoteSingleTLSARecord    = "single-tlsa-record"
	NoteUnusableTLSARecord  = "unusable-tlsa-record"
	NoteNoTLSRPT            = "no-tls-rpt"
	NoteMTASTSModeNone      = "mta-sts-mode-none"
	NoteExpiredDANEEE       = "expired-dane-ee"
	NoteInsecureTLSAIgnored = "insecure-tlsa-ignored"
	// NoteRolloverAdvice is the note under which the gatherer passes on
	// the tlsa package's rollover advice (RFC 7671 §8): which certificate
	// or key changes the published TLSA set would not survive, and what
	// to add.
	NoteRolloverAdvice = "rollover-advice"
)

// decideFindings fills r.Warnings and r.Notes.
func decideFindings(r *DomainReport) {
	warn := func(f Finding) { r.Warnings = append(r.Warnings, f) }
	note := func(f Finding) { r.Notes = append(r.Notes, f) }
	if r.Error != "" {
		warn(Finding{Code: WarnIncomplete, Detail: "the check could not be completed: " + r.Error})
	}
	if r.MXLookup.NXDomain && r.Outcome.DANE.Action == NoMail {
		// Decide found the domain nonexistent (a validated NXDOMAIN). The
		// verdict line says so too; this is its machine-readable form, so
		// that no critical domain lacks a finding.
		warn(Finding{Code: WarnNonexistentDomain, Detail: "the domain does not exist (NXDOMAIN): senders bounce mail to it"})
	}
	mailFlows := !r.NullMX && !r.MXLookup.NXDomain && len(r.MX) > 0
	switch r.DANE {
	case DANEPartial:
		detail := "not every MX host authenticates with DANE; a DANE sender still delivers via another"
		if bad := failingAddress(r.MX); bad != "" {
			detail = "not every address authenticates with DANE: " + bad + " fails; a DANE sender still delivers via another"
		}
		warn(Finding{Code: WarnDANEPartial, Detail: detail})
	case DANEUnusable:
		warn(Finding{Code: WarnDANEUnusable, Detail: "the TLSA records are all unusable for SMTP (RFC 7672 §3.1): TLS is mandatory but unauthenticated"})
	case DANENone:
		if mailFlows && stsInEffect(&r.MTASTS) == stsNone {
			detail := "mail to this domain is protected by neither DANE nor MTA-STS"
			if lookupOutcomeOf(r.MXLookup) == lookupInsecure {
				detail += " (the MX records are not DNSSEC-signed)"
			}
			warn(Finding{Code: WarnNoProtection, Detail: detail})
		}
	}
	if r.MTASTS.Mode == "none" && r.MTASTS.FetchError == "" && r.MTASTS.PolicyError == "" {
		note(Finding{Code: NoteMTASTSModeNone, Detail: "the MTA-STS policy has mode none: senders do not apply it"})
	}
	for i := range r.MX {
		m := &r.MX[i]
		mxFindings(r, m, warn, note)
	}
	decideHorizons(r, warn)
	usesPolicy := r.DANE == DANEVerified || r.DANE == DANEPartial || stsInEffect(&r.MTASTS) != stsNone
	if usesPolicy && r.TLSRPT != nil && !r.TLSRPT.Found {
		note(Finding{Code: NoteNoTLSRPT, Detail: "no TLS-RPT record (RFC 8460): senders cannot report TLS failures to you"})
	}
	for _, f := range r.Advice {
		if f.Severity == SeverityWarning {
			warn(f)
		} else {
			note(f)
		}
	}
}

// mxFindings adds the warnings and notes about one MX host.
func mxFindings(r *DomainReport, m *MXReport, warn, note func(Finding)) {
	if m.DANEReason == ReasonNoAddresses {
		warn(Finding{Code: WarnNoAddresses, MX: m.Host, Detail: "the MX host has no address records"})
	}
	for j := range m.Addresses {
		a := &m.Addresses[j]
		if !a.Connected && m.DANEReason != ReasonNoAddresses {
			detail := "no SMTP session could be opened"
			if a.Error != "" {
				detail += ": " + a.Error
			}
			warn(Finding{Code: WarnUnreachable, MX: m.Host, IP: a.IP, Detail: detail})
		}
		if a.STARTTLSHidden {
			warn(Finding{Code: WarnSTARTTLSHidden, MX: m.Host, IP: a.IP, Detail: "the server does not offer STARTTLS after EHLO but accepts the command: a middlebox or a misconfiguration hides it, so senders deliver in plaintext or, under DANE, defer (RFC 3207 §4, RFC 7672 §2.2.3)"})
		}
		if a.InjectedBytes > 0 {
			warn(Finding{Code: WarnSTARTTLSInjection, MX: m.Host, IP: a.IP, Detail: fmt.Sprintf("the server sent %d bytes after its STARTTLS reply and before the TLS handshake: plaintext injected into the session (RFC 3207 §4, CVE-2011-0411); a client must discard them", a.InjectedBytes)})
		}
		expiryFindings(r, m, a, note)
	}
	t := m.TLSA
	if t == nil || lookupOutcomeOf(t.Lookup) != lookupSecure || len(t.Records) == 0 {
		if t != nil && lookupOutcomeOf(t.Lookup) == lookupInsecure && len(t.Records) > 0 {
			note(Finding{Code: NoteInsecureTLSAIgnored, MX: m.Host, Detail: "TLSA records exist but are not DNSSEC-signed, so senders ignore them (RFC 7672 §2.2)"})
		}
		return
	}
	if m.DNSSEC != dnssec.Secure {
		return
	}
	usable, certPins := 0, 0
	var only TLSARecord
	for _, rec := range t.Records {
		if why, _ := usability(rec); why != "" {
			note(Finding{Code: NoteUnusableTLSARecord, MX: m.Host, Detail: fmt.Sprintf("TLSA record %s is unusable for SMTP (%s, RFC 7672 §3.1)", shorten(rec), why)})
			continue
		}
		usable++
		only = rec
		if rec.Usage == 3 && rec.Selector == 0 {
			certPins++
		}
	}
	// RFC 7671 §5.1, §8.1: a DANE-EE record with selector 0 pins the
	// whole certificate, which changes at every renewal even when the key
	// stays; "3 1 1" survives renewals with the same key.
	if usable > 0 && certPins == usable {
		warn(Finding{Code: WarnRolloverRisk, MX: m.Host, Detail: "every usable TLSA record is DANE-EE with selector 0 (full certificate): the next certificate renewal breaks DANE unless new records are published first; prefer 3 1 1"})
	}
	// RFC 7671 §8.1, §8.4: publish the next key's (or CA's) record
	// ahead of a rollover.
	switch {
	case usable == 1 && only.Usage == 2:
		note(Finding{Code: NoteSingleTLSARecord, MX: m.Host, Detail: "only one usable TLSA record, for one issuing CA: publish the new CA's record before changing CA"})
	case usable == 1:
		note(Finding{Code: NoteSingleTLSARecord, MX: m.Host, Detail: "only one usable TLSA record: publish the next key's record (3 1 1) or the issuer's (2 1 1) before the next key rollover"})
	}
}

// expiryFindings notes an expired DANE-EE leaf: RFC 7672 §3.1.1,
// DANE-EE(3) ignores expiry, which rates only a note. Certificates whose
// dates senders check are judged with the other horizons
// (decide_horizon.go).
func expiryFindings(r *DomainReport, m *MXReport, a *AddressReport, note func(Finding)) {
	if r.CheckedAt.IsZero() || len(a.Chain) == 0 {
		return
	}
	if a.Chain[0].NotAfter.Sub(r.CheckedAt) <= 0 && a.DANE == AddressVerified && a.Match != nil && a.Match.Record != nil && a.Match.Record.Usage == 3 {
		note(Finding{Code: NoteExpiredDANEEE, MX: m.Host, IP: a.IP,
			Detail: "the certificate has expired; DANE-EE ignores expiry (RFC 7672 §3.1.1) but senders using MTA-STS or no policy may not"})
	}
}

// shorten formats rec with its data cut to 16 hex digits.
func shorten(rec TLSARecord) string {
	d := rec.Data
	if len(d) > 16 {
		d = d[:16] + "…"
	}
	return fmt.Sprintf("%d %d %d %s", rec.Usage, rec.Selector, rec.MatchingType, d)
}

// summary is the one-line verdict for people.
func summary(r *DomainReport) string {
	switch {
	case r.MXLookup.NXDomain:
		return "the domain does not exist (NXDOMAIN)"
	case r.NullMX:
		return "accepts no mail (null MX, RFC 7505)"
	case r.Outcome.DANE.Action == Defer && len(r.MX) == 0:
		return "every sender defers: " + r.Outcome.DANE.Reason
	}
	parts := []string{danePhrase(r), stsPhrase(r)}
	for _, f := range r.Failures {
		switch f.Reason {
		case ReasonAddressLookupBogus, ReasonAddressLookupFailed, ReasonTLSALookupBogus, ReasonTLSALookupFailed:
			parts = append(parts, "DNS failure at "+f.MX+" ("+string(f.Reason)+")")
		}
	}
	if r.Error != "" {
		parts = append(parts, "check incomplete")
	}
	return strings.Join(parts, "; ")
}

func danePhrase(r *DomainReport) string {
	n := len(r.MX)
	count := func(v DANEResult) int {
		c := 0
		for i := range r.MX {
			if r.MX[i].DANE == v {
				c++
			}
		}
		return c
	}
	switch r.DANE {
	case DANEVerified:
		return fmt.Sprintf("DANE verified (%d of %s)", n, plural(n, "MX host"))
	case DANEPartial:
		if bad := failingAddress(r.MX); bad != "" && count(DANEVerified) == n {
			return fmt.Sprintf("DANE partial: %s fails, a DANE sender delivers %s via %s",
				bad, deliveryWord(r.Outcome.DANE.Action), r.Outcome.DANE.Via)
		}
		return fmt.Sprintf("DANE partial: %d of %s authenticate, a DANE sender delivers %s via %s",
			count(DANEVerified), plural(n, "MX host"), deliveryWord(r.Outcome.DANE.Action), r.Outcome.DANE.Via)
	case DANEFailed:
		return "DANE failed: a DANE sender defers (" + firstDANEReason(r) + ")"
	case DANEUnusable:
		return "DANE unusable: only unusable TLSA records, TLS mandatory but unauthenticated"
	default:
		if r.Outcome.DANE.Action == Defer {
			return "no DANE; no MX host is reachable"
		}
		return "no DANE"
	}
}

func stsPhrase(r *DomainReport) string {
	s := &r.MTASTS
	switch {
	case s.FetchError != "":
		return "MTA-STS policy fetch failed"
	case s.PolicyError != "":
		return "MTA-STS policy invalid"
	case s.Mode == "" && s.Record == "":
		return "no MTA-STS"
	case s.Mode == "none" || s.Mode == "":
		return "MTA-STS mode none"
	}
	phrase := "MTA-STS " + s.Mode + " " + string(s.Result)
	if s.Result == MTASTSFail {
		failed := 0
		for i := range r.MX {
			if r.MX[i].MTASTS != MTASTSPass {
				failed++
			}
		}
		phrase += fmt.Sprintf(" on %d of %s", failed, plural(len(r.MX), "MX host"))
		if r.Outcome.MTASTS.Action == Defer {
			phrase += ", an MTA-STS sender defers"
		}
	}
	return phrase
}

func firstDANEReason(r *DomainReport) string {
	for i := range r.MX {
		if r.MX[i].DANEReason != "" {
			return string(r.MX[i].DANEReason)
		}
	}
	for _, f := range r.Failures {
		return string(f.Reason)
	}
	return "no usable MX host"
}

func deliveryWord(a Action) string {
	if a == DeliverAuthenticated {
		return "authenticated"
	}
	return "opportunistically"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

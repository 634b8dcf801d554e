package delivery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/daneprobe/daneprobe/dnssec"
)

// Change is one difference between a check of a domain and the previous
// complete check of the same domain recorded in a history store (package
// history stores the runs; Diff finds the changes). Changes explain a new
// status ("the TLSA RRset changed while the certificate did not") and
// catch self-inflicted breakage that one check alone cannot tell from a
// misconfiguration, such as a key renewed without its TLSA record.
type Change struct {
	// Code is a stable identifier, one of the Change* constants.
	Code string `json:"code"`
	// Level is "critical", "warning" or "note": a note does not lower
	// the status of the report, the others do (ApplyChanges).
	Level ChangeLevel `json:"level"`
	// MX and IP locate the change; empty when it is domain-wide.
	MX string `json:"mx,omitempty"`
	IP string `json:"ip,omitempty"`
	// Old and New are the values before and after in a short text form
	// (sets sorted and joined with ", "); empty for "none".
	Old string `json:"old"`
	New string `json:"new"`
	// Detail is one sentence for people.
	Detail string `json:"detail"`
}

// ChangeLevel ranks a Change.
type ChangeLevel string

// Change levels, lower case as in JSON.
const (
	ChangeNote     ChangeLevel = "note"
	ChangeWarning  ChangeLevel = "warning"
	ChangeCritical ChangeLevel = "critical"
)

// Change codes. They are part of the JSON output (the "changes" list and
// the warnings and notes ApplyChanges adds) and stay stable.
const (
	// ChangeMX: the MX set (preference and host) changed.
	ChangeMX = "mx-changed"
	// ChangeAddresses: the addresses probed for an MX host changed.
	ChangeAddresses = "addresses-changed"
	// ChangeTLSA: the TLSA RRset of an MX host changed together with a
	// certificate, or with no certificate to compare.
	ChangeTLSA = "tlsa-changed"
	// ChangeTLSARollover: the TLSA RRset changed while every certificate
	// stayed the same and still matches: the first half of a planned
	// rollover (RFC 7671 §8.1, "current + next").
	ChangeTLSARollover = "tlsa-rollover-in-progress"
	// ChangeCertRenewed: an address presents a new certificate that still
	// matches the published TLSA records: a routine renewal.
	ChangeCertRenewed = "certificate-renewed"
	// ChangeCertificate: an address presents a new certificate (no DANE
	// to judge it by).
	ChangeCertificate = "certificate-changed"
	// ChangeIssuer: the issuer of an address's certificate changed.
	ChangeIssuer = "issuer-changed"
	// ChangeBrokenRollover: an address matched its TLSA records before,
	// presents a new certificate now, and no published record matches
	// it: the key was renewed without its TLSA record. Critical.
	ChangeBrokenRollover = "broken-rollover"
	// ChangeBrokenTLSAEdit: an address matched its TLSA records before,
	// its certificate did not change, and the edited TLSA RRset no
	// longer matches it. Critical.
	ChangeBrokenTLSAEdit = "broken-tlsa-edit"
	// ChangeDNSSEC: the DNSSEC status of a lookup changed.
	ChangeDNSSEC = "dnssec-changed"
	// ChangeMTASTSID: the MTA-STS policy id changed (a new policy).
	ChangeMTASTSID = "mta-sts-id-changed"
	// ChangeMTASTSMode: the MTA-STS policy mode changed.
	ChangeMTASTSMode = "mta-sts-mode-changed"
	// ChangeMTASTSMX: the mx patterns of the MTA-STS policy changed.
	ChangeMTASTSMX = "mta-sts-mx-changed"
	// ChangeTLSRPT: the TLS-RPT report destinations changed.
	ChangeTLSRPT = "tls-rpt-changed"
	// ChangeDANE: the domain's DANE verdict changed.
	ChangeDANE = "dane-changed"
	// ChangeMTASTS: the domain's MTA-STS verdict changed.
	ChangeMTASTS = "mta-sts-changed"
	// ChangeStatus: the monitoring status changed.
	ChangeStatus = "status-changed"
)

// Status returns the lowest Status the change imposes on its report: OK
// for a note, WARNING and CRITICAL for the others.
func (l ChangeLevel) Status() Status {
	switch l {
	case ChangeCritical:
		return StatusCritical
	case ChangeWarning:
		return StatusWarning
	default:
		return StatusOK
	}
}

// Reaches reports whether l is at least as severe as min.
func (l ChangeLevel) Reaches(min ChangeLevel) bool {
	return l.rank() >= min.rank()
}

func (l ChangeLevel) rank() int {
	switch l {
	case ChangeCritical:
		return 2
	case ChangeWarning:
		return 1
	default:
		return 0
	}
}

// Comparable reports whether r can be the base of a comparison: the
// check finished and found facts about the domain, not a local fault or
// an unfinished check (whose missing facts would read as changes).
func Comparable(r *DomainReport) bool {
	return r.Stopped == Finished && r.LocalFault == "" && r.Error == "" && r.Status != StatusUnknown
}

// ApplyChanges sets r.Changes and turns each change into a warning (the
// critical and warning ones) or a note with the change's code, then
// raises r.Status to what the changes impose. It is how a check recorded
// in a history store reports what changed since the previous run.
func ApplyChanges(r *DomainReport, changes []Change) {
	r.Changes = changes
	for _, c := range changes {
		f := Finding{Code: c.Code, MX: c.MX, IP: c.IP, Detail: c.Detail}
		if c.Level == ChangeNote {
			r.Notes = append(r.Notes, f)
			continue
		}
		r.Warnings = append(r.Warnings, f)
		r.Status = Worst(r.Status, c.Level.Status())
	}
}

// Diff returns what changed from prev to cur, two reports of the same
// domain, in a stable order: domain-wide facts, then each MX host of cur
// (with its addresses), then the verdicts. It is pure. Callers compare
// only Comparable reports.
func Diff(prev, cur *DomainReport) []Change {
	var d differ
	d.set(ChangeMX, ChangeNote, "", "", mxSet(prev), mxSet(cur), "the MX set changed")
	d.dnssec("", "the MX lookup", prev.MXLookup.DNSSEC, cur.MXLookup.DNSSEC)
	for i := range cur.MX {
		m := &cur.MX[i]
		if p := findMX(prev, m.Host); p != nil {
			d.host(p, m)
		}
	}
	d.mtasts(&prev.MTASTS, &cur.MTASTS)
	d.set(ChangeTLSRPT, worseIfRemoved(rua(prev), rua(cur)), "", "", rua(prev), rua(cur), "the TLS-RPT report destinations (rua) changed")
	d.verdict(ChangeDANE, "DANE", string(prev.DANE), string(cur.DANE), daneRank(prev.DANE) > daneRank(cur.DANE))
	d.verdict(ChangeMTASTS, "MTA-STS", string(prev.MTASTS.Result), string(cur.MTASTS.Result), mtastsRank(prev.MTASTS.Result) > mtastsRank(cur.MTASTS.Result))
	if prev.Status != cur.Status {
		d.add(Change{Code: ChangeStatus, Level: ChangeNote, Old: string(prev.Status), New: string(cur.Status),
			Detail: fmt.Sprintf("the status changed from %s to %s", strings.ToUpper(string(prev.Status)), strings.ToUpper(string(cur.Status)))})
	}
	return d.out
}

type differ struct{ out []Change }

func (d *differ) add(c Change) { d.out = append(d.out, c) }

// set adds a change when the two sets differ.
func (d *differ) set(code string, level ChangeLevel, mx, ip string, old, cur []string, what string) {
	if slices.Equal(old, cur) {
		return
	}
	o, n := strings.Join(old, ", "), strings.Join(cur, ", ")
	d.add(Change{Code: code, Level: level, MX: mx, IP: ip, Old: o, New: n,
		Detail: fmt.Sprintf("%s: was %s, now %s", what, orNone(o), orNone(n))})
}

// dnssec adds a change when a lookup's DNSSEC status changed; losing
// Secure is a warning (DANE needs it, RFC 7672 §2.2), the rest notes.
func (d *differ) dnssec(mx, what string, old, cur dnssec.Security) {
	// An Indeterminate answer is about our resolver, not the domain.
	if old == cur || old == dnssec.Indeterminate || cur == dnssec.Indeterminate {
		return
	}
	level := ChangeNote
	if old == dnssec.Secure {
		level = ChangeWarning
	}
	d.add(Change{Code: ChangeDNSSEC, Level: level, MX: mx, Old: old.String(), New: cur.String(),
		Detail: fmt.Sprintf("%s was %s, now %s", what, old, cur)})
}

func (d *differ) verdict(code, what, old, cur string, worse bool) {
	if old == cur {
		return
	}
	level := ChangeNote
	if worse {
		level = ChangeWarning
	}
	d.add(Change{Code: code, Level: level, Old: old, New: cur, Detail: fmt.Sprintf("the %s verdict changed from %s to %s", what, old, cur)})
}

// host compares one MX host present in both runs.
func (d *differ) host(p, m *MXReport) {
	d.set(ChangeAddresses, ChangeNote, m.Host, "", addresses(p), addresses(m), "the addresses of "+m.Host+" changed")
	for _, l := range []struct {
		what     string
		old, cur *Lookup
	}{{"the A lookup of " + m.Host, p.A, m.A}, {"the AAAA lookup of " + m.Host, p.AAAA, m.AAAA}, {"the TLSA lookup of " + m.Host, tlsaLookup(p), tlsaLookup(m)}} {
		if l.old != nil && l.cur != nil {
			d.dnssec(m.Host, l.what, l.old.DNSSEC, l.cur.DNSSEC)
		}
	}
	oldTLSA, newTLSA := tlsaStrings(p), tlsaStrings(m)
	tlsaChanged := !slices.Equal(oldTLSA, newTLSA)
	certChanged := false
	for i := range m.Addresses {
		a := &m.Addresses[i]
		pa := findAddress(p, a.IP)
		if pa == nil || len(pa.Chain) == 0 || len(a.Chain) == 0 {
			continue
		}
		changed := d.address(m.Host, pa, a, tlsaChanged)
		certChanged = certChanged || changed
	}
	if !tlsaChanged {
		return
	}
	c := Change{Code: ChangeTLSA, Level: ChangeNote, MX: m.Host, Old: strings.Join(oldTLSA, ", "), New: strings.Join(newTLSA, ", ")}
	c.Detail = fmt.Sprintf("the TLSA RRset of %s changed: was %s, now %s", m.Host, orNone(c.Old), orNone(c.New))
	if !certChanged && stillMatches(m) {
		// RFC 7671 §8.1: publish the next key's record beside the
		// current one, and only then deploy the next key.
		c.Code = ChangeTLSARollover
		c.Detail = fmt.Sprintf("the TLSA RRset of %s changed while its certificate did not and still matches: a rollover in progress (was %s, now %s)", m.Host, orNone(c.Old), orNone(c.New))
	}
	d.add(c)
}

// address compares the certificates one address presented in both runs
// and reports whether the leaf certificate changed.
func (d *differ) address(host string, p, a *AddressReport, tlsaChanged bool) bool {
	oldLeaf, newLeaf := p.Chain[0], a.Chain[0]
	if oldLeaf.Issuer != newLeaf.Issuer {
		d.add(Change{Code: ChangeIssuer, Level: ChangeNote, MX: host, IP: a.IP, Old: oldLeaf.Issuer, New: newLeaf.Issuer,
			Detail: fmt.Sprintf("%s (%s) has a certificate from another issuer: was %q, now %q", host, a.IP, oldLeaf.Issuer, newLeaf.Issuer)})
	}
	certChanged := leafID(oldLeaf) != leafID(newLeaf)
	matchedBefore, matchedNow := addressMatched(p), addressMatched(a)
	switch {
	case matchedBefore && !matchedNow && certChanged:
		d.add(Change{Code: ChangeBrokenRollover, Level: ChangeCritical, MX: host, IP: a.IP, Old: oldLeaf.SPKISHA256, New: newLeaf.SPKISHA256,
			Detail: fmt.Sprintf("%s (%s) presents a new certificate that no published TLSA record matches: the key was renewed without its TLSA record; publish the new record (daneprobe tlsa generate) or deploy the previous key (RFC 7671 §8)", host, a.IP)})
	case matchedBefore && !matchedNow && tlsaChanged:
		d.add(Change{Code: ChangeBrokenTLSAEdit, Level: ChangeCritical, MX: host, IP: a.IP, Old: oldLeaf.SPKISHA256, New: newLeaf.SPKISHA256,
			Detail: fmt.Sprintf("%s (%s) presents the same certificate as before, but the edited TLSA RRset no longer matches it: restore the record of the current key", host, a.IP)})
	case certChanged && matchedNow:
		d.add(Change{Code: ChangeCertRenewed, Level: ChangeNote, MX: host, IP: a.IP, Old: oldLeaf.CertSHA256, New: newLeaf.CertSHA256,
			Detail: fmt.Sprintf("%s (%s) presents a new certificate that still matches the published TLSA records: a routine renewal", host, a.IP)})
	case certChanged:
		d.add(Change{Code: ChangeCertificate, Level: ChangeNote, MX: host, IP: a.IP, Old: oldLeaf.CertSHA256, New: newLeaf.CertSHA256,
			Detail: fmt.Sprintf("%s (%s) presents a new certificate", host, a.IP)})
	}
	return certChanged
}

func (d *differ) mtasts(p, m *MTASTSReport) {
	if p.ID != m.ID && p.ID != "" && m.ID != "" {
		d.add(Change{Code: ChangeMTASTSID, Level: ChangeNote, Old: p.ID, New: m.ID,
			Detail: fmt.Sprintf("the MTA-STS policy id changed from %s to %s: senders fetch the new policy (RFC 8461 §3.1)", p.ID, m.ID)})
	}
	if p.Mode != m.Mode {
		level := ChangeNote
		if p.Mode == "enforce" {
			level = ChangeWarning
		}
		d.add(Change{Code: ChangeMTASTSMode, Level: level, Old: p.Mode, New: m.Mode,
			Detail: fmt.Sprintf("the MTA-STS mode changed from %s to %s", orNone(p.Mode), orNone(m.Mode))})
	}
	d.set(ChangeMTASTSMX, ChangeNote, "", "", sorted(p.Patterns), sorted(m.Patterns), "the mx patterns of the MTA-STS policy changed")
}

func mxSet(r *DomainReport) []string {
	s := make([]string, 0, len(r.MX))
	for _, m := range r.MX {
		s = append(s, fmt.Sprintf("%d %s", m.Preference, m.Host))
	}
	slices.Sort(s)
	return s
}

func findMX(r *DomainReport, host string) *MXReport {
	for i := range r.MX {
		if strings.EqualFold(r.MX[i].Host, host) {
			return &r.MX[i]
		}
	}
	return nil
}

func findAddress(m *MXReport, ip string) *AddressReport {
	for i := range m.Addresses {
		if m.Addresses[i].IP == ip {
			return &m.Addresses[i]
		}
	}
	return nil
}

func addresses(m *MXReport) []string {
	s := make([]string, 0, len(m.Addresses))
	for _, a := range m.Addresses {
		s = append(s, a.IP)
	}
	slices.Sort(s)
	return s
}

func tlsaLookup(m *MXReport) *Lookup {
	if m.TLSA == nil {
		return nil
	}
	return &m.TLSA.Lookup
}

func tlsaStrings(m *MXReport) []string {
	if m.TLSA == nil {
		return nil
	}
	s := make([]string, 0, len(m.TLSA.Records))
	for _, r := range m.TLSA.Records {
		s = append(s, r.String())
	}
	slices.Sort(s)
	return s
}

func leafID(c Certificate) string {
	if c.CertSHA256 != "" {
		return c.CertSHA256
	}
	return c.SPKISHA256
}

func addressMatched(a *AddressReport) bool { return a.Match != nil && a.Match.Matched }

// stillMatches reports whether no probed address of m fails to match.
func stillMatches(m *MXReport) bool {
	for i := range m.Addresses {
		if a := &m.Addresses[i]; len(a.Chain) > 0 && !addressMatched(a) {
			return false
		}
	}
	return true
}

func rua(r *DomainReport) []string {
	if r.TLSRPT == nil {
		return nil
	}
	return sorted(r.TLSRPT.RUA)
}

func worseIfRemoved(old, cur []string) ChangeLevel {
	if len(old) > 0 && len(cur) == 0 {
		return ChangeWarning
	}
	return ChangeNote
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// daneRank orders the domain DANE verdicts from worst to best.
func daneRank(v DANEResult) int {
	switch v {
	case DANEVerified:
		return 4
	case DANEPartial:
		return 3
	case DANEUnusable:
		return 2
	case DANENone:
		return 1
	default: // failed
		return 0
	}
}

func mtastsRank(v MTASTSResult) int {
	switch v {
	case MTASTSPass:
		return 2
	case MTASTSNone:
		return 1
	default:
		return 0
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Alerts reports whether r deserves attention at level min, the rule of
// --alert-on: its status reached min (WARNING and UNKNOWN reach
// "warning", CRITICAL reaches every level; any status but OK reaches
// "note"), its status changed since the previous run (a recovery is news
// too), or one of its changes is at least as severe as min.
func Alerts(r *DomainReport, min ChangeLevel) bool {
	switch r.Status {
	case StatusCritical:
		return true
	case StatusWarning, StatusUnknown:
		if min != ChangeCritical {
			return true
		}
	}
	for _, c := range r.Changes {
		if c.Code == ChangeStatus || c.Level.Reaches(min) {
			return true
		}
	}
	return false
}

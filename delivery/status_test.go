package delivery

import (
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

func TestExitCodeAndLabel(t *testing.T) {
	for _, tc := range []struct {
		s     Status
		code  int
		label string
	}{
		{StatusOK, 0, "OK"},
		{StatusWarning, 1, "WARNING"},
		{StatusCritical, 2, "CRITICAL"},
		{StatusUnknown, 3, "UNKNOWN"},
		{"", 3, "UNKNOWN"},
		{"bogus", 3, "UNKNOWN"},
	} {
		if c, l := tc.s.ExitCode(), tc.s.Label(); c != tc.code || l != tc.label {
			t.Errorf("%q: got %d %s, want %d %s", tc.s, c, l, tc.code, tc.label)
		}
	}
}

// Several domains: the worst status wins, CRITICAL > UNKNOWN > WARNING > OK.
func TestWorst(t *testing.T) {
	for _, tc := range []struct {
		in   []Status
		want Status
	}{
		{nil, StatusUnknown},
		{[]Status{StatusOK}, StatusOK},
		{[]Status{StatusOK, StatusWarning}, StatusWarning},
		{[]Status{StatusWarning, StatusUnknown, StatusOK}, StatusUnknown},
		{[]Status{StatusUnknown, StatusCritical}, StatusCritical},
		{[]Status{StatusCritical, StatusWarning}, StatusCritical},
		{[]Status{StatusOK, ""}, StatusUnknown},
	} {
		if got := Worst(tc.in...); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := WorstOf([]DomainReport{{Status: StatusOK}, {Status: StatusWarning}}); got != StatusWarning {
		t.Errorf("WorstOf: got %s", got)
	}
}

// The monitoring status rules documented on domainStatus.
func TestDomainStatus(t *testing.T) {
	deliver := SenderOutcome{Action: DeliverAuthenticated, Via: "mx"}
	ok := Outcomes{DANE: deliver, MTASTS: deliver, Both: deliver}
	for _, tc := range []struct {
		name string
		r    DomainReport
		want Status
	}{
		{"clean", DomainReport{Outcome: ok}, StatusOK},
		{"NXDOMAIN", DomainReport{MXLookup: Lookup{DNSSEC: dnssec.Secure, NXDomain: true}, Outcome: ok}, StatusCritical},
		{"DANE sender defers", DomainReport{Outcome: Outcomes{DANE: SenderOutcome{Action: Defer}, MTASTS: deliver, Both: deliver}}, StatusCritical},
		{"MTA-STS sender defers", DomainReport{Outcome: Outcomes{DANE: deliver, MTASTS: SenderOutcome{Action: Defer}, Both: deliver}}, StatusCritical},
		{"TLSA lookup failure is CRITICAL, not UNKNOWN", DomainReport{Outcome: ok, Failures: []Failure{{Reason: ReasonTLSALookupFailed}}}, StatusCritical},
		{"bogus TLSA", DomainReport{Outcome: ok, Failures: []Failure{{Reason: ReasonTLSALookupBogus}}}, StatusCritical},
		{"bogus address", DomainReport{Outcome: ok, Failures: []Failure{{Reason: ReasonAddressLookupBogus}}}, StatusCritical},
		{"an address fails DANE", DomainReport{Outcome: ok, Failures: []Failure{{Reason: ReasonNoMatch}}}, StatusWarning},
		{"warning only", DomainReport{Outcome: ok, Warnings: []Finding{{Code: WarnRolloverRisk}}}, StatusWarning},
		{"notes only", DomainReport{Outcome: ok, Notes: []Finding{{Code: NoteSingleTLSARecord}}}, StatusOK},
		{"incomplete", DomainReport{Outcome: ok, Error: "deadline"}, StatusUnknown},
		{"incomplete, defer not trusted", DomainReport{Error: "deadline", Outcome: Outcomes{DANE: SenderOutcome{Action: Defer}}}, StatusUnknown},
		{"incomplete, TLSA failure still CRITICAL", DomainReport{Error: "deadline", Outcome: ok, Failures: []Failure{{Reason: ReasonTLSALookupFailed}}}, StatusCritical},
		{"null MX", DomainReport{NullMX: true, Outcome: Outcomes{DANE: SenderOutcome{Action: NoMail}, MTASTS: SenderOutcome{Action: NoMail}, Both: SenderOutcome{Action: NoMail}}}, StatusOK},
	} {
		if got := domainStatus(&tc.r); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// findingCodes runs Decide on r and returns the warning and note codes.
func findingCodes(r *DomainReport) (warnings, notes map[string]bool) {
	Decide(r)
	warnings, notes = map[string]bool{}, map[string]bool{}
	for _, f := range r.Warnings {
		warnings[f.Code] = true
	}
	for _, f := range r.Notes {
		notes[f.Code] = true
	}
	return warnings, notes
}

// verifiedDomain is a one-MX domain verified by rec.
func verifiedDomain(rec TLSARecord, recs ...TLSARecord) *DomainReport {
	r := base("example.org", secure())
	a := probe("192.0.2.1", "mx.example.org")
	a.Match = matched(rec, 0)
	r.MX = []MXReport{mxHost("mx.example.org", 10, secure(), tlsaSet("mx.example.org", secure(), recs...), a)}
	return r
}

func TestFindings(t *testing.T) {
	cur, next := tlsaRec(3, 1, 1, "cur"), tlsaRec(3, 1, 1, "next")
	pin := tlsaRec(3, 0, 1, "cert")

	// RFC 7671 §8.1: current plus next key, no remarks.
	w, n := findingCodes(verifiedDomain(cur, cur, next))
	if len(w) != 0 || len(n) != 0 {
		t.Errorf("clean domain: warnings %v notes %v", w, n)
	}
	// A single record: a note, not a warning.
	r := verifiedDomain(cur, cur)
	if w, n = findingCodes(r); len(w) != 0 || !n[NoteSingleTLSARecord] || r.Status != StatusOK {
		t.Errorf("single record: warnings %v notes %v status %s", w, n, r.Status)
	}
	// Only "3 0 1": the next renewal breaks DANE.
	r = verifiedDomain(pin, pin)
	if w, _ = findingCodes(r); !w[WarnRolloverRisk] || r.Status != StatusWarning {
		t.Errorf("3 0 1 only: warnings %v status %s", w, r.Status)
	}
	// A PKIX-EE record beside good ones: a note about the unusable record.
	if _, n = findingCodes(verifiedDomain(cur, cur, next, tlsaRec(1, 1, 1, "pkix"))); !n[NoteUnusableTLSARecord] {
		t.Errorf("unusable record: notes %v", n)
	}
	// DANE-TA with a leaf close to expiry: warning.
	ta := tlsaRec(2, 1, 1, "ca")
	r = verifiedDomain(ta, ta, next)
	r.MX[0].Addresses[0].Chain[0].NotAfter = checkedAt.Add(3 * 24 * time.Hour)
	if w, _ = findingCodes(r); !w[WarnCertificateExpiring] {
		t.Errorf("DANE-TA expiring: warnings %v", w)
	}
	// DANE-EE ignores expiry (RFC 7672 §3.1.1): expired leaf is a note, expiring is nothing.
	r = verifiedDomain(cur, cur, next)
	r.MX[0].Addresses[0].Chain[0].NotAfter = checkedAt.Add(-time.Hour)
	if w, n = findingCodes(r); len(w) != 0 || !n[NoteExpiredDANEEE] {
		t.Errorf("DANE-EE expired: warnings %v notes %v", w, n)
	}
	// No TLS-RPT record while DANE is deployed: a note.
	r = verifiedDomain(cur, cur, next)
	r.TLSRPT = &Posture{}
	if _, n = findingCodes(r); !n[NoteNoTLSRPT] {
		t.Errorf("no TLS-RPT: notes %v", n)
	}
	// Advice from the gatherer lands by severity.
	r = verifiedDomain(cur, cur, next)
	r.Advice = []Finding{{Code: "a", Severity: SeverityWarning}, {Code: "b"}}
	if w, n = findingCodes(r); !w["a"] || !n["b"] || r.Status != StatusWarning {
		t.Errorf("advice: warnings %v notes %v", w, n)
	}
	// Insecure TLSA records exist: a note that senders ignore them.
	r = verifiedDomain(cur, cur)
	r.MX[0].TLSA.Lookup = *insecure()
	if w, n = findingCodes(r); !n[NoteInsecureTLSAIgnored] || !w[WarnNoProtection] {
		t.Errorf("insecure TLSA: warnings %v notes %v", w, n)
	}
	// An address that cannot be reached while another works: warning.
	r = verifiedDomain(cur, cur, next)
	r.MX[0].Addresses = append(r.MX[0].Addresses, AddressReport{IP: "2001:db8::1", Error: "connection refused", ErrorStage: "connect"})
	if w, _ = findingCodes(r); !w[WarnUnreachable] || r.Status != StatusWarning || r.DANE != DANEVerified {
		t.Errorf("unreachable address: warnings %v status %s dane %s", w, r.Status, r.DANE)
	}
	// An MX host without addresses next to one without TLSA: still no DANE.
	r = verifiedDomain(cur, cur, next)
	r.MX[0].TLSA.Records = nil
	r.MX = append(r.MX, MXReport{Host: "ghost.example.org", Preference: 20, A: secure(), AAAA: secure()})
	if w, _ = findingCodes(r); !w[WarnNoAddresses] || r.DANE != DANENone || r.Status != StatusWarning {
		t.Errorf("no addresses, no TLSA: warnings %v dane %s status %s", w, r.DANE, r.Status)
	}
	// An MX host without addresses next to a verified one: partial.
	r = verifiedDomain(cur, cur, next)
	r.MX = append(r.MX, MXReport{Host: "ghost.example.org", Preference: 20, A: secure(), AAAA: secure()})
	if w, _ = findingCodes(r); !w[WarnNoAddresses] || r.DANE != DANEPartial {
		t.Errorf("no addresses: warnings %v dane %s", w, r.DANE)
	}
	// MTA-STS policy that cannot be fetched: a failure with its RFC 8460 type.
	r = verifiedDomain(cur, cur, next)
	r.MTASTS = MTASTSReport{Record: "v=STSv1; id=1", FetchError: "HTTP 404"}
	Decide(r)
	if len(r.Failures) != 1 || r.Failures[0].ResultType != tlsrpt.ResultSTSPolicyFetchError || r.Status != StatusWarning {
		t.Errorf("fetch error: failures %+v status %s", r.Failures, r.Status)
	}
}

// The MX lookup rules of RFC 7672 §2.1.1 and RFC 7505, through Decide.
func TestDecideMXLookup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      DomainReport
		status Status
		dane   DANEResult
		action Action
	}{
		{"§2.1.1 bogus MX: defer", DomainReport{MXLookup: *bogus("expired")}, StatusCritical, DANEFailed, Defer},
		{"§2.1.1 MX SERVFAIL: defer", DomainReport{MXLookup: Lookup{Error: "SERVFAIL"}}, StatusCritical, DANEFailed, Defer},
		// Issue 11 §1: an Indeterminate answer is a local fault, not a
		// verdict about the domain.
		{"MX indeterminate: unknown", DomainReport{MXLookup: Lookup{}}, StatusUnknown, DANENone, Unknown},
		{"MX upstream strips: unknown", DomainReport{MXLookup: Lookup{Reason: dnssec.ReasonUpstreamStripsDNSSEC}}, StatusUnknown, DANENone, Unknown},
		{"RFC 7505 null MX", DomainReport{MXLookup: *secure(), NullMX: true}, StatusOK, DANENone, NoMail},
		{"NXDOMAIN", DomainReport{MXLookup: Lookup{DNSSEC: dnssec.Secure, NXDomain: true}}, StatusCritical, DANENone, NoMail},
		{"insecure NXDOMAIN", DomainReport{MXLookup: Lookup{DNSSEC: dnssec.Insecure, NXDomain: true}}, StatusCritical, DANENone, NoMail},
		{"secure, no MX hosts at all", DomainReport{MXLookup: *secure()}, StatusCritical, DANENone, Defer},
	} {
		r := tc.r
		Decide(&r)
		if r.Status != tc.status || r.DANE != tc.dane || r.Outcome.DANE.Action != tc.action || r.Outcome.Both.Action != tc.action {
			t.Errorf("%s: got %s %s %s, want %s %s %s", tc.name, r.Status, r.DANE, r.Outcome.DANE.Action, tc.status, tc.dane, tc.action)
		}
		if r.Summary == "" {
			t.Errorf("%s: empty summary", tc.name)
		}
	}
}

// RFC 7672 §2.2.1: an insecure MX RRset still gets DANE for its hosts,
// with the host names as the only reference identifiers.
func TestDecideInsecureMXWithDANEHosts(t *testing.T) {
	r := verifiedDomain(tlsaRec(3, 1, 1, "k"), tlsaRec(3, 1, 1, "k"), tlsaRec(3, 1, 1, "k2"))
	r.MXLookup = *insecure()
	Decide(r)
	if r.DANE != DANEVerified || r.Status != StatusOK {
		t.Errorf("got dane %s status %s", r.DANE, r.Status)
	}
	if ids := r.MX[0].ReferenceIDs; len(ids) != 1 || ids[0] != "mx.example.org" {
		t.Errorf("reference IDs %v, want the MX host only", ids)
	}
}

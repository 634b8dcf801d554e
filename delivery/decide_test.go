package delivery

import (
	"reflect"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsa"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// RFC 7672 §2.1.1: only a validated answer counts; an indeterminate one
// is a lookup failure.
func TestLookupOutcome(t *testing.T) {
	for _, tc := range []struct {
		l    Lookup
		want lookupOutcome
	}{
		{Lookup{DNSSEC: dnssec.Secure}, lookupSecure},
		{Lookup{DNSSEC: dnssec.Insecure}, lookupInsecure},
		{Lookup{DNSSEC: dnssec.Bogus}, lookupBogus},
		{Lookup{DNSSEC: dnssec.Indeterminate}, lookupFailed},
		{Lookup{DNSSEC: dnssec.Secure, Error: "SERVFAIL"}, lookupFailed},
		{Lookup{DNSSEC: dnssec.Secure, NXDomain: true}, lookupSecure},
	} {
		if got := lookupOutcomeOf(tc.l); got != tc.want {
			t.Errorf("%+v: got %d, want %d", tc.l, got, tc.want)
		}
	}
}

func TestAddressSecurity(t *testing.T) {
	for _, tc := range []struct {
		a, aaaa *Lookup
		want    dnssec.Security
	}{
		{secure(), secure(), dnssec.Secure},
		{secure(), insecure(), dnssec.Insecure},
		{insecure(), bogus("x"), dnssec.Bogus},
		{secure(), &Lookup{Error: "timeout"}, dnssec.Indeterminate},
		{&Lookup{Error: "timeout"}, bogus("x"), dnssec.Bogus},
		{secure(), nil, dnssec.Secure}, // -4: no AAAA lookup
		{nil, nil, dnssec.Indeterminate},
	} {
		if got := AddressSecurity(tc.a, tc.aaaa); got != tc.want {
			t.Errorf("%v/%v: got %s, want %s", tc.a, tc.aaaa, got, tc.want)
		}
	}
}

// RFC 7672 §3.1: DANE-TA(2) and DANE-EE(3) only; RFC 6698 §2.1 selectors
// and matching types; digests of the wrong length match nothing.
func TestUsability(t *testing.T) {
	sha256 := strings.Repeat("ab", 32)
	sha512 := strings.Repeat("cd", 64)
	for _, tc := range []struct {
		rec  TLSARecord
		ok   bool
		why  string
		name string
	}{
		{TLSARecord{3, 1, 1, sha256, false}, true, "", "DANE-EE SPKI SHA-256"},
		{TLSARecord{2, 0, 2, sha512, false}, true, "", "DANE-TA cert SHA-512"},
		{TLSARecord{3, 0, 0, "3082010a", false}, true, "", "full certificate"},
		{TLSARecord{0, 0, 1, sha256, false}, false, tlsa.ReasonPKIXUsage, "PKIX-TA"},
		{TLSARecord{1, 1, 1, sha256, false}, false, tlsa.ReasonPKIXUsage, "PKIX-EE"},
		{TLSARecord{4, 1, 1, sha256, false}, false, tlsa.ReasonUnknownUsage, "unknown usage"},
		{TLSARecord{3, 2, 1, sha256, false}, false, tlsa.ReasonUnknownSelector, "unknown selector"},
		{TLSARecord{3, 1, 3, sha256, false}, false, tlsa.ReasonUnknownMatching, "unknown matching type"},
		{TLSARecord{3, 1, 1, sha256[:62], false}, false, tlsa.ReasonBadLength, "short SHA-256"},
		{TLSARecord{3, 1, 2, sha256, false}, false, tlsa.ReasonBadLength, "SHA-256 length for SHA-512"},
		{TLSARecord{3, 1, 1, strings.Repeat("zz", 32), false}, false, tlsa.ReasonMalformed, "not hex"},
		{TLSARecord{3, 1, 0, "", false}, false, tlsa.ReasonEmptyData, "empty full data"},
		{TLSARecord{3, 1, 0, "abc", false}, false, tlsa.ReasonMalformed, "odd hex"},
	} {
		why, _ := usability(tc.rec)
		if ok := why == ""; ok != tc.ok || why != tc.why {
			t.Errorf("%s: got %v %q, want %v %q", tc.name, ok, why, tc.ok, tc.why)
		}
	}
}

// RFC 7672 §3.2.2: the names a DANE-TA certificate must carry. With an
// insecure MX RRset the recipient domain is not a trusted name.
func TestReferenceIDs(t *testing.T) {
	for _, tc := range []struct {
		name               string
		domain, host, base string
		mxSecure, implicit bool
		want               []string
	}{
		{"secure MX", "example.org", "mx.example.org", "mx.example.org", true, false, []string{"mx.example.org", "example.org"}},
		{"secure MX, CNAME-expanded base", "example.org", "mx.example.org", "mx.hoster.net", true, false, []string{"mx.hoster.net", "mx.example.org", "example.org"}},
		{"insecure MX: host names only", "example.org", "mx.example.org", "mx.example.org", false, false, []string{"mx.example.org"}},
		{"insecure MX, CNAME-expanded base", "example.org", "MX.Example.org.", "mx.hoster.net.", false, false, []string{"mx.hoster.net", "mx.example.org"}},
		{"implicit MX", "example.org", "example.org", "example.org", false, true, []string{"example.org"}},
		{"implicit MX with CNAME", "example.org", "example.org", "host.example.net", true, true, []string{"host.example.net", "example.org"}},
	} {
		got := ReferenceIDs(tc.domain, tc.host, tc.base, tc.mxSecure, tc.implicit)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// hostWith builds an MX host for the lookup-state rules.
func hostWith(a, aaaa *Lookup, tlsa *TLSAReport) *MXReport {
	m := &MXReport{Host: "mx.example.org", A: a, AAAA: aaaa, TLSA: tlsa,
		Addresses: []AddressReport{probe("192.0.2.1", "mx.example.org")}}
	m.DNSSEC = AddressSecurity(a, aaaa)
	return m
}

// The DNS rules of RFC 7672 §2.1-§2.2, before any probe.
func TestHostTLSAState(t *testing.T) {
	good := tlsaRec(3, 1, 1, "k")
	pkix := tlsaRec(1, 1, 1, "k")
	for _, tc := range []struct {
		name   string
		m      *MXReport
		state  tlsaState
		reason Reason
	}{
		// §2.1.2: bogus or failed address lookups make the host unusable.
		{"§2.1.2 bogus A", hostWith(bogus("x"), secure(), nil), tlsaAddressFailed, ReasonAddressLookupBogus},
		{"§2.1.2 failed AAAA", hostWith(secure(), &Lookup{Error: "SERVFAIL"}, nil), tlsaAddressFailed, ReasonAddressLookupFailed},
		{"§2.1.2 indeterminate AAAA", hostWith(secure(), &Lookup{}, nil), tlsaAddressFailed, ReasonAddressLookupFailed},
		// §2.2.2: insecure addresses mean no TLSA, even if some were found.
		{"§2.2.2 insecure A", hostWith(insecure(), insecure(), tlsaSet("mx", secure(), good)), tlsaNotApplicable, ""},
		{"§2.2.2 one family insecure", hostWith(secure(), insecure(), tlsaSet("mx", secure(), good)), tlsaNotApplicable, ""},
		// §2.1.1: a bogus or failed TLSA lookup makes the host unusable.
		{"§2.1.1 bogus TLSA", hostWith(secure(), secure(), tlsaSet("mx", bogus("x"), good)), tlsaLookupFailed, ReasonTLSALookupBogus},
		{"§2.1.1 TLSA SERVFAIL", hostWith(secure(), secure(), tlsaSet("mx", &Lookup{Error: "SERVFAIL"})), tlsaLookupFailed, ReasonTLSALookupFailed},
		{"§2.1.1 TLSA indeterminate", hostWith(secure(), secure(), tlsaSet("mx", &Lookup{})), tlsaLookupFailed, ReasonTLSALookupFailed},
		// §2.2: insecure TLSA RRsets are ignored; a secure denial means no DANE.
		{"§2.2 insecure TLSA", hostWith(secure(), secure(), tlsaSet("mx", insecure(), good)), tlsaInsecure, ""},
		{"secure NODATA", hostWith(secure(), secure(), tlsaSet("mx", secure())), tlsaAbsent, ""},
		{"secure NXDOMAIN", hostWith(secure(), secure(), tlsaSet("mx", &Lookup{DNSSEC: dnssec.Secure, NXDomain: true})), tlsaAbsent, ""},
		{"no TLSA lookup made", hostWith(secure(), secure(), nil), tlsaAbsent, ""},
		// §2.2.3: secure RRset, all unusable: TLS mandatory.
		{"§2.2.3 only unusable", hostWith(secure(), secure(), tlsaSet("mx", secure(), pkix)), tlsaOnlyUnusable, ""},
		{"§3.1 usable among unusable", hostWith(secure(), secure(), tlsaSet("mx", secure(), pkix, good)), tlsaUsableRecords, ""},
		{"-4: AAAA not looked up", hostWith(secure(), nil, tlsaSet("mx", secure(), good)), tlsaUsableRecords, ""},
	} {
		state, reason := hostTLSAState(tc.m)
		if state != tc.state || reason != tc.reason {
			t.Errorf("%s: got %d %q, want %d %q", tc.name, state, reason, tc.state, tc.reason)
		}
	}
	m := hostWith(secure(), secure(), nil)
	m.Addresses = nil
	if s, r := hostTLSAState(m); s != tlsaAddressFailed || r != ReasonNoAddresses {
		t.Errorf("no addresses: got %d %q", s, r)
	}
}

// The per-address DANE rules: RFC 7672 §2.2.3 (TLS mandatory under any
// secure TLSA RRset) and §3.2 (usable records must match).
func TestAddressDANE(t *testing.T) {
	ok := probe("192.0.2.1", "mx")
	down := AddressReport{IP: "192.0.2.1", Error: "connection refused"}
	plain := AddressReport{IP: "192.0.2.1", Connected: true}
	broken := AddressReport{IP: "192.0.2.1", Connected: true, STARTTLS: true, Error: "remote error: handshake failure"}
	with := func(m *Match) *AddressReport { a := ok; a.Match = m; return &a }
	rec := tlsaRec(3, 1, 1, "mx")
	for _, tc := range []struct {
		name   string
		s      tlsaState
		a      *AddressReport
		want   AddressDANE
		reason Reason
		action Action
	}{
		{"§2.2.2 no TLSA, plain text", tlsaNotApplicable, &plain, AddressNone, "", DeliverOpportunistic},
		{"no TLSA, unreachable", tlsaAbsent, &down, AddressNone, "", Skip},
		{"§2.2 insecure TLSA", tlsaInsecure, &ok, AddressNone, "", DeliverOpportunistic},
		{"§2.1.1 lookup failed", tlsaLookupFailed, &ok, AddressFailed, ReasonTLSALookupBogus, Skip},
		{"§2.2.3 unusable only, no STARTTLS", tlsaOnlyUnusable, &plain, AddressFailed, ReasonNoSTARTTLS, Skip},
		{"§2.2.3 unusable only, TLS", tlsaOnlyUnusable, &ok, AddressUnusableTLSA, "", DeliverOpportunistic},
		{"§2.2.3 usable, no STARTTLS: downgrade", tlsaUsableRecords, &plain, AddressFailed, ReasonNoSTARTTLS, Skip},
		{"usable, unreachable", tlsaUsableRecords, &down, AddressFailed, ReasonUnreachable, Skip},
		{"usable, handshake fails", tlsaUsableRecords, &broken, AddressFailed, ReasonHandshake, Skip},
		{"§3.2 usable, matched", tlsaUsableRecords, with(matched(rec, 0)), AddressVerified, "", DeliverAuthenticated},
		{"§3.2 usable, no match", tlsaUsableRecords, with(&Match{Failure: ReasonNoMatch}), AddressFailed, ReasonNoMatch, Skip},
		{"§3.2.2 DANE-TA name mismatch", tlsaUsableRecords, with(&Match{Failure: ReasonNameMismatch}), AddressFailed, ReasonNameMismatch, Skip},
		{"§3.1.2 TA not in chain (tlsa code)", tlsaUsableRecords, with(&Match{Failure: ReasonTANotInChain}), AddressFailed, ReasonTANotInChain, Skip},
		{"§3.2 no matching result at all", tlsaUsableRecords, &ok, AddressFailed, ReasonNoMatch, Skip},
		{"§3.2 unclassified non-match", tlsaUsableRecords, with(&Match{}), AddressFailed, ReasonNoMatch, Skip},
	} {
		got, reason := addressDANE(tc.s, ReasonTLSALookupBogus, tc.a)
		action := addressDANEAction(got, tc.a)
		if got != tc.want || reason != tc.reason || action != tc.action {
			t.Errorf("%s: got %s %q %s, want %s %q %s", tc.name, got, reason, action, tc.want, tc.reason, tc.action)
		}
	}
}

// Per-address to per-MX aggregation: the best address counts (a sender
// tries them in turn), RFC 7672 §3.2 "try the next".
func TestDecideMXDANE(t *testing.T) {
	rec := tlsaRec(3, 1, 1, "mx")
	ok := probe("2001:db8::1", "mx")
	ok.Match = matched(rec, 0)
	bad := probe("192.0.2.1", "mx")
	bad.Match = &Match{Failure: ReasonNoMatch}
	down := AddressReport{IP: "192.0.2.2"}
	plain := AddressReport{IP: "192.0.2.3", Connected: true}
	for _, tc := range []struct {
		name   string
		tlsa   *TLSAReport
		addrs  []AddressReport
		want   DANEResult
		reason Reason
		action Action
	}{
		{"all verified", tlsaSet("mx", secure(), rec), []AddressReport{ok}, DANEVerified, "", DeliverAuthenticated},
		{"one verified, one fails", tlsaSet("mx", secure(), rec), []AddressReport{bad, ok}, DANEVerified, "", DeliverAuthenticated},
		{"none verified", tlsaSet("mx", secure(), rec), []AddressReport{bad, down}, DANEFailed, ReasonNoMatch, Skip},
		{"all unreachable", tlsaSet("mx", secure(), rec), []AddressReport{down}, DANEFailed, ReasonUnreachable, Skip},
		{"unusable, one TLS", tlsaSet("mx", secure(), tlsaRec(0, 0, 1, "x")), []AddressReport{plain, bad}, DANEUnusable, "", DeliverOpportunistic},
		{"unusable, no TLS", tlsaSet("mx", secure(), tlsaRec(0, 0, 1, "x")), []AddressReport{plain}, DANEFailed, ReasonNoSTARTTLS, Skip},
		{"no TLSA", tlsaSet("mx", secure()), []AddressReport{down, plain}, DANENone, "", DeliverOpportunistic},
		{"no TLSA, unreachable", tlsaSet("mx", secure()), []AddressReport{down}, DANENone, ReasonUnreachable, Skip},
		{"bogus TLSA", tlsaSet("mx", bogus("x"), rec), []AddressReport{ok}, DANEFailed, ReasonTLSALookupBogus, Skip},
		{"no addresses: DANE does not apply", tlsaSet("mx", secure(), rec), nil, DANENone, ReasonNoAddresses, Skip},
	} {
		m := hostWith(secure(), secure(), tc.tlsa)
		m.Addresses = append([]AddressReport(nil), tc.addrs...)
		decideMXDANE(m)
		if m.DANE != tc.want || m.DANEReason != tc.reason || m.DANESender != tc.action {
			t.Errorf("%s: got %s %q %s, want %s %q %s", tc.name, m.DANE, m.DANEReason, m.DANESender, tc.want, tc.reason, tc.action)
		}
	}
}

// Per-MX to per-domain aggregation: verified, partial, failed, unusable,
// none.
func TestDomainDANE(t *testing.T) {
	mx := func(d DANEResult, a Action) MXReport { return MXReport{DANE: d, DANESender: a} }
	v := mx(DANEVerified, DeliverAuthenticated)
	f := mx(DANEFailed, Skip)
	u := mx(DANEUnusable, DeliverOpportunistic)
	n := mx(DANENone, DeliverOpportunistic)
	nDown := mx(DANENone, Skip)
	for _, tc := range []struct {
		name string
		mx   []MXReport
		want DANEResult
	}{
		{"every MX verified", []MXReport{v, v}, DANEVerified},
		{"one MX fails, another verifies", []MXReport{f, v}, DANEPartial},
		{"verified and no TLSA", []MXReport{v, n}, DANEPartial},
		{"verified and unusable", []MXReport{v, u}, DANEPartial},
		{"failed, opportunistic fallback", []MXReport{f, n}, DANEPartial},
		{"every MX fails", []MXReport{f, f}, DANEFailed},
		{"fails, fallback unreachable", []MXReport{f, nDown}, DANEFailed},
		{"only unusable", []MXReport{u}, DANEUnusable},
		{"unusable and none", []MXReport{u, n}, DANEUnusable},
		{"no TLSA anywhere", []MXReport{n, n}, DANENone},
		{"no TLSA, unreachable", []MXReport{nDown}, DANENone},
		{"no MX", nil, DANENone},
	} {
		if got := domainDANE(tc.mx); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// RFC 8461 §4.1-§4.2 per address, §5 per mode.
func TestAddressMTASTS(t *testing.T) {
	ok := probe("192.0.2.1", "mx")
	ok.WebPKI = webpkiOK()
	unchecked := probe("192.0.2.1", "mx")
	expired := probe("192.0.2.1", "mx")
	expired.WebPKI = &WebPKI{Failure: tlsrpt.ResultCertificateExpired}
	mismatch := probe("192.0.2.1", "mx")
	mismatch.WebPKI = &WebPKI{Failure: tlsrpt.ResultCertificateHostMismatch}
	untrusted := probe("192.0.2.1", "mx")
	untrusted.WebPKI = &WebPKI{Failure: tlsrpt.ResultCertificateNotTrusted}
	old := probe("192.0.2.1", "mx")
	old.WebPKI = &WebPKI{Failure: tlsrpt.ResultValidationFailure, Detail: "negotiated TLS 1.0"}
	plain := AddressReport{Connected: true}
	for _, tc := range []struct {
		name   string
		p      stsPolicy
		match  bool
		a      AddressReport
		want   MTASTSResult
		reason Reason
	}{
		{"no policy", stsNone, false, plain, MTASTSNone, ""},
		{"pass", stsEnforce, true, ok, MTASTSPass, ""},
		{"§4.1 MX not in policy", stsEnforce, false, ok, MTASTSFail, ReasonMXNotInPolicy},
		{"no STARTTLS", stsTesting, true, plain, MTASTSFail, ReasonNoSTARTTLS},
		{"unreachable", stsEnforce, true, AddressReport{}, MTASTSFail, ReasonUnreachable},
		{"§4.2 expired", stsEnforce, true, expired, MTASTSFail, ReasonWebPKIExpired},
		{"§4.2 host mismatch", stsEnforce, true, mismatch, MTASTSFail, ReasonWebPKIHostMismatch},
		{"§4.2 untrusted", stsEnforce, true, untrusted, MTASTSFail, ReasonWebPKINotTrusted},
		{"not checked", stsEnforce, true, unchecked, MTASTSFail, ReasonWebPKINotChecked},
		{"§4.2 TLS older than 1.2", stsEnforce, true, old, MTASTSFail, ReasonWebPKIInvalid},
	} {
		got, reason := addressMTASTS(tc.p, tc.match, &tc.a)
		if got != tc.want || reason != tc.reason {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, got, reason, tc.want, tc.reason)
		}
	}
}

func TestStsInEffect(t *testing.T) {
	for _, tc := range []struct {
		p    MTASTSReport
		want stsPolicy
	}{
		{MTASTSReport{}, stsNone},
		{MTASTSReport{Mode: "none"}, stsNone},
		{MTASTSReport{Mode: "testing"}, stsTesting},
		{MTASTSReport{Mode: "enforce"}, stsEnforce},
		// RFC 8461 §3.3: no policy fetched, none applied.
		{MTASTSReport{Mode: "enforce", FetchError: "404"}, stsNone},
		{MTASTSReport{Mode: "enforce", PolicyError: "bad version"}, stsNone},
	} {
		if got := stsInEffect(&tc.p); got != tc.want {
			t.Errorf("%+v: got %d, want %d", tc.p, got, tc.want)
		}
	}
}

// RFC 8461 §5.1 per MX, and RFC 8461 §2: DANE takes precedence where it
// applies; an MTA-STS pass never overrides a DANE failure.
func TestMXMTASTSAndCombined(t *testing.T) {
	for _, tc := range []struct {
		name       string
		p          stsPolicy
		dane       DANEResult
		daneReason Reason
		daneAct    Action
		valid      bool
		stsAct     Action
		both       Action
	}{
		{"enforce pass, no DANE", stsEnforce, DANENone, "", DeliverOpportunistic, true, DeliverAuthenticated, DeliverAuthenticated},
		{"§5.1 enforce fail, no DANE", stsEnforce, DANENone, "", DeliverOpportunistic, false, Skip, Skip},
		{"testing fail, no DANE", stsTesting, DANENone, "", DeliverOpportunistic, false, DeliverOpportunistic, DeliverOpportunistic},
		{"§2 DANE verified, STS fails", stsEnforce, DANEVerified, "", DeliverAuthenticated, false, Skip, DeliverAuthenticated},
		{"§2 DANE fails, STS passes", stsEnforce, DANEFailed, ReasonNoMatch, Skip, true, DeliverAuthenticated, Skip},
		{"§2 bogus TLSA, STS passes", stsEnforce, DANEFailed, ReasonTLSALookupBogus, Skip, true, DeliverAuthenticated, Skip},
		{"unusable TLSA, STS passes", stsEnforce, DANEUnusable, "", DeliverOpportunistic, true, DeliverAuthenticated, DeliverAuthenticated},
		{"unusable TLSA, STS enforce fails", stsEnforce, DANEUnusable, "", DeliverOpportunistic, false, Skip, Skip},
		{"no policy, no DANE", stsNone, DANENone, "", DeliverOpportunistic, true, DeliverOpportunistic, DeliverOpportunistic},
	} {
		a := probe("192.0.2.1", "mx")
		a.WebPKI = &WebPKI{Valid: tc.valid, Failure: tlsrpt.ResultCertificateNotTrusted}
		m := &MXReport{Host: "mx", PolicyMatch: true, Addresses: []AddressReport{a},
			DANE: tc.dane, DANEReason: tc.daneReason, DANESender: tc.daneAct}
		decideMXMTASTS(m, tc.p)
		both := combinedAction(m, tc.p)
		if m.MTASTSSender != tc.stsAct || both != tc.both {
			t.Errorf("%s: mta-sts %s both %s, want %s %s", tc.name, m.MTASTSSender, both, tc.stsAct, tc.both)
		}
	}
}

// RFC 5321 §5.1: MX hosts are tried in preference order; the first one
// the sender can use decides.
func TestDomainOutcome(t *testing.T) {
	mx := []MXReport{
		{Host: "backup", Preference: 20, DANESender: DeliverOpportunistic, Addresses: []AddressReport{{IP: "192.0.2.9"}}},
		{Host: "primary", Preference: 10, DANESender: Skip, DANEReason: ReasonNoMatch},
		{Host: "primary2", Preference: 10, DANESender: DeliverAuthenticated},
	}
	act := func(m *MXReport) Action { return m.DANESender }
	got := domainOutcome(mx, preferenceOrder(mx), act, daneSkipReason)
	if got.Action != DeliverAuthenticated || got.Via != "primary2" {
		t.Errorf("got %+v, want deliver-authenticated via primary2", got)
	}
	mx[2].DANESender, mx[2].DANEReason = Skip, ReasonNoSTARTTLS
	mx[0].DANESender = Skip
	got = domainOutcome(mx, preferenceOrder(mx), act, daneSkipReason)
	want := "no usable MX host: primary (no-match), primary2 (no-starttls), backup (unreachable)"
	if got.Action != Defer || got.Via != "" || got.Reason != want {
		t.Errorf("got %+v, want defer with %q", got, want)
	}
	if got := domainOutcome(nil, nil, act, daneSkipReason); got.Action != Defer {
		t.Errorf("no MX: got %+v", got)
	}
}

func TestResultType(t *testing.T) {
	for r, want := range map[Reason]tlsrpt.ResultType{
		ReasonNoSTARTTLS:          "starttls-not-supported",
		ReasonNoMatch:             "tlsa-invalid",
		ReasonNameMismatch:        "certificate-host-mismatch",
		ReasonWebPKIHostMismatch:  "certificate-host-mismatch",
		ReasonExpired:             "certificate-expired",
		ReasonChainInvalid:        "certificate-not-trusted",
		ReasonInsecureSignature:   "certificate-not-trusted",
		ReasonLeafMismatch:        "tlsa-invalid",
		ReasonTANotInChain:        "tlsa-invalid",
		ReasonNoCertificate:       "tlsa-invalid",
		ReasonNotYetValid:         "certificate-expired",
		ReasonWebPKIInvalid:       "sts-webpki-invalid",
		ReasonTLSALookupBogus:     "dnssec-invalid",
		ReasonTLSALookupFailed:    "dnssec-invalid",
		ReasonMXLookupBogus:       "dnssec-invalid",
		ReasonMTASTSPolicyFetch:   "sts-policy-fetch-error",
		ReasonMTASTSPolicyInvalid: "sts-policy-invalid",
		ReasonWebPKINotChecked:    "sts-webpki-invalid",
		ReasonHandshake:           "validation-failure",
		ReasonMXNotInPolicy:       "validation-failure",
	} {
		if got := resultType(r); got != want {
			t.Errorf("%s: got %s, want %s", r, got, want)
		}
	}
}

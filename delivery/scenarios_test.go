package delivery

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

var update = flag.Bool("update", false, "rewrite the fixtures in testdata/delivery")

// checkedAt is the fixed clock of every scenario.
var checkedAt = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func hexOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func secure() *Lookup { return &Lookup{DNSSEC: dnssec.Secure} }
func insecure() *Lookup {
	return &Lookup{DNSSEC: dnssec.Insecure, Reason: dnssec.ReasonUnsignedDelegation}
}
func bogus(why string) *Lookup {
	return &Lookup{DNSSEC: dnssec.Bogus, Reason: dnssec.ReasonSignatureExpired, Detail: why}
}

func cert(subject, issuer string, dnsNames ...string) Certificate {
	return Certificate{
		Subject: "CN=" + subject, Issuer: "CN=" + issuer, DNSNames: dnsNames,
		SPKISHA256: hexOf("spki " + subject), CertSHA256: hexOf("cert " + subject),
		NotBefore: checkedAt.AddDate(0, -1, 0), NotAfter: checkedAt.AddDate(0, 2, 0),
	}
}

// tlsaRec is a DANE record for the named key: "3 1 1" of the SPKI digest.
func tlsaRec(usage, selector, mtype uint8, key string) TLSARecord {
	return TLSARecord{Usage: usage, Selector: selector, MatchingType: mtype, Data: hexOf("spki " + key)}
}

func tlsaSet(host string, l *Lookup, recs ...TLSARecord) *TLSAReport {
	return &TLSAReport{Name: "_25._tcp." + host, BaseDomain: host, Lookup: *l, Records: recs}
}

// probe is a successful STARTTLS session presenting host's chain.
func probe(ip, host string) AddressReport {
	return AddressReport{
		IP: ip, Connected: true, Banner: "220 " + host + " ESMTP", STARTTLS: true,
		TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
		Chain: []Certificate{cert(host, "Test CA R1", host), cert("Test CA R1", "Test Root")},
		Time:  Seconds(40 * time.Millisecond),
	}
}

func matched(rec TLSARecord, depth int) *Match {
	return &Match{Matched: true, Record: &rec, Depth: depth}
}

func webpkiOK() *WebPKI { return &WebPKI{Valid: true} }

func mxHost(host string, pref uint16, addr *Lookup, tlsa *TLSAReport, addrs ...AddressReport) MXReport {
	a, aaaa := *addr, *addr
	return MXReport{Host: host, Preference: pref, A: &a, AAAA: &aaaa, TLSA: tlsa, Addresses: addrs}
}

func base(domain string, mxLookup *Lookup) *DomainReport {
	return &DomainReport{
		Domain: domain, MXLookup: *mxLookup, CheckedAt: checkedAt,
		TLSRPT:  &Posture{Found: true, Record: "v=TLSRPTv1; rua=mailto:tlsrpt@" + domain, DNSSEC: mxLookup.DNSSEC, RUA: []string{"mailto:tlsrpt@" + domain}},
		Timings: Timings{Total: Seconds(312 * time.Millisecond), DNS: Seconds(120 * time.Millisecond), SMTP: Seconds(150 * time.Millisecond), Queries: 14},
	}
}

// scenario is one representative domain with the verdicts Decide must
// reach for it.
type scenario struct {
	name     string
	report   *DomainReport
	status   Status
	dane     DANEResult
	daneAct  Action
	daneVia  string
	stsAct   Action
	bothAct  Action
	failures []tlsrpt.ResultType // RFC 8460 result types, in order
}

// scenarios are the representative reports: the fixtures under
// testdata/delivery, which the report package renders into its golden
// files.
func scenarios() []scenario {
	var out []scenario
	add := func(s scenario) { out = append(out, s) }

	{ // Two MX hosts, DANE-EE "3 1 1" with current and next key, verified everywhere.
		r := base("dane-ee.example", secure())
		var mx []MXReport
		for i, h := range []string{"mx1.dane-ee.example", "mx2.dane-ee.example"} {
			cur, next := tlsaRec(3, 1, 1, h), tlsaRec(3, 1, 1, h+" next")
			a4, a6 := probe("192.0.2."+string(rune('1'+i)), h), probe("2001:db8::"+string(rune('1'+i)), h)
			a4.Match, a6.Match = matched(cur, 0), matched(cur, 0)
			mx = append(mx, mxHost(h, uint16(10*(i+1)), secure(), tlsaSet(h, secure(), cur, next), a6, a4))
		}
		r.MX = mx
		add(scenario{name: "verified-dane-ee", report: r, status: StatusOK, dane: DANEVerified,
			daneAct: DeliverAuthenticated, daneVia: "mx1.dane-ee.example", stsAct: DeliverOpportunistic, bothAct: DeliverAuthenticated})
	}
	{ // DANE-TA "2 1 1" on the issuer, plus MTA-STS enforce that passes.
		r := base("dane-ta.example", secure())
		h := "mail.dane-ta.example"
		ta := TLSARecord{Usage: 2, Selector: 1, MatchingType: 1, Data: hexOf("spki Test CA R1")}
		a := probe("192.0.2.10", h)
		a.Match, a.WebPKI = matched(ta, 1), webpkiOK()
		m := mxHost(h, 10, secure(), tlsaSet(h, secure(), ta), a)
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure} // secure NODATA
		m.PolicyMatch = true
		r.MX = []MXReport{m}
		r.MTASTS = MTASTSReport{Record: "v=STSv1; id=20261101", ID: "20261101", Mode: "enforce", MaxAge: 604800, Patterns: []string{"*.dane-ta.example"}}
		add(scenario{name: "verified-dane-ta", report: r, status: StatusOK, dane: DANEVerified,
			daneAct: DeliverAuthenticated, daneVia: h, stsAct: DeliverAuthenticated, bothAct: DeliverAuthenticated})
	}
	{ // The server's key changed but the TLSA record did not: RFC 7672 §3.2.
		r := base("mismatch.example", secure())
		h := "mx.mismatch.example"
		a := probe("192.0.2.20", h)
		a.Match = &Match{Failure: ReasonNoMatch, Detail: "the leaf SPKI digest is " + hexOf("spki " + h)[:16] + "…"}
		m := mxHost(h, 10, secure(), tlsaSet(h, secure(), tlsaRec(3, 1, 1, "old key")), a)
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m}
		add(scenario{name: "tlsa-mismatch", report: r, status: StatusCritical, dane: DANEFailed,
			daneAct: Defer, stsAct: DeliverOpportunistic, bothAct: Defer, failures: []tlsrpt.ResultType{tlsrpt.ResultTLSAInvalid}})
	}
	{ // Secure TLSA records, but the server offers no STARTTLS: a downgrade (RFC 7672 §2.2.3).
		r := base("nostarttls.example", secure())
		h := "mx.nostarttls.example"
		a := AddressReport{IP: "192.0.2.30", Connected: true, Banner: "220 " + h + " ESMTP", Time: Seconds(20 * time.Millisecond)}
		m := mxHost(h, 10, secure(), tlsaSet(h, secure(), tlsaRec(3, 1, 1, h)), a)
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m}
		add(scenario{name: "no-starttls-with-tlsa", report: r, status: StatusCritical, dane: DANEFailed,
			daneAct: Defer, stsAct: DeliverOpportunistic, bothAct: Defer, failures: []tlsrpt.ResultType{tlsrpt.ResultSTARTTLSNotSupported}})
	}
	{ // The MX RRset's signature expired: every sender defers (RFC 7672 §2.1.1).
		r := base("bogus.example", bogus("RRSIG MX bogus.example. expired on 2026-11-20"))
		r.TLSRPT = nil
		add(scenario{name: "bogus-dnssec", report: r, status: StatusCritical, dane: DANEFailed,
			daneAct: Defer, stsAct: Defer, bothAct: Defer, failures: []tlsrpt.ResultType{tlsrpt.ResultDNSSECInvalid}})
	}
	{ // Unsigned zone protected by MTA-STS enforce.
		r := base("sts-enforce.example", insecure())
		var mx []MXReport
		for i, h := range []string{"mx1.sts-enforce.example", "mx2.sts-enforce.example"} {
			a := probe("198.51.100."+string(rune('1'+i)), h)
			a.WebPKI = webpkiOK()
			m := mxHost(h, 10, insecure(), nil, a)
			m.AAAA = &Lookup{DNSSEC: dnssec.Insecure}
			m.PolicyMatch = true
			mx = append(mx, m)
		}
		r.MX = mx
		r.MTASTS = MTASTSReport{Record: "v=STSv1; id=1", ID: "1", Mode: "enforce", MaxAge: 86400, Patterns: []string{"*.sts-enforce.example"}}
		add(scenario{name: "insecure-mta-sts-enforce", report: r, status: StatusOK, dane: DANENone,
			daneAct: DeliverOpportunistic, daneVia: "mx1.sts-enforce.example", stsAct: DeliverAuthenticated, bothAct: DeliverAuthenticated})
	}
	{ // MTA-STS testing; the backup MX presents a certificate for another name.
		r := base("sts-testing.example", insecure())
		h1, h2 := "mx1.sts-testing.example", "mx2.sts-testing.example"
		a1 := probe("198.51.100.10", h1)
		a1.WebPKI = webpkiOK()
		a2 := probe("198.51.100.11", h2)
		a2.Chain[0] = cert("mail.hosting.example", "Test CA R1", "mail.hosting.example")
		a2.WebPKI = &WebPKI{Failure: tlsrpt.ResultCertificateHostMismatch, Detail: "certificate is valid for mail.hosting.example"}
		m1, m2 := mxHost(h1, 10, insecure(), nil, a1), mxHost(h2, 20, insecure(), nil, a2)
		m1.PolicyMatch, m2.PolicyMatch = true, true
		r.MX = []MXReport{m1, m2}
		r.MTASTS = MTASTSReport{Record: "v=STSv1; id=7", ID: "7", Mode: "testing", MaxAge: 86400, Patterns: []string{"*.sts-testing.example"}}
		add(scenario{name: "mta-sts-testing", report: r, status: StatusWarning, dane: DANENone,
			daneAct: DeliverOpportunistic, daneVia: h1, stsAct: DeliverAuthenticated, bothAct: DeliverAuthenticated,
			failures: []tlsrpt.ResultType{tlsrpt.ResultCertificateHostMismatch}})
	}
	{ // Null MX (RFC 7505).
		r := base("nullmx.example", secure())
		r.NullMX = true
		r.TLSRPT = nil
		add(scenario{name: "null-mx", report: r, status: StatusOK, dane: DANENone,
			daneAct: NoMail, stsAct: NoMail, bothAct: NoMail})
	}
	{ // The primary authenticates; the backup's TLSA record is stale.
		r := base("partial.example", secure())
		h1, h2 := "mx1.partial.example", "mx2.partial.example"
		rec1 := tlsaRec(3, 1, 1, h1)
		a1 := probe("192.0.2.40", h1)
		a1.Match = matched(rec1, 0)
		a2 := probe("192.0.2.41", h2)
		a2.Match = &Match{Failure: ReasonNoMatch}
		m1 := mxHost(h1, 10, secure(), tlsaSet(h1, secure(), rec1, tlsaRec(3, 1, 1, h1+" next")), a1)
		m2 := mxHost(h2, 20, secure(), tlsaSet(h2, secure(), tlsaRec(3, 1, 1, "retired"), tlsaRec(3, 1, 1, "retired next")), a2)
		m1.AAAA, m2.AAAA = &Lookup{DNSSEC: dnssec.Secure}, &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m1, m2}
		add(scenario{name: "partial", report: r, status: StatusWarning, dane: DANEPartial,
			daneAct: DeliverAuthenticated, daneVia: h1, stsAct: DeliverOpportunistic, bothAct: DeliverAuthenticated,
			failures: []tlsrpt.ResultType{tlsrpt.ResultTLSAInvalid}})
	}
	{ // The backup's TLSA lookup fails (SERVFAIL): CRITICAL even though the primary works.
		r := base("tlsa-servfail.example", secure())
		h1, h2 := "mx1.tlsa-servfail.example", "mx2.tlsa-servfail.example"
		rec1 := tlsaRec(3, 1, 1, h1)
		a1 := probe("192.0.2.50", h1)
		a1.Match = matched(rec1, 0)
		a2 := probe("192.0.2.51", h2)
		m1 := mxHost(h1, 10, secure(), tlsaSet(h1, secure(), rec1, tlsaRec(3, 1, 1, h1+" next")), a1)
		m2 := mxHost(h2, 20, secure(), tlsaSet(h2, &Lookup{Error: "SERVFAIL from upstream"}), a2)
		m1.AAAA, m2.AAAA = &Lookup{DNSSEC: dnssec.Secure}, &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m1, m2}
		add(scenario{name: "tlsa-lookup-failure", report: r, status: StatusCritical, dane: DANEPartial,
			daneAct: DeliverAuthenticated, daneVia: h1, stsAct: DeliverOpportunistic, bothAct: DeliverAuthenticated,
			failures: []tlsrpt.ResultType{tlsrpt.ResultDNSSECInvalid}})
	}
	{ // Only PKIX-EE(1) records: TLS mandatory, unauthenticated (RFC 7672 §3.1).
		r := base("unusable.example", secure())
		h := "mx.unusable.example"
		m := mxHost(h, 10, secure(), tlsaSet(h, secure(), tlsaRec(1, 1, 1, h)), probe("192.0.2.60", h))
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m}
		add(scenario{name: "unusable-tlsa", report: r, status: StatusWarning, dane: DANEUnusable,
			daneAct: DeliverOpportunistic, daneVia: h, stsAct: DeliverOpportunistic, bothAct: DeliverOpportunistic})
	}
	{ // No MX: the domain itself receives mail, with DANE.
		r := base("implicit.example", &Lookup{DNSSEC: dnssec.Secure})
		r.ImplicitMX = true
		h := "implicit.example"
		rec := tlsaRec(3, 1, 1, h)
		a := probe("192.0.2.70", h)
		a.Match = matched(rec, 0)
		m := mxHost(h, 0, secure(), tlsaSet(h, secure(), rec, tlsaRec(3, 1, 1, h+" next")), a)
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m}
		add(scenario{name: "implicit-mx", report: r, status: StatusOK, dane: DANEVerified,
			daneAct: DeliverAuthenticated, daneVia: h, stsAct: DeliverOpportunistic, bothAct: DeliverAuthenticated})
	}
	{ // Unsigned, no MTA-STS, and the only server is plain text.
		r := base("plain.example", insecure())
		r.TLSRPT = &Posture{DNSSEC: dnssec.Insecure}
		h := "mx.plain.example"
		a := AddressReport{IP: "203.0.113.5", Connected: true, Banner: "220 " + h, Time: Seconds(15 * time.Millisecond)}
		m := mxHost(h, 10, insecure(), nil, a)
		m.AAAA = nil
		r.MX = []MXReport{m}
		add(scenario{name: "unprotected", report: r, status: StatusWarning, dane: DANENone,
			daneAct: DeliverOpportunistic, daneVia: h, stsAct: DeliverOpportunistic, bothAct: DeliverOpportunistic})
	}
	{ // The overall deadline ran out during the probes.
		r := base("slow.example", secure())
		h := "mx.slow.example"
		a := AddressReport{IP: "192.0.2.90", Error: "dial tcp 192.0.2.90:25: i/o timeout", ErrorStage: "connect", Time: Seconds(5 * time.Second)}
		m := mxHost(h, 10, secure(), tlsaSet(h, &Lookup{DNSSEC: dnssec.Secure}), a)
		m.AAAA = &Lookup{DNSSEC: dnssec.Secure}
		r.MX = []MXReport{m}
		r.Error = "deadline of 30s exceeded"
		add(scenario{name: "incomplete", report: r, status: StatusUnknown, dane: DANENone,
			daneAct: Defer, stsAct: Defer, bothAct: Defer})
	}
	return out
}

// TestScenarios decides every representative report and checks the
// domain verdicts, then compares the facts with the fixture under
// testdata/delivery (rewritten with -update) that the report package's
// golden tests render.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			facts, err := json.MarshalIndent(sc.report, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			facts = append(facts, '\n')
			path := filepath.Join("..", "testdata", "delivery", sc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, facts, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fixture, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read fixture (run go test ./delivery -update): %v", err)
			}
			if string(fixture) != string(facts) {
				t.Errorf("%s is stale; run go test ./delivery -update", path)
			}

			r := sc.report
			Decide(r)
			if r.Status != sc.status || r.DANE != sc.dane {
				t.Errorf("status %s dane %s, want %s %s (summary %q)", r.Status, r.DANE, sc.status, sc.dane, r.Summary)
			}
			o := r.Outcome
			if o.DANE.Action != sc.daneAct || o.DANE.Via != sc.daneVia || o.MTASTS.Action != sc.stsAct || o.Both.Action != sc.bothAct {
				t.Errorf("outcomes dane %s via %q, mta-sts %s, both %s; want %s via %q, %s, %s",
					o.DANE.Action, o.DANE.Via, o.MTASTS.Action, o.Both.Action, sc.daneAct, sc.daneVia, sc.stsAct, sc.bothAct)
			}
			var types []tlsrpt.ResultType
			for _, f := range r.Failures {
				types = append(types, f.ResultType)
			}
			if !reflect.DeepEqual(types, sc.failures) {
				t.Errorf("failures %v, want %v: %+v", types, sc.failures, r.Failures)
			}
			if r.Summary == "" {
				t.Error("empty summary")
			}
			// Decide is idempotent: a second run gives the same report.
			once, _ := json.Marshal(r)
			Decide(r)
			twice, _ := json.Marshal(r)
			if string(once) != string(twice) {
				t.Errorf("second Decide changed the report:\n%s\n%s", once, twice)
			}
		})
	}
}

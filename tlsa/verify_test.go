package tlsa

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestEveryParameterCombination covers usage x selector x matching type:
// DANE-EE matches the leaf at depth 0, DANE-TA the intermediate at depth 1,
// PKIX usages are unusable, and a wrong digest never matches.
func TestEveryParameterCombination(t *testing.T) {
	w := newWorld(t, nil)
	for _, u := range []Usage{PKIXTA, PKIXEE, DANETA, DANEEE} {
		for _, s := range []Selector{Cert, SPKI} {
			for _, m := range []MatchingType{Full, SHA256, SHA512} {
				target, depth := w.leaf.cert, 0
				if u == DANETA || u == PKIXTA {
					target, depth = w.inter.cert, 1
				}
				good := rec(t, target, u, s, m)
				t.Run(fmt.Sprintf("%d%d%d", u, s, m), func(t *testing.T) {
					res := Verify([]Record{good}, w.chain(), mxNames)
					if u == PKIXTA || u == PKIXEE {
						if res.Verdict != VerdictUnusable || res.Records[0].Reason != ReasonPKIXUsage {
							t.Fatalf("verdict %s reason %q, want unusable-set/pkix-usage", res.Verdict, res.Records[0].Reason)
						}
						if !errors.Is(res.Err(), ErrUnusable) {
							t.Fatalf("Err() = %v", res.Err())
						}
						return
					}
					if res.Verdict != VerdictMatch {
						t.Fatalf("verdict %s, failures %+v", res.Verdict, res.Failures)
					}
					if res.Match.Depth != depth || res.Match.Index != 0 || res.Records[0].Outcome != Matched {
						t.Fatalf("match %+v, want depth %d", res.Match, depth)
					}
					if res.Err() != nil {
						t.Fatalf("Err() = %v", res.Err())
					}
					// Upper-case hex in the zone file matches too: bytes are compared.
					up, err := ParseRecord(strings.ToUpper(good.String()))
					if err != nil {
						t.Fatal(err)
					}
					if Verify([]Record{up}, w.chain(), mxNames).Verdict != VerdictMatch {
						t.Fatal("upper-case record did not match")
					}
					bad := Verify([]Record{wrong(good)}, w.chain(), mxNames)
					want := CodeLeafMismatch
					if u == DANETA {
						want = CodeTANotInChain
					}
					if bad.Verdict != VerdictNoMatch || len(bad.Failures) == 0 || bad.Failures[0].Code != want {
						t.Fatalf("wrong data: verdict %s failures %v, want %s", bad.Verdict, codes(bad.Failures), want)
					}
					if !errors.Is(bad.Err(), ErrNoMatch) {
						t.Fatalf("Err() = %v", bad.Err())
					}
				})
			}
		}
	}
}

func TestDigestAgility(t *testing.T) {
	w := newWorld(t, nil)
	l := w.leaf.cert
	full, s256, s512 := rec(t, l, DANEEE, SPKI, Full), rec(t, l, DANEEE, SPKI, SHA256), rec(t, l, DANEEE, SPKI, SHA512)
	ta256 := rec(t, w.inter.cert, DANETA, SPKI, SHA256)
	short512 := s512
	short512.Data = s512.Data[:32] // malformed: does not count for agility
	tests := []struct {
		name     string
		set      []Record
		verdict  Verdict
		outcomes []Outcome
	}{
		{"sha256 good, sha512 wrong: sha256 ignored", []Record{s256, wrong(s512)}, VerdictNoMatch, []Outcome{Ignored, NotMatched}},
		{"sha256 wrong, sha512 good", []Record{wrong(s256), s512}, VerdictMatch, []Outcome{Ignored, Matched}},
		{"full is not a digest: 3 1 0 or 3 1 2, not 3 1 1", []Record{full, s256, wrong(s512)}, VerdictMatch, []Outcome{Matched, Ignored, NotMatched}},
		{"other usage is its own group", []Record{wrong(s512), ta256}, VerdictMatch, []Outcome{NotMatched, Matched}},
		{"other selector is its own group", []Record{rec(t, l, DANEEE, Cert, SHA256), wrong(s512)}, VerdictMatch, []Outcome{Matched, NotMatched}},
		{"malformed sha512 does not displace sha256", []Record{s256, short512}, VerdictMatch, []Outcome{Matched, Unusable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Verify(tc.set, w.chain(), mxNames)
			if res.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", res.Verdict, tc.verdict)
			}
			for i, want := range tc.outcomes {
				if got := res.Records[i].Outcome; got != want {
					t.Errorf("record %d (%s): outcome %s, want %s", i, res.Records[i].Record, got, want)
				}
				if want == Ignored && (res.Records[i].Reason != ReasonDigestAgility || !strings.Contains(res.Records[i].Detail, "RFC 7671 §9")) {
					t.Errorf("record %d: ignored without saying why: %+v", i, res.Records[i])
				}
			}
		})
	}
}

func TestDANETAChains(t *testing.T) {
	w := newWorld(t, nil)
	root, inter, leaf := w.root.cert, w.inter.cert, w.leaf.cert
	other := newWorld(t, nil)
	garbageKey := Record{Usage: DANETA, Selector: SPKI, MatchingType: Full, Data: []byte("not a key")}
	tests := []struct {
		name     string
		set      []Record
		chain    []*x509.Certificate
		verdict  Verdict
		code     Code // first failure when no match
		depth    int
		position int
		keyOnly  bool
	}{
		{"TA is the intermediate", []Record{rec(t, inter, DANETA, SPKI, SHA256)}, w.chain(), VerdictMatch, "", 1, 1, false},
		{"TA is the root, sent", []Record{rec(t, root, DANETA, Cert, SHA256)}, []*x509.Certificate{leaf, inter, root}, VerdictMatch, "", 2, 2, false},
		{"root TA not in chain", []Record{rec(t, root, DANETA, SPKI, SHA256)}, w.chain(), VerdictNoMatch, CodeTANotInChain, -1, -1, false},
		{"2 0 0 root not in chain", []Record{rec(t, root, DANETA, Cert, Full)}, w.chain(), VerdictNoMatch, CodeTANotInChain, -1, -1, false},
		{"2 1 0 root key absent from chain", []Record{rec(t, root, DANETA, SPKI, Full)}, w.chain(), VerdictMatch, "", 2, -1, true},
		{"2 1 0 intermediate key, only leaf sent", []Record{rec(t, inter, DANETA, SPKI, Full)}, []*x509.Certificate{leaf}, VerdictMatch, "", 1, -1, true},
		{"2 1 0 garbage key", []Record{garbageKey}, w.chain(), VerdictNoMatch, CodeTANotInChain, -1, -1, false},
		{"2 1 0 key of another CA", []Record{rec(t, other.root.cert, DANETA, SPKI, Full)}, w.chain(), VerdictNoMatch, CodeTANotInChain, -1, -1, false},
		{"out of order with extra certificates", []Record{rec(t, root, DANETA, SPKI, SHA256)},
			[]*x509.Certificate{leaf, other.inter.cert, root, other.root.cert, inter}, VerdictMatch, "", 2, 2, false},
		{"leaf only, intermediate TA missing", []Record{rec(t, inter, DANETA, SPKI, SHA256)}, []*x509.Certificate{leaf}, VerdictNoMatch, CodeTANotInChain, -1, -1, false},
		{"TA of another PKI with same names", []Record{rec(t, other.inter.cert, DANETA, SPKI, SHA256)},
			[]*x509.Certificate{leaf, other.inter.cert}, VerdictNoMatch, CodeChainInvalid, -1, -1, false},
		{"DANE-TA matching the leaf itself", []Record{rec(t, leaf, DANETA, Cert, SHA256)}, w.chain(), VerdictMatch, "", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Verify(tc.set, tc.chain, mxNames)
			if res.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s; failures %+v", res.Verdict, tc.verdict, res.Failures)
			}
			rr := res.Records[0]
			if tc.verdict == VerdictNoMatch {
				if res.Failures[0].Code != tc.code {
					t.Fatalf("failure %v, want %s", codes(res.Failures), tc.code)
				}
				if res.Failures[0].Detail == "" {
					t.Fatal("failure without detail")
				}
				if tc.code == CodeChainInvalid && res.Failures[0].Cause == "" {
					t.Fatal("chain-invalid without Go's reason")
				}
				return
			}
			if rr.Depth != tc.depth || rr.Position != tc.position || rr.KeyOnly != tc.keyOnly {
				t.Fatalf("depth %d position %d keyOnly %v, want %d %d %v", rr.Depth, rr.Position, rr.KeyOnly, tc.depth, tc.position, tc.keyOnly)
			}
		})
	}
}

func TestNames(t *testing.T) {
	cnOnly := leafTemplate("mx.example.org")
	cnOnly.DNSNames = nil
	cnIgnored := leafTemplate("mx.example.org", "other.example.net")
	cnIgnored.DNSNames = []string{"other.example.net"}
	tests := []struct {
		name  string
		leaf  *x509.Certificate
		refs  []string
		match bool
	}{
		{"SAN exact", leafTemplate("mx.example.org"), []string{"mx.example.org"}, true},
		{"SAN case and trailing dot", leafTemplate("MX.Example.ORG"), []string{"mx.example.org."}, true},
		{"SAN second of several", leafTemplate("a.example.net", "mx.example.org"), []string{"mx.example.org"}, true},
		{"SAN mismatch", leafTemplate("mail.example.net"), []string{"mx.example.org"}, false},
		{"next-hop domain as second reference", leafTemplate("example.org"), []string{"mx.example.org", "example.org"}, true},
		{"CNAME-expanded name", leafTemplate("mx.hoster.example"), []string{"mx.example.org", "example.org", "mx.hoster.example"}, true},
		{"CN-only certificate", cnOnly, []string{"mx.example.org"}, true},
		{"CN ignored when SAN present", cnIgnored, []string{"mx.example.org"}, false},
		{"wildcard one label", leafTemplate("*.example.org"), []string{"mx.example.org"}, true},
		{"wildcard does not span two labels", leafTemplate("*.example.org"), []string{"a.mx.example.org"}, false},
		{"wildcard does not match the parent", leafTemplate("*.example.org"), []string{"example.org"}, false},
		{"partial-label wildcard refused", leafTemplate("mx*.example.org"), []string{"mx1.example.org"}, false},
		{"wildcard not leftmost refused", leafTemplate("mx.*.org"), []string{"mx.example.org"}, false},
		{"no reference identifiers", leafTemplate("mx.example.org"), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.leaf)
			set := []Record{rec(t, w.inter.cert, DANETA, SPKI, SHA256)}
			res := Verify(set, w.chain(), Options{Names: tc.refs})
			if got := res.Verdict == VerdictMatch; got != tc.match {
				t.Fatalf("match %v, want %v (%+v)", got, tc.match, res.Failures)
			}
			if !tc.match {
				f := res.Failures[0]
				if f.Code != CodeNameMismatch || len(f.NamesSeen) == 0 || !slices.Equal(f.NamesExpected, tc.refs) {
					t.Fatalf("failure %+v", f)
				}
				// DANE-EE ignores names (RFC 7672 §3.2.1) but remarks on WebPKI.
				ee := Verify([]Record{rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)}, w.chain(), Options{Names: tc.refs})
				if ee.Verdict != VerdictMatch {
					t.Fatalf("DANE-EE verdict %s", ee.Verdict)
				}
				if len(tc.refs) > 0 && !hasRemark(ee, RemarkWebPKINameMismatch) {
					t.Fatalf("DANE-EE remarks %+v lack %s", ee.Remarks, RemarkWebPKINameMismatch)
				}
			}
		})
	}
	t.Run("IgnoreNames", func(t *testing.T) {
		w := newWorld(t, leafTemplate("mail.example.net"))
		res := Verify([]Record{rec(t, w.inter.cert, DANETA, SPKI, SHA256)}, w.chain(), Options{IgnoreNames: true})
		if res.Verdict != VerdictMatch || !hasRemark(res, RemarkNamesNotChecked) {
			t.Fatalf("verdict %s remarks %+v", res.Verdict, res.Remarks)
		}
	})
}

func hasRemark(r *Result, code string) bool {
	return slices.ContainsFunc(r.Remarks, func(m Remark) bool { return m.Code == code })
}

func TestValidityPeriods(t *testing.T) {
	expired := leafTemplate("mx.example.org")
	expired.NotBefore, expired.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	future := leafTemplate("mx.example.org")
	future.NotBefore, future.NotAfter = time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour)
	for _, tc := range []struct {
		name   string
		leaf   *x509.Certificate
		code   Code
		remark string
	}{
		{"expired leaf", expired, CodeExpired, RemarkWebPKIExpired},
		{"leaf not yet valid", future, CodeNotYetValid, RemarkWebPKINotYetValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.leaf)
			for _, s := range []Selector{Cert, SPKI} {
				// RFC 7672 §3.1.1: DANE-EE ignores validity: pass, with a WebPKI remark.
				ee := Verify([]Record{rec(t, w.leaf.cert, DANEEE, s, SHA256)}, w.chain(), mxNames)
				if ee.Verdict != VerdictMatch || !hasRemark(ee, tc.remark) {
					t.Fatalf("3 %d 1: verdict %s remarks %+v", s, ee.Verdict, ee.Remarks)
				}
				// DANE-TA checks validity: fail.
				ta := Verify([]Record{rec(t, w.inter.cert, DANETA, s, SHA256)}, w.chain(), mxNames)
				if ta.Verdict != VerdictNoMatch || ta.Failures[0].Code != tc.code || ta.Failures[0].Depth != 0 {
					t.Fatalf("2 %d 1: verdict %s failures %+v", s, ta.Verdict, ta.Failures)
				}
				if ta.Records[0].Depth != 1 {
					t.Fatalf("the anchor was found at depth 1, record says %d", ta.Records[0].Depth)
				}
			}
		})
	}
	t.Run("injected clock", func(t *testing.T) {
		w := newWorld(t, nil)
		set := []Record{rec(t, w.inter.cert, DANETA, SPKI, SHA256)}
		res := Verify(set, w.chain(), Options{Names: mxNames.Names, Time: time.Now().Add(365 * 24 * time.Hour)})
		if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeExpired {
			t.Fatalf("a year later: %s %v", res.Verdict, codes(res.Failures))
		}
	})
	t.Run("expired intermediate under a root anchor", func(t *testing.T) {
		w := &world{}
		w.root.key = key(t)
		w.root.cert = mkCert(t, caTemplate("Root"), nil, w.root.key, nil)
		it := caTemplate("Old Intermediate")
		it.NotBefore, it.NotAfter = time.Now().Add(-72*time.Hour), time.Now().Add(-time.Hour)
		w.inter.key = key(t)
		w.inter.cert = mkCert(t, it, w.root.cert, w.inter.key, w.root.key)
		w.leaf.key = key(t)
		w.leaf.cert = mkCert(t, leafTemplate("mx.example.org"), w.inter.cert, w.leaf.key, w.inter.key)
		res := Verify([]Record{rec(t, w.root.cert, DANETA, SPKI, Full)}, w.chain(), mxNames)
		if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeExpired || res.Failures[0].Depth != 1 {
			t.Fatalf("%s %+v", res.Verdict, res.Failures)
		}
	})
}

// TestSHA1Intermediate: Go's crypto/x509 refuses SHA-1 signatures; a chain
// through a SHA-1-signed intermediate fails with its own code, explained.
// (Go 1.26's x509.CreateCertificate still signs with SHA-1 on request, so
// the fixture is generated here rather than stored.)
func TestSHA1Intermediate(t *testing.T) {
	w := &world{}
	w.root.key = key(t)
	w.root.cert = mkCert(t, caTemplate("Root"), nil, w.root.key, nil)
	it := caTemplate("SHA-1 Intermediate")
	it.SignatureAlgorithm = x509.ECDSAWithSHA1
	w.inter.key = key(t)
	w.inter.cert = mkCert(t, it, w.root.cert, w.inter.key, w.root.key)
	if err := w.inter.cert.CheckSignatureFrom(w.root.cert); err == nil {
		t.Fatal("Go accepted a SHA-1 signature; the premise of this test changed")
	}
	w.leaf.key = key(t)
	w.leaf.cert = mkCert(t, leafTemplate("mx.example.org"), w.inter.cert, w.leaf.key, w.inter.key)
	full := []*x509.Certificate{w.leaf.cert, w.inter.cert, w.root.cert}

	for _, tc := range []struct {
		name    string
		set     []Record
		verdict Verdict
	}{
		{"2 x x at the root, sent", []Record{rec(t, w.root.cert, DANETA, Cert, SHA256)}, VerdictNoMatch},
		{"2 1 0 at the root, not sent", []Record{rec(t, w.root.cert, DANETA, SPKI, Full)}, VerdictNoMatch},
		// The anchor's own signature is never checked.
		{"2 x x at the SHA-1 intermediate", []Record{rec(t, w.inter.cert, DANETA, SPKI, SHA256)}, VerdictMatch},
		{"3 1 1", []Record{rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)}, VerdictMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain := full
			if tc.set[0].MatchingType == Full {
				chain = w.chain()
			}
			res := Verify(tc.set, chain, mxNames)
			if res.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s: %+v", res.Verdict, tc.verdict, res.Failures)
			}
			if tc.verdict == VerdictNoMatch {
				f := res.Failures[0]
				if f.Code != CodeInsecureSignature || f.Depth != 1 || !strings.Contains(f.Detail, "SHA1") || !strings.Contains(f.Cause, "insecure algorithm") {
					t.Fatalf("failure %+v", f)
				}
			}
		})
	}
}

func TestConstraints(t *testing.T) {
	rootKey := key(t)
	root := mkCert(t, caTemplate("Root"), nil, rootKey, nil)

	// A leaf (not a CA) that signs another leaf.
	eeKey := key(t)
	notCA := mkCert(t, leafTemplate("not-a-ca.example.org"), root, eeKey, rootKey)
	leafKey := key(t)
	underNotCA := mkCert(t, leafTemplate("mx.example.org"), notCA, leafKey, eeKey)

	// A CA whose key usage lacks certSign.
	noSignTmpl := caTemplate("No CertSign")
	noSignTmpl.KeyUsage = x509.KeyUsageDigitalSignature
	noSignKey := key(t)
	noSign := mkCert(t, noSignTmpl, root, noSignKey, rootKey)
	underNoSign := mkCert(t, leafTemplate("mx.example.org"), noSign, leafKey, noSignKey)

	// A root with path length 0 above an intermediate.
	plTmpl := caTemplate("PathLen0 Root")
	plTmpl.MaxPathLen, plTmpl.MaxPathLenZero = 0, true
	plKey := key(t)
	plRoot := mkCert(t, plTmpl, nil, plKey, nil)
	plInterKey := key(t)
	plInter := mkCert(t, caTemplate("Under PathLen0"), plRoot, plInterKey, plKey)
	underPL := mkCert(t, leafTemplate("mx.example.org"), plInter, leafKey, plInterKey)

	for _, tc := range []struct {
		name   string
		ta     *x509.Certificate
		chain  []*x509.Certificate
		substr string
	}{
		{"issuer is not a CA", notCA, []*x509.Certificate{underNotCA, notCA}, "not a CA"},
		{"issuer lacks certSign", noSign, []*x509.Certificate{underNoSign, noSign}, "key usage"},
		{"path length exceeded", plRoot, []*x509.Certificate{underPL, plInter, plRoot}, "path length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Verify([]Record{rec(t, tc.ta, DANETA, SPKI, SHA256)}, tc.chain, mxNames)
			if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeChainInvalid || !strings.Contains(res.Failures[0].Detail, tc.substr) {
				t.Fatalf("%s %+v", res.Verdict, res.Failures)
			}
		})
	}
	t.Run("path length respected", func(t *testing.T) {
		res := Verify([]Record{rec(t, plInter, DANETA, SPKI, SHA256)}, []*x509.Certificate{underPL, plInter}, mxNames)
		if res.Verdict != VerdictMatch {
			t.Fatalf("%s %+v", res.Verdict, res.Failures)
		}
	})
}

func TestDANEEE(t *testing.T) {
	k := key(t)
	self := mkCert(t, leafTemplate("mx.example.org"), nil, k, nil)
	t.Run("self-signed leaf", func(t *testing.T) {
		res := Verify([]Record{rec(t, self, DANEEE, SPKI, SHA256)}, []*x509.Certificate{self}, mxNames)
		if res.Verdict != VerdictMatch || !hasRemark(res, RemarkWebPKISelfSigned) {
			t.Fatalf("%s %+v", res.Verdict, res.Remarks)
		}
	})
	t.Run("3 x x matches only the leaf", func(t *testing.T) {
		w := newWorld(t, nil)
		res := Verify([]Record{rec(t, w.inter.cert, DANEEE, SPKI, SHA256)}, w.chain(), mxNames)
		if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeLeafMismatch || !strings.Contains(res.Failures[0].Detail, "DANE-TA (2)") {
			t.Fatalf("%s %+v", res.Verdict, res.Failures)
		}
	})
}

func TestSetOutcomes(t *testing.T) {
	w := newWorld(t, nil)
	set := []Record{
		{Usage: PKIXEE, Selector: SPKI, MatchingType: SHA256, Data: make([]byte, 32)},
		wrong(rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)),
		rec(t, w.leaf.cert, DANEEE, SPKI, SHA512),
		rec(t, w.inter.cert, DANETA, SPKI, SHA256),
		{Usage: 4, Selector: 1, MatchingType: 1, Data: make([]byte, 32)},
		{Usage: DANEEE, Selector: 2, MatchingType: 1, Data: make([]byte, 32)},
		{Usage: DANEEE, Selector: 1, MatchingType: 3, Data: make([]byte, 32)},
		{Usage: DANEEE, Selector: 1, MatchingType: 1, Data: make([]byte, 31)},
		{Usage: DANEEE, Selector: 1, MatchingType: 0},
	}
	set = append(set, FromDNS([]*dns.TLSA{{Usage: 3, Selector: 1, MatchingType: 1, Certificate: "zz"}})...)
	res := Verify(set, w.chain(), mxNames)
	want := []struct {
		o      Outcome
		reason string
	}{
		{Unusable, ReasonPKIXUsage}, {Ignored, ReasonDigestAgility}, {Matched, ""}, {Matched, ""},
		{Unusable, ReasonUnknownUsage}, {Unusable, ReasonUnknownSelector}, {Unusable, ReasonUnknownMatching},
		{Unusable, ReasonBadLength}, {Unusable, ReasonEmptyData}, {Unusable, ReasonMalformed},
	}
	if res.Verdict != VerdictMatch || res.Match.Index != 2 {
		t.Fatalf("verdict %s match %+v", res.Verdict, res.Match)
	}
	for i, w := range want {
		if res.Records[i].Outcome != w.o || res.Records[i].Reason != w.reason {
			t.Errorf("record %d: %s/%s, want %s/%s", i, res.Records[i].Outcome, res.Records[i].Reason, w.o, w.reason)
		}
	}
	if len(res.Chain) != 2 || res.Chain[0].Subject == "" {
		t.Errorf("chain summary %+v", res.Chain)
	}
}

func TestEdgeCases(t *testing.T) {
	w := newWorld(t, nil)
	good := rec(t, w.leaf.cert, DANEEE, SPKI, SHA256)
	if r := Verify(nil, w.chain(), mxNames); r.Verdict != VerdictUnusable {
		t.Errorf("empty set: %s", r.Verdict)
	}
	if r := Verify([]Record{good}, nil, mxNames); r.Verdict != VerdictNoMatch || r.Failures[0].Code != CodeNoCertificate {
		t.Errorf("empty chain: %s %v", r.Verdict, codes(r.Failures))
	}
	if r := Verify([]Record{good}, []*x509.Certificate{nil, w.leaf.cert}, mxNames); r.Verdict != VerdictMatch {
		t.Errorf("nil certificates are skipped: %s", r.Verdict)
	}
	long := []*x509.Certificate{w.leaf.cert}
	for range MaxChain + 4 {
		long = append(long, w.inter.cert)
	}
	r := Verify([]Record{good, rec(t, w.root.cert, DANETA, SPKI, SHA256)}, long, mxNames)
	if r.Verdict != VerdictMatch || !hasRemark(r, RemarkChainTruncated) || len(r.Chain) != MaxChain {
		t.Errorf("long chain: %s %+v", r.Verdict, r.Remarks)
	}
}

func TestMissingIntermediate(t *testing.T) {
	w := newWorld(t, nil)
	res := Verify([]Record{rec(t, w.root.cert, DANETA, SPKI, SHA256)}, []*x509.Certificate{w.leaf.cert, w.root.cert}, mxNames)
	if res.Verdict != VerdictNoMatch {
		t.Fatalf("verdict %s", res.Verdict)
	}
	f := res.Failures[0]
	if f.Code != CodeChainInvalid || !strings.Contains(f.Cause, `"CN=Test Intermediate", which is not among the presented certificates`) {
		t.Fatalf("%+v", f)
	}
	if res.Records[0].Depth != -1 || res.Records[0].Position != -1 {
		t.Fatalf("no path, yet depth %d position %d", res.Records[0].Depth, res.Records[0].Position)
	}
}

// TestHostileChain: sixteen self-issued CA certificates with one name and
// one key all sign each other, so the number of paths explodes; the search
// budget keeps Verify fast and the answer defined.
func TestHostileChain(t *testing.T) {
	k := key(t)
	var chain []*x509.Certificate
	leafKey := key(t)
	first := mkCert(t, caTemplate("Loop CA"), nil, k, nil)
	chain = append(chain, mkCert(t, leafTemplate("mx.example.org"), first, leafKey, k))
	for range MaxChain - 2 {
		chain = append(chain, mkCert(t, caTemplate("Loop CA"), first, k, k))
	}
	unrelated := mkCert(t, caTemplate("Elsewhere"), nil, key(t), nil)
	chain = append(chain, unrelated)
	start := time.Now()
	res := Verify([]Record{rec(t, unrelated, DANETA, SPKI, SHA256)}, chain, mxNames)
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Verify took %v", el)
	}
	if res.Verdict != VerdictNoMatch || res.Failures[0].Code != CodeChainInvalid {
		t.Fatalf("%s %+v", res.Verdict, res.Failures)
	}
}

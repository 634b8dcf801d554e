package dnssec

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fixtureMsg reads one response of the RFC examples under testdata/: a
// ";; question NAME TYPE" line, an optional ";; rcode RCODE" line, then
// ";; answer", ";; authority" and ";; additional" sections of records in
// zone-file syntax (continuation of base64 on one line), ";" comments.
func fixtureMsg(t *testing.T, path string) *dns.Msg {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	var section *[]dns.RR
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, ";; question "):
			fs := strings.Fields(strings.TrimPrefix(line, ";; question "))
			m.Question = []dns.Question{{Name: dns.Fqdn(fs[0]), Qtype: dns.StringToType[fs[1]], Qclass: dns.ClassINET}}
		case strings.HasPrefix(line, ";; rcode "):
			m.Rcode = dns.StringToRcode[strings.TrimPrefix(line, ";; rcode ")]
		case line == ";; answer":
			section = &m.Answer
		case line == ";; authority":
			section = &m.Ns
		case line == ";; additional":
			section = &m.Extra
		case strings.HasPrefix(line, ";"):
		default:
			rr, err := dns.NewRR(line)
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			if section == nil {
				t.Fatalf("%s: record before a section: %q", path, line)
			}
			*section = append(*section, rr)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	m.SetEdns0(1232, true)
	m.CheckingDisabled = true
	return m
}

// fixtureResolver answers from the fixture files of dir, keyed by their
// question; the trust anchor is the KSK of keys.txt. Queries without a
// fixture are answered SERVFAIL and recorded in missing.
type fixtureResolver struct {
	*Resolver
	mu      sync.Mutex
	missing []string
}

func newFixtureResolver(t *testing.T, dir string, at time.Time, files ...string) *fixtureResolver {
	t.Helper()
	answers := map[string]*dns.Msg{}
	keys := fixtureMsg(t, filepath.Join(dir, "keys.txt"))
	var anchors []dns.RR
	for _, rr := range keys.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			anchors = append(anchors, k)
		}
	}
	for _, name := range append([]string{"keys.txt"}, files...) {
		m := fixtureMsg(t, filepath.Join(dir, name))
		q := m.Question[0]
		answers[q.Name+"/"+dns.TypeToString[q.Qtype]] = m
	}
	r, err := NewResolver(Config{Upstreams: []string{"127.0.0.1:9"}, TrustAnchors: anchors, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	fr := &fixtureResolver{Resolver: r}
	r.skipProbe = true
	r.transport = func(_ context.Context, _, name string, qtype uint16) (*dns.Msg, error) {
		key := name + "/" + dns.TypeToString[qtype]
		if m, ok := answers[key]; ok {
			return m.Copy(), nil
		}
		fr.mu.Lock()
		fr.missing = append(fr.missing, key)
		fr.mu.Unlock()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.Response = true
		m.Rcode = dns.RcodeServerFailure
		m.SetEdns0(1232, true)
		m.CheckingDisabled = true
		return m, nil
	}
	return fr
}

// rfc4035Time is within the validity of RFC 4035 Appendix A's signatures
// (20040409183619 to 20040509183619).
var rfc4035Time = time.Date(2004, 4, 20, 0, 0, 0, 0, time.UTC)

// rfc5155Time is within the validity of RFC 5155 Appendix A's signatures
// (20051021000000 to 20150420235959).
var rfc5155Time = time.Date(2008, 3, 1, 0, 0, 0, 0, time.UTC)

// Left out of both: RFC 4035 B.8 and RFC 5155 B.6, "DS child zone no data
// error", the answer the child zone (example.) gives to "example. DS". A
// stub asks its recursive resolver, which asks the parent (here the root,
// not in the examples), and from a trust anchor at example. the DS of
// example. is never needed; the proof records are the same SOA and apex
// NSEC/NSEC3 already validated in B.2/B.3 (4035) and B.1 (5155).

// rfcExample is one response of an RFC's appendix: the fixture files
// (space-separated) that answer the resolver's queries, the question, and
// the outcome the RFC's text states.
type rfcExample struct {
	file   string
	qname  string
	qtype  uint16
	want   Security
	rcode  int
	reason Reason
}

// runRFCExamples validates each example from the fixtures under dir, as
// of the moment at, one subtest per example.
func runRFCExamples(t *testing.T, dir string, at time.Time, examples []rfcExample) {
	t.Helper()
	for _, tc := range examples {
		t.Run(tc.file, func(t *testing.T) {
			r := newFixtureResolver(t, dir, at, strings.Fields(tc.file)...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := r.Lookup(ctx, tc.qname, tc.qtype)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if res.Security != tc.want || res.Rcode != tc.rcode || res.Reason != tc.reason {
				t.Errorf("got %s/%q rcode %s (%s), want %s/%q rcode %s; unanswered queries %v",
					res.Security, res.Reason, dns.RcodeToString[res.Rcode], res.Detail, tc.want, tc.reason, dns.RcodeToString[tc.rcode], r.missing)
			}
		})
	}
}

// TestRFC4035Examples validates the responses of RFC 4035 Appendix B, with
// the keys and signatures of Appendix A as published (RSA/SHA-1, 512-bit
// keys, which crypto/rsa refuses: verified by rsa.go), as of a moment in
// their validity, from the KSK of example. as the trust anchor. Each gives
// the outcome the RFC's text states for it.
func TestRFC4035Examples(t *testing.T) {
	runRFCExamples(t, filepath.Join("testdata", "rfc4035"), rfc4035Time, []rfcExample{
		// B.1: "an answer": x.w.example. MX, authenticated.
		{"b1-answer.txt", "x.w.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
		// B.2: "name error": ml.example. does not exist, proven by the NSEC
		// at b.example. (covers ml) and at example. (no wildcard).
		{"b2-nxdomain.txt", "ml.example.", dns.TypeA, Secure, dns.RcodeNameError, ReasonNone},
		// B.3: "no data error": ns1.example. has no MX.
		{"b3-nodata.txt", "ns1.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
		// B.6: "wildcard expansion": a.z.w.example. MX from *.w.example.,
		// with the NSEC at x.y.w.example. proving no closer match.
		{"b6-wildcard.txt", "a.z.w.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
		// B.7: "wildcard no data error": the NSEC at the literal wildcard
		// owner *.w.example. (Labels 2) proves no AAAA at the wildcard.
		{"b7-wildcard-nodata.txt", "a.z.w.example.", dns.TypeAAAA, Secure, dns.RcodeSuccess, ReasonNone},
		// B.4: "referral to signed zone": the DS RRset of a.example.,
		// signed by example., as a recursive resolver returns it.
		{"b4-signed-delegation.txt", "a.example.", dns.TypeDS, Secure, dns.RcodeSuccess, ReasonNone},
		// B.5: "referral to unsigned zone": the NSEC at b.example. (NS, no
		// DS) proves the delegation insecure, so b.example.'s own answers
		// are Insecure; the DS query itself is a secure NODATA.
		{"b5-unsigned-delegation.txt", "b.example.", dns.TypeDS, Secure, dns.RcodeSuccess, ReasonNone},
		{"b5-unsigned-delegation.txt b5-unsigned-child-answer.txt", "mc.b.example.", dns.TypeMX, Insecure, dns.RcodeSuccess, ReasonUnsignedDelegation},
	})
}

// TestRFC5155Examples validates the responses of RFC 5155 Appendix B
// (NSEC3, RSASHA1-NSEC3-SHA1 with 512-bit keys, 12 iterations, salt
// aabbccdd) as published, as of a moment in their validity. Every NSEC3
// of the Appendix A zone has the opt-out flag set.
func TestRFC5155Examples(t *testing.T) {
	runRFCExamples(t, filepath.Join("testdata", "rfc5155"), rfc5155Time, []rfcExample{
		// B.1: name error. The NSEC3 covering the next closer name is
		// opt-out, and RFC 5155 §9.2 says such a proof leaves open an
		// unsigned delegation: Insecure, as in Unbound, never Secure.
		{"b1-name-error.txt", "a.c.x.w.example.", dns.TypeA, Insecure, dns.RcodeNameError, ReasonUnsignedDelegation},
		// B.2: no data error, from the NSEC3 matching ns1.example.
		{"b2-nodata.txt", "ns1.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
		// B.2.1: no data error at the empty non-terminal y.w.example.
		{"b2.1-nodata-ent.txt", "y.w.example.", dns.TypeA, Secure, dns.RcodeSuccess, ReasonNone},
		// B.3: referral to an opt-out unsigned zone: c.example. is an
		// insecure delegation (RFC 5155 §8.6: opt-out covers the next
		// closer name), so its answers are Insecure, never Secure.
		{"b3-optout-referral.txt b3-optout-child-answer.txt", "mc.c.example.", dns.TypeMX, Insecure, dns.RcodeSuccess, ReasonUnsignedDelegation},
		// B.4: wildcard expansion, the next closer name covered (RFC 5155
		// §8.8).
		{"b4-wildcard.txt", "a.z.w.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
		// B.5: wildcard no data error (RFC 5155 §8.7).
		{"b5-wildcard-nodata.txt", "a.z.w.example.", dns.TypeAAAA, Secure, dns.RcodeSuccess, ReasonNone},
		// Appendix A's wildcard RRset asked for by its literal owner: not
		// an expansion (RRSIG Labels 2 excludes the "*", RFC 4034 §3.1.3).
		{"literal-wildcard.txt", "*.w.example.", dns.TypeMX, Secure, dns.RcodeSuccess, ReasonNone},
	})
}

// tamper changes the RDATA of the last signed record of m's answer (or,
// for a denial, its authority) without re-signing it.
func tamper(m *dns.Msg) bool {
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		for i := len(sec) - 1; i >= 0; i-- {
			switch rr := sec[i].(type) {
			case *dns.MX:
				rr.Preference++
			case *dns.DS:
				rr.Digest = strings.Repeat("0", len(rr.Digest))
			case *dns.NSEC:
				rr.TypeBitMap = append(rr.TypeBitMap, dns.TypeTXT)
			case *dns.NSEC3:
				rr.TypeBitMap = append(rr.TypeBitMap, dns.TypeTXT)
			default:
				continue
			}
			return true
		}
	}
	return false
}

// TestRFCExamplesTampered: every example that validates becomes Bogus
// when one of its signed records is changed, so the examples above are
// validated by their signatures, not by accident.
func TestRFCExamplesTampered(t *testing.T) {
	for _, tc := range []struct {
		dir, file, qname string
		qtype            uint16
		at               time.Time
	}{
		{"rfc4035", "b1-answer.txt", "x.w.example.", dns.TypeMX, rfc4035Time},
		{"rfc4035", "b2-nxdomain.txt", "ml.example.", dns.TypeA, rfc4035Time},
		{"rfc4035", "b3-nodata.txt", "ns1.example.", dns.TypeMX, rfc4035Time},
		{"rfc4035", "b4-signed-delegation.txt", "a.example.", dns.TypeDS, rfc4035Time},
		{"rfc4035", "b6-wildcard.txt", "a.z.w.example.", dns.TypeMX, rfc4035Time},
		{"rfc4035", "b7-wildcard-nodata.txt", "a.z.w.example.", dns.TypeAAAA, rfc4035Time},
		{"rfc5155", "b2-nodata.txt", "ns1.example.", dns.TypeMX, rfc5155Time},
		{"rfc5155", "b2.1-nodata-ent.txt", "y.w.example.", dns.TypeA, rfc5155Time},
		{"rfc5155", "b4-wildcard.txt", "a.z.w.example.", dns.TypeMX, rfc5155Time},
		{"rfc5155", "b5-wildcard-nodata.txt", "a.z.w.example.", dns.TypeAAAA, rfc5155Time},
	} {
		t.Run(tc.dir+"/"+tc.file, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.dir)
			r := newFixtureResolver(t, dir, tc.at, tc.file)
			inner := r.transport
			r.transport = func(ctx context.Context, up, name string, qtype uint16) (*dns.Msg, error) {
				m, err := inner(ctx, up, name, qtype)
				if err == nil && name == tc.qname && qtype == tc.qtype && !tamper(m) {
					t.Fatalf("nothing to tamper with in %s", tc.file)
				}
				return m, err
			}
			res, err := r.Lookup(context.Background(), tc.qname, tc.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if res.Security != Bogus {
				t.Errorf("tampered %s: got %s/%s (%s), want bogus", tc.file, res.Security, res.Reason, res.Detail)
			}
		})
	}
}

// TestRFCExamplesOutsideValidity: as of today the examples' signatures
// have long expired (RFC 4035's in 2004, RFC 5155's in 2015), so the same
// answers are Bogus with signature-expired: the validation time matters.
func TestRFCExamplesOutsideValidity(t *testing.T) {
	r := newFixtureResolver(t, filepath.Join("testdata", "rfc4035"), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "b1-answer.txt")
	res, err := r.Lookup(context.Background(), "x.w.example.", dns.TypeMX)
	if err != nil {
		t.Fatal(err)
	}
	if res.Security != Bogus || res.Reason != ReasonSignatureExpired {
		t.Errorf("got %s/%s (%s), want bogus/signature-expired", res.Security, res.Reason, res.Detail)
	}
}

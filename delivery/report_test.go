package delivery

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

func TestLookupOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  *dnssec.Result
		err  error
		want Lookup
	}{
		{"secure data", &dnssec.Result{Security: dnssec.Secure}, nil, Lookup{DNSSEC: dnssec.Secure}},
		{"secure NXDOMAIN", &dnssec.Result{Security: dnssec.Secure, Rcode: dns.RcodeNameError}, nil, Lookup{DNSSEC: dnssec.Secure, NXDomain: true}},
		{"bogus", &dnssec.Result{Security: dnssec.Bogus, Reason: dnssec.ReasonSignatureExpired, Detail: "expired"}, nil,
			Lookup{DNSSEC: dnssec.Bogus, Reason: dnssec.ReasonSignatureExpired, Detail: "expired"}},
		{"SERVFAIL", &dnssec.Result{Security: dnssec.Indeterminate, Rcode: dns.RcodeServerFailure}, nil, Lookup{Error: "response code SERVFAIL"}},
		{"odd rcode", &dnssec.Result{Rcode: 4000}, nil, Lookup{Error: "response code 4000"}},
		{"I/O error", nil, errors.New("i/o timeout"), Lookup{Error: "i/o timeout"}},
		{"insecure cut", &dnssec.Result{Security: dnssec.Insecure, Chain: []dnssec.ChainLink{
			{Zone: ".", Security: dnssec.Secure, DS: []string{"ignored"}}, {Zone: "example.", Security: dnssec.Secure},
			{Zone: "u.example.", Security: dnssec.Insecure, Note: "NSEC proves no DS"}}}, nil,
			Lookup{DNSSEC: dnssec.Insecure, Zones: []ZoneLink{{".", dnssec.Secure}, {"example.", dnssec.Secure}, {"u.example.", dnssec.Insecure}}}},
	} {
		got := LookupOf(tc.res, tc.err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if tc.err != nil || tc.res.Rcode == dns.RcodeServerFailure {
			if lookupOutcomeOf(got) != lookupFailed {
				t.Errorf("%s: not a failed lookup", tc.name)
			}
		}
	}
}

func TestCertificateOf(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	leaf, err := testworld.SelfSigned(testworld.CertOptions{DNSNames: []string{"mx.example.org"}, NotBefore: now, NotAfter: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c := CertificateOf(leaf.Cert)
	spki := sha256.Sum256(leaf.Cert.RawSubjectPublicKeyInfo)
	if c.SPKISHA256 != hex.EncodeToString(spki[:]) || len(c.CertSHA256) != 64 {
		t.Errorf("digests %s %s", c.SPKISHA256, c.CertSHA256)
	}
	if c.Subject != "CN=mx.example.org" || c.Issuer != "CN=mx.example.org" || len(c.DNSNames) != 1 {
		t.Errorf("names: %+v", c)
	}
	if !c.NotBefore.Equal(now) || !c.NotAfter.Equal(now.Add(time.Hour)) {
		t.Errorf("validity %v %v", c.NotBefore, c.NotAfter)
	}
	// The SPKI digest is what a "3 1 1" record for this key carries.
	if why, _ := usability(TLSARecord{Usage: 3, Selector: 1, MatchingType: 1, Data: c.SPKISHA256}); why != "" {
		t.Error("a 3 1 1 record of the SPKI digest is not usable")
	}
}

func TestSecondsJSON(t *testing.T) {
	b, _ := json.Marshal(Seconds(1234567 * time.Microsecond))
	if string(b) != "1.235" {
		t.Errorf("got %s", b)
	}
	var s Seconds
	if err := json.Unmarshal([]byte("0.5"), &s); err != nil || s.Duration() != 500*time.Millisecond {
		t.Errorf("got %v %v", s, err)
	}
	for _, bad := range []string{"-1", `"x"`, "1e300"} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// BenchmarkLookupOf measures what carrying the chain's zones costs per
// lookup (one slice; the zone names are shared with the result).
func BenchmarkLookupOf(b *testing.B) {
	res := &dnssec.Result{Security: dnssec.Secure, Chain: []dnssec.ChainLink{
		{Zone: ".", Security: dnssec.Secure}, {Zone: "org.", Security: dnssec.Secure},
		{Zone: "example.org.", Security: dnssec.Secure}, {Zone: "mx.example.org.", Security: dnssec.Secure}}}
	b.ReportAllocs()
	for b.Loop() {
		l := LookupOf(res, nil)
		if len(l.Zones) != 4 {
			b.Fatal(len(l.Zones))
		}
	}
}

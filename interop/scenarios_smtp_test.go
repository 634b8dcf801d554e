package interop

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// postfinger is how posttls-finger -l dane ends a session with a server.
type postfinger string

const (
	// pfVerified: "Verified TLS connection established": a usable TLSA
	// record authenticated the server.
	pfVerified postfinger = "verified"
	// pfUntrusted: "Untrusted TLS connection established" (or anonymous):
	// TLS without authentication, which is what Postfix does without
	// secure TLSA records or with only unusable ones.
	pfUntrusted postfinger = "untrusted"
	// pfFailed: no TLS session that Postfix would deliver over: a
	// certificate that fails the TLSA records, a missing STARTTLS, or a
	// TLSA lookup that failed validation.
	pfFailed postfinger = "failed"
)

// smtpScenario is one MX host of the SMTP scenario table: the certificate
// its Postfix listener presents, the TLSA records published for it, and
// what RFC 7672 says an enforcing sender does.
type smtpScenario struct {
	// domain is the recipient domain; its MX is "mx." + domain.
	domain string
	// about says what the scenario shows, for the README table.
	about string
	// chain is the certificate the listener presents; nil means STARTTLS
	// is not offered at all.
	chain *testworld.Leaf
	// tlsa are the TLSA records (RDATA in presentation form) at
	// _25._tcp and *._tcp of the MX host.
	tlsa []string
	// tlsaCNAME, when set, replaces the TLSA records by a CNAME to this
	// name (into a zone whose signatures have expired).
	tlsaCNAME string
	// alias makes the MX host a CNAME to "real." + domain, which holds
	// the address and the TLSA records (RFC 7672 §2.2.3).
	alias bool

	// want and reason are the per-MX DANE verdict of RFC 7672.
	want   delivery.DANEResult
	reason delivery.Reason
	// finger is what posttls-finger -l dane must report.
	finger postfinger

	// port is the listener's port, set when Postfix starts.
	port int
}

func (s *smtpScenario) mx() string { return "mx." + s.domain }

// target is the name holding the MX host's address and TLSA records.
func (s *smtpScenario) target() string {
	if s.alias {
		return "real." + s.domain
	}
	return s.mx()
}

// spki is the hex SHA-256 of a certificate's SubjectPublicKeyInfo: the
// data of an "x 1 1" TLSA record.
func spki(c *x509.Certificate) string {
	d := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(d[:])
}

// spki512 is the hex SHA-512 of a certificate's SubjectPublicKeyInfo: the
// data of an "x 1 2" TLSA record.
func spki512(c *x509.Certificate) string {
	d := sha512.Sum512(c.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(d[:])
}

// smtpScenarios makes the test PKI and the SMTP scenario table. Names are
// under dane.interop. (signed by dnssec-signzone, NSEC) except the
// insecure scenario, in the unsigned dane-insecure.interop.
func smtpScenarios(now time.Time) ([]*smtpScenario, error) {
	root, err := testworld.NewRootCA(testworld.CertOptions{CommonName: "interop root"})
	if err != nil {
		return nil, err
	}
	ica, err := root.Intermediate(testworld.CertOptions{CommonName: "interop intermediate"})
	if err != nil {
		return nil, err
	}
	other, err := testworld.NewRootCA(testworld.CertOptions{CommonName: "unrelated CA"})
	if err != nil {
		return nil, err
	}
	day := 24 * time.Hour
	issue := func(names []string, expired bool) (*testworld.Leaf, error) {
		o := testworld.CertOptions{DNSNames: names}
		if expired {
			o.NotBefore, o.NotAfter = now.Add(-60*day), now.Add(-30*day)
		}
		return ica.Issue(o)
	}
	self := func(names []string, expired bool) (*testworld.Leaf, error) {
		o := testworld.CertOptions{DNSNames: names}
		if expired {
			o.NotBefore, o.NotAfter = now.Add(-60*day), now.Add(-30*day)
		}
		return testworld.SelfSigned(o)
	}
	withRoot := func(l *testworld.Leaf, err error) (*testworld.Leaf, error) {
		if err != nil {
			return nil, err
		}
		c := *l
		c.Chain = append(append([][]byte(nil), l.Chain...), root.Cert.Raw)
		return &c, nil
	}
	certDigest := func(c *x509.Certificate) string {
		d := sha256.Sum256(c.Raw)
		return hex.EncodeToString(d[:])
	}
	ta := "2 1 1 " + spki(ica.Cert)
	noMatch := "3 1 1 " + zeroDigest
	type mk func() (*testworld.Leaf, error)
	rows := []struct {
		s    smtpScenario
		cert mk
	}{
		{smtpScenario{domain: "ta.dane.interop.", about: "DANE-TA 2 1 1 on the intermediate in the chain, plus a non-matching 3 1 1",
			tlsa: []string{ta, noMatch}, want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.ta.dane.interop"}, false) }},
		{smtpScenario{domain: "ta-nexthop.dane.interop.", about: "DANE-TA, the certificate names only the next-hop domain (RFC 7672 §3.2.2)",
			tlsa: []string{ta}, want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return issue([]string{"ta-nexthop.dane.interop"}, false) }},
		{smtpScenario{domain: "cname.dane.interop.", alias: true, about: "the MX host is a CNAME; DANE-TA records and certificate name at the target, the TLSA base domain (RFC 7672 §2.2.3)",
			tlsa: []string{ta}, want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return issue([]string{"real.cname.dane.interop"}, false) }},
		{smtpScenario{domain: "ta-root.dane.interop.", about: "DANE-TA 2 0 1 (certificate digest) of the root, which the server sends",
			tlsa: []string{"2 0 1 " + certDigest(root.Cert)}, want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return withRoot(issue([]string{"mx.ta-root.dane.interop"}, false)) }},
		{smtpScenario{domain: "ta-root-unsent.dane.interop.", about: "DANE-TA 2 1 1 of the root, which the server does not send",
			tlsa: []string{"2 1 1 " + spki(root.Cert)}, want: delivery.DANEFailed, reason: delivery.ReasonTANotInChain, finger: pfFailed},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.ta-root-unsent.dane.interop"}, false) }},
		{smtpScenario{domain: "ta-key.dane.interop.", about: "DANE-TA 2 1 0: the root's full public key, not sent, stands in for its certificate (RFC 7672 §3.1.2)",
			tlsa: []string{"2 1 0 " + hex.EncodeToString(root.Cert.RawSubjectPublicKeyInfo)}, want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.ta-key.dane.interop"}, false) }},
		{smtpScenario{domain: "ta-other.dane.interop.", about: "DANE-TA 2 1 1 of a CA that is not in the chain",
			tlsa: []string{"2 1 1 " + spki(other.Cert)}, want: delivery.DANEFailed, reason: delivery.ReasonTANotInChain, finger: pfFailed},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.ta-other.dane.interop"}, false) }},
		{smtpScenario{domain: "ta-expired.dane.interop.", about: "DANE-TA, expired leaf certificate",
			tlsa: []string{ta}, want: delivery.DANEFailed, reason: delivery.ReasonExpired, finger: pfFailed},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.ta-expired.dane.interop"}, true) }},
		{smtpScenario{domain: "ta-name.dane.interop.", about: "DANE-TA, leaf certificate for another name",
			tlsa: []string{ta}, want: delivery.DANEFailed, reason: delivery.ReasonNameMismatch, finger: pfFailed},
			func() (*testworld.Leaf, error) { return issue([]string{"mx.elsewhere.example"}, false) }},
		{smtpScenario{domain: "ee.dane.interop.", about: "DANE-EE 3 1 1 on a self-signed certificate",
			want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return self([]string{"mx.ee.dane.interop"}, false) }},
		{smtpScenario{domain: "ee-expired.dane.interop.", about: "DANE-EE 3 1 1, self-signed, expired, another name: names and dates do not count (RFC 7672 §3.1.1)",
			want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return self([]string{"whatever.example"}, true) }},
		{smtpScenario{domain: "ee-cert.dane.interop.", about: "DANE-EE 3 0 1 (digest of the whole certificate)",
			want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return self([]string{"mx.ee-cert.dane.interop"}, false) }},
		{smtpScenario{domain: "ee-agility.dane.interop.", about: "DANE-EE 3 1 2 (SHA-512) matches, next to a non-matching 3 1 1: the client uses the stronger digest only (RFC 7671 §9)",
			want: delivery.DANEVerified, finger: pfVerified},
			func() (*testworld.Leaf, error) { return self([]string{"mx.ee-agility.dane.interop"}, false) }},
		{smtpScenario{domain: "ee-downgrade.dane.interop.", about: "DANE-EE 3 1 1 matches, next to a non-matching 3 1 2: with digest agility (RFC 7671 §9) only the SHA-512 record counts",
			want: delivery.DANEFailed, reason: delivery.ReasonLeafMismatch, finger: pfFailed},
			func() (*testworld.Leaf, error) { return self([]string{"mx.ee-downgrade.dane.interop"}, false) }},
		{smtpScenario{domain: "ee-other.dane.interop.", about: "DANE-EE 3 1 1 of another key",
			tlsa: []string{noMatch}, want: delivery.DANEFailed, reason: delivery.ReasonLeafMismatch, finger: pfFailed},
			func() (*testworld.Leaf, error) { return self([]string{"mx.ee-other.dane.interop"}, false) }},
		{smtpScenario{domain: "nostarttls.dane.interop.", about: "TLSA published, STARTTLS not offered (RFC 7672 §2.2.3)",
			tlsa: []string{noMatch}, want: delivery.DANEFailed, reason: delivery.ReasonNoSTARTTLS, finger: pfFailed},
			nil},
		{smtpScenario{domain: "notlsa.dane.interop.", about: "signed zone, no TLSA records (NXDOMAIN): DANE does not apply",
			want: delivery.DANENone, finger: pfUntrusted},
			func() (*testworld.Leaf, error) { return self([]string{"mx.notlsa.dane.interop"}, false) }},
		{smtpScenario{domain: "unusable.dane.interop.", about: "only PKIX-EE 1 1 1 and an unknown usage: unusable, TLS mandatory but unauthenticated (RFC 7672 §3.1.3)",
			want: delivery.DANEUnusable, finger: pfUntrusted},
			func() (*testworld.Leaf, error) { return self([]string{"mx.unusable.dane.interop"}, false) }},
		{smtpScenario{domain: "bogustlsa.dane.interop.", about: "the TLSA owner is a CNAME into a zone with expired signatures: bogus TLSA (RFC 7672 §2.1.1)",
			tlsaCNAME: "_25._tcp.mx.expired.interop.", want: delivery.DANEFailed, reason: delivery.ReasonTLSALookupBogus, finger: pfFailed},
			func() (*testworld.Leaf, error) { return self([]string{"mx.bogustlsa.dane.interop"}, false) }},
		{smtpScenario{domain: "dane-insecure.interop.", about: "non-matching TLSA in an unsigned zone: ignored, DANE does not apply (RFC 7672 §2.2)",
			tlsa: []string{noMatch}, want: delivery.DANENone, finger: pfUntrusted},
			func() (*testworld.Leaf, error) { return self([]string{"mx.dane-insecure.interop"}, false) }},
	}
	var out []*smtpScenario
	for _, r := range rows {
		s := r.s
		if r.cert != nil {
			if s.chain, err = r.cert(); err != nil {
				return nil, fmt.Errorf("certificate for %s: %w", s.domain, err)
			}
		}
		switch s.domain {
		case "ee.dane.interop.", "ee-expired.dane.interop.":
			s.tlsa = []string{"3 1 1 " + spki(s.chain.Cert), noMatch}
		case "ee-cert.dane.interop.":
			s.tlsa = []string{"3 0 1 " + certDigest(s.chain.Cert)}
		case "ee-agility.dane.interop.":
			s.tlsa = []string{"3 1 1 " + zeroDigest, "3 1 2 " + spki512(s.chain.Cert)}
		case "ee-downgrade.dane.interop.":
			s.tlsa = []string{"3 1 1 " + spki(s.chain.Cert), "3 1 2 " + strings.Repeat("00", 64)}
		case "unusable.dane.interop.":
			s.tlsa = []string{"1 1 1 " + spki(s.chain.Cert), "4 1 1 " + spki(s.chain.Cert)}
		}
		out = append(out, &s)
	}
	return out, nil
}

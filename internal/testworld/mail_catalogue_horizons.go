package testworld

import (
	"fmt"

	"github.com/miekg/dns"
)

// HygieneScenario is the scenario of the mail world whose zone DANE
// still verifies but whose DNSSEC practice current guidance asks zones
// to leave (issue 13 §2): signed with RSASHA1-NSEC3-SHA1 (algorithm 7,
// RFC 8624 §3.1) and the world's 1024-bit RSA test keys, authenticated
// only by a SHA-1 DS (RFC 8624 §3.3), NSEC3 with extra iterations and a
// salt (RFC 9276 §3.1). check warns with dnssec-sha1-algorithm,
// dnssec-rsa-key-short, dnssec-sha1-only-ds and dnssec-nsec3-parameters.
const HygieneScenario = "dnssec-hygiene"

// horizonScenarios adds the scenarios of the expiry horizons.
func (b *mailBuild) horizonScenarios() error {
	name := HygieneScenario
	domain := name + "." + MailBase
	z := b.zone(domain + ".")
	z.spec.Algorithm = dns.RSASHA1NSEC3SHA1
	z.spec.DSDigests = []uint8{dns.SHA1}
	z.spec.NSEC3 = &NSEC3Params{Iterations: 5, Salt: "cafe"}
	host := "mx1." + domain
	leaf, err := b.issue(host)
	if err != nil {
		return fmt.Errorf("mail scenario %s: %w", name, err)
	}
	z.add("%s 300 IN MX 10 %s", fqdn(domain), fqdn(host))
	b.server(z, host, SMTPStartTLS, leaf.TLSCertificate())
	z.tlsa(host, spkiRec(3, leaf.Cert))
	z.posture(domain)
	b.scenarios = append(b.scenarios, MailScenario{
		Name: name, Domain: domain,
		Description: "DANE-EE verifies, but the zone uses SHA-1 (algorithm 7, SHA-1-only DS), 1024-bit RSA keys and salted NSEC3 with iterations: DNSSEC hygiene warnings",
		Status:      "warning", DANE: "verified", MTASTS: "none", ExitCode: 1,
	})
	return nil
}

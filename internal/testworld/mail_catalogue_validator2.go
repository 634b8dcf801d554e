package testworld

import "fmt"

// AddressPartialScenario is the scenario of the mail world whose one MX
// host has two addresses: the first presents the key its DANE-EE record
// names, the second another key (issue 11 §4). A DANE sender delivers
// via the first address, so the domain's DANE is partial, and the
// verdict names the failing address.
const AddressPartialScenario = "addr-partial"

// validatorScenarios adds the per-address scenarios of issue 11 §4.
func (b *mailBuild) validatorScenarios() error {
	name := AddressPartialScenario
	domain := name + "." + MailBase
	z := b.zone(domain + ".")
	host := "mx1." + domain
	good, err := b.issue(host)
	if err != nil {
		return fmt.Errorf("mail scenario %s: %w", name, err)
	}
	other, err := b.issue(host) // a valid certificate, but another key
	if err != nil {
		return fmt.Errorf("mail scenario %s: %w", name, err)
	}
	z.add("%s 300 IN MX 10 %s", fqdn(domain), fqdn(host))
	b.server(z, host, SMTPStartTLS, good.TLSCertificate())
	b.server(z, host, SMTPStartTLS, other.TLSCertificate())
	z.tlsa(host, spkiRec(3, good.Cert))
	z.posture(domain)
	b.scenarios = append(b.scenarios, MailScenario{
		Name: name, Domain: domain,
		Description: "one MX host with two addresses; the second presents a key the DANE-EE record does not name: DANE partial, senders deliver via the first",
		Status:      "warning", DANE: "partial", MTASTS: "none", ExitCode: 1,
	})
	return nil
}

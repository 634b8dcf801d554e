package testworld

import (
	"fmt"
	"strings"
)

// WrongNameScenario is the scenario of the mail world whose second MX
// host presents a certificate without its name: the failure TLS reports
// call certificate-host-mismatch (RFC 8460 §4.3.1). Its first MX host is
// healthy. The tlsrpt recheck tests report failures at both.
const WrongNameScenario = "sts-wrong-name"

// tlsrptScenarios adds the scenarios that TLS report rechecks need.
func (b *mailBuild) tlsrptScenarios() error {
	name := WrongNameScenario
	domain := name + "." + MailBase
	z := b.zone(domain + ".")
	z.spec.Unsigned = true
	var hosts []string
	for i, names := range [][]string{
		{"mx1." + domain},
		// A certificate from the world's CA, valid, but for another name
		// (RFC 8461 §4.1: the MX host name must be among its names).
		{"mail.elsewhere." + MailBase},
	} {
		host := fmt.Sprintf("mx%d.%s", i+1, domain)
		leaf, err := b.issue(names...)
		if err != nil {
			return fmt.Errorf("mail scenario %s: %w", name, err)
		}
		z.add("%s 300 IN MX %d %s", fqdn(domain), 10*(i+1), fqdn(host))
		b.server(z, host, SMTPStartTLS, leaf.TLSCertificate())
		hosts = append(hosts, host)
	}
	z.add(`_mta-sts.%s 300 IN TXT "v=STSv1; id=20261203T000000"`, fqdn(domain))
	z.add("mta-sts.%s 300 IN A 127.0.0.1", fqdn(domain))
	lines := []string{"version: STSv1", "mode: enforce"}
	for _, h := range hosts {
		lines = append(lines, "mx: "+h)
	}
	lines = append(lines, "max_age: 604800")
	b.sts = append(b.sts, MTASTSScenario{Name: name, Policy: strings.Join(lines, "\n") + "\n"})
	z.posture(domain)
	b.scenarios = append(b.scenarios, MailScenario{
		Name: name, Domain: domain,
		Description: "unsigned zone, MTA-STS enforce; mx2 presents a certificate for another name (certificate-host-mismatch): senders deliver via mx1",
		Status:      "warning", DANE: "none", MTASTS: "fail", ExitCode: 1,
	})
	return nil
}

package testworld

import "fmt"

// RolloverScenario is the domain of the mail world whose MX key and
// published TLSA records a test chooses per start of the world
// (MailOptions.Rollover), so that runs against successive worlds see a
// key rollover step by step: the history store's tests (issue 13 §3).
const RolloverScenario = "rollover"

// Rollover sets up the rollover scenario. Its certificates stay the same
// across worlds (a test issues them once, for the host
// mx.rollover.mail.test), so only what a step changes changes.
type Rollover struct {
	// Certs are the certificates the MX host may present.
	Certs []*Leaf
	// Present is the index in Certs of the one the MX host presents.
	Present int
	// Published are the indexes in Certs of the certificates whose
	// "3 1 1" records (of their keys) are published at the MX host's
	// TLSA owner.
	Published []int
}

// rolloverScenario adds the rollover domain when opts asks for it. Its
// expected verdicts are not in the catalogue: they depend on the step.
func (b *mailBuild) rolloverScenario(r *Rollover) error {
	if r == nil {
		return nil
	}
	if r.Present < 0 || r.Present >= len(r.Certs) {
		return fmt.Errorf("mail scenario %s: Present %d is not a certificate index", RolloverScenario, r.Present)
	}
	domain := RolloverScenario + "." + MailBase
	z := b.zone(domain + ".")
	host := "mx." + domain
	leafs := r.Certs
	z.add("%s 300 IN MX 10 %s", fqdn(domain), fqdn(host))
	b.server(z, host, SMTPStartTLS, leafs[r.Present].TLSCertificate())
	for _, i := range r.Published {
		if i < 0 || i >= len(leafs) {
			return fmt.Errorf("mail scenario %s: Published %d is not a certificate index", RolloverScenario, i)
		}
		z.tlsa(host, spkiRec(3, leafs[i].Cert))
	}
	z.posture(domain)
	return nil
}

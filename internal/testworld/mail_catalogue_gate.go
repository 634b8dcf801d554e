package testworld

import (
	"fmt"
)

// Hosts of the renewal gate's corner of the mail world ("daneprobe tlsa
// verify --from-dns"): MX hosts whose TLSA sets a new certificate is
// judged against. They are not check scenarios (no MailScenario): only
// the gate's tests use them.
const (
	// GateEEHost publishes only "3 1 1" of its current key, with a TTL of
	// GateTTL: a renewal with the same key passes, a new key does not.
	GateEEHost = "mx1.gate-ee." + MailBase
	// GateTAHost publishes "2 1 1" of the world's issuing CA and of
	// GateWorld.NextInter, a second intermediate under the same root
	// (the next issuer, pre-published).
	GateTAHost = "mx1.gate-ta." + MailBase
	// GateNoneHost is in a signed zone and has no TLSA records; the
	// zone's SOA minimum is GateNegativeTTL.
	GateNoneHost = "mx1.gate-none." + MailBase
	// GateInsecureHost is in an unsigned zone.
	GateInsecureHost = "mx1.gate-insecure." + MailBase
	// GateTTL is the TTL of GateEEHost's TLSA records, GateNegativeTTL
	// the negative-caching TTL of GateNoneHost's zone (seconds).
	GateTTL, GateNegativeTTL = 600, 900
)

// GateWorld is what the renewal gate's tests need to issue "new"
// certificates: the world's CAs and the current leaves, with their keys.
type GateWorld struct {
	// Root is the world's root, Inter its issuing CA (which also issued
	// every MX certificate), NextInter another intermediate under Root.
	Root, Inter, NextInter *CA
	// Leaves are the certificates the gate hosts present now, by host.
	Leaves map[string]*Leaf
}

// gateScenarios adds the gate hosts.
func (b *mailBuild) gateScenarios() error {
	next, err := b.ca.Intermediate(CertOptions{CommonName: "daneprobe mail world CA 2"})
	if err != nil {
		return fmt.Errorf("gate hosts: %w", err)
	}
	g := &GateWorld{Root: b.ca, Inter: b.inter, NextInter: next, Leaves: map[string]*Leaf{}}
	for _, host := range []string{GateEEHost, GateTAHost, GateNoneHost, GateInsecureHost} {
		domain := host[len("mx1."):]
		z := b.zone(domain + ".")
		leaf, err := b.issue(host)
		if err != nil {
			return fmt.Errorf("gate host %s: %w", host, err)
		}
		g.Leaves[host] = leaf
		z.add("%s 300 IN MX 10 %s", fqdn(domain), fqdn(host))
		b.server(z, host, SMTPStartTLS, leaf.TLSCertificate())
		switch host {
		case GateEEHost:
			for _, port := range []string{"25", portToken} {
				z.add("_%s._tcp.%s %d IN TLSA %s", port, fqdn(host), GateTTL, spkiRec(3, leaf.Cert))
			}
		case GateTAHost:
			z.tlsa(host, spkiRec(2, b.inter.Cert), spkiRec(2, next.Cert))
		case GateNoneHost:
			z.add("%s 3600 IN SOA ns1.%s hostmaster.%s 1 7200 3600 1209600 %d", fqdn(domain), fqdn(domain), fqdn(domain), GateNegativeTTL)
		case GateInsecureHost:
			z.spec.Unsigned = true
			z.tlsa(host, spkiRec(3, leaf.Cert))
		}
	}
	b.gate = g
	return nil
}

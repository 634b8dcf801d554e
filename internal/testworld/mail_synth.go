package testworld

import (
	"fmt"
)

// Synthetic set-ups, by MX host index modulo 10: a realistic mix in which
// most hosts that publish TLSA records get them right.
//
//	0-4  signed, TLSA 3 1 1 matching (DANE verified)
//	5    signed, TLSA 2 1 1 of the issuing CA (DANE-TA verified)
//	6    signed, TLSA matching nothing (DANE failed)
//	7    signed, no TLSA records (no DANE)
//	8    unsigned zone, STARTTLS with a self-signed certificate
//	9    unsigned zone, no STARTTLS
//
// Domain i uses host i mod M and, for every third domain, also the next
// host as a backup; every fiftieth domain has a null MX and every tenth
// lives in an unsigned zone.
const (
	synthZone         = "synth." + MailBase + "."
	synthUnsignedZone = "plain.synth." + MailBase + "."
)

// synthIP is the address of synthetic host j: 127.1.x.y, apart from the
// curated hosts on 127.0.X.Y.
func synthIP(j int) string {
	return fmt.Sprintf("127.1.%d.%d", j/250, j%250+1)
}

// synth adds n domains over m shared MX hosts.
func (b *mailBuild) synth(n, m int) error {
	if m <= 0 {
		m = 10
	}
	if m > 250*250 {
		return fmt.Errorf("synthetic MX hosts: at most %d, not %d", 250*250, m)
	}
	signed := b.zone(synthZone)
	plain := b.zone(synthUnsignedZone)
	plain.spec.Unsigned = true
	hosts := make([]string, m)
	for j := 0; j < m; j++ {
		z, zname := signed, synthZone
		if j%10 >= 8 {
			z, zname = plain, synthUnsignedZone
		}
		host := fmt.Sprintf("mx%d.hosts.%s", j, zname)
		host = host[:len(host)-1]
		hosts[j] = host
		kind := SMTPStartTLS
		if j%10 == 9 {
			kind = SMTPNoStartTLS
		}
		h := &mailHost{name: host, ip: synthIP(j), kind: kind}
		if j%10 < 8 {
			leaf, err := b.issue(host)
			if err != nil {
				return err
			}
			h.cert = leaf.TLSCertificate()
			switch j % 10 {
			case 0, 1, 2, 3, 4:
				z.tlsa(host, spkiRec(3, leaf.Cert))
			case 5:
				z.tlsa(host, spkiRec(2, b.inter.Cert))
			case 6:
				other, err := randomRec()
				if err != nil {
					return err
				}
				z.tlsa(host, other)
			}
		}
		b.hosts = append(b.hosts, h)
		z.add("%s 300 IN A %s", fqdn(host), h.ip)
	}
	for i := 0; i < n; i++ {
		z, zname := signed, synthZone
		if i%10 == 9 {
			z, zname = plain, synthUnsignedZone
		}
		domain := fmt.Sprintf("d%d.%s", i, zname)
		b.synthetic = append(b.synthetic, domain[:len(domain)-1])
		if i%50 == 49 {
			z.add("%s 300 IN MX 0 .", domain)
			continue
		}
		z.add("%s 300 IN MX 10 %s", domain, fqdn(hosts[i%m]))
		if i%3 == 0 && m > 1 {
			z.add("%s 300 IN MX 20 %s", domain, fqdn(hosts[(i+1)%m]))
		}
	}
	return nil
}

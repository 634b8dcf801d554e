package testworld

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// portToken stands for the shared SMTP port in record templates; TLSA
// records live at _PORT._tcp of a host once the port is known.
const portToken = "{PORT}"

// mailHost is one SMTP server of the world.
type mailHost struct {
	name     string // MX host name, without trailing dot
	ip       string
	kind     SMTPKind
	cert     tls.Certificate // empty: a self-signed certificate for name
	optional bool            // may be left out (IPv6 loopback)
	skipped  bool
}

// mailZone is one zone of the world with record templates.
type mailZone struct {
	spec ZoneSpec
}

// mailBuild collects the world before it starts.
type mailBuild struct {
	ca, inter *CA
	hosts     []*mailHost
	zoneList  []*mailZone
	zoneByOrg map[string]*mailZone
	sts       []MTASTSScenario
	failTLSA  []string // hosts whose TLSA query at _PORT._tcp fails
	v6hosts   map[string]*mailHost
	scenarios []MailScenario
	auth      []AuthScenario
	synthetic []string
	usedIP    map[string]bool
	gate      *GateWorld // the renewal gate's hosts (mail_catalogue_gate.go)
}

// zone returns the zone with origin (fully qualified), creating a signed
// one.
func (b *mailBuild) zone(origin string) *mailZone {
	origin = fqdn(strings.ToLower(origin))
	if z, ok := b.zoneByOrg[origin]; ok {
		return z
	}
	z := &mailZone{spec: ZoneSpec{Origin: origin}}
	b.zoneByOrg[origin] = z
	b.zoneList = append(b.zoneList, z)
	return z
}

func (z *mailZone) add(format string, a ...any) {
	z.spec.Records = append(z.spec.Records, fmt.Sprintf(format, a...))
}

// allocIP gives a curated host its loopback address, 127.0.X.Y, chosen by
// a hash of the host's name: adding a scenario does not move the others'
// addresses (and so their golden files). A name whose slot is taken
// probes the next ones; 127.0.0.1 (the world's DNS and HTTPS servers) is
// never given, and the synthetic hosts live on 127.1.X.Y.
func (b *mailBuild) allocIP(host string) string {
	if b.usedIP == nil {
		b.usedIP = map[string]bool{"127.0.0.1": true}
	}
	const slots = 256 * 254 // X 0..255, Y 1..254
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(host)))
	for i := uint32(0); ; i++ {
		n := (h.Sum32() + i) % slots
		ip := fmt.Sprintf("127.0.%d.%d", n/254, n%254+1)
		if !b.usedIP[ip] {
			b.usedIP[ip] = true
			return ip
		}
	}
}

// server adds an SMTP server for host and its A record in z.
func (b *mailBuild) server(z *mailZone, host string, kind SMTPKind, cert tls.Certificate) *mailHost {
	h := &mailHost{name: host, ip: b.allocIP(host), kind: kind, cert: cert}
	b.hosts = append(b.hosts, h)
	z.add("%s 300 IN A %s", fqdn(host), h.ip)
	return h
}

// tlsa publishes records for host at _25._tcp and _PORT._tcp in z.
func (z *mailZone) tlsa(host string, recs ...string) {
	for _, port := range []string{"25", portToken} {
		for _, r := range recs {
			z.add("_%s._tcp.%s 300 IN TLSA %s", port, fqdn(host), r)
		}
	}
}

// issue makes a certificate for names from the intermediate CA; the
// presented chain is the leaf and the intermediate.
func (b *mailBuild) issue(names ...string) (*Leaf, error) {
	return b.inter.Issue(CertOptions{DNSNames: names})
}

// spki311 is the "3 1 1" record of a certificate's key; spkiRec builds
// any selector-1 SHA-256 record.
func spkiRec(usage int, c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return fmt.Sprintf("%d 1 1 %s", usage, hex.EncodeToString(sum[:]))
}

// randomRec is a "3 1 1" record of a fresh key: it matches nothing.
func randomRec() (string, error) {
	l, err := SelfSigned(CertOptions{CommonName: "unrelated key"})
	if err != nil {
		return "", err
	}
	return spkiRec(3, l.Cert), nil
}

// posture adds TLS-RPT, SPF and DMARC records for domain.
func (z *mailZone) posture(domain string) {
	d := fqdn(domain)
	z.add(`_smtp._tls.%s 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@%s"`, d, domain)
	z.add(`%s 300 IN TXT "v=spf1 mx -all"`, d)
	z.add(`_dmarc.%s 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@%s"`, d, domain)
}

// zones returns the zone specs with the port filled in.
func (b *mailBuild) zones(port int) []ZoneSpec {
	p := strconv.Itoa(port)
	var out []ZoneSpec
	for _, z := range b.zoneList {
		s := z.spec
		s.Records = nil
		for _, r := range z.spec.Records {
			if strings.HasPrefix(r, "@AAAA ") {
				// "@AAAA host ip": only when the IPv6 server runs.
				f := strings.Fields(r)
				if h := b.v6hosts[f[1]]; h == nil || h.skipped {
					continue
				}
				r = fmt.Sprintf("%s 300 IN AAAA %s", fqdn(f[1]), f[2])
			}
			s.Records = append(s.Records, strings.ReplaceAll(r, portToken, p))
		}
		out = append(out, s)
	}
	return out
}

// servfail lists the questions the DNS front fails.
func (b *mailBuild) servfail(port int) map[string]bool {
	out := map[string]bool{}
	for _, h := range b.failTLSA {
		out[failKey(fmt.Sprintf("_%d._tcp.%s", port, h), dns.TypeTLSA)] = true
		out[failKey("_25._tcp."+h, dns.TypeTLSA)] = true
	}
	return out
}

// newMailBuild lays out the curated catalogue (and the synthetic domains).
func newMailBuild(opts MailOptions) (*mailBuild, error) {
	ca, err := NewRootCA(CertOptions{CommonName: "daneprobe mail world root"})
	if err != nil {
		return nil, err
	}
	inter, err := ca.Intermediate(CertOptions{CommonName: "daneprobe mail world CA 1"})
	if err != nil {
		return nil, err
	}
	b := &mailBuild{ca: ca, inter: inter, zoneByOrg: map[string]*mailZone{}, v6hosts: map[string]*mailHost{}}
	b.zone(MailBase + ".")
	if err := b.catalogue(opts); err != nil {
		return nil, err
	}
	if err := b.rolloverScenario(opts.Rollover); err != nil {
		return nil, err
	}
	if opts.Synthetic > 0 {
		if err := b.synth(opts.Synthetic, opts.SyntheticMX); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(b.zoneList, func(i, j int) bool {
		return dns.CountLabel(b.zoneList[i].spec.Origin) < dns.CountLabel(b.zoneList[j].spec.Origin)
	})
	return b, nil
}

// catalogue adds the curated scenarios, one per kind of verdict.
func (b *mailBuild) catalogue(opts MailOptions) error {
	type step func(name, domain string, z *mailZone) error
	add := func(name, desc, status, dane, sts string, exit int, unsigned bool, f step) error {
		domain := name + "." + MailBase
		z := b.zone(domain + ".")
		z.spec.Unsigned = unsigned
		if err := f(name, domain, z); err != nil {
			return fmt.Errorf("mail scenario %s: %w", name, err)
		}
		b.scenarios = append(b.scenarios, MailScenario{
			Name: name, Domain: domain, Description: desc,
			Status: status, DANE: dane, MTASTS: sts, ExitCode: exit,
		})
		return nil
	}
	// mx adds "MX 10 mx1.DOMAIN" with a server presenting leaf.
	mx := func(z *mailZone, domain, label string, pref int, kind SMTPKind, leaf *Leaf) (string, *mailHost) {
		host := label + "." + domain
		z.add("%s 300 IN MX %d %s", fqdn(domain), pref, fqdn(host))
		var cert tls.Certificate
		if leaf != nil {
			cert = leaf.TLSCertificate()
		}
		return host, b.server(z, host, kind, cert)
	}
	// issuedMX is mx with a certificate for the host from the world's CA.
	issuedMX := func(z *mailZone, domain, label string, pref int, kind SMTPKind) (string, *Leaf, error) {
		leaf, err := b.issue(label + "." + domain)
		if err != nil {
			return "", nil, err
		}
		host, _ := mx(z, domain, label, pref, kind, leaf)
		return host, leaf, nil
	}
	stsPolicy := func(name, domain, mode string, hosts ...string) {
		lines := []string{"version: STSv1", "mode: " + mode}
		for _, h := range hosts {
			lines = append(lines, "mx: "+h)
		}
		lines = append(lines, "max_age: 604800")
		b.sts = append(b.sts, MTASTSScenario{Name: name, Policy: strings.Join(lines, "\n") + "\n"})
	}
	stsDNS := func(z *mailZone, domain string) {
		z.add(`_mta-sts.%s 300 IN TXT "v=STSv1; id=20261128T000000"`, fqdn(domain))
		z.add("mta-sts.%s 300 IN A 127.0.0.1", fqdn(domain))
	}

	steps := []error{
		add("dane-ee", "DANE-EE: a 3 1 1 record of the server key and one of the next key", "ok", "verified", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				host, leaf, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				next, err := randomRec()
				if err != nil {
					return err
				}
				z.tlsa(host, spkiRec(3, leaf.Cert), next)
				z.posture(domain)
				return nil
			}),
		add("dane-ta", "DANE-TA: a 2 1 1 record of the issuing CA, the certificate names the MX host", "ok", "verified", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				host, _, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				z.tlsa(host, spkiRec(2, b.inter.Cert), spkiRec(2, b.ca.Cert))
				z.posture(domain)
				return nil
			}),
		add("tlsa-mismatch", "the TLSA record matches none of the presented certificates (RFC 7672 §3.2)", "critical", "failed", "none", 2, false,
			func(name, domain string, z *mailZone) error {
				host, _, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				other, err := randomRec()
				if err != nil {
					return err
				}
				z.tlsa(host, other)
				z.posture(domain)
				return nil
			}),
		add("no-starttls", "secure TLSA records but the server offers no STARTTLS: a downgrade (RFC 7672 §2.2.3)", "critical", "failed", "none", 2, false,
			func(name, domain string, z *mailZone) error {
				host, leaf, err := issuedMX(z, domain, "mx1", 10, SMTPNoStartTLS)
				if err != nil {
					return err
				}
				z.tlsa(host, spkiRec(3, leaf.Cert))
				z.posture(domain)
				return nil
			}),
		add("bogus-mx", "the domain's zone has expired signatures: the MX lookup is bogus (RFC 7672 §2.1.1)", "critical", "failed", "none", 2, false,
			func(name, domain string, z *mailZone) error {
				z.spec.Faults.ExpiredSigs = true
				z.add("%s 300 IN MX 10 mx1.%s", fqdn(domain), fqdn(domain))
				z.add("mx1.%s 300 IN A 127.0.0.1", fqdn(domain))
				return nil
			}),
		add("bogus-tlsa", "the TLSA records sit in a zone with expired signatures: bogus, the MX is unusable (RFC 7672 §2.1.1)", "critical", "failed", "none", 2, false,
			func(name, domain string, z *mailZone) error {
				host, leaf, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				tz := b.zone("_tcp." + host + ".")
				tz.spec.Faults.ExpiredSigs = true
				tz.tlsa(host, spkiRec(3, leaf.Cert))
				z.posture(domain)
				return nil
			}),
		add("tlsa-servfail", "the TLSA lookup fails with SERVFAIL: the MX is unusable for a DANE sender (RFC 7672 §2.1.1)", "critical", "failed", "none", 2, false,
			func(name, domain string, z *mailZone) error {
				host, leaf, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				z.tlsa(host, spkiRec(3, leaf.Cert))
				b.failTLSA = append(b.failTLSA, host)
				z.posture(domain)
				return nil
			}),
		add("unusable-tlsa", "only a PKIX-EE (1 1 1) record, unusable for SMTP: TLS mandatory, unauthenticated (RFC 7672 §3.1.3)", "warning", "unusable", "none", 1, false,
			func(name, domain string, z *mailZone) error {
				host, leaf, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				z.tlsa(host, spkiRec(1, leaf.Cert))
				z.posture(domain)
				return nil
			}),
		add("sts-enforce", "unsigned zone, MTA-STS enforce, WebPKI-valid MX certificate", "ok", "none", "pass", 0, true,
			func(name, domain string, z *mailZone) error {
				host, _, err := issuedMX(z, domain, "mx1", 10, SMTPStartTLS)
				if err != nil {
					return err
				}
				stsDNS(z, domain)
				stsPolicy(name, domain, "enforce", host)
				z.posture(domain)
				return nil
			}),
		add("sts-enforce-fail", "unsigned zone, MTA-STS enforce, self-signed MX certificate: an MTA-STS sender defers", "critical", "none", "fail", 2, true,
			func(name, domain string, z *mailZone) error {
				host, _ := mx(z, domain, "mx1", 10, SMTPStartTLS, nil)
				stsDNS(z, domain)
				stsPolicy(name, domain, "enforce", host)
				z.posture(domain)
				return nil
			}),
		add("sts-testing", "unsigned zone, MTA-STS testing, self-signed MX certificate: reported, delivered", "warning", "none", "fail", 1, true,
			func(name, domain string, z *mailZone) error {
				host, _ := mx(z, domain, "mx1", 10, SMTPStartTLS, nil)
				stsDNS(z, domain)
				stsPolicy(name, domain, "testing", host)
				z.posture(domain)
				return nil
			}),
		add("null-mx", "a null MX (RFC 7505): the domain accepts no mail", "ok", "none", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				z.add("%s 300 IN MX 0 .", fqdn(domain))
				return nil
			}),
		add("implicit-mx", "no MX records: the domain itself is the mail exchanger, with a 3 1 1 record (RFC 5321 §5.1)", "ok", "verified", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				leaf, err := b.issue(domain)
				if err != nil {
					return err
				}
				b.server(z, domain, SMTPStartTLS, leaf.TLSCertificate())
				z.tlsa(domain, spkiRec(3, leaf.Cert), spkiRec(2, b.inter.Cert))
				z.posture(domain)
				return nil
			}),
		add("partial", "two MX hosts: the first authenticates, the backup's TLSA record matches nothing", "warning", "partial", "none", 1, false,
			func(name, domain string, z *mailZone) error {
				h1, h2 := "mx1."+domain, "mx2."+domain
				l1, err := b.issue(h1)
				if err != nil {
					return err
				}
				l2, err := b.issue(h2)
				if err != nil {
					return err
				}
				other, err := randomRec()
				if err != nil {
					return err
				}
				mx(z, domain, "mx1", 10, SMTPStartTLS, l1)
				mx(z, domain, "mx2", 20, SMTPStartTLS, l2)
				z.tlsa(h1, spkiRec(3, l1.Cert), spkiRec(2, b.inter.Cert))
				z.tlsa(h2, other)
				z.posture(domain)
				return nil
			}),
		add("cname-mx", "the MX host is a CNAME to a provider's host; TLSA at the expanded name is the base domain (RFC 7672 §2.2.3)", "ok", "verified", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				pz := b.zone("provider." + MailBase + ".")
				target := "smtp.provider." + MailBase
				leaf, err := b.issue(target)
				if err != nil {
					return err
				}
				host := "mx1." + domain
				z.add("%s 300 IN MX 10 %s", fqdn(domain), fqdn(host))
				z.add("%s 300 IN CNAME %s", fqdn(host), fqdn(target))
				b.server(pz, target, SMTPStartTLS, leaf.TLSCertificate())
				// DANE-TA: the certificate names only the provider's host,
				// the base domain; the 2 1 1 record pins the issuing CA.
				pz.tlsa(target, spkiRec(2, b.inter.Cert), spkiRec(2, b.ca.Cert))
				z.posture(domain)
				return nil
			}),
		add("unprotected", "unsigned zone, no MTA-STS: opportunistic TLS only", "warning", "none", "none", 1, true,
			func(name, domain string, z *mailZone) error {
				mx(z, domain, "mx1", 10, SMTPStartTLS, nil)
				return nil
			}),
		add("dual-stack", "two MX hosts, each with A, AAAA (::1) and TLSA: the benchmark domain", "ok", "verified", "none", 0, false,
			func(name, domain string, z *mailZone) error {
				h1, h2 := "mx1."+domain, "mx2."+domain
				leaf, err := b.issue(h1, h2)
				if err != nil {
					return err
				}
				mx(z, domain, "mx1", 10, SMTPStartTLS, leaf)
				mx(z, domain, "mx2", 20, SMTPStartTLS, leaf)
				z.tlsa(h1, spkiRec(3, leaf.Cert), spkiRec(2, b.inter.Cert))
				z.tlsa(h2, spkiRec(3, leaf.Cert), spkiRec(2, b.inter.Cert))
				z.posture(domain)
				if !opts.NoIPv6 {
					v6 := &mailHost{name: h1, ip: "::1", kind: SMTPStartTLS, cert: leaf.TLSCertificate(), optional: true}
					b.hosts = append(b.hosts, v6)
					for _, h := range []string{h1, h2} {
						b.v6hosts[fqdn(h)] = v6
						z.add("@AAAA %s ::1", fqdn(h))
					}
				}
				return nil
			}),
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	if err := b.authScenarios(); err != nil {
		return err
	}
	if err := b.tlsrptScenarios(); err != nil {
		return err
	}
	if err := b.validatorScenarios(); err != nil {
		return err
	}
	if err := b.gateScenarios(); err != nil {
		return err
	}
	return b.horizonScenarios() // after the gate's: the addresses of the others stay put
}

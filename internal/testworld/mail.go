package testworld

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// MailBase is the parent domain of the mail world's scenario domains.
const MailBase = "mail.test"

// MailOptions configure StartMail.
type MailOptions struct {
	// Delay is injected before every DNS response and before every chunk
	// of bytes an SMTP server sends (a one-way latency on the server's
	// side), for benchmarks. With a non-zero Delay the SMTP servers sit
	// behind delaying proxies on the shared port.
	Delay time.Duration
	// Synthetic adds that many generated domains over SyntheticMX shared
	// MX hosts (default 10 when Synthetic is set), with a realistic mix
	// of set-ups, for scan benchmarks. Their names are in
	// Mail.Synthetic.
	Synthetic, SyntheticMX int
	// NoIPv6 leaves out the IPv6 (::1) server of the dual-stack
	// scenario even when the machine has IPv6 loopback.
	NoIPv6 bool
	// Rollover, if set, adds the rollover scenario in the given step
	// (mail_catalogue_history.go).
	Rollover *Rollover
}

// MailScenario is one curated domain of the mail world and the verdicts
// "daneprobe check" must reach for it.
type MailScenario struct {
	// Name is the scenario label, the first label of Domain.
	Name string
	// Domain is the recipient domain, without trailing dot.
	Domain string
	// Description says in one line what the domain shows.
	Description string
	// Status, DANE and MTASTS are the expected JSON fields "status",
	// "dane" and "mta_sts.result"; ExitCode the expected exit status.
	Status, DANE, MTASTS string
	ExitCode             int
}

// Mail is a running mail test world: one signed DNS world with the
// scenario zones, SMTP servers on distinct loopback addresses (127.0.X.Y
// chosen by host name, see allocIP, and ::1 for the dual-stack scenario)
// all on one shared port, and the
// HTTPS MTA-STS policy server. Point a checker at it with Resolver,
// TrustAnchorFile, CAFile, Port and PolicyPort.
type Mail struct {
	// DNS is the signed DNS world; Resolver() is the address to use (it
	// adds the world's deliberate lookup failures).
	DNS *DNS
	// HTTPS is the MTA-STS policy server; its CA also issued the MX
	// certificates, so CA.Pool() or CAFile is the WebPKI root to trust.
	HTTPS *HTTPSWorld
	CA    *CA
	// Port is the SMTP port every server listens on; TLSA records are
	// published at _PORT._tcp (and _25._tcp) of each MX host.
	Port int
	// PolicyPort is the HTTPS port of the policy server.
	PolicyPort int
	// Scenarios are the curated domains, in catalogue order.
	Scenarios []MailScenario
	// Synthetic are the generated domains (MailOptions.Synthetic).
	Synthetic []string
	// Auth are the domains of the mail-authentication area.
	Auth []AuthScenario
	// Gate holds the CAs and keys of the renewal gate's hosts.
	Gate *GateWorld

	front   *dnsFront
	servers map[string]*SMTPServer // by IP
	proxies []*delayProxy
	delay   *delayValue
	once    sync.Once
}

// StartMail starts the mail world. Close it when done.
func StartMail(opts MailOptions) (*Mail, error) {
	b, err := newMailBuild(opts)
	if err != nil {
		return nil, fmt.Errorf("start mail world: %w", err)
	}
	m := &Mail{CA: b.ca, servers: map[string]*SMTPServer{}, delay: &delayValue{}}
	m.delay.set(opts.Delay)
	if err := m.startServers(b, opts); err != nil {
		m.Close()
		return nil, fmt.Errorf("start mail world: %w", err)
	}
	m.HTTPS, err = StartHTTPS(HTTPSOptions{CA: b.ca, Base: MailBase + ".", Scenarios: b.sts})
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("start mail world: %w", err)
	}
	m.PolicyPort = m.HTTPS.Port
	zones := b.zones(m.Port)
	m.DNS, err = StartDNS(DNSOptions{Zones: zones, Delay: opts.Delay})
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("start mail world: %w", err)
	}
	m.front, err = startDNSFront(m.DNS, b.servfail(m.Port))
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("start mail world: %w", err)
	}
	m.Scenarios = b.scenarios
	m.Synthetic = b.synthetic
	m.Auth = b.auth
	m.Gate = b.gate
	return m, nil
}

// startServers starts every SMTP server on one port shared by all the
// world's addresses, retrying with another port when one is taken on some
// address.
func (m *Mail) startServers(b *mailBuild, opts MailOptions) error {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		port, err := freePort(b.hosts[0].ip)
		if err != nil {
			return err
		}
		if lastErr = m.tryServers(b, opts, port); lastErr == nil {
			m.Port = port
			return nil
		}
		m.closeServers()
	}
	return fmt.Errorf("no port free on every address: %w", lastErr)
}

func (m *Mail) tryServers(b *mailBuild, opts MailOptions, port int) error {
	for _, h := range b.hosts {
		if _, ok := m.servers[h.ip]; ok {
			continue // a shared address (::1) serves several hosts
		}
		public := net.JoinHostPort(h.ip, strconv.Itoa(port))
		listen := public
		if opts.Delay > 0 {
			listen = net.JoinHostPort(h.ip, "0")
		}
		s, err := StartSMTP(SMTPOptions{Addr: listen, Kind: h.kind, Certificate: h.cert, Hostname: h.name})
		if err != nil {
			if h.optional {
				h.skipped = true
				continue
			}
			return err
		}
		m.servers[h.ip] = s
		if opts.Delay > 0 {
			p, err := startDelayProxy(public, s.Addr, m.delay)
			if err != nil {
				if h.optional {
					h.skipped = true
					continue
				}
				return err
			}
			m.proxies = append(m.proxies, p)
		}
	}
	return nil
}

// freePort finds a port that is free on ip right now.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Resolver returns the address to use as the recursive resolver,
// "127.0.0.1:PORT". It answers like DNS.Addr, plus the SERVFAIL of the
// tlsa-servfail scenario.
func (m *Mail) Resolver() string { return m.front.addr }

// Queries returns the number of DNS queries the world answered.
func (m *Mail) Queries() int64 { return m.DNS.Queries() + m.front.faults.Load() }

// TrustAnchorFile writes the DNS world's trust anchor to dir and returns
// its path (see DNS.TrustAnchorFile).
func (m *Mail) TrustAnchorFile(dir string) (string, error) { return m.DNS.TrustAnchorFile(dir) }

// CAFile writes the world's root CA certificate in PEM to dir and returns
// its path: the --ca-file that makes the MTA-STS policy hosts and the MX
// certificates WebPKI-valid.
func (m *Mail) CAFile(dir string) (string, error) {
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, m.CA.RootPEM(), 0o644); err != nil {
		return "", fmt.Errorf("write CA file: %w", err)
	}
	return path, nil
}

// Scenario returns the curated scenario with the given name.
func (m *Mail) Scenario(name string) (MailScenario, bool) {
	for _, s := range m.Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return MailScenario{}, false
}

// Stats returns the counters of the SMTP server at ip ("127.0.0.5",
// "::1"), and false when no server listens there.
func (m *Mail) Stats(ip string) (SMTPStats, bool) {
	s, ok := m.servers[ip]
	if !ok {
		return SMTPStats{}, false
	}
	return s.Stats(), true
}

// Connections returns the number of SMTP connections accepted per server
// address, for tests and benchmarks that check how often a scan connects.
func (m *Mail) Connections() map[string]int64 {
	out := map[string]int64{}
	for ip, s := range m.servers {
		out[ip] = s.Stats().Total
	}
	return out
}

// Addresses lists the addresses of the SMTP servers in address order.
func (m *Mail) Addresses() []string {
	ips := make([]netip.Addr, 0, len(m.servers))
	for ip := range m.servers {
		if a, err := netip.ParseAddr(ip); err == nil {
			ips = append(ips, a)
		}
	}
	sort.Slice(ips, func(i, j int) bool { return ips[i].Less(ips[j]) })
	out := make([]string, len(ips))
	for i, a := range ips {
		out[i] = a.String()
	}
	return out
}

// SetDelay changes the injected delay of DNS and, when the world was
// started with a Delay, of SMTP.
func (m *Mail) SetDelay(d time.Duration) {
	m.delay.set(d)
	m.DNS.SetDelay(d)
}

// Close stops every server of the world. It is safe to call more than
// once.
func (m *Mail) Close() error {
	var first error
	m.once.Do(func() {
		keep := func(err error) {
			if err != nil && first == nil {
				first = err
			}
		}
		if m.front != nil {
			keep(m.front.close())
		}
		if m.DNS != nil {
			keep(m.DNS.Close())
		}
		if m.HTTPS != nil {
			keep(m.HTTPS.Close())
		}
		keep(m.closeServers())
	})
	return first
}

func (m *Mail) closeServers() error {
	var first error
	for _, p := range m.proxies {
		p.close()
	}
	m.proxies = nil
	for ip, s := range m.servers {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
		delete(m.servers, ip)
	}
	return first
}

// fqdn adds the trailing dot.
func fqdn(s string) string { return dns.Fqdn(s) }

// MailScenarios returns the curated catalogue of the mail world, as
// StartMail serves it, without starting anything.
func MailScenarios() []MailScenario {
	b, err := newMailBuild(MailOptions{NoIPv6: true})
	if err != nil {
		return nil
	}
	return b.scenarios
}

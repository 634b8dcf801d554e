package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
)

// Defaults of the shared flags. One place, so that every command that has
// a flag gives it the same default.
const (
	// defaultStepTimeout bounds each network step: an SMTP step (connect,
	// banner, EHLO, STARTTLS, handshake), the MTA-STS policy fetch, and a
	// DNS query unless --dns-timeout is smaller.
	defaultStepTimeout = 30 * time.Second
	// defaultDNSTimeout bounds each upstream DNS query.
	defaultDNSTimeout = 3 * time.Second
)

// timeoutHelp is the one meaning of --timeout, in every command.
const timeoutHelp = "deadline (`DURATION`) of each network step: each SMTP step (connect, banner, EHLO, STARTTLS, handshake), " +
	"the MTA-STS policy fetch, and each DNS query unless --dns-timeout is smaller"

// resolverFlags are the flags of every command that resolves names with
// the validating resolver (lookup, mtasts, auth, tlsa, check, scan and
// those built on check). Each has the same name, default, environment
// variable and help text wherever it appears.
func resolverFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{
			Name:    "resolver",
			Usage:   "recursive resolver `ADDR` (host or host:port) to send DO+CD queries to; repeat for failover, tried in order (default: the nameservers of /etc/resolv.conf)",
			EnvVars: []string{"DANEPROBE_RESOLVER"},
		},
		&cli.StringFlag{
			Name:    "trust-anchor",
			Usage:   "read the trust anchors from `FILE` (DS or DNSKEY records in zone-file syntax, or IANA's root-anchors.xml) instead of the built-in IANA root KSKs 20326 and 38696",
			EnvVars: []string{"DANEPROBE_TRUST_ANCHOR"},
		},
		&cli.StringFlag{
			Name:    "at",
			Usage:   "validate as of `TIME` (RFC 3339, e.g. 2026-12-04T12:00:00Z) instead of now: \"will this chain still validate next Friday?\"",
			EnvVars: []string{"DANEPROBE_AT"},
		},
		&cli.DurationFlag{
			Name:    "timeout",
			Value:   defaultStepTimeout,
			Usage:   timeoutHelp,
			EnvVars: []string{"DANEPROBE_TIMEOUT"},
		},
		&cli.DurationFlag{
			Name:    "dns-timeout",
			Value:   defaultDNSTimeout,
			Usage:   "deadline (`DURATION`) of each upstream DNS query (at most --timeout)",
			EnvVars: []string{"DANEPROBE_DNS_TIMEOUT"},
		},
		&cli.BoolFlag{
			Name:    "no-sha1",
			Usage:   "treat the SHA-1 DNSSEC algorithms RSASHA1 (5) and RSASHA1-NSEC3-SHA1 (7) as unsupported, so zones signed only with them are insecure (RFC 8624 §3.1 leaves this to local policy; by default they validate, with a warning)",
			EnvVars: []string{"DANEPROBE_NO_SHA1"},
		},
		&cli.IntFlag{
			Name:    "nsec3-iterations",
			Value:   dnssec.DefaultLimits().NSEC3Iterations,
			Usage:   "highest NSEC3 iteration count `N` accepted; proofs with more are insecure (RFC 9276 §3.2; Unbound uses 150, BIND and Knot Resolver 50)",
			EnvVars: []string{"DANEPROBE_NSEC3_ITERATIONS"},
		},
	}
}

// heloFlag is the EHLO name flag of every command that opens SMTP
// sessions.
func heloFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "helo",
		Usage:   "`NAME` to greet the servers with in EHLO (default: this machine's fully qualified name, else an address literal)",
		EnvVars: []string{"DANEPROBE_HELO"},
	}
}

// caFileFlag is the extra-roots flag of every command that checks a
// certificate against the WebPKI (MTA-STS).
func caFileFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "ca-file",
		Usage:   "also trust the CA certificates in PEM `FILE` for MTA-STS (policy host and MX certificates), in addition to the system roots",
		EnvVars: []string{"DANEPROBE_CA_FILE"},
	}
}

// policyPortFlag is the HTTPS port of MTA-STS policy hosts.
func policyPortFlag() cli.Flag {
	return &cli.IntFlag{
		Name:    "policy-port",
		Value:   443,
		Usage:   "HTTPS `PORT` of the MTA-STS policy host; for test setups only (senders always use 443)",
		EnvVars: []string{"DANEPROBE_POLICY_PORT"},
	}
}

// checkFlags are the flags of every command that runs the whole check of
// a domain: check, scan, and the commands built on them. One definition,
// so that names, defaults, environment variables and help agree; newChecker
// reads them.
func checkFlags() []cli.Flag {
	return append(resolverFlags(),
		&cli.DurationFlag{
			Name:    "deadline",
			Aliases: []string{"domain-timeout"},
			Value:   gather.DefaultDeadline,
			Usage:   "deadline (`DURATION`) of the whole check of one domain; a check cut short is UNKNOWN (--domain-timeout is the older name in scan)",
			EnvVars: []string{"DANEPROBE_DEADLINE"},
		},
		caFileFlag(),
		&cli.IntFlag{
			Name:    "port",
			Value:   gather.DefaultPort,
			Usage:   "SMTP `PORT` to probe, also used in the TLSA owner name _PORT._tcp; for test setups (senders use 25)",
			EnvVars: []string{"DANEPROBE_PORT"},
		},
		policyPortFlag(),
		heloFlag(),
		&cli.BoolFlag{Name: "ipv4", Aliases: []string{"4"}, Usage: "look up and probe IPv4 addresses only", EnvVars: []string{"DANEPROBE_IPV4"}},
		&cli.BoolFlag{Name: "ipv6", Aliases: []string{"6"}, Usage: "look up and probe IPv6 addresses only", EnvVars: []string{"DANEPROBE_IPV6"}},
		&cli.DurationFlag{Name: "sig-warn", Value: delivery.DefaultSigWarn, Usage: "warn when an RRSIG of the MX, A, AAAA or TLSA RRsets of an MX host, or of a DS or DNSKEY on their chains, expires within `DURATION` (also when less than 20% of its validity period is left; CRITICAL within a day)", EnvVars: []string{"DANEPROBE_SIG_WARN"}},
		&cli.DurationFlag{Name: "cert-warn", Value: delivery.DefaultCertWarn, Usage: "warn when a certificate whose dates senders check (DANE-TA chains, MTA-STS) expires within `DURATION`; DANE-EE leaf dates are informational", EnvVars: []string{"DANEPROBE_CERT_WARN"}},
		&cli.DurationFlag{Name: "cert-crit", Value: delivery.DefaultCertCrit, Usage: "CRITICAL when a certificate whose dates senders check expires within `DURATION`", EnvVars: []string{"DANEPROBE_CERT_CRIT"}},
	)
}

// stepTimeout returns --timeout after checking it.
func stepTimeout(c *cli.Context) (time.Duration, error) {
	d := c.Duration("timeout")
	if d <= 0 {
		return 0, usageErrorf("--timeout must be positive, not %s", d)
	}
	return d, nil
}

// checkPort checks that the integer flag name holds a TCP port.
func checkPort(c *cli.Context, name string) error {
	if v := c.Int(name); v < 1 || v > 65535 {
		return usageErrorf("--%s must be between 1 and 65535, not %d", name, v)
	}
	return nil
}

// atTime returns the time of --at, or nil for the clock.
func atTime(c *cli.Context) (func() time.Time, error) {
	at := c.String("at")
	if at == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return nil, usageErrorf("--at %q: want an RFC 3339 time such as 2026-12-04T12:00:00Z", at)
	}
	return func() time.Time { return t }, nil
}

// newResolver builds the validating resolver from the resolver flags. Each
// upstream query gets the smaller of --timeout and --dns-timeout. Bad flag
// values are usage errors (exit status 3) with a one-line message.
func newResolver(c *cli.Context) (*dnssec.Resolver, error) {
	step, err := stepTimeout(c)
	if err != nil {
		return nil, err
	}
	dnsTimeout := c.Duration("dns-timeout")
	if dnsTimeout <= 0 {
		return nil, usageErrorf("--dns-timeout must be positive, not %s", dnsTimeout)
	}
	cfg := dnssec.Config{Timeout: min(step, dnsTimeout), DisableSHA1: c.Bool("no-sha1")}
	if n := c.Int("nsec3-iterations"); n < 1 || n > 65535 {
		return nil, usageErrorf("--nsec3-iterations must be between 1 and 65535, not %d", n)
	} else {
		cfg.Limits.NSEC3Iterations = n
	}
	for _, r := range c.StringSlice("resolver") {
		addr, err := dnssec.NormaliseUpstream(r)
		if err != nil {
			return nil, usageErrorf("--resolver: %v", err)
		}
		cfg.Upstreams = append(cfg.Upstreams, addr)
	}
	if path := c.String("trust-anchor"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("--trust-anchor: %v", err)
		}
		anchors, err := dnssec.ParseTrustAnchors(f, ".")
		f.Close()
		if err != nil {
			return nil, usageErrorf("--trust-anchor %s: want DS or DNSKEY records in zone-file syntax, or IANA's root-anchors.xml (%v)", path, err)
		}
		cfg.TrustAnchors = anchors
	}
	now, err := atTime(c)
	if err != nil {
		return nil, err
	}
	cfg.Now = now
	r, err := dnssec.NewResolver(cfg)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return r, nil
}

// newChecker builds the checker of a whole domain check from checkFlags.
// Bad values are usage errors (exit status 3). Commands add what only they
// have (scan its connection limits, check its mail-authentication options).
func newChecker(c *cli.Context) (*gather.Checker, error) {
	step, err := stepTimeout(c)
	if err != nil {
		return nil, err
	}
	if d := c.Duration("deadline"); d <= 0 {
		return nil, usageErrorf("--deadline must be positive, not %s", d)
	}
	for _, p := range []string{"port", "policy-port"} {
		if err := checkPort(c, p); err != nil {
			return nil, err
		}
	}
	if c.Bool("ipv4") && c.Bool("ipv6") {
		return nil, usageErrorf("-4 and -6 exclude each other")
	}
	if err := checkHELO(c.String("helo")); err != nil {
		return nil, err
	}
	roots, err := policyRoots(c.String("ca-file"))
	if err != nil {
		return nil, err
	}
	res, err := newResolver(c)
	if err != nil {
		return nil, err
	}
	ck := &gather.Checker{
		Resolver:   res,
		Port:       c.Int("port"),
		EHLOName:   c.String("helo"),
		Timeout:    step,
		Deadline:   c.Duration("deadline"),
		IPv4Only:   c.Bool("ipv4"),
		IPv6Only:   c.Bool("ipv6"),
		RootSource: roots,
		PolicyPort: c.Int("policy-port"),
	}
	if c.String("at") != "" {
		ck.Now = res.Now // newResolver parsed and checked --at
	}
	if ck.Horizons, err = horizonPolicy(c); err != nil {
		return nil, err
	}
	return ck, nil
}

// withAlias gives the flag name of flags the older spelling alias too, for
// a command whose scripts used it before the flag was shared.
func withAlias(flags []cli.Flag, name, alias string) []cli.Flag {
	for _, f := range flags {
		if d, ok := f.(*cli.DurationFlag); ok && d.Name == name {
			d.Aliases = append(d.Aliases, alias)
		}
		if s, ok := f.(*cli.StringFlag); ok && s.Name == name {
			s.Aliases = append(s.Aliases, alias)
		}
	}
	return flags
}

// horizonPolicy reads --sig-warn, --cert-warn and --cert-crit.
func horizonPolicy(c *cli.Context) (delivery.HorizonPolicy, error) {
	p := delivery.HorizonPolicy{SigWarn: c.Duration("sig-warn"), CertWarn: c.Duration("cert-warn"), CertCrit: c.Duration("cert-crit")}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"sig-warn", p.SigWarn}, {"cert-warn", p.CertWarn}, {"cert-crit", p.CertCrit}} {
		if f.d <= 0 {
			return p, usageErrorf("--%s must be positive, not %s", f.name, f.d)
		}
	}
	if p.CertCrit > p.CertWarn {
		return p, usageErrorf("--cert-crit (%s) must not exceed --cert-warn (%s)", p.CertCrit, p.CertWarn)
	}
	return p, nil
}

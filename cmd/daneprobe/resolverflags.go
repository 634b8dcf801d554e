package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/dnssec"
)

// resolverFlags are the flags of every command that resolves names with
// the validating resolver: lookup, mtasts, check and scan.
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
			Name:  "at",
			Usage: "validate as of `TIME` (RFC 3339, e.g. 2026-12-04T12:00:00Z) instead of now: \"will this chain still validate next Friday?\"",
		},
		&cli.DurationFlag{
			Name: "timeout",
			// check and scan call this --dns-timeout (their --timeout is
			// per SMTP step): the same name works here.
			Aliases: []string{"dns-timeout"},
			Value:   3 * time.Second,
			Usage:   "`DURATION` allowed for each upstream query (e.g. 500ms, 3s)",
		},
		&cli.BoolFlag{
			Name:  "no-sha1",
			Usage: "treat the SHA-1 DNSSEC algorithms RSASHA1 (5) and RSASHA1-NSEC3-SHA1 (7) as unsupported, so zones signed only with them are insecure (RFC 8624 §3.1 leaves this to local policy; by default they validate, with a warning)",
		},
		&cli.IntFlag{
			Name:  "nsec3-iterations",
			Value: dnssec.DefaultLimits().NSEC3Iterations,
			Usage: "highest NSEC3 iteration count `N` accepted; proofs with more are insecure (RFC 9276 §3.2; Unbound uses 150, BIND and Knot Resolver 50)",
		},
	}
}

// newResolver builds the validating resolver from the resolver flags. Bad
// flag values are usage errors (exit status 3) with a one-line message.
func newResolver(c *cli.Context) (*dnssec.Resolver, error) {
	cfg := dnssec.Config{Timeout: c.Duration("timeout"), DisableSHA1: c.Bool("no-sha1")}
	if cfg.Timeout <= 0 {
		return nil, usageErrorf("--timeout must be positive, not %s", c.Duration("timeout"))
	}
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
	if at := c.String("at"); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return nil, usageErrorf("--at %q: want an RFC 3339 time such as 2026-12-04T12:00:00Z", at)
		}
		cfg.Now = func() time.Time { return t }
	}
	r, err := dnssec.NewResolver(cfg)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return r, nil
}

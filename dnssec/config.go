package dnssec

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Limits bound the work one lookup may cause, so that a hostile zone
// cannot make the validator spin (KeyTrap, CVE-2023-50387; NSEC3 closest
// encloser hashing, CVE-2023-50868). A zero field takes its default.
// When a bound is hit the lookup ends Bogus with ReasonResourceLimit.
type Limits struct {
	// RRSIGsPerRRset is how many RRSIGs over one RRset are tried (8).
	RRSIGsPerRRset int
	// KeysPerTag is how many DNSKEYs sharing one (key tag, algorithm)
	// are tried for one RRSIG (4).
	KeysPerTag int
	// VerificationsPerLookup caps the signature verifications of one
	// lookup, including the chain (32).
	VerificationsPerLookup int
	// NSEC3PerProof caps the NSEC3 (and NSEC) records looked at in one
	// denial proof (8).
	NSEC3PerProof int
	// NSEC3HashCost caps the work of the NSEC3 hashing of one proof in
	// SHA-1 computations: each hash of a name costs iterations+1 of them
	// (RFC 5155 §5), so the cap is on hashes × (iterations+1), the cost
	// CVE-2023-50868 exploits, not on the number of hashes. The default,
	// 4832, is 32 hashes at 150 iterations (the iteration cap), and lets
	// a zone of 0 iterations prove the non-existence of a name of any depth.
	NSEC3HashCost int
	// CNAMEChain caps the CNAME/DNAME links followed (11).
	CNAMEChain int
	// NSEC3Iterations is the highest NSEC3 iteration count accepted; a
	// proof using more is Insecure (RFC 9276 §3.2). Default 150, as in
	// Unbound; BIND and Knot Resolver use 50, so above 50 the result
	// carries a warning.
	NSEC3Iterations int
}

// DefaultLimits returns the limits used when Config.Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		RRSIGsPerRRset:         8,
		KeysPerTag:             4,
		VerificationsPerLookup: 32,
		NSEC3PerProof:          8,
		NSEC3HashCost:          32 * 151,
		CNAMEChain:             11,
		NSEC3Iterations:        150,
	}
}

// nsec3WarnIterations is the iteration count above which BIND and Knot
// Resolver treat an NSEC3 proof as insecure (RFC 9276 §3.2 lets
// validators pick their own cap); above it we warn that validators
// disagree.
const nsec3WarnIterations = 50

// DefaultClockSkew is how far the validation time may lie outside an
// RRSIG's inception/expiration window and still be accepted. Five minutes
// covers machines whose clocks drift without NTP and signers that set the
// inception to the moment of signing, while keeping replayed expired
// signatures useless after minutes, not hours.
const DefaultClockSkew = 5 * time.Minute

// Config configures a Resolver. The zero value is usable: upstreams from
// /etc/resolv.conf, the IANA root anchors, the default limits, the
// system clock.
type Config struct {
	// Upstreams are the recursive resolvers to ask, "host" or
	// "host:port" (port 53 by default), tried in order. Empty means the
	// nameservers of ResolvConf.
	Upstreams []string
	// ResolvConf is the resolv.conf to read when Upstreams is empty
	// (default /etc/resolv.conf).
	ResolvConf string
	// TrustAnchors are DS or DNSKEY records to start validation from.
	// Empty means the IANA root anchors (RootAnchors).
	TrustAnchors []dns.RR
	// Now returns the validation time. nil means time.Now. Tests and
	// "lookup --at" use it to validate as of another moment.
	Now func() time.Time
	// Timeout bounds each upstream exchange (default 3s).
	Timeout time.Duration
	// Dialer opens the UDP and TCP connections to the upstreams; nil
	// means a net.Dialer.
	Dialer *net.Dialer
	// ClockSkew is the allowance around RRSIG validity windows
	// (DefaultClockSkew when zero; negative means none).
	ClockSkew time.Duration
	// DisableSHA1 treats the SHA-1 algorithms RSASHA1 (5) and
	// RSASHA1-NSEC3-SHA1 (7) as unsupported, so zones signed only with
	// them are Insecure (RFC 8624 §3.1 leaves validating them to local
	// policy). Either way their use is reported as a warning.
	DisableSHA1 bool
	// Limits bound the work per lookup; zero fields take DefaultLimits.
	Limits Limits
	// CacheSize bounds the number of cached answers and zone key sets
	// (default 4096 each).
	CacheSize int
}

// normalise fills in the defaults and checks the configuration.
func (c Config) normalise() (Config, []string, error) {
	d := DefaultLimits()
	l := &c.Limits
	for _, p := range []struct {
		v   *int
		def int
	}{
		{&l.RRSIGsPerRRset, d.RRSIGsPerRRset},
		{&l.KeysPerTag, d.KeysPerTag},
		{&l.VerificationsPerLookup, d.VerificationsPerLookup},
		{&l.NSEC3PerProof, d.NSEC3PerProof},
		{&l.NSEC3HashCost, d.NSEC3HashCost},
		{&l.CNAMEChain, d.CNAMEChain},
		{&l.NSEC3Iterations, d.NSEC3Iterations},
	} {
		if *p.v <= 0 {
			*p.v = p.def
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 3 * time.Second
	}
	if c.ClockSkew == 0 {
		c.ClockSkew = DefaultClockSkew
	} else if c.ClockSkew < 0 {
		c.ClockSkew = 0
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 4096
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Dialer == nil {
		c.Dialer = &net.Dialer{}
	}
	if len(c.TrustAnchors) == 0 {
		c.TrustAnchors = RootAnchors()
	}
	ups := c.Upstreams
	if len(ups) == 0 {
		path := c.ResolvConf
		if path == "" {
			path = "/etc/resolv.conf"
		}
		cc, err := dns.ClientConfigFromFile(path)
		if err != nil {
			return c, nil, fmt.Errorf("read upstream resolvers from %s: %w", path, err)
		}
		for _, s := range cc.Servers {
			ups = append(ups, net.JoinHostPort(s, cc.Port))
		}
		if len(ups) == 0 {
			return c, nil, fmt.Errorf("no nameserver in %s", path)
		}
	}
	out := make([]string, 0, len(ups))
	for _, u := range ups {
		a, err := NormaliseUpstream(u)
		if err != nil {
			return c, nil, err
		}
		out = append(out, a)
	}
	return c, out, nil
}

// NormaliseUpstream turns "host", "host:port", "v6addr" or "[v6addr]:port"
// into a dialable "host:port", defaulting to port 53. It returns an error
// for an empty or malformed address.
func NormaliseUpstream(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty resolver address")
	}
	if strings.ContainsAny(s, " \t\r\n/,;") {
		return "", fmt.Errorf("resolver address %q is not host[:port]", s)
	}
	if ip := net.ParseIP(s); ip != nil {
		return net.JoinHostPort(s, "53"), nil
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		if host == "" {
			return "", fmt.Errorf("resolver address %q has no host", s)
		}
		var p int
		if _, err := fmt.Sscanf(port, "%d", &p); err != nil || p <= 0 || p > 65535 || fmt.Sprint(p) != port {
			return "", fmt.Errorf("resolver address %q has a bad port", s)
		}
		return s, nil
	}
	if _, ok := dns.IsDomainName(s); !ok || s[0] == '[' {
		return "", fmt.Errorf("resolver address %q is not host[:port]", s)
	}
	return net.JoinHostPort(s, "53"), nil
}

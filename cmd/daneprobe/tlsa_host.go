package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

// tlsaHostFlags are the flags of "tlsa generate" and "tlsa verify" that
// fetch the chain from a live server instead of a PEM file, with the
// resolver flags of every command: the server's addresses come from
// daneprobe's validating resolver, as a DANE sender's would. --at (alias
// --time) also sets the time "tlsa verify" validates the chain at.
func tlsaHostFlags() []cli.Flag {
	return append(withAlias(withAlias(resolverFlags(), "at", "time"), "timeout", "probe-timeout"),
		&cli.StringFlag{Name: "connect", Usage: "with --host and no --cert: connect to the IP address `ADDR` instead of the addresses --host resolves to"},
		&cli.IntFlag{Name: "smtp-port", Value: 25, Usage: "with --host and no --cert: SMTP `PORT` to connect to"},
		&cli.StringFlag{Name: "sni", Usage: "with --host and no --cert: server `NAME` to send in the TLS handshake (default: --host, the TLSA base domain, RFC 7672 §8.1)"},
		heloFlag(),
	)
}

// tlsaChain returns the chain to work on: from --cert, or fetched live
// from host over SMTP STARTTLS when --cert is absent.
func tlsaChain(c *cli.Context, host string) ([]*x509.Certificate, error) {
	if f := c.String("cert"); f != "" {
		return tlsaReadChain(f)
	}
	if host == "" {
		return nil, usageErrorf("give the chain with --cert FILE, or --host HOST to fetch it from the server over SMTP STARTTLS")
	}
	return tlsaFetchChain(c, host)
}

// tlsaFetchChain runs an SMTP session with host (each of its addresses in
// turn until one presents a chain) and returns the chain as presented,
// leaf first. It never sends mail.
func tlsaFetchChain(c *cli.Context, host string) ([]*x509.Certificate, error) {
	host, err := names.ParseDomain(host)
	if err != nil {
		return nil, usageErrorf("--host: %v", err)
	}
	if err := checkPort(c, "smtp-port"); err != nil {
		return nil, err
	}
	port := c.Int("smtp-port")
	if err := checkHELO(c.String("helo")); err != nil {
		return nil, err
	}
	step, err := stepTimeout(c)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a := c.String("connect"); a != "" {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, usageErrorf("--connect %q is not an IP address", a)
		}
		addrs = []netip.Addr{ip}
	} else {
		res, err := newResolver(c)
		if err != nil {
			return nil, err
		}
		if addrs, err = tlsaResolve(c.Context, res, host); err != nil {
			return nil, err
		}
	}
	sni := c.String("sni")
	if sni == "" {
		sni = host
	}
	p := &smtpprobe.Prober{
		EHLOName: c.String("helo"),
		Timeouts: smtpprobe.Timeouts{Connect: step, Banner: step, EHLO: step, STARTTLS: step, Handshake: step, Quit: min(step, 5*time.Second)},
	}
	var problems []string
	for _, a := range addrs {
		res, err := p.Probe(c.Context, smtpprobe.Target{Host: host, Addr: a.Unmap(), Port: uint16(port), SNI: sni})
		if res.TLS != nil && len(res.TLS.Certificates) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "daneprobe: chain of %d certificate(s) fetched from %s [%s]:%d over STARTTLS (SNI %s)\n",
				len(res.TLS.Certificates), host, a.Unmap(), port, sni)
			return res.TLS.Certificates, nil
		}
		why := "no TLS session"
		switch {
		case err != nil:
			why = err.Error()
		case !res.STARTTLSAccepted:
			why = "the server does not offer STARTTLS"
		}
		problems = append(problems, fmt.Sprintf("[%s]:%d: %s", a.Unmap(), port, why))
	}
	if len(problems) == 0 {
		return nil, &exitError{code: exitUnknown, err: fmt.Errorf("%s has no address", host)}
	}
	return nil, &exitError{code: exitUnknown, err: fmt.Errorf("could not fetch the certificate chain of %s: %s", host, strings.Join(problems, "; "))}
}

// tlsaResolve returns the addresses of host from the validating resolver:
// Secure or Insecure answers, as a DANE sender would use them (a Bogus or
// unvalidated answer is refused, RFC 7672 §2.2). No answer at all from
// the upstreams is UNKNOWN with the resolver named.
func tlsaResolve(ctx context.Context, res *dnssec.Resolver, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	var problems []string
	for _, qtype := range []uint16{dns.TypeAAAA, dns.TypeA} {
		r, err := res.Lookup(ctx, host, qtype)
		if err != nil && errors.Is(err, dnssec.ErrNoUpstream) {
			return nil, &exitError{code: exitUnknown, err: &errNoResolver{tried: res.Upstreams(), err: err}}
		}
		if r == nil || err != nil {
			problems = append(problems, fmt.Sprintf("%s lookup: %v", dns.TypeToString[qtype], err))
			continue
		}
		if r.Security != dnssec.Secure && r.Security != dnssec.Insecure {
			problems = append(problems, fmt.Sprintf("%s lookup is %s: %s", dns.TypeToString[qtype], r.Security, r.Detail))
			continue
		}
		for _, rr := range r.Answer {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					addrs = append(addrs, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA.To16()); ok {
					addrs = append(addrs, a)
				}
			}
		}
	}
	if len(addrs) == 0 {
		why := "no A or AAAA records"
		if len(problems) > 0 {
			why = strings.Join(problems, "; ")
		}
		return nil, &exitError{code: exitUnknown, err: fmt.Errorf("resolve %s: %s (give the server's address with --connect ADDR)", host, why)}
	}
	return addrs, nil
}

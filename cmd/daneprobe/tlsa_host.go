package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/smtpprobe"
)

// tlsaHostFlags are the flags of "tlsa generate" and "tlsa verify" that
// fetch the chain from a live server instead of a PEM file.
func tlsaHostFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "connect", Usage: "with --host and no --cert: connect to the IP address `ADDR` instead of the addresses --host resolves to"},
		&cli.IntFlag{Name: "smtp-port", Value: 25, Usage: "with --host and no --cert: SMTP `PORT` to connect to"},
		&cli.StringFlag{Name: "sni", Usage: "with --host and no --cert: server `NAME` to send in the TLS handshake (default: --host, the TLSA base domain, RFC 7672 §8.1)"},
		&cli.StringFlag{Name: "helo", Usage: "with --host and no --cert: `NAME` to greet the server with"},
		&cli.DurationFlag{Name: "probe-timeout", Value: 30 * time.Second, Usage: "with --host and no --cert: deadline (`DURATION`) of each SMTP step"},
	}
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
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, ok := dns.IsDomainName(host); !ok || host == "" || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789-._") != "" {
		return nil, usageErrorf("--host %q is not a domain name", host)
	}
	port := c.Int("smtp-port")
	if port < 1 || port > 65535 {
		return nil, usageErrorf("--smtp-port must be between 1 and 65535, not %d", port)
	}
	if err := checkHELO(c.String("helo")); err != nil {
		return nil, err
	}
	step := c.Duration("probe-timeout")
	if step <= 0 {
		return nil, usageErrorf("--probe-timeout must be positive, not %s", step)
	}
	var addrs []netip.Addr
	if a := c.String("connect"); a != "" {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, usageErrorf("--connect %q is not an IP address", a)
		}
		addrs = []netip.Addr{ip}
	} else {
		ctx, cancel := context.WithTimeout(c.Context, step)
		found, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		cancel()
		if err != nil {
			// The system resolver, not a validating one: the address only
			// says where to connect. Say how to do without it.
			return nil, &exitError{code: exitUnknown, err: fmt.Errorf("resolve %s with the system resolver: %w (give the server's address with --connect ADDR)", host, err)}
		}
		addrs = found
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

package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mailauth"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/report"
)

const authHelp = "Prints the mail-authentication posture of DOMAIN, every lookup through the validating\n" +
	"resolver so each record shows its DNSSEC status:\n" +
	"  SPF (RFC 7208): the record, the whole include/redirect tree, the DNS lookups it costs\n" +
	"    (limit 10) and the void lookups (limit 2), +all/?all/~all/-all, ptr, record size;\n" +
	"    with --ip, check_host() for that address (and --sender) with the terms that decided;\n" +
	"  DMARC (RFC 7489): _dmarc.DOMAIN or the organizational domain's record (Public Suffix\n" +
	"    List), every tag validated, external report destinations and their authorization\n" +
	"    (DOMAIN._report._dmarc.DEST); DMARCbis tags np, psd and t are accepted;\n" +
	"  DKIM (RFC 6376, 8301, 8463): the key at each --dkim-selector and at common selectors\n" +
	"    (selector1 and selector2 of Microsoft 365 included): CNAMEs, key type and size,\n" +
	"    revoked and testing keys; selectors cannot be discovered, so \"not found\" is no error;\n" +
	"  Microsoft 365: for an Exchange Online domain, what the tenant still needs (DKIM, SPF,\n" +
	"    DMARC, and inbound DANE: a signed zone, the *.mx.microsoft MX, a single MX).\n\n" +
	"check prints the SPF and DMARC parts too; check --mail-auth adds DKIM and Microsoft 365.\n\n" +
	"Exit status: 0 no warnings, 1 warnings, 3 usage error or no usable resolver."

// authCommand is "daneprobe auth".
func authCommand() *cli.Command {
	flags := append(resolverFlags(), mailAuthFlags()...)
	flags = append(flags,
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object (the spf, dmarc, dkim and microsoft365 objects of report/SCHEMA.md)"},
		&cli.StringFlag{Name: "ip", Usage: "evaluate SPF check_host() for the sending address `ADDR`"},
		&cli.StringFlag{Name: "sender", Usage: "the MAIL FROM `ADDRESS` for --ip (default postmaster@DOMAIN)"},
	)
	return &cli.Command{
		Name:        "auth",
		Usage:       "check a domain's SPF, DKIM and DMARC records and Microsoft 365 readiness",
		ArgsUsage:   "DOMAIN",
		Description: authHelp,
		Flags:       flags,
		Action:      runAuth,
	}
}

// mailAuthFlags are the flags that choose the DKIM selectors, shared by
// auth and check.
func mailAuthFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "dkim-selector", Usage: "also probe the DKIM selector `NAME` (repeatable; the s= tag of a DKIM-Signature header names it)"},
		&cli.StringFlag{Name: "microsoft365-names", Hidden: true, Usage: "LEGACY_MX,DANE_MX,SPF_INCLUDE,TENANT host-name suffixes instead of Microsoft's (for test worlds)"},
	}
}

// mailAuthOptions reads the mail-authentication flags.
func mailAuthOptions(c *cli.Context) (mailauth.Options, error) {
	o := mailauth.Options{}
	for _, s := range c.StringSlice("dkim-selector") {
		if _, err := names.ParseName(s + "._domainkey.example.org"); err != nil || strings.HasSuffix(s, ".") || s == "" {
			return o, usageErrorf("--dkim-selector %q is not a selector (DNS labels)", s)
		}
		o.Selectors = append(o.Selectors, s)
	}
	if v := c.String("microsoft365-names"); v != "" {
		p := strings.Split(v, ",")
		if len(p) != 4 {
			return o, usageErrorf("--microsoft365-names wants four comma-separated suffixes")
		}
		o.Microsoft365 = mailauth.Microsoft365Names{LegacyMX: p[0], DANEMX: p[1], SPFInclude: p[2], Tenant: p[3]}
	}
	return o, nil
}

func runAuth(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErrorf("auth: want one DOMAIN (see daneprobe auth --help)")
	}
	domain, err := names.ParseDomain(c.Args().First())
	if err != nil {
		return usageErrorf("auth: %v", err)
	}
	o, err := mailAuthOptions(c)
	if err != nil {
		return err
	}
	if s := c.String("ip"); s != "" {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return usageErrorf("--ip %q is not an IP address", s)
		}
		o.IP = ip
	}
	if s := c.String("sender"); s != "" {
		if !o.IP.IsValid() {
			return usageErrorf("--sender needs --ip")
		}
		if _, dom, ok := strings.Cut(s, "@"); !ok || dom == "" {
			return usageErrorf("--sender %q is not an address (user@domain)", s)
		}
		o.Sender = s
	}
	res, err := newResolver(c)
	if err != nil {
		return err
	}
	if err := checkUpstream(c.Context, res, upstreamsOf(res), 10*c.Duration("timeout")); err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	// Every query has its own deadline; this bounds the whole run (at
	// most a few dozen queries, RFC 7208's limits included).
	ctx, cancel := context.WithTimeout(c.Context, 20*c.Duration("timeout")+10*time.Second)
	defer cancel()
	r := mailauth.Check(ctx, res, strings.TrimSuffix(domain, "."), o)
	out := c.App.Writer
	if c.Bool("json") {
		err = report.WriteAuthJSON(out, r)
	} else {
		err = report.WriteAuthText(out, r, report.UseColor(out, os.Getenv))
	}
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("write report: %w", err)}
	}
	for _, f := range r.Findings() {
		if f.Warning {
			return exitWith(exitWarning)
		}
	}
	return nil
}

// printAuthDemo lists the demo world's mail-authentication domains with
// the findings each shows, for "demo --serve".
func printAuthDemo(w io.Writer, world *testworld.Mail, flags string) {
	fmt.Fprintln(w, "\nTry auth (the findings each should show):")
	fmt.Fprintf(w, "  AUTH='%s --microsoft365-names %s'\n", flags, testworld.Microsoft365Names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range world.Auth {
		sel := ""
		for _, x := range s.Selectors {
			sel += " --dkim-selector " + x
		}
		fmt.Fprintf(tw, "  daneprobe auth $AUTH%s %s\t# %s: %s\n", sel, s.Domain, s.Description, strings.Join(s.Codes, ", "))
	}
	tw.Flush()
}

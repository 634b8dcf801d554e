package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/tlsa"
)

// tlsaMaxFile bounds every file the tlsa command reads (certificates,
// keys, record lists): real ones are a few kilobytes.
const tlsaMaxFile = 1 << 20

// tlsaCommand is "daneprobe tlsa": make TLSA records from certificates and
// check certificates against TLSA records, offline.
func tlsaCommand() *cli.Command {
	return &cli.Command{
		Name:  "tlsa",
		Usage: "generate TLSA records from certificates, or verify certificates against TLSA records",
		Description: "Works offline on PEM files, with the rules a DANE-enforcing sending MTA applies\n" +
			"(RFC 6698, RFC 7671, RFC 7672 §3): usages 2 (DANE-TA) and 3 (DANE-EE) only, digest\n" +
			"agility, no name or date checks for DANE-EE, full path and name checks for DANE-TA.\n" +
			"Without --cert, --host HOST fetches the chain live from the server over SMTP STARTTLS\n" +
			"(--connect, --smtp-port, --sni to aim it), never sending mail.",
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{tlsaGenerateCommand(), tlsaVerifyCommand()},
	}
}

func tlsaGenerateCommand() *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "print TLSA records for a certificate chain in zone-file form",
		Description: "Reads the chain in --cert (PEM, leaf first) and prints TLSA records for\n" +
			"_PORT._tcp.HOST. Without --usage/--selector/--mtype it prints the recommended set\n" +
			"(RFC 7671 §8.1, RFC 7672 §3.1): \"3 1 1\" for the leaf's key and \"2 1 1\" for the\n" +
			"issuing CA's key, which together survive both a renewal with the same key and one\n" +
			"with a new key from the same CA. With --next (the coming certificate, public key or\n" +
			"private key) it adds the records the next certificate needs, to publish now: publish,\n" +
			"wait at least two TTLs, then switch certificates.\n\n" +
			"Exit status:\n" +
			"  0  records printed\n" +
			"  3  usage error (missing or unreadable --cert, bad flag values), or the chain could\n" +
			"     not be fetched from --host",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "cert", Usage: "PEM `FILE` with the certificate chain, leaf first (or fetch it live with --host)"},
			&cli.IntFlag{Name: "usage", Value: -1, DefaultText: "the recommended set", Usage: "certificate usage `N`: 3 DANE-EE (leaf) or 2 DANE-TA (issuer); 0 and 1 are not usable for SMTP"},
			&cli.IntFlag{Name: "selector", Value: -1, DefaultText: "1", Usage: "selector `N`: 1 public key (recommended, survives renewals with the same key) or 0 full certificate"},
			&cli.IntFlag{Name: "mtype", Value: -1, DefaultText: "1", Usage: "matching type `N`: 1 SHA-256 (recommended), 2 SHA-512, 0 full data"},
			&cli.IntFlag{Name: "depth", Value: -1, DefaultText: "0 for usages 1 and 3, 1 for 0 and 2", Usage: "use the certificate at position `N` of the chain"},
			&cli.StringFlag{Name: "host", DefaultText: "the leaf's first DNS name", Usage: "MX `HOST` name for the record owner; without --cert, also the server to fetch the chain from"},
			&cli.IntFlag{Name: "port", Value: 25, Usage: "TCP `PORT` for the record owner"},
			&cli.UintFlag{Name: "ttl", DefaultText: "none, the zone's default applies", Usage: "`TTL` to print in each line"},
			&cli.StringFlag{Name: "next", Usage: "PEM `FILE` with the next certificate chain, public key or private key"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of zone-file lines"},
		}, tlsaHostFlags()...),
		Action: runTLSAGenerate,
	}
}

func tlsaVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a certificate chain against TLSA records",
		ArgsUsage: "[RECORD...]  |  --from-dns HOST --cert NEW.pem [--chain CHAIN.pem] | --key NEWKEY.pem",
		Description: "Checks the chain in --cert (PEM, leaf first, as the server sends it) against the\n" +
			"records given as arguments (\"3 1 1 <hex>\", quoted, or the four fields as separate\n" +
			"arguments) and/or in --file (one record per line, as \"3 1 1 <hex>\", a zone-file line\n" +
			"or dig output; \";\" starts a comment). Every record is evaluated and reported: matched\n" +
			"(and at which chain depth), not matched (and why: leaf-mismatch, ta-not-in-chain,\n" +
			"chain-invalid, insecure-signature, expired, not-yet-valid, name-mismatch), unusable\n" +
			"(PKIX usages, unknown parameters, bad digest length), or ignored by digest agility.\n" +
			"--name gives the reference identifiers DANE-TA records need (the MX host name, and\n" +
			"the recipient domain when the MX lookup is DNSSEC-secure); without it names are not\n" +
			"checked. Rollover advice follows: which certificate changes the records survive.\n" +
			"Flags may come before or after the records; \"--\" ends the flags.\n\n" +
			"The renewal gate: with --from-dns HOST, the records are the ones published at\n" +
			"_PORT._tcp.HOST (--port, default 25), fetched with daneprobe's own DNSSEC validation and\n" +
			"the CNAME rules of RFC 7672 §2.2.3, and the chain is the NEW one, before it is deployed:\n" +
			"--cert NEW.pem (leaf first; --chain for a separate chain file), or only the new key\n" +
			"(--key NEWKEY.pem, or a CSR) for pre-publishing its \"3 1 1\", or --cert with the new\n" +
			"issuing CA's certificate for \"2 x x\" records. It is judged as a DANE sender would judge\n" +
			"the server after the switch, DANE-TA names being the TLSA base domain and HOST (RFC 7672\n" +
			"§3.2.2). When no usable record matches, it prints the records to publish, the ones to\n" +
			"keep, and how long to wait before deploying (the TLSA RRset's TTL, or the negative TTL\n" +
			"when there were no records; RFC 7671 §8.1). Put it in the renewal hook (README:\n" +
			"\"Before you renew a certificate\").\n\n" +
			"Exit status:\n" +
			"  0  a record matched: DANE authentication succeeds (with --from-dns: safe to deploy)\n" +
			"  2  usable records exist and none matched: an enforcing MTA defers mail; with\n" +
			"     --from-dns: not safe to deploy (no match, no usable record, no records, an insecure\n" +
			"     or bogus zone): publish the records printed first\n" +
			"  3  no usable record (TLS required, but unauthenticated), a usage error (also a --cert\n" +
			"     that is not PEM, a --key of another certificate, a chain out of order), the chain\n" +
			"     could not be fetched from --host, or with --from-dns the lookup failed (UNKNOWN)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "cert", Usage: "PEM `FILE` with the chain as presented, leaf first (or fetch it live with --host)"},
			&cli.StringFlag{Name: "host", Usage: "without --cert, fetch the chain from the MX `HOST` over SMTP STARTTLS"},
			&cli.StringSliceFlag{Name: "name", Usage: "reference identifier `NAME` for DANE-TA name checks (repeatable)"},
			&cli.StringFlag{Name: "file", Usage: "read records from `FILE`"},
			&cli.StringFlag{Name: "next", Usage: "PEM `FILE` with the next certificate chain, public key or private key, for rollover advice"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		}, append(tlsaGateFlags(), tlsaHostFlags()...)...),
		Action: runTLSAVerify,
	}
}

// tlsaGenerated is one generated record in JSON output.
type tlsaGenerated struct {
	Owner       string      `json:"owner"`
	Record      tlsa.Record `json:"record"`
	Line        string      `json:"line"`
	Source      string      `json:"source"`
	Position    int         `json:"position"`
	Certificate string      `json:"certificate,omitempty"`
}

func runTLSAGenerate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("tlsa generate: unexpected arguments %q (see --help)", c.Args().Slice())
	}
	chain, err := tlsaChain(c, c.String("host"))
	if err != nil {
		return err
	}
	port := c.Int("port")
	if port < 1 || port > 65535 {
		return usageErrorf("--port must be between 1 and 65535, not %d", port)
	}
	host := c.String("host")
	if host == "" {
		host = tlsa.OwnerHost(chain[0])
		if host == "" {
			return usageErrorf("the leaf certificate has no DNS name: give the MX host name with --host")
		}
	}
	host, err = names.ParseDomain(host)
	if err != nil {
		return usageErrorf("--host: %v", err)
	}
	owner := tlsa.Owner(host, port)
	ttl := uint32(c.Uint("ttl"))

	var out []tlsaGenerated
	add := func(r tlsa.Record, source string, pos int, cert *x509.Certificate) {
		g := tlsaGenerated{Owner: owner, Record: r, Line: r.ZoneLine(owner, ttl), Source: source, Position: pos}
		if cert != nil {
			g.Certificate = cert.Subject.String()
		}
		for _, have := range out {
			if have.Line == g.Line {
				return
			}
		}
		out = append(out, g)
	}
	custom := c.Int("usage") >= 0 || c.Int("selector") >= 0 || c.Int("mtype") >= 0 || c.Int("depth") >= 0
	if custom {
		u, s, m := tlsaFlagOr(c, "usage", 3), tlsaFlagOr(c, "selector", 1), tlsaFlagOr(c, "mtype", 1)
		for name, v := range map[string]int{"usage": u, "selector": s, "mtype": m} {
			if v > 255 {
				return usageErrorf("--%s must be between 0 and 255, not %d", name, v)
			}
		}
		r, depth, err := tlsa.GenerateAt(chain, c.Int("depth"), tlsa.Usage(u), tlsa.Selector(s), tlsa.MatchingType(m))
		if err != nil {
			return usageErrorf("%v", err)
		}
		add(r, "current", depth, chain[depth])
	} else {
		recs, err := tlsa.Recommended(chain)
		if err != nil {
			return usageErrorf("%v", err)
		}
		for i, r := range recs {
			add(r, "current", i, chain[i])
		}
	}
	if f := c.String("next"); f != "" {
		next, err := tlsaReadNext(f)
		if err != nil {
			return err
		}
		recs, err := tlsa.NextRecords(next)
		if err != nil {
			return usageErrorf("--next %s: %v", f, err)
		}
		pos := func(i int) (int, *x509.Certificate) {
			if len(next.Chain) == 0 {
				return -1, nil
			}
			return i, next.Chain[i]
		}
		for i, r := range recs {
			p, cert := pos(i)
			add(r, "next", p, cert)
		}
	}

	w := c.App.Writer
	if custom {
		// Unusable records are printed, for test setups, but never
		// silently; tlsa decides what is unusable. (Undefined selectors
		// and matching types cannot be computed and are refused.)
		switch reason, detail := tlsa.Usability(out[0].Record); reason {
		case "":
		case tlsa.ReasonUnknownUsage:
			fmt.Fprintf(c.App.ErrWriter, "daneprobe: note: --usage %d is not a defined value (0-3); every client treats such a record as unusable\n", out[0].Record.Usage)
		default:
			fmt.Fprintf(c.App.ErrWriter, "daneprobe: note: %s; sending MTAs ignore such records\n", detail)
		}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, g := range out {
		what := "key"
		if g.Record.Selector == tlsa.Cert {
			what = "certificate"
		}
		switch {
		case g.Position < 0:
			fmt.Fprintf(w, "; %s %s %s of the next key\n", g.Record.Usage, g.Record.Selector, g.Record.MatchingType)
		default:
			fmt.Fprintf(w, "; %s: %s of the %s certificate at position %d, %s\n", g.Record.Usage, what, g.Source, g.Position, g.Certificate)
		}
		fmt.Fprintln(w, g.Line)
	}
	return nil
}

// tlsaFlagOr returns an int flag's value, or def when it was not set.
func tlsaFlagOr(c *cli.Context, name string, def int) int {
	if v := c.Int(name); v >= 0 {
		return v
	}
	return def
}

// tlsaVerifyJSON is the JSON form of "tlsa verify".
type tlsaVerifyJSON struct {
	*tlsa.Result
	Rollover tlsa.Advice `json:"rollover"`
}

func runTLSAVerify(c *cli.Context) error {
	if c.IsSet("from-dns") {
		return runTLSAGate(c)
	}
	for _, f := range []string{"chain", "key", "port"} {
		if c.IsSet(f) {
			return usageErrorf("--%s belongs to the renewal gate: use it with --from-dns HOST", f)
		}
	}
	at, err := atTime(c) // checked before a chain is fetched
	if err != nil {
		return err
	}
	chain, err := tlsaChain(c, c.String("host"))
	if err != nil {
		return err
	}
	records, err := tlsa.ParseRecordArgs(c.Args().Slice())
	if err != nil {
		return usageErrorf("%v", err)
	}
	if f := c.String("file"); f != "" {
		more, err := tlsaReadRecordFile(f)
		if err != nil {
			return err
		}
		records = append(records, more...)
	}
	if len(records) == 0 {
		return usageErrorf("tlsa verify: no records given (arguments like \"3 1 1 <hex>\" or --file)")
	}
	if len(records) > tlsa.MaxRecords {
		return usageErrorf("tlsa verify: %d records, at most %d are accepted", len(records), tlsa.MaxRecords)
	}
	opts := tlsa.Options{Names: c.StringSlice("name"), IgnoreNames: len(c.StringSlice("name")) == 0}
	if at != nil {
		opts.Time = at()
	}
	var next *tlsa.Next
	if f := c.String("next"); f != "" {
		if next, err = tlsaReadNext(f); err != nil {
			return err
		}
	}
	res := tlsa.Verify(records, chain, opts)
	adv := tlsa.AdviseRollover(records, chain, next, opts)

	code := exitOK
	switch res.Verdict {
	case tlsa.VerdictNoMatch:
		code = exitCritical
	case tlsa.VerdictUnusable:
		code = exitUnknown
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(tlsaVerifyJSON{res, adv}); err != nil {
			return err
		}
		return exitWith(code)
	}
	tlsaPrintVerify(c.App.Writer, res, adv)
	return exitWith(code)
}

func tlsaPrintVerify(w io.Writer, res *tlsa.Result, adv tlsa.Advice) {
	switch res.Verdict {
	case tlsa.VerdictMatch:
		m := res.Match
		where := fmt.Sprintf("the certificate at depth %d", m.Depth)
		switch {
		case m.KeyOnly:
			where = fmt.Sprintf("the trust anchor key (not sent, depth %d)", m.Depth)
		case m.Depth == 0:
			where = "the leaf (depth 0)"
		}
		fmt.Fprintf(w, "TLSA MATCH: record %d (%s %s %s) matched %s\n", m.Index+1, m.Record.Usage, m.Record.Selector, m.Record.MatchingType, where)
	case tlsa.VerdictNoMatch:
		f := res.Failures[0]
		fmt.Fprintf(w, "TLSA NO MATCH: %s: %s\n", f.Code, f.Detail)
	default:
		fmt.Fprintf(w, "TLSA UNUSABLE: none of the %d records is usable for SMTP; TLS is still required, but the server is not authenticated (RFC 7672 §2.2)\n", len(res.Records))
	}
	fmt.Fprintln(w, "records:")
	for _, rr := range res.Records {
		fmt.Fprintf(w, "  %d. %s\n", rr.Index+1, tlsaShortRecord(rr.Record))
		switch rr.Outcome {
		case tlsa.Matched:
			pos := fmt.Sprintf("position %d", rr.Position)
			if rr.KeyOnly {
				pos = "key not sent, which \"2 1 0\" allows"
			}
			fmt.Fprintf(w, "     matched at depth %d (%s)\n", rr.Depth, pos)
		case tlsa.NotMatched:
			for _, f := range rr.Failures {
				fmt.Fprintf(w, "     not matched: %s: %s\n", f.Code, f.Detail)
				if f.Cause != "" {
					fmt.Fprintf(w, "       cause: %s\n", f.Cause)
				}
			}
		default:
			fmt.Fprintf(w, "     %s: %s: %s\n", rr.Outcome, rr.Reason, rr.Detail)
		}
	}
	if len(res.Remarks) > 0 {
		fmt.Fprintln(w, "remarks:")
		for _, r := range res.Remarks {
			fmt.Fprintf(w, "  - %s: %s\n", r.Code, r.Detail)
		}
	}
	fmt.Fprintln(w, "chain as presented:")
	for _, ci := range res.Chain {
		fmt.Fprintf(w, "  %d. %s (issuer %s)\n", ci.Position, ci.Subject, ci.Issuer)
		if len(ci.DNSNames) > 0 {
			fmt.Fprintf(w, "     names: %s\n", strings.Join(ci.DNSNames, ", "))
		}
		fmt.Fprintf(w, "     valid %s to %s, %s, SPKI SHA-256 %s\n", ci.NotBefore.UTC().Format(time.DateOnly),
			ci.NotAfter.UTC().Format(time.DateOnly), ci.SigAlg, ci.SPKISHA256)
	}
	if res.Verdict == tlsa.VerdictMatch {
		fmt.Fprintln(w, "rollover:")
		for _, s := range adv.Scenarios {
			verdict := "breaks"
			switch {
			case s.Survives:
				verdict = "survives"
			case len(s.Prepared) > 0 && s.Change == tlsa.RenewNewKey: // a new CA stays a warning
				verdict = "prepared"
			}
			fmt.Fprintf(w, "  %s: %s: %s\n", s.Change, verdict, s.Detail)
		}
	}
	if adv.NextMatches != nil {
		if *adv.NextMatches {
			fmt.Fprintln(w, "next: the published records already cover the next certificate or key")
		} else {
			fmt.Fprintln(w, "next: publish these records before switching, then wait at least two TTLs:")
			for _, r := range adv.Add {
				fmt.Fprintf(w, "  %s\n", r)
			}
		}
	}
}

// tlsaShortRecord prints a record with long data abbreviated.
func tlsaShortRecord(r tlsa.Record) string {
	s := r.String()
	if len(s) > 60 {
		s = s[:30] + "..." + s[len(s)-16:]
	}
	return fmt.Sprintf("%s  (%s %s %s)", s, r.Usage, r.Selector, r.MatchingType)
}

// tlsaReadRecordFile reads the records of --file (see tlsa.ParseRecordList).
func tlsaReadRecordFile(name string) ([]tlsa.Record, error) {
	b, err := tlsaReadFile(name)
	if err != nil {
		return nil, err
	}
	recs, err := tlsa.ParseRecordList(b)
	if err != nil {
		return nil, usageErrorf("%s: %v", name, err)
	}
	return recs, nil
}

// tlsaReadFile reads a file of at most tlsaMaxFile bytes.
func tlsaReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, tlsaMaxFile+1))
	if err != nil {
		return nil, usageErrorf("read %s: %v", name, err)
	}
	if len(b) > tlsaMaxFile {
		return nil, usageErrorf("%s is larger than %d bytes", name, tlsaMaxFile)
	}
	return b, nil
}

// tlsaReadChain reads the certificate chain of a PEM or DER file, leaf
// first (see tlsa.ParseChain).
func tlsaReadChain(name string) ([]*x509.Certificate, error) {
	b, err := tlsaReadFile(name)
	if err != nil {
		return nil, err
	}
	certs, err := tlsa.ParseChain(b)
	if err != nil {
		return nil, usageErrorf("%s: %v", name, err)
	}
	return certs, nil
}

// tlsaReadNext reads the next certificate chain or key for rollover advice
// (see tlsa.ParseNext).
func tlsaReadNext(name string) (*tlsa.Next, error) {
	b, err := tlsaReadFile(name)
	if err != nil {
		return nil, err
	}
	next, err := tlsa.ParseNext(b)
	if err != nil {
		return nil, usageErrorf("--next %s: %v", name, err)
	}
	return next, nil
}

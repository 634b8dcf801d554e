package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/names"
)

// lookupCommand is "daneprobe lookup": one validated DNS lookup.
func lookupCommand() *cli.Command {
	return &cli.Command{
		Name:      "lookup",
		Usage:     "resolve a name and validate its DNSSEC chain yourself",
		ArgsUsage: "NAME [TYPE]",
		Description: "lookup asks the upstream resolver for NAME and TYPE (default A) with the DO and CD bits set,\n" +
			"validates the answer from the trust anchors down (DS, DNSKEY and RRSIG of every zone on the way,\n" +
			"NSEC/NSEC3 proofs for names or types that do not exist), and prints the records in zone-file\n" +
			"format followed by the security status: secure, insecure (provably unsigned), bogus (with the\n" +
			"reason) or indeterminate. Records that failed validation are printed as comments\n" +
			"(\"; not validated: ...\"). A secure answer shows when its first signature expires (answer,\n" +
			"DS and DNSKEY RRsets of the chain), with a warning line for each signature that check would warn\n" +
			"about (under 2 days or 20% of its validity period left; critical under a day).\n" +
			"--trace adds every signature horizon and the chain: per zone the DS records, the DNSKEY tags\n" +
			"and algorithms, which key signed what and the validity windows.\n\n" +
			"The upstream must return DNSSEC records; one that strips them or drops EDNS gives indeterminate\n" +
			"with reason upstream-strips-dnssec, and one that ignores CD answers SERVFAIL for broken zones\n" +
			"(indeterminate, upstream-error): point --resolver at a DNSSEC-capable resolver.\n\n" +
			"Exit status: 0 the lookup completed (secure or insecure, also NXDOMAIN and NODATA);\n" +
			"2 the answer is bogus; 3 no upstream gave a usable answer (indeterminate) or the input was unusable.",
		Flags: append(resolverFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object (name, type, rcode, security and its synonym dnssec, reason, why, answer, warnings, ttl; with --trace also horizons and chain)"},
			&cli.BoolFlag{Name: "trace", Usage: "print the authentication chain that was used"},
		),
		Action: runLookup,
	}
}

func runLookup(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) < 1 || len(args) > 2 {
		return usageErrorf("lookup: want NAME [TYPE], got %d arguments", len(args))
	}
	name, err := names.ParseName(args[0])
	if err != nil {
		return usageErrorf("lookup: %v", err)
	}
	qtype := dns.TypeA
	if len(args) == 2 {
		t, err := parseType(args[1])
		if err != nil {
			if c.Bool("json") {
				// JSON mode stays JSON: a program reading stdout gets an
				// object saying why, the person reading stderr the line.
				writeLookupRefusal(c.App.Writer, name, args[1], err)
			}
			return usageErrorf("lookup: %v", err)
		}
		qtype = t
	}
	r, err := newResolver(c)
	if err != nil {
		return err
	}
	// Each query has its own deadline; this bounds the whole lookup
	// (answer, chain, CNAME links) as well.
	ctx, cancel := context.WithTimeout(c.Context, 10*min(c.Duration("timeout"), c.Duration("dns-timeout")))
	defer cancel()
	res, lerr := r.Lookup(ctx, name, qtype)
	if res == nil {
		return usageErrorf("lookup: %v", lerr)
	}
	out := c.App.Writer
	if c.Bool("json") {
		if err := writeLookupJSON(out, res, r.Now(), c.Bool("trace")); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	} else {
		writeLookupText(out, res, r.Now(), c.Bool("trace"))
	}
	switch {
	case lerr != nil && errors.Is(lerr, dnssec.ErrNoUpstream):
		return &exitError{code: exitUnknown, err: &errNoResolver{tried: r.Upstreams(), err: lerr}}
	case lerr != nil:
		return &exitError{code: exitUnknown, err: lerr}
	case res.Security == dnssec.Bogus:
		return exitWith(exitCritical)
	case res.Security == dnssec.Indeterminate:
		return exitWith(exitUnknown)
	}
	return nil
}

// parseType accepts a mnemonic (A, tlsa) or the generic TYPEnnn form.
func parseType(s string) (uint16, error) {
	u := strings.ToUpper(s)
	switch u {
	case "ANY", "AXFR", "IXFR", "OPT", "RRSIG", "TSIG", "TKEY", "MAILA", "MAILB":
		// Meta and DNSSEC-internal types have no RRset to validate.
		return 0, fmt.Errorf("record type %s cannot be looked up and validated on its own", u)
	}
	if t, ok := dns.StringToType[u]; ok && t != dns.TypeNone {
		return t, nil
	}
	if strings.HasPrefix(u, "TYPE") {
		if n, err := strconv.ParseUint(u[4:], 10, 16); err == nil && n > 0 {
			return uint16(n), nil
		}
	}
	return 0, fmt.Errorf("unknown record type %q", s)
}

func statusLine(res *dnssec.Result) string {
	s := res.Security.String()
	if res.Reason != "" {
		s += " (" + string(res.Reason) + ")"
	}
	if res.Detail != "" {
		s += ": " + res.Detail
	}
	if res.Reason == dnssec.ReasonUpstreamStripsDNSSEC || res.Reason == dnssec.ReasonUpstreamError {
		// The library says what is wrong; the command says which flag fixes it.
		s += " (choose another upstream with --resolver)"
	}
	return s
}

func writeLookupText(w io.Writer, res *dnssec.Result, at time.Time, trace bool) {
	// The records in zone-file form, then the verdict and the rcode as
	// zone-file comments (the order issue 2 specifies, like dig's answer
	// section followed by its status), so the output can still be pasted
	// into a zone file.
	// Records that failed validation are printed as comments, so they
	// can never be read (or pasted) as the result.
	prefix := ""
	if res.Security == dnssec.Bogus || res.Security == dnssec.Indeterminate {
		prefix = "; not validated: "
	}
	for _, rr := range res.Answer {
		fmt.Fprintln(w, prefix+rr.String())
	}
	fmt.Fprintf(w, "; security: %s\n", statusLine(res))
	switch {
	case res.Rcode == dns.RcodeNameError:
		fmt.Fprintf(w, "; %s %s: NXDOMAIN (the name does not exist)\n", res.Name, dns.TypeToString[res.Type])
	case res.Rcode == dns.RcodeSuccess && len(res.Answer) == 0 && res.Security != dnssec.Indeterminate:
		fmt.Fprintf(w, "; %s %s: NODATA (the name exists, the type does not)\n", res.Name, dns.TypeToString[res.Type])
	case res.Rcode != dns.RcodeSuccess:
		fmt.Fprintf(w, "; %s %s: %s\n", res.Name, dns.TypeToString[res.Type], dns.RcodeToString[res.Rcode])
	}
	for _, x := range res.Warnings {
		fmt.Fprintf(w, "; warning: %s\n", x)
	}
	writeHorizonsText(w, horizonsOf(res, at), trace)
	if !trace {
		return
	}
	fmt.Fprintln(w, "; chain:")
	for _, l := range res.Chain {
		fmt.Fprintf(w, ";   zone %s: %s", l.Zone, l.Security)
		if l.Note != "" {
			fmt.Fprintf(w, " (%s)", l.Note)
		}
		fmt.Fprintln(w)
		for _, d := range l.DS {
			fmt.Fprintf(w, ";     DS %s\n", strings.TrimSpace(d))
		}
		for _, k := range l.Keys {
			m := ""
			if k.DSMatched {
				m = ", matched by DS/anchor"
			}
			fmt.Fprintf(w, ";     DNSKEY tag %d algorithm %d (%s) flags %d%s\n", k.Tag, k.Algorithm, dns.AlgorithmToString[k.Algorithm], k.Flags, m)
		}
		for _, s := range l.Signatures {
			ok := "valid"
			if !s.Valid {
				ok = "NOT valid"
			}
			fmt.Fprintf(w, ";     RRSIG %s %s by key %d algorithm %d, %s to %s: %s\n", s.Owner, s.Type, s.KeyTag, s.Algorithm,
				s.Inception.Format(time.RFC3339), s.Expiration.Format(time.RFC3339), ok)
		}
	}
}

// lookupJSON is the stable JSON form of a lookup result.
type lookupJSON struct {
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Rcode    string          `json:"rcode"`
	Security dnssec.Security `json:"security"`
	// DNSSEC repeats Security under the name every other command's JSON
	// uses for the same verdict ("dnssec" in check, scan and mtasts).
	DNSSEC   dnssec.Security    `json:"dnssec"`
	Reason   string             `json:"reason"`
	Detail   string             `json:"why,omitempty"`
	Answer   []string           `json:"answer"`
	Warnings []string           `json:"warnings,omitempty"`
	TTL      int64              `json:"ttl"`
	Chain    []dnssec.ChainLink `json:"chain,omitempty"`
	// Horizons are the signature horizons of a secure answer, with
	// --trace (they depend on keys and time, like the chain; see
	// lookup_horizon.go).
	Horizons []delivery.SignatureHorizon `json:"horizons,omitempty"`
}

func writeLookupJSON(w io.Writer, res *dnssec.Result, at time.Time, trace bool) error {
	j := lookupJSON{
		Name:     res.Name,
		Type:     dns.TypeToString[res.Type],
		Rcode:    dns.RcodeToString[res.Rcode],
		Security: res.Security,
		DNSSEC:   res.Security,
		Reason:   string(res.Reason),
		Detail:   res.Detail,
		Answer:   []string{},
		Warnings: res.Warnings,
		TTL:      int64(res.TTL / time.Second),
	}
	for _, rr := range res.Answer {
		j.Answer = append(j.Answer, rr.String())
	}
	if trace {
		j.Horizons = horizonsOf(res, at)
		j.Chain = res.Chain
		if j.Chain == nil {
			j.Chain = []dnssec.ChainLink{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// writeLookupRefusal prints the JSON object of a lookup that was refused
// before any query (ANY, RRSIG and other types without an RRset of their
// own to validate): name, type and error, with security indeterminate.
func writeLookupRefusal(w io.Writer, name, qtype string, err error) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		Name     string          `json:"name"`
		Type     string          `json:"type"`
		Security dnssec.Security `json:"security"`
		DNSSEC   dnssec.Security `json:"dnssec"`
		Error    string          `json:"error"`
	}{name, strings.ToUpper(qtype), dnssec.Indeterminate, dnssec.Indeterminate, err.Error()})
}

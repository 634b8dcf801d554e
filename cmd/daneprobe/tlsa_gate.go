package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/tlsa"
)

// tlsaGateFlags are the flags of "tlsa verify --from-dns", the renewal
// gate; the resolver flags come with tlsaHostFlags.
func tlsaGateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "from-dns", Usage: "renewal gate: judge --cert (or --key) against the TLSA records published for the MX `HOST`, fetched with DNSSEC validation"},
		&cli.IntFlag{Name: "port", Value: 25, Usage: "with --from-dns: TCP `PORT` of the TLSA owner name _PORT._tcp.HOST"},
		&cli.StringFlag{Name: "chain", Usage: "with --from-dns: PEM `FILE` with the new certificate's issuers, if not in --cert (certbot's chain.pem)"},
		&cli.StringFlag{Name: "key", Usage: "with --from-dns: PEM `FILE` with the new private or public key, or a certificate signing request: alone, for pre-publishing its \"3 1 1\"; with --cert, checked to belong to it"},
	}
}

// tlsaGateJSON is the JSON form of the renewal gate (report/SCHEMA.md).
type tlsaGateJSON struct {
	Host       string `json:"host"`
	Port       int    `json:"port"`
	BaseDomain string `json:"base_domain"`
	*tlsa.GateResult
	PublishLines []string `json:"publish_lines,omitempty"`
	KeepLines    []string `json:"keep_lines,omitempty"`
	WaitSeconds  int64    `json:"wait_seconds"`
}

// runTLSAGate is "tlsa verify --from-dns HOST": the renewal gate.
func runTLSAGate(c *cli.Context) error {
	for _, f := range []string{"host", "file", "next", "name", "connect", "sni"} {
		if c.IsSet(f) {
			return usageErrorf("--from-dns takes the records from the DNS and the names from HOST: --%s does not apply", f)
		}
	}
	if c.NArg() > 0 {
		return usageErrorf("--from-dns takes the records from the DNS: unexpected arguments %q", c.Args().Slice())
	}
	host, err := names.ParseDomain(c.String("from-dns"))
	if err != nil {
		return usageErrorf("--from-dns: %v", err)
	}
	if err := checkPort(c, "port"); err != nil {
		return err
	}
	port := c.Int("port")
	cand, err := tlsaGateCandidate(c)
	if err != nil {
		return err
	}
	res, err := newResolver(c)
	if err != nil {
		return err
	}
	ck := &gather.Checker{Resolver: res, Port: port}
	found, err := ck.LookupTLSA(c.Context, host)
	if err != nil {
		if errors.Is(err, dnssec.ErrNoUpstream) {
			return &exitError{code: exitUnknown, err: &errNoResolver{tried: res.Upstreams(), err: err}}
		}
		return &exitError{code: exitUnknown, err: err}
	}
	pub, err := found.Published(port)
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("UNKNOWN: %v", err)}
	}
	base := host
	if found.Host.TLSA != nil && found.Host.TLSA.BaseDomain != "" {
		base = found.Host.TLSA.BaseDomain
	}
	// RFC 7672 §3.2.2: the names every sender accepts, whether or not its
	// MX lookup was secure: the TLSA base domain and the MX host name.
	opts := tlsa.Options{Names: delivery.ReferenceIDs("", host, base, false, false), Time: res.Now()}
	g := tlsa.Gate(pub, cand, opts)

	code := exitCritical
	if g.Safe {
		code = exitOK
	}
	out := tlsaGateJSON{Host: host, Port: port, BaseDomain: base, GateResult: &g, WaitSeconds: int64(g.Wait / time.Second)}
	for _, r := range g.Publish {
		out.PublishLines = append(out.PublishLines, r.ZoneLine(g.Owner, 0))
	}
	for _, r := range g.Keep {
		out.KeepLines = append(out.KeepLines, r.ZoneLine(g.Owner, 0))
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		return exitWith(code)
	}
	tlsaPrintGate(c.App.Writer, out, pub)
	return exitWith(code)
}

// tlsaGateCandidate reads --cert, --chain and --key.
func tlsaGateCandidate(c *cli.Context) (tlsa.Candidate, error) {
	read := func(flag string) ([]byte, error) {
		if f := c.String(flag); f != "" {
			return tlsaReadFile(f)
		}
		return nil, nil
	}
	var in [3][]byte
	for i, f := range []string{"cert", "chain", "key"} {
		b, err := read(f)
		if err != nil {
			return tlsa.Candidate{}, err
		}
		in[i] = b
	}
	if in[0] == nil && in[2] == nil {
		return tlsa.Candidate{}, usageErrorf("--from-dns needs the new certificate (--cert FILE) or the new key (--key FILE)")
	}
	cand, err := tlsa.ParseCandidate(in[0], in[1], in[2])
	switch {
	case err == nil:
		if cand.Mode() == tlsa.ModeIssuer && in[2] != nil {
			return cand, usageErrorf("--key with a CA certificate in --cert: give the new issuer's certificate alone, or the new leaf with its key")
		}
		return cand, nil
	case errors.Is(err, tlsa.ErrNoKey):
		return cand, usageErrorf("--key %s: %v", c.String("key"), err)
	case errors.Is(err, tlsa.ErrKeyMismatch) && in[2] != nil:
		return cand, usageErrorf("--key %s: %v in --cert %s", c.String("key"), err, c.String("cert"))
	case in[0] == nil:
		return cand, usageErrorf("--key %s: %v", c.String("key"), err)
	}
	what := "--cert " + c.String("cert")
	if c.String("chain") != "" {
		what += " --chain " + c.String("chain")
	}
	return cand, usageErrorf("%s: %v", what, err)
}

// tlsaPrintGate prints the gate's verdict first, then what is published,
// what to publish and keep, and how long to wait.
func tlsaPrintGate(w io.Writer, out tlsaGateJSON, pub tlsa.Published) {
	g := out.GateResult
	if g.Safe {
		fmt.Fprintf(w, "SAFE TO DEPLOY: %s\n", g.Detail)
	} else {
		fmt.Fprintf(w, "NOT SAFE TO DEPLOY: %s\n", g.Detail)
	}
	state := string(g.State)
	if g.State == tlsa.DNSSecure {
		state += fmt.Sprintf(", TTL %s", pub.TTL)
	}
	if g.State == tlsa.DNSAbsent {
		state += fmt.Sprintf(", negative TTL %s", pub.NegativeTTL)
	}
	fmt.Fprintf(w, "published at %s (%s):\n", g.Owner, state)
	if len(g.Published) == 0 {
		fmt.Fprintln(w, "  (no records)")
	}
	matched := map[int]bool{}
	for _, i := range g.Matched {
		matched[i] = true
	}
	for i, r := range g.Published {
		what := ""
		switch {
		case matched[i]:
			what = "  <- authenticates the " + map[tlsa.GateMode]string{tlsa.ModeChain: "new chain", tlsa.ModeKey: "new key", tlsa.ModeIssuer: "new issuer"}[g.Mode]
		default:
			if reason, _ := tlsa.Usability(r); reason != "" {
				what = "  (unusable: " + reason + ")"
			}
		}
		fmt.Fprintf(w, "  %d. %s%s\n", i+1, tlsaShortRecord(r), what)
	}
	if len(g.Names) > 0 && g.Mode == tlsa.ModeChain {
		fmt.Fprintf(w, "names checked for DANE-TA: %s\n", strings.Join(g.Names, ", "))
	}
	if g.Safe {
		return
	}
	fmt.Fprintln(w, "publish first:")
	for _, l := range out.PublishLines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if len(out.KeepLines) > 0 {
		fmt.Fprintln(w, "keep (until the new certificate is deployed and another TTL has passed, RFC 7671 §8.1):")
		for _, l := range out.KeepLines {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	switch g.State {
	case tlsa.DNSInsecure:
		fmt.Fprintln(w, "then: DANE applies only once the zone (and the host's address records) are DNSSEC-signed")
	case tlsa.DNSBogus:
		fmt.Fprintln(w, "then: repair the zone's DNSSEC signatures; senders defer mail to this host until then")
	default:
		why := fmt.Sprintf("the TLSA RRset's TTL, %s", pub.TTL)
		if g.State == tlsa.DNSAbsent {
			why = fmt.Sprintf("the negative-caching TTL of the absent records, %s", pub.NegativeTTL)
		}
		fmt.Fprintf(w, "then wait at least %s (%s) after every authoritative server serves the new records, run this again, and deploy (RFC 7671 §8.1)\n",
			g.Wait, why)
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/report"
)

// demoCommand is "daneprobe demo": a self-contained world to try
// daneprobe against.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "check a private, signed mail test world on loopback, or serve it to try daneprobe against",
		Description: "demo starts the test world that daneprobe's own tests use, entirely on loopback: a private\n" +
			"root zone with its own key, the TLD \"test.\" and dozens of scenario zones signed with every\n" +
			"algorithm daneprobe validates, deliberately broken ones (expired signatures, a DS matching no\n" +
			"key, a KeyTrap zone...), SMTP servers on 127.0.X.Y (and ::1) sharing one port, and an HTTPS\n" +
			"server for MTA-STS policies, with its own CA. Nothing leaves the machine.\n\n" +
			"Without --serve, demo runs \"daneprobe check\" over a curated set of mail domains, one per\n" +
			"kind of verdict (DANE-EE and DANE-TA verified, TLSA mismatch, no STARTTLS with TLSA, bogus\n" +
			"DNSSEC, a failing TLSA lookup, unusable TLSA records, MTA-STS enforce and testing, null MX,\n" +
			"implicit MX, a partial domain, a CNAME'd MX host...) and prints what check prints for real\n" +
			"domains, each preceded by what the domain shows and the status it should get.\n\n" +
			"With --serve, demo writes the world's trust anchor and CA certificate to a temporary\n" +
			"directory, prints the flags (--resolver, --trust-anchor, --ca-file, --port, --policy-port)\n" +
			"that point any daneprobe command at the world, with example command lines and their\n" +
			"expected outcome, and a ready-to-paste \"daneprobe serve\" command over the world's mail\n" +
			"domains (listed in domains.txt in the same directory), then serves until interrupted\n" +
			"(Ctrl-C).\n\n" +
			"The run ends with \"N of N domains got their expected status\": each domain is built to\n" +
			"reach one status (many are failures on purpose), so this line is a self-test of daneprobe\n" +
			"on this machine.\n\n" +
			"Exit status: 0 every domain got its expected status, or the world served and was\n" +
			"stopped; 2 some domain did not (stderr names them: this build or machine misbehaves);\n" +
			"3 on a usage error or when the world could not start.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "serve", Usage: "start the test world and serve it until interrupted"},
			&cli.DurationFlag{Name: "delay", Usage: "wait `DURATION` before every DNS response and every SMTP reply, to feel what latency does"},
			&cli.BoolFlag{Name: "all", Usage: "with --serve, list every DNS scenario of the catalogue, not only a few examples"},
			&cli.BoolFlag{Name: "json", Usage: "without --serve, print the reports as JSON"},
		},
		Action: runDemo,
	}
}

func runDemo(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usageErrorf("demo: unexpected argument %q", c.Args().First())
	}
	if c.Duration("delay") < 0 {
		return usageErrorf("demo: --delay must not be negative")
	}
	if c.Bool("all") && !c.Bool("serve") {
		return usageErrorf("demo: --all goes with --serve (it lists the DNS scenarios to try)")
	}
	if c.Bool("json") && c.Bool("serve") {
		return usageErrorf("demo: --json goes without --serve (it prints the check reports)")
	}
	world, err := testworld.StartMail(testworld.MailOptions{Delay: c.Duration("delay")})
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	defer world.Close()
	if !c.Bool("serve") {
		return demoCheck(c, world)
	}
	dir, err := os.MkdirTemp("", "daneprobe-demo-")
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	defer os.RemoveAll(dir)
	anchor, err := world.TrustAnchorFile(dir)
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	caFile, err := world.CAFile(dir)
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	flags := fmt.Sprintf("--resolver %s --trust-anchor %s", world.Resolver(), anchor)
	checkFlags := fmt.Sprintf("%s --ca-file %s --port %d --policy-port %d", flags, caFile, world.Port, world.PolicyPort)
	domains, err := writeDemoDomains(dir, world.Scenarios)
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	printDemo(c.App.Writer, world, anchor, flags, checkFlags, c.Bool("all"))
	fmt.Fprintf(c.App.Writer, "\nServe the mail domains (dashboard on http://127.0.0.1:9309/), in another terminal:\n  %s\n",
		demoServeLine(checkFlags, domains))
	fmt.Fprintln(c.App.Writer, "\nServing until interrupted (Ctrl-C).")
	<-c.Context.Done()
	fmt.Fprintln(c.App.Writer, "demo: stopped")
	return nil
}

// demoCheck runs check over the curated domains of the world, with a
// resolver, roots and ports pointing at it, and prints the reports.
func demoCheck(c *cli.Context, world *testworld.Mail) error {
	var anchors []dns.RR
	for _, ds := range world.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{world.Resolver()}, TrustAnchors: anchors})
	if err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
	}
	ck := &gather.Checker{
		Resolver:   res,
		Port:       world.Port,
		PolicyPort: world.PolicyPort,
		Roots:      world.CA.Pool(),
		EHLOName:   "demo.daneprobe.test",
		Timeout:    10 * time.Second,
	}
	w := c.App.Writer
	color := report.UseColor(w, os.Getenv)
	var reports []delivery.DomainReport
	for _, s := range world.Scenarios {
		if c.Context.Err() != nil {
			return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", c.Context.Err())}
		}
		r := ck.Check(c.Context, s.Domain)
		reports = append(reports, *r)
		if c.Bool("json") {
			continue
		}
		fmt.Fprintf(w, "# %s, expected %s (exit %d):\n", s.Domain, strings.ToUpper(s.Status), s.ExitCode)
		for _, l := range commentLines(s.Description, 80-len("#   ")) {
			fmt.Fprintf(w, "#   %s\n", l)
		}
		if err := report.WriteText(w, []delivery.DomainReport{*r}, color); err != nil {
			return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
		}
		fmt.Fprintln(w)
	}
	missed := demoMisses(world.Scenarios, reports)
	if c.Bool("json") {
		if err := report.WriteJSON(w, reports); err != nil {
			return &exitError{code: exitUnknown, err: fmt.Errorf("demo: %w", err)}
		}
	} else {
		fmt.Fprintf(w, "%d of %d domains got their expected status; worst status %s\n(\"daneprobe check\" over all of them would exit %d).\n",
			len(reports)-len(missed), len(reports), delivery.WorstOf(reports).Label(), delivery.WorstOf(reports).ExitCode())
		fmt.Fprintln(w, "Run \"daneprobe demo --serve\" to keep this world up and check its domains\nyourself.")
	}
	if len(missed) > 0 {
		// The world is built to give each domain its status: a miss means
		// this build or this machine misbehaves, not a domain.
		return &exitError{code: exitCritical, err: fmt.Errorf("demo: %d of %d domains did not get their expected status: %s",
			len(missed), len(reports), strings.Join(missed, "; "))}
	}
	return nil
}

// demoMisses lists the scenarios whose report did not reach the expected
// status, one phrase each; reports[i] is the report of scenarios[i].
func demoMisses(scenarios []testworld.MailScenario, reports []delivery.DomainReport) []string {
	var missed []string
	for i, s := range scenarios {
		if i >= len(reports) {
			missed = append(missed, s.Domain+" was not checked")
			continue
		}
		if r := reports[i]; string(r.Status) != s.Status {
			missed = append(missed, fmt.Sprintf("%s is %s, expected %s", s.Domain, r.Status.Label(), strings.ToUpper(s.Status)))
		}
	}
	return missed
}

// printDemo writes the serving banner: where the world is, the flags to
// use, and example command lines with the outcome each should have.
func printDemo(w io.Writer, world *testworld.Mail, anchor, flags, checkFlags string, all bool) {
	fmt.Fprintf(w, "Test world serving: DNS on %s (UDP and TCP), SMTP on port %d of %s, MTA-STS policies on %s;\n",
		world.Resolver(), world.Port, strings.Join(world.Addresses(), " "), world.HTTPS.Addr)
	fmt.Fprintf(w, "trust anchor in %s\n\n", anchor)
	fmt.Fprintf(w, "Point daneprobe at it with:\n  %s\n", flags)
	fmt.Fprintf(w, "and for check (and mtasts: --ca-file, --policy-port) add the CA and ports:\n  %s\n\n", checkFlags)

	fmt.Fprintln(w, "Try check (expected status after each command), in a shell:")
	fmt.Fprintf(w, "  CHECK='%s'\n", checkFlags)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range world.Scenarios {
		fmt.Fprintf(tw, "  daneprobe check $CHECK %s\t# %s: %s\n", s.Domain, s.Description, strings.ToUpper(s.Status))
	}
	tw.Flush()
	fmt.Fprintln(w)

	fmt.Fprintln(w, "Try lookup (expected outcome after each command):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	scenarios := testworld.DNSScenarios()
	// Without --all, one scenario of each kind of outcome.
	want := map[string]bool{
		"secure-alg13": true, "bench-tlsa": true, "nxdomain-nsec3": true, "wildcard-nsec": true,
		"insecure-nsec3-optout": true, "cname-unsigned": true, "expired-sigs": true, "keytrap": true,
	}
	for _, s := range scenarios {
		if !all && !want[s.Name] {
			continue
		}
		outcome := s.Security
		if s.Reason != "" {
			outcome += " (" + s.Reason + ")"
		}
		if s.Rcode != dns.RcodeSuccess {
			outcome += ", " + dns.RcodeToString[s.Rcode]
		}
		fmt.Fprintf(tw, "  daneprobe lookup %s %s %s\t# %s: %s\n",
			flags, strings.TrimSuffix(s.Qname, "."), dns.TypeToString[s.Qtype], s.Name, outcome)
	}
	tw.Flush()
	if !all {
		fmt.Fprintf(w, "\n%d DNS scenarios in all: add --all to list them.\n", len(scenarios))
	}
	printAuthDemo(w, world, flags)
	fmt.Fprintf(w, "\nAlso: daneprobe mtasts %s --ca-file <as above> --policy-port %d sts-enforce.%s\n", flags, world.PolicyPort, testworld.MailBase)
}

// writeDemoDomains writes the world's mail domains to dir/domains.txt in
// scan's list syntax, each with its expected status as a comment, and
// returns the file's name.
func writeDemoDomains(dir string, scenarios []testworld.MailScenario) (string, error) {
	var b strings.Builder
	b.WriteString("# The mail domains of daneprobe's test world, each with its expected status.\n")
	for _, s := range scenarios {
		fmt.Fprintf(&b, "%s # %s\n", s.Domain, strings.ToUpper(s.Status))
	}
	name := filepath.Join(dir, "domains.txt")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("write the domain list: %w", err)
	}
	return name, nil
}

// demoServeLine is the ready-to-paste "daneprobe serve" command for the
// world: its check flags, the domain list and a short interval.
func demoServeLine(checkFlags, domains string) string {
	return fmt.Sprintf("daneprobe serve %s --domains %s --interval 5m", checkFlags, domains)
}

// commentLines breaks text at spaces into lines of at most width runes
// (a longer word stays whole), so the demo's comments fit 80 columns.
func commentLines(text string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > width:
			lines = append(lines, cur)
			cur = w
		default:
			cur += " " + w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

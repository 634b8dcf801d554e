package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/scan"
)

// scanHelp explains the command, its output and its exit codes.
const scanHelp = "Checks many recipient domains the way \"daneprobe check\" checks one, to learn before\n" +
	"enabling DANE (smtp_tls_security_level = dane, or your MTA's equivalent) or MTA-STS\n" +
	"enforcement which domains a sending MTA would defer.\n\n" +
	"Input: FILE (or standard input when FILE is absent or \"-\") with one domain per line;\n" +
	"\"#\" starts a comment, blank lines, duplicates, upper case and trailing dots are fine,\n" +
	"international names are converted to A-labels. Bad lines are reported with their\n" +
	"number and skipped. Or --from-maillog LOG: the recipient domains of the outbound SMTP\n" +
	"deliveries in a Postfix or Exim log, ranked by message count (--top N keeps the first N);\n" +
	"each output line then has the domain's message count (\"messages\").\n\n" +
	"Output: one JSON object per line and domain, in the schema of \"check --json\"\n" +
	"(report/SCHEMA.md), to standard output or --out FILE, written as each domain finishes.\n" +
	"At the end a summary goes to standard error (or --summary FILE): counts per verdict,\n" +
	"the domains a DANE-enforcing sender would defer and why, the domains whose MTA-STS\n" +
	"enforce policy fails, the domains whose check could not complete, and the domains\n" +
	"where DANE verifies. A progress bar is shown when standard error is a terminal.\n\n" +
	"Interrupting: Ctrl-C stops taking new domains; those in flight get up to 10 seconds to\n" +
	"finish and are written whole (no cut line). \"--out FILE --resume\" continues a scan:\n" +
	"the domains already in FILE are skipped, a last line cut by a crash is dropped and\n" +
	"its domain scanned again. Without --resume an existing non-empty --out file is\n" +
	"refused rather than overwritten.\n\n" +
	"Politeness: at most --concurrency domains at a time, at most --per-ip connections to\n" +
	"any one MX address (held until the server has closed its side), optionally at most\n" +
	"--rate new connections per second overall, and --deadline per domain. One DNS\n" +
	"cache serves the whole scan, so the root and TLD keys are validated once.\n\n" +
	"Several machines: --shard I/N (0 <= I < N) scans only the domains whose FNV-1a hash of\n" +
	"the A-label name is I modulo N; N jobs over the same list produce disjoint outputs\n" +
	"(a Kubernetes Indexed Job, a Slurm array, GNU parallel). --shard-index-env VAR\n" +
	"--shard-count N takes I from the environment (JOB_COMPLETION_INDEX in an Indexed Job),\n" +
	"so every job runs the same command; \"daneprobe report part-*.jsonl\" merges the\n" +
	"outputs into one summary.\n\n" +
	"Exit status:\n" +
	"  0  OK: the scan finished; a DANE-enforcing sender would defer none of the domains\n" +
	"  1  WARNING: the scan finished, none deferred, but some checks could not complete\n" +
	"     (lookup errors or timeouts: see the summary)\n" +
	"  2  CRITICAL: the scan finished and a DANE-enforcing sender would defer some domains\n" +
	"  3  UNKNOWN: usage error, unreadable input, an input without a single domain name (a\n" +
	"     mail log given as a list gets a hint to use --from-maillog), an --out that is the\n" +
	"     input or (with --resume) not scan output, output write error, no usable resolver,\n" +
	"     or the scan was interrupted (run again with --resume)"

// maxBadLinesShown bounds the bad input lines reported one by one.
const maxBadLinesShown = 20

// scanCommand is "daneprobe scan": many domains, fast and polite.
func scanCommand() *cli.Command {
	flags := append(checkFlags(),
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the JSON lines to `FILE` instead of standard output"},
		&cli.BoolFlag{Name: "resume", Usage: "continue the scan whose output is in --out: skip the domains already there"},
		&cli.StringFlag{Name: "summary", Usage: "write the summary to `FILE` instead of standard error"},
		&cli.StringFlag{Name: "from-maillog", Usage: "scan the recipient domains of the Postfix or Exim log `LOG`, most messages first"},
		&cli.IntFlag{Name: "top", Usage: "with --from-maillog, scan only the `N` domains with the most messages (0: all)"},
		&cli.StringFlag{Name: "shard", Usage: "scan only shard `I/N` of the domains (0 <= I < N), for spreading a list over N jobs"},
		&cli.StringFlag{Name: "shard-index-env", Usage: "with --shard-count N: take the shard index I from the environment variable `VAR`, such as JOB_COMPLETION_INDEX of a Kubernetes Indexed Job"},
		&cli.IntFlag{Name: "shard-count", Usage: "with --shard-index-env: the number `N` of shards"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: scan.DefaultConcurrency, Usage: "`N` domains checked at the same time", EnvVars: []string{"DANEPROBE_CONCURRENCY"}},
		&cli.IntFlag{Name: "per-ip", Value: 2, Usage: "at most `N` concurrent connections to any one destination address", EnvVars: []string{"DANEPROBE_PER_IP"}},
		&cli.Float64Flag{Name: "rate", Usage: "at most `N` new connections per second over the whole scan (0: no limit)", EnvVars: []string{"DANEPROBE_RATE"}},
		stateFlag(),
	)
	return &cli.Command{
		Name:        "scan",
		Usage:       "check many recipient domains (a list or a maillog) before enforcing DANE or MTA-STS",
		ArgsUsage:   "[FILE]",
		Description: scanHelp,
		Flags:       flags,
		Action:      runScan,
	}
}

// scanSetup is everything runScan needs, built from the flags.
type scanSetup struct {
	checker *gather.Checker
	limiter *scan.IPLimiter
	prober  *scan.SharedProber
	shard   scan.Shard
	queries func() int64
}

// scanConfig checks the flags and builds the checker; bad values are usage
// errors (exit status 3).
func scanConfig(c *cli.Context) (*scanSetup, error) {
	if n := c.Int("concurrency"); n < 1 || n > 100000 {
		return nil, usageErrorf("--concurrency must be between 1 and 100000, not %d", n)
	}
	if n := c.Int("per-ip"); n < 1 {
		return nil, usageErrorf("--per-ip must be at least 1, not %d", n)
	}
	if r := c.Float64("rate"); r < 0 {
		return nil, usageErrorf("--rate must not be negative, not %g", r)
	}
	if c.Int("top") < 0 {
		return nil, usageErrorf("--top must not be negative")
	}
	if c.Int("top") > 0 && c.String("from-maillog") == "" {
		return nil, usageErrorf("--top goes with --from-maillog")
	}
	if c.Bool("resume") && c.String("out") == "" {
		return nil, usageErrorf("--resume needs --out FILE: the output of the scan to continue")
	}
	if c.String("from-maillog") != "" && c.NArg() > 0 {
		return nil, usageErrorf("give either a domain list FILE or --from-maillog, not both")
	}
	if c.NArg() > 1 {
		return nil, usageErrorf("scan: one input FILE at most (see daneprobe scan --help)")
	}
	shard, err := scanShard(c)
	if err != nil {
		return nil, err
	}
	ck, err := newChecker(c)
	if err != nil {
		return nil, err
	}
	lim := scan.NewIPLimiter(c.Int("per-ip"))
	// Every SMTP and HTTPS connection of the scan waits for a slot of its
	// destination address and for the global rate.
	ck.Dial = scan.LimitDial(nil, lim, scan.NewRateLimiter(c.Float64("rate")))
	// One SMTP session per MX address, port and SNI for the whole scan:
	// thousands of domains share a handful of provider MX hosts.
	prober := scan.ProberFor(ck)
	ck.Prober = prober
	res := ck.Resolver.(*dnssec.Resolver) // newChecker builds one
	return &scanSetup{checker: ck, limiter: lim, prober: prober, shard: shard, queries: res.Queries}, nil
}

// scanShard reads --shard, or --shard-index-env with --shard-count.
func scanShard(c *cli.Context) (scan.Shard, error) {
	env, count := c.String("shard-index-env"), c.Int("shard-count")
	switch {
	case env != "" && c.String("shard") != "":
		return scan.Shard{}, usageErrorf("give either --shard I/N or --shard-index-env VAR with --shard-count N, not both")
	case env != "" && count < 1:
		return scan.Shard{}, usageErrorf("--shard-index-env needs --shard-count N (N >= 1)")
	case env == "" && c.IsSet("shard-count"):
		return scan.Shard{}, usageErrorf("--shard-count goes with --shard-index-env")
	case env != "":
		sh, err := scan.ShardFromEnv(os.LookupEnv, env, count)
		if err != nil {
			return scan.Shard{}, usageErrorf("--shard-index-env: %v", err)
		}
		return sh, nil
	case c.String("shard") != "":
		sh, err := scan.ParseShard(c.String("shard"))
		if err != nil {
			return scan.Shard{}, usageErrorf("--shard: %v", err)
		}
		return sh, nil
	}
	return scan.Shard{}, nil
}

func runScan(c *cli.Context) error {
	setup, err := scanConfig(c)
	if err != nil {
		return err
	}
	// Check the input before the output is created, so that a mistyped
	// list name leaves no empty --out file behind.
	if err := checkScanInput(c); err != nil {
		return err
	}
	store, err := openState(c)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	// A dead resolver would make every domain UNKNOWN: say so once, and
	// write no output.
	if err := checkUpstream(c.Context, setup.checker.Resolver, upstreamsOf(setup.checker.Resolver), setup.checker.Deadline); err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	if err := checkLocalFault(c.Context, setup.checker.Resolver, setup.checker.Deadline); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("scan: %w", err)}
	}
	stderr := c.App.ErrWriter
	var summary scan.Summary

	// Output, and on --resume what is already done.
	out := c.App.Writer
	var done *scan.DomainSet
	resumed := 0
	created := "" // the --out file this run created, if any
	if path := c.String("out"); path != "" {
		var f *os.File
		if c.Bool("resume") {
			done = scan.NewDomainSet()
			var info scan.ResumeInfo
			f, info, err = scan.OpenResume(path, func(r *delivery.DomainReport) {
				done.Add(r.Domain)
				summary.Add(r)
			})
			if ne := (*scan.NotScanOutputError)(nil); errors.As(err, &ne) {
				return usageErrorf("--out %s is not the output of daneprobe scan (%s): --resume appends only to a scan's own output; give another --out", path, ne.Why)
			}
			if err != nil {
				return usageErrorf("%v", err)
			}
			resumed = info.Reports
			fmt.Fprintf(stderr, "daneprobe: resuming %s: %d domains already scanned", path, info.Reports)
			if info.Dropped > 0 {
				fmt.Fprintf(stderr, "; dropped a cut last line (%d bytes)", info.Dropped)
			}
			if len(info.BadLines) > 0 {
				fmt.Fprintf(stderr, "; %d lines are not scan results (first: line %d)", len(info.BadLines), info.BadLines[0])
			}
			fmt.Fprintln(stderr)
		} else {
			if st, err := os.Stat(path); err == nil && st.Size() > 0 {
				return usageErrorf("--out %s exists: add --resume to continue that scan, or remove the file", path)
			}
			if f, err = os.Create(path); err != nil {
				return usageErrorf("--out: %v", err)
			}
			created = path
		}
		defer f.Close()
		out = f
	}

	// Input.
	next, total, messages, closeInput, err := scanInput(c, setup.shard, done)
	if err != nil {
		return err
	}
	defer closeInput()
	// Bad lines are reported from the engine's reader goroutine, which a
	// Ctrl-C may leave blocked on standard input: once the run is over it
	// must not write any more.
	var badMu sync.Mutex
	bad, runOver, maillogSeen := 0, false, false
	src := &scan.Source{Next: next, Shard: setup.shard, Done: done, OnBad: func(le *scan.LineError) {
		badMu.Lock()
		defer badMu.Unlock()
		bad++
		if !maillogSeen && scan.LooksLikeMaillog(le.Text) {
			maillogSeen = true
		}
		switch {
		case runOver:
		case bad <= maxBadLinesShown:
			fmt.Fprintf(stderr, "daneprobe: input %v: skipped\n", terminalSafe(le.Error()))
		case bad == maxBadLinesShown+1:
			fmt.Fprintln(stderr, "daneprobe: more bad input lines; counted in the summary")
		}
	}}

	check := setup.checker.Check
	if messages != nil {
		// Each JSON line says how much mail the log sent the domain, so
		// that the output alone ranks what to fix first.
		check = func(ctx context.Context, domain string) *delivery.DomainReport {
			r := setup.checker.Check(ctx, domain)
			r.Messages = messages[domain]
			return r
		}
	}
	var recorder *scanRecorder
	if store != nil {
		recorder = &scanRecorder{store: store, stderr: stderr}
		check = recorder.wrap(check)
	}
	engine := &scan.Engine{
		Check:       check,
		Concurrency: c.Int("concurrency"),
		// The checker's own deadline ends a slow domain with a report
		// that says so; the engine's is the backstop.
		DomainTimeout: setup.checker.Deadline + 5*time.Second,
		Summary:       &summary,
	}
	var bar *progressbar.ProgressBar
	if isTerminal(stderr) {
		bar = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("scan"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("domains"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		engine.OnResult = func(*delivery.DomainReport) { bar.Add(1) }
	}
	st, runErr := engine.Run(c.Context, src, out)
	badMu.Lock()
	runOver = true
	badMu.Unlock()
	if bar != nil {
		if st.Canceled || runErr != nil {
			bar.Exit() // keep where it stopped
			fmt.Fprintln(stderr)
		} else {
			bar.Finish() // and clear it
		}
	}

	in := st.Input
	if in.Read == 0 && resumed == 0 && runErr == nil && !st.Canceled {
		// Nothing to check is a mistake, not a clean scan: an empty
		// list, or a file of something else.
		if created != "" {
			os.Remove(created) // empty: the run wrote nothing
		}
		badMu.Lock()
		hint := maillogSeen
		badMu.Unlock()
		msg := "scan: the input holds no domain names: nothing was checked"
		if in.Bad > 0 {
			msg = fmt.Sprintf("scan: none of the %d input lines is a domain name: nothing was checked", in.Bad)
		}
		if hint {
			msg += "; the lines look like a mail log: scan its recipient domains with --from-maillog FILE"
		}
		return usageErrorf("%s", msg)
	}
	info := scan.ScanInfo{Read: in.Read, Bad: in.Bad, Duplicates: in.Duplicates, OtherShard: in.OtherShard,
		Resumed: resumed, Shard: setup.shard, Run: st, DNSQueries: setup.queries(),
		Connections: setup.limiter.Connections(), Probes: setup.prober.Stats()}
	if err := writeScanSummary(c, &summary, info); err != nil {
		return err
	}
	if err := recorder.failure(); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return &exitError{code: exitUnknown, err: fmt.Errorf("scan: %w", runErr)}
	case st.Canceled:
		return &exitError{code: exitUnknown, err: errors.New("scan interrupted; run again with --out FILE --resume to finish")}
	case summary.DANEDefer.Total > 0:
		return exitWith(exitCritical)
	case summary.LookupErrors.Total > 0:
		return exitWith(exitWarning)
	}
	return exitWith(exitOK)
}

// checkScanInput refuses, as a usage error, a domain list or maillog that
// does not exist or is a directory, and an --out file in a directory that
// does not exist.
func checkScanInput(c *cli.Context) error {
	flag, path := "scan", c.Args().First()
	if log := c.String("from-maillog"); log != "" {
		flag, path = "--from-maillog", log
	}
	if path != "" && path != "-" { // else standard input
		st, err := os.Stat(path)
		switch {
		case err != nil:
			return usageErrorf("%s: %v", flag, err)
		case st.IsDir():
			return usageErrorf("%s: %s is a directory: want a file", flag, path)
		}
	}
	if out := c.String("out"); out != "" {
		if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
			return usageErrorf("--out %s: the directory %s does not exist", out, filepath.Dir(out))
		}
		if path != "" && path != "-" && sameFile(path, out) {
			return usageErrorf("--out %s is the scan's input: give another file for the results", out)
		}
	}
	return nil
}

// sameFile reports whether the paths a and b name one existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// scanInput opens the domain source: a list file, standard input or a
// maillog ranking. total is the number of domains to scan when it can be
// known in advance (for the progress bar), else -1.
func scanInput(c *cli.Context, shard scan.Shard, done *scan.DomainSet) (next func() (string, error), total int, messages map[string]int, closeFn func(), err error) {
	noop := func() {}
	if log := c.String("from-maillog"); log != "" {
		f, err := os.Open(log)
		if err != nil {
			return nil, 0, nil, noop, usageErrorf("--from-maillog: %v", err)
		}
		ranked, st, err := scan.ParseMaillog(f)
		f.Close()
		if err != nil {
			return nil, 0, nil, noop, usageErrorf("--from-maillog %s: %v", log, err)
		}
		if top := c.Int("top"); top > 0 && top < len(ranked) {
			ranked = ranked[:top]
		}
		names := make([]string, len(ranked))
		messages := make(map[string]int, len(ranked))
		for i, dc := range ranked {
			names[i] = dc.Domain
			messages[dc.Domain] = dc.Messages
		}
		fmt.Fprintf(c.App.ErrWriter, "daneprobe: %s: %d lines, %d Postfix and %d Exim delivery lines; scanning %d recipient domains\n",
			log, st.Lines, st.Postfix, st.Exim, len(names))
		total = countDomains(scan.SliceNext(names), shard, done)
		return scan.SliceNext(names), total, messages, noop, nil
	}
	path := c.Args().First()
	if path == "" || path == "-" {
		return scan.NewListReader(c.App.Reader).Next, -1, nil, noop, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, noop, usageErrorf("scan: %v", err)
	}
	// A first pass counts the domains for the progress bar; only when
	// someone is watching.
	total = -1
	if isTerminal(c.App.ErrWriter) {
		total = countDomains(scan.NewListReader(f).Next, shard, done)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, 0, nil, noop, usageErrorf("scan: %v", err)
		}
	}
	return scan.NewListReader(f).Next, total, nil, func() { f.Close() }, nil
}

// countDomains counts what a Source over next would yield.
func countDomains(next func() (string, error), shard scan.Shard, done *scan.DomainSet) int {
	src := &scan.Source{Next: next, Shard: shard, Done: done}
	n := 0
	for {
		if _, err := src.Domain(); err != nil {
			return n
		}
		n++
	}
}

// writeScanSummary writes the summary to --summary or standard error.
func writeScanSummary(c *cli.Context, s *scan.Summary, info scan.ScanInfo) error {
	var w io.Writer = c.App.ErrWriter
	if path := c.String("summary"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return usageErrorf("--summary: %v", err)
		}
		defer f.Close()
		w = f
	}
	if err := s.WriteText(w, info); err != nil {
		return &exitError{code: exitUnknown, err: fmt.Errorf("write the summary: %w", err)}
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/daneprobe/daneprobe/metrics"
	"github.com/daneprobe/daneprobe/monitor"
	"github.com/daneprobe/daneprobe/scan"
)

// serveHelp explains the service.
const serveHelp = "Runs daneprobe as a monitoring service: it checks the domains of --domains FILE on a\n" +
	"schedule and serves the results to Prometheus and to people over HTTP (read-only: GET\n" +
	"and HEAD only).\n\n" +
	"Schedule: every domain is checked once per --interval, the checks spread over the\n" +
	"interval with jitter, at most --concurrency at a time, each within --deadline. The\n" +
	"checks of one interval share one DNS cache and one SMTP prober (as scan does); at most\n" +
	"--per-ip connections go to any one MX address. A check that cannot complete (UNKNOWN)\n" +
	"is retried with backoff, never more often than the interval: interval, 2x, 4x, up\n" +
	"to 8x. FILE has scan's list syntax (one domain per line, \"#\" comments) and is read\n" +
	"again on SIGHUP. With --state FILE every result and what changed is recorded in that\n" +
	"SQLite history (shared with check and scan --state); without it the service keeps\n" +
	"in memory the status and changes of the last 100 results per domain and the full\n" +
	"reports of the newest two.\n\n" +
	"Endpoints:\n" +
	"  /probe?target=DOMAIN  a fresh check, in blackbox_exporter's convention: the domain's\n" +
	"                        metrics plus probe_success and probe_duration_seconds, within\n" +
	"                        the timeout parameter or Prometheus's scrape timeout less 0.5s\n" +
	"                        (at most --deadline); only listed domains unless --allow-any-target\n" +
	"  /metrics              the latest result of every domain and the service's own metrics\n" +
	"  /healthz              \"ok\"\n" +
	"  /                     dashboard: a table of every domain, sortable by its headings\n" +
	"  /domain/DOMAIN        the domain's report, history and chain picture\n" +
	"  /api/v1/domains[/DOMAIN[/history]]  JSON in check's schema (report/SCHEMA.md)\n\n" +
	"Logs go to standard error (--log-format text or json). SIGTERM or Ctrl-C stops the\n" +
	"service: no new checks start, those in flight get --grace to finish, then are\n" +
	"cancelled; a check cut short is not recorded.\n\n" +
	"Exit status: 0 after a clean stop; 3 for a usage error, an unreadable FILE or an\n" +
	"address that cannot be listened on."

// serveCommand is "daneprobe serve".
func serveCommand() *cli.Command {
	flags := append(checkFlags(),
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9309", Usage: "listen on `ADDR` (host:port) for HTTP", EnvVars: []string{"DANEPROBE_LISTEN"}},
		&cli.StringFlag{Name: "domains", Usage: "check the domains listed in `FILE` on the schedule (scan's list syntax; read again on SIGHUP)", EnvVars: []string{"DANEPROBE_DOMAINS"}},
		stateFlag(),
		&cli.DurationFlag{Name: "interval", Value: monitor.DefaultInterval, Usage: "check each domain every `DURATION`", EnvVars: []string{"DANEPROBE_INTERVAL"}},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: monitor.DefaultConcurrency, Usage: "at most `N` scheduled checks at the same time", EnvVars: []string{"DANEPROBE_CONCURRENCY"}},
		&cli.IntFlag{Name: "per-ip", Value: 2, Usage: "at most `N` concurrent connections to any one destination address", EnvVars: []string{"DANEPROBE_PER_IP"}},
		&cli.BoolFlag{Name: "allow-any-target", Usage: "let /probe check any domain, not only those of --domains (an open /probe is an SMTP-scanning proxy for whoever reaches the port)", EnvVars: []string{"DANEPROBE_ALLOW_ANY_TARGET"}},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log lines as `FORMAT` text or json", EnvVars: []string{"DANEPROBE_LOG_FORMAT"}},
		&cli.DurationFlag{Name: "grace", Value: monitor.DefaultGrace, Usage: "on SIGTERM, let checks in flight finish for up to `DURATION` before cancelling them", EnvVars: []string{"DANEPROBE_GRACE"}},
	)
	return &cli.Command{
		Name:        "serve",
		Usage:       "monitor domains on a schedule: Prometheus /probe and /metrics, a web dashboard, a JSON API",
		Description: serveHelp,
		Flags:       flags,
		Action:      runServe,
	}
}

// newLogger builds the service's logger from --log-format.
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usageErrorf("--log-format must be text or json, not %q", format)
}

func runServe(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("serve takes no arguments; list the domains in --domains FILE")
	}
	log, err := newLogger(c.String("log-format"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	if d := c.Duration("interval"); d < time.Second {
		return usageErrorf("--interval must be at least 1s, not %s", d)
	}
	if n := c.Int("concurrency"); n < 1 || n > 10000 {
		return usageErrorf("--concurrency must be between 1 and 10000, not %d", n)
	}
	if n := c.Int("per-ip"); n < 1 {
		return usageErrorf("--per-ip must be at least 1, not %d", n)
	}
	if g := c.Duration("grace"); g <= 0 {
		return usageErrorf("--grace must be positive, not %s", g)
	}
	base, err := newChecker(c)
	if err != nil {
		return err
	}
	var domains []string
	listPath := c.String("domains")
	if listPath != "" {
		if domains, err = readDomainList(listPath, log); err != nil {
			return usageErrorf("--domains: %v", err)
		}
	}
	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return usageErrorf("--listen: %v", err)
	}
	if err := checkUpstream(c.Context, base.Resolver, upstreamsOf(base.Resolver), base.Deadline); err != nil {
		log.Warn("every check will be UNKNOWN until the resolver answers", "err", err)
	}

	// One limiter of connections per address for the whole service; a
	// fresh resolver cache and SMTP prober per round and per /probe.
	lim := scan.NewIPLimiter(c.Int("per-ip"))
	newRound := func() monitor.CheckFunc {
		ck := *base
		if res, err := newResolver(c); err == nil {
			ck.Resolver = res
		} else {
			log.Error("cannot build a fresh resolver; the round shares the old cache", "err", err)
		}
		ck.Dial = scan.LimitDial(nil, lim, nil)
		ck.Prober = scan.ProberFor(&ck)
		return (&ck).Check
	}
	var store monitor.Store // nil: in memory
	hs, err := openState(c)
	if err != nil {
		ln.Close()
		return err
	}
	if hs != nil {
		defer hs.Close()
		store = hs
	}
	svc := metrics.NewService()
	mon := monitor.New(monitor.Config{
		Store:       store,
		NewRound:    newRound,
		Interval:    c.Duration("interval"),
		Concurrency: c.Int("concurrency"),
		Deadline:    base.Deadline + 5*time.Second, // the checker's own deadline, with room to write its report
		Grace:       c.Duration("grace"),
		Metrics:     svc,
		Log:         log,
		CheckAtOnce: true, // fill the dashboard at start; the spread applies from the second check
	})
	mon.SetDomains(domains)
	if err := mon.Restore(c.Context); err != nil {
		log.Error("history: starting without the stored results", "err", err)
	}
	maxProbe := base.Deadline
	h := mon.Handler(monitor.HTTPConfig{AllowAnyTarget: c.Bool("allow-any-target"), MaxProbeTimeout: maxProbe, Log: log})
	srv := monitor.NewServer(ln.Addr().String(), h, maxProbe, log)

	ctx, stop := context.WithCancel(c.Context)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if listPath == "" {
					log.Info("SIGHUP: no --domains file to read")
					continue
				}
				d, err := readDomainList(listPath, log)
				if err != nil {
					log.Error("SIGHUP: keeping the old domain list", "err", err)
					continue
				}
				mon.SetDomains(d)
				log.Info("SIGHUP: domain list read again", "domains", len(d))
			}
		}
	}()

	monDone := make(chan struct{})
	go func() { mon.Run(ctx); close(monDone) }()
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "domains", len(domains),
		"interval", c.Duration("interval").String(), "allow_any_target", c.Bool("allow-any-target"))

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-srvErr:
	}
	log.Info("stopping", "grace", c.Duration("grace").String())
	stop()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context), c.Duration("grace"))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // /probe requests past the grace are cut
	}
	<-monDone
	log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return &exitError{code: exitUnknown, err: fmt.Errorf("serve: %w", serveErr)}
	}
	return nil
}

// readDomainList reads the --domains file, logging its bad lines.
func readDomainList(path string, log *slog.Logger) ([]string, error) {
	d, bad, err := monitor.ReadListFile(path)
	if err != nil {
		return nil, err
	}
	if len(d) == 0 && len(bad) > 0 {
		return nil, fmt.Errorf("%s: no domain name in it (%s)", path, strings.TrimSpace(bad[0].Error()))
	}
	for i, e := range bad {
		if i == maxBadLinesShown {
			log.Warn("more bad lines in the domain list", "file", path, "count", len(bad)-i)
			break
		}
		log.Warn("skipping a bad line of the domain list", "file", path, "err", e.Error())
	}
	return d, nil
}

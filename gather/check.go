package gather

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mailauth"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/smtpprobe"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// Defaults of a Checker whose fields are zero.
const (
	DefaultPort     = 25
	DefaultTimeout  = 30 * time.Second
	DefaultDeadline = 2 * time.Minute
	DefaultParallel = 8
)

// Checker gathers the facts about recipient domains and decides them: it is
// the orchestration behind "daneprobe check". Configure it once and call
// Check for each domain; a Checker is safe for concurrent use, and checks
// running at the same time share the resolver's cache.
//
// The zero value is not usable: Resolver is required. Every other field has
// a default.
type Checker struct {
	// Resolver answers every DNS question with its DNSSEC status. Pass
	// one *dnssec.Resolver to all checks so they share its cache; if it
	// has a Queries() int64 method, Timings.Queries counts the upstream
	// queries sent during the check (with concurrent checks on the same
	// resolver the counts overlap).
	Resolver dnssec.Lookuper
	// Port is the SMTP port probed and the port of the TLSA owner name
	// (_PORT._tcp.HOST); 0 means 25. Other ports are for test setups.
	Port int
	// EHLOName is the name to greet the servers with; empty lets
	// smtpprobe choose (the machine's FQDN or an address literal).
	EHLOName string
	// Timeout bounds each SMTP step and the MTA-STS policy fetch
	// (DefaultTimeout when zero). DNS query timeouts belong to the
	// resolver.
	Timeout time.Duration
	// Deadline bounds the whole check of one domain (DefaultDeadline when
	// zero). A check cut short reports Error and status unknown.
	Deadline time.Duration
	// IPv4Only and IPv6Only restrict the address families looked up and
	// probed (the -4 and -6 flags). Setting both is an error reported in
	// the DomainReport.
	IPv4Only, IPv6Only bool
	// Roots are the WebPKI roots for MTA-STS: the policy host's
	// certificate and the MX certificates must chain to one of them
	// (RFC 8461 §3.3, §4.2). nil means the system roots. Ignored when
	// RootSource is set.
	Roots *x509.CertPool
	// RootSource, if set, gives the WebPKI roots per presented chain
	// (internal/roots parses the system roots only as chains need them).
	RootSource mtasts.RootSource
	// PolicyPort is the HTTPS port of the MTA-STS policy host; 0 means
	// 443. Other ports are for test setups: senders always use 443.
	PolicyPort int
	// Now is the clock: the time the check is dated, certificates are
	// validated and DANE-TA chains are checked. nil means time.Now.
	Now func() time.Time
	// Parallel bounds the MX hosts gathered at the same time, and
	// separately the SMTP sessions open at the same time, during one
	// check (DefaultParallel when zero).
	Parallel int
	// Dial opens the SMTP and HTTPS connections; nil uses a net.Dialer.
	// Tests and "demo" use it to stay on loopback.
	Dial smtpprobe.DialFunc
	// Prober runs the SMTP sessions; nil uses an smtpprobe.Prober built
	// from Dial, EHLOName and Timeout. "scan" passes one that shares each
	// (address, port, SNI) session among all the domains pointing at it.
	Prober Prober
	// MailAuth, when set, adds the DKIM selectors and the Microsoft 365
	// readiness to the SPF and DMARC posture every check gathers
	// (package mailauth).
	MailAuth *mailauth.Options
	// Horizons are the thresholds of the expiry warnings (signatures,
	// certificates); zero fields take delivery's defaults.
	Horizons delivery.HorizonPolicy
}

// Prober runs one SMTP STARTTLS session to one address. *smtpprobe.Prober
// implements it; like it, Probe returns a non-nil Result that holds the
// facts gathered even when the error is set.
//
// A Prober that hands the same Result to many checks (scan's shared
// prober) may also implement Certificate(*x509.Certificate)
// delivery.Certificate, returning delivery.CertificateOf of each
// certificate from a memo, so that a certificate presented to thousands
// of domains is summarised once, and VerifyMXTLS with the signature and
// answers of mtasts.VerifyMXTLS, likewise.
type Prober interface {
	Probe(ctx context.Context, t smtpprobe.Target) (*smtpprobe.Result, error)
}

// certSummarizer is the optional memo of a Prober (see Prober).
type certSummarizer interface {
	Certificate(c *x509.Certificate) delivery.Certificate
}

// webPKIMemo is the other optional memo of a Prober that shares results:
// mtasts.VerifyMXTLS of a shared chain, computed once per host name and
// chain rather than once per domain (see scan.SharedProber).
type webPKIMemo interface {
	VerifyMXTLS(host string, tlsVersion uint16, chain []*x509.Certificate, opts mtasts.VerifyOptions) (tlsrpt.ResultType, string)
}

// Check gathers the facts about domain, as a sending MTA that enforces
// DANE (RFC 7672) and MTA-STS (RFC 8461) would, and returns the decided
// report (see Decide). It never returns nil and never fails: a name that
// is not a domain, a resolver that does not answer or a deadline that
// passes are recorded in the report's Error and lookups, with the status
// those facts call for.
//
// The flow keeps sequential round trips to a minimum: the MX lookup runs
// together with the MTA-STS, TLS-RPT, SPF and DMARC lookups; the A, AAAA
// and TLSA lookups of the MX hosts start as soon as the MX answer arrives,
// while its chain of trust is fetched, and are used only once the MX RRset
// is validated (at most MaxSpeculativeHosts hosts; the rest start then);
// every MX host is gathered in parallel, then the SMTP probes of every
// address.
func (c *Checker) Check(ctx context.Context, domain string) *delivery.DomainReport {
	now := c.now()
	start := time.Now()
	r := &delivery.DomainReport{Domain: displayName(domain), CheckedAt: now.UTC(), HorizonPolicy: c.Horizons}
	name, err := names.ParseDomain(domain)
	if err != nil {
		return notChecked(r, err.Error())
	}
	r.Domain = name
	if c.Resolver == nil {
		return notChecked(r, "no resolver configured")
	}
	if c.IPv4Only && c.IPv6Only {
		return notChecked(r, "IPv4-only and IPv6-only exclude each other")
	}
	if c.IPv4Only {
		r.Family = "ipv4"
	} else if c.IPv6Only {
		r.Family = "ipv6"
	}
	deadline := c.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline
	}
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	q0 := c.queries()

	g := &gathering{c: c, r: r, now: now, start: start, sem: make(chan struct{}, c.parallel())}
	g.prober = c.Prober
	if g.prober == nil {
		g.prober = &smtpprobe.Prober{Dial: c.Dial, EHLOName: c.EHLOName, Timeouts: stepTimeouts(c.timeout())}
	}

	// Phase 1: the MX lookup together with every lookup that does not
	// depend on it.
	var side sync.WaitGroup
	side.Add(2)
	var sts *stsFacts
	go func() {
		defer side.Done()
		t0 := time.Now()
		sts = g.mtasts(ctx, name)
		r.Timings.MTASTS = delivery.Seconds(time.Since(t0))
	}()
	// The SPF walk starts once the MX answer is in (its mx mechanism reads
	// it from the cache) and the domain's own TXT records are: they are
	// asked for now, with the MX, so that the walk does not begin with a
	// round trip of its own (RFC 7208 §4.4: the SPF record is the first
	// thing the walk needs).
	mxDone, txtDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(txtDone)
		c.Resolver.Lookup(ctx, dns.Fqdn(name), dns.TypeTXT) // for the cache
	}()
	go func() {
		defer side.Done()
		g.posture(ctx, name, mxDone)
	}()

	// The MX hosts' lookups start as soon as the MX answer arrives, while
	// it is validated; they are used only for the hosts of the validated
	// MX RRset (speculate.go).
	g.spec = g.speculate(ctx, name)
	err = g.mxSet(ctx, name)
	g.dnsAnswered() // a domain without MX hosts to probe has DNS time too
	go func() { <-txtDone; close(mxDone) }()
	g.spec.close()
	if err != nil {
		// No upstream answered: a problem on the checking side, not a
		// finding about the domain.
		side.Wait()
		r.Timings.Speculative, r.Timings.Discarded = g.spec.finish()
		notChecked(r, "the MX lookup failed: "+err.Error())
		r.Timings.DNS = delivery.Seconds(g.dnsDone())
		r.Timings.Total = delivery.Seconds(time.Since(start))
		r.Timings.Queries = int(c.queries() - q0)
		return r
	}

	// Phase 2: every MX host in parallel.
	hosts := make([]*hostFacts, len(r.MX))
	hostSem := make(chan struct{}, c.parallel())
	var wg sync.WaitGroup
	for i := range r.MX {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			hostSem <- struct{}{}
			defer func() { <-hostSem }()
			hosts[i] = g.host(ctx, &r.MX[i])
		}(i)
	}
	wg.Wait()
	side.Wait()

	// Phase 3: MTA-STS needs both the policy and the probes.
	g.applyMTASTS(sts, hosts)
	g.rolloverAdvice(hosts)
	g.adviseRemarks()

	r.Timings.Speculative, r.Timings.Discarded = g.spec.finish()
	r.Timings.Speculative += g.specMade
	r.Timings.Discarded += g.specWasted
	r.Timings.DNS = delivery.Seconds(g.dnsDone())
	r.Timings.SMTP = delivery.Seconds(g.smtpWall())
	r.Timings.Total = delivery.Seconds(time.Since(start))
	r.Timings.Queries = int(c.queries() - q0)
	if cut := ctx.Err(); cut != nil {
		r.Stopped = delivery.CutShort
		if errors.Is(cut, context.DeadlineExceeded) {
			r.Error = fmt.Sprintf("the check did not finish within its deadline of %s", deadline)
		} else {
			r.Error = "the check was cancelled"
		}
	}
	delivery.Decide(r)
	return r
}

// countSpeculation adds to the speculative lookups made and wasted
// outside the MX speculation.
func (g *gathering) countSpeculation(made, wasted int) {
	g.mu.Lock()
	g.specMade += made
	g.specWasted += wasted
	g.mu.Unlock()
}

// notChecked ends a check that could not start: nothing was looked up,
// and Decide gives the verdict that calls for.
func notChecked(r *delivery.DomainReport, why string) *delivery.DomainReport {
	r.Error = why
	r.Stopped = delivery.NotStarted
	r.MX = []delivery.MXReport{}
	delivery.Decide(r)
	return r
}

// gathering is the state of one Check.
type gathering struct {
	c   *Checker
	r   *delivery.DomainReport
	now time.Time
	sem chan struct{} // bounds concurrent SMTP sessions

	start    time.Time
	prober   Prober
	mxSecure bool         // set before the hosts are gathered
	spec     *speculation // the MX hosts' lookups started early; nil without

	mu         sync.Mutex
	specMade   int // speculative lookups outside g.spec (the policy host's)
	specWasted int // and how many of them were not used
	lastDNS    time.Time
	firstProbe time.Time
	lastProbe  time.Time
	remarks    []dnssec.Remark // DNSSEC hygiene, for adviseRemarks (horizon.go)
}

// stepTimeouts gives every SMTP step the per-step timeout; QUIT gets at
// most five seconds, as nothing depends on its answer.
func stepTimeouts(d time.Duration) smtpprobe.Timeouts {
	quit := min(d, 5*time.Second)
	return smtpprobe.Timeouts{Connect: d, Banner: d, EHLO: d, STARTTLS: d, Handshake: d, Quit: quit}
}

// dnsDone is how long the DNS lookups of the MX hosts took, from the start
// of the check to the last host's TLSA answer.
func (g *gathering) dnsDone() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lastDNS.IsZero() {
		return 0
	}
	return g.lastDNS.Sub(g.start)
}

// smtpWall is the wall time from the first SMTP session's start to the
// last one's end.
func (g *gathering) smtpWall() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.firstProbe.IsZero() {
		return 0
	}
	return g.lastProbe.Sub(g.firstProbe)
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) port() int {
	if c.Port > 0 {
		return c.Port
	}
	return DefaultPort
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Checker) parallel() int {
	if c.Parallel > 0 {
		return c.Parallel
	}
	return DefaultParallel
}

// queries reads the resolver's upstream query counter, if it has one.
func (c *Checker) queries() int64 {
	if q, ok := c.Resolver.(interface{ Queries() int64 }); ok {
		return q.Queries()
	}
	return 0
}

// displayName is the domain as given, for reports about names that could
// not be normalised.
func displayName(domain string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
}

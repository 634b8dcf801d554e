package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/history"
	"github.com/daneprobe/daneprobe/metrics"
)

// CheckFunc checks one domain; it never returns nil (gather.Checker.Check).
type CheckFunc func(ctx context.Context, domain string) *delivery.DomainReport

// Clock is the scheduler's time: the real clock in the service, a fake one
// in tests, so that no test waits for the wall clock.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Defaults of Config.
const (
	DefaultInterval    = time.Hour
	DefaultConcurrency = 10
	// DefaultGrace is how long in-flight checks may go on after the
	// service is told to stop before they are cancelled.
	DefaultGrace = 10 * time.Second
)

// Config configures a Monitor. NewRound is required.
type Config struct {
	// NewRound returns the check function of one round (one interval):
	// the service builds a fresh resolver cache and SMTP prober for each,
	// shared by every check of the round. /probe asks for one per request.
	NewRound func() CheckFunc
	// Interval is how often each domain is checked (DefaultInterval).
	Interval time.Duration
	// Concurrency bounds the scheduled checks running at once
	// (DefaultConcurrency).
	Concurrency int
	// Deadline bounds one check (the checker's own deadline is usually
	// the same); zero means none beyond the checker's.
	Deadline time.Duration
	// MaxBackoff bounds the wait after failed checks (8 × Interval).
	MaxBackoff time.Duration
	// Grace is how long in-flight checks may finish after Run's context
	// ends before they are cancelled (DefaultGrace).
	Grace time.Duration
	// Store records every scheduled result; nil keeps them in memory
	// (NewMemoryStore).
	Store Store
	// Metrics are the service's own metrics; nil makes a fresh set.
	Metrics *metrics.Service
	// Clock is the time source; nil is the real clock.
	Clock Clock
	// Rand draws the jitter; nil seeds one at random.
	Rand *rand.Rand
	// Log receives the service's log lines; nil discards them.
	Log *slog.Logger
	// CheckAtOnce makes the first check of a newly listed domain start as
	// soon as a slot is free instead of at its place in the spread; from
	// the second check on the domain keeps its place. The service sets
	// it so that the dashboard fills at start; tests of the spread do
	// not.
	CheckAtOnce bool
}

// Monitor schedules the checks of a list of domains and holds their latest
// results. Create it with New, set its domains with SetDomains, and call
// Run.
type Monitor struct {
	cfg Config

	mu      sync.Mutex
	entries map[string]*entry
	round   CheckFunc
	roundAt time.Time
	rounds  int
	wake    chan struct{}
	randMu  sync.Mutex

	// The scheduler's idle handshake (under mu). active counts the check
	// goroutines not yet ended; a goroutine decrements it and pokes the
	// scheduler in one step, so that active == 0 with no poke pending
	// means no check will wake the scheduler again. Each time Run goes to
	// wait it counts parks, and records in parkIdle whether it waits with
	// no check running and nothing left to notice, and in parkUntil when
	// its timer fires (zero: no timer). Tests read them (parked) to move
	// a fake clock only while the scheduler is idle.
	active    int
	parks     int64
	parkIdle  bool
	parkUntil time.Time
}

// entry is the schedule and latest result of one domain.
type entry struct {
	domain string
	// anchor is the domain's place in the spread: it is checked at
	// anchor + k × interval (unless backing off).
	anchor     time.Time
	next       time.Time
	failures   int
	running    bool
	listed     bool // still in the list (a removed domain's check may be running)
	latest     *delivery.DomainReport
	lastChange time.Time
	checks     int
}

// New returns a Monitor with cfg's defaults filled in.
func New(cfg Config) *Monitor {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 8 * cfg.Interval
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewService()
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{cfg: cfg, entries: map[string]*entry{}, wake: make(chan struct{}, 1)}
}

// Metrics returns the service's own metrics.
func (m *Monitor) Metrics() *metrics.Service { return m.cfg.Metrics }

// Interval returns the interval between two checks of a domain.
func (m *Monitor) Interval() time.Duration { return m.cfg.Interval }

// SetDomains replaces the list of scheduled domains (A-labels, as
// ParseList returns them). Domains already scheduled keep their schedule
// and results; new ones are spread over the next interval; removed ones
// are dropped (a check of theirs that is running finishes unrecorded).
func (m *Monitor) SetDomains(domains []string) {
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	keep := map[string]bool{}
	var added []string
	for _, d := range domains {
		if keep[d] {
			continue
		}
		keep[d] = true
		if e, ok := m.entries[d]; ok {
			e.listed = true
			continue
		}
		added = append(added, d)
	}
	for d, e := range m.entries {
		if !keep[d] {
			e.listed = false
			delete(m.entries, d)
		}
	}
	// Spread the new domains over one interval: domain i of n in slot
	// i/n, at a random point inside its slot.
	slot := m.cfg.Interval / time.Duration(max(len(added), 1))
	for i, d := range added {
		anchor := now.Add(time.Duration(i)*slot + m.jitter(slot))
		e := &entry{domain: d, listed: true, anchor: anchor, next: anchor}
		if m.cfg.CheckAtOnce {
			e.next = now
		}
		m.entries[d] = e
	}
	n := len(m.entries)
	m.mu.Unlock()
	m.cfg.Metrics.Domains.Set(float64(n))
	m.poke()
}

// Restore sets the latest result of every listed domain from the store
// (its latest run) and when its status last changed (the newest run
// within HistoryWindow with a status-changed change), so that after a
// restart the dashboard and /metrics show the last results until the
// domains are checked again. It changes no schedule.
func (m *Monitor) Restore(ctx context.Context) error {
	runs, err := m.cfg.Store.Domains(ctx)
	if err != nil {
		return fmt.Errorf("restore the latest results: %w", err)
	}
	since := m.cfg.Clock.Now().Add(-HistoryWindow)
	for _, run := range runs {
		if !m.Listed(run.Domain) {
			continue
		}
		var rep delivery.DomainReport
		if err := json.Unmarshal(run.Report, &rep); err != nil {
			m.cfg.Log.Warn("history: cannot read a stored report", "domain", run.Domain, "err", err)
			continue
		}
		var lastChange time.Time
		if tl, err := m.cfg.Store.Timeline(ctx, run.Domain, since); err == nil {
			for _, r := range tl {
				for _, c := range r.Changes {
					if c.Code == delivery.ChangeStatus {
						lastChange = r.At
					}
				}
			}
		}
		m.mu.Lock()
		if e, ok := m.entries[run.Domain]; ok && e.latest == nil {
			e.latest, e.lastChange = &rep, lastChange
		}
		m.mu.Unlock()
	}
	return nil
}

// jitter returns a random duration in [0, slot).
func (m *Monitor) jitter(slot time.Duration) time.Duration {
	if slot <= 0 {
		return 0
	}
	m.randMu.Lock()
	defer m.randMu.Unlock()
	return time.Duration(m.cfg.Rand.Int64N(int64(slot)))
}

func (m *Monitor) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run runs the schedule until ctx ends, then lets the checks in flight
// finish for up to Grace before cancelling them, and returns once every
// check has returned and been recorded. A check cut short by the stop is
// not recorded: it says nothing about the domain.
func (m *Monitor) Run(ctx context.Context) {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	sem := make(chan struct{}, m.cfg.Concurrency)
	var wg sync.WaitGroup
	for ctx.Err() == nil {
		due, wait := m.due()
		m.cfg.Metrics.QueueDepth.Set(float64(len(due)))
		for i, e := range due {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				m.release(due[i:])
				break
			}
			m.cfg.Metrics.QueueDepth.Set(float64(len(due) - i - 1))
			check := m.roundFor()
			wg.Add(1)
			m.mu.Lock()
			m.active++
			m.mu.Unlock()
			go func() {
				defer wg.Done()
				m.runCheck(work, check, e)
				<-sem
				m.mu.Lock()
				m.active--
				m.poke()
				m.mu.Unlock()
			}()
		}
		if ctx.Err() != nil {
			break
		}
		if len(due) > 0 {
			continue // look again: time has passed while starting
		}
		var timer <-chan time.Time
		var until time.Time
		if wait > 0 {
			until = m.cfg.Clock.Now().Add(wait)
			timer = m.cfg.Clock.After(wait)
		}
		m.mu.Lock()
		m.parks++
		m.parkIdle = m.active == 0 && len(m.wake) == 0
		m.parkUntil = until
		m.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-m.wake:
		case <-timer:
		}
	}
	m.mu.Lock()
	m.parkIdle = false // stopping: not waiting any more
	m.mu.Unlock()
	m.cfg.Metrics.QueueDepth.Set(0)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-m.cfg.Clock.After(m.cfg.Grace):
		m.cfg.Log.Warn("cancelling checks still running after the grace period", "grace", m.cfg.Grace)
		cancel()
		<-done
	}
}

// parked returns how many times Run has gone to wait, whether it last did
// so idle (no check running, no poke pending), and when its timer fires
// then (zero: none). While it is idle nothing but its timer, SetDomains or
// the end of Run's context wakes it.
func (m *Monitor) parked() (parks int64, idle bool, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.parks, m.parkIdle, m.parkUntil
}

// due marks the domains whose time has come as running and returns them,
// earliest first, with how long until the next one is due (0: none).
func (m *Monitor) due() ([]*entry, time.Duration) {
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []*entry
	var next time.Time
	for _, e := range m.entries {
		switch {
		case e.running:
		case !e.next.After(now):
			due = append(due, e)
		case next.IsZero() || e.next.Before(next):
			next = e.next
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].next.Equal(due[j].next) {
			return due[i].next.Before(due[j].next)
		}
		return due[i].domain < due[j].domain
	})
	for _, e := range due {
		e.running = true
	}
	if next.IsZero() {
		return due, 0
	}
	return due, max(next.Sub(now), time.Nanosecond)
}

// release returns domains marked running but never started.
func (m *Monitor) release(es []*entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range es {
		e.running = false
	}
}

// roundFor returns the check function of the current round, starting a
// new round when the last one is an interval old.
func (m *Monitor) roundFor() CheckFunc {
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.round == nil || now.Sub(m.roundAt) >= m.cfg.Interval {
		m.round = m.cfg.NewRound()
		m.roundAt = now
		m.rounds++
	}
	return m.round
}

// runCheck checks one scheduled domain, records the result and sets the
// domain's next check.
func (m *Monitor) runCheck(ctx context.Context, check CheckFunc, e *entry) {
	svc := m.cfg.Metrics
	svc.InFlight.Inc()
	defer svc.InFlight.Dec()
	cctx := ctx
	if m.cfg.Deadline > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, m.cfg.Deadline)
		defer cancel()
	}
	rep := check(cctx, e.domain)
	svc.Checks.WithLabelValues(metrics.TriggerSchedule).Inc()
	failed := rep.Status == delivery.StatusUnknown
	if failed {
		svc.Errors.WithLabelValues(metrics.TriggerSchedule).Inc()
	}
	stopped := ctx.Err() != nil // the service is stopping: not a result
	m.mu.Lock()
	listed := e.listed
	m.mu.Unlock()
	var run Run
	if !stopped && listed {
		var err error
		// The store writes a run atomically; give it its own deadline so
		// that a stop does not interrupt it.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		run, err = m.cfg.Store.Record(sctx, rep)
		cancel()
		if err != nil && !errors.Is(err, history.ErrIncomplete) { // a check cut short is not stored
			svc.HistoryErrors.Inc()
			m.cfg.Log.Error("history: cannot record the check", "domain", e.domain, "err", err)
		}
	}
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e.running = false
	if stopped || !listed {
		return
	}
	e.checks++
	if e.latest != nil && e.latest.Status != rep.Status {
		e.lastChange = rep.CheckedAt
	}
	e.latest = rep
	var next time.Time
	if failed {
		e.failures++
		// Backoff: interval × 2^(failures-1), never shorter than the
		// interval, at most MaxBackoff.
		wait := m.cfg.Interval
		for i := 1; i < e.failures && wait < m.cfg.MaxBackoff; i++ {
			wait *= 2
		}
		next = e.next.Add(min(wait, m.cfg.MaxBackoff))
		if !next.After(now) {
			next = now.Add(min(wait, m.cfg.MaxBackoff))
		}
	} else {
		e.failures = 0
		next = e.nextPlace(now, m.cfg.Interval)
	}
	e.next = next
	lvl := slog.LevelInfo
	if failed {
		lvl = slog.LevelWarn
	}
	m.cfg.Log.Log(ctx, lvl, "checked", "domain", e.domain, "status", string(rep.Status),
		"took", rep.Timings.Total.Duration().Round(time.Millisecond).String(), "next", next.UTC().Format(time.RFC3339),
		"changes", len(run.Changes), "error", rep.Error)
}

// nextPlace returns the domain's next place in the spread (anchor + k ×
// interval) at least half an interval after now, so that a domain checked
// out of its place (the first check, the end of a backoff) goes back to it
// without being checked twice in a row.
func (e *entry) nextPlace(now time.Time, interval time.Duration) time.Time {
	earliest := now.Add(interval / 2)
	if !e.anchor.Before(earliest) {
		return e.anchor
	}
	k := (earliest.Sub(e.anchor) + interval - 1) / interval
	return e.anchor.Add(k * interval)
}

// DomainState is one scheduled domain as the dashboard and /metrics show
// it.
type DomainState struct {
	Domain string
	// Latest is the latest report; nil before the first check.
	Latest     *delivery.DomainReport
	LastChange time.Time
	NextCheck  time.Time
	// Failures counts the checks in a row that could not complete.
	Failures int
	Running  bool
}

// Domains returns every scheduled domain, sorted by name.
func (m *Monitor) Domains() []DomainState {
	m.mu.Lock()
	out := make([]DomainState, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, DomainState{Domain: e.domain, Latest: e.latest, LastChange: e.lastChange,
			NextCheck: e.next, Failures: e.failures, Running: e.running})
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// Domain returns one scheduled domain.
func (m *Monitor) Domain(name string) (DomainState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[name]
	if !ok {
		return DomainState{}, false
	}
	return DomainState{Domain: e.domain, Latest: e.latest, LastChange: e.lastChange,
		NextCheck: e.next, Failures: e.failures, Running: e.running}, true
}

// Listed reports whether the domain is scheduled.
func (m *Monitor) Listed(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.entries[name]
	return ok
}

// Rounds returns how many rounds (fresh check functions) the schedule has
// started.
func (m *Monitor) Rounds() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rounds
}

// Store returns the store results are recorded in.
func (m *Monitor) Store() Store { return m.cfg.Store }

// MetricsSource returns the latest result of every checked domain for the
// metrics collectors.
func (m *Monitor) MetricsSource() []metrics.Domain {
	var out []metrics.Domain
	for _, d := range m.Domains() {
		if d.Latest != nil {
			out = append(out, metrics.Domain{Report: d.Latest, LastChange: d.LastChange, NextCheck: d.NextCheck})
		}
	}
	return out
}

package monitor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/metrics"
)

// fakeChecks is a CheckFunc factory that records every call and answers
// with the status the test sets per domain.
type fakeChecks struct {
	clock  *fakeClock
	mu     sync.Mutex
	calls  []fakeCall
	status map[string]delivery.Status
	gate   chan struct{} // when set, each check waits for a token (or its context)
	rounds int
	active int
	peak   int
}

type fakeCall struct {
	domain string
	at     time.Time
	round  int
}

func (f *fakeChecks) newRound() CheckFunc {
	f.mu.Lock()
	f.rounds++
	round := f.rounds
	f.mu.Unlock()
	return func(ctx context.Context, domain string) *delivery.DomainReport {
		f.mu.Lock()
		f.calls = append(f.calls, fakeCall{domain, f.clock.Now(), round})
		f.active++
		f.peak = max(f.peak, f.active)
		st, ok := f.status[domain]
		gate := f.gate
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.active--; f.mu.Unlock() }()
		if !ok {
			st = delivery.StatusOK
		}
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return &delivery.DomainReport{Domain: domain, Status: delivery.StatusUnknown, Error: "cancelled", CheckedAt: f.clock.Now()}
			}
		}
		return &delivery.DomainReport{Domain: domain, Status: st, CheckedAt: f.clock.Now()}
	}
}

func (f *fakeChecks) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeChecks) callsOf(domain string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.domain == domain {
			out = append(out, c)
		}
	}
	return out
}

func domainsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("d%02d.example", i)
	}
	return out
}

func newTestMonitor(t *testing.T, cfg Config) (*Monitor, *fakeClock, *fakeChecks) {
	t.Helper()
	clock := newFakeClock()
	f := &fakeChecks{clock: clock, status: map[string]delivery.Status{}}
	cfg.Clock = clock
	cfg.NewRound = f.newRound
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	return New(cfg), clock, f
}

// start runs m until the test ends.
func start(t *testing.T, m *Monitor) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// The domains are spread over the interval: domain i of n is first due in
// its slot [i/n, (i+1)/n) of the interval, at a jittered point.
func TestScheduleSpreadsOverInterval(t *testing.T) {
	m, clock, _ := newTestMonitor(t, Config{Interval: 100 * time.Second})
	t0 := clock.Now()
	doms := domainsN(10)
	m.SetDomains(doms)
	byName := map[string]DomainState{}
	for _, d := range m.Domains() {
		byName[d.Domain] = d
	}
	offsets := map[time.Duration]bool{}
	for i, name := range doms {
		off := byName[name].NextCheck.Sub(t0)
		if off < time.Duration(i)*10*time.Second || off >= time.Duration(i+1)*10*time.Second {
			t.Errorf("%s first due at +%s, want within slot %d of 10s", name, off, i)
		}
		offsets[off%(10*time.Second)] = true
	}
	if len(offsets) < 5 {
		t.Errorf("jitter gives only %d distinct offsets in 10 slots", len(offsets))
	}
	if got := value(m.Metrics().Domains); got != 10 {
		t.Errorf("daneprobe_scheduled_domains = %v", got)
	}
}

// Every domain is checked once per interval, in one round per interval
// (one shared check function), and no more than Concurrency at a time.
func TestScheduleChecksEachDomainOncePerInterval(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 100 * time.Second, Concurrency: 3})
	m.SetDomains(domainsN(10))
	start(t, m)
	waitIdle(t, m)
	for i := 0; i < 100; i++ {
		settle(t, m, clock, time.Second)
	}
	if n := f.count(); n != 10 {
		t.Fatalf("%d checks in the first interval, want 10", n)
	}
	for _, d := range domainsN(10) {
		calls := f.callsOf(d)
		if len(calls) != 1 || calls[0].round != 1 {
			t.Errorf("%s: calls %+v, want one in round 1", d, calls)
		}
	}
	for i := 0; i < 100; i++ {
		settle(t, m, clock, time.Second)
	}
	if n := f.count(); n != 20 {
		t.Fatalf("%d checks after two intervals, want 20", n)
	}
	for _, d := range domainsN(10) {
		calls := f.callsOf(d)
		if len(calls) != 2 || calls[1].at.Sub(calls[0].at) != 100*time.Second {
			t.Errorf("%s: calls %+v, want two 100s apart", d, calls)
		}
	}
	if f.rounds != 2 {
		t.Errorf("%d rounds in two intervals, want 2", f.rounds)
	}
	if got := value(m.Metrics().Checks.WithLabelValues(metrics.TriggerSchedule)); got != 20 {
		t.Errorf("daneprobe_checks_total{trigger=schedule} = %v", got)
	}
	runs, err := m.Store().Timeline(context.Background(), "d03.example", time.Time{})
	if err != nil || len(runs) != 2 {
		t.Errorf("memory store holds %d runs of d03.example (%v), want 2", len(runs), err)
	}
}

// At most Concurrency checks run at once; the rest wait in the queue.
func TestScheduleBoundsConcurrency(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 100 * time.Second, Concurrency: 3})
	f.gate = make(chan struct{})
	m.SetDomains(domainsN(10))
	start(t, m)
	waitIdle(t, m)
	clock.Advance(100 * time.Second) // every domain is due
	eventually(t, "three checks and a queue of seven", func() bool {
		return f.count() == 3 && value(m.Metrics().QueueDepth) == 7
	})
	f.gate <- struct{}{}
	eventually(t, "a fourth check", func() bool { return f.count() == 4 })
	for i := 0; i < 9; i++ {
		f.gate <- struct{}{}
	}
	eventually(t, "ten checks done", func() bool { return f.count() == 10 && idle(m) })
	if f.peak != 3 {
		t.Errorf("peak concurrency %d, want 3", f.peak)
	}
	if got := value(m.Metrics().QueueDepth); got != 0 {
		t.Errorf("queue depth %v after the round", got)
	}
}

// A domain whose check cannot complete is checked again with backoff:
// interval, 2×, 4×, ... at most MaxBackoff; never sooner than the
// interval. A verdict (even CRITICAL) resets it.
func TestScheduleBacksOffFailingDomain(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 10 * time.Second, MaxBackoff: 40 * time.Second})
	f.status["d00.example"] = delivery.StatusUnknown
	m.SetDomains([]string{"d00.example"})
	start(t, m)
	waitIdle(t, m)
	for i := 0; i < 160; i++ {
		settle(t, m, clock, time.Second)
		if i == 100 {
			f.mu.Lock()
			f.status["d00.example"] = delivery.StatusCritical
			f.mu.Unlock()
		}
	}
	calls := f.callsOf("d00.example")
	var gaps []time.Duration
	for i := 1; i < len(calls); i++ {
		gaps = append(gaps, calls[i].at.Sub(calls[i-1].at))
	}
	// Failing: 10, 20, 40, 40 (capped); the check at ~+110s passes,
	// so the next gaps are the interval again.
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 40 * time.Second}
	if len(gaps) < len(want)+2 {
		t.Fatalf("gaps %v, want at least %d", gaps, len(want)+2)
	}
	for i, w := range want {
		if gaps[i] != w {
			t.Errorf("gap %d = %s, want %s (gaps %v)", i, gaps[i], w, gaps)
		}
	}
	for _, g := range gaps {
		if g < 10*time.Second {
			t.Errorf("a retry came after %s, sooner than the interval (gaps %v)", g, gaps)
		}
	}
	if last := gaps[len(gaps)-1]; last != 10*time.Second {
		t.Errorf("after a verdict the gap is %s, want the interval (gaps %v)", last, gaps)
	}
	if got := value(m.Metrics().Errors.WithLabelValues(metrics.TriggerSchedule)); got < 4 {
		t.Errorf("daneprobe_check_errors_total = %v, want >= 4", got)
	}
	d, _ := m.Domain("d00.example")
	if d.LastChange.IsZero() || d.Latest.Status != delivery.StatusCritical {
		t.Errorf("state %+v: want CRITICAL with a last change", d)
	}
}

// SetDomains keeps the schedule of the domains that stay, schedules the
// new ones within the next interval and drops the removed ones.
func TestScheduleReload(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 100 * time.Second})
	m.SetDomains([]string{"a.example", "b.example"})
	before, _ := m.Domain("a.example")
	start(t, m)
	waitIdle(t, m)
	clock.Advance(100 * time.Second)
	eventually(t, "two checks", func() bool { return f.count() == 2 && idle(m) })
	after, _ := m.Domain("a.example")
	m.SetDomains([]string{"a.example", "c.example"})
	kept, _ := m.Domain("a.example")
	// Checked late (the clock jumped a whole interval), a.example goes
	// back to its place in the spread, at least half an interval on.
	if !kept.NextCheck.Equal(after.NextCheck) || kept.Latest == nil || after.NextCheck.Sub(before.NextCheck)%(100*time.Second) != 0 ||
		after.NextCheck.Sub(clock.Now()) < 50*time.Second {
		t.Errorf("a.example lost its schedule or result on reload: %+v", kept)
	}
	if m.Listed("b.example") || !m.Listed("c.example") {
		t.Errorf("listed after reload: %v", m.Domains())
	}
	c, _ := m.Domain("c.example")
	if off := c.NextCheck.Sub(clock.Now()); off < 0 || off >= 100*time.Second {
		t.Errorf("c.example due in %s, want within the interval", off)
	}
}

// On stop, checks in flight get Grace, then are cancelled; a check cut
// short by the stop is not recorded, and Run returns only when every
// check has returned.
func TestScheduleStopCancelsAfterGrace(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 10 * time.Second, Grace: 5 * time.Second})
	f.gate = make(chan struct{})
	m.SetDomains([]string{"a.example"})
	stop := start(t, m)
	waitIdle(t, m)
	clock.Advance(10 * time.Second)
	eventually(t, "the check to start", func() bool { return f.count() == 1 })
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	eventually(t, "the grace timer", func() bool { return clock.Waiting() > 0 })
	select {
	case <-stopped:
		t.Fatal("Run returned while a check was in flight, before the grace period")
	default:
	}
	clock.Advance(5 * time.Second)
	<-stopped
	if runs, _ := m.Store().Timeline(context.Background(), "a.example", time.Time{}); len(runs) != 0 {
		t.Errorf("a check cut short by the stop was recorded: %+v", runs)
	}
	if d, _ := m.Domain("a.example"); d.Latest != nil {
		t.Errorf("a check cut short by the stop became the latest result: %+v", d.Latest)
	}
}

// With CheckAtOnce (the service), every domain is checked at start; the
// second check is at the domain's place in the spread.
func TestScheduleCheckAtOnce(t *testing.T) {
	m, clock, f := newTestMonitor(t, Config{Interval: 100 * time.Second, CheckAtOnce: true})
	t0 := clock.Now()
	m.SetDomains(domainsN(4))
	start(t, m)
	eventually(t, "four checks at start", func() bool { return f.count() == 4 && idle(m) })
	seconds := map[time.Duration]bool{}
	for _, d := range m.Domains() {
		off := d.NextCheck.Sub(t0)
		if off < 50*time.Second || off >= 150*time.Second {
			t.Errorf("%s next at +%s, want its place in [50s, 150s)", d.Domain, off)
		}
		seconds[off/(25*time.Second)] = true
	}
	if len(seconds) != 4 {
		t.Errorf("the second checks are not spread over four slots: %v", m.Domains())
	}
	for _, c := range f.calls {
		if !c.at.Equal(t0) {
			t.Errorf("first check of %s at +%s, want at once", c.domain, c.at.Sub(t0))
		}
	}
}

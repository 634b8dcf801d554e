package monitor

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// fakeClock is a Clock that moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and fires the waiters whose time has come.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Waiting returns how many timers are pending.
func (c *fakeClock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// eventually waits (up to a generous real-time bound, on a loaded
// machine) until cond holds; it asserts an event, never a duration.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// value reads the single value of a gauge or counter.
func value(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		panic(err)
	}
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

// idle reports whether the scheduler waits with no check running and no
// poke pending: nothing but its timer (or the test) can wake it.
func idle(m *Monitor) bool {
	_, ok, _ := m.parked()
	return ok
}

// waitIdle waits until the scheduler is idle.
func waitIdle(t *testing.T, m *Monitor) {
	t.Helper()
	eventually(t, "the scheduler to be idle", func() bool { return idle(m) })
}

// settle moves the fake clock by d while the scheduler is idle and, when
// that fires the scheduler's timer, waits until it has started and ended
// every check that became due and is idle again. The clock never moves
// while the scheduler is awake, so it never sets a timer from a time that
// has already passed.
func settle(t *testing.T, m *Monitor, c *fakeClock, d time.Duration) {
	t.Helper()
	parks, ok, until := m.parked()
	if !ok {
		t.Fatal("settle: the scheduler is not idle")
	}
	c.Advance(d)
	if until.IsZero() || until.After(c.Now()) {
		return // its timer has not fired: it still waits
	}
	eventually(t, "the scheduler to be idle again", func() bool {
		p, ok, _ := m.parked()
		return p > parks && ok
	})
}

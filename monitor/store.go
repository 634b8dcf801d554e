package monitor

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/history"
	"github.com/daneprobe/daneprobe/report"
)

// ErrNotFound is returned by a Store for a domain it holds no run of.
var ErrNotFound = history.ErrNotFound

// Run is one recorded check of one domain (history.Run).
type Run = history.Run

// Store is where the service records every scheduled check: the history
// store of "--state PATH", or, without one, a bounded memory.
type Store interface {
	// Record stores one run and returns it with its changes against the
	// previous run of the domain.
	Record(ctx context.Context, rep *delivery.DomainReport) (Run, error)
	// Latest returns the domain's last run, ErrNotFound when none.
	Latest(ctx context.Context, domain string) (Run, error)
	// Timeline returns the domain's runs since since, oldest first.
	Timeline(ctx context.Context, domain string, since time.Time) ([]Run, error)
	// Domains returns the latest run of every domain.
	Domains(ctx context.Context) ([]Run, error)
}

// MemoryRuns is how many runs per domain the memory store keeps: their
// time, status and changes (a few hundred bytes each), for the dashboard's
// timeline and the history API.
const MemoryRuns = 100

// MemoryReports is how many of those runs, the newest, also keep their
// full report (about 10 KB of JSON each): the latest, and the one before
// it to compare a change with. Older runs keep no report, so memory stays
// bounded by the number of domains, not by how long the service runs.
const MemoryReports = 2

// memStore is the Store of a service without --state: the last
// MemoryRuns runs of each domain, the newest MemoryReports with their
// reports, lost on restart.
type memStore struct {
	mu         sync.Mutex
	next       int64
	runs       map[string][]Run
	comparable map[string]*delivery.DomainReport // the last comparable report of each domain
}

// NewMemoryStore returns a Store that keeps the last MemoryRuns runs of
// each domain in memory (the reports of the newest MemoryReports), with the changes the history store would find
// (delivery.Diff against the previous comparable run, applied to the
// report as history.Store.Record applies them).
func NewMemoryStore() Store {
	return &memStore{runs: map[string][]Run{}, comparable: map[string]*delivery.DomainReport{}}
}

func (m *memStore) Record(_ context.Context, rep *delivery.DomainReport) (Run, error) {
	if rep.Stopped != delivery.Finished {
		return Run{}, fmt.Errorf("memory history: %s: %w", rep.Domain, history.ErrIncomplete)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	run := Run{Domain: rep.Domain, At: rep.CheckedAt, Comparable: delivery.Comparable(rep)}
	cur := *rep
	if prev := m.comparable[rep.Domain]; run.Comparable && prev != nil {
		run.Changes = delivery.Diff(prev, &cur)
		delivery.ApplyChanges(&cur, run.Changes)
	}
	run.Status = cur.Status
	var buf bytes.Buffer
	if err := report.WriteJSONLines(&buf, []delivery.DomainReport{cur}); err != nil {
		return Run{}, fmt.Errorf("memory history: encode %s: %w", rep.Domain, err)
	}
	run.Report = bytes.TrimSpace(buf.Bytes())
	m.next++
	run.ID = m.next
	if run.Comparable {
		c := cur
		m.comparable[rep.Domain] = &c
	}
	runs := append(m.runs[rep.Domain], run)
	if len(runs) > MemoryRuns {
		runs = append(make([]Run, 0, MemoryRuns+MemoryRuns/4), runs[len(runs)-MemoryRuns:]...)
	}
	if n := len(runs) - MemoryReports - 1; n >= 0 {
		runs[n].Report = nil // the run just fell out of the reports kept
	}
	m.runs[rep.Domain] = runs
	*rep = cur
	return run, nil
}

func (m *memStore) Latest(_ context.Context, domain string) (Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	runs := m.runs[domain]
	if len(runs) == 0 {
		return Run{}, ErrNotFound
	}
	return runs[len(runs)-1], nil
}

func (m *memStore) Timeline(_ context.Context, domain string, since time.Time) ([]Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Run
	for _, r := range m.runs[domain] {
		if !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) Domains(_ context.Context) ([]Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Run, 0, len(m.runs))
	for _, runs := range m.runs {
		out = append(out, runs[len(runs)-1])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out, nil
}

// footprint returns how many runs the store holds and the bytes of the
// reports among them: what the soak benchmark subtracts from the heap.
func (m *memStore) footprint() (runs, reportBytes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rs := range m.runs {
		runs += len(rs)
		for _, r := range rs {
			reportBytes += len(r.Report)
		}
	}
	return runs, reportBytes
}

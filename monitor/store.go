package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/report"
)

// ErrNotFound is returned by a Store for a domain it holds no run of.
var ErrNotFound = errors.New("no run of the domain")

// Change is one difference between a domain's run and the run before it.
type Change struct {
	Code   string `json:"code"`
	Level  string `json:"level"` // "note", "warning" or "critical"
	Detail string `json:"detail"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

// Run is one recorded check of one domain.
type Run struct {
	ID      int64
	Domain  string
	At      time.Time
	Status  delivery.Status
	Changes []Change
	// Report is check's --json object for the domain.
	Report []byte
}

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

// MemoryRuns is how many runs per domain the memory store keeps.
const MemoryRuns = 500

// memStore is the Store of a service without --state: the last
// MemoryRuns runs of each domain, lost on restart.
type memStore struct {
	mu   sync.Mutex
	next int64
	runs map[string][]Run
}

// NewMemoryStore returns a Store that keeps the last MemoryRuns runs of
// each domain in memory. Its only change is the status ("status").
func NewMemoryStore() Store { return &memStore{runs: map[string][]Run{}} }

func (m *memStore) Record(_ context.Context, rep *delivery.DomainReport) (Run, error) {
	var buf bytes.Buffer
	if err := report.WriteJSONLines(&buf, []delivery.DomainReport{*rep}); err != nil {
		return Run{}, fmt.Errorf("record %s: %w", rep.Domain, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	run := Run{ID: m.next, Domain: rep.Domain, At: rep.CheckedAt, Status: rep.Status, Report: bytes.TrimSpace(buf.Bytes())}
	prev := m.runs[rep.Domain]
	if n := len(prev); n > 0 && prev[n-1].Status != rep.Status {
		level := "note"
		switch rep.Status {
		case delivery.StatusCritical:
			level = "critical"
		case delivery.StatusWarning, delivery.StatusUnknown:
			level = "warning"
		}
		run.Changes = []Change{{Code: "status", Level: level, Old: string(prev[n-1].Status), New: string(rep.Status),
			Detail: fmt.Sprintf("status %s → %s", prev[n-1].Status.Label(), rep.Status.Label())}}
	}
	runs := append(prev, run)
	if len(runs) > MemoryRuns {
		runs = append([]Run(nil), runs[len(runs)-MemoryRuns:]...)
	}
	m.runs[rep.Domain] = runs
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

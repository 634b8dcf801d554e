package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/report"
)

// Defaults of an Engine whose fields are zero.
const (
	DefaultConcurrency   = 64
	DefaultDomainTimeout = 2 * time.Minute
	DefaultGrace         = 10 * time.Second
)

// CheckFunc checks one domain and returns its decided report, never nil;
// (*gather.Checker).Check fits.
type CheckFunc func(ctx context.Context, domain string) *delivery.DomainReport

// Engine checks the domains of a Source concurrently and writes one JSON
// line per domain as each finishes.
type Engine struct {
	// Check checks one domain. Required.
	Check CheckFunc
	// Concurrency is the number of domains checked at the same time
	// (DefaultConcurrency when zero).
	Concurrency int
	// DomainTimeout bounds the check of one domain (DefaultDomainTimeout
	// when zero); a check that runs out reports its Error.
	DomainTimeout time.Duration
	// Grace is how long the domains in flight may take to finish after
	// the context is canceled (DefaultGrace when zero). Those that do not
	// finish in time are not written, so a resumed scan checks them again.
	Grace time.Duration
	// OnResult, if set, is called after each line is written (from one
	// goroutine at a time), for progress display.
	OnResult func(*delivery.DomainReport)
	// Summary, if set, receives every report written.
	Summary *Summary
}

// RunStats counts what Run did.
type RunStats struct {
	// Written is the number of JSON lines written.
	Written int
	// Interrupted is the number of domains in flight at cancellation
	// that did not finish within the grace period; they were not written.
	Interrupted int
	// Canceled is true when the context was canceled before the input
	// was exhausted.
	Canceled bool
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Input counts what the Source read, as of the last domain taken
	// from it. Read it here rather than from the Source: after a cancel
	// the Source may still be blocked in a read (a terminal on stdin).
	Input InputStats
}

// Run checks every domain of src and writes each report as one JSON line
// (the schema of report.WriteJSONLines) to out, in the order they finish.
// Each line is written with a single Write call, so out never holds a cut
// line unless the process dies in the middle of that call.
//
// When ctx is canceled, Run stops reading src, lets the domains in flight
// finish (at most Grace), writes their lines and returns with
// RunStats.Canceled set and a nil error. src must not be used after a
// canceled Run: its reader may still be blocked in a read that nothing
// ends, and may call src.OnBad once more. The error is a read error of src or
// a write error of out; after a write error Run stops at once.
func (e *Engine) Run(ctx context.Context, src *Source, out io.Writer) (RunStats, error) {
	if e.Check == nil {
		return RunStats{}, errors.New("scan: no check function")
	}
	start := time.Now()
	conc := e.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	r := &engineRun{e: e, ctx: ctx, timeout: e.DomainTimeout, grace: e.Grace,
		domains: make(chan string), readDone: make(chan struct{}), results: make(chan engineResult, conc)}
	if r.timeout <= 0 {
		r.timeout = DefaultDomainTimeout
	}
	if r.grace <= 0 {
		r.grace = DefaultGrace
	}
	// Checks run under work, which outlives ctx by the grace period: a
	// Ctrl-C stops new domains, not the ones in flight.
	r.work, r.stopWork = context.WithCancelCause(context.WithoutCancel(ctx))
	defer r.stopWork(nil)
	go r.watchGrace()
	go r.feed(src)
	r.checkAll(conc)
	st, writeErr := r.write(out)

	// Wait for the feeder unless it may be stuck in a read that nothing
	// will end (a terminal or pipe on stdin after Ctrl-C).
	select {
	case <-r.readDone:
	case <-ctx.Done():
	case <-r.work.Done():
	}
	r.stopWork(nil)
	r.inMu.Lock()
	st.Input = r.input
	r.inMu.Unlock()
	r.mu.Lock()
	st.Interrupted = r.interrupted
	r.mu.Unlock()
	st.Canceled = ctx.Err() != nil
	st.Elapsed = time.Since(start)
	if writeErr != nil {
		return st, writeErr
	}
	select {
	case <-r.readDone:
	default:
		return st, nil
	}
	if r.readErr != nil && !st.Canceled {
		return st, fmt.Errorf("read the domains: %w", r.readErr)
	}
	return st, nil
}

// engineRun is the state of one Run, shared by its phases: the grace
// watch, the feeder, the checking workers and the writer.
type engineRun struct {
	e              *Engine
	ctx            context.Context // the caller's: its end stops new domains
	timeout, grace time.Duration

	// work outlives ctx by the grace period; its end stops everything.
	work     context.Context
	stopWork context.CancelCauseFunc

	domains  chan string   // from the feeder to the workers
	readDone chan struct{} // closed when the feeder is done
	readErr  error         // the feeder's read error, set before readDone

	inMu  sync.Mutex
	input InputStats

	results     chan engineResult // from the workers to the writer
	mu          sync.Mutex
	interrupted int
}

// engineResult is one checked domain, encoded.
type engineResult struct {
	rep  *delivery.DomainReport
	line []byte
}

// watchGrace ends work once the grace period after ctx's end is over.
func (r *engineRun) watchGrace() {
	select {
	case <-r.ctx.Done():
	case <-r.work.Done():
		return
	}
	t := time.NewTimer(r.grace)
	defer t.Stop()
	select {
	case <-t.C:
		r.stopWork(fmt.Errorf("interrupted; %s grace period over", r.grace))
	case <-r.work.Done():
	}
}

// feed reads the source in its own goroutine, so that a cancellation is
// seen also while a read blocks (a pipe on stdin).
func (r *engineRun) feed(src *Source) {
	defer close(r.readDone)
	defer close(r.domains)
	for {
		d, err := src.Domain()
		r.inMu.Lock()
		r.input = src.Stats()
		r.inMu.Unlock()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			r.readErr = err
			return
		}
		select {
		case r.domains <- d:
		case <-r.ctx.Done():
			return
		case <-r.work.Done():
			return
		}
	}
}

// checkAll starts conc workers and closes results when they are done.
func (r *engineRun) checkAll(conc int) {
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker()
		}()
	}
	go func() {
		wg.Wait()
		close(r.results)
	}()
}

// worker checks domains until the feeder is done or ctx ends.
func (r *engineRun) worker() {
	var buf bytes.Buffer
	for {
		var d string
		var ok bool
		select {
		case d, ok = <-r.domains:
		case <-r.ctx.Done():
			// Do not start anything new once canceled.
			return
		}
		if !ok {
			return
		}
		dctx, cancel := context.WithTimeout(r.work, r.timeout)
		rep := r.e.Check(dctx, d)
		cancel()
		if r.work.Err() != nil || rep == nil {
			// Cut short by the end of the grace period (or the writer
			// stopped): not written, checked again on resume.
			r.countInterrupted()
			continue
		}
		buf.Reset()
		if err := report.WriteJSONLines(&buf, []delivery.DomainReport{*rep}); err != nil {
			r.stopWork(fmt.Errorf("encode the report of %s: %w", d, err))
			return
		}
		select {
		case r.results <- engineResult{rep: rep, line: bytes.Clone(buf.Bytes())}:
		case <-r.work.Done():
			r.countInterrupted()
		}
	}
}

func (r *engineRun) countInterrupted() {
	r.mu.Lock()
	r.interrupted++
	r.mu.Unlock()
}

// write writes every result as it comes, in completion order, and counts
// it in the summary. After a write error it drains the rest unwritten.
func (r *engineRun) write(out io.Writer) (RunStats, error) {
	var st RunStats
	var writeErr error
	for res := range r.results {
		if writeErr != nil {
			continue // drain
		}
		if _, err := out.Write(res.line); err != nil {
			writeErr = fmt.Errorf("write the report of %s: %w", res.rep.Domain, err)
			r.stopWork(writeErr)
			continue
		}
		st.Written++
		if r.e.Summary != nil {
			r.e.Summary.Add(res.rep)
		}
		if r.e.OnResult != nil {
			r.e.OnResult(res.rep)
		}
	}
	return st, writeErr
}

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
	timeout := e.DomainTimeout
	if timeout <= 0 {
		timeout = DefaultDomainTimeout
	}
	grace := e.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}

	// Checks run under work, which outlives ctx by the grace period: a
	// Ctrl-C stops new domains, not the ones in flight.
	work, stopWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopWork(nil)
	go func() {
		select {
		case <-ctx.Done():
		case <-work.Done():
			return
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			stopWork(fmt.Errorf("interrupted; %s grace period over", grace))
		case <-work.Done():
		}
	}()

	// The feeder reads the source in its own goroutine, so that a
	// cancellation is seen also while a read blocks (a pipe on stdin).
	domains := make(chan string)
	var readErr error
	readDone := make(chan struct{})
	var inMu sync.Mutex
	var input InputStats
	go func() {
		defer close(readDone)
		defer close(domains)
		for {
			d, err := src.Domain()
			inMu.Lock()
			input = src.Stats()
			inMu.Unlock()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				readErr = err
				return
			}
			select {
			case domains <- d:
			case <-ctx.Done():
				return
			case <-work.Done():
				return
			}
		}
	}()

	type result struct {
		rep  *delivery.DomainReport
		line []byte
	}
	results := make(chan result, conc)
	var nInterrupted int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for {
				var d string
				var ok bool
				select {
				case d, ok = <-domains:
				case <-ctx.Done():
					// Do not start anything new once canceled.
					return
				}
				if !ok {
					return
				}
				dctx, cancel := context.WithTimeout(work, timeout)
				rep := e.Check(dctx, d)
				cancel()
				if work.Err() != nil || rep == nil {
					// Cut short by the end of the grace period (or the
					// writer stopped): not written, checked again on
					// resume.
					mu.Lock()
					nInterrupted++
					mu.Unlock()
					continue
				}
				buf.Reset()
				if err := report.WriteJSONLines(&buf, []delivery.DomainReport{*rep}); err != nil {
					stopWork(fmt.Errorf("encode the report of %s: %w", d, err))
					return
				}
				line := bytes.Clone(buf.Bytes())
				select {
				case results <- result{rep: rep, line: line}:
				case <-work.Done():
					mu.Lock()
					nInterrupted++
					mu.Unlock()
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var st RunStats
	var writeErr error
	for r := range results {
		if writeErr != nil {
			continue // drain
		}
		if _, err := out.Write(r.line); err != nil {
			writeErr = fmt.Errorf("write the report of %s: %w", r.rep.Domain, err)
			stopWork(writeErr)
			continue
		}
		st.Written++
		if e.Summary != nil {
			e.Summary.Add(r.rep)
		}
		if e.OnResult != nil {
			e.OnResult(r.rep)
		}
	}
	// Wait for the feeder unless it may be stuck in a read that nothing
	// will end (a terminal or pipe on stdin after Ctrl-C).
	select {
	case <-readDone:
	case <-ctx.Done():
	case <-work.Done():
	}
	stopWork(nil)
	inMu.Lock()
	st.Input = input
	inMu.Unlock()
	st.Interrupted = nInterrupted
	st.Canceled = ctx.Err() != nil
	st.Elapsed = time.Since(start)
	if writeErr != nil {
		return st, writeErr
	}
	select {
	case <-readDone:
	default:
		return st, nil
	}
	if readErr != nil && !st.Canceled {
		return st, fmt.Errorf("read the domains: %w", readErr)
	}
	return st, nil
}

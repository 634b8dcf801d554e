package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// fakeReport makes a decided-looking report whose verdicts depend on the
// name, so that summaries have something to count.
func fakeReport(d string) *delivery.DomainReport {
	r := &delivery.DomainReport{Domain: d, Status: delivery.StatusOK, DANE: delivery.DANEVerified,
		Outcome: delivery.Outcomes{DANE: delivery.SenderOutcome{Action: delivery.DeliverAuthenticated, Via: "mx." + d}}}
	switch {
	case strings.HasPrefix(d, "defer"):
		r.Status, r.DANE = delivery.StatusCritical, delivery.DANEFailed
		r.Outcome.DANE = delivery.SenderOutcome{Action: delivery.Defer, Reason: "no MX authenticates"}
		r.Failures = []delivery.Failure{{ResultType: tlsrpt.ResultValidationFailure, Policy: delivery.PolicyDANE, Reason: delivery.ReasonNoMatch, Detail: "no record matches"}}
	case strings.HasPrefix(d, "sts"):
		r.Status, r.DANE = delivery.StatusCritical, delivery.DANENone
		r.Outcome.DANE = delivery.SenderOutcome{Action: delivery.DeliverOpportunistic}
		r.MTASTS = delivery.MTASTSReport{Mode: "enforce", Result: delivery.MTASTSFail}
		r.Outcome.MTASTS = delivery.SenderOutcome{Action: delivery.Defer, Reason: "no MX passes"}
		r.Failures = []delivery.Failure{{Policy: delivery.PolicyMTASTS, Reason: delivery.ReasonWebPKINotTrusted, Detail: "self-signed\nsecond line"}}
	case strings.HasPrefix(d, "err"):
		r.Status, r.DANE = delivery.StatusUnknown, delivery.DANENone
		r.Error = "deadline exceeded"
	}
	return r
}

// slowCheck returns fakeReport after delay, or an error report when ctx
// ends first, like gather.Checker does.
func slowCheck(delay time.Duration, calls *atomic.Int64) CheckFunc {
	return func(ctx context.Context, d string) *delivery.DomainReport {
		if calls != nil {
			calls.Add(1)
		}
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			return fakeReport(d)
		case <-ctx.Done():
			return &delivery.DomainReport{Domain: d, Status: delivery.StatusUnknown, Error: ctx.Err().Error()}
		}
	}
}

func domainList(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d.example", prefix, i)
	}
	return out
}

// parseLines checks that every line of b is a complete report and returns
// the domains, failing on duplicates.
func parseLines(t *testing.T, b []byte) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r delivery.DomainReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q does not parse: %v", sc.Text(), err)
		}
		if seen[r.Domain] {
			t.Fatalf("%s written twice", r.Domain)
		}
		seen[r.Domain] = true
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatal("output does not end with a newline")
	}
	return seen
}

func TestEngineRun(t *testing.T) {
	input := append(domainList("ok", 50), append(domainList("defer", 5), append(domainList("sts", 3), domainList("err", 2)...)...)...)
	input = append(input, "OK1.example.", "not a domain") // a duplicate and a bad line
	var out bytes.Buffer
	var sum Summary
	var progress int
	e := &Engine{Check: slowCheck(time.Millisecond, nil), Concurrency: 8, Summary: &sum,
		OnResult: func(*delivery.DomainReport) { progress++ }}
	src := &Source{Next: SliceNext(input)}
	st, err := e.Run(context.Background(), src, &out)
	if err != nil {
		t.Fatal(err)
	}
	got := parseLines(t, out.Bytes())
	if len(got) != 60 || st.Written != 60 || progress != 60 || st.Canceled || st.Interrupted != 0 {
		t.Fatalf("wrote %d domains (stats %+v, progress %d), want 60", len(got), st, progress)
	}
	if src.Duplicates != 1 || src.Bad != 1 {
		t.Errorf("duplicates %d bad %d, want 1 and 1", src.Duplicates, src.Bad)
	}
	if st.Input != src.Stats() || st.Input.Read != 61 {
		t.Errorf("RunStats.Input %+v, source %+v", st.Input, src.Stats())
	}
	if sum.Domains != 60 || sum.DANEDefer.Total != 5 || sum.MTASTSEnforceFail.Total != 3 || sum.LookupErrors.Total != 2 || sum.DANEVerified.Total != 50 {
		t.Errorf("summary %+v", sum)
	}
	var text strings.Builder
	if err := sum.WriteText(&text, ScanInfo{Read: src.Read, Bad: src.Bad, Duplicates: src.Duplicates, Run: st}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Scan summary: 60 domains",
		"input: 61 names, 1 bad lines, 1 duplicates",
		"Status:         ok 50, critical 8, unknown 2",
		"would DEFER mail to: 5\n  defer0.example  no-match: no MX authenticates",
		"MTA-STS enforce mode failing: 3\n  sts0.example  webpki-not-trusted: self-signed second line",
		"Lookup errors (check could not complete): 2\n  err0.example  deadline exceeded",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
}

func TestSummaryBound(t *testing.T) {
	s := Summary{MaxListed: 3}
	for _, d := range domainList("defer", 10) {
		s.Add(fakeReport(d))
	}
	if s.DANEDefer.Total != 10 || len(s.DANEDefer.Entries) != 3 {
		t.Fatalf("list total %d, kept %d; want 10 and 3", s.DANEDefer.Total, len(s.DANEDefer.Entries))
	}
	var b strings.Builder
	s.WriteText(&b, ScanInfo{})
	if !strings.Contains(b.String(), "... and 7 more: jq -c 'select(.outcome.dane.action==\"defer\")' on the output") {
		t.Errorf("no pointer to the rest:\n%s", b.String())
	}
}

// TestEngineInterrupt cancels a scan in the middle: the lines in flight are
// finished and written, nothing is cut, and a resumed run completes the set.
func TestEngineInterrupt(t *testing.T) {
	input := domainList("d", 400)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var written atomic.Int64
	e := &Engine{Check: slowCheck(5*time.Millisecond, nil), Concurrency: 16,
		OnResult: func(*delivery.DomainReport) {
			if written.Add(1) == 50 {
				cancel()
			}
		}}
	st, err := e.Run(ctx, &Source{Next: SliceNext(input)}, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Canceled || st.Written >= 400 || st.Written < 50 || st.Interrupted != 0 {
		t.Fatalf("stats %+v: want canceled after 50..399 lines, none cut", st)
	}
	b, _ := os.ReadFile(path)
	first := parseLines(t, b)
	if len(first) != st.Written {
		t.Fatalf("%d lines in the file, %d written", len(first), st.Written)
	}

	// Resume: the rest, each domain once.
	done := NewDomainSet()
	f2, info, err := OpenResume(path, func(r *delivery.DomainReport) { done.Add(r.Domain) })
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	e2 := &Engine{Check: slowCheck(0, &calls), Concurrency: 16}
	st2, err := e2.Run(context.Background(), &Source{Next: SliceNext(input), Done: done}, f2)
	f2.Close()
	if err != nil {
		t.Fatal(err)
	}
	if info.Reports != st.Written || int(calls.Load()) != 400-st.Written || st2.Written != 400-st.Written {
		t.Fatalf("resume read %d reports, checked %d, wrote %d; first run wrote %d", info.Reports, calls.Load(), st2.Written, st.Written)
	}
	b, _ = os.ReadFile(path)
	if all := parseLines(t, b); len(all) != 400 {
		t.Fatalf("%d domains after resume, want 400", len(all))
	}
}

// TestEngineGrace: checks that do not finish within the grace period after
// a cancel are not written at all.
func TestEngineGrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int64
	check := func(ctx context.Context, d string) *delivery.DomainReport {
		if started.Add(1) == 4 {
			cancel()
		}
		<-ctx.Done() // a check that only ends at its deadline
		return &delivery.DomainReport{Domain: d, Error: ctx.Err().Error()}
	}
	e := &Engine{Check: check, Concurrency: 4, Grace: 50 * time.Millisecond, DomainTimeout: time.Minute}
	var out bytes.Buffer
	t0 := time.Now()
	st, err := e.Run(ctx, &Source{Next: SliceNext(domainList("g", 100))}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > 5*time.Second {
		t.Errorf("took %s despite a 50ms grace period", el)
	}
	if out.Len() != 0 || st.Written != 0 || st.Interrupted != 4 || !st.Canceled {
		t.Fatalf("stats %+v, output %q: want the 4 cut checks unwritten", st, out.String())
	}
}

// TestEngineDomainTimeout: a check is bounded by its own deadline.
func TestEngineDomainTimeout(t *testing.T) {
	var out bytes.Buffer
	e := &Engine{Check: slowCheck(time.Hour, nil), Concurrency: 4, DomainTimeout: 20 * time.Millisecond}
	st, err := e.Run(context.Background(), &Source{Next: SliceNext(domainList("t", 8))}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 8 || !strings.Contains(out.String(), `"error":"context deadline exceeded"`) {
		t.Fatalf("stats %+v, output %s", st, out.String())
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestEngineWriteError(t *testing.T) {
	e := &Engine{Check: slowCheck(0, nil), Concurrency: 4}
	st, err := e.Run(context.Background(), &Source{Next: SliceNext(domainList("w", 1000))}, &failWriter{n: 3})
	if err == nil || !strings.Contains(err.Error(), "disk full") || st.Written != 3 {
		t.Fatalf("err %v, stats %+v: want the write error after 3 lines", err, st)
	}
}

func TestEngineReadError(t *testing.T) {
	n := 0
	next := func() (string, error) {
		n++
		if n > 3 {
			return "", errors.New("input broke")
		}
		return fmt.Sprintf("r%d.example", n), nil
	}
	e := &Engine{Check: slowCheck(0, nil)}
	var out bytes.Buffer
	st, err := e.Run(context.Background(), &Source{Next: next}, &out)
	if err == nil || !strings.Contains(err.Error(), "input broke") || st.Written != 3 {
		t.Fatalf("err %v, stats %+v", err, st)
	}
}

// TestEngineBlockedInput: a cancel ends the run also while the input read
// blocks (a terminal on stdin).
func TestEngineBlockedInput(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	e := &Engine{Check: func(ctx context.Context, d string) *delivery.DomainReport {
		once.Do(cancel)
		return fakeReport(d)
	}}
	go fmt.Fprintln(pw, "one.example")
	done := make(chan RunStats)
	go func() {
		st, _ := e.Run(ctx, &Source{Next: NewListReader(pr).Next}, io.Discard)
		done <- st
	}()
	select {
	case st := <-done:
		if !st.Canceled || st.Written != 1 {
			t.Errorf("stats %+v", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run hangs on a blocked read after cancel")
	}
}

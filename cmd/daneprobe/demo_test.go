package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// demoOutput is a goroutine-safe writer for the output of a demo that is
// still running.
type demoOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *demoOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *demoOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// TestDemoServe runs "demo --serve", reads the printed flags, checks that
// the world answers there and validates with the printed trust anchor
// (through "daneprobe lookup"), runs "daneprobe check" with the printed
// check flags, then stops it through the context.
func TestDemoServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr demoOutput
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"daneprobe", "demo", "--serve", "--all"}, &stdout, &stderr) }()

	flagsRE := regexp.MustCompile(`--resolver (127\.0\.0\.1:\d+) --trust-anchor (\S+) --ca-file (\S+) --port (\d+) --policy-port (\d+)`)
	var m []string
	deadline := time.Now().Add(20 * time.Second)
	for m == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no flags printed\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited early with %d: %s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if out := stdout.String(); strings.Contains(out, "Ctrl-C") {
			m = flagsRE.FindStringSubmatch(out)
		}
	}
	addr, anchor, caFile := m[1], m[2], m[3]
	for _, f := range []string{anchor, caFile} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("file printed by demo: %v", err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"daneprobe lookup --resolver " + addr, "bench-tlsa: secure", "keytrap: bogus (resource-limit)",
		"CHECK='--resolver " + addr, "daneprobe check $CHECK dane-ee.mail.test", "(RFC 7672 §3.2): CRITICAL", "Ctrl-C"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The world answers at the printed address.
	q := new(dns.Msg)
	q.SetQuestion("_25._tcp.mx.bench.test.", dns.TypeTLSA)
	q.SetEdns0(1232, true)
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(q, addr)
	if err != nil || len(r.Answer) == 0 {
		t.Fatalf("query the demo world: %v %v", r, err)
	}

	// And daneprobe lookup validates against it with the printed flags.
	var lout, lerr bytes.Buffer
	code := run(ctx, []string{"daneprobe", "lookup", "--resolver", addr, "--trust-anchor", anchor, "www.alg13.test", "A"}, &lout, &lerr)
	if code != exitOK || !strings.Contains(lout.String(), "secure") {
		t.Errorf("lookup with the printed flags: exit %d\n%s%s", code, lout.String(), lerr.String())
	}

	// And check, with the check flags, reaches the verdicts the list promises.
	for _, c := range []struct {
		domain string
		code   int
	}{{"dane-ee.mail.test", exitOK}, {"tlsa-mismatch.mail.test", exitCritical}, {"sts-enforce.mail.test", exitOK}} {
		var cout, cerr bytes.Buffer
		args := append([]string{"daneprobe", "check"}, strings.Fields(m[0])...)
		code := run(ctx, append(args, c.domain), &cout, &cerr)
		if code != c.code {
			t.Errorf("check %s with the printed flags: exit %d, want %d\n%s%s", c.domain, code, c.code, cout.String(), cerr.String())
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("demo exit status %d, want 0; stderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not stop after cancel")
	}
	if _, err := os.Stat(anchor); !os.IsNotExist(err) {
		t.Errorf("trust anchor file left behind: %v", err)
	}
	if !strings.Contains(stdout.String(), "demo: stopped") {
		t.Errorf("no stop message: %s", stdout.String())
	}
}

// TestDemoCheck runs "demo" as a user would: it checks every curated
// domain, prints each verdict line with the expected status, and exits 0
// although many domains fail on purpose.
func TestDemoCheck(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"daneprobe", "demo"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("demo exit %d, want 0\nstderr: %s", code, stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour in piped output")
	}
	for _, s := range demoScenarios(t) {
		head := fmt.Sprintf("# %s, expected %s (exit %d):\n#   ", s.Domain, strings.ToUpper(s.Status), s.ExitCode)
		verdict := fmt.Sprintf("\n%s: %s - ", s.Domain, strings.ToUpper(s.Status))
		i := strings.Index(out, head)
		if i < 0 {
			t.Errorf("demo output lacks the heading of %s:\n%s", s.Domain, head)
			continue
		}
		// The description, in comment lines of at most 80 columns, then
		// the verdict line.
		block, _, _ := strings.Cut(out[i:], verdict)
		if strings.Join(strings.Fields(strings.ReplaceAll(block[len(head):], "#", "")), " ") != strings.Join(strings.Fields(s.Description), " ") {
			t.Errorf("%s: comment block %q does not hold the description %q", s.Domain, block, s.Description)
		}
		for _, l := range strings.Split(block, "\n") {
			if utf8.RuneCountInString(l) > 80 {
				t.Errorf("%s: comment line over 80 columns: %q", s.Domain, l)
			}
		}
		if !strings.Contains(out, head[:len(head)-4]) || !strings.Contains(out[i:], verdict) {
			t.Errorf("demo output lacks the verdict of %s", s.Domain)
		}
	}
	// On an 80-column terminal only the verdict lines and the records to
	// publish (kept whole) run over.
	verdictLine := regexp.MustCompile(`^[a-z0-9.-]+\.mail\.test: (OK|WARNING|CRITICAL|UNKNOWN) - `)
	for _, l := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(l) > 80 && !verdictLine.MatchString(l) && !zoneRecordLine.MatchString(l) {
			t.Errorf("line over 80 columns: %q", l)
		}
	}
	if !strings.Contains(out, "worst status CRITICAL") || !strings.Contains(out, "demo --serve") {
		t.Errorf("demo output lacks its closing lines:\n%s", out)
	}
	n := len(demoScenarios(t))
	if tally := fmt.Sprintf("%d of %d domains got their expected status", n, n); !strings.Contains(out, tally) {
		t.Errorf("demo output lacks %q", tally)
	}

	// --json prints one object per domain.
	stdout.Reset()
	if code := run(context.Background(), []string{"daneprobe", "demo", "--json"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("demo --json exit %d: %s", code, stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	n = 0
	for dec.More() {
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("demo --json: %v", err)
		}
		n++
	}
	if n != len(demoScenarios(t)) {
		t.Errorf("demo --json printed %d objects, want %d", n, len(demoScenarios(t)))
	}
}

// TestDemoMisses: a domain whose report has another status than its
// scenario expects is named, and a missing report too.
func TestDemoMisses(t *testing.T) {
	scenarios := []testworld.MailScenario{
		{Domain: "a.mail.test", Status: "ok"},
		{Domain: "b.mail.test", Status: "critical"},
		{Domain: "c.mail.test", Status: "warning"},
	}
	reports := []delivery.DomainReport{{Status: delivery.StatusOK}, {Status: delivery.StatusWarning}}
	got := demoMisses(scenarios, reports)
	want := []string{"b.mail.test is WARNING, expected CRITICAL", "c.mail.test was not checked"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("demoMisses = %q, want %q", got, want)
	}
	if got := demoMisses(scenarios[:1], reports[:1]); len(got) != 0 {
		t.Errorf("demoMisses of a match = %q", got)
	}
}

// TestDemoUsage checks the non-serving paths: exit status 3 with one
// line, and the help text.
func TestDemoUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--serve", "extra"}, "unexpected argument"},
		{[]string{"demo", "--serve", "--delay", "-1s"}, "must not be negative"},
		{[]string{"demo", "--bogus-flag"}, "bogus-flag"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, c.args...), &stdout, &stderr)
		if code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", c.args, code, exitUnknown)
		}
		if !strings.Contains(stderr.String(), c.want) || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("%v: stderr %q, want it to mention %q", c.args, stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"daneprobe", "demo", "--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"--serve", "--delay", "Exit status", "trust anchor"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestDemoFlagCombinations: flags that only make sense with or without
// --serve are refused, not silently ignored.
func TestDemoFlagCombinations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--all"}, "--all goes with --serve"},
		{[]string{"--serve", "--json"}, "--json goes without --serve"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe", "demo"}, tc.args...), &stdout, &stderr)
		if code != exitUnknown || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, stdout.String(), stderr.String())
		}
	}
}

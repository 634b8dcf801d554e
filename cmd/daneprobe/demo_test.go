package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
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
// (through "daneprobe lookup"), then stops it through the context.
func TestDemoServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr demoOutput
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"daneprobe", "demo", "--serve", "--all"}, &stdout, &stderr) }()

	flagsRE := regexp.MustCompile(`--resolver (127\.0\.0\.1:\d+) --trust-anchor (\S+)`)
	var m []string
	deadline := time.Now().Add(10 * time.Second)
	for m == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no flags printed\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited early with %d: %s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		m = flagsRE.FindStringSubmatch(stdout.String())
	}
	addr, anchor := m[1], m[2]
	if _, err := os.Stat(anchor); err != nil {
		t.Fatalf("trust anchor file: %v", err)
	}
	out := stdout.String()
	for _, want := range []string{"daneprobe lookup --resolver " + addr, "bench-tlsa: secure", "keytrap: bogus (resource-limit)", "Ctrl-C"} {
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

// TestDemoUsage checks the non-serving paths: exit status 3 with one
// line, and the help text.
func TestDemoUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"demo"}, "full demo comes with"},
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

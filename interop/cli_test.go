package interop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
)

// cliBinary is the daneprobe command, built once per test run while the
// world starts.
type cliBinary struct {
	path string
	err  error
	done chan struct{}
}

// buildCLI starts "go build" of cmd/daneprobe into dir.
func buildCLI(dir string) *cliBinary {
	b := &cliBinary{path: filepath.Join(dir, "daneprobe"), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		// go test puts $GOROOT/bin first on the test's PATH.
		goBin, err := exec.LookPath("go")
		if err != nil {
			b.err = fmt.Errorf("find the go command: %w", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "build", "-o", b.path, "github.com/daneprobe/daneprobe/cmd/daneprobe")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build ./cmd/daneprobe: %w: %s", err, out)
		}
	}()
	return b
}

// cliResult is one run of "daneprobe check --json".
type cliResult struct {
	report delivery.DomainReport
	exit   int
	out    string
	err    error
}

// testCLI runs the daneprobe binary against the world, pointed at Unbound
// with the private root's DS as trust anchor: "lookup --json" for a few
// questions, and "check --json" for every SMTP scenario at the
// scenario's listener port, comparing the per-MX DANE verdict with the
// scenario table and the exit status with the verdict: a DANE-enforcing
// sender that defers is CRITICAL (2).
func testCLI(t *testing.T, w *world, bin *cliBinary) {
	<-bin.done
	if bin.err != nil {
		t.Fatal(bin.err)
	}
	anchor := filepath.Join(w.dir, "root.ds")
	if err := os.WriteFile(anchor, []byte(strings.Join(w.anchor, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("lookup", func(t *testing.T) { testCLILookup(t, w, bin.path, anchor) })
	t.Run("check", func(t *testing.T) { testCLICheck(t, w, bin.path, anchor) })
}

// testCLILookup runs "daneprobe lookup --json" for one question of each
// status and checks the status and the exit code (0 for secure and
// insecure answers, NXDOMAIN included; 2 for bogus).
func testCLILookup(t *testing.T, w *world, bin, anchor string) {
	for _, c := range []struct {
		name, qtype, want string
		exit              int
	}{
		{"www.p256.interop", "A", "secure", 0},
		{"_25._tcp.nothere.nsec3.interop", "TLSA", "secure", 0},
		{"www.insecure.interop", "A", "insecure", 0},
		{"www.expired.interop", "A", "bogus", 2},
		{"www.wrongds.interop", "A", "bogus", 2},
	} {
		t.Run(c.name+"/"+c.qtype, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "lookup", "--resolver", w.unbound, "--trust-anchor", anchor, "--json", c.name, c.qtype)
			out, err := cmd.Output()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var j struct {
				Security string `json:"security"`
				Reason   string `json:"reason"`
			}
			if err := json.Unmarshal(out, &j); err != nil {
				t.Fatalf("parse lookup --json: %v\n%s", err, out)
			}
			if j.Security != c.want || exit != c.exit {
				t.Errorf("lookup %s %s: %s (%s), exit %d; want %s, exit %d", c.name, c.qtype, j.Security, j.Reason, exit, c.want, c.exit)
			}
		})
	}
}

// testCLICheck runs "daneprobe check --json" for every SMTP scenario (see
// testCLI).
func testCLICheck(t *testing.T, w *world, bin, anchor string) {
	w.needPostfix(t)
	results := make([]cliResult, len(w.smtp.scenarios))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, s := range w.smtp.scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runCheck(bin, w.unbound, anchor, s)
		}()
	}
	wg.Wait()
	for i, s := range w.smtp.scenarios {
		res := results[i]
		t.Run(strings.TrimSuffix(s.domain, "."), func(t *testing.T) {
			if res.err != nil {
				t.Fatalf("daneprobe check: %v\n%s", res.err, res.out)
			}
			if res.report.Error != "" {
				t.Fatalf("check did not complete: %s", res.report.Error)
			}
			checkMXVerdict(t, s, &res.report)
			critical := s.want == delivery.DANEFailed
			if (res.exit == 2) != critical || res.exit == 3 {
				t.Errorf("exit status %d (status %s) for DANE %s; want 2 exactly when a DANE sender defers", res.exit, res.report.Status, s.want)
			}
		})
	}
}

func runCheck(bin, resolver, anchor string, s *smtpScenario) cliResult {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", "--resolver", resolver, "--trust-anchor", anchor,
		"--port", strconv.Itoa(s.port), "--helo", "probe.interop", "--timeout", "5s", "--deadline", "30s",
		"--json", strings.TrimSuffix(s.domain, "."))
	out, err := cmd.Output()
	var r cliResult
	r.out = string(out)
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.exit = ee.ExitCode()
		r.out += string(ee.Stderr)
	case err != nil:
		r.err = err
		return r
	}
	if ctx.Err() != nil {
		r.err = ctx.Err()
		return r
	}
	if err := json.Unmarshal(out, &r.report); err != nil {
		r.err = fmt.Errorf("parse the JSON report: %w", err)
	}
	return r
}

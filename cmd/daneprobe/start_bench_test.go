package main

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// BenchmarkColdStart measures what one run of the built binary costs in
// CPU (user plus system time of the process, so independent of the
// machine's load): "daneprobe --version", and a one-domain "check" of the
// dane-ee scenario against the in-process test world as the local
// resolver (cold cache: the whole chain from the root is validated, one
// SMTP session). The goal is under 20 ms of CPU for each.
//
//	go test -run '^$' -bench BenchmarkColdStart ./cmd/daneprobe/
//
// DANEPROBE_BENCH_BINARY names another build to measure (a "before"
// binary, for benchstat).
func BenchmarkColdStart(b *testing.B) {
	bin := os.Getenv("DANEPROBE_BENCH_BINARY")
	if bin == "" {
		bin = daneprobeBinary(b)
	}
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	dir := b.TempDir()
	anchor, err := w.TrustAnchorFile(dir)
	if err != nil {
		b.Fatal(err)
	}
	ca, err := w.CAFile(dir)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := w.Scenario("dane-ee")
	runs := []struct {
		name string
		args []string
		code int
	}{
		{"version", []string{"--version"}, 0},
		{"check", []string{"check", "--resolver", w.Resolver(), "--trust-anchor", anchor, "--ca-file", ca,
			"--port", strconv.Itoa(w.Port), "--policy-port", strconv.Itoa(w.PolicyPort), "--helo", "bench.daneprobe.test", "-q", s.Domain}, s.ExitCode},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, r.args...)
				cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
				out, err := cmd.CombinedOutput()
				if code := cmd.ProcessState.ExitCode(); code != r.code {
					b.Fatalf("%v: exit %d (%v), want %d:\n%s", r.args, code, err, r.code, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/run")
		})
	}
}

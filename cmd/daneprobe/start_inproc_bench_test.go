package main

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// BenchmarkCheckInProcess runs the one-domain check of BenchmarkColdStart
// inside the test process, so that -cpuprofile shows where a cold
// check's CPU goes (the process start itself is BenchmarkColdStart's
// version run).
//
//	go test -run '^$' -bench BenchmarkCheckInProcess -cpuprofile cpu.prof ./cmd/daneprobe/
func BenchmarkCheckInProcess(b *testing.B) {
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
	if err := w.DNS.SignAll(); err != nil {
		b.Fatal(err)
	}
	args := []string{"daneprobe", "check", "--resolver", w.Resolver(), "--trust-anchor", anchor, "--ca-file", ca,
		"--port", strconv.Itoa(w.Port), "--policy-port", strconv.Itoa(w.PolicyPort), "--helo", "bench.daneprobe.test", "-q", s.Domain}
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != s.ExitCode {
			b.Fatalf("exit %d, want %d", code, s.ExitCode)
		}
	}
}

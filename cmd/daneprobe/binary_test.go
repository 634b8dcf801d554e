package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The CLI tests that matter to users run the built binary, as a shell
// does: the arguments pass through the real os.Args, environment and
// exit status.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// daneprobeBinary builds cmd/daneprobe once per test run and returns the
// path of the binary.
func daneprobeBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		// go test puts $GOROOT/bin first on the test's PATH.
		goBin, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("find the go command: %w", err)
			return
		}
		if binDir, err = os.MkdirTemp("", "daneprobe-bin-"); err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(binDir, "daneprobe")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, goBin, "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/daneprobe: %w: %s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// binRun is one run of the built binary.
type binRun struct {
	code           int
	stdout, stderr string
}

// runBinary runs the built binary with args, the environment env added
// to a clean one (no DANEPROBE_* variables of the caller leak in), and
// stdin as standard input.
func runBinary(t *testing.T, env []string, stdin string, args ...string) binRun {
	t.Helper()
	bin := daneprobeBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := binRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestUsageErrors: every kind of bad command line ends with exit status 3
// and one line on stderr that says what was wrong and where the help is,
// never urfave/cli's full help text or a Go stack.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `unknown command "nosuch" (see daneprobe --help)`},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus (see daneprobe --help)"},
		{[]string{"check", "--bogus", "example.org"}, "check: flag provided but not defined: -bogus (see daneprobe check --help)"},
		{[]string{"tlsa", "verify", "--nope"}, "tlsa verify: flag provided but not defined: -nope (see daneprobe tlsa verify --help)"},
		{[]string{"lookup", "--timeout", "soon", "example.org"}, "lookup: invalid value"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, tc.args...), &stdout, &stderr)
		if code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", tc.args, code, exitUnknown)
		}
		msg := stderr.String()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, msg, tc.want)
		}
		if strings.Count(msg, "\n") != 1 || strings.Contains(msg, "USAGE") || strings.Contains(msg, "goroutine") {
			t.Errorf("%v: want one line on stderr, got:\n%s", tc.args, msg)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: stdout %q, want nothing", tc.args, stdout.String())
		}
	}
}

// TestNoArguments prints the overview and succeeds.
func TestNoArguments(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"daneprobe"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	for _, cmd := range []string{"check", "scan", "lookup", "tlsa", "mtasts", "demo"} {
		if !strings.Contains(stdout.String(), "   "+cmd) {
			t.Errorf("overview does not list %s:\n%s", cmd, stdout.String())
		}
	}
}

// TestHelpNamesEveryValue: no flag shows urfave/cli's anonymous "value"
// placeholder in --help; each says what it wants (DURATION, FILE, N...).
func TestHelpNamesEveryValue(t *testing.T) {
	anonymous := regexp.MustCompile(`--[a-z0-9-]+(, -[a-z0-9]+)? value\b`)
	for _, cmd := range [][]string{{"check"}, {"scan"}, {"lookup"}, {"mtasts"}, {"tlsrpt"}, {"demo"}, {"tlsa", "generate"}, {"tlsa", "verify"}} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"daneprobe"}, cmd...), "--help")
		if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d", cmd, code)
		}
		if m := anonymous.FindAllString(stdout.String(), -1); len(m) > 0 {
			t.Errorf("%v --help: unnamed values %q", cmd, m)
		}
	}
}

// TestVersion: --version prints one line and succeeds.
func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"daneprobe", "--version"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "daneprobe version ") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("--version printed %q", stdout.String())
	}
}

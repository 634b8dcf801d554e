package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCheckHELO(t *testing.T) {
	for _, ok := range []string{"", "mail.example.org", "MX1.Example.ORG.", "[192.0.2.1]", "[IPv6:2001:db8::1]", "localhost"} {
		if err := checkHELO(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"bad name", "x\r\nMAIL FROM:<a@b>", "[192.0.2.1", "[2001:db8::1]", "[IPv6:192.0.2.1]", "[fe80::1%eth0]", "a_b.example", ".", "[]"} {
		if err := checkHELO(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestHELOUsageError: every command with --helo refuses a malformed name
// before it connects anywhere.
func TestHELOUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--resolver", "127.0.0.1:1", "--helo", "bad name", "example.org"},
		{"scan", "--resolver", "127.0.0.1:1", "--helo", "bad name", "-"},
		{"tlsa", "generate", "--host", "mx.example.org", "--connect", "127.0.0.1", "--helo", "bad name"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"daneprobe"}, args...), &stdout, &stderr)
		if code != exitUnknown || !strings.Contains(stderr.String(), `--helo "bad name": want a domain name`) {
			t.Errorf("%v: exit %d, stderr %q", args[0], code, stderr.String())
		}
	}
}

package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// envCommand is one command line of the environment tests.
type envCommand struct {
	name  string
	args  []string
	stdin string
}

// envCommands are the commands that share the resolver flags, each with
// arguments that make it resolve names.
func envCommands() map[string]envCommand {
	return map[string]envCommand{
		"check":  {name: "check", args: []string{"check", "dane-ee.mail.test"}},
		"scan":   {name: "scan", args: []string{"scan"}, stdin: "dane-ee.mail.test\n"},
		"mtasts": {name: "mtasts", args: []string{"mtasts", "sts-enforce.mail.test"}},
		"lookup": {name: "lookup", args: []string{"lookup", "dane-ee.mail.test", "MX"}},
		"tlsa":   {name: "tlsa", args: []string{"tlsa", "generate", "--usage", "3", "--host", "mx1.dane-ee.mail.test"}},
	}
}

// TestEnvironmentEveryCommand runs the built binary: every DANEPROBE_*
// variable of a shared flag changes every command that has the flag in
// the same way (here: the same refusal of a bad value, naming the flag).
// DANEPROBE_RESOLVER points at a closed loopback port throughout, so that
// nothing ever reaches the machine's resolver.
func TestEnvironmentEveryCommand(t *testing.T) {
	all := []string{"check", "scan", "mtasts", "lookup", "tlsa"}
	checks := []string{"check", "scan"}
	policy := []string{"check", "scan", "mtasts"}
	smtp := []string{"check", "scan", "tlsa"}
	for _, tc := range []struct {
		env      []string
		commands []string
		want     string
	}{
		{[]string{"DANEPROBE_RESOLVER=127.0.0.1:1"}, all, "no DNS resolver answered (tried 127.0.0.1:1"},
		{[]string{"DANEPROBE_TRUST_ANCHOR=/nonexistent/anchor"}, all, "--trust-anchor: open /nonexistent/anchor"},
		{[]string{"DANEPROBE_TIMEOUT=-1s"}, all, "--timeout must be positive"},
		{[]string{"DANEPROBE_DNS_TIMEOUT=0s"}, all, "--dns-timeout must be positive"},
		{[]string{"DANEPROBE_AT=next-friday"}, all, `--at "next-friday"`},
		{[]string{"DANEPROBE_NSEC3_ITERATIONS=0"}, all, "--nsec3-iterations must be between"},
		{[]string{"DANEPROBE_CA_FILE=/nonexistent/ca.pem"}, policy, "/nonexistent/ca.pem"},
		{[]string{"DANEPROBE_POLICY_PORT=0"}, policy, "--policy-port must be between"},
		{[]string{"DANEPROBE_PORT=70000"}, checks, "--port must be between"},
		{[]string{"DANEPROBE_DEADLINE=0s"}, checks, "--deadline must be positive"},
		{[]string{"DANEPROBE_IPV4=true", "DANEPROBE_IPV6=true"}, checks, "-4 and -6 exclude each other"},
		{[]string{"DANEPROBE_HELO=not a name"}, smtp, "not a name"},
	} {
		for _, name := range tc.commands {
			cmd := envCommands()[name]
			t.Run(strings.Join(tc.env, ",")+"/"+name, func(t *testing.T) {
				env := append([]string{"DANEPROBE_RESOLVER=127.0.0.1:1"}, tc.env...)
				r := runBinary(t, env, cmd.stdin, cmd.args...)
				if r.code != exitUnknown || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%v with %v: exit %d, want 3 with %q on stderr\nstdout: %s\nstderr: %s", cmd.args, tc.env, r.code, tc.want, r.stdout, r.stderr)
				}
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 && name != "scan" {
					t.Errorf("%v: stderr has %d lines, want one:\n%s", cmd.args, n+1, r.stderr)
				}
			})
		}
	}
}

// TestEnvironmentReachesWorld points every command at the test world by
// environment variables alone and expects each to succeed: the variables
// are read by every command, not only by check.
func TestEnvironmentReachesWorld(t *testing.T) {
	w, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	get := func(name string) string {
		for i, f := range flags {
			if f == name {
				return flags[i+1]
			}
		}
		t.Fatalf("no flag %s", name)
		return ""
	}
	env := []string{
		"DANEPROBE_RESOLVER=" + get("--resolver"),
		"DANEPROBE_TRUST_ANCHOR=" + get("--trust-anchor"),
		"DANEPROBE_CA_FILE=" + get("--ca-file"),
		"DANEPROBE_PORT=" + get("--port"),
		"DANEPROBE_POLICY_PORT=" + get("--policy-port"),
		"DANEPROBE_HELO=env.daneprobe.test",
		"DANEPROBE_TIMEOUT=20s",
	}
	for name, cmd := range envCommands() {
		args := cmd.args
		if name == "tlsa" {
			args = append(args, "--smtp-port", strconv.Itoa(w.Port))
		}
		r := runBinary(t, env, cmd.stdin, args...)
		if r.code != exitOK {
			t.Errorf("%s through the environment: exit %d\nstdout: %s\nstderr: %s", name, r.code, r.stdout, r.stderr)
		}
	}
}

// TestDomainArguments runs the built binary: every command parses its
// domain argument with one parser. An international name goes on the wire
// in A-labels; an e-mail address or a name with a space is refused with
// one line on stderr and exit 3, before any query (the resolver given is
// a closed port, so a query would fail differently).
func TestDomainArguments(t *testing.T) {
	_, _, flags := startWorldWithFlags(t, testworld.MailOptions{})
	r := runBinary(t, nil, "", append(append([]string{"lookup"}, flags[:4]...), "bücher.mail.test", "MX")...)
	if !strings.Contains(r.stdout, "xn--bcher-kva.mail.test") || !strings.Contains(r.stdout, "NXDOMAIN") {
		t.Errorf("lookup bücher.mail.test: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dead := []string{"DANEPROBE_RESOLVER=127.0.0.1:1"}
	for _, args := range [][]string{
		{"mtasts", "exa mple"},
		{"mtasts", "user@example.org"},
		{"check", "user@example.org"},
		{"lookup", "exa mple"},
		{"auth", "user@example.org"},
		{"tlsa", "generate", "--host", "user@example.org"},
	} {
		r := runBinary(t, dead, "", args...)
		lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1
		if r.code != exitUnknown || lines != 1 || !strings.Contains(r.stderr, "is not a domain name") || strings.Contains(r.stderr, "resolver") {
			t.Errorf("%q: exit %d, %d stderr lines:\n%s%s", args, r.code, lines, r.stdout, r.stderr)
		}
	}
}

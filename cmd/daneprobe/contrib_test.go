package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/internal/needtool"
)

// promtoolPath returns Prometheus's promtool (needtool: a failure under CI=true
// when missing).
func promtoolPath(t *testing.T) string {
	t.Helper()
	return needtool.Path(t, "promtool", "prometheus")
}

// The shipped alerting rules and scrape configuration are valid for
// Prometheus, and the rules fire as their unit tests expect.
func TestContribPrometheus(t *testing.T) {
	bin := promtoolPath(t)
	dir := filepath.Join("..", "..", "contrib", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "daneprobe.rules.yml"},
		{"test", "rules", "daneprobe.rules.test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The rules name only series the service exports.
	rules, err := os.ReadFile(filepath.Join(dir, "daneprobe.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, series := range []string{"daneprobe_dane_info", "daneprobe_mta_sts_info", "daneprobe_certificate_expiry_seconds",
		"daneprobe_rrsig_expiry_seconds", "daneprobe_status", "probe_success", "daneprobe_addresses_dane_failed"} {
		if !strings.Contains(string(rules), series) {
			t.Errorf("the rules do not use %s", series)
		}
	}
}

// The systemd unit starts serve with flags serve has, and reloads with
// SIGHUP.
func TestContribSystemdUnit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "contrib", "systemd", "daneprobe.service"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range serveCommand().Flags {
		for _, n := range f.Names() {
			known["--"+n] = true
		}
	}
	var execStart string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			execStart = v
		}
	}
	f := strings.Fields(execStart)
	if len(f) < 2 || f[1] != "serve" {
		t.Fatalf("ExecStart %q does not run daneprobe serve", execStart)
	}
	for _, a := range f[2:] {
		if strings.HasPrefix(a, "--") && !known[a] {
			t.Errorf("ExecStart uses %s, which serve does not have", a)
		}
	}
	if !strings.Contains(string(b), "ExecReload=/bin/kill -HUP $MAINPID") {
		t.Error("the unit does not reload with SIGHUP")
	}
	// systemd's own check of the unit, where systemd is installed (it is
	// not a dependency of the suite), with the built binary in ExecStart.
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit's syntax is not verified by systemd")
		return
	}
	unit := filepath.Join(t.TempDir(), "daneprobe.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/daneprobe", daneprobeBinary(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", unit).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

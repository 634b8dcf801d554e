package needtool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how the test would have ended
// instead of ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatal(args ...any)     { r.fatal = args[0].(string) }
func (r *recorder) Skip(args ...any)      { r.skip = args[0].(string) }
func (r *recorder) Fatalf(string, ...any) { panic("not used") }

func TestFind(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "daneprobe-needtool-test")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if p, err := Find("daneprobe-needtool-missing", "daneprobe-needtool-test"); err != nil || p != prog {
		t.Errorf("Find(missing, present) = %q, %v; want %q", p, err, prog)
	}
	if p, err := Find("daneprobe-needtool-missing"); err == nil {
		t.Errorf("Find(missing) = %q, want an error", p)
	}
	if _, err := Find(); err == nil {
		t.Error("Find() without names: want an error")
	}
	// With PATH empty, a program of /usr/sbin is still found (the
	// daemons live there); skip where this machine has none.
	t.Setenv("PATH", "")
	entries, _ := os.ReadDir("/usr/sbin")
	for _, e := range entries {
		if st, err := os.Stat(filepath.Join("/usr/sbin", e.Name())); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			if _, err := os.Stat(filepath.Join("/usr/local/sbin", e.Name())); err == nil {
				continue
			}
			p, err := Find(e.Name())
			if err != nil || p != filepath.Join("/usr/sbin", e.Name()) {
				t.Errorf("Find(%q) with an empty PATH = %q, %v; want /usr/sbin/%s", e.Name(), p, err, e.Name())
			}
			return
		}
	}
	t.Log("no executable in /usr/sbin: the sbin fallback is untested here")
}

func TestUnavailable(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		Unavailable(r, "no frobnicator")
		if ci == "true" && (r.skip != "" || !strings.Contains(r.fatal, "no frobnicator")) {
			t.Errorf("CI=true: fatal %q, skip %q; want a failure naming the cause", r.fatal, r.skip)
		}
		if ci == "" && (r.fatal != "" || r.skip != "no frobnicator") {
			t.Errorf("CI unset: fatal %q, skip %q; want a skip naming the cause", r.fatal, r.skip)
		}
	}
	t.Setenv("CI", "true")
	t.Setenv("PATH", t.TempDir())
	r := &recorder{TB: t}
	Path(r, "daneprobe-needtool-missing", "frob-utils")
	if !strings.Contains(r.fatal, "frob-utils") {
		t.Errorf("Path of a missing program under CI=true: fatal %q; want it to name the package", r.fatal)
	}
}

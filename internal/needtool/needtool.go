// Package needtool finds the external programs tests run (promtool,
// Chromium, the interop daemons). Without one a test is skipped, except
// under CI=true, where a missing program is a failure: .ci/run installs
// them, so CI never passes by skipping silently.
package needtool

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Find returns the path of the first of names found on PATH or, failing
// that, in the sbin directories. It does not end the test: callers that
// gather several programs report what is missing with Unavailable.
func Find(names ...string) (string, error) {
	var firstErr error
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		// Debian puts daemons (nsd, unbound, postfix) in /usr/sbin,
		// which an ordinary user's PATH lacks.
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
			cand := filepath.Join(dir, name)
			if st, serr := os.Stat(cand); serr == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				return cand, nil
			}
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no program named")
	}
	return "", firstErr
}

// Path returns the path of the program name (or of the first of its
// alternatives found), or skips (fails under CI=true) naming the Debian
// package that provides it.
func Path(t testing.TB, name, debianPackage string, alternatives ...string) string {
	t.Helper()
	p, err := Find(append([]string{name}, alternatives...)...)
	if err != nil {
		Unavailable(t, name+" not found (Debian package "+debianPackage+"): "+err.Error())
	}
	return p
}

// Unavailable ends a test that cannot run here because something it needs
// (a program, root, a namespace) is missing: a failure under CI=true,
// where .ci/run provides everything, and a skip with msg elsewhere.
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: every test must run)")
		return
	}
	t.Skip(msg)
}

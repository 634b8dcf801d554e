// Package needtool finds the external programs tests run (promtool,
// Chromium, the interop daemons). Without one a test is skipped, except
// under CI=true, where a missing program is a failure: .ci/run installs
// them, so CI never passes by skipping silently.
package needtool

import (
	"os"
	"os/exec"
	"testing"
)

// Path returns the path of the program name, or skips (fails under
// CI=true) naming the Debian package that provides it.
func Path(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (Debian package %s): %v", name, debianPackage, err)
		}
		t.Skipf("%s not installed (Debian package %s)", name, debianPackage)
	}
	return p
}

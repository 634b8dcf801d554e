//go:build !linux

package roots

import "os"

// readCertFile reads a certificate file (System uses it on Linux
// only; see roots_read_linux.go).
func readCertFile(name string) ([]byte, error) { return os.ReadFile(name) }

// fileID would identify a file; elsewhere than on Linux System does not
// read files itself, so no file is skipped.
type fileID struct{}

// readCertFileOnce reads name; dup is always false here.
func readCertFileOnce(name string, _ map[fileID]bool) ([]byte, bool, error) {
	data, err := os.ReadFile(name)
	return data, false, err
}

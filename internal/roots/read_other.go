//go:build !linux

package roots

import "os"

// fileID would identify a file; elsewhere than on Linux System does not
// read files itself, so no file is skipped.
type fileID struct{}

// readCertFileOnce reads name (System reads files itself on Linux only;
// see read_linux.go); dup is always false here.
func readCertFileOnce(name string, _ map[fileID]bool) ([]byte, bool, error) {
	data, err := os.ReadFile(name)
	return data, false, err
}

//go:build !linux

package roots

import "os"

// readCertFile reads a certificate file (System uses it on Linux
// only; see roots_read_linux.go).
func readCertFile(name string) ([]byte, error) { return os.ReadFile(name) }

package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Where Go's crypto/x509 looks for the system roots on Linux
// (root_linux.go), in its order.
var (
	linuxCertFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem",
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		"/etc/ssl/cert.pem",
	}
	linuxCertDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

// systemRoots returns the system's trusted root certificates: on Linux the
// same pool as x509.SystemCertPool, read from the same files in the same
// order (SSL_CERT_FILE and SSL_CERT_DIR included), elsewhere
// x509.SystemCertPool itself.
//
// Why not x509.SystemCertPool on Linux: it reads the CA bundle and then
// every certificate file of /etc/ssl/certs, which on Debian and Ubuntu are
// the bundle's certificates once more, and parses each copy; that second
// pass was 10 of the 31 ms of CPU a cold "daneprobe check" costs
// (BenchmarkColdStart). Here a certificate whose DER bytes were already
// added is skipped before it is parsed, and a file that is byte for byte
// such a certificate before it is even decoded; the pool is the same,
// since CertPool drops duplicates anyway (TestSystemRootsAsGo).
func systemRoots() (*x509.CertPool, error) {
	if runtime.GOOS != "linux" {
		return x509.SystemCertPool()
	}
	files := linuxCertFiles
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		files = []string{f}
	}
	dirs := linuxCertDirs
	if d := os.Getenv("SSL_CERT_DIR"); d != "" {
		dirs = strings.Split(d, ":")
	}
	pool := x509.NewCertPool()
	// Keyed by the bytes themselves: Go's map hash is some ten times
	// cheaper than SHA-256, which was 1 ms of a cold check.
	seen := map[string]bool{}     // DER of the certificates added
	seenText := map[string]bool{} // their PEM text, as read
	// add is x509.CertPool.AppendCertsFromPEM, skipping known certificates
	// before they are parsed.
	add := func(data []byte) {
		for len(data) > 0 {
			var block *pem.Block
			before := data
			block, data = pem.Decode(data)
			if block == nil {
				return
			}
			if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
				continue
			}
			if seen[string(block.Bytes)] {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				continue
			}
			seen[string(block.Bytes)] = true
			// The block's text: pem.Decode consumed it from its BEGIN
			// line on, after whatever text came before it. (Searched
			// from the end, this was another millisecond; a BEGIN in
			// the text before it only makes the file pass below decode
			// a file it could have skipped.)
			consumed := before[:len(before)-len(data)]
			if i := bytes.Index(consumed, []byte("-----BEGIN")); i >= 0 {
				seenText[string(bytes.TrimSpace(consumed[i:]))] = true
			}
			pool.AddCert(c)
		}
	}
	var firstErr error
	for _, file := range files {
		data, err := readCertFile(file)
		if err == nil {
			add(data)
			break
		}
		if firstErr == nil && !os.IsNotExist(err) {
			firstErr = err
		}
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if firstErr == nil && !os.IsNotExist(err) {
				firstErr = err
			}
			continue
		}
		for _, e := range entries {
			if sameDirSymlink(e, dir) {
				continue // the hash links of c_rehash: the same files again
			}
			data, err := readCertFile(dir + "/" + e.Name())
			if err != nil {
				continue
			}
			// A file that is, byte for byte, one certificate already added
			// (what /etc/ssl/certs holds next to the bundle made from it)
			// adds nothing: skip it without decoding.
			if seenText[string(bytes.TrimSpace(data))] {
				continue
			}
			add(data)
		}
	}
	if len(seen) > 0 || firstErr == nil {
		return pool, nil
	}
	return nil, firstErr
}

// sameDirSymlink reports whether e is a symbolic link to a file of the
// same directory, as crypto/x509 skips them.
func sameDirSymlink(e fs.DirEntry, dir string) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := os.Readlink(filepath.Join(dir, e.Name()))
	return err == nil && !strings.Contains(target, "/")
}

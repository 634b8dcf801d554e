package roots

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

// System returns the system's trusted roots: on Linux the roots
// x509.SystemCertPool would hold, read from the same files in the same
// order (SSL_CERT_FILE and SSL_CERT_DIR included) but not parsed until a
// verification needs them; elsewhere a store around x509.SystemCertPool
// itself.
//
// Why not x509.SystemCertPool on Linux: it reads the CA bundle and then
// every certificate file of /etc/ssl/certs, which on Debian and Ubuntu are
// the bundle's certificates once more, and parses each copy; that was 10
// of the 31 ms of CPU a cold "daneprobe check" cost (BenchmarkColdStart
// in cmd/daneprobe), and parsing the 144 distinct roots another 6. Here a
// file already read (the bundle, which Debian keeps in /etc/ssl/certs
// too) is skipped before it is read, a file that is byte for byte a
// certificate already read before it is decoded, a certificate already
// held before its subject is read, and no root is parsed until a
// presented chain names its subject (Store.PoolFor); TestSystemAsGo
// checks the set against x509.SystemCertPool.
func System() (*Store, error) {
	if runtime.GOOS != "linux" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, err
		}
		return &Store{base: pool}, nil
	}
	files := linuxCertFiles
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		files = []string{f}
	}
	dirs := linuxCertDirs
	if d := os.Getenv("SSL_CERT_DIR"); d != "" {
		dirs = strings.Split(d, ":")
	}
	s := New()
	seenText := map[string]bool{} // the PEM text of the certificates held, as read
	// add is x509.CertPool.AppendCertsFromPEM without the parsing.
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
			n := s.Len()
			s.Add(block.Bytes)
			if s.Len() == n {
				continue // held already, or a DER that does not parse
			}
			// The block's text: pem.Decode consumed it from its BEGIN
			// line on, after whatever text came before it. (Searched
			// from the end, this was another millisecond; a BEGIN in
			// the text before it only makes the file pass below decode
			// a file it could have skipped.)
			consumed := before[:len(before)-len(data)]
			if i := bytes.Index(consumed, []byte("-----BEGIN")); i >= 0 {
				seenText[string(bytes.TrimSpace(consumed[i:]))] = true
			}
		}
	}
	var firstErr error
	read := map[fileID]bool{} // the files read, to read each once
	for _, file := range files {
		data, _, err := readCertFileOnce(file, read)
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
			data, dup, err := readCertFileOnce(dir+"/"+e.Name(), read)
			if err != nil || dup {
				continue // unreadable, or the bundle again: nothing new
			}
			// A file that is, byte for byte, one certificate already held
			// (what /etc/ssl/certs holds next to the bundle made from it)
			// adds nothing: skip it without decoding.
			if seenText[string(bytes.TrimSpace(data))] {
				continue
			}
			add(data)
		}
	}
	if s.Len() > 0 || firstErr == nil {
		return s, nil
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

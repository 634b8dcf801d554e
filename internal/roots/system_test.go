package roots

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// everyRoot parses every root of s into one pool, as x509 would have.
func everyRoot(s *Store) *x509.CertPool {
	pool := x509.NewCertPool()
	if s.base != nil {
		pool = s.base.Clone()
	}
	for _, r := range s.roots {
		if c, err := x509.ParseCertificate(r.der); err == nil {
			pool.AddCert(c)
		}
	}
	return pool
}

// samePools fails unless System holds the roots x509.SystemCertPool
// holds in this process.
func samePools(t *testing.T) *x509.CertPool {
	t.Helper()
	s, err := System()
	if err != nil {
		t.Fatalf("System: %v", err)
	}
	got := everyRoot(s)
	want, err := x509.SystemCertPool()
	if err != nil {
		t.Fatalf("SystemCertPool: %v", err)
	}
	if !got.Equal(want) {
		t.Fatal("System and x509.SystemCertPool differ")
	}
	return got
}

// TestSystemAsGo: the roots System holds are those
// x509.SystemCertPool builds: on this machine, and (in a child process,
// since crypto/x509 reads its variables once) with SSL_CERT_FILE and
// SSL_CERT_DIR pointing at a bundle and at directories that repeat it,
// hold a certificate of their own after junk, a same-directory link, and
// one that does not exist.
func TestSystemAsGo(t *testing.T) {
	if os.Getenv("DANEPROBE_ROOTS_CHILD") != "" {
		pool := samePools(t)
		//lint:ignore SA1019 the pool holds only the certificates the test wrote, no platform roots
		if n := len(pool.Subjects()); n != 3 {
			t.Fatalf("%d certificates, want 3 (a, b, c once each)", n)
		}
		return
	}
	samePools(t)

	dir := t.TempDir()
	pemOf := func(cn string) []byte {
		ca, err := testworld.NewRootCA(testworld.CertOptions{CommonName: cn})
		if err != nil {
			t.Fatal(err)
		}
		return ca.RootPEM()
	}
	a, b, c := pemOf("root a"), pemOf("root b"), pemOf("root c")
	write := func(path string, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bundle := filepath.Join(dir, "bundle.pem")
	certs := filepath.Join(dir, "certs")
	if err := os.Mkdir(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	write(bundle, append(append([]byte{}, a...), b...))
	write(filepath.Join(certs, "a.pem"), a)
	write(filepath.Join(certs, "c.pem"), append([]byte("junk\n"), c...))
	if err := os.Symlink("a.pem", filepath.Join(certs, "1234abcd.0")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSystemAsGo$")
	cmd.Env = append(os.Environ(), "DANEPROBE_ROOTS_CHILD=1", "SSL_CERT_FILE="+bundle,
		"SSL_CERT_DIR="+certs+":"+filepath.Join(dir, "missing"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

package roots

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestReadCertFile: readCertFileOnce returns a file's bytes whatever its size
// (empty, and larger than one read), an error os.IsNotExist recognises
// for a missing file (System tells "no such bundle" from a broken
// one by it), and an error for a directory.
func TestReadCertFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4096, 300 << 10} {
		want := bytes.Repeat([]byte("x"), n)
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, _, err := readCertFileOnce(p, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
	if _, _, err := readCertFileOnce(filepath.Join(dir, "missing"), nil); !os.IsNotExist(err) {
		t.Errorf("missing file: %v, want a not-exist error", err)
	}
	if _, _, err := readCertFileOnce(dir, nil); err == nil {
		t.Error("a directory was read as a file")
	}
}

// TestReadCertFileOnce: a file met again under another name (a symbolic
// link, as /etc/ssl/certs/ca-certificates.crt is met again in the
// directory pass) is reported as a duplicate without being read, and a
// different file with the same bytes is not.
func TestReadCertFileOnce(t *testing.T) {
	dir := t.TempDir()
	a, b, link := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "link")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("same"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	seen := map[fileID]bool{}
	for _, tc := range []struct {
		path string
		dup  bool
	}{{a, false}, {link, true}, {a, true}, {b, false}} {
		data, dup, err := readCertFileOnce(tc.path, seen)
		if err != nil || dup != tc.dup || (!dup && string(data) != "same") || (dup && data != nil) {
			t.Errorf("%s: %q dup=%v %v, want dup=%v", tc.path, data, dup, err, tc.dup)
		}
	}
}

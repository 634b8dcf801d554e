package roots

import (
	"fmt"
	"os"
	"syscall"
)

// fileID is a file's identity: its device and inode numbers.
type fileID struct{ dev, ino uint64 }

// readCertFileOnce reads a certificate file with plain system calls, and
// skips a file it has read before. The system roots are some 150 files;
// os.ReadFile makes each an *os.File, which costs four more system calls
// per file (fcntl twice, a failed epoll registration, the close of the
// poller), about a millisecond of a cold check's CPU. When seen (if not
// nil) holds the file's identity, it returns dup true and no data without
// reading; otherwise it adds the identity. On Debian
// the CA bundle is read first and then met again in the directory pass
// (/etc/ssl/certs/ca-certificates.crt): 220 KB of PEM that x509 decodes
// twice, 1 to 2 ms of a cold check's CPU, for nothing new.
func readCertFileOnce(name string, seen map[fileID]bool) (data []byte, dup bool, err error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, false, &os.PathError{Op: "open", Path: name, Err: err} // os.IsNotExist sees through it
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, false, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, false, fmt.Errorf("read %s: not a regular file", name)
	}
	if seen != nil {
		id := fileID{uint64(st.Dev), uint64(st.Ino)}
		if seen[id] {
			return nil, true, nil
		}
		seen[id] = true
	}
	const maxCertFile = 16 << 20 // a CA bundle is some 200 KB
	size := min(int(st.Size), maxCertFile)
	buf := make([]byte, 0, size+1) // one more, to see the end in one read
	for len(buf) < maxCertFile {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, false, &os.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return buf, false, nil
		}
		buf = buf[:len(buf)+n]
	}
	return nil, false, fmt.Errorf("read %s: larger than %d bytes", name, maxCertFile)
}

package interop

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/needtool"
)

// fingerprinter runs posttls-finger against the scenario listeners.
//
// posttls-finger resolves through the C library, which reads the
// nameserver from /etc/resolv.conf, always on port 53, and Postfix
// believes the resolver's AD bit (it does not validate itself). So that
// it asks our Unbound without touching the machine's resolv.conf, each
// run happens in a private mount namespace (unshare --mount) where a
// resolv.conf of ours is bind-mounted over /etc/resolv.conf, naming a
// random 127.53.x.y address; a small relay on that address's port 53
// passes the queries on to Unbound's random port. This needs root (or
// CAP_SYS_ADMIN and CAP_NET_BIND_SERVICE), as on CI.
type fingerprinter struct {
	w       *world
	resolv  string // our resolv.conf
	err     error  // why posttls-finger cannot run here
	unshare string
}

func newFingerprinter(t *testing.T, w *world) *fingerprinter {
	t.Helper()
	f := &fingerprinter{w: w}
	var err error
	if f.unshare, err = exec.LookPath("unshare"); err != nil {
		f.err = fmt.Errorf("no unshare(1): %w", err)
		return f
	}
	if _, err := exec.LookPath("mount"); err != nil {
		f.err = fmt.Errorf("no mount(8): %w", err)
		return f
	}
	ip, err := startRelay(t, w.unbound)
	if err != nil {
		f.err = err
		return f
	}
	f.resolv = filepath.Join(w.dir, "resolv.conf")
	// trust-ad: glibc passes the AD bit on only when told to.
	conf := fmt.Sprintf("nameserver %s\noptions edns0 trust-ad attempts:1 timeout:5\n", ip)
	if f.err = os.WriteFile(f.resolv, []byte(conf), 0o644); f.err != nil {
		return f
	}
	// Check that the mount namespace trick works here at all.
	out, err := exec.Command(f.unshare, "--mount", "sh", "-c", `mount --bind "$1" /etc/resolv.conf && cat /etc/resolv.conf`, "sh", f.resolv).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ip) {
		f.err = fmt.Errorf("cannot bind-mount a resolv.conf in a private mount namespace (needs root): %v: %s", err, out)
	}
	return f
}

// unavailable ends a posttls-finger subtest that cannot run: fatal on CI,
// skipped with one line elsewhere.
func (f *fingerprinter) unavailable(t *testing.T) {
	t.Helper()
	needtool.Unavailable(t, "interop: posttls-finger cross-check unavailable: "+f.err.Error())
}

// run asks posttls-finger -l dane about the scenario's domain at its
// listener port and classifies the outcome.
func (f *fingerprinter) run(ctx context.Context, s *smtpScenario) (postfinger, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dest := fmt.Sprintf("%s:%d", strings.TrimSuffix(s.domain, "."), s.port)
	cmd := exec.CommandContext(ctx, f.unshare, "--mount", "sh", "-c",
		`mount --bind "$1" /etc/resolv.conf && shift && exec "$@"`, "sh", f.resolv,
		f.w.tb.path("posttls-finger"), "-l", "dane", "-t", "5", "-T", "10", dest)
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+f.w.smtp.confDir)
	b, err := cmd.CombinedOutput()
	out := string(b)
	if ctx.Err() != nil {
		return "", out, fmt.Errorf("timed out: %w", ctx.Err())
	}
	// posttls-finger is a diagnostic tool: it completes the handshake
	// even when the TLSA records reject the server, so "Untrusted TLS
	// connection established" follows a DANE failure too. A failure that
	// would stop Postfix's smtp client is logged as a "server" or "CA"
	// certificate verification failure ("no matching DANE TLSA records",
	// "certificate has expired", "hostname mismatch"), a failed TLSA
	// lookup or a missing STARTTLS; the plain "certificate verification
	// failed ...: self-signed certificate" is the WebPKI remark of
	// opportunistic TLS, which does not stop delivery. A server without
	// STARTTLS draws no complaint from posttls-finger (it says QUIT after
	// EHLO; the SMTP transcript is kept, without -c, to see that), while
	// Postfix's smtp(8) at level dane defers: "TLS is required, but was
	// not offered by host" (RFC 7672 §2.2.3).
	switch {
	case strings.Contains(out, "Connected to") && !strings.Contains(out, "STARTTLS"):
		return pfFailed, out, nil
	case failedVerify.MatchString(out),
		strings.Contains(out, "TLSA lookup error"),
		strings.Contains(out, "TLS is required"),
		strings.Contains(out, "Failed to establish session"):
		return pfFailed, out, nil
	case strings.Contains(out, "Verified TLS connection established"):
		return pfVerified, out, nil
	case strings.Contains(out, "Untrusted TLS connection established"),
		strings.Contains(out, "Anonymous TLS connection established"):
		return pfUntrusted, out, nil
	}
	return "", out, fmt.Errorf("unrecognised posttls-finger output (exit: %v)", err)
}

// failedVerify matches Postfix's log line for a certificate that fails the
// policy in force.
var failedVerify = regexp.MustCompile(`(server|CA) certificate verification failed for `)

// startRelay listens on port 53 (UDP and TCP) of a random 127.53.x.y and
// passes every query on to upstream, for resolvers that cannot be told a
// port. It stops in t.Cleanup.
func startRelay(t *testing.T, upstream string) (string, error) {
	t.Helper()
	var lastErr error
	for range 5 {
		var b [2]byte
		_, _ = rand.Read(b[:])
		ip := fmt.Sprintf("127.53.%d.%d", b[0], 1+b[1]%254)
		addr := net.JoinHostPort(ip, "53")
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil {
			lastErr = err
			continue
		}
		ln, err := net.Listen("tcp4", addr)
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); relayUDP(pc, upstream) }()
		go func() { defer wg.Done(); relayTCP(ln, upstream) }()
		t.Cleanup(func() {
			pc.Close()
			ln.Close()
			wg.Wait()
		})
		return ip, nil
	}
	return "", fmt.Errorf("cannot listen on port 53 of a 127.53.x.y address (needs root): %w", lastErr)
}

func relayUDP(pc net.PacketConn, upstream string) {
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := append([]byte(nil), buf[:n]...)
		go func() {
			c, err := net.DialTimeout("udp4", upstream, 2*time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(q); err != nil {
				return
			}
			resp := make([]byte, 65535)
			m, err := c.Read(resp)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(resp[:m], from)
		}()
	}
}

func relayTCP(ln net.Listener, upstream string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			u, err := net.DialTimeout("tcp4", upstream, 2*time.Second)
			if err != nil {
				return
			}
			defer u.Close()
			deadline := time.Now().Add(10 * time.Second)
			_ = c.SetDeadline(deadline)
			_ = u.SetDeadline(deadline)
			go func() { _, _ = io.Copy(u, c) }()
			_, _ = io.Copy(c, u)
		}()
	}
}

package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/needtool"
)

// aptPackages are the Debian packages that provide the tools below;
// .ci/run installs the same list.
const aptPackages = "unbound nsd bind9-utils bind9-dnsutils ldnsutils postfix"

// toolNames lists the programs the suite runs (besides Postfix's master,
// found through postconf).
func toolNames() []string {
	return []string{
		"nsd", "unbound", "delv",
		"dnssec-keygen", "dnssec-signzone", "dnssec-dsfromkey",
		"ldns-keygen", "ldns-signzone", "ldns-key2ds",
		"postfix", "postconf", "posttls-finger",
	}
}

// toolbox knows where each tool lives.
type toolbox struct {
	paths map[string]string
}

// findTools looks every tool up, on PATH or else in the sbin directories
// (Debian puts daemons in /usr/sbin, which an ordinary user's PATH lacks).
// On CI (CI=true) a missing tool fails the test; elsewhere the test skips
// with one line saying what to install.
func findTools(t *testing.T) *toolbox {
	t.Helper()
	tb := &toolbox{paths: map[string]string{}}
	var missing []string
	for _, name := range toolNames() {
		p, err := needtool.Find(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		tb.paths[name] = p
	}
	if len(missing) == 0 {
		if master, err := tb.postfixMaster(); err != nil {
			missing = append(missing, "postfix master ("+err.Error()+")")
		} else {
			tb.paths["master"] = master
		}
	}
	if len(missing) > 0 {
		needtool.Unavailable(t, fmt.Sprintf("interop: missing %s; install with: apt-get install %s", strings.Join(missing, ", "), aptPackages))
	}
	return tb
}

// postfixMaster finds Postfix's master daemon through postconf.
func (tb *toolbox) postfixMaster() (string, error) {
	out, err := exec.Command(tb.paths["postconf"], "-d", "-h", "daemon_directory").Output()
	if err != nil {
		return "", fmt.Errorf("postconf -d -h daemon_directory: %w", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "master")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

func (tb *toolbox) path(name string) string { return tb.paths[name] }

// run runs a tool to completion with a deadline and returns its standard
// output; the error carries standard error.
func (tb *toolbox) run(ctx context.Context, dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tb.path(name), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()+"\n"+tail(stdout.Bytes(), 2048)))
	}
	return stdout.String(), nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago,
// also free for UDP. The caller retries on a clash.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, uerr := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if uerr == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no port free for both TCP and UDP on 127.0.0.1")
	return 0
}

// daemon is one started process.
type daemon struct {
	name string
	cmd  *exec.Cmd
	log  string // file holding the daemon's output
	done chan struct{}
	err  error
}

// startDaemon starts a long-running process in its own process group,
// with output to dir/name.out, and registers its end by PID in
// t.Cleanup: SIGTERM to the group, SIGKILL after two seconds.
func startDaemon(t *testing.T, dir, name, bin string, args ...string) (*daemon, error) {
	t.Helper()
	logPath := filepath.Join(dir, name+".out")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so stop reaches the children it forks; and
	// killed with the test binary if that dies before its cleanup runs
	// (a go test -timeout panic, a SIGKILL).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	d := &daemon{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	if err := os.WriteFile(filepath.Join(dir, name+".test.pid"), []byte(fmt.Sprintln(cmd.Process.Pid)), 0o644); err != nil {
		t.Logf("write PID file of %s: %v", name, err)
	}
	go func() {
		d.err = cmd.Wait()
		f.Close()
		close(d.done)
	}()
	t.Cleanup(d.stop)
	return d, nil
}

// stop ends the daemon's process group by its PID.
func (d *daemon) stop() {
	pgid := d.cmd.Process.Pid
	select {
	case <-d.done:
	default:
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-d.done
		}
	}
	// Children that outlived their leader (a forked NSD worker) go too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// exited reports whether the daemon has ended.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// output returns the daemon's output so far, at most the last 4 KiB.
func (d *daemon) output() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// errBindClash says a daemon could not bind its port.
var errBindClash = errors.New("port already in use")

// waitReady polls ready until it succeeds, the daemon exits or the
// deadline passes. When the daemon's output mentions an address in use
// the error wraps errBindClash so the caller picks new ports.
func (d *daemon) waitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if d.exited() {
			out := d.output()
			if strings.Contains(strings.ToLower(out), "address already in use") {
				return fmt.Errorf("%s exited: %w: %s", d.name, errBindClash, out)
			}
			return fmt.Errorf("%s exited (%v): %s", d.name, d.err, out)
		}
		if last = ready(); last == nil {
			return nil
		}
		if errors.Is(last, errBindClash) {
			d.stop()
			return fmt.Errorf("%s not ready: %w", d.name, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.stop()
	out := d.output()
	if strings.Contains(strings.ToLower(out), "address already in use") {
		return fmt.Errorf("%s not ready: %w: %s", d.name, errBindClash, out)
	}
	return fmt.Errorf("%s not ready after %v: %v; output: %s", d.name, timeout, last, out)
}

package interop

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

// smtpWorld is the Postfix half of the world: the SMTP scenarios, their
// zones and one Postfix instance with a listener per scenario.
type smtpWorld struct {
	scenarios []*smtpScenario
	confDir   string // Postfix's config directory (MAIL_CONFIG)
	// unavailable says why Postfix was not started, if it was not.
	unavailable string
}

func newSMTPWorld(now time.Time) (*smtpWorld, error) {
	s, err := smtpScenarios(now)
	if err != nil {
		return nil, err
	}
	return &smtpWorld{scenarios: s}, nil
}

// zones returns the zones holding the SMTP scenario domains: the signed
// dane.interop. and the unsigned dane-insecure.interop.
func (sw *smtpWorld) zones() []zoneSpec {
	signed := zoneSpec{name: "dane.interop.", parent: "interop.", tmpl: "dane.zone.tmpl", signer: bindSigner, alg: p256}
	unsigned := zoneSpec{name: "dane-insecure.interop.", parent: "interop.", tmpl: "dane.zone.tmpl"}
	for _, s := range sw.scenarios {
		z := &signed
		if !strings.HasSuffix(s.domain, "."+signed.name) {
			z = &unsigned
		}
		lines := []string{
			fmt.Sprintf("%s IN MX 10 %s", s.domain, s.mx()),
			fmt.Sprintf("%s IN A 127.0.0.1", s.target()),
		}
		if s.alias {
			lines = append(lines, fmt.Sprintf("%s IN CNAME %s", s.mx(), s.target()))
		}
		// _25._tcp for daneprobe; *._tcp for posttls-finger, which asks
		// for _PORT._tcp with the listener's random port.
		for _, owner := range []string{"_25._tcp." + s.target(), "*._tcp." + s.target()} {
			if s.tlsaCNAME != "" {
				lines = append(lines, fmt.Sprintf("%s IN CNAME %s", owner, s.tlsaCNAME))
			}
			for _, r := range s.tlsa {
				lines = append(lines, fmt.Sprintf("%s IN TLSA %s", owner, r))
			}
		}
		z.lines = append(z.lines, lines...)
	}
	return []zoneSpec{signed, unsigned}
}

// pfListener is one smtpd line of master.cf.
type pfListener struct {
	Addr, Name, Chain, Level string
}

// writeChainFile writes the key and the presented chain in the single-file
// form of smtpd_tls_chain_files: key first, then leaf, then issuers.
func writeChainFile(path string, l *testworld.Leaf) error {
	der, err := x509.MarshalPKCS8PrivateKey(l.Key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b = append(b, l.ChainPEM()...)
	return os.WriteFile(path, b, 0o600)
}

// start writes Postfix's configuration and runs its master daemon in the
// foreground ("master -d"), retrying with new ports on a clash.
func (sw *smtpWorld) start(t *testing.T, tb *toolbox, dir, tmplDir string) error {
	t.Helper()
	d := filepath.Join(dir, "postfix")
	sw.confDir = d
	for _, sub := range []string{"queue", "data", "certs"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return err
		}
	}
	// smtpd runs as the unprivileged mail_owner and must reach its queue
	// directory: open up the path from the test's temporary directory.
	for p := d; len(p) > len(os.TempDir()); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		_ = os.Chown(filepath.Join(d, "data"), uid, -1)
	}
	var defChain string
	for i, s := range sw.scenarios {
		if s.chain == nil {
			continue
		}
		p := filepath.Join(d, "certs", fmt.Sprintf("%02d.pem", i))
		if err := writeChainFile(p, s.chain); err != nil {
			return err
		}
		if defChain == "" {
			defChain = p
		}
	}
	if err := renderFile(tmplDir, "main.cf.tmpl", filepath.Join(d, "main.cf"), map[string]any{"Dir": d, "DefaultChain": defChain}); err != nil {
		return err
	}
	var lastErr error
	for range 3 {
		var ls []pfListener
		used := map[int]bool{}
		for i, s := range sw.scenarios {
			// freePort's port was free a moment ago; two picks in a row
			// can still return the same one.
			for s.port = freePort(t); used[s.port]; s.port = freePort(t) {
			}
			used[s.port] = true
			l := pfListener{Addr: fmt.Sprintf("127.0.0.1:%d", s.port), Name: strings.Split(s.domain, ".")[0], Level: "none"}
			if s.chain != nil {
				l.Chain, l.Level = filepath.Join(d, "certs", fmt.Sprintf("%02d.pem", i)), "may"
			}
			ls = append(ls, l)
		}
		if err := renderFile(tmplDir, "master.cf.tmpl", filepath.Join(d, "master.cf"), map[string]any{"Listeners": ls}); err != nil {
			return err
		}
		// postfix check creates the queue directories. It warns about
		// the ownership of the test's directories; only its fatal errors
		// matter, and master reports those again.
		if _, err := tb.run(t.Context(), d, "postfix", "-c", d, "check"); err != nil {
			t.Logf("postfix check: %v", err)
		}
		p, err := startDaemon(t, d, "postfix-master", tb.path("master"), "-c", d, "-d")
		if err != nil {
			return err
		}
		// Ready when every listener accepts and greets.
		err = p.waitReady(20*time.Second, func() error {
			for _, l := range ls {
				if err := smtpGreets(l.Addr, "interop-"+l.Name); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			return nil
		}
		p.stop()
		lastErr = err
		if !errors.Is(err, errBindClash) {
			break
		}
	}
	return lastErr
}

// errWrongServer says a port answered, but not with the listener we
// started there: another process took the port between freePort and the
// daemon's bind.
var errWrongServer = fmt.Errorf("another server answers on the port: %w", errBindClash)

// smtpGreets connects and reads a 220 greeting that carries mark (each
// listener's banner names its scenario), so a port taken by some other
// process is not mistaken for ours.
func smtpGreets(addr, mark string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	if !strings.HasPrefix(string(buf[:n]), "220") {
		return fmt.Errorf("greeting from %s: %q", addr, buf[:n])
	}
	if !strings.Contains(string(buf[:n]), mark) {
		return fmt.Errorf("greeting from %s: %q lacks %q: %w", addr, buf[:n], mark, errWrongServer)
	}
	_, _ = c.Write([]byte("QUIT\r\n"))
	return nil
}

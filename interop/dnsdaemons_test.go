package interop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/miekg/dns"
)

// renderFile executes the template tmplDir/name with data into path.
func renderFile(tmplDir, name, path string, data any) error {
	t, err := template.ParseFiles(filepath.Join(tmplDir, name))
	if err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// askSOA sends one query for the SOA of zone to addr and wants an answer
// with the given rcode; it is the readiness probe of both DNS daemons.
func askSOA(addr, zone string, rd bool) error {
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	m.RecursionDesired = rd
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return err
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return fmt.Errorf("SOA %s at %s: %s with %d answers", zone, addr, dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	return nil
}

// nsdZone is one zone line of nsd.conf.
type nsdZone struct{ Name, File string }

// startNSD serves every zone from one NSD on a random port, retrying on a
// port clash, and returns its address.
func startNSD(t *testing.T, tb *toolbox, dir, tmplDir string, zones map[string]*signedZone) (string, error) {
	t.Helper()
	d := filepath.Join(dir, "nsd")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	var list []nsdZone
	for _, z := range zones {
		list = append(list, nsdZone{Name: z.spec.name, File: z.file})
	}
	var lastErr error
	for range 3 {
		port := freePort(t)
		conf := filepath.Join(d, "nsd.conf")
		if err := renderFile(tmplDir, "nsd.conf.tmpl", conf, map[string]any{"Port": port, "Dir": d, "Zones": list}); err != nil {
			return "", err
		}
		// -d: stay in the foreground, so the PID we hold is NSD's.
		p, err := startDaemon(t, d, "nsd", tb.path("nsd"), "-d", "-c", conf)
		if err != nil {
			return "", err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		// NSD answers once every zone is loaded; the last loaded is not
		// known, so ask for the root and check the log for load errors.
		err = p.waitReady(15*time.Second, func() error { return askSOA(addr, ".", false) })
		if err == nil {
			if log, _ := os.ReadFile(filepath.Join(d, "nsd.log")); bytes.Contains(log, []byte("error")) {
				return "", fmt.Errorf("nsd reported errors: %s", log)
			}
			return addr, nil
		}
		p.stop()
		lastErr = err
		if !errors.Is(err, errBindClash) {
			break
		}
	}
	return "", lastErr
}

// startUnbound starts Unbound with a stub-zone per zone pointing at NSD
// and the root DS as its trust anchor, retrying on a port clash.
func startUnbound(t *testing.T, tb *toolbox, dir, tmplDir, nsdAddr string, zones []string, anchor []string) (string, error) {
	t.Helper()
	d := filepath.Join(dir, "unbound")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d, "root.ds"), []byte(strings.Join(anchor, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	nsdPort := nsdAddr[strings.LastIndexByte(nsdAddr, ':')+1:]
	var lastErr error
	for range 3 {
		port := freePort(t)
		conf := filepath.Join(d, "unbound.conf")
		if err := renderFile(tmplDir, "unbound.conf.tmpl", conf, map[string]any{"Port": port, "Dir": d, "Zones": zones, "NSDPort": nsdPort}); err != nil {
			return "", err
		}
		p, err := startDaemon(t, d, "unbound", tb.path("unbound"), "-d", "-c", conf)
		if err != nil {
			return "", err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		// Ready when it resolves (and validates) the root SOA.
		err = p.waitReady(15*time.Second, func() error { return askSOA(addr, ".", true) })
		if err == nil {
			return addr, nil
		}
		if log, rerr := os.ReadFile(filepath.Join(d, "unbound.log")); rerr == nil {
			err = fmt.Errorf("%w; unbound.log: %s", err, tail(log, 2048))
			if bytes.Contains(log, []byte("ddress already in use")) {
				err = fmt.Errorf("%w (%w)", err, errBindClash)
			}
		}
		p.stop()
		lastErr = err
		if !errors.Is(err, errBindClash) {
			break
		}
	}
	return "", lastErr
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

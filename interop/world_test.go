package interop

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/needtool"
)

// world is the running interop world: signed zones, NSD, Unbound and
// Postfix, all on loopback, all owned by one test.
type world struct {
	tb      *toolbox
	dir     string
	tmplDir string
	zones   map[string]*signedZone
	anchor  []string // the root's DS records, in zone-file syntax
	nsd     string   // NSD's address
	unbound string   // Unbound's address
	smtp    *smtpWorld
}

// templateDir is testdata/interop, found from this source file so the
// tests run from any working directory.
func templateDir(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the interop sources")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata", "interop")
}

// newWorld builds and starts the world. Everything it starts ends in
// t.Cleanup; everything it writes is under t.TempDir().
func newWorld(t *testing.T, tb *toolbox) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &world{tb: tb, dir: t.TempDir(), tmplDir: templateDir(t)}
	start := time.Now()

	sw, err := newSMTPWorld(start)
	if err != nil {
		t.Fatalf("make the SMTP scenario certificates: %v", err)
	}
	w.smtp = sw
	specs := append(dnsZones(), sw.zones()...)
	w.zones, err = buildZones(ctx, tb, w.dir, w.tmplDir, specs, start)
	if err != nil {
		t.Fatalf("sign the zones: %v", err)
	}
	signed := time.Now()
	if w.anchor, err = trustAnchor(w.zones); err != nil {
		t.Fatal(err)
	}
	if w.nsd, err = startNSD(t, tb, w.dir, w.tmplDir, w.zones); err != nil {
		t.Fatalf("start NSD: %v", err)
	}
	var names []string
	for n := range w.zones {
		names = append(names, n)
	}
	slices.Sort(names)
	if w.unbound, err = startUnbound(t, tb, w.dir, w.tmplDir, w.nsd, names, w.anchor); err != nil {
		t.Fatalf("start Unbound: %v", err)
	}
	if os.Geteuid() != 0 {
		// Postfix's master refuses to run as anyone but root.
		sw.unavailable = "Postfix needs root (run the suite as root, as CI does)"
	} else if err := sw.start(t, tb, w.dir, w.tmplDir); err != nil {
		t.Fatalf("start Postfix: %v", err)
	}
	listeners := len(sw.scenarios)
	if sw.unavailable != "" {
		listeners = 0
	}
	t.Logf("interop world up in %v (keys and signatures %v); NSD %s, Unbound %s, %d zones, %d Postfix listeners",
		time.Since(start).Round(time.Millisecond), signed.Sub(start).Round(time.Millisecond), w.nsd, w.unbound, len(w.zones), listeners)
	return w
}

// anchorRRs parses the root DS records for dnssec.Config.
func (w *world) anchorRRs(t *testing.T) []dns.RR {
	t.Helper()
	rrs, err := dnssec.ParseTrustAnchors(strings.NewReader(strings.Join(w.anchor, "\n")+"\n"), ".")
	if err != nil {
		t.Fatalf("parse the root DS: %v", err)
	}
	return rrs
}

// resolver returns a daneprobe validating resolver pointed at Unbound.
func (w *world) resolver(t *testing.T) *dnssec.Resolver {
	t.Helper()
	r, err := dnssec.NewResolver(dnssec.Config{
		Upstreams:    []string{w.unbound},
		TrustAnchors: w.anchorRRs(t),
		Timeout:      3 * time.Second,
	})
	if err != nil {
		t.Fatalf("new resolver: %v", err)
	}
	return r
}

// needPostfix ends a test that needs the Postfix listeners when they could
// not be started here: fatal on CI, one skip line elsewhere.
func (w *world) needPostfix(t *testing.T) {
	t.Helper()
	if w.smtp.unavailable == "" {
		return
	}
	needtool.Unavailable(t, "interop: "+w.smtp.unavailable)
}

// TestInterop builds the world once and runs every comparison against
// it: the DNS scenarios (daneprobe against delv and Unbound), the SMTP
// scenarios (daneprobe's packages and gather.Checker against the RFC
// 7672 table and posttls-finger) and the daneprobe binary's "check".
func TestInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: the real-daemon suite does not run with -short")
	}
	tb := findTools(t)
	bin := buildCLI(t.TempDir()) // while the world starts
	defer func() { <-bin.done }()
	w := newWorld(t, tb)
	t.Run("dns", func(t *testing.T) { testDNS(t, w) })
	t.Run("zone-anchor", func(t *testing.T) { testZoneAnchor(t, w) })
	t.Run("smtp", func(t *testing.T) { testSMTP(t, w) })
	t.Run("cli", func(t *testing.T) { testCLI(t, w, bin) })
}

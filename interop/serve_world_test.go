package interop

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/needtool"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/monitor"
	"github.com/daneprobe/daneprobe/scan"
)

// monitorTool returns the path of a monitoring tool (prometheus,
// chromium). Without it the test skips, except under CI=true, where it
// fails (.ci/run installs the Debian packages prometheus and chromium).
func monitorTool(t *testing.T, names ...string) string {
	t.Helper()
	return needtool.Path(t, names[0], names[0], names[1:]...)
}

// serveWorld is "daneprobe serve" in-process over the mail test world:
// every curated scenario domain listed, checked once at start.
type serveWorld struct {
	mail *testworld.Mail
	mon  *monitor.Monitor
	url  string // http://127.0.0.1:PORT
	addr string // 127.0.0.1:PORT
}

func startServeWorld(t *testing.T) *serveWorld {
	t.Helper()
	w, err := testworld.StartMail(testworld.MailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	lim := scan.NewIPLimiter(2)
	newRound := func() monitor.CheckFunc {
		res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.Resolver()}, TrustAnchors: anchors, Timeout: 5 * time.Second})
		if err != nil {
			t.Error(err)
			return func(ctx context.Context, d string) *delivery.DomainReport {
				return &delivery.DomainReport{Domain: d, Status: delivery.StatusUnknown}
			}
		}
		ck := &gather.Checker{Resolver: res, Port: w.Port, PolicyPort: w.PolicyPort, Roots: w.CA.Pool(),
			EHLOName: "interop.daneprobe.test", Timeout: 10 * time.Second, Deadline: time.Minute, Dial: scan.LimitDial(nil, lim, nil)}
		ck.Prober = scan.ProberFor(ck)
		return ck.Check
	}
	mon := monitor.New(monitor.Config{NewRound: newRound, Interval: time.Hour, Concurrency: 8, CheckAtOnce: true})
	var domains []string
	for _, s := range w.Scenarios {
		domains = append(domains, s.Domain)
	}
	mon.SetDomains(domains)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { mon.Run(ctx); close(done) }()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := monitor.NewServer(ln.Addr().String(), mon.Handler(monitor.HTTPConfig{MaxProbeTimeout: time.Minute}), time.Minute, nil)
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	sw := &serveWorld{mail: w, mon: mon, url: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
	// Wait for the first round (generous: the machine is loaded).
	deadline := time.Now().Add(3 * time.Minute)
	for {
		checked := 0
		for _, d := range mon.Domains() {
			if d.Latest != nil {
				checked++
			}
		}
		if checked == len(domains) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d domains checked", checked, len(domains))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get(sw.url + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	} else {
		resp.Body.Close()
	}
	return sw
}

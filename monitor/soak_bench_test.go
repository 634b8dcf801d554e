package monitor

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/scan"
)

// BenchmarkServeSoak is the service under load: 1,000 scheduled domains
// of the synthetic mail world with 20 ms of latency on every DNS and SMTP
// answer, checked every DANEPROBE_SOAK_INTERVAL (default 1m), while 50
// clients call /probe of listed domains without pause, each with
// Prometheus's 10-second scrape timeout, for DANEPROBE_SOAK (default 10s;
// the README's figure is a 10-minute run). It reports RSS and goroutines
// at the start (the first round done) and at the end (probes stopped), the
// heap at half time too, the runs and report bytes the memory store holds,
// the probes answered, and those not answered within their timeout. It
// fails when a probe was late or did not succeed, when goroutines grew, or
// when the heap grew in the second half (the store is full by then but for
// its few hundred bytes per run). Run
// with -benchtime=1x:
//
//	DANEPROBE_SOAK=10m go test -run '^$' -bench ServeSoak -benchtime=1x ./monitor/
func BenchmarkServeSoak(b *testing.B) {
	soak := envDuration(b, "DANEPROBE_SOAK", 10*time.Second)
	interval := envDuration(b, "DANEPROBE_SOAK_INTERVAL", time.Minute)
	w, err := testworld.StartMail(testworld.MailOptions{Synthetic: 1000, SyntheticMX: 20, Delay: 20 * time.Millisecond, NoIPv6: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	var anchors []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		anchors = append(anchors, ds)
	}
	lim := scan.NewIPLimiter(4)
	newRound := func() CheckFunc {
		res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{w.Resolver()}, TrustAnchors: anchors, Timeout: 5 * time.Second, CacheSize: 16384})
		if err != nil {
			b.Fatal(err)
		}
		ck := &gather.Checker{Resolver: res, Port: w.Port, PolicyPort: w.PolicyPort, Roots: w.CA.Pool(),
			EHLOName: "soak.daneprobe.test", Timeout: 10 * time.Second, Deadline: 30 * time.Second, Dial: scan.LimitDial(nil, lim, nil)}
		ck.Prober = scan.ProberFor(ck)
		return ck.Check
	}
	m := New(Config{NewRound: newRound, Interval: interval, Concurrency: 50, Deadline: 35 * time.Second, CheckAtOnce: true})
	m.SetDomains(w.Synthetic)
	srv := httptest.NewServer(m.Handler(HTTPConfig{MaxProbeTimeout: 30 * time.Second}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { m.Run(ctx); close(runDone) }()
	checks := m.Metrics().Checks.WithLabelValues("schedule")
	firstRound := time.Now().Add(10 * time.Minute) // a budget, not a measurement
	for value(checks) < float64(len(w.Synthetic)) {
		if time.Now().After(firstRound) {
			b.Fatalf("the first round did not end in 10 minutes: %v checks of %d", value(checks), len(w.Synthetic))
		}
		time.Sleep(100 * time.Millisecond)
	}
	runtime.GC()
	rss0, heap0, g0 := rssMB(), heapMB(), runtime.NumGoroutine()

	b.ResetTimer()
	var probes, late, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; ; n += 50 {
				select {
				case <-stop:
					return
				default:
				}
				d := w.Synthetic[n%len(w.Synthetic)]
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/probe?target="+d, nil)
				req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "10")
				resp, err := client.Do(req)
				if err != nil {
					late.Add(1) // not answered within the scrape timeout
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				probes.Add(1)
				if resp.StatusCode != 200 || !strings.Contains(string(body), "probe_success 1") {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(soak / 2)
	runtime.GC()
	heapMid := heapMB()
	time.Sleep(soak - soak/2)
	close(stop)
	wg.Wait()
	b.StopTimer()
	client.CloseIdleConnections()
	srv.CloseClientConnections()
	time.Sleep(time.Second) // let closed connections' goroutines end
	runtime.GC()
	rss1, heap1, g1 := rssMB(), heapMB(), runtime.NumGoroutine()
	storeRuns, storeBytes := m.cfg.Store.(*memStore).footprint()
	cancel()
	<-runDone
	b.ReportMetric(rss0, "rss-start-MB")
	b.ReportMetric(rss1, "rss-end-MB")
	b.ReportMetric(heap0, "heap-start-MB")
	b.ReportMetric(heapMid, "heap-mid-MB")
	b.ReportMetric(heap1, "heap-end-MB")
	b.ReportMetric(float64(storeRuns), "store-runs")
	b.ReportMetric(float64(storeBytes)/(1<<20), "store-reports-MB")
	b.ReportMetric(float64(g0), "goroutines-start")
	b.ReportMetric(float64(g1), "goroutines-end")
	b.ReportMetric(float64(probes.Load()), "probes")
	b.ReportMetric(float64(late.Load()), "probes-late")
	b.ReportMetric(float64(failed.Load()), "probes-failed")
	b.ReportMetric(value(checks), "scheduled-checks")
	if late.Load() > 0 || failed.Load() > 0 {
		b.Errorf("%d of %d probes not answered within the 10 s scrape timeout, %d answered without success",
			late.Load(), probes.Load()+late.Load(), failed.Load())
	}
	// The memory store fills up to MemoryReports reports per domain in
	// the first rounds and then holds only a few hundred bytes per run
	// more; what a leak would add grows with the probes and the checks,
	// so the second half of the soak may add little (in-flight checks
	// hold a few MB at any moment).
	if heap1 > heapMid*1.25+16 {
		b.Errorf("the heap grew from %.1f MB at half time to %.1f MB at the end", heapMid, heap1)
	}
	// A few goroutines come and go with the scheduler's checks in flight;
	// a leak of one per probe or per check would be thousands.
	if g1 > g0+2*50 {
		b.Errorf("goroutines grew from %d to %d over the soak", g0, g1)
	}
}

// heapMB is the Go heap in use, in MiB.
func heapMB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return d
}

// rssMB is the resident set size of the process, in MiB (Linux).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

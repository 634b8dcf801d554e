package scan

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
)

// synthWorld starts a mail world with n synthetic domains over mx shared
// MX hosts (a realistic mix of verdicts, see testworld), its zones signed
// before anything is measured (a recursive resolver serves signed data
// from its cache: signing is no part of a scan's cost).
func synthWorld(tb testing.TB, n, mx int, delay time.Duration) *testworld.Mail {
	tb.Helper()
	w, err := testworld.StartMail(testworld.MailOptions{Synthetic: n, SyntheticMX: mx, Delay: delay, NoIPv6: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	if err := w.DNS.SignAll(); err != nil {
		tb.Fatal(err)
	}
	return w
}

// worldChecker is a checker for the world as "daneprobe scan" builds it:
// one resolver for the whole scan, every connection through the limiter.
func worldChecker(tb testing.TB, resolver string, anchors []dns.RR, port, policyPort int, roots *x509.CertPool, lim *IPLimiter) (*gather.Checker, *dnssec.Resolver) {
	tb.Helper()
	res, err := dnssec.NewResolver(dnssec.Config{Upstreams: []string{resolver}, TrustAnchors: anchors, Timeout: 5 * time.Second, CacheSize: 16384})
	if err != nil {
		tb.Fatal(err)
	}
	ck := &gather.Checker{Roots: roots}
	ck.Resolver = res
	ck.Port = port
	ck.PolicyPort = policyPort
	ck.EHLOName = "bench.daneprobe.test"
	ck.Timeout = 10 * time.Second
	ck.Deadline = time.Minute
	ck.Dial = LimitDial(nil, lim, nil)
	// One SMTP session per (address, port, SNI) for the whole scan.
	ck.Prober = ProberFor(ck)
	return ck, res
}

func anchorsOf(w *testworld.Mail) []dns.RR {
	var out []dns.RR
	for _, ds := range w.DNS.TrustAnchors() {
		out = append(out, ds)
	}
	return out
}

// handshakes sums the TLS handshakes completed by the world's servers.
func handshakes(w *testworld.Mail) (hs, peak int64) {
	for _, ip := range w.Addresses() {
		st, _ := w.Stats(ip)
		hs += st.Handshakes
		peak = max(peak, st.Peak)
	}
	return hs, peak
}

// benchScan scans every synthetic domain of w per iteration, each time
// with cold caches, and reports the figures of the issue: domains/s, DNS
// queries per domain, TLS handshakes and connections per scan, and the
// CPU time (user + system) of the whole process per domain, test world
// included: unlike domains/s it does not depend on how much of the two
// cores the machine's other jobs leave.
func benchScan(b *testing.B, w *testworld.Mail, conc int) {
	b.ReportAllocs()
	var elapsed time.Duration
	var queries, conns int64
	hs0, _ := handshakes(w)
	cpu0 := processCPU(b)
	for b.Loop() {
		lim := NewIPLimiter(2)
		ck, res := worldChecker(b, w.Resolver(), anchorsOf(w), w.Port, w.PolicyPort, w.CA.Pool(), lim)
		e := &Engine{Check: ck.Check, Concurrency: conc}
		st, err := e.Run(context.Background(), &Source{Next: SliceNext(w.Synthetic)}, io.Discard)
		if err != nil || st.Written != len(w.Synthetic) {
			b.Fatalf("wrote %d of %d: %v", st.Written, len(w.Synthetic), err)
		}
		elapsed += st.Elapsed
		queries += res.Queries()
		conns += lim.Connections()
	}
	cpu := processCPU(b) - cpu0
	hs1, peak := handshakes(w)
	scans := float64(b.N)
	n := float64(len(w.Synthetic))
	b.ReportMetric(n*scans/elapsed.Seconds(), "domains/s")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/(n*scans), "cpu-ms/domain")
	b.ReportMetric(float64(queries)/(n*scans), "dns-queries/domain")
	b.ReportMetric(float64(hs1-hs0)/scans, "tls-handshakes/scan")
	b.ReportMetric(float64(conns)/scans, "connections/scan")
	b.ReportMetric(float64(peak), "peak-conns/ip")
}

// processCPU returns the user and system CPU time of this process.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScan: 10,000 domains over 100 MX hosts, CPU bound (no delay),
// at the default concurrency. Run with -benchtime=1x: one iteration is a
// whole scan.
func BenchmarkScan(b *testing.B) {
	w := synthWorld(b, benchDomains(), 100, 0)
	benchScan(b, w, benchConcurrency(DefaultConcurrency))
}

// BenchmarkScanDelay: the same with 20 ms injected before every DNS
// response and every SMTP reply, at concurrency 256.
func BenchmarkScanDelay(b *testing.B) {
	w := synthWorld(b, benchDomains(), 100, 20*time.Millisecond)
	benchScan(b, w, 256)
}

// benchDomains is the synthetic world's size: 10,000, or
// DANEPROBE_BENCH_DOMAINS.
func benchDomains() int {
	if n, err := strconv.Atoi(os.Getenv("DANEPROBE_BENCH_DOMAINS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// BenchmarkScanRSS measures the peak resident memory of a scan of 10,000
// and of 50,000 domains, each in a child process of its own (the test
// world stays in this process, so it does not count), and checks that it
// stays under 300 MB and does not grow with the number of domains. It
// takes about two minutes, so it is a benchmark (never part of a plain
// "go test"); one iteration is the whole measurement:
//
//	go test -run '^$' -bench BenchmarkScanRSS -benchtime=1x ./scan/
func BenchmarkScanRSS(b *testing.B) {
	if os.Getenv("DANEPROBE_RSS_CHILD") != "" {
		rssChild(b)
		return
	}
	for b.Loop() {
		measureRSS(b)
	}
}

func measureRSS(t *testing.B) {
	peaks := map[int]int64{}
	for _, n := range []int{10000, 50000} {
		w := synthWorld(t, n, 100, 0)
		dir := t.TempDir()
		list := dir + "/list.txt"
		if err := os.WriteFile(list, []byte(strings.Join(w.Synthetic, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		anchor, err := w.TrustAnchorFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := w.CAFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkScanRSS$", "-test.benchtime=1x", "-test.v")
		cmd.Env = append(os.Environ(), "DANEPROBE_RSS_CHILD=1",
			"RSS_LIST="+list, "RSS_RESOLVER="+w.Resolver(), "RSS_ANCHOR="+anchor, "RSS_CA="+ca,
			"RSS_PORT="+strconv.Itoa(w.Port), "RSS_POLICY_PORT="+strconv.Itoa(w.PolicyPort))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		var kb, written int64
		var rate float64
		for _, line := range strings.Split(string(out), "\n") {
			if i := strings.Index(line, "RSS-RESULT "); i >= 0 {
				fmt.Sscanf(line[i:], "RSS-RESULT peak_kb=%d written=%d rate=%f", &kb, &written, &rate)
			}
		}
		if written != int64(n) || kb == 0 {
			t.Fatalf("child scanned %d of %d, peak %d kB:\n%s", written, n, kb, out)
		}
		t.Logf("%d domains: peak RSS %.1f MB, %.0f domains/s", n, float64(kb)/1024, rate)
		t.ReportMetric(float64(kb)/1024, fmt.Sprintf("peak-rss-MB-%dk", n/1000))
		peaks[n] = kb
		w.Close()
	}
	if peaks[10000] > 300*1024 {
		t.Errorf("peak RSS %d kB for 10k domains, target 300 MB", peaks[10000])
	}
	// Flat in N: five times the domains may cost the duplicate filter's 8
	// bytes (plus map overhead) per domain, not more than 30% overall.
	if float64(peaks[50000]) > 1.3*float64(peaks[10000])+8*1024 {
		t.Errorf("peak RSS grows with N: %d kB for 10k, %d kB for 50k", peaks[10000], peaks[50000])
	}
}

// rssChild scans the list of RSS_LIST as "daneprobe scan" would and
// prints its own peak RSS (VmHWM).
func rssChild(t testing.TB) {
	f, err := os.Open(os.Getenv("RSS_LIST"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	af, err := os.Open(os.Getenv("RSS_ANCHOR"))
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := dnssec.ParseTrustAnchors(af, ".")
	af.Close()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(os.Getenv("RSS_CA"))
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(os.Getenv("RSS_PORT"))
	policyPort, _ := strconv.Atoi(os.Getenv("RSS_POLICY_PORT"))
	lim := NewIPLimiter(2)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("no CA certificate in RSS_CA")
	}
	ck, _ := worldChecker(t, os.Getenv("RSS_RESOLVER"), anchors, port, policyPort, roots, lim)
	var sum Summary
	e := &Engine{Check: ck.Check, Summary: &sum}
	st, err := e.Run(context.Background(), &Source{Next: NewListReader(bufio.NewReader(f)).Next}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RSS-RESULT peak_kb=%d written=%d rate=%.1f\n", vmHWM(t), st.Written, float64(st.Written)/st.Elapsed.Seconds())
}

// vmHWM is this process's peak resident set size in kB.
func vmHWM(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// benchConcurrency is def, or DANEPROBE_BENCH_CONCURRENCY.
func benchConcurrency(def int) int {
	if n, err := strconv.Atoi(os.Getenv("DANEPROBE_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return def
}

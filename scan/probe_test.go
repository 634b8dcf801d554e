package scan

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/gather"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/smtpprobe"
)

// countingProbe is a fake ProbeFunc that counts sessions and the peak of
// concurrent ones per address.
type countingProbe struct {
	delay    time.Duration
	started  chan struct{} // if set, receives once per session start
	mu       sync.Mutex
	cur      map[netip.Addr]int
	peak     map[netip.Addr]int
	sessions atomic.Int64
}

func (c *countingProbe) probe(ctx context.Context, t smtpprobe.Target) (*smtpprobe.Result, error) {
	c.sessions.Add(1)
	if c.started != nil {
		c.started <- struct{}{}
	}
	c.mu.Lock()
	if c.cur == nil {
		c.cur, c.peak = map[netip.Addr]int{}, map[netip.Addr]int{}
	}
	c.cur[t.Addr]++
	c.peak[t.Addr] = max(c.peak[t.Addr], c.cur[t.Addr])
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.cur[t.Addr]--
		c.mu.Unlock()
	}()
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
		return &smtpprobe.Result{Host: t.Host, Outcome: smtpprobe.OutcomeCanceled}, ctx.Err()
	}
	return &smtpprobe.Result{Host: t.Host, SNI: t.SNI, Outcome: smtpprobe.OutcomeOK, Banner: "hello"}, nil
}

func TestSharedProberCoalesces(t *testing.T) {
	cp := &countingProbe{delay: 20 * time.Millisecond}
	sp := &SharedProber{Session: cp.probe}
	addr := netip.MustParseAddr("192.0.2.1")
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Two MX names for the same address and SNI share too.
			host := "mx.example"
			if i%2 == 1 {
				host = "alias.example"
			}
			res, err := sp.Probe(context.Background(), smtpprobe.Target{Host: host, SNI: "mx.example", Addr: addr})
			if err != nil || res.Banner != "hello" || res.Host != host {
				t.Errorf("result %+v, %v", res, err)
			}
		}()
	}
	wg.Wait()
	st := sp.Stats()
	if cp.sessions.Load() != 1 || st.Sessions != 1 || st.Shared != 99 || st.Cached != 1 {
		t.Fatalf("sessions %d, stats %+v: want 1 session shared 99 times", cp.sessions.Load(), st)
	}
	// Another SNI, port or address is another session.
	sp.Probe(context.Background(), smtpprobe.Target{Host: "mx.example", SNI: "other.example", Addr: addr})
	sp.Probe(context.Background(), smtpprobe.Target{Host: "mx.example", SNI: "mx.example", Addr: addr, Port: 2525})
	sp.Probe(context.Background(), smtpprobe.Target{Host: "mx.example", Addr: netip.MustParseAddr("::ffff:192.0.2.1")}) // same as 192.0.2.1, SNI defaults to Host
	if n := cp.sessions.Load(); n != 3 {
		t.Fatalf("%d sessions, want 3", n)
	}
	// A TLSConfig hook is never shared.
	hook := smtpprobe.Target{Host: "mx.example", SNI: "mx.example", Addr: addr, TLSConfig: func(*tls.Config) {}}
	sp.Probe(context.Background(), hook)
	if n := cp.sessions.Load(); n != 4 {
		t.Fatalf("%d sessions, want 4 (hook not shared)", n)
	}
}

func TestSharedProberLRU(t *testing.T) {
	cp := &countingProbe{}
	sp := &SharedProber{Session: cp.probe, Size: 10}
	for i := range 50 {
		sp.Probe(context.Background(), smtpprobe.Target{Host: "mx" + strconv.Itoa(i) + ".example", Addr: netip.MustParseAddr("192.0.2.1")})
	}
	if st := sp.Stats(); st.Cached != 10 || st.Sessions != 50 {
		t.Fatalf("stats %+v: want 10 cached of 50", st)
	}
	// The most recent ones are still cached, the oldest are not.
	sp.Probe(context.Background(), smtpprobe.Target{Host: "mx49.example", Addr: netip.MustParseAddr("192.0.2.1")})
	sp.Probe(context.Background(), smtpprobe.Target{Host: "mx0.example", Addr: netip.MustParseAddr("192.0.2.1")})
	if n := cp.sessions.Load(); n != 51 {
		t.Fatalf("%d sessions, want 51", n)
	}
	sp.mu.Lock()
	n := len(sp.entries)
	sp.mu.Unlock()
	if n != 10 {
		t.Fatalf("%d entries in the map, want 10", n)
	}
}

// TestSharedProberCanceledLeader: a leader whose context ends does not
// publish its cut result; a waiter with time left probes again.
func TestSharedProberCanceledLeader(t *testing.T) {
	cp := &countingProbe{delay: 100 * time.Millisecond, started: make(chan struct{}, 2)}
	sp := &SharedProber{Session: cp.probe}
	target := smtpprobe.Target{Host: "mx.example", Addr: netip.MustParseAddr("192.0.2.1")}
	short, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, _ := sp.Probe(short, target)
		if res.Outcome != smtpprobe.OutcomeCanceled {
			t.Errorf("leader outcome %s", res.Outcome)
		}
	}()
	<-cp.started // the leader's session is in flight
	go func() {
		// Cancel the leader once the waiter waits for it.
		for {
			sp.mu.Lock()
			e := sp.entries[probeKey{addr: netip.AddrPortFrom(target.Addr, 25), sni: target.Host}]
			sp.mu.Unlock()
			if e != nil && cp.sessions.Load() == 1 {
				time.Sleep(5 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	res, err := sp.Probe(context.Background(), target)
	wg.Wait()
	if err != nil || res.Outcome != smtpprobe.OutcomeOK {
		t.Fatalf("waiter got %+v, %v", res, err)
	}
	if cp.sessions.Load() != 2 {
		t.Fatalf("%d sessions, want 2", cp.sessions.Load())
	}
}

// fakeConn is a connection whose server has already hung up; closing it
// ends a dial counted by dialCounter.
type fakeConn struct {
	net.Conn // nil: only the methods below are used
	addr     netip.Addr
	d        *dialCounter
}

func (c *fakeConn) Read([]byte) (int, error)        { return 0, io.EOF }
func (c *fakeConn) SetReadDeadline(time.Time) error { return nil }
func (c *fakeConn) Close() error {
	c.d.mu.Lock()
	c.d.cur[c.addr]--
	c.d.mu.Unlock()
	return nil
}

// dialCounter is a fake dialer that records the peak of concurrently open
// connections per address.
type dialCounter struct {
	mu        sync.Mutex
	cur, peak map[netip.Addr]int
}

func (d *dialCounter) dial(ctx context.Context, network, address string) (net.Conn, error) {
	a := netip.MustParseAddrPort(address).Addr()
	d.mu.Lock()
	d.cur[a]++
	d.peak[a] = max(d.peak[a], d.cur[a])
	d.mu.Unlock()
	return &fakeConn{addr: a, d: d}, nil
}

// TestIPLimiterCap: the per-address cap holds under many concurrent
// dialers, and the limiter forgets idle addresses.
func TestIPLimiterCap(t *testing.T) {
	dc := &dialCounter{cur: map[netip.Addr]int{}, peak: map[netip.Addr]int{}}
	lim := NewIPLimiter(2)
	dial := LimitDial(dc.dial, lim, nil)
	addrs := []string{"192.0.2.1:25", "192.0.2.2:25", "[2001:db8::1]:25"}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(context.Background(), "tcp", addrs[i%3])
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(5 * time.Millisecond)
			c.Close()
		}()
	}
	wg.Wait()
	for _, a := range addrs {
		if p := dc.peak[netip.MustParseAddrPort(a).Addr()]; p != 2 {
			t.Errorf("%s: peak %d concurrent connections, want exactly the cap 2", a, p)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for lim.Tracked() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // the slots are freed after the linger
	}
	if n := lim.Tracked(); n != 0 {
		t.Errorf("limiter still tracks %d addresses", n)
	}
	// A caller whose context ends while waiting gives up.
	addr := netip.MustParseAddr("192.0.2.1")
	release, err := lim.Acquire(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	release2, _ := lim.Acquire(context.Background(), addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := lim.Acquire(ctx, addr); err == nil {
		t.Fatal("third Acquire succeeded above the cap")
	}
	if _, err := dial(ctx, "tcp", "192.0.2.1:25"); err == nil {
		t.Fatal("dial succeeded above the cap")
	}
	release()
	release() // a second call is harmless
	release2()
	if n := lim.Tracked(); n != 0 {
		t.Errorf("limiter still tracks %d addresses", n)
	}
}

func TestRateLimiter(t *testing.T) {
	r := NewRateLimiter(100) // one per 10ms
	t0 := time.Now()
	for range 11 {
		if err := r.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(t0); el < 95*time.Millisecond {
		t.Errorf("11 events at 100/s took %s, want at least 100ms", el)
	}
	if NewRateLimiter(0) != nil {
		t.Error("rate 0 is not unlimited")
	}
	var none *RateLimiter
	if err := none.Wait(context.Background()); err != nil {
		t.Error(err)
	}
	slow := NewRateLimiter(0.1)
	slow.Wait(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := slow.Wait(ctx); err == nil {
		t.Error("Wait ignored the context")
	}
}

// startMX starts one STARTTLS test server per loopback address.
func startMX(t *testing.T, ips ...string) []*testworld.SMTPServer {
	t.Helper()
	var out []*testworld.SMTPServer
	for _, ip := range ips {
		s, err := testworld.StartSMTP(testworld.SMTPOptions{Addr: ip + ":0"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

func targetOf(t *testing.T, s *testworld.SMTPServer, sni string) smtpprobe.Target {
	t.Helper()
	ap := netip.MustParseAddrPort(s.Addr)
	return smtpprobe.Target{Host: sni, SNI: sni, Addr: ap.Addr(), Port: ap.Port(), EHLOName: "scan.test.example"}
}

// TestPerIPCapRealServers probes real test SMTP servers on three loopback
// addresses with many concurrent sessions; each server's own count of
// concurrently open connections never exceeds the cap. Both seams are
// tested: SharedProber and LimitDial.
func TestPerIPCapRealServers(t *testing.T) {
	for _, seam := range []string{"SharedProber", "LimitDial"} {
		t.Run(seam, func(t *testing.T) {
			servers := startMX(t, "127.0.0.21", "127.0.0.22", "127.0.0.23")
			prober := &smtpprobe.Prober{Dial: LimitDial(nil, NewIPLimiter(2), nil)}
			probe := prober.Probe
			if seam == "SharedProber" {
				probe = (&SharedProber{Session: prober.Probe}).Probe
			}
			var wg sync.WaitGroup
			var failed atomic.Int64
			for i := range 48 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Distinct SNIs, so that nothing is shared.
					res, err := probe(context.Background(), targetOf(t, servers[i%3], fmt.Sprintf("mx%d.test.example", i)))
					if err != nil || res.TLS == nil {
						failed.Add(1)
						t.Logf("probe: %v", err)
					}
				}()
			}
			wg.Wait()
			if failed.Load() > 0 {
				t.Fatalf("%d probes failed", failed.Load())
			}
			for _, s := range servers {
				st := s.Stats()
				if st.Peak > 2 || st.Total != 16 {
					t.Errorf("%s: peak %d concurrent connections (cap 2), %d total (want 16)", s.Addr, st.Peak, st.Total)
				}
			}
		})
	}
}

// TestProbeSharingRealServers: 300 domains whose MX hosts are two provider
// addresses cost two TLS handshakes.
func TestProbeSharingRealServers(t *testing.T) {
	servers := startMX(t, "127.0.0.31", "127.0.0.32")
	sp := ProberFor(&gather.Checker{Dial: LimitDial(nil, NewIPLimiter(2), nil), EHLOName: "scan.test.example", Timeout: 5 * time.Second})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range 300 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := servers[i%2]
			res := sp.ProbeAddrs(context.Background(), targetOf(t, s, "mx.provider.example"), []netip.Addr{netip.MustParseAddrPort(s.Addr).Addr()})
			if len(res) != 1 || res[0].TLS == nil {
				t.Errorf("domain %d: %+v", i, res)
			}
		}()
	}
	wg.Wait()
	hs := servers[0].Stats().Handshakes + servers[1].Stats().Handshakes
	if hs != 2 {
		t.Fatalf("%d TLS handshakes for 300 domains on 2 addresses, want 2", hs)
	}
	if st := sp.Stats(); st.Sessions != 2 || st.Shared != 298 {
		t.Fatalf("stats %+v", st)
	}
}

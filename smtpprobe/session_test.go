package smtpprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scripted returns a dialer whose connections are served by fn on the
// other end of a net.Pipe.
func scripted(fn func(c net.Conn, r *bufio.Reader)) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			fn(server, bufio.NewReader(server))
		}()
		return client, nil
	}
}

func readCmd(r *bufio.Reader) string {
	l, _ := r.ReadString('\n')
	return strings.TrimSpace(l)
}

var testAddr = netip.MustParseAddr("192.0.2.25") // never dialed: the dialer is scripted

func TestHELOFallback(t *testing.T) {
	var cmds []string
	p := &Prober{EHLOName: "probe.example.org", Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "220-old.example ancient\r\n220 still greeting\r\n")
		cmds = append(cmds, readCmd(r))
		fmt.Fprint(c, "502 what is EHLO\r\n")
		cmds = append(cmds, readCmd(r))
		fmt.Fprint(c, "250 old.example\r\n")
		cmds = append(cmds, readCmd(r))
		fmt.Fprint(c, "502 no\r\n")
		cmds = append(cmds, readCmd(r))
		fmt.Fprint(c, "221 bye\r\n")
	})}
	res, err := p.Probe(context.Background(), Target{Host: "old.example", Addr: testAddr})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"EHLO probe.example.org", "HELO probe.example.org", "STARTTLS", "QUIT"}
	if strings.Join(cmds, "|") != strings.Join(want, "|") {
		t.Errorf("commands %q, want %q", cmds, want)
	}
	if !res.UsedHELO || res.Banner != "old.example ancient\nstill greeting" || res.STARTTLSAccepted || res.STARTTLSCode != 502 {
		t.Errorf("result %+v", res)
	}
	if res.Addr.Port() != 25 {
		t.Errorf("default port %d", res.Addr.Port())
	}
}

func TestNetworkUnreachable(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENETUNREACH, syscall.EHOSTUNREACH, syscall.EADDRNOTAVAIL} {
		p := &Prober{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.AddrError{}, Source: nil, Addr: nil}
		}}
		p.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("connect: %w", errno)}
		}
		res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: netip.MustParseAddr("2001:db8::25")})
		if err == nil || res.Outcome != OutcomeNetworkUnreachable || res.FailedStep != StepConnect {
			t.Errorf("%v: err %v outcome %q", errno, err, res.Outcome)
		}
	}
}

func TestProbeAddrs(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("192.0.2.3"),
		netip.MustParseAddr("192.0.2.4"), netip.MustParseAddr("192.0.2.5"),
	}
	var mu sync.Mutex
	cur, peak := 0, 0
	p := &Prober{Parallel: 2, EHLOName: "probe.example.org"}
	p.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "[2001") {
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ENETUNREACH}
		}
		mu.Lock()
		cur++
		peak = max(peak, cur)
		mu.Unlock()
		c, err := scripted(func(c net.Conn, r *bufio.Reader) {
			time.Sleep(20 * time.Millisecond)
			fmt.Fprint(c, "554 "+addr+" go away\r\n")
			readCmd(r)
			fmt.Fprint(c, "221 bye\r\n")
		})(ctx, network, addr)
		return &closeHook{Conn: c, fn: func() { mu.Lock(); cur--; mu.Unlock() }}, err
	}
	res := p.ProbeAddrs(context.Background(), Target{Host: "mx.example"}, addrs)
	if len(res) != len(addrs) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Addr.Addr() != addrs[i] {
			t.Errorf("result %d for %v, want %v", i, r.Addr, addrs[i])
		}
		want := OutcomeRejected
		if addrs[i].Is6() {
			want = OutcomeNetworkUnreachable
		} else if !strings.Contains(r.Banner, addrs[i].String()) {
			t.Errorf("banner %q", r.Banner)
		}
		if r.Outcome != want {
			t.Errorf("%v: outcome %q, want %q", addrs[i], r.Outcome, want)
		}
	}
	if peak > 2 || peak == 0 {
		t.Errorf("peak concurrency %d > 2", peak)
	}
}

func TestEHLOName(t *testing.T) {
	local := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4242}
	local6 := &net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 4242}
	host := func(h string, err error) func() (string, error) { return func() (string, error) { return h, err } }
	cases := []struct {
		name string
		p    Prober
		t    Target
		addr net.Addr
		want string
	}{
		{"target wins", Prober{EHLOName: "p.example"}, Target{EHLOName: "t.example"}, local, "t.example"},
		{"prober", Prober{EHLOName: "p.example", Hostname: host("h.example", nil)}, Target{}, local, "p.example"},
		{"fqdn", Prober{Hostname: host("mail.h.example.", nil)}, Target{}, local, "mail.h.example"},
		{"short hostname uses fallback", Prober{Hostname: host("box", nil), FallbackEHLOName: "fb.example"}, Target{}, local, "fb.example"},
		{"localhost never", Prober{Hostname: host("localhost.localdomain", nil), FallbackEHLOName: "localhost"}, Target{EHLOName: "localhost"}, local, "[192.0.2.7]"},
		{"no command smuggling", Prober{EHLOName: "a.example\r\nMAIL FROM:<>", FallbackEHLOName: "b c", Hostname: host("box", nil)}, Target{}, local, "[192.0.2.7]"},
		{"hostname error", Prober{Hostname: host("", errors.New("no"))}, Target{}, local6, "[IPv6:2001:db8::7]"},
	}
	for _, c := range cases {
		if got := c.p.ehloName(c.t, c.addr); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestMalformedBanner(t *testing.T) {
	p := &Prober{Dial: scripted(func(c net.Conn, r *bufio.Reader) {
		fmt.Fprint(c, "SSH-2.0-OpenSSH_9.6\r\n")
		time.Sleep(50 * time.Millisecond)
	})}
	res, err := p.Probe(context.Background(), Target{Host: "mx.example", Addr: testAddr})
	if !errors.Is(err, ErrMalformedReply) || res.Outcome != OutcomeProtocol || res.FailedStep != StepBanner {
		t.Errorf("err %v outcome %q", err, res.Outcome)
	}
}

type closeHook struct {
	net.Conn
	once sync.Once
	fn   func()
}

func (c *closeHook) Close() error {
	c.once.Do(c.fn)
	return c.Conn.Close()
}

func TestNoAddress(t *testing.T) {
	res, err := Probe(context.Background(), Target{Host: "mx.example"})
	if !errors.Is(err, ErrNoAddress) || res.FailedStep != StepConnect || res.Outcome != OutcomeFailed {
		t.Errorf("err %v failed %q outcome %q", err, res.FailedStep, res.Outcome)
	}
}

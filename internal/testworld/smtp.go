package testworld

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// SMTPKind selects the behaviour of a test SMTP server.
type SMTPKind string

// Server behaviours. The well-behaved kinds run go-smtp's server; the
// hostile ones are hand-written so they can misbehave on purpose.
const (
	// SMTPStartTLS advertises STARTTLS and completes the handshake with
	// SMTPOptions.Certificate (go-smtp server).
	SMTPStartTLS SMTPKind = "starttls"
	// SMTPNoStartTLS neither advertises nor accepts STARTTLS (502).
	SMTPNoStartTLS SMTPKind = "no-starttls"
	// SMTPHiddenStartTLS does not advertise STARTTLS but accepts it, like
	// a middlebox that strips the capability from the EHLO reply.
	SMTPHiddenStartTLS SMTPKind = "hidden-starttls"
	// SMTPStartTLS454 advertises STARTTLS and answers it with 454.
	SMTPStartTLS454 SMTPKind = "starttls-454"
	// SMTPCloseAfter220 answers STARTTLS with 220 and closes.
	SMTPCloseAfter220 SMTPKind = "close-after-220"
	// SMTPInjectAfter220 sends SMTPOptions.Inject right behind its
	// STARTTLS 220 reply, in the same write, then completes the handshake.
	SMTPInjectAfter220 SMTPKind = "inject-after-220"
	// SMTPLegacyTLS only speaks TLS 1.0 and 1.1 (go-smtp server with
	// MaxVersion TLS 1.1; Go's server still implements both).
	SMTPLegacyTLS SMTPKind = "legacy-tls"
	// SMTPBannerFlood sends "220-" continuation lines forever.
	SMTPBannerFlood SMTPKind = "banner-flood"
	// SMTPTrickle sends its banner one byte per TrickleInterval.
	SMTPTrickle SMTPKind = "trickle"
	// SMTPEndlessEHLO answers EHLO with "250-" lines forever.
	SMTPEndlessEHLO SMTPKind = "endless-ehlo"
	// SMTPEndlessEHLOAfterTLS behaves until the handshake, then answers
	// the EHLO over TLS with "250-" lines forever.
	SMTPEndlessEHLOAfterTLS SMTPKind = "endless-ehlo-after-tls"
	// SMTPStalledHandshake answers STARTTLS with 220 and then never
	// speaks TLS.
	SMTPStalledHandshake SMTPKind = "stalled-handshake"
	// SMTPRejectBanner greets with 554 (no service).
	SMTPRejectBanner SMTPKind = "reject-banner"
)

// SMTPKinds lists every kind, for tests that iterate them.
var SMTPKinds = []SMTPKind{
	SMTPStartTLS, SMTPNoStartTLS, SMTPHiddenStartTLS, SMTPStartTLS454,
	SMTPCloseAfter220, SMTPInjectAfter220, SMTPLegacyTLS, SMTPBannerFlood,
	SMTPTrickle, SMTPEndlessEHLO, SMTPEndlessEHLOAfterTLS, SMTPStalledHandshake,
	SMTPRejectBanner,
}

// DefaultInjection is what SMTPInjectAfter220 sends when
// SMTPOptions.Inject is empty: a fake reply an attacker would slip into
// the plaintext stream.
const DefaultInjection = "250-INJECTED\r\n250 evil\r\n"

// SMTPOptions configure StartSMTP.
type SMTPOptions struct {
	// Addr is the loopback host:port to listen on; port 0 picks a free
	// port, "" means 127.0.0.1:0. Anything outside 127.0.0.0/8 and ::1 is
	// refused.
	Addr string
	// Kind selects the behaviour; "" means SMTPStartTLS.
	Kind SMTPKind
	// Certificate is the chain the TLS kinds present. If it is empty a
	// self-signed certificate for Hostname is made.
	Certificate tls.Certificate
	// Hostname is the server's name in its banner and EHLO reply; default
	// "mx.testworld.example".
	Hostname string
	// Inject is what SMTPInjectAfter220 sends behind its 220.
	Inject []byte
	// TLSMaxVersion, if set, caps the TLS version of the TLS kinds (for
	// example tls.VersionTLS10 with SMTPLegacyTLS for a TLS 1.0 only
	// server). SMTPLegacyTLS defaults to TLS 1.1.
	TLSMaxVersion uint16
	// TrickleInterval is the pause between the bytes of SMTPTrickle;
	// default one second.
	TrickleInterval time.Duration
}

// SMTPStats are the counters of one server.
type SMTPStats struct {
	// Total connections accepted, currently open, and the peak of
	// concurrently open ones.
	Total, Current, Peak int64
	// ClientHellos counts TLS ClientHellos received; Handshakes the
	// handshakes completed.
	ClientHellos, Handshakes int64
	// LastSNI is the server name of the most recent ClientHello ("" when
	// none was sent).
	LastSNI string
}

// SMTPServer is a running test SMTP server.
type SMTPServer struct {
	// Addr is the host:port it listens on.
	Addr string
	Kind SMTPKind

	opts     SMTPOptions
	tlsCfg   *tls.Config
	ln       *countingListener
	closeFn  func() error
	wg       sync.WaitGroup
	closed   atomic.Bool
	hellos   atomic.Int64
	shakes   atomic.Int64
	sniMu    sync.Mutex
	lastSNI  string
	closeErr error
	once     sync.Once
}

// StartSMTP starts a server of the given kind on a loopback address. Close
// it when done.
func StartSMTP(opts SMTPOptions) (*SMTPServer, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Kind == "" {
		opts.Kind = SMTPStartTLS
	}
	if opts.Hostname == "" {
		opts.Hostname = "mx.testworld.example"
	}
	if len(opts.Inject) == 0 {
		opts.Inject = []byte(DefaultInjection)
	}
	if opts.TrickleInterval <= 0 {
		opts.TrickleInterval = time.Second
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp test server address %q: %w", opts.Addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("smtp test server address %q: not a loopback IP", opts.Addr)
	}
	if len(opts.Certificate.Certificate) == 0 {
		leaf, err := SelfSigned(CertOptions{DNSNames: []string{opts.Hostname}})
		if err != nil {
			return nil, fmt.Errorf("smtp test server certificate: %w", err)
		}
		opts.Certificate = leaf.TLSCertificate()
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp test server listen %s: %w", opts.Addr, err)
	}
	s := &SMTPServer{Addr: ln.Addr().String(), Kind: opts.Kind, opts: opts}
	s.ln = &countingListener{Listener: ln, conns: map[net.Conn]struct{}{}}
	s.tlsCfg = s.serverTLSConfig()
	switch opts.Kind {
	case SMTPStartTLS, SMTPNoStartTLS, SMTPLegacyTLS:
		s.startGoSMTP()
	default:
		s.startRaw()
	}
	return s, nil
}

// serverTLSConfig counts ClientHellos and handshakes and records SNI.
func (s *SMTPServer) serverTLSConfig() *tls.Config {
	cfg := &tls.Config{
		Certificates: []tls.Certificate{s.opts.Certificate},
		MinVersion:   tls.VersionTLS10,
		GetConfigForClient: func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
			s.hellos.Add(1)
			s.sniMu.Lock()
			s.lastSNI = hi.ServerName
			s.sniMu.Unlock()
			return nil, nil
		},
		VerifyConnection: func(tls.ConnectionState) error {
			s.shakes.Add(1)
			return nil
		},
	}
	if s.opts.Kind == SMTPLegacyTLS {
		cfg.MaxVersion = tls.VersionTLS11
	}
	if s.opts.TLSMaxVersion != 0 {
		cfg.MaxVersion = s.opts.TLSMaxVersion
	}
	return cfg
}

// Stats returns a snapshot of the counters.
func (s *SMTPServer) Stats() SMTPStats {
	s.sniMu.Lock()
	sni := s.lastSNI
	s.sniMu.Unlock()
	return SMTPStats{
		Total:        s.ln.total.Load(),
		Current:      s.ln.current.Load(),
		Peak:         s.ln.peak.Load(),
		ClientHellos: s.hellos.Load(),
		Handshakes:   s.shakes.Load(),
		LastSNI:      sni,
	}
}

// Close stops the server, closes every open connection and waits for its
// goroutines.
func (s *SMTPServer) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.closeErr = s.closeFn()
		// go-smtp's Close misses a listener whose Serve has not started
		// yet; closing it here too makes Close safe right after start.
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) && s.closeErr == nil {
			s.closeErr = err
		}
		s.ln.closeAll()
		s.wg.Wait()
	})
	return s.closeErr
}

// countingListener counts connections and can close them all.
type countingListener struct {
	net.Listener
	total, current, peak atomic.Int64
	mu                   sync.Mutex
	conns                map[net.Conn]struct{}
	closing              bool
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.total.Add(1)
	cur := l.current.Add(1)
	for {
		p := l.peak.Load()
		if cur <= p || l.peak.CompareAndSwap(p, cur) {
			break
		}
	}
	cc := &countedConn{Conn: c, l: l}
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		cc.Close()
		return nil, net.ErrClosed
	}
	l.conns[cc] = struct{}{}
	l.mu.Unlock()
	return cc, nil
}

func (l *countingListener) closeAll() {
	l.mu.Lock()
	l.closing = true
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	// Uncount before the socket closes: a client that sees the close may
	// connect again at once, and counting both for an instant would
	// report a concurrency the client never caused.
	c.once.Do(func() {
		c.l.current.Add(-1)
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

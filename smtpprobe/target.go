package smtpprobe

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Target is one SMTP session to run: one address of one MX host.
type Target struct {
	// Host is the MX host name; it is recorded and is the SNI default.
	Host string
	// Addr is the address to connect to.
	Addr netip.Addr
	// Port defaults to 25.
	Port uint16
	// SNI is the server name to send in the TLS handshake. RFC 7672 §8.1:
	// a DANE client sends the TLSA base domain. Empty means Host.
	SNI string
	// EHLOName is the name to greet with. Empty means the Prober's
	// default (see Prober.EHLOName).
	EHLOName string
	// TLSConfig, if set, may adjust the client TLS configuration before
	// the handshake, typically setting VerifyConnection to verify the
	// chain against TLSA records or the WebPKI. The probe starts from a
	// configuration that accepts any chain (InsecureSkipVerify) with TLS
	// 1.0 to 1.3 enabled, and records the chain before calling the
	// caller's VerifyConnection; an error from it fails the handshake with
	// OutcomeVerifyFailed.
	TLSConfig func(*tls.Config)
}

// Timeouts bound each step. A zero field takes the default.
type Timeouts struct {
	Connect   time.Duration // default 10s
	Banner    time.Duration // default 30s
	EHLO      time.Duration // default 30s, also used for EHLO after TLS
	STARTTLS  time.Duration // default 30s
	Handshake time.Duration // default 30s
	Quit      time.Duration // default 5s
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	// RFC 5321 §4.5.3.2 suggests minutes for a delivering MTA; a diagnostic
	// probe gives up sooner and reports the timeout.
	def(&t.Connect, 10*time.Second)
	def(&t.Banner, 30*time.Second)
	def(&t.EHLO, 30*time.Second)
	def(&t.STARTTLS, 30*time.Second)
	def(&t.Handshake, 30*time.Second)
	def(&t.Quit, 5*time.Second)
	return t
}

// DialFunc opens a connection; net.Dialer.DialContext has this shape.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Prober runs probes. The zero value is ready to use with the defaults;
// a Prober is safe for concurrent use once configured.
type Prober struct {
	// Dial opens the TCP connection; nil uses a net.Dialer.
	Dial DialFunc
	// Timeouts bound each step.
	Timeouts Timeouts
	// MaxReplyBytes and MaxReplyLines cap every reply read (defaults
	// DefaultMaxReplyBytes and DefaultMaxReplyLines).
	MaxReplyBytes int
	MaxReplyLines int
	// EHLOName is the name to greet with when the Target has none. Empty
	// means this machine's fully qualified host name if it has one (a name
	// with a dot, other than localhost), else FallbackEHLOName, else an
	// address literal of the local end of the connection ("[192.0.2.1]",
	// RFC 5321 §4.1.3). The probe never greets as "localhost", which large
	// providers reject.
	EHLOName         string
	FallbackEHLOName string
	// Hostname returns this machine's host name; nil uses os.Hostname.
	Hostname func() (string, error)
	// Now is the clock used for step timings and deadlines; nil uses
	// time.Now.
	Now func() time.Time
	// Parallel bounds the concurrent sessions of ProbeAddrs (default 4).
	Parallel int
}

func (p *Prober) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Prober) dial() DialFunc {
	if p.Dial != nil {
		return p.Dial
	}
	var d net.Dialer
	return d.DialContext
}

func (p *Prober) limits() (bytes, lines int) {
	bytes, lines = p.MaxReplyBytes, p.MaxReplyLines
	if bytes <= 0 {
		bytes = DefaultMaxReplyBytes
	}
	if lines <= 0 {
		lines = DefaultMaxReplyLines
	}
	return bytes, lines
}

// ehloName picks the greeting name for t, given the local address of the
// connection.
func (p *Prober) ehloName(t Target, local net.Addr) string {
	if usableName(t.EHLOName) {
		return t.EHLOName
	}
	if usableName(p.EHLOName) {
		return p.EHLOName
	}
	hostname := p.Hostname
	if hostname == nil {
		hostname = os.Hostname
	}
	if h, err := hostname(); err == nil {
		h = strings.TrimSuffix(h, ".")
		if strings.Contains(h, ".") && !isLocalhost(h) && validEHLOName(h) {
			return h
		}
	}
	if usableName(p.FallbackEHLOName) {
		return p.FallbackEHLOName
	}
	return addressLiteral(local)
}

// usableName accepts a configured greeting name: not empty, not
// localhost, and a single token (no spaces or control characters that
// would let it smuggle a second command onto the line).
func usableName(name string) bool {
	if name == "" || isLocalhost(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] == 0x7f {
			return false
		}
	}
	return true
}

func isLocalhost(name string) bool {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	return n == "localhost" || strings.HasPrefix(n, "localhost.") || strings.HasSuffix(n, ".localhost") || n == "localhost.localdomain"
}

// validEHLOName accepts a plain domain: letters, digits, '-' and '.'.
func validEHLOName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return s != ""
}

// addressLiteral formats the local address as an RFC 5321 §4.1.3 address
// literal.
func addressLiteral(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return "[127.0.0.1]"
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		return "[IPv6:" + ip.WithZone("").String() + "]"
	}
	return "[" + ip.String() + "]"
}

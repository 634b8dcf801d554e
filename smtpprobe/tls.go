package smtpprobe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// verifyError marks an error returned by the caller's VerifyConnection.
type verifyError struct{ err error }

func (e *verifyError) Error() string { return "verify: " + e.err.Error() }
func (e *verifyError) Unwrap() error { return e.err }

// clientCipherSuites are offered in the handshake: Go's secure suites plus
// the legacy ones old MTAs still need (RSA key exchange, 3DES), so the
// probe can record what a server negotiates and let policy judge it. RC4
// is left out: RFC 7465 §2 forbids offering it.
func clientCipherSuites() []uint16 {
	var ids []uint16
	for _, cs := range tls.CipherSuites() {
		ids = append(ids, cs.ID)
	}
	for _, cs := range tls.InsecureCipherSuites() {
		if strings.Contains(cs.Name, "RC4") {
			continue
		}
		ids = append(ids, cs.ID)
	}
	return ids
}

// tlsConfig builds the client configuration: any chain accepted and
// recorded, TLS 1.0 to 1.3, SNI as given, then the caller's hook.
func (s *session) tlsConfig() *tls.Config {
	cfg := &tls.Config{
		// RFC 7672 §8.1: SNI carries the TLSA base domain.
		ServerName: s.t.SNI,
		// The probe records the chain; callers verify it (DANE or WebPKI).
		InsecureSkipVerify: true,
		// Go's client refuses TLS < 1.2 unless told; the probe wants to
		// see what the server offers and leaves judging it to policy code.
		MinVersion:   tls.VersionTLS10,
		CipherSuites: clientCipherSuites(),
	}
	if s.t.TLSConfig != nil {
		s.t.TLSConfig(cfg)
	}
	userVerify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		s.res.TLS = tlsFacts(cs, s.t.SNI)
		if userVerify != nil {
			if err := userVerify(cs); err != nil {
				s.res.TLS.VerifyError = err.Error()
				return &verifyError{err}
			}
		}
		return nil
	}
	return cfg
}

func (s *session) tlsPhase() error {
	var tc *tls.Conn
	err := s.step(StepHandshake, s.tm.Handshake, func(ctx context.Context, _ time.Time) error {
		// The handshake reads the raw connection: bytes buffered behind
		// the STARTTLS reply never reach TLS.
		rc := &recordingConn{Conn: s.conn}
		tc = tls.Client(rc, s.tlsConfig())
		err := tc.HandshakeContext(ctx)
		rc.stop()
		if err != nil {
			s.lateInjection(err, rc.seen)
			return err
		}
		if s.res.TLS == nil {
			s.res.TLS = tlsFacts(tc.ConnectionState(), s.t.SNI)
		}
		return nil
	})
	if err != nil {
		return s.fail(StepHandshake, err)
	}

	maxBytes, maxLines := s.p.limits()
	pc := &postTLSConn{Conn: tc, greeting: []byte("220 post-tls\r\n")}
	c := smtp.NewClient(pc)
	defer c.Close()
	err = s.step(StepEHLOAfterTLS, s.tm.EHLO, func(ctx context.Context, deadline time.Time) error {
		// RFC 3207 §4.2: the client discards what it learned before TLS
		// and sends EHLO again.
		pc.budget(maxBytes, maxLines, true)
		pc.limit(deadline)
		c.CommandTimeout = time.Until(deadline)
		err := c.Hello(s.res.EHLOName)
		got := pc.stopCapture()
		if err != nil {
			return convertSMTPError("EHLO", err)
		}
		rr := newReplyReader(bytes.NewReader(got), maxBytes, maxLines)
		rep, rerr := rr.readReply()
		if rerr == nil && rep.Code == 250 {
			s.res.ExtensionsAfterTLS = parseEHLO(rep)
		} else {
			s.res.ExtensionsAfterTLS = []string{} // HELO fallback: no extensions
		}
		return nil
	})
	if err != nil {
		return s.fail(StepEHLOAfterTLS, err)
	}
	s.step(StepQuit, s.tm.Quit, func(_ context.Context, deadline time.Time) error {
		pc.budget(maxBytes, maxLines, false)
		pc.limit(deadline)
		c.CommandTimeout = time.Until(deadline)
		return convertSMTPError("QUIT", c.Quit())
	})
	return nil
}

// convertSMTPError turns go-smtp's reply errors into *ReplyError so that
// callers see one type.
func convertSMTPError(command string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &ReplyError{Command: command, Code: se.Code, Text: se.Message}
	}
	return err
}

// postTLSConn adapts the TLS connection for go-smtp's client, which
// expects to read a greeting first: after STARTTLS there is none (RFC 3207
// §4.2), so it serves a synthetic one. It also caps what the server may
// send per command (bytes and lines, like the plaintext replies), so an
// endless reply ends in ErrReplyTooLong, and captures the EHLO reply so
// the extension list can be recorded (go-smtp does not expose it).
type postTLSConn struct {
	net.Conn
	mu        sync.Mutex
	greeting  []byte
	capturing bool
	buf       bytes.Buffer
	bytesLeft int
	linesLeft int
	deadline  time.Time
}

// limit sets the deadline of the current step. go-smtp sets a fresh
// deadline for every command (and clears it after); the connection
// clamps those to the step's, so that an EHLO refused slowly and a HELO
// left unanswered cannot take twice the step's time.
func (c *postTLSConn) limit(deadline time.Time) {
	c.mu.Lock()
	c.deadline = deadline
	c.mu.Unlock()
	c.Conn.SetDeadline(deadline)
}

func (c *postTLSConn) clamp(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.deadline.IsZero() && (t.IsZero() || t.After(c.deadline)) {
		return c.deadline
	}
	return t
}

func (c *postTLSConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *postTLSConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *postTLSConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

func (c *postTLSConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.greeting) > 0 {
		n := copy(p, c.greeting)
		c.greeting = c.greeting[n:]
		c.mu.Unlock()
		return n, nil
	}
	left, lines := c.bytesLeft, c.linesLeft
	c.mu.Unlock()
	if left <= 0 || lines <= 0 {
		return 0, ErrReplyTooLong
	}
	if len(p) > left {
		p = p[:left]
	}
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.bytesLeft -= n
	c.linesLeft -= bytes.Count(p[:n], []byte{'\n'})
	if c.capturing {
		c.buf.Write(p[:n])
	}
	c.mu.Unlock()
	return n, err
}

// budget sets the caps for the next command's reply; capture also records
// what is read until stopCapture.
func (c *postTLSConn) budget(maxBytes, maxLines int, capture bool) {
	c.mu.Lock()
	c.bytesLeft, c.linesLeft = maxBytes, maxLines+1 // +1: a line may end exactly at the cap
	c.capturing = capture
	c.buf.Reset()
	c.mu.Unlock()
}

func (c *postTLSConn) stopCapture() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.capturing = false
	return bytes.Clone(c.buf.Bytes())
}

// lateInjection records plaintext that reached the TLS client: bytes the
// server sent after its STARTTLS 220 that were not yet received when the
// probe read the reply (a later packet). RFC 3207 §4: after the 220 the
// next bytes belong to the TLS handshake, so such bytes fail it with a
// malformed record; they are the same STARTTLS injection as the bytes
// caught behind the 220, only later. Waiting after every 220 for late
// bytes would cost each healthy session the wait and still miss bytes
// sent later than the wait; reading them off the failed handshake costs
// healthy sessions nothing.
func (s *session) lateInjection(err error, seen []byte) {
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) || len(seen) == 0 || seen[0] >= 20 && seen[0] <= 24 {
		// Not a record header problem, or one of a TLS record (content
		// types 20-24, RFC 8446 §5.1): a broken TLS stack, not plaintext.
		return
	}
	s.res.InjectedLate = true
	s.res.InjectedBytes = append(s.res.InjectedBytes, seen[:min(len(seen), maxInjectedKept-len(s.res.InjectedBytes))]...)
	s.res.InjectedCount += len(seen)
}

// recordingConn keeps the first maxInjectedKept bytes the TLS client
// reads during the handshake, so that plaintext which breaks the
// handshake can be reported.
type recordingConn struct {
	net.Conn
	seen    []byte
	stopped bool
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.stopped && len(c.seen) < maxInjectedKept {
		c.seen = append(c.seen, p[:min(n, maxInjectedKept-len(c.seen))]...)
	}
	return n, err
}

// stop ends the recording once the handshake is over.
func (c *recordingConn) stop() { c.stopped = true }

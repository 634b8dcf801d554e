package testworld

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"time"
)

// More hostile kinds, served by the hand-written server (they are not in
// SMTPKinds, which lists the catalogue of testdata/smtpprobe).
const (
	// SMTPInjectLate answers STARTTLS with 220, then sends
	// SMTPOptions.Inject (default DefaultInjection) in a second write
	// InjectDelay later, then starts the handshake: injected bytes that
	// were not yet received when the client read the 220.
	SMTPInjectLate SMTPKind = "inject-late"
	// SMTPMultiline220 answers STARTTLS with a two-line 220 reply, then
	// completes the handshake.
	SMTPMultiline220 SMTPKind = "multiline-220"
	// SMTPHoldAfter220 answers STARTTLS with 220 and then neither reads
	// nor writes until the client gives up (or the server closes).
	SMTPHoldAfter220 SMTPKind = "hold-after-220"
)

// InjectDelay is how long SMTPInjectLate waits after its 220.
const InjectDelay = 30 * time.Millisecond

// rawIdle bounds how long a hand-written server waits for a command.
const rawIdle = 10 * time.Second

// startRaw serves the hostile kinds with hand-written code.
func (s *SMTPServer) startRaw() {
	s.closeFn = s.ln.Close
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				s.serveRaw(c)
			}()
		}
	}()
}

func (s *SMTPServer) serveRaw(c net.Conn) {
	host := s.opts.Hostname
	switch s.opts.Kind {
	case SMTPTrickle:
		banner := "220 " + host + " ESMTP trickling\r\n"
		for i := 0; i < len(banner); i++ {
			if _, err := c.Write([]byte{banner[i]}); err != nil {
				return
			}
			time.Sleep(s.opts.TrickleInterval)
			if s.closed.Load() {
				return
			}
		}
		s.dialogue(c, false)
	case SMTPBannerFlood:
		line := []byte("220-" + strings.Repeat("flood ", 60) + "\r\n")
		for !s.closed.Load() {
			c.SetWriteDeadline(time.Now().Add(rawIdle))
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	case SMTPRejectBanner:
		io.WriteString(c, "554 5.7.1 "+host+" no service for you\r\n")
		s.dialogue(c, false)
	default:
		io.WriteString(c, "220 "+host+" ESMTP testworld\r\n")
		s.dialogue(c, false)
	}
}

// dialogue answers commands until QUIT, an error, or a kind-specific end.
func (s *SMTPServer) dialogue(c net.Conn, inTLS bool) {
	r := bufio.NewReader(io.LimitReader(c, 1<<20))
	w := func(str string) bool {
		c.SetWriteDeadline(time.Now().Add(rawIdle))
		_, err := io.WriteString(c, str)
		return err == nil
	}
	host := s.opts.Hostname
	for {
		c.SetReadDeadline(time.Now().Add(rawIdle))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if s.opts.Kind == SMTPEndlessEHLO || inTLS && s.opts.Kind == SMTPEndlessEHLOAfterTLS {
				w("250-" + host + "\r\n")
				for !s.closed.Load() {
					if !w("250-X-ENDLESS\r\n") {
						return
					}
				}
				return
			}
			reply := "250-" + host + "\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
			if !inTLS && s.opts.Kind != SMTPHiddenStartTLS && s.opts.Kind != SMTPRejectBanner {
				reply += "250-STARTTLS\r\n"
			}
			reply += "250 SIZE 10240000\r\n"
			if !w(reply) {
				return
			}
		case "HELO":
			w("250 " + host + "\r\n")
		case "STARTTLS":
			if inTLS || s.opts.Kind == SMTPRejectBanner {
				w("502 5.5.1 not now\r\n")
				continue
			}
			s.startTLS(c, r, w)
			return
		case "QUIT":
			w("221 2.0.0 bye\r\n")
			return
		case "NOOP", "RSET":
			w("250 2.0.0 ok\r\n")
		default:
			w("502 5.5.2 command not implemented\r\n")
		}
	}
}

// startTLS answers STARTTLS according to the kind.
func (s *SMTPServer) startTLS(c net.Conn, r *bufio.Reader, w func(string) bool) {
	switch s.opts.Kind {
	case SMTPStartTLS454:
		w("454 4.7.0 TLS not available due to temporary reason\r\n")
		s.dialogue(c, false)
		return
	case SMTPCloseAfter220:
		w("220 2.0.0 ready to start TLS\r\n")
		return
	case SMTPStalledHandshake:
		w("220 2.0.0 ready to start TLS\r\n")
		// Read and drop the ClientHello, never answer.
		for !s.closed.Load() {
			c.SetReadDeadline(time.Now().Add(rawIdle))
			if _, err := r.ReadByte(); err != nil {
				return
			}
		}
		return
	case SMTPInjectLate:
		if !w("220 2.0.0 ready to start TLS\r\n") {
			return
		}
		time.Sleep(InjectDelay)
		inject := string(s.opts.Inject)
		if inject == "" {
			inject = DefaultInjection
		}
		if !w(inject) {
			return
		}
	case SMTPMultiline220:
		if !w("220-2.0.0 ready\r\n220 2.0.0 start TLS now\r\n") {
			return
		}
	case SMTPHoldAfter220:
		w("220 2.0.0 ready to start TLS\r\n")
		for i := 0; i < int(rawIdle/(10*time.Millisecond)) && !s.closed.Load(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		return
	case SMTPInjectAfter220:
		// One write: reply and injected bytes arrive together.
		if !w("220 2.0.0 ready to start TLS\r\n" + string(s.opts.Inject)) {
			return
		}
	default:
		if !w("220 2.0.0 ready to start TLS\r\n") {
			return
		}
	}
	if r.Buffered() > 0 {
		return // the client pipelined past STARTTLS; refuse to go on
	}
	tc := tls.Server(c, s.tlsCfg)
	tc.SetDeadline(time.Now().Add(rawIdle))
	if err := tc.Handshake(); err != nil {
		return
	}
	tc.SetDeadline(time.Time{})
	s.dialogue(tc, true)
}

package smtpprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"time"
)

// maxInjectedKept caps the injected bytes kept in a Result.
const maxInjectedKept = 4096

// ErrNoAddress is returned when a Target has no valid address.
var ErrNoAddress = errors.New("target has no valid IP address")

// Probe runs one session with the zero Prober's defaults; see
// Prober.Probe.
func Probe(ctx context.Context, t Target) (*Result, error) {
	var p Prober
	return p.Probe(ctx, t)
}

// Probe runs one SMTP session against t and returns its facts. The Result
// is never nil and is meaningful also when an error is returned: it holds
// everything gathered before the failure, Result.FailedStep names the step
// that failed and Result.Outcome classifies the failure.
//
// The returned error wraps the step's error: a *ReplyError for an
// unexpected reply code, ErrReplyTooLong or ErrMalformedReply for bad
// replies, a TLS or network error otherwise. A server without STARTTLS is
// not an error (Result.STARTTLSAccepted is false); a failed QUIT is
// recorded in Result.Steps only.
func (p *Prober) Probe(ctx context.Context, t Target) (*Result, error) {
	if t.Port == 0 {
		t.Port = 25
	}
	if t.SNI == "" {
		t.SNI = t.Host
	}
	s := &session{p: p, t: t, ctx: ctx, tm: p.Timeouts.withDefaults()}
	s.res = &Result{
		Host:       t.Host,
		Addr:       netip.AddrPortFrom(t.Addr, t.Port),
		SNI:        t.SNI,
		Extensions: []string{},
		Outcome:    OutcomeOK,
	}
	err := s.run()
	if s.conn != nil {
		s.conn.Close()
	}
	if err != nil {
		s.res.Err = err
		s.res.Error = err.Error()
	}
	return s.res, err
}

// session is the state of one Probe call.
type session struct {
	p    *Prober
	t    Target
	ctx  context.Context
	tm   Timeouts
	res  *Result
	conn net.Conn
	rr   *replyReader
	tw   *textproto.Writer
}

// step runs fn with a deadline for the whole step: the earlier of now plus
// timeout and the context deadline. It records the outcome and duration.
func (s *session) step(name Step, timeout time.Duration, fn func(ctx context.Context, deadline time.Time) error) error {
	start := s.p.now()
	deadline := time.Now().Add(timeout)
	if d, ok := s.ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	if s.conn != nil {
		// One deadline for the whole step, set once: a server trickling
		// bytes cannot push it back.
		s.conn.SetDeadline(deadline)
	}
	err := fn(ctx, deadline)
	sr := StepResult{Step: name, Outcome: OutcomeOK, Duration: s.p.now().Sub(start)}
	if err != nil {
		sr.Outcome = classify(s.ctx, name, err)
		sr.Error = err.Error()
	}
	s.res.Steps = append(s.res.Steps, sr)
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, s.res.Addr, err)
	}
	return nil
}

func (s *session) fail(name Step, err error) error {
	s.res.FailedStep = name
	s.res.Outcome = s.res.Steps[len(s.res.Steps)-1].Outcome
	return err
}

func (s *session) run() error {
	err := s.step(StepConnect, s.tm.Connect, func(ctx context.Context, _ time.Time) error {
		if !s.t.Addr.IsValid() {
			return ErrNoAddress
		}
		conn, err := s.p.dial()(ctx, "tcp", s.res.Addr.String())
		if err != nil {
			return err
		}
		s.conn = conn
		return nil
	})
	if err != nil {
		return s.fail(StepConnect, err)
	}
	// Canceling the context aborts whatever step is running.
	stop := context.AfterFunc(s.ctx, func() { s.conn.Close() })
	defer stop()

	maxBytes, maxLines := s.p.limits()
	s.rr = newReplyReader(s.conn, maxBytes, maxLines)
	s.tw = textproto.NewWriter(bufio.NewWriter(s.conn))
	s.res.EHLOName = s.p.ehloName(s.t, s.conn.LocalAddr())

	err = s.step(StepBanner, s.tm.Banner, func(context.Context, time.Time) error {
		rep, err := s.rr.readReply()
		s.res.Banner, s.res.BannerCode = rep.Text(), rep.Code
		if err != nil {
			return err
		}
		// RFC 5321 §3.1: 220 opens the session; 554 means no service here.
		if rep.Code != 220 {
			return &ReplyError{Command: "greeting", Code: rep.Code, Text: rep.Text()}
		}
		return nil
	})
	if err != nil {
		return s.failAndQuit(StepBanner, err)
	}

	if err := s.step(StepEHLO, s.tm.EHLO, s.ehlo); err != nil {
		return s.failAndQuit(StepEHLO, err)
	}

	s.res.STARTTLSAdvertised = HasExtension(s.res.Extensions, "STARTTLS")
	err = s.step(StepStartTLS, s.tm.STARTTLS, s.starttls)
	if err != nil && (s.res.STARTTLSAdvertised || !isReplyError(err)) {
		return s.failAndQuit(StepStartTLS, err)
	}
	if !s.res.STARTTLSAccepted {
		// Not advertised, tried, refused: plaintext only, which is a
		// fact, not a failure of the session.
		s.quitPlain()
		return nil
	}
	return s.tlsPhase()
}

func isReplyError(err error) bool {
	var re *ReplyError
	return errors.As(err, &re)
}

// failAndQuit records the failure and, when the connection still carries
// SMTP (the server answered with an error code), says QUIT politely
// (RFC 5321 §3.1: a server greeting with 554 still waits for QUIT).
func (s *session) failAndQuit(name Step, err error) error {
	err = s.fail(name, err)
	if isReplyError(err) {
		s.quitPlain()
	}
	return err
}

func (s *session) cmd(command string) (Reply, error) {
	if err := s.tw.PrintfLine("%s", command); err != nil {
		return Reply{}, err
	}
	return s.rr.readReply()
}

// ehlo greets with EHLO and falls back to HELO on 500 or 502
// (RFC 5321 §4.1.4, §3.2).
func (s *session) ehlo(context.Context, time.Time) error {
	rep, err := s.cmd("EHLO " + s.res.EHLOName)
	if err != nil {
		return err
	}
	if rep.Code == 500 || rep.Code == 502 {
		s.res.UsedHELO = true
		rep, err = s.cmd("HELO " + s.res.EHLOName)
		if err != nil {
			return err
		}
		if rep.Code != 250 {
			return &ReplyError{Command: "HELO", Code: rep.Code, Text: rep.Text()}
		}
		return nil
	}
	if rep.Code != 250 {
		return &ReplyError{Command: "EHLO", Code: rep.Code, Text: rep.Text()}
	}
	s.res.Extensions = parseEHLO(rep)
	return nil
}

// starttls sends STARTTLS whether or not it was advertised, and on 220
// collects any bytes the server sent after its reply.
func (s *session) starttls(context.Context, time.Time) error {
	s.res.STARTTLSAttempted = true
	rep, err := s.cmd("STARTTLS")
	s.res.STARTTLSCode, s.res.STARTTLSText = rep.Code, rep.Text()
	if err != nil {
		return err
	}
	// RFC 3207 §4: 220 means "ready to start TLS"; 454 and 5xx refuse.
	if rep.Code != 220 {
		return &ReplyError{Command: "STARTTLS", Code: rep.Code, Text: rep.Text()}
	}
	s.res.STARTTLSAccepted = true
	// RFC 3207 §4: after the 220 the next bytes on the connection belong
	// to the TLS handshake. Plaintext that already arrived behind the 220
	// is reported (STARTTLS injection, the CVE-2011-0411 class) and
	// dropped: the TLS client reads the raw connection, not this buffer.
	// Bytes that arrive later, during the handshake, reach TLS as a
	// malformed record and fail it (OutcomeProtocol), never as SMTP.
	if n := s.rr.br.Buffered(); n > 0 {
		b, _ := s.rr.br.Peek(n)
		s.res.InjectedCount = n
		s.res.InjectedBytes = append([]byte(nil), b[:min(n, maxInjectedKept)]...)
		s.rr.br.Discard(n)
	}
	return nil
}

// quitPlain sends QUIT on the plaintext connection, recording the step.
func (s *session) quitPlain() {
	s.step(StepQuit, s.tm.Quit, func(context.Context, time.Time) error {
		rep, err := s.cmd("QUIT")
		if err != nil {
			return err
		}
		if rep.Code != 221 {
			return &ReplyError{Command: "QUIT", Code: rep.Code, Text: rep.Text()}
		}
		return nil
	})
}

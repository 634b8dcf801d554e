package smtpprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/emersion/go-smtp"
)

// classify maps a step error to an Outcome. ctx is the caller's context,
// to tell a cancellation from a step timeout.
func classify(ctx context.Context, step Step, err error) Outcome {
	var (
		re    *ReplyError
		alert tls.AlertError
		ve    *verifyError
		rh    tls.RecordHeaderError
		ne    net.Error
	)
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(ctx.Err(), context.Canceled):
		return OutcomeCanceled
	case errors.As(err, &ve):
		return OutcomeVerifyFailed
	case errors.Is(err, ErrReplyTooLong), errors.Is(err, smtp.ErrTooLongLine):
		return OutcomeReplyTooLong
	case errors.As(err, &re):
		return OutcomeRejected
	case errors.Is(err, ErrMalformedReply), errors.As(err, &rh):
		return OutcomeProtocol
	case errors.As(err, &alert), isRemoteAlert(err):
		return OutcomeTLSAlert
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return OutcomeTimeout
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The context deadline closed the connection under the step.
		return OutcomeTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return OutcomeRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EAFNOSUPPORT):
		return OutcomeNetworkUnreachable
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return OutcomeEOF
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || step == StepConnect {
		return OutcomeFailed
	}
	// Anything else during a handshake or dialogue is the peer speaking
	// something unexpected (for example "server selected unsupported
	// protocol version").
	return OutcomeProtocol
}

// isRemoteAlert recognises a TLS alert received from the server: crypto/tls
// reports it as a *net.OpError with Op "remote error" (tls.AlertError is
// only used with QUIC).
func isRemoteAlert(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error"
}

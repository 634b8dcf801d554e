package testworld

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// startGoSMTP serves the well-behaved kinds with go-smtp's server.
func (s *SMTPServer) startGoSMTP() {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return refusingSession{}, nil
	}))
	srv.Domain = s.opts.Hostname
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = discardLogger{}
	if s.opts.Kind != SMTPNoStartTLS {
		srv.TLSConfig = s.tlsCfg
	}
	// go-smtp's Server.Close closes each Conn from the closing goroutine
	// while the connection's own goroutine may be swapping in its TLS
	// connection (a data race inside go-smtp, seen under -race). Close our
	// listener and raw connections instead, so every connection goroutine
	// ends by itself, then let Shutdown wait for them.
	s.closeFn = func() error {
		s.ln.Close()
		s.ln.closeAll()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		srv.Serve(s.ln)
	}()
}

// refusingSession refuses mail: probes never send any.
type refusingSession struct{}

func errNoMail() error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "test server takes no mail"}
}

func (refusingSession) Reset()        {}
func (refusingSession) Logout() error { return nil }
func (refusingSession) Mail(string, *smtp.MailOptions) error {
	return errNoMail()
}
func (refusingSession) Rcpt(string, *smtp.RcptOptions) error {
	return errNoMail()
}
func (refusingSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	return errors.New("no data expected")
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}

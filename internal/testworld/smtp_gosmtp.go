package testworld

import (
	"errors"
	"io"
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
	s.closeFn = srv.Close
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

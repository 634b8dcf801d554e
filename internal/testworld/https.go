package testworld

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTPSOptions configure an MTA-STS policy server.
type HTTPSOptions struct {
	// CA issues the policy hosts' certificates; nil creates a new root.
	CA *CA
	// Base is the parent domain of the scenario domains; "" means
	// "sts.test.".
	Base string
	// Scenarios to serve; nil means MTASTSScenarios().
	Scenarios []MTASTSScenario
}

// HTTPSWorld is a running MTA-STS policy server on 127.0.0.1. It serves
// every scenario's policy on one port, choosing the certificate by SNI
// and the policy by Host, as mta-sts.DOMAIN does on port 443.
type HTTPSWorld struct {
	// CA is the test CA; clients trust it through CA.Pool() or a
	// --ca-file holding CA.RootPEM().
	CA *CA
	// Base is the parent domain of the scenarios, fully qualified.
	Base string
	// Addr is the listening address (127.0.0.1:port) and Port its port.
	Addr string
	Port int
	// Scenarios are the scenarios served.
	Scenarios []MTASTSScenario

	byHost map[string]MTASTSScenario // policy host (no dot) -> scenario
	certs  map[string]*tls.Certificate
	srv    *http.Server
	done   chan struct{} // closed by Close, releases hanging handlers
	wg     sync.WaitGroup
	once   sync.Once
}

// StartHTTPS starts the policy server. Close it when done.
func StartHTTPS(o HTTPSOptions) (*HTTPSWorld, error) {
	if o.CA == nil {
		ca, err := NewRootCA(CertOptions{CommonName: "daneprobe test MTA-STS root"})
		if err != nil {
			return nil, fmt.Errorf("start HTTPS world: %w", err)
		}
		o.CA = ca
	}
	if o.Base == "" {
		o.Base = "sts.test."
	}
	if o.Scenarios == nil {
		o.Scenarios = MTASTSScenarios()
	}
	w := &HTTPSWorld{
		CA:        o.CA,
		Base:      strings.TrimSuffix(o.Base, ".") + ".",
		Scenarios: o.Scenarios,
		byHost:    map[string]MTASTSScenario{},
		certs:     map[string]*tls.Certificate{},
		done:      make(chan struct{}),
	}
	now := time.Now()
	for _, s := range o.Scenarios {
		host := "mta-sts." + s.Domain(w.Base)
		w.byHost[host] = s
		opts := CertOptions{DNSNames: []string{host}}
		switch s.Cert {
		case CertWrongName:
			opts.DNSNames = []string{"www." + s.Domain(w.Base)}
		case CertExpired:
			opts.NotBefore, opts.NotAfter = now.Add(-90*24*time.Hour), now.Add(-24*time.Hour)
		}
		leaf, err := o.CA.Issue(opts)
		if err != nil {
			return nil, fmt.Errorf("start HTTPS world: scenario %s: %w", s.Name, err)
		}
		c := leaf.TLSCertificate()
		w.certs[host] = &c
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start HTTPS world: listen: %w", err)
	}
	w.Addr = ln.Addr().String()
	_, port, _ := net.SplitHostPort(w.Addr)
	w.Port, _ = strconv.Atoi(port)
	w.srv = &http.Server{
		Handler:           http.HandlerFunc(w.serve),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // handshake failures are the point of some scenarios
		TLSConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c, ok := w.certs[strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))]; ok {
					return c, nil
				}
				return nil, fmt.Errorf("no scenario for SNI %q", hello.ServerName)
			},
		},
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		_ = w.srv.ServeTLS(ln, "", "") // returns http.ErrServerClosed on Close
	}()
	return w, nil
}

// Domain returns the domain of the named scenario, without trailing dot.
func (w *HTTPSWorld) Domain(name string) string {
	return name + "." + strings.TrimSuffix(w.Base, ".")
}

// Records returns the DNS records of all scenarios (see MTASTSRecords).
func (w *HTTPSWorld) Records() []string {
	return MTASTSRecords(w.Base, w.Scenarios)
}

// Close stops the server and waits for it.
func (w *HTTPSWorld) Close() error {
	var err error
	w.once.Do(func() {
		close(w.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = w.srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = w.srv.Close()
		}
		w.wg.Wait()
	})
	return err
}

// serve answers one request according to the scenario of the Host.
func (w *HTTPSWorld) serve(rw http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(strings.TrimSuffix(r.Host, "."))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s, ok := w.byHost[host]
	if !ok || r.URL.Path != "/.well-known/mta-sts.txt" {
		http.NotFound(rw, r)
		return
	}
	if s.Hang {
		select {
		case <-r.Context().Done():
		case <-w.done:
		case <-time.After(30 * time.Second):
		}
		return
	}
	ct := s.ContentType
	if ct == "" {
		ct = "text/plain"
	}
	body := []byte(s.body(s.Domain(w.Base)))
	if s.RawBody != nil {
		body = s.RawBody
	}
	if s.HTTP10 {
		w.serveHTTP10(rw, ct, body)
		return
	}
	rw.Header().Set("Content-Type", ct)
	if s.Location != "" {
		rw.Header().Set("Location", s.Location)
	}
	for k, v := range s.Header {
		rw.Header().Set(k, v)
	}
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	rw.WriteHeader(status)
	if s.Trickle > 0 {
		rc := http.NewResponseController(rw)
		for i := range body {
			if _, err := rw.Write(body[i : i+1]); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				// Abort, never end the response cleanly: a clean return
				// would send the last chunk, and a client still reading
				// would get a short body that looks complete.
				panic(http.ErrAbortHandler)
			case <-w.done:
				panic(http.ErrAbortHandler)
			case <-time.After(s.Trickle):
			}
		}
		return
	}
	_, _ = rw.Write(body)
}

// serveHTTP10 takes over the connection and answers like an HTTP/1.0
// server: no Content-Length, no chunking, the body ends at the close.
func (w *HTTPSWorld) serveHTTP10(rw http.ResponseWriter, ct string, body []byte) {
	c, buf, err := http.NewResponseController(rw).Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(buf, "HTTP/1.0 200 OK\r\nContent-Type: %s\r\n\r\n", ct)
	buf.Write(body)
	buf.Flush()
}

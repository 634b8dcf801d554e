package mtasts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// MaxPolicySize is the largest policy body a sender accepts (RFC 8461
// §3.3 suggests 64 KiB).
const MaxPolicySize = 64 << 10

// DefaultFetchTimeout is the overall fetch deadline (RFC 8461 §3.3
// suggests 60 seconds).
const DefaultFetchTimeout = 60 * time.Second

// WellKnownPath is where the policy lives on the policy host.
const WellKnownPath = "/.well-known/mta-sts.txt"

// FetchFailure says why a policy fetch failed. The values appear in JSON
// output and stay stable.
type FetchFailure string

// Fetch failures.
const (
	FetchOK FetchFailure = ""
	// FetchNoAddress: mta-sts.DOMAIN has no A or AAAA record, or the
	// lookup failed.
	FetchNoAddress FetchFailure = "no-address"
	// FetchConnect: no address accepted a TCP connection.
	FetchConnect FetchFailure = "connect"
	// FetchCertificate: the policy host's certificate is not valid for
	// mta-sts.DOMAIN under the trusted roots (sts-webpki-invalid).
	FetchCertificate FetchFailure = "certificate"
	// FetchTLS: the TLS handshake failed for another reason.
	FetchTLS FetchFailure = "tls"
	// FetchHTTP: the HTTP exchange failed (malformed response, reset).
	FetchHTTP FetchFailure = "http"
	// FetchRedirect: the server answered with a redirect, which senders
	// never follow (RFC 8461 §3.3).
	FetchRedirect FetchFailure = "redirect-not-allowed"
	// FetchStatus: a status other than 200.
	FetchStatus FetchFailure = "http-status"
	// FetchContentType: the media type is not text/plain.
	FetchContentType FetchFailure = "content-type"
	// FetchTooLarge: the body exceeds MaxPolicySize.
	FetchTooLarge FetchFailure = "policy-too-large"
	// FetchTimeout: the overall deadline passed.
	FetchTimeout FetchFailure = "timeout"
)

// ErrFetch is wrapped by every error Fetcher.Fetch returns.
var ErrFetch = errors.New("MTA-STS policy fetch failed")

// Fetcher fetches MTA-STS policies following RFC 8461 §3.3. The zero
// value is not usable: Resolver is required.
type Fetcher struct {
	// Resolver resolves the policy host, so that the resolver daneprobe
	// was told to use applies to the fetch as well.
	Resolver dnssec.Lookuper
	// Dial opens TCP connections; nil uses a net.Dialer.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Roots are the roots the policy host's certificate must chain to;
	// nil means the system roots. Ignored when RootSource is set.
	Roots *x509.CertPool
	// RootSource, if set, gives the trusted roots for each chain.
	RootSource RootSource
	// Port is the HTTPS port; zero means 443. Other ports are for test
	// setups only: senders always use 443.
	Port int
	// Timeout bounds the whole fetch, DNS included; zero means
	// DefaultFetchTimeout.
	Timeout time.Duration
	// Now is the clock for certificate validation; nil means time.Now.
	Now func() time.Time
}

// FetchResult records everything observed while fetching a policy. It is
// returned even when the fetch fails.
type FetchResult struct {
	// URL is the policy URL, always https://mta-sts.DOMAIN/.well-known/mta-sts.txt.
	URL string `json:"url"`
	// Host is the policy host, mta-sts.DOMAIN.
	Host string `json:"host"`
	// Addresses are the resolved addresses, and Security the weakest
	// DNSSEC status of the address lookups (a fact; not required).
	Addresses []string        `json:"addresses,omitempty"`
	Security  dnssec.Security `json:"dnssec"`
	// Address is the address:port the request went to.
	Address string `json:"address,omitempty"`
	// TLSVersion and Certificate describe the TLS session when one was
	// established or attempted.
	TLSVersion  string `json:"tls_version,omitempty"`
	Certificate string `json:"certificate,omitempty"`
	StatusCode  int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// Location is the redirect target when Failure is FetchRedirect.
	Location string `json:"location,omitempty"`
	// Body is the policy file, at most MaxPolicySize bytes; nil when
	// the fetch failed.
	Body []byte `json:"-"`
	// Size is the body size read (MaxPolicySize+1 means "larger").
	Size     int           `json:"size"`
	Failure  FetchFailure  `json:"failure,omitempty"`
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Result returns the RFC 8460 result type senders report for the fetch
// failure, or "" when the fetch succeeded.
func (r *FetchResult) Result() tlsrpt.ResultType {
	switch r.Failure {
	case FetchOK:
		return ""
	case FetchCertificate:
		return tlsrpt.ResultSTSWebPKIInvalid
	default:
		return tlsrpt.ResultSTSPolicyFetchError
	}
}

// Fetch retrieves the MTA-STS policy of domain. It resolves
// mta-sts.DOMAIN with f.Resolver, connects to the addresses in turn,
// verifies the certificate for that name (SNI included), and applies
// every rule of RFC 8461 §3.3. It always returns a FetchResult; the error
// is non-nil (wrapping ErrFetch) exactly when Failure is set.
func (f *Fetcher) Fetch(ctx context.Context, domain string) (*FetchResult, error) {
	start := time.Now()
	host := "mta-sts." + names.Fold(domain)
	r := &FetchResult{Host: host, URL: "https://" + host + WellKnownPath}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(why FetchFailure, format string, a ...any) (*FetchResult, error) {
		if ctx.Err() != nil && why != FetchRedirect && why != FetchStatus && why != FetchContentType && why != FetchTooLarge {
			why = FetchTimeout
			format, a = "no answer within %s (%s)", []any{timeout, fmt.Sprintf(format, a...)}
		}
		r.Failure, r.Detail, r.Body = why, fmt.Sprintf(format, a...), nil
		r.Duration = time.Since(start)
		return r, fmt.Errorf("%w: %s: %s: %s", ErrFetch, r.URL, why, r.Detail)
	}

	// Phase 1: the policy host's addresses, through our resolver.
	addrs, sec, err := f.resolve(ctx, host)
	r.Addresses, r.Security = addrs, sec
	if err != nil {
		return fail(FetchNoAddress, "%v", err)
	}
	// Phase 2: the HTTPS request.
	resp, connectErrs, err := f.get(ctx, r, addrs)
	if err != nil {
		return f.classify(fail, err, connectErrs)
	}
	defer resp.Body.Close()
	// Phase 3: the response, by the rules of RFC 8461 §3.2-§3.3.
	if rerr := f.readPolicy(ctx, r, resp); rerr != nil {
		if rerr.err != nil {
			return f.classify(fail, rerr.err, nil)
		}
		return fail(rerr.failure, "%s", rerr.detail)
	}
	r.Duration = time.Since(start)
	return r, nil
}

// fetchSession is what the transport saw while it dialled and shook
// hands; its callbacks run on the transport's goroutines.
type fetchSession struct {
	mu          sync.Mutex
	connectErrs []string
	tlsSeen     *tls.ConnectionState
}

// get sends the GET request for r.URL to addrs and returns the response,
// filling in r.Address and the TLS facts. On error it also returns the
// connection errors met on the way.
func (f *Fetcher) get(ctx context.Context, r *FetchResult, addrs []string) (*http.Response, []string, error) {
	sess := &fetchSession{}
	transport := f.transport(ctx, r, addrs, sess)
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		// RFC 8461 §3.3: senders MUST NOT follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	// RFC 8461 §3.3: HTTP caching MUST NOT be used; ask intermediaries
	// not to serve a cached copy either.
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("User-Agent", "daneprobe")
	resp, err := client.Do(req)
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.tlsSeen != nil {
		r.TLSVersion = tls.VersionName(sess.tlsSeen.Version)
		if len(sess.tlsSeen.PeerCertificates) > 0 {
			r.Certificate = describeCert(sess.tlsSeen.PeerCertificates[0])
		}
	}
	return resp, sess.connectErrs, err
}

// transport is an HTTP transport that connects only to addrs (found by
// our resolver, never by the system's) and checks the policy host's
// certificate, recording what it saw in sess and r.Address.
func (f *Fetcher) transport(fetchCtx context.Context, r *FetchResult, addrs []string, sess *fetchSession) *http.Transport {
	port := f.Port
	if port == 0 {
		port = 443
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	dial := f.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &http.Transport{
		// The host name in the URL is never resolved by the system: the
		// connection goes to the addresses daneprobe's resolver found.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			// net/http dials under a context that keeps the request's
			// cancellation but not its deadline: take the fetch's.
			deadline, hasDeadline := fetchCtx.Deadline()
			for i, a := range addrs {
				target := net.JoinHostPort(a, strconv.Itoa(port))
				// An address that never answers (a blackholed IPv4 or
				// IPv6 route) gets its share of the time left, not all
				// of it, so the next address is still tried.
				dctx, cancel := ctx, context.CancelFunc(func() {})
				if hasDeadline {
					dctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/time.Duration(len(addrs)-i))
				}
				c, err := dial(dctx, "tcp", target)
				cancel()
				sess.mu.Lock()
				if err == nil {
					r.Address = target
				} else {
					sess.connectErrs = append(sess.connectErrs, err.Error())
				}
				sess.mu.Unlock()
				if err == nil {
					return c, nil
				}
				if ctx.Err() != nil {
					break
				}
			}
			return nil, errConnect
		},
		// RFC 8461 §3.3: the certificate must be valid for the policy
		// host under the WebPKI; SNI names the policy host.
		// The check is done in VerifyConnection rather than by crypto/tls
		// itself so that the presented certificate is reported even when
		// it fails.
		TLSClientConfig: &tls.Config{
			ServerName:         r.Host,
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				sess.mu.Lock()
				sess.tlsSeen = &cs
				sess.mu.Unlock()
				return verifyPolicyHost(cs, r.Host, rootsFor(f.Roots, f.RootSource, cs.PeerCertificates), now())
			},
		},
		Proxy:                  nil,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      false,
	}
}

// responseError is a fetch failure found in the response, or the error
// that cut the body short (err, classified like a request error).
type responseError struct {
	failure FetchFailure
	detail  string
	err     error
}

// readPolicy applies the rules of RFC 8461 §3.2-§3.3 to the response and
// reads the body into r.
func (f *Fetcher) readPolicy(ctx context.Context, r *FetchResult, resp *http.Response) *responseError {
	bad := func(why FetchFailure, format string, a ...any) *responseError {
		return &responseError{failure: why, detail: fmt.Sprintf(format, a...)}
	}
	r.StatusCode = resp.StatusCode
	r.ContentType = resp.Header.Get("Content-Type")
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		r.Location = resp.Header.Get("Location")
		return bad(FetchRedirect, "HTTP %d redirect to %q; senders never follow redirects (RFC 8461 §3.3)", resp.StatusCode, r.Location)
	}
	// RFC 8461 §3.3: only HTTP 200 is a valid response.
	if resp.StatusCode != http.StatusOK {
		return bad(FetchStatus, "HTTP %d %s; only 200 counts", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	// RFC 8461 §3.3: at most 64 KiB; read no further.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPolicySize+1))
	r.Size = len(body)
	if err == nil && ctx.Err() != nil {
		// A body still arriving at the deadline is a timeout, even when
		// the read happened to end cleanly (a server that gives up at the
		// same moment can end its response early): what was read is not
		// known to be the whole policy.
		err = ctx.Err()
	}
	if err != nil {
		return &responseError{err: err}
	}
	if len(body) > MaxPolicySize {
		return bad(FetchTooLarge, "the body exceeds %d bytes; senders stop reading there", MaxPolicySize)
	}
	// RFC 8461 §3.2: the media type is text/plain; parameters such as
	// charset are allowed and ignored.
	mt, _, err := mime.ParseMediaType(r.ContentType)
	if err != nil || mt != "text/plain" {
		got := r.ContentType
		if got == "" {
			got = "none"
		}
		return bad(FetchContentType, "media type %q is not text/plain; senders that validate it (RFC 8461 §3.2) ignore the policy", got)
	}
	r.Body = body
	return nil
}

var errConnect = errors.New("no address accepted a connection")

// certError marks a failed WebPKI check of the policy host.
type certError struct{ err error }

func (e *certError) Error() string { return e.err.Error() }
func (e *certError) Unwrap() error { return e.err }

// verifyPolicyHost checks the policy host's certificate: RFC 8461 §3.3
// requires a chain to a trusted root and a name matching the policy host.
func verifyPolicyHost(cs tls.ConnectionState, host string, roots *x509.CertPool, now time.Time) error {
	if len(cs.PeerCertificates) == 0 {
		return &certError{errors.New("no certificate presented")}
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return &certError{err}
	}
	return nil
}

// classify turns a client error into a fetch failure.
func (f *Fetcher) classify(fail func(FetchFailure, string, ...any) (*FetchResult, error), err error, connectErrs []string) (*FetchResult, error) {
	var ce *certError
	switch {
	case errors.Is(err, errConnect):
		return fail(FetchConnect, "%s", strings.Join(connectErrs, "; "))
	case errors.As(err, &ce):
		return fail(FetchCertificate, "the certificate of the policy host is not valid (senders report sts-webpki-invalid): %v", ce.err)
	case isTLSError(err):
		return fail(FetchTLS, "TLS handshake: %v", unwrapURLError(err))
	default:
		return fail(FetchHTTP, "%v", unwrapURLError(err))
	}
}

func isTLSError(err error) bool {
	var ae tls.AlertError
	var re tls.RecordHeaderError
	return errors.As(err, &ae) || errors.As(err, &re) || strings.Contains(err.Error(), "tls:")
}

// unwrapURLError drops the "Get URL:" prefix net/http adds; the URL is
// already in the result.
func unwrapURLError(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || !strings.HasPrefix(err.Error(), "Get ") {
			return err
		}
		err = u.Unwrap()
	}
}

func describeCert(c *x509.Certificate) string {
	return fmt.Sprintf("subject %q, names %s, issuer %q, valid %s to %s",
		c.Subject.CommonName, strings.Join(c.DNSNames, ","), c.Issuer.CommonName,
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
}

// resolve looks up the policy host's A and AAAA records.
func (f *Fetcher) resolve(ctx context.Context, host string) ([]string, dnssec.Security, error) {
	if f.Resolver == nil {
		return nil, dnssec.Indeterminate, errors.New("no resolver configured")
	}
	var addrs, problems []string
	sec := dnssec.Secure
	seen := false
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		res, err := f.Resolver.Lookup(ctx, dns.Fqdn(host), qt)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s lookup %s: %v", dns.TypeToString[qt], host, err))
			continue
		}
		if !seen {
			sec = res.Security
		}
		sec = dnssec.Weakest(sec, res.Security)
		seen = true
		if res.Security == dnssec.Bogus {
			problems = append(problems, fmt.Sprintf("%s lookup %s: DNSSEC bogus (%s)", dns.TypeToString[qt], host, res.Reason))
			continue
		}
		for _, rr := range res.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				addrs = append(addrs, rr.A.String())
			case *dns.AAAA:
				addrs = append(addrs, rr.AAAA.String())
			}
		}
	}
	if !seen {
		sec = dnssec.Indeterminate
	}
	if len(addrs) == 0 {
		if len(problems) == 0 {
			problems = append(problems, fmt.Sprintf("%s has no A or AAAA record", host))
		}
		return nil, sec, errors.New(strings.Join(problems, "; "))
	}
	return addrs, sec, nil
}

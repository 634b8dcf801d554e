package mtasts_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mtasts"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// startWorld starts the HTTPS test world with a DNS script serving its
// records, and returns a Fetcher pointed at it.
func startWorld(t testing.TB, extra ...testworld.MTASTSScenario) (*testworld.HTTPSWorld, *zoneDNS, *mtasts.Fetcher) {
	t.Helper()
	w, err := testworld.StartHTTPS(testworld.HTTPSOptions{Scenarios: append(testworld.MTASTSScenarios(), extra...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	z, err := newZoneDNS(w.Records()...)
	if err != nil {
		t.Fatal(err)
	}
	return w, z, &mtasts.Fetcher{Resolver: z, Roots: w.CA.Pool(), Port: w.Port, Timeout: 5 * time.Second}
}

func TestFetchScenarios(t *testing.T) {
	w, _, f := startWorld(t, testworld.MTASTSScenario{Name: "exact", BodySize: mtasts.MaxPolicySize, TXT: [][]string{{"v=STSv1; id=1"}}})
	tests := []struct {
		scenario string
		failure  mtasts.FetchFailure
		result   tlsrpt.ResultType
		detail   string
	}{
		{"enforce", mtasts.FetchOK, "", ""},
		{"crlf", mtasts.FetchOK, "", ""},
		{"charset", mtasts.FetchOK, "", ""}, // media type parameters are ignored
		{"exact", mtasts.FetchOK, "", ""},   // exactly 64 KiB is allowed
		{"redirect", mtasts.FetchRedirect, tlsrpt.ResultSTSPolicyFetchError, "never follow"},
		{"notfound", mtasts.FetchStatus, tlsrpt.ResultSTSPolicyFetchError, "HTTP 404"},
		{"oversized", mtasts.FetchTooLarge, tlsrpt.ResultSTSPolicyFetchError, "65536"},
		{"htmltype", mtasts.FetchContentType, tlsrpt.ResultSTSPolicyFetchError, "text/html"},
		{"wrongname", mtasts.FetchCertificate, tlsrpt.ResultSTSWebPKIInvalid, "mta-sts.wrongname.sts.test"},
		{"expired", mtasts.FetchCertificate, tlsrpt.ResultSTSWebPKIInvalid, "expired"},
		{"nohost", mtasts.FetchNoAddress, tlsrpt.ResultSTSPolicyFetchError, "no A or AAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r, err := f.Fetch(context.Background(), w.Domain(tt.scenario))
			if r == nil {
				t.Fatal("nil result")
			}
			if r.Failure != tt.failure || r.Result() != tt.result || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("failure %q (%s), result %q; want %q with %q, %q", r.Failure, r.Detail, r.Result(), tt.failure, tt.detail, tt.result)
			}
			if (err != nil) != (tt.failure != mtasts.FetchOK) || err != nil && !errors.Is(err, mtasts.ErrFetch) {
				t.Fatalf("error %v", err)
			}
			if r.URL != "https://mta-sts."+w.Domain(tt.scenario)+"/.well-known/mta-sts.txt" {
				t.Errorf("URL %s", r.URL)
			}
			if tt.failure == mtasts.FetchOK {
				if len(r.Body) == 0 || r.Address != w.Addr || r.StatusCode != 200 || r.TLSVersion == "" {
					t.Errorf("result %+v", r)
				}
			} else if r.Body != nil {
				t.Errorf("failed fetch kept a body of %d bytes", len(r.Body))
			}
		})
	}
	// The redirect target is reported, the certificate of a failing host
	// described.
	r, _ := f.Fetch(context.Background(), w.Domain("redirect"))
	if r.Location == "" || r.StatusCode != 301 {
		t.Errorf("redirect: location %q, status %d", r.Location, r.StatusCode)
	}
	r, _ = f.Fetch(context.Background(), w.Domain("wrongname"))
	if !strings.Contains(r.Certificate, "www.wrongname.sts.test") {
		t.Errorf("certificate description %q", r.Certificate)
	}
	r, _ = f.Fetch(context.Background(), w.Domain("oversized"))
	if r.Size != mtasts.MaxPolicySize+1 {
		t.Errorf("read %d bytes of an oversized body, want to stop at %d", r.Size, mtasts.MaxPolicySize+1)
	}
}

func TestFetchUntrustedRoot(t *testing.T) {
	w, z, _ := startWorld(t)
	other, err := testworld.NewRootCA(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := &mtasts.Fetcher{Resolver: z, Roots: other.Pool(), Port: w.Port, Timeout: 5 * time.Second}
	r, err := f.Fetch(context.Background(), w.Domain("enforce"))
	if err == nil || r.Failure != mtasts.FetchCertificate || !strings.Contains(r.Detail, "unknown authority") {
		t.Errorf("failure %q: %s", r.Failure, r.Detail)
	}
}

func TestFetchTimeout(t *testing.T) {
	w, _, f := startWorld(t)
	f.Timeout = 300 * time.Millisecond
	start := time.Now()
	r, err := f.Fetch(context.Background(), w.Domain("slow"))
	if err == nil || r.Failure != mtasts.FetchTimeout {
		t.Fatalf("failure %q: %s", r.Failure, r.Detail)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timeout of 300ms took %s", d)
	}
}

func TestFetchConnectRefused(t *testing.T) {
	w, z, _ := startWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	f := &mtasts.Fetcher{Resolver: z, Roots: w.CA.Pool(), Port: port, Timeout: 5 * time.Second}
	r, err := f.Fetch(context.Background(), w.Domain("enforce"))
	if err == nil || r.Failure != mtasts.FetchConnect || !strings.Contains(r.Detail, "refused") {
		t.Errorf("failure %q: %s", r.Failure, r.Detail)
	}
}

// TestFetchDialsResolvedAddress checks that the connection goes to the
// address daneprobe's resolver returned (the injected dialer sees it),
// trying the next address when one fails.
func TestFetchDialsResolvedAddress(t *testing.T) {
	w, z, f := startWorld(t)
	host := "mta-sts." + w.Domain("enforce") + "."
	z.rrs[host+"/AAAA"] = nil
	extra, err := newZoneDNS(host + " 300 IN A 127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	z.rrs[host+"/A"] = append(extra.rrs[host+"/A"], z.rrs[host+"/A"]...)
	var mu sync.Mutex
	var dialed []string
	f.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		if strings.HasPrefix(addr, "127.0.0.2:") {
			return nil, errors.New("simulated unreachable address")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	r, err := f.Fetch(context.Background(), w.Domain("enforce"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("127.0.0.2:%d", w.Port), w.Addr}
	if strings.Join(dialed, " ") != strings.Join(want, " ") || r.Address != w.Addr {
		t.Errorf("dialed %v (used %s), want %v", dialed, r.Address, want)
	}
	if len(r.Addresses) != 2 {
		t.Errorf("addresses %v", r.Addresses)
	}
}

// TestFetchNoCacheNoRedirect uses its own server to count requests: a
// second fetch asks the server again (no HTTP caching), and a redirect is
// not followed (one request only).
func TestFetchNoCacheNoRedirect(t *testing.T) {
	ca, err := testworld.NewRootCA(testworld.CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(testworld.CertOptions{DNSNames: []string{"mta-sts.count.test"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var requests int
	var noCache bool
	redirect := false
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		n := requests
		noCache = r.Header.Get("Cache-Control") == "no-cache"
		doRedirect := redirect
		mu.Unlock()
		if doRedirect {
			http.Redirect(rw, r, "/.well-known/mta-sts.txt", http.StatusFound)
			return
		}
		rw.Header().Set("Content-Type", "text/plain")
		rw.Header().Set("Cache-Control", "max-age=86400")
		fmt.Fprintf(rw, "version: STSv1\nmode: enforce\nmx: mx%d.count.test\nmax_age: 86400\n", n)
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	z := mustZoneDNS("mta-sts.count.test. 300 IN A 127.0.0.1")
	f := &mtasts.Fetcher{Resolver: z, Roots: ca.Pool(), Port: ln.Addr().(*net.TCPAddr).Port, Timeout: 5 * time.Second}
	r1, err := f.Fetch(context.Background(), "count.test")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.Fetch(context.Background(), "count.test")
	if err != nil {
		t.Fatal(err)
	}
	if string(r1.Body) == string(r2.Body) || !strings.Contains(string(r2.Body), "mx2.count.test") {
		t.Errorf("second fetch served from a cache: %q", r2.Body)
	}
	mu.Lock()
	if !noCache {
		t.Error("request lacks Cache-Control: no-cache")
	}
	redirect, requests = true, 0
	mu.Unlock()
	r3, _ := f.Fetch(context.Background(), "count.test")
	mu.Lock()
	defer mu.Unlock()
	if r3.Failure != mtasts.FetchRedirect || requests != 1 || r3.Location != "/.well-known/mta-sts.txt" {
		t.Errorf("redirect: failure %q, %d requests, location %q", r3.Failure, requests, r3.Location)
	}
}

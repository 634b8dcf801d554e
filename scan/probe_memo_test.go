package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"reflect"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/mtasts"
)

// TestSharedProberCertificateMemo: a scan through the shared prober
// summarises each presented certificate once (gather asks the prober's
// memo), the summaries are those of delivery.CertificateOf, and the memo
// stays bounded.
func TestSharedProberCertificateMemo(t *testing.T) {
	w := synthWorld(t, 60, 4, 0)
	lim := NewIPLimiter(2)
	ck, _ := worldChecker(t, w.Resolver(), anchorsOf(w), w.Port, w.PolicyPort, w.CA.Pool(), lim)
	sp := ck.Prober.(*SharedProber)
	chains := 0
	e := &Engine{Check: ck.Check, Concurrency: 8, OnResult: func(r *delivery.DomainReport) {
		for _, mx := range r.MX {
			for _, a := range mx.Addresses {
				chains += len(a.Chain)
			}
		}
	}}
	if _, err := e.Run(context.Background(), &Source{Next: SliceNext(w.Synthetic)}, discard{}); err != nil {
		t.Fatal(err)
	}
	sp.certMu.Lock()
	memo := len(sp.certs)
	for c, sum := range sp.certs {
		if !reflect.DeepEqual(sum, delivery.CertificateOf(c)) {
			t.Errorf("memo of %s differs from CertificateOf", c.Subject)
		}
	}
	sp.certMu.Unlock()
	// 4 MX hosts, each with a leaf and an intermediate at most.
	if memo == 0 || memo > 8 || chains <= 4*memo {
		t.Errorf("%d certificates summarised for %d in the reports; want each once", memo, chains)
	}

	// Bounded: a full memo starts over (4 certificates per result).
	var one *x509.Certificate
	for c := range sp.certs {
		one = c
	}
	small := &SharedProber{Size: 1}
	for range 9 {
		cp := *one
		small.Certificate(&cp)
		if n := len(small.certs); n > 4 {
			t.Fatalf("memo holds %d certificates, bound 4", n)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestSharedProberWebPKIMemo: the shared WebPKI verdicts equal
// mtasts.VerifyMXTLS's, are computed once per host and chain in a scan,
// and are not reused across an expiry.
func TestSharedProberWebPKIMemo(t *testing.T) {
	w := synthWorld(t, 60, 4, 0)
	lim := NewIPLimiter(2)
	ck, _ := worldChecker(t, w.Resolver(), anchorsOf(w), w.Port, w.PolicyPort, w.CA.Pool(), lim)
	sp := ck.Prober.(*SharedProber)
	e := &Engine{Check: ck.Check, Concurrency: 8}
	if _, err := e.Run(context.Background(), &Source{Next: SliceNext(w.Synthetic)}, discard{}); err != nil {
		t.Fatal(err)
	}
	sp.certMu.Lock()
	n := len(sp.webpki)
	sp.certMu.Unlock()
	if n == 0 || n > 8 {
		t.Fatalf("%d WebPKI verdicts for 60 domains over 4 MX hosts; want one per host and chain", n)
	}
	// A chain of the scan, judged now, at its expiry and after it.
	var chain []*x509.Certificate
	sp.mu.Lock()
	for _, en := range sp.entries {
		if en.res != nil && en.res.TLS != nil && len(en.res.TLS.Certificates) > 0 {
			chain = en.res.TLS.Certificates
			break
		}
	}
	sp.mu.Unlock()
	if chain == nil {
		t.Fatal("no TLS chain in the shared results")
	}
	host := chain[0].DNSNames[0]
	for _, at := range []time.Time{time.Now(), chain[0].NotAfter.Add(time.Hour), time.Now()} {
		opts := mtasts.VerifyOptions{Roots: w.CA.Pool(), Now: at}
		got, gd := sp.VerifyMXTLS(host, tls.VersionTLS13, chain, opts)
		want, wd := mtasts.VerifyMXTLS(host, tls.VersionTLS13, chain, opts)
		if got != want || gd != wd {
			t.Errorf("at %s: memo %q %q, mtasts %q %q", at, got, gd, want, wd)
		}
	}
	if r, _ := sp.VerifyMXTLS(host, tls.VersionTLS13, chain, mtasts.VerifyOptions{Roots: w.CA.Pool(), Now: chain[0].NotAfter.Add(time.Hour)}); r == "" {
		t.Error("an expired chain passed")
	}
}

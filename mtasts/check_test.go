package mtasts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mtasts"
)

func findingCodes(r *mtasts.Report) []string {
	var codes []string
	for _, f := range r.Findings {
		codes = append(codes, string(f.Severity)+":"+f.Code)
	}
	return codes
}

func TestCheckScenarios(t *testing.T) {
	w, z, f := startWorld(t)
	c := &mtasts.Checker{Resolver: z, Fetcher: f}
	// Only "slow" needs a short fetch deadline; the others keep the
	// generous one, so a loaded machine (race detector, shared cores)
	// does not time them out.
	short := *f
	short.Timeout = 500 * time.Millisecond
	cSlow := &mtasts.Checker{Resolver: z, Fetcher: &short}
	tests := []struct {
		scenario string
		status   mtasts.Status
		mode     mtasts.Mode
		want     []string // finding codes that must be present
		absent   []string // finding codes that must not be present
	}{
		{"enforce", mtasts.StatusOK, mtasts.ModeEnforce, nil, []string{"note:no-tlsrpt", "warning:mx-pattern-unused"}},
		{"crlf", mtasts.StatusOK, mtasts.ModeEnforce, nil, nil},
		{"charset", mtasts.StatusOK, mtasts.ModeEnforce, nil, nil},
		{"multistring", mtasts.StatusOK, mtasts.ModeEnforce, []string{"note:record-note"}, nil},
		{"testing", mtasts.StatusOK, mtasts.ModeTesting, []string{"note:mode-testing"}, nil},
		{"none", mtasts.StatusOK, mtasts.ModeNone, []string{"note:mode-none", "note:no-tlsrpt"}, nil},
		{"miss", mtasts.StatusCritical, mtasts.ModeEnforce, []string{"error:mx-not-covered", "warning:mx-pattern-unused"}, nil},
		{"wildcard", mtasts.StatusCritical, mtasts.ModeEnforce, []string{"error:mx-not-covered"}, []string{"warning:mx-pattern-unused"}},
		{"syntax", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-invalid", "warning:tlsrpt-invalid"}, nil},
		{"redirect", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"notfound", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"oversized", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"htmltype", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"wrongname", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"expired", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"slow", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"nohost", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:policy-unreachable"}, nil},
		{"notxt", mtasts.StatusWarning, mtasts.ModeNone, []string{"warning:policy-without-record"}, []string{"warning:no-mta-sts"}},
		{"noname", mtasts.StatusWarning, mtasts.ModeNone, []string{"warning:no-mta-sts"}, []string{"error:policy-unreachable"}},
		{"twotxt", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:several-records"}, nil},
		{"badtxt", mtasts.StatusCritical, mtasts.ModeNone, []string{"error:malformed-record"}, nil},
		{"cnametxt", mtasts.StatusOK, mtasts.ModeEnforce, []string{"note:record-cname"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c := c
			if tt.scenario == "slow" {
				c = cSlow
			}
			r, err := c.Check(context.Background(), w.Domain(tt.scenario))
			if err != nil {
				t.Fatal(err)
			}
			codes := findingCodes(r)
			if r.Status != tt.status || r.Mode != tt.mode {
				t.Errorf("status %s, mode %s; want %s, %s; findings %v", r.Status, r.Mode, tt.status, tt.mode, r.Findings)
			}
			for _, c := range tt.want {
				if !slices.Contains(codes, c) {
					t.Errorf("finding %s missing from %v", c, codes)
				}
			}
			for _, c := range tt.absent {
				if slices.Contains(codes, c) {
					t.Errorf("unexpected finding %s in %v", c, codes)
				}
			}
		})
	}
}

func TestCheckDetails(t *testing.T) {
	w, z, f := startWorld(t)
	c := &mtasts.Checker{Resolver: z, Fetcher: f}
	ctx := context.Background()

	r, err := c.Check(ctx, w.Domain("wildcard"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.MX) != 2 || !r.MX[0].Matched || r.MX[0].Pattern != "*.wildcard.sts.test" || r.MX[1].Matched {
		t.Errorf("wildcard MX matches: %+v", r.MX)
	}
	r, _ = c.Check(ctx, w.Domain("htmltype"))
	if msg := findingMessage(r, "policy-unreachable"); !strings.Contains(msg, "ignore it") || !strings.Contains(msg, "text/html") {
		t.Errorf("content-type finding: %q", msg)
	}
	r, _ = c.Check(ctx, w.Domain("nohost"))
	if msg := findingMessage(r, "policy-unreachable"); !strings.Contains(msg, "treat the domain as having no MTA-STS") {
		t.Errorf("unreachable finding: %q", msg)
	}
	r, _ = c.Check(ctx, w.Domain("redirect"))
	if msg := findingMessage(r, "policy-unreachable"); !strings.Contains(msg, "redirect-not-allowed") || !strings.Contains(msg, "https://mta-sts.enforce.example/") {
		t.Errorf("redirect finding: %q", msg)
	}

	// A short max_age is a warning with its line number.
	z2 := mustZoneDNS(`_mta-sts.short.test. 300 IN TXT "v=STSv1; id=1"`, "short.test. 300 IN MX 10 mx.short.test.")
	r, err = (&mtasts.Checker{Resolver: z2, Fetcher: &mtasts.Fetcher{Resolver: z2}}).Check(ctx, "short.test")
	if err != nil {
		t.Fatal(err)
	}
	if r.Fetch.Failure != mtasts.FetchNoAddress {
		t.Errorf("fetch failure %q", r.Fetch.Failure)
	}
}

func TestCheckShortMaxAge(t *testing.T) {
	p, err := mtasts.ParsePolicy([]byte("version: STSv1\nmode: enforce\nmx: mx1.short.test\nmax_age: 600\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) != 1 || p.Problems[0].Severity != mtasts.SeverityWarning || p.Problems[0].Line != 4 {
		t.Errorf("problems %v", p.Problems)
	}
}

func TestCheckMXEdgeCases(t *testing.T) {
	z := mustZoneDNS(
		"nullmx.test. 300 IN MX 0 .",
		"implicit.test. 300 IN A 127.0.0.1",
		"sorted.test. 300 IN MX 20 b.sorted.test.",
		"sorted.test. 300 IN MX 10 A.sorted.test.",
	)
	z.fail["broken.test./MX"] = errors.New("network unreachable")
	c := &mtasts.Checker{Resolver: z}
	ctx := context.Background()
	r, _ := c.Check(ctx, "nullmx.test")
	if len(r.MX) != 0 || !slices.Contains(findingCodes(r), "note:null-mx") {
		t.Errorf("null MX: %+v %v", r.MX, findingCodes(r))
	}
	r, _ = c.Check(ctx, "implicit.test")
	if len(r.MX) != 1 || r.MX[0].Host != "implicit.test" {
		t.Errorf("implicit MX: %+v", r.MX)
	}
	r, _ = c.Check(ctx, "sorted.test")
	if len(r.MX) != 2 || r.MX[0].Host != "a.sorted.test" {
		t.Errorf("MX order: %+v", r.MX)
	}
	r, _ = c.Check(ctx, "broken.test")
	if !slices.Contains(findingCodes(r), "warning:mx-lookup-failed") {
		t.Errorf("MX failure: %v", findingCodes(r))
	}
}

func TestCheckIgnoredRecord(t *testing.T) {
	z := mustZoneDNS(`_mta-sts.sloppy.test. 300 IN TXT " v=STSv1; id=1"`, `_mta-sts.sloppy.test. 300 IN TXT "v=spf1 -all"`)
	r, err := (&mtasts.Checker{Resolver: z}).Check(context.Background(), "sloppy.test")
	if err != nil {
		t.Fatal(err)
	}
	codes := findingCodes(r)
	if r.Record.Status != mtasts.StatusNone || !slices.Contains(codes, "warning:record-ignored") || len(r.Record.Others) != 2 {
		t.Errorf("status %s, findings %v", r.Record.Status, codes)
	}
	if n := strings.Count(strings.Join(codes, " "), "record-ignored"); n != 1 {
		t.Errorf("%d record-ignored findings, want 1 (SPF is not one)", n)
	}
}

func TestCheckNameForms(t *testing.T) {
	z := mustZoneDNS(`_mta-sts.xn--bcher-kva.test. 300 IN TXT "v=STSv1; id=1"`)
	c := &mtasts.Checker{Resolver: z}
	for _, name := range []string{"bücher.test", "XN--BCHER-KVA.test.", " Bücher.Test "} {
		r, err := c.Check(context.Background(), name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if r.Domain != "xn--bcher-kva.test" || r.Record.Status != mtasts.StatusValid || r.Fetch.Host != "mta-sts.xn--bcher-kva.test" {
			t.Errorf("%q: domain %s, record %s, policy host %s", name, r.Domain, r.Record.Status, r.Fetch.Host)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	z := mustZoneDNS()
	if _, err := (&mtasts.Checker{Resolver: z}).Check(context.Background(), "not a domain/"); err == nil {
		t.Error("bad domain accepted")
	}
	if _, err := (&mtasts.Checker{}).Check(context.Background(), "example.test"); err == nil {
		t.Error("nil resolver accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&mtasts.Checker{Resolver: z}).Check(ctx, "example.test"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestCheckDANEPrecedence(t *testing.T) {
	z := mustZoneDNS(
		`_mta-sts.both.test. 300 IN TXT "v=STSv1; id=1"`,
		"both.test. 300 IN MX 10 mx1.both.test.",
		"both.test. 300 IN MX 20 mx2.both.test.",
		"_25._tcp.mx1.both.test. 300 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	)
	z.security = dnssec.Secure
	r, err := (&mtasts.Checker{Resolver: z}).Check(context.Background(), "both.test")
	if err != nil {
		t.Fatal(err)
	}
	if !r.MX[0].DANE || r.MX[1].DANE {
		t.Errorf("DANE flags %+v", r.MX)
	}
	if msg := findingMessage(r, "dane-precedence"); !strings.Contains(msg, "mx1.both.test") || strings.Contains(msg, "mx2") {
		t.Errorf("finding %q", msg)
	}
	// Unsigned TLSA records do not make DANE apply (RFC 7672 §2.2).
	z.security = dnssec.Insecure
	r, _ = (&mtasts.Checker{Resolver: z}).Check(context.Background(), "both.test")
	if r.MX[0].DANE || findingMessage(r, "dane-precedence") != "" {
		t.Errorf("insecure TLSA counted: %+v", r.MX)
	}
}

func findingMessage(r *mtasts.Report, code string) string {
	for _, f := range r.Findings {
		if f.Code == code {
			return f.Detail
		}
	}
	return ""
}

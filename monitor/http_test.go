package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// sampleReport is a decided-looking report of domain with one MX host
// whose address presents a certificate; dane says whether it matches the
// TLSA record.
func sampleReport(domain string, status delivery.Status, daneOK bool) *delivery.DomainReport {
	mx := "mx." + domain
	a := delivery.AddressReport{IP: "192.0.2.1", Connected: true, STARTTLS: true, TLSVersion: "TLSv1.3",
		Chain: []delivery.Certificate{{Subject: "CN=" + mx, SPKISHA256: "ab12cd34ef56", NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		DANE:  delivery.AddressVerified, MTASTS: delivery.MTASTSNone}
	r := &delivery.DomainReport{Domain: domain, Status: status, DANE: delivery.DANEVerified, Summary: "DANE verified on every MX",
		MXLookup: delivery.Lookup{DNSSEC: dnssec.Secure}, CheckedAt: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC),
		Outcome: delivery.Outcomes{Both: delivery.SenderOutcome{Action: delivery.DeliverAuthenticated, Via: mx}}}
	if !daneOK {
		a.DANE, a.DANEReason = delivery.AddressFailed, delivery.ReasonNoMatch
		r.DANE, r.Summary = delivery.DANEFailed, "DANE fails: no TLSA record matches"
		r.Outcome.Both = delivery.SenderOutcome{Action: delivery.Defer, Reason: "no MX passes DANE"}
		r.Failures = []delivery.Failure{{ResultType: tlsrpt.ResultTLSAInvalid, Policy: "dane", MX: mx, IP: a.IP, Reason: delivery.ReasonNoMatch, Detail: "no usable TLSA record matches the chain"}}
	}
	r.MX = []delivery.MXReport{{Host: mx, DNSSEC: dnssec.Secure, A: &delivery.Lookup{DNSSEC: dnssec.Secure},
		TLSA: &delivery.TLSAReport{Name: "_25._tcp." + mx, BaseDomain: mx, Lookup: delivery.Lookup{DNSSEC: dnssec.Secure},
			Records: []delivery.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "00ff", Usable: true}}},
		Addresses: []delivery.AddressReport{a}, DANE: r.DANE}}
	return r
}

// httpWorld is a Monitor over fake checks with its handler.
type httpWorld struct {
	m     *Monitor
	clock *fakeClock
	srv   *httptest.Server
	mu    sync.Mutex
	seen  []time.Duration // the remaining time of each /probe check's context
	check func(ctx context.Context, domain string) *delivery.DomainReport
}

func newHTTPWorld(t *testing.T, cfg HTTPConfig, domains ...string) *httpWorld {
	t.Helper()
	w := &httpWorld{clock: newFakeClock()}
	w.check = func(ctx context.Context, domain string) *delivery.DomainReport {
		if dl, ok := ctx.Deadline(); ok {
			w.mu.Lock()
			w.seen = append(w.seen, time.Until(dl))
			w.mu.Unlock()
		}
		switch {
		case strings.HasPrefix(domain, "bad"):
			return sampleReport(domain, delivery.StatusCritical, false)
		case strings.HasPrefix(domain, "panic"):
			panic("the checker broke")
		case strings.HasPrefix(domain, "unknown"):
			return &delivery.DomainReport{Domain: domain, Status: delivery.StatusUnknown, Error: "no upstream answered"}
		}
		return sampleReport(domain, delivery.StatusOK, true)
	}
	w.m = New(Config{Clock: w.clock, Interval: time.Hour, NewRound: func() CheckFunc { return w.check }})
	w.m.SetDomains(domains)
	w.srv = httptest.NewServer(w.m.Handler(cfg))
	t.Cleanup(w.srv.Close)
	return w
}

// runRound advances the clock by one interval and waits for every
// domain to have a result.
func (w *httpWorld) runRound(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	checks := w.m.Metrics().Checks.WithLabelValues("schedule")
	want := value(checks) + float64(len(w.m.Domains()))
	go func() { w.m.Run(ctx); close(done) }()
	waitIdle(t, w.m)
	for i := 0; value(checks) < want; i++ {
		if i > 8 {
			t.Fatalf("%v scheduled checks after two intervals, want %v", value(checks), want)
		}
		settle(t, w.m, w.clock, w.m.Interval()/4) // until each domain's place comes
	}
	cancel()
	<-done
}

func (w *httpWorld) get(t *testing.T, path string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	return w.do(t, http.MethodGet, path, hdr...)
}

func (w *httpWorld) do(t *testing.T, method, path string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestHealthzAndReadOnly(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{}, "ok.example")
	if code, _, body := w.get(t, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, "PATCH"} {
		for _, path := range []string{"/probe?target=ok.example", "/metrics", "/", "/api/v1/domains"} {
			code, h, _ := w.do(t, method, path)
			if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d Allow=%q, want 405 with Allow: GET, HEAD", method, path, code, h.Get("Allow"))
			}
		}
	}
	if code, _, _ := w.do(t, http.MethodHead, "/healthz"); code != 200 {
		t.Errorf("HEAD /healthz: %d", code)
	}
	if code, _, _ := w.get(t, "/nothing-here"); code != 404 {
		t.Errorf("/nothing-here: %d", code)
	}
}

// /probe follows blackbox_exporter: listed targets only, probe_success,
// the target's metrics, and a timeout from the scrape header less the
// offset.
func TestProbe(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{MaxProbeTimeout: 30 * time.Second}, "ok.example", "bad.example", "unknown.example", "panic.example")
	for _, tc := range []struct {
		path        string
		code        int
		contains    []string
		notContains []string
	}{
		{"/probe?target=ok.example", 200, []string{"probe_success 1", `daneprobe_status{domain="ok.example"} 0`, "probe_duration_seconds "}, []string{"go_goroutines"}},
		{"/probe?target=BAD.example.", 200, []string{"probe_success 1", `daneprobe_status{domain="bad.example"} 2`, `daneprobe_addresses_dane_failed{domain="bad.example"} 1`}, nil},
		{"/probe?target=unknown.example", 200, []string{"probe_success 0", `daneprobe_status{domain="unknown.example"} 3`}, nil},
		{"/probe?target=other.example", 403, []string{"not in the domain list"}, []string{"probe_success"}},
		{"/probe", 400, []string{"target parameter is missing"}, nil},
		{"/probe?target=not..a..domain", 400, []string{"target"}, nil},
		{"/probe?target=ok.example&timeout=soon", 400, []string{"timeout parameter"}, nil},
		{"/probe?target=panic.example", 500, []string{"internal error"}, []string{"the checker broke"}},
	} {
		code, _, body := w.get(t, tc.path)
		if code != tc.code {
			t.Errorf("%s: status %d, want %d\n%s", tc.path, code, tc.code, body)
		}
		for _, s := range tc.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: answer lacks %q:\n%s", tc.path, s, body)
			}
		}
		for _, s := range tc.notContains {
			if strings.Contains(body, s) {
				t.Errorf("%s: answer has %q:\n%s", tc.path, s, body)
			}
		}
	}
	// The service survived the panic.
	if code, _, _ := w.get(t, "/healthz"); code != 200 {
		t.Errorf("/healthz after a panic: %d", code)
	}
}

// The probe's deadline: X-Prometheus-Scrape-Timeout-Seconds less 0.5s,
// the timeout parameter as given, MaxProbeTimeout without either or above
// it.
func TestProbeTimeout(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{MaxProbeTimeout: 30 * time.Second}, "ok.example")
	for _, tc := range []struct {
		path     string
		hdr      []string
		min, max time.Duration
	}{
		{"/probe?target=ok.example", []string{"X-Prometheus-Scrape-Timeout-Seconds", "10"}, 5 * time.Second, 9500 * time.Millisecond},
		{"/probe?target=ok.example&timeout=4s", nil, 1 * time.Second, 4 * time.Second},
		{"/probe?target=ok.example&timeout=2.5", []string{"X-Prometheus-Scrape-Timeout-Seconds", "10"}, 500 * time.Millisecond, 2500 * time.Millisecond},
		{"/probe?target=ok.example", nil, 20 * time.Second, 30 * time.Second},
		{"/probe?target=ok.example", []string{"X-Prometheus-Scrape-Timeout-Seconds", "600"}, 20 * time.Second, 30 * time.Second},
	} {
		w.mu.Lock()
		w.seen = nil
		w.mu.Unlock()
		if code, _, body := w.get(t, tc.path, tc.hdr...); code != 200 {
			t.Fatalf("%s: %d %s", tc.path, code, body)
		}
		w.mu.Lock()
		seen := w.seen
		w.mu.Unlock()
		if len(seen) != 1 || seen[0] < tc.min || seen[0] > tc.max {
			t.Errorf("%s %v: check deadline in %v, want within [%s, %s]", tc.path, tc.hdr, seen, tc.min, tc.max)
		}
	}
}

// /metrics holds the latest result of every checked domain, when it is
// next checked, and the service's own counters.
func TestMetricsEndpoint(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{}, "ok.example", "bad.example")
	w.runRound(t)
	w.get(t, "/probe?target=ok.example")
	code, h, body := w.get(t, "/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", code, h.Get("Content-Type"))
	}
	for _, want := range []string{
		`daneprobe_status{domain="ok.example"} 0`, `daneprobe_status{domain="bad.example"} 2`,
		`daneprobe_next_check_timestamp_seconds{domain="ok.example"}`,
		`daneprobe_checks_total{trigger="schedule"} 2`, `daneprobe_checks_total{trigger="probe"} 1`,
		"daneprobe_scheduled_domains 2", "daneprobe_queue_depth 0", "go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The dashboard: every domain with its status word, sortable by links,
// and a domain page with the failing link of its chain.
func TestDashboard(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{}, "ok.example", "bad.example", "later.example")
	w.runRound(t)
	code, _, body := w.get(t, "/")
	if code != 200 {
		t.Fatalf("/: %d", code)
	}
	for _, want := range []string{`href="/domain/bad.example"`, "CRITICAL", "OK", `href="?sort=domain"`, "deliver-authenticated", "defer"} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the dashboard has a script")
	}
	// Default: worst first. By domain: alphabetical; desc reverses.
	order := func(body string) []string {
		var out []string
		for _, part := range strings.Split(body, `<a href="/domain/`)[1:] {
			out = append(out, part[:strings.IndexByte(part, '"')])
		}
		return out
	}
	if got := order(body); got[0] != "bad.example" {
		t.Errorf("default order %v, want bad.example (CRITICAL) first", got)
	}
	_, _, body = w.get(t, "/?sort=domain")
	if got := strings.Join(order(body), " "); got != "bad.example later.example ok.example" {
		t.Errorf("sorted by domain: %s", got)
	}
	if !strings.Contains(body, `href="?sort=domain&amp;order=desc"`) {
		t.Errorf("the sorted column does not link to the reverse order")
	}
	_, _, body = w.get(t, "/?sort=domain&order=desc")
	if got := strings.Join(order(body), " "); got != "ok.example later.example bad.example" {
		t.Errorf("sorted by domain, descending: %s", got)
	}

	code, _, page := w.get(t, "/domain/bad.example")
	if code != 200 {
		t.Fatalf("/domain/bad.example: %d", code)
	}
	for _, want := range []string{"<svg", `class="link failing"`, "✗ no-match", "mx.bad.example", "CRITICAL", "tlsa-invalid", "3 1 1 00ff"} {
		if !strings.Contains(page, want) {
			t.Errorf("domain page lacks %q", want)
		}
	}
	_, _, okPage := w.get(t, "/domain/ok.example")
	if strings.Contains(okPage, `class="link failing"`) {
		t.Error("the page of a verified domain marks a failing link")
	}
	if code, _, _ := w.get(t, "/domain/other.example"); code != 404 {
		t.Errorf("/domain/other.example: %d, want 404", code)
	}
	if code, _, _ := w.get(t, "/domain/%3Cscript%3E"); code != 400 {
		t.Errorf("/domain/<script>: %d, want 400", code)
	}
}

// The API answers in check's JSON schema.
func TestAPI(t *testing.T) {
	w := newHTTPWorld(t, HTTPConfig{}, "ok.example", "bad.example")
	w.runRound(t)
	w.runRound(t)
	_, h, body := w.get(t, "/api/v1/domains")
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", h.Get("Content-Type"))
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(body), &all); err != nil || len(all) != 2 {
		t.Fatalf("/api/v1/domains: %v\n%s", err, body)
	}
	if all[0]["domain"] != "bad.example" || all[0]["status"] != "critical" || all[0]["failures"] == nil {
		t.Errorf("first report %v", all[0])
	}
	_, _, body = w.get(t, "/api/v1/domains/ok.example")
	var one delivery.DomainReport
	if err := json.Unmarshal([]byte(body), &one); err != nil || one.Domain != "ok.example" || one.MX[0].TLSA.Records[0].Usage != 3 {
		t.Errorf("/api/v1/domains/ok.example: %v %+v", err, one)
	}
	_, _, body = w.get(t, "/api/v1/domains/ok.example/history")
	var hist []struct {
		ID      int64                  `json:"id"`
		Status  string                 `json:"status"`
		Changes []delivery.Change      `json:"changes"`
		Report  *delivery.DomainReport `json:"report"`
	}
	if err := json.Unmarshal([]byte(body), &hist); err != nil || len(hist) != 2 || hist[1].Report == nil || hist[1].Report.Domain != "ok.example" || hist[0].Changes == nil {
		t.Errorf("history: %v %s", err, body)
	}
	if code, _, _ := w.get(t, "/api/v1/domains/ok.example/history?since=yesterday"); code != 400 {
		t.Errorf("bad since: %d", code)
	}
	if code, _, _ := w.get(t, "/api/v1/domains/other.example"); code != 404 {
		t.Errorf("unlisted domain: %d", code)
	}
}

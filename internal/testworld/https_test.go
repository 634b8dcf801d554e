package testworld

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// httpsGet fetches the policy of domain from the world with SNI and Host
// set to mta-sts.DOMAIN and the world's CA trusted.
func httpsGet(t *testing.T, w *HTTPSWorld, domain string, verify bool) (*http.Response, string, error) {
	t.Helper()
	host := "mta-sts." + domain
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, w.Addr)
		},
		TLSClientConfig: &tls.Config{ServerName: host, RootCAs: w.CA.Pool(), InsecureSkipVerify: !verify},
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("https://" + host + "/.well-known/mta-sts.txt")
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func TestHTTPSWorldScenarios(t *testing.T) {
	w, err := StartHTTPS(HTTPSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	resp, body, err := httpsGet(t, w, w.Domain("enforce"), true)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" || !strings.Contains(body, "mx: mx1.enforce.sts.test\n") {
		t.Errorf("enforce: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	_, body, err = httpsGet(t, w, w.Domain("crlf"), true)
	if err != nil || !strings.Contains(body, "mode: enforce\r\n") {
		t.Errorf("crlf: %v %q", err, body)
	}
	_, body, err = httpsGet(t, w, w.Domain("oversized"), true)
	if err != nil || len(body) != 70<<10 {
		t.Errorf("oversized: %v, %d bytes", err, len(body))
	}
	resp, _, err = httpsGet(t, w, w.Domain("redirect"), true)
	if err != nil || resp.StatusCode != 301 || resp.Header.Get("Location") == "" {
		t.Errorf("redirect: %v %v", err, resp)
	}
	resp, _, err = httpsGet(t, w, w.Domain("htmltype"), true)
	if err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("htmltype: %v %v", err, resp)
	}
	// Certificates: the wrong-name and expired ones fail verification
	// but are served.
	for _, name := range []string{"wrongname", "expired"} {
		if _, _, err := httpsGet(t, w, w.Domain(name), true); err == nil {
			t.Errorf("%s: certificate verified", name)
		}
		if resp, _, err := httpsGet(t, w, w.Domain(name), false); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s without verification: %v", name, err)
		}
	}
	if _, _, err := httpsGet(t, w, "unknown.sts.test", false); err == nil {
		t.Error("unknown SNI served")
	}
}

func TestHTTPSWorldRecords(t *testing.T) {
	recs := MTASTSRecords("sts.test", MTASTSScenarios())
	want := []string{
		`_mta-sts.enforce.sts.test. 300 IN TXT "v=STSv1; id=20240115T000000;"`,
		`_mta-sts.cnametxt.sts.test. 300 IN CNAME _mta-sts.enforce.sts.test.`,
		`_mta-sts.multistring.sts.test. 300 IN TXT "v=STSv1; id=2024" "0115; ext=1"`,
		`enforce.sts.test. 300 IN MX 20 mx2.enforce.sts.test.`,
		`mta-sts.enforce.sts.test. 300 IN A 127.0.0.1`,
		`_smtp._tls.enforce.sts.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.net"`,
	}
	joined := strings.Join(recs, "\n")
	for _, l := range want {
		if !strings.Contains(joined, l) {
			t.Errorf("records lack %s", l)
		}
	}
	if strings.Contains(joined, "\nmta-sts.nohost.sts.test.") {
		t.Error("nohost has a policy host address")
	}
	for _, l := range recs {
		rr, err := dns.NewRR(l)
		if err != nil || rr == nil {
			t.Errorf("%q: %v", l, err)
			continue
		}
		if a, ok := rr.(*dns.A); ok && !a.A.IsLoopback() {
			t.Errorf("%q points outside loopback", l)
		}
	}
	two := 0
	for _, l := range recs {
		if strings.HasPrefix(l, "_mta-sts.twotxt.") {
			two++
		}
	}
	if two != 2 {
		t.Errorf("twotxt has %d records", two)
	}
}

func TestHTTPSWorldHangReleasedByClose(t *testing.T) {
	w, err := StartHTTPS(HTTPSOptions{Scenarios: []MTASTSScenario{{Name: "slow", Hang: true}}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := httpsGet(t, w, w.Domain("slow"), true)
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := w.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s with a hanging request", d)
	}
	<-errc
	if err := w.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

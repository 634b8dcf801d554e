package mtasts_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mtasts"
)

// TestLookupRecordVersionPrefix: RFC 8461 §3.1 discards records that do
// not begin with "v=STSv1;": a future "v=STSv10" record is not an MTA-STS
// version 1 record and must not turn a valid one into "several".
func TestLookupRecordVersionPrefix(t *testing.T) {
	z := mustZoneDNS(
		`_mta-sts.future.test. 300 IN TXT "v=STSv1; id=1"`,
		`_mta-sts.future.test. 300 IN TXT "v=STSv10; id=2"`,
		`_mta-sts.sloppy.test. 300 IN TXT "v=STSv1x"`,
		`_mta-sts.wsp.test. 300 IN TXT "v=STSv1 ; id=3"`,
		`_mta-sts.bare.test. 300 IN TXT "v=STSv1"`,
	)
	tests := []struct {
		domain string
		status mtasts.RecordStatus
		others int
	}{
		{"future.test", mtasts.StatusValid, 1},
		{"sloppy.test", mtasts.StatusNone, 1},
		{"wsp.test", mtasts.StatusValid, 0},      // sts-field-delim = *WSP ";" *WSP
		{"bare.test", mtasts.StatusMalformed, 0}, // a version 1 record without fields
	}
	for _, tt := range tests {
		r := mtasts.LookupRecord(context.Background(), z, tt.domain)
		if r.Status != tt.status || len(r.Others) != tt.others {
			t.Errorf("%s: status %s, others %q, problem %q; want %s with %d others", tt.domain, r.Status, r.Others, r.Detail, tt.status, tt.others)
		}
	}
}

// TestParseRecordEdgeCases covers the id and delimiter rules of the
// RFC 8461 §3.1 grammar beyond TestParseRecord.
func TestParseRecordEdgeCases(t *testing.T) {
	for _, tt := range []struct {
		txt string
		ok  bool
	}{
		{"v=STSv1;id=A1b2", true},
		{"v=STSv1;\t\tid=1\t;\t", true},
		{"v=STSv1; id=1;;", false},   // empty field before the trailing ";"
		{"v=STSv1; id=1\x00", false}, // NUL in the id
		{"v=STSv1; id=é", false},     // non-ASCII id
		{"v=STSv1; ; id=1", false},   // empty field
		{"V=STSv1; id=1", false},     // %s"v=STSv1" is case-sensitive
		{"v=stsv1; id=1", false},     // likewise
		{"v=STSv1; id=1 ", true},     // trailing WSP
		{"v=STSv1\r\n; id=1", false}, // CR LF is not WSP
		{"v=STSv1; id=" + strings.Repeat("9", 32) + "; x=" + strings.Repeat("y", 4000), true},
	} {
		_, err := mtasts.ParseRecord(tt.txt)
		if (err == nil) != tt.ok {
			t.Errorf("ParseRecord(%q): err %v, want ok=%v", tt.txt, err, tt.ok)
		}
	}
}

// TestParsePolicyHostile covers malformed and hostile policy bodies.
func TestParsePolicyHostile(t *testing.T) {
	base := "version: STSv1\nmode: enforce\nmx: mx.example.com\n"
	for _, tt := range []struct {
		name, body string
		ok         bool
		maxAge     int64
		msg        string
	}{
		{"bom", "\ufeff" + base + "max_age: 86400\n", false, 86400, "byte order mark"},
		{"nul in value", base + "max_age: 86400\x00\n", false, 0, "max_age"},
		{"nul in key", "vers\x00ion: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", false, 86400, "invalid key"},
		{"long line", base + "max_age: 86400\nx: " + strings.Repeat("a", 60000) + "\n", true, 86400, ""},
		{"key with space", base + "max_age : 86400\n", false, 0, "invalid key"},
		{"mx with port", "version: STSv1\nmode: enforce\nmx: mx.example.com:25\nmax_age: 86400\n", false, 86400, "mx"},
		{"mx wildcard in middle", "version: STSv1\nmode: enforce\nmx: mx.*.example.com\nmax_age: 86400\n", false, 86400, "wildcard"},
		{"mx double wildcard", "version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 86400\n", false, 86400, "wildcard"},
		{"leading zeros", base + "max_age: 0000086400\n", true, 86400, ""},
		{"plus sign", base + "max_age: +86400\n", false, 0, "digits"},
		{"minus sign", base + "max_age: -1\n", false, 0, "digits"},
		{"overflow", base + "max_age: 99999999999999999999\n", false, 0, "digits"},
		{"ten digits too big", base + "max_age: 9999999999\n", false, 9999999999, "exceeds"},
		{"max", base + "max_age: 31557600\n", true, 31557600, ""},
		{"max plus one", base + "max_age: 31557601\n", false, 31557601, "exceeds"},
		{"space inside", base + "max_age: 86 400\n", false, 0, "digits"},
	} {
		p, err := mtasts.ParsePolicy([]byte(tt.body))
		if (err == nil) != tt.ok || p.MaxAge != tt.maxAge {
			t.Errorf("%s: err %v max_age %d; want ok=%v max_age %d", tt.name, err, p.MaxAge, tt.ok, tt.maxAge)
			continue
		}
		if tt.msg != "" && !strings.Contains(err.Error()+problemsText(p), tt.msg) {
			t.Errorf("%s: problems %v do not mention %q", tt.name, p.Problems, tt.msg)
		}
	}
}

func problemsText(p *mtasts.Policy) string {
	var b strings.Builder
	for _, pr := range p.Problems {
		b.WriteString(pr.String() + "\n")
	}
	return b.String()
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// TestFetchHostileServers runs the fetch against policy hosts that
// misbehave at the HTTP layer.
func TestFetchHostileServers(t *testing.T) {
	valid := "version: STSv1\nmode: enforce\nmx: mx1.x.test\nmax_age: 604800\n"
	// 4 MiB of zeros compress to a few KiB: a decompression bomb if the
	// client inflated it.
	bomb := gzipped(t, valid+strings.Repeat("\x00", 4<<20))
	sc := []testworld.MTASTSScenario{
		{Name: "plus1", BodySize: mtasts.MaxPolicySize + 1},
		{Name: "ctsemi", Policy: "@std enforce", ContentType: "text/plain;charset=utf-8"},
		{Name: "ctupper", Policy: "@std enforce", ContentType: "TEXT/PLAIN"},
		{Name: "ctspace", Policy: "@std enforce", ContentType: "text/plain ; foo=bar"},
		{Name: "cthtml", Policy: "@std enforce", ContentType: "text/html; charset=utf-8"},
		{Name: "ctnone", Policy: "@std enforce", ContentType: "text/plainx"},
		{Name: "gzip", RawBody: gzipped(t, valid), Header: map[string]string{"Content-Encoding": "gzip"}},
		{Name: "bomb", RawBody: bomb, Header: map[string]string{"Content-Encoding": "gzip"}},
		{Name: "http10", Policy: "@std enforce", HTTP10: true},
		{Name: "http10big", BodySize: mtasts.MaxPolicySize + 100, HTTP10: true},
		{Name: "chunkedhuge", RawBody: bytes.Repeat([]byte("x: y\n"), 1<<20)},
		{Name: "slowloris", Policy: "@std enforce", Trickle: 100 * time.Millisecond},
	}
	for i := range sc {
		sc[i].TXT = [][]string{{"v=STSv1; id=1"}}
	}
	w, _, f := startWorld(t, sc...)
	f.Timeout = 2 * time.Second
	tests := []struct {
		name    string
		failure mtasts.FetchFailure
		maxSize int
	}{
		{"plus1", mtasts.FetchTooLarge, mtasts.MaxPolicySize + 1},
		{"ctsemi", mtasts.FetchOK, 0},
		{"ctupper", mtasts.FetchOK, 0},
		{"ctspace", mtasts.FetchOK, 0},
		{"cthtml", mtasts.FetchContentType, 0},
		{"ctnone", mtasts.FetchContentType, 0},
		// Not inflated (DisableCompression, and no Accept-Encoding sent):
		// the raw bytes are the body, which is then not a valid policy.
		{"gzip", mtasts.FetchOK, 0},
		{"bomb", mtasts.FetchOK, len(bomb)},
		{"http10", mtasts.FetchOK, 0},
		{"http10big", mtasts.FetchTooLarge, mtasts.MaxPolicySize + 1},
		{"chunkedhuge", mtasts.FetchTooLarge, mtasts.MaxPolicySize + 1},
		{"slowloris", mtasts.FetchTimeout, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r, err := f.Fetch(context.Background(), w.Domain(tt.name))
			if took := time.Since(start); took > f.Timeout+2*time.Second {
				t.Errorf("took %s, timeout %s", took, f.Timeout)
			}
			if r.Failure != tt.failure {
				t.Fatalf("failure %q (%v), want %q", r.Failure, err, tt.failure)
			}
			if r.Size > mtasts.MaxPolicySize+1 || tt.maxSize != 0 && r.Size != tt.maxSize {
				t.Errorf("size %d, want %d (never more than the cap + 1)", r.Size, tt.maxSize)
			}
			if tt.name == "gzip" || tt.name == "bomb" {
				if _, err := mtasts.ParsePolicy(r.Body); err == nil || bytes.Contains(r.Body, []byte("STSv1")) {
					t.Errorf("a gzip body was inflated: %q", r.Body)
				}
			}
		})
	}
}

// TestFetchIDN: a U-label domain is fetched under its A-label policy host.
func TestFetchIDN(t *testing.T) {
	z := mustZoneDNS()
	f := &mtasts.Fetcher{Resolver: z, Timeout: time.Second}
	r, _ := f.Fetch(context.Background(), "Bücher.Example.")
	if r.Host != "mta-sts.xn--bcher-kva.example" || r.URL != "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt" {
		t.Errorf("host %q url %q", r.Host, r.URL)
	}
	if rr := mtasts.LookupRecord(context.Background(), z, "bücher.example"); rr.Name != "_mta-sts.xn--bcher-kva.example." {
		t.Errorf("record name %q", rr.Name)
	}
}

// TestPolicyWildcardUnderTLD: "*.com" follows the pattern grammar of
// RFC 8461 §3.2, so senders apply the policy: a warning, not an error.
func TestPolicyWildcardUnderTLD(t *testing.T) {
	p, err := mtasts.ParsePolicy([]byte("version: STSv1\nmode: enforce\nmx: *.com\nmax_age: 86400\n"))
	if err != nil || !strings.Contains(problemsText(p), "warning: mx \"*.com\"") {
		t.Errorf("err %v, problems %v", err, p.Problems)
	}
	if _, ok := p.Match("mx.com"); !ok {
		t.Error("*.com does not match mx.com")
	}
}

// TestFetchBlackholedFirstAddress: an address that never answers the
// TCP handshake must not use up the whole fetch deadline while another
// address of the policy host works.
func TestFetchBlackholedFirstAddress(t *testing.T) {
	w, z, f := startWorld(t)
	host := "mta-sts." + w.Domain("enforce") + "."
	extra := mustZoneDNS(host + " 300 IN A 127.0.0.2")
	z.rrs[host+"/A"] = append(extra.rrs[host+"/A"], z.rrs[host+"/A"]...)
	// The blackholed address gets half of it; the other half is ample
	// for the handshake and request even under -race on a loaded machine.
	f.Timeout = 8 * time.Second
	f.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "127.0.0.2:") {
			<-ctx.Done() // a blackhole: no answer to the SYN
			return nil, ctx.Err()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	start := time.Now()
	r, err := f.Fetch(context.Background(), w.Domain("enforce"))
	if err != nil {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
	if r.Address != w.Addr {
		t.Errorf("used %s", r.Address)
	}
}

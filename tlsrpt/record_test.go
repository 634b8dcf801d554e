package tlsrpt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/tlsrpt"
)

// The record statuses, as LookupRecord reports them.
const (
	txtStatusValid        tlsrpt.RecordStatus = "valid"
	txtStatusNone         tlsrpt.RecordStatus = "none"
	txtStatusSeveral      tlsrpt.RecordStatus = "several"
	txtStatusMalformed    tlsrpt.RecordStatus = "malformed"
	txtStatusLookupFailed tlsrpt.RecordStatus = "lookup-failed"
)

// zone is a scripted dnssec.Lookuper answering TXT queries from
// zone-file lines.
type zone struct {
	txt  map[string][]dns.RR
	fail map[string]error
}

func txtZone(lines ...string) *zone {
	z := &zone{txt: map[string][]dns.RR{}, fail: map[string]error{}}
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			panic(err) // test fixtures are constants
		}
		z.txt[strings.ToLower(rr.Header().Name)] = append(z.txt[strings.ToLower(rr.Header().Name)], rr)
	}
	return z
}

func (z *zone) Lookup(ctx context.Context, name string, qtype uint16) (*dnssec.Result, error) {
	name = strings.ToLower(dns.Fqdn(name))
	if err := z.fail[name]; err != nil {
		return nil, err
	}
	res := &dnssec.Result{Name: name, Type: qtype, Security: dnssec.Secure, Canonical: name, Answer: z.txt[name]}
	if len(res.Answer) == 0 {
		res.Rcode = dns.RcodeNameError
	}
	return res, nil
}

func TestParseRecord(t *testing.T) {
	good := func(txt string, rua ...string) {
		t.Helper()
		rec, err := tlsrpt.ParseRecord(txt)
		if err != nil {
			t.Errorf("ParseRecord(%q): %v", txt, err)
			return
		}
		if strings.Join(rec.RUA, " ") != strings.Join(rua, " ") {
			t.Errorf("ParseRecord(%q).RUA = %q, want %q", txt, rec.RUA, rua)
		}
	}
	bad := func(txt, want string) {
		t.Helper()
		_, err := tlsrpt.ParseRecord(txt)
		if !errors.Is(err, tlsrpt.ErrRecordSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRecord(%q) error = %v, want one mentioning %q", txt, err, want)
		}
	}
	// RFC 8460 §3 examples.
	good("v=TLSRPTv1;rua=mailto:reports@example.com", "mailto:reports@example.com")
	good("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", "https://reporting.example.com/v1/tlsrpt")
	good("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.com/x;", "mailto:a@example.com", "https://r.example.com/x")
	good("v=TLSRPTv1; rua=mailto:a@example.com; ext=1", "mailto:a@example.com")
	good("v=TLSRPTv1; rua=mailto:tls%2Breports@example.com", "mailto:tls%2Breports@example.com")
	bad("v=TLSRPTv1", "nothing follows")
	bad("v=TLSRPTv1;", "nothing follows")
	bad("v=TLSRPTv2; rua=mailto:a@example.com", "must start with")
	bad("v=TLSRPTv1; ext=1", "rua field is missing")
	bad("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", "rua appears twice")
	bad("v=TLSRPTv1; rua=ftp://r.example.com/", "only mailto: and https:")
	bad("v=TLSRPTv1; rua=http://r.example.com/", "only mailto: and https:")
	bad("v=TLSRPTv1; rua=reports@example.com", "no scheme")
	bad("v=TLSRPTv1; rua=mailto:", "without an address")
	bad("v=TLSRPTv1; rua=mailto:not-an-address", "not a valid mail address")
	bad("v=TLSRPTv1; rua=https:///path", "without a host")
	bad("v=TLSRPTv1; rua=mailto:a@example.com!10m", `"!"`)
	bad("v=TLSRPTv1; rua=mailto:a@example.com,", "empty URI")
}

func TestLookupRecord(t *testing.T) {
	z := txtZone(
		`_smtp._tls.ok.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r@ok.test"`,
		`_smtp._tls.ok.test. 300 IN TXT "v=spf1 -all"`,
		`_smtp._tls.two.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r@two.test"`,
		`_smtp._tls.two.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:s@two.test"`,
		`_smtp._tls.bad.test. 300 IN TXT "v=TLSRPTv1; rua=ftp://bad.test/"`,
		`_smtp._tls.split.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r" "@split.test"`,
	)
	z.fail["_smtp._tls.down.test."] = errors.New("timeout")
	for domain, want := range map[string]tlsrpt.RecordStatus{
		"ok.test": txtStatusValid, "two.test": txtStatusSeveral, "bad.test": txtStatusMalformed,
		"split.test": txtStatusValid, "none.test": txtStatusNone, "down.test": txtStatusLookupFailed,
	} {
		r := tlsrpt.LookupRecord(context.Background(), z, domain)
		if r.Status != want {
			t.Errorf("%s: status %s (%s), want %s", domain, r.Status, r.Detail, want)
		}
		if want != txtStatusValid && want != txtStatusNone && r.Detail == "" {
			t.Errorf("%s: no problem text", domain)
		}
	}
	if r := tlsrpt.LookupRecord(context.Background(), z, "split.test"); r.Record == nil || r.Record.RUA[0] != "mailto:r@split.test" {
		t.Errorf("split record: %+v", r.Record)
	}
}

// TestLookupRecordVersionPrefix: RFC 8460 §3 keeps only records that
// begin with "v=TLSRPTv1;"; a "v=TLSRPTv10" record is another version.
func TestLookupRecordVersionPrefix(t *testing.T) {
	z := txtZone(
		`_smtp._tls.future.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@future.test"`,
		`_smtp._tls.future.test. 300 IN TXT "v=TLSRPTv10; rua=mailto:x@future.test"`,
		`_smtp._tls.wsp.test. 300 IN TXT "v=TLSRPTv1 ;rua=mailto:tlsrpt@wsp.test"`,
	)
	for domain, want := range map[string]tlsrpt.RecordStatus{"future.test": txtStatusValid, "wsp.test": txtStatusValid} {
		if r := tlsrpt.LookupRecord(context.Background(), z, domain); r.Status != want {
			t.Errorf("%s: status %s (%s), records %q; want %s", domain, r.Status, r.Detail, r.Records, want)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{"v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1;rua=https://r.example/x,mailto:b@c", "v=TLSRPTv1; rua=mailto:%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		rec, err := tlsrpt.ParseRecord(txt)
		if err != nil {
			if !errors.Is(err, tlsrpt.ErrRecordSyntax) {
				t.Fatalf("error %v does not wrap ErrRecordSyntax", err)
			}
			return
		}
		if len(rec.RUA) == 0 {
			t.Fatalf("accepted %q without rua", txt)
		}
		for _, u := range rec.RUA {
			l := strings.ToLower(u)
			if !strings.HasPrefix(l, "mailto:") && !strings.HasPrefix(l, "https:") {
				t.Fatalf("accepted URI %q", u)
			}
		}
	})
}

package mtasts_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/mtasts"
)

func TestParseTLSRPT(t *testing.T) {
	good := func(txt string, rua ...string) {
		t.Helper()
		rec, err := mtasts.ParseTLSRPT(txt)
		if err != nil {
			t.Errorf("ParseTLSRPT(%q): %v", txt, err)
			return
		}
		if strings.Join(rec.RUA, " ") != strings.Join(rua, " ") {
			t.Errorf("ParseTLSRPT(%q).RUA = %q, want %q", txt, rec.RUA, rua)
		}
	}
	bad := func(txt, want string) {
		t.Helper()
		_, err := mtasts.ParseTLSRPT(txt)
		if !errors.Is(err, mtasts.ErrRecordSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTLSRPT(%q) error = %v, want one mentioning %q", txt, err, want)
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

func TestLookupTLSRPT(t *testing.T) {
	z := mustZoneDNS(
		`_smtp._tls.ok.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r@ok.test"`,
		`_smtp._tls.ok.test. 300 IN TXT "v=spf1 -all"`,
		`_smtp._tls.two.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r@two.test"`,
		`_smtp._tls.two.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:s@two.test"`,
		`_smtp._tls.bad.test. 300 IN TXT "v=TLSRPTv1; rua=ftp://bad.test/"`,
		`_smtp._tls.split.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:r" "@split.test"`,
	)
	z.fail["_smtp._tls.down.test./TXT"] = errors.New("timeout")
	for domain, want := range map[string]mtasts.RecordStatus{
		"ok.test": mtasts.StatusValid, "two.test": mtasts.StatusSeveral, "bad.test": mtasts.StatusMalformed,
		"split.test": mtasts.StatusValid, "none.test": mtasts.StatusNone, "down.test": mtasts.StatusLookupFailed,
	} {
		r := mtasts.LookupTLSRPT(context.Background(), z, domain)
		if r.Status != want {
			t.Errorf("%s: status %s (%s), want %s", domain, r.Status, r.Problem, want)
		}
		if want != mtasts.StatusValid && want != mtasts.StatusNone && r.Problem == "" {
			t.Errorf("%s: no problem text", domain)
		}
	}
	if r := mtasts.LookupTLSRPT(context.Background(), z, "split.test"); r.Record == nil || r.Record.RUA[0] != "mailto:r@split.test" {
		t.Errorf("split record: %+v", r.Record)
	}
}

package mtasts_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mtasts"
)

func TestParseRecord(t *testing.T) {
	good := func(txt, id string, notes int) {
		t.Helper()
		rec, err := mtasts.ParseRecord(txt)
		if err != nil {
			t.Errorf("ParseRecord(%q): %v", txt, err)
			return
		}
		if rec.ID != id || len(rec.Notes) != notes {
			t.Errorf("ParseRecord(%q) = id %q, notes %q; want id %q, %d notes", txt, rec.ID, rec.Notes, id, notes)
		}
	}
	bad := func(txt, want string) {
		t.Helper()
		_, err := mtasts.ParseRecord(txt)
		if err == nil || !errors.Is(err, mtasts.ErrRecordSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRecord(%q) error = %v, want ErrRecordSyntax mentioning %q", txt, err, want)
		}
	}
	// RFC 8461 §3.1 example.
	good("v=STSv1; id=20160831085700Z;", "20160831085700Z", 0)
	good("v=STSv1;id=1", "1", 0)
	good("v=STSv1 ;\tid = abc ;", "abc", 0)
	good("v=STSv1; id="+strings.Repeat("a", 32), strings.Repeat("a", 32), 0)
	good("v=STSv1; id=abc; foo=bar", "abc", 1)             // unknown field: a note
	good("v=STSv1; foo.bar-1_x=a:b; id=abc", "abc", 1)     // extension before id
	good("v=STSv1; id=abc; id=def", "abc", 1)              // second id: a note
	bad("v=STSv1", "nothing follows")                      // no fields at all
	bad("v=STSv1;", "nothing follows")                     // only the trailing ";"
	bad("v=STSv1; foo=bar", "id field is missing")         // id required
	bad("v=STSv1; id=", "invalid value")                   // empty id
	bad("v=STSv1; id=2024-01-15", "1 to 32 letters")       // not alphanumeric
	bad("v=STSv1; id="+strings.Repeat("a", 33), "1 to 32") // too long
	bad("v=STSv2; id=1", `must start with "v=STSv1;"`)
	bad("v=STSv10; id=1", `must start with "v=STSv1;"`)
	bad("v=STSv1; id=1;; x=y", "empty field")
	bad("v=STSv1; id", `has no "="`)
	bad("v=STSv1; id=1 2", "invalid value")
	bad("v=STSv1; -x=1; id=1", "invalid field name")
	bad(" v=STSv1; id=1", "must start with")
}

func TestLookupRecord(t *testing.T) {
	z := mustZoneDNS(
		`_mta-sts.ok.test. 300 IN TXT "v=STSv1; id=20240115"`,
		`_mta-sts.ok.test. 300 IN TXT "v=spf1 -all"`,
		`_mta-sts.split.test. 300 IN TXT "v=STSv1; id=2024" "0115"`,
		`_mta-sts.two.test. 300 IN TXT "v=STSv1; id=1"`,
		`_mta-sts.two.test. 300 IN TXT "v=STSv1; id=2"`,
		`_mta-sts.bad.test. 300 IN TXT "v=STSv1; id=no-hyphens"`,
		`_mta-sts.other.test. 300 IN TXT "hello"`,
		`_mta-sts.alias.test. 300 IN CNAME _mta-sts.ok.test.`,
		`_mta-sts.ext.test. 300 IN TXT "v=STSv1; id=1; policy=x"`,
	)
	z.fail["_mta-sts.down.test./TXT"] = errors.New("i/o timeout")
	z.rcode["_mta-sts.servfail.test./TXT"] = dns.RcodeServerFailure
	z.bogus["_mta-sts.bogus.test./TXT"] = true
	tests := []struct {
		domain  string
		status  mtasts.RecordStatus
		id      string
		cnames  int
		problem string
	}{
		{"ok.test", mtasts.StatusValid, "20240115", 0, ""},
		{"OK.test.", mtasts.StatusValid, "20240115", 0, ""},
		{"split.test", mtasts.StatusValid, "20240115", 0, ""}, // strings joined without spaces
		{"alias.test", mtasts.StatusValid, "20240115", 1, ""},
		{"two.test", mtasts.StatusSeveral, "", 0, "2 records"},
		{"bad.test", mtasts.StatusMalformed, "", 0, "letters and digits"},
		{"other.test", mtasts.StatusNone, "", 0, ""},
		{"missing.test", mtasts.StatusNone, "", 0, ""},
		{"ext.test", mtasts.StatusValid, "1", 0, ""},
		{"down.test", mtasts.StatusLookupFailed, "", 0, "i/o timeout"},
		{"servfail.test", mtasts.StatusLookupFailed, "", 0, "SERVFAIL"},
		{"bogus.test", mtasts.StatusLookupFailed, "", 0, "bogus"},
	}
	for _, tt := range tests {
		r := mtasts.LookupRecord(context.Background(), z, tt.domain)
		if r.Status != tt.status || len(r.CNAMEs) != tt.cnames || !strings.Contains(r.Detail, tt.problem) {
			t.Errorf("%s: status %s, cnames %v, problem %q; want %s, %d cnames, problem with %q", tt.domain, r.Status, r.CNAMEs, r.Detail, tt.status, tt.cnames, tt.problem)
			continue
		}
		if tt.id != "" && (r.Record == nil || r.Record.ID != tt.id) {
			t.Errorf("%s: record %+v, want id %s", tt.domain, r.Record, tt.id)
		}
		if r.Status == mtasts.StatusValid && r.Security != dnssec.Insecure {
			t.Errorf("%s: DNSSEC status %s not reported", tt.domain, r.Security)
		}
	}
	if r := mtasts.LookupRecord(context.Background(), z, "ok.test"); len(r.Others) != 1 || r.Others[0] != "v=spf1 -all" {
		t.Errorf("discarded records: %q", r.Others)
	}
	if r := mtasts.LookupRecord(context.Background(), z, "alias.test"); r.Canonical != "_mta-sts.ok.test." {
		t.Errorf("canonical = %q", r.Canonical)
	}
	if r := mtasts.LookupRecord(context.Background(), z, "ext.test"); len(r.Record.Extensions) != 1 || r.Record.Extensions[0].Key != "policy" {
		t.Errorf("extensions = %+v", r.Record.Extensions)
	}
}

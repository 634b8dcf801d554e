package tlsrpt

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/tlsrpt/reports/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestParseAppendixB reads our fixture shaped like the example report of
// RFC 8460 Appendix B and checks every field it carries.
func TestParseAppendixB(t *testing.T) {
	r, err := Parse(readFixture(t, "rfc8460-appendix-b.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unusual) != 0 {
		t.Errorf("a report that follows the RFC has notes: %q", r.Unusual)
	}
	if r.Organization != "Company-X" || r.ID != "5065427c-23d3-47ca-b6e0-946ea0e8c4be" || r.ContactInfo != "sts-reporting@company-x.example" {
		t.Errorf("header: %+v", r)
	}
	if want := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !r.Start.Equal(want) {
		t.Errorf("start %v, want %v", r.Start, want)
	}
	if len(r.Policies) != 1 {
		t.Fatalf("%d policies", len(r.Policies))
	}
	p := r.Policies[0]
	if p.Type != PolicySTS || p.Domain != "company-y.example" || p.Successful != 5326 || p.Failed != 303 {
		t.Errorf("policy: %+v", p)
	}
	if len(p.Strings) != 4 || p.Strings[1] != "mode: testing" || len(p.MXHosts) != 1 {
		t.Errorf("policy strings %q, mx %q", p.Strings, p.MXHosts)
	}
	if len(p.Details) != 3 {
		t.Fatalf("%d failure details", len(p.Details))
	}
	d := p.Details[0]
	if d.Result != ResultCertificateExpired || d.SendingIP != "2001:db8:abcd:12::1" || d.ReceivingMX != "mx1.mail.company-y.example" || d.Sessions != 100 {
		t.Errorf("detail 0: %+v", d)
	}
	if d := p.Details[1]; d.ReceivingIP != "203.0.113.56" || !strings.Contains(d.AdditionalInfo, "StarttlsNotSupported") {
		t.Errorf("detail 1: %+v", d)
	}
	if d := p.Details[2]; d.ReasonCode != "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED" || d.Result != ResultValidationFailure {
		t.Errorf("detail 2: %+v", d)
	}
}

// TestParseVariants: what senders really send is accepted, and each
// departure is noted.
func TestParseVariants(t *testing.T) {
	r, err := Parse(readFixture(t, "variants.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Organization != "Example Mailer" || r.ID != "<2026.12.01T00.00.00Z+mail.example@reports.mailer.example>" {
		t.Errorf("header: %+v", r)
	}
	if r.Start.IsZero() || r.End.IsZero() {
		t.Errorf("date range %v..%v not read", r.Start, r.End)
	}
	p := r.Policies[0]
	if p.Type != PolicySTS || p.Domain != "mail.example" || p.Successful != 97 || p.Failed != 3 {
		t.Errorf("policy: %+v", p)
	}
	if len(p.Strings) != 4 || p.Strings[3] != "max_age: 86400" {
		t.Errorf("policy-string as lines: %q", p.Strings)
	}
	if len(p.MXHosts) != 1 || p.MXHosts[0] != "mx1.mail.example" {
		t.Errorf("mx-host as a string: %q", p.MXHosts)
	}
	d := p.Details
	if len(d) != 2 || d[0].Result != ResultSTARTTLSNotSupported || d[0].SendingIP != "198.51.100.7" || d[0].ReceivingMX != "mx1.mail.example" || d[0].Sessions != 2 {
		t.Fatalf("details: %+v", d)
	}
	if d[1].Result != "certificate-revoked" || d[1].Sessions != 1 {
		t.Errorf("unknown result type: %+v", d[1])
	}
	if r.Policies[1].Type != PolicyNoPolicyFound || r.Policies[1].Successful != 12 {
		t.Errorf("no-policy-found: %+v", r.Policies[1])
	}
	for _, want := range []string{
		`field names spelt otherwise ("Organization_Name" for "organization-name")`,
		"date-time without a time zone (taken as UTC)",
		"date-time with an offset without a colon",
		"unknown fields in the report ignored: generator",
		`policy-type in capitals ("STS")`,
		"policy-string is a string, not a list",
		"mx-host is a string, not a list",
		"total-successful-session-count is a string, not a number",
		"total-failure-session-count written as a decimal (3.0)",
		`result-type in capitals ("STARTTLS-NOT-SUPPORTED")`,
		"sending-mta-ip in brackets",
		"failed-session-count is a string, not a number",
		`result-type "certificate-revoked" is not one of RFC 8460 §4.3`,
		"a failure-detail has no failed-session-count (taken as 1)",
		"no total-failure-session-count (taken as 0)",
	} {
		if !hasNote(r, want) {
			t.Errorf("note %q missing; notes:\n%s", want, strings.Join(r.Unusual, "\n"))
		}
	}
}

func hasNote(r *Report, want string) bool {
	for _, n := range r.Unusual {
		if n == want {
			return true
		}
	}
	return false
}

// TestParseLenient covers single variants, one per row.
func TestParseLenient(t *testing.T) {
	good := func(name, js, note string, check func(*Report) bool) {
		t.Helper()
		r, err := Parse([]byte(js), Limits{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if note != "" && !hasNote(r, note) {
			t.Errorf("%s: note %q missing, have %q", name, note, r.Unusual)
		}
		if check != nil && !check(r) {
			t.Errorf("%s: wrong report %+v", name, r)
		}
	}
	pol := func(inner string) string {
		return `{"organization-name":"O","report-id":"x","date-range":{"start-datetime":"2026-12-01T00:00:00Z","end-datetime":"2026-12-01T23:59:59Z"},"policies":[` + inner + `]}`
	}
	good("BOM", "\xef\xbb\xbf"+pol(`{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}`),
		"starts with a byte-order mark", func(r *Report) bool { return r.Policies[0].Successful == 1 })
	good("invalid UTF-8", "{\"organization-name\":\"Bad \xff\xfe Org\",\"report-id\":\"x\",\"policies\":[]}",
		"invalid UTF-8 (replaced by U+FFFD)", func(r *Report) bool { return r.Organization == "Bad \ufffd\ufffd Org" })
	good("missing summary", pol(`{"policy":{"policy-type":"tlsa","policy-domain":"a.example"}}`), "a policy entry has no summary", nil)
	good("policies as one object", `{"organization-name":"O","report-id":"x","policies":{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":2,"total-failure-session-count":0}}}`,
		"policies is one object, not a list", func(r *Report) bool { return len(r.Policies) == 1 && r.Policies[0].Successful == 2 })
	good("unix time", `{"organization-name":"O","report-id":"x","date-range":{"start-datetime":1796083200,"end-datetime":"2026-12-01"},"policies":[]}`,
		"start-datetime is a Unix time", func(r *Report) bool {
			return r.Start.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) && hasNote(r, "date without a time")
		})
	good("negative count", pol(`{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":-5,"total-failure-session-count":0}}`),
		"total-successful-session-count is negative (taken as 0)", func(r *Report) bool { return r.Policies[0].Successful == 0 })
	good("huge count", pol(`{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":1e300,"total-failure-session-count":0}}`),
		"total-successful-session-count is more than 1099511627776 (cut)", func(r *Report) bool { return r.Policies[0].Successful == maxCount })
	good("details without summary count", pol(`{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":1},"failure-details":[{"result-type":"validation-failure","failed-session-count":4}]}`),
		"failure-details add up to 4 sessions, the summary says 0", func(r *Report) bool { return r.Policies[0].Failed == 4 })
	good("no policy-domain", pol(`{"policy":{"policy-type":"sts"},"summary":{}}`), "policies[0] has no policy-domain, ignored", func(r *Report) bool { return len(r.Policies) == 0 })
	good("no report-id", `{"organization-name":"O","policies":[]}`, "no report-id (cannot be de-duplicated)", nil)
	good("trailing data", `{"organization-name":"O","report-id":"x","policies":[]} {}`, "data after the report ignored", nil)
	good("mx-host list with spaces", pol(`{"policy":{"policy-type":"sts","policy-domain":"a.example","mx-host":"mx1.a.example, mx2.a.example"},"summary":{}}`),
		"mx-host is a string, not a list", func(r *Report) bool { return len(r.Policies[0].MXHosts) == 2 })
	good("report-id as a number", `{"organization-name":"O","report-id":12345,"policies":[]}`, "report-id is a number, not a string", func(r *Report) bool { return r.ID == "12345" })
	good("odd report id", `{"organization-name":"O","report-id":"<a+b@c.example> \"q\"/\\x","policies":[]}`, "", func(r *Report) bool { return r.ID == `<a+b@c.example> "q"/\x` })

	bad := func(name, js string, lim Limits, want error) {
		t.Helper()
		_, err := Parse([]byte(js), lim)
		if err == nil || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s: error %v, want %v", name, err, want)
		}
	}
	bad("array", `[1,2]`, Limits{}, ErrNotReport)
	bad("DMARC XML", "\n<?xml version=\"1.0\"?><feedback></feedback>", Limits{}, ErrNotReport)
	bad("no policies", `{"organization-name":"O"}`, Limits{}, ErrNotReport)
	bad("policies a string", `{"policies":"x"}`, Limits{}, ErrNotReport)
	bad("deep", strings.Repeat("[", 17)+strings.Repeat("]", 17), Limits{}, ErrTooDeep)
	bad("deep in a report", `{"policies":[{"policy":{"x":`+strings.Repeat(`{"a":`, 14)+"1"+strings.Repeat("}", 14)+`}}]}`, Limits{}, ErrTooDeep)
	bad("too large", `{"policies":[]}`+strings.Repeat(" ", 100), Limits{MaxReportBytes: 50}, ErrTooLarge)
	bad("too many policies", `{"policies":[{},{},{}]}`, Limits{MaxPolicies: 2}, ErrTooMany)
	bad("too many details", `{"policies":[{"policy":{"policy-domain":"a"},"failure-details":[{},{}]},{"policy":{"policy-domain":"b"},"failure-details":[{}]}]}`, Limits{MaxFailureDetails: 2}, ErrTooMany)
	bad("too many objects", `{"policies":[`+strings.Repeat(`{},`, 10)+`{}]}`, Limits{MaxObjects: 10}, ErrTooMany)
	bad("not JSON", `{"policies":[`, Limits{}, nil)
}

// TestParseBraceInString: the depth prescan does not count brackets
// inside strings, escaped quotes included.
func TestParseBraceInString(t *testing.T) {
	js := `{"organization-name":"O \"[[[[[[[[[[[[[[[[[[[[[[[[[[","report-id":"{{{{{{{{{{{{{{{{{{{{{{{{","policies":[]}`
	r, err := Parse([]byte(js), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Organization, `O "[[[`) {
		t.Errorf("organization %q", r.Organization)
	}
}

// TestParseNotesBounded: a report made of thousands of oddly spelt
// fields does not grow a note per field without end.
func TestParseNotesBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"policies":[],`)
	for i := 0; i < 5000; i++ {
		b.WriteString(`"X_` + strings.Repeat("a", i%50) + string(rune('a'+i%26)) + `":1,`)
	}
	b.WriteString(`"report-id":"x"}`)
	r, err := Parse(b.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unusual) > maxNotes+1 {
		t.Errorf("%d notes, more than %d", len(r.Unusual), maxNotes+1)
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/mailauth"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/report")

// The representative reports are the facts fixtures of the delivery
// package's scenario test.
const fixtures = "../testdata/delivery"
const goldens = "../testdata/report"

// loadReports reads every fixture, in name order, and decides it.
func loadReports(t testing.TB) (names []string, reports []delivery.DomainReport) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtures, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in %s (run go test ./delivery -update): %v", fixtures, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r delivery.DomainReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		delivery.Decide(&r)
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
		reports = append(reports, r)
	}
	return names, reports
}

// golden compares got with testdata/report/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldens, name)
	if *update {
		if err := os.MkdirAll(goldens, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./report -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff)\n--- got ---\n%s", path, got)
	}
}

// TestGolden renders every representative report in every format.
func TestGolden(t *testing.T) {
	names, reports := loadReports(t)
	for i, name := range names {
		one := reports[i : i+1]
		t.Run(name, func(t *testing.T) {
			var txt, js, ng bytes.Buffer
			if err := WriteText(&txt, one, false); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, one); err != nil {
				t.Fatal(err)
			}
			if err := WriteNagios(&ng, one); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", txt.Bytes())
			golden(t, name+".json", js.Bytes())
			golden(t, name+".nagios", ng.Bytes())
		})
	}
	t.Run("all", func(t *testing.T) {
		var ng, jl bytes.Buffer
		if err := WriteNagios(&ng, reports); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSONLines(&jl, reports); err != nil {
			t.Fatal(err)
		}
		var prom bytes.Buffer
		if err := WritePrometheus(&prom, reports); err != nil {
			t.Fatal(err)
		}
		golden(t, "all.nagios", ng.Bytes())
		golden(t, "all.jsonl", jl.Bytes())
		golden(t, "all.prom", prom.Bytes())
	})
	t.Run("color", func(t *testing.T) {
		var txt bytes.Buffer
		if err := WriteText(&txt, reports, true); err != nil {
			t.Fatal(err)
		}
		golden(t, "all.color.txt", txt.Bytes())
	})
}

// The text starts with the verdict line; without colour there is no
// escape sequence at all, with colour the status word is coloured.
func TestTextVerdictFirstAndColour(t *testing.T) {
	_, reports := loadReports(t)
	for i := range reports {
		r := reports[i : i+1]
		var plain, colour bytes.Buffer
		if err := WriteText(&plain, r, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteText(&colour, r, true); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(plain.String(), "\n")
		want := r[0].Domain + ": " + r[0].Status.Label() + " - " + r[0].Summary
		if first != want {
			t.Errorf("first line %q, want %q", first, want)
		}
		if strings.Contains(plain.String(), "\x1b") {
			t.Errorf("%s: escape sequence in uncoloured text", r[0].Domain)
		}
		if !strings.Contains(colour.String(), "\x1b[") {
			t.Errorf("%s: no colour in coloured text", r[0].Domain)
		}
	}
}

// The JSON schema: the fields the issue names exist with the right
// types, arrays are never null, and a report survives a round trip.
func TestJSONSchema(t *testing.T) {
	_, reports := loadReports(t)
	for i := range reports {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, reports[i:i+1]); err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := json.Unmarshal(buf.Bytes(), &obj); err != nil {
			t.Fatalf("%s: %v", reports[i].Domain, err)
		}
		for _, k := range []string{"domain", "status", "dane", "summary", "mx_lookup", "null_mx", "implicit_mx", "mx", "mta_sts", "outcome", "failures", "warnings", "notes", "timings", "checked_at"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: no %q", reports[i].Domain, k)
			}
		}
		for _, k := range []string{"mx", "failures", "warnings", "notes"} {
			if _, ok := obj[k].([]any); !ok {
				t.Errorf("%s: %q is %T, want an array", reports[i].Domain, k, obj[k])
			}
		}
		sts := obj["mta_sts"].(map[string]any)
		if _, ok := sts["mode"].(string); !ok {
			t.Errorf("%s: mta_sts.mode missing", reports[i].Domain)
		}
		if _, ok := sts["mx"].([]any); !ok {
			t.Errorf("%s: mta_sts.mx is not an array", reports[i].Domain)
		}
		for _, m := range obj["mx"].([]any) {
			mx := m.(map[string]any)
			for _, k := range []string{"host", "preference", "dnssec", "addresses", "dane", "mta_sts"} {
				if _, ok := mx[k]; !ok {
					t.Errorf("%s: mx without %q", reports[i].Domain, k)
				}
			}
			if tl, ok := mx["tlsa"].(map[string]any); ok {
				if _, ok := tl["records"].([]any); !ok {
					t.Errorf("%s: tlsa.records is not an array", reports[i].Domain)
				}
				if _, ok := tl["dnssec"].(string); !ok {
					t.Errorf("%s: tlsa.dnssec missing", reports[i].Domain)
				}
			}
			for _, a := range mx["addresses"].([]any) {
				addr := a.(map[string]any)
				for _, k := range []string{"ip", "starttls", "dane", "mta_sts"} {
					if _, ok := addr[k]; !ok {
						t.Errorf("%s: address without %q", reports[i].Domain, k)
					}
				}
			}
		}
		var back delivery.DomainReport
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("%s: round trip: %v", reports[i].Domain, err)
		}
		want := *normalized(&reports[i])
		want.Advice = nil
		if !reflect.DeepEqual(back, want) {
			t.Errorf("%s: round trip changed the report", reports[i].Domain)
		}
	}
}

// The Nagios line: one status line, status word matching the exit code,
// performance data well formed, no "|" in the text part.
func TestNagiosFormat(t *testing.T) {
	_, reports := loadReports(t)
	r := reports[0]
	r.Summary = "a | b\nc"
	var buf bytes.Buffer
	if err := WriteNagios(&buf, []delivery.DomainReport{r}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.Count(out, "|") != 1 {
		t.Fatalf("not one line with one '|': %q", out)
	}
	text, perf, _ := strings.Cut(strings.TrimSuffix(out, "\n"), " | ")
	if !strings.HasPrefix(text, "DANE "+r.Status.Label()+" - ") {
		t.Errorf("status part %q", text)
	}
	for _, f := range strings.Fields(perf) {
		label, rest, ok := strings.Cut(f, "=")
		if !ok || label == "" || !strings.HasSuffix(rest, ";;;0") {
			t.Errorf("bad performance datum %q", f)
		}
	}
	buf.Reset()
	if err := WriteNagios(&buf, nil); err != nil || buf.String() != "DANE UNKNOWN - no domain checked\n" {
		t.Errorf("no reports: %q %v", buf.String(), err)
	}
}

// Writers report the first write error instead of losing it.
func TestWriteErrors(t *testing.T) {
	_, reports := loadReports(t)
	for name, write := range map[string]func(*failWriter) error{
		"text":   func(w *failWriter) error { return WriteText(w, reports, false) },
		"json":   func(w *failWriter) error { return WriteJSON(w, reports) },
		"jsonl":  func(w *failWriter) error { return WriteJSONLines(w, reports) },
		"nagios": func(w *failWriter) error { return WriteNagios(w, reports) },
		"prom":   func(w *failWriter) error { return WritePrometheus(w, reports) },
	} {
		if err := write(&failWriter{}); err == nil {
			t.Errorf("%s: no error from a failing writer", name)
		}
	}
}

type failWriter struct{}

func (*failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// Strings from the network cannot drive the terminal: escape sequences,
// bidi overrides and invalid UTF-8 are escaped, in both modes; this
// package's own colours survive when colour is on.
func TestSanitize(t *testing.T) {
	for _, tc := range []struct {
		in, plain, colour string
	}{
		{"plain text", "plain text", "plain text"},
		{"ok\x1b]0;pwned\x07", `ok\x1b]0;pwned\x07`, `ok\x1b]0;pwned\x07`},
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`, "\\x1b[2J\x1b[31mred"},
		{"tab\there\r\n", `tab\x09here\x0d\x0a`, `tab\x09here\x0d\x0a`},
		{"evil\u202ereversed", `evil\u202ereversed`, `evil\u202ereversed`},
		{"c1\u009bx", `c1\u009bx`, `c1\u009bx`},
		{"bad\xffutf8", `bad\xffutf8`, `bad\xffutf8`},
		{"ünïcødé ok", "ünïcødé ok", "ünïcødé ok"},
	} {
		if got := sanitize(tc.in, false); got != tc.plain {
			t.Errorf("sanitize(%q, false) = %q, want %q", tc.in, got, tc.plain)
		}
		if got := sanitize(tc.in, true); got != tc.colour {
			t.Errorf("sanitize(%q, true) = %q, want %q", tc.in, got, tc.colour)
		}
	}
	_, reports := loadReports(t)
	var r delivery.DomainReport
	for _, x := range reports {
		if len(x.MX) > 0 && len(x.MX[0].Addresses) > 0 {
			r = x
			break
		}
	}
	r.MX = append([]delivery.MXReport(nil), r.MX...)
	r.MX[0].Addresses = append([]delivery.AddressReport(nil), r.MX[0].Addresses...)
	r.Summary = "x\x1b]2;title\x07"
	r.MX[0].Addresses[0].Error = "boom\x1b[2J"
	for _, colour := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteText(&buf, []delivery.DomainReport{r}, colour); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "\x1b]") || strings.Contains(buf.String(), "\x1b[2J") {
			t.Errorf("colour %v: hostile escape sequence reached the output", colour)
		}
	}
	var buf bytes.Buffer
	if err := WriteNagios(&buf, []delivery.DomainReport{r}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("escape sequence in Nagios output")
	}
}

// Every JSON field name that appears in the representative reports is
// documented in SCHEMA.md (as `name`).
func TestSchemaDocumentsEveryField(t *testing.T) {
	doc, err := os.ReadFile("SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	_, reports := loadReports(t)
	// The fixtures leave some optional fields empty; fill them in so that
	// their names are checked too.
	extra := delivery.DomainReport{
		TLSRPT: &delivery.Posture{Policy: "-all", Error: "x", RUA: []string{"x"}},
		SPF: &mailauth.SPF{Found: true, Record: "x", Policy: "-all", Result: "x", Error: "x",
			Tree:  &mailauth.SPFNode{Domain: "x", Via: "x", Record: "x", DependsOnSender: []string{"x"}, Error: "x", Children: []*mailauth.SPFNode{{}}},
			Check: &mailauth.SPFCheck{IP: "x", Sender: "x", Result: "x", Path: []string{"x"}, Reason: "x"}},
		DMARC: &mailauth.DMARC{Found: true, Record: "x", Source: "x", OrgDomain: "x", Policy: "x", Tags: map[string]string{"p": "x"},
			RUA: []string{"x"}, RUF: []string{"x"}, External: []mailauth.ReportAuth{{URI: "x", Query: "x", Error: "x"}}, Error: "x"},
		DKIM: &mailauth.DKIM{Selectors: []mailauth.DKIMSelector{{Selector: "x", Name: "x", Status: "x", CNAME: []string{"x"}, Target: "x",
			Dangling: true, Record: "x", KeyType: "x", Bits: 1, Revoked: true, Testing: true, Hashes: []string{"x"}, Error: "x"}}},
		Microsoft365: &mailauth.M365{Detected: []string{"x"}, Todo: []mailauth.Finding{{Code: "x", Detail: "x"}}, Ready: []string{"x"}},
		Error:        "x",
		MX: []delivery.MXReport{{Canonical: "x", Addresses: []delivery.AddressReport{{
			Error: "x", ErrorStage: "connect", Match: &delivery.Match{Detail: "x", Record: &delivery.TLSARecord{}},
			WebPKI: &delivery.WebPKI{Failure: "x", Detail: "x"}, DANEReason: "x", MTASTSReason: "x",
		}}, TLSA: &delivery.TLSAReport{Lookup: delivery.Lookup{NXDomain: true, Error: "x", Detail: "x", Reason: "x"}}}},
		MTASTS: delivery.MTASTSReport{FetchError: "x", PolicyError: "x"},
	}
	reports = append(reports, extra)
	keys := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				keys[k] = true
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for i := range reports {
		b, err := json.Marshal(normalized(&reports[i]))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		walk(v)
	}
	for k := range keys {
		if !bytes.Contains(doc, []byte("`"+k+"`")) && !bytes.Contains(doc, []byte("."+k+"`")) {
			t.Errorf("JSON field %q is not documented in SCHEMA.md", k)
		}
	}
}

// The Prometheus output: every sample line is "name{labels} value" with
// a number value, label values escaped.
func TestPrometheusFormat(t *testing.T) {
	r := delivery.DomainReport{Domain: "we\"ird\\dom\nain", Status: delivery.StatusWarning}
	var buf bytes.Buffer
	if err := WritePrometheus(&buf, []delivery.DomainReport{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `daneprobe_status{domain="we\"ird\\dom\nain"} 1`+"\n") {
		t.Errorf("status sample missing or badly escaped:\n%s", buf.String())
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || !strings.HasPrefix(line, "daneprobe_") {
			t.Fatalf("bad line %q", line)
		}
		if _, err := strconv.ParseFloat(line[i+1:], 64); err != nil {
			t.Errorf("bad value in %q", line)
		}
	}
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\tb", "a\tb"},
		{"bell\x07", `bell\x07`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"tab\tand\x1b", "tab\tand\\x1b"},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

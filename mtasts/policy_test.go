package mtasts_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/mtasts"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/mtasts")

func TestParsePolicyRFCExample(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "testdata", "mtasts", "rfc8461-example.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := mtasts.ParsePolicy(body)
	if err != nil {
		t.Fatalf("RFC 8461 §3.2 example rejected: %v", err)
	}
	if p.Version != "STSv1" || p.Mode != mtasts.ModeEnforce || p.MaxAge != 604800 || len(p.MX) != 3 || p.LineEndings != "LF" {
		t.Errorf("parsed %+v", p)
	}
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
}

// TestParsePolicyGolden checks the full problem list of a file with many
// errors, line numbers included. Refresh with: go test ./mtasts -update
func TestParsePolicyGolden(t *testing.T) {
	dir := filepath.Join("..", "testdata", "mtasts")
	body, err := os.ReadFile(filepath.Join(dir, "broken.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := mtasts.ParsePolicy(body)
	if !errors.Is(err, mtasts.ErrPolicyInvalid) {
		t.Fatalf("error = %v, want ErrPolicyInvalid", err)
	}
	var b strings.Builder
	for _, pr := range p.Problems {
		b.WriteString(pr.String() + "\n")
	}
	golden := filepath.Join(dir, "broken.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("problems differ from %s:\n got:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

func TestParsePolicy(t *testing.T) {
	const head = "version: STSv1\nmode: enforce\nmx: mx.example.com\n"
	type want struct {
		valid bool
		line  int // a problem on this line (0: whole file)
		sev   mtasts.Severity
		text  string // ...containing this text; "" checks no problem at all
	}
	tests := []struct {
		name string
		body string
		want want
	}{
		{"LF", head + "max_age: 86400\n", want{valid: true}},
		{"CRLF", strings.ReplaceAll(head+"max_age: 86400\n", "\n", "\r\n"), want{valid: true}},
		{"no final newline", head + "max_age: 86400", want{valid: true}},
		{"mixed endings", "version: STSv1\r\n" + "mode: enforce\nmx: a.example\nmax_age: 86400\n", want{true, 0, mtasts.SeverityNote, "mixes LF and CRLF"}},
		{"white space after colon optional", "version:STSv1\nmode:\tenforce\nmx:a.example\nmax_age:86400\n", want{valid: true}},
		{"wrong version", "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 86400\n", want{false, 1, mtasts.SeverityError, `version must be "STSv1"`}},
		{"version missing", "mode: enforce\nmx: a.example\nmax_age: 86400\n", want{false, 0, mtasts.SeverityError, "version field is missing"}},
		{"bad mode", "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 86400\n", want{false, 2, mtasts.SeverityError, "mode must be"}},
		{"mode missing", "version: STSv1\nmx: a.example\nmax_age: 86400\n", want{false, 0, mtasts.SeverityError, "mode field is missing"}},
		{"max_age missing", head, want{false, 0, mtasts.SeverityError, "max_age field is missing"}},
		{"max_age at limit", head + "max_age: 31557600\n", want{valid: true}},
		{"max_age too large", head + "max_age: 31557601\n", want{false, 4, mtasts.SeverityError, "exceeds the maximum"}},
		{"max_age 11 digits", head + "max_age: 10000000000\n", want{false, 4, mtasts.SeverityError, "1 to 10 digits"}},
		{"max_age negative", head + "max_age: -1\n", want{false, 4, mtasts.SeverityError, "1 to 10 digits"}},
		{"max_age below a day", head + "max_age: 3600\n", want{true, 4, mtasts.SeverityWarning, "below one day"}},
		{"no mx in enforce", "version: STSv1\nmode: enforce\nmax_age: 86400\n", want{false, 0, mtasts.SeverityError, "no mx field"}},
		{"no mx in testing", "version: STSv1\nmode: testing\nmax_age: 86400\n", want{false, 0, mtasts.SeverityError, "no mx field"}},
		{"no mx in none", "version: STSv1\nmode: none\nmax_age: 86400\n", want{valid: true}},
		{"duplicate mode", head + "max_age: 86400\nmode: testing\n", want{true, 5, mtasts.SeverityWarning, "line 2 counts"}},
		{"unknown key", head + "max_age: 86400\nfoo: bar\n", want{true, 5, mtasts.SeverityNote, `unknown key "foo" ignored`}},
		{"key case", head + "max_age: 86400\nMX: b.example\n", want{true, 5, mtasts.SeverityNote, `keys are case-sensitive: write "mx"`}},
		{"no colon", head + "max_age: 86400\nmx b.example\n", want{false, 5, mtasts.SeverityError, `expected "key: value"`}},
		{"key with space", head + " max_age: 86400\n", want{false, 4, mtasts.SeverityError, "invalid key"}},
		{"byte order mark", "\ufeff" + head + "max_age: 86400\n", want{false, 1, mtasts.SeverityError, "byte order mark"}},
		{"empty line", head + "\nmax_age: 86400\n", want{true, 4, mtasts.SeverityNote, "empty line"}},
		{"double wildcard", head + "max_age: 86400\nmx: *.*.example\n", want{false, 5, mtasts.SeverityError, "wildcard is allowed only"}},
		{"inner wildcard", head + "max_age: 86400\nmx: mx*.example\n", want{false, 5, mtasts.SeverityError, "wildcard is allowed only"}},
		{"U-label", head + "max_age: 86400\nmx: mx.bücher.example\n", want{false, 5, mtasts.SeverityError, "mx.xn--bcher-kva.example"}},
		{"A-label", head + "max_age: 86400\nmx: mx.xn--bcher-kva.example\n", want{valid: true}},
		{"hyphen label", head + "max_age: 86400\nmx: -mx.example\n", want{false, 5, mtasts.SeverityError, "hyphen"}},
		{"empty label", head + "max_age: 86400\nmx: mx..example\n", want{false, 5, mtasts.SeverityError, "empty label"}},
		{"stray CR", head + "max_age: 86400\nfoo: a\rb\n", want{false, 5, mtasts.SeverityError, "carriage return"}},
		{"not UTF-8", head + "max_age: 86400\nfoo: \xff\n", want{false, 0, mtasts.SeverityError, "UTF-8"}},
		{"empty file", "", want{false, 0, mtasts.SeverityError, "version field is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mtasts.ParsePolicy([]byte(tt.body))
			if p == nil {
				t.Fatal("nil policy")
			}
			if (err == nil) != tt.want.valid || p.Valid() != tt.want.valid {
				t.Fatalf("err = %v, Valid() = %v, want valid %v; problems %v", err, p.Valid(), tt.want.valid, p.Problems)
			}
			if err != nil && !errors.Is(err, mtasts.ErrPolicyInvalid) {
				t.Errorf("error %v does not wrap ErrPolicyInvalid", err)
			}
			if tt.want.text == "" {
				if len(p.Problems) != 0 {
					t.Errorf("unexpected problems %v", p.Problems)
				}
				return
			}
			for _, pr := range p.Problems {
				if pr.Line == tt.want.line && pr.Severity == tt.want.sev && strings.Contains(pr.Detail, tt.want.text) {
					return
				}
			}
			t.Errorf("no %s on line %d containing %q in %v", tt.want.sev, tt.want.line, tt.want.text, p.Problems)
		})
	}
}

func TestParsePolicyFirstWins(t *testing.T) {
	p, err := mtasts.ParsePolicy([]byte("version: STSv1\nmode: testing\nmode: enforce\nmax_age: 100000\nmax_age: 5\nmx: a.example\nmx: b.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8461 §3.2: first occurrence wins, except mx which accumulates.
	if p.Mode != mtasts.ModeTesting || p.MaxAge != 100000 || len(p.MX) != 2 {
		t.Errorf("got mode %s, max_age %d, mx %v", p.Mode, p.MaxAge, p.MX)
	}
	if p.Problems[0].Severity != mtasts.SeverityWarning || p.Problems[0].Line != 3 {
		t.Errorf("problems %v", p.Problems)
	}
}

func TestParsePolicyProblemCap(t *testing.T) {
	body := strings.Repeat("garbage\n", 10000)
	p, err := mtasts.ParsePolicy([]byte(body))
	if err == nil {
		t.Fatal("garbage accepted")
	}
	if len(p.Problems) > 201 {
		t.Errorf("%d problems kept, want at most 201", len(p.Problems))
	}
	// The whole-file errors survive the cap, and the rest is counted.
	if p.Problems[0].Detail != "the version field is missing" || !strings.Contains(p.Problems[len(p.Problems)-1].Detail, "further problems not shown") {
		t.Errorf("first %v, last %v", p.Problems[0], p.Problems[len(p.Problems)-1])
	}
}

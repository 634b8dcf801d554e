package tlsrpt

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const reportsDir = "../testdata/tlsrpt/reports/"

// readAll reads paths and returns the inputs in order.
func readAll(t testing.TB, rd *Reader, paths ...string) []Input {
	t.Helper()
	var got []Input
	if err := rd.Read(context.Background(), paths, func(in Input) { got = append(got, in) }); err != nil {
		t.Fatal(err)
	}
	return got
}

// sources lists "source: org id" or "source: error" for each input.
func sources(ins []Input) []string {
	var out []string
	for _, in := range ins {
		if in.Err != nil {
			out = append(out, in.Source+": error")
			continue
		}
		out = append(out, in.Source+": "+in.Report.Organization+" "+in.Report.ID)
	}
	return out
}

func TestReadKinds(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
		note string // a note the first report must carry
	}{
		{"rfc8460-appendix-b.json", []string{"rfc8460-appendix-b.json: Company-X 5065427c-23d3-47ca-b6e0-946ea0e8c4be"}, ""},
		{"google-only.json.gz", []string{"google-only.json.gz: Google Inc. 2026-12-01T00:00:00Z_mail.example"}, ""},
		{"google.eml", []string{"google.eml, part 2 google.com!mail.example!1764633600!1764719999!001.json.gz: Google Inc. 2026-12-02T00:00:00Z_mail.example"}, ""},
		{"body.eml", []string{"body.eml: Small Mailer small-1@mailer.example"}, "report in the message body, not an attachment (RFC 8460 §5.3)"},
		{"reports.mbox", []string{
			"reports.mbox, message 1, part 2 microsoft.com!mail.example!1764633600!1764720000.json: Microsoft Corporation 134092800000000000+mail.example",
			"reports.mbox, message 2: error",
			"reports.mbox, message 3, part 2 google.com!mail.example!1764633600!1764719999!001.json.gz: Google Inc. 2026-12-02T00:00:00Z_mail.example",
		}, ""},
		{"Maildir", []string{
			"Maildir/new/1764745200.M1P1.mx, part 2 yahoo.json.gz: Yahoo yahoo-20261202-mail.example",
			"Maildir/cur/1764745100.M2P1.mx,S=1210, part 2 microsoft.com!mail.example!1764633600!1764720000.json: Microsoft Corporation 134092800000000000+mail.example",
		}, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := readAll(t, &Reader{}, reportsDir+tc.file)
			s := strings.Join(sources(got), "\n")
			s = strings.ReplaceAll(s, reportsDir, "")
			if want := strings.Join(tc.want, "\n"); s != want {
				t.Errorf("got\n%s\nwant\n%s", s, want)
			}
			if tc.note != "" && (got[0].Report == nil || !hasNote(got[0].Report, tc.note)) {
				t.Errorf("note %q missing", tc.note)
			}
		})
	}
}

// TestReadMboxQuotedFrom: a ">From " line of an mboxrd message loses one
// ">" and does not start a new message.
func TestReadMboxQuotedFrom(t *testing.T) {
	js := `{"organization-name":"Q","report-id":"q1","policies":[{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}`
	box := "From a@b Thu Dec  3 07:00:00 2026\nSubject: x\nContent-Type: application/tlsrpt+json\n\n" + js + "\n\n>From here on\n>>From there\n\n" +
		"From c@d Thu Dec  3 07:00:00 2026\nSubject: y\n\nno report\n"
	var got []Input
	rd := &Reader{Stdin: strings.NewReader(box)}
	if err := rd.Read(context.Background(), []string{"-"}, func(in Input) { got = append(got, in) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Report == nil || got[0].Report.ID != "q1" || got[1].Err == nil {
		t.Fatalf("got %q", sources(got))
	}
	if !hasNote(got[0].Report, "data after the report ignored") {
		t.Errorf("notes %q", got[0].Report.Unusual)
	}
}

// TestReadDirectory reads every fixture at once, recursively, and one
// broken file among them is named and skipped.
func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, reportsDir, dir)
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"policies": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, &Reader{}, dir)
	var reports, broken int
	for _, in := range got {
		if in.Err != nil {
			broken++
			if !strings.HasSuffix(in.Source, "broken.json") && !strings.HasSuffix(in.Source, "message 2") {
				t.Errorf("unexpected problem %s: %v", in.Source, in.Err)
			}
			continue
		}
		reports++
	}
	// 6 JSON files, 2 messages, 2 reports of the mbox, 2 of the Maildir.
	if reports != 12 || broken != 2 {
		t.Errorf("%d reports, %d problems:\n%s", reports, broken, strings.Join(sources(got), "\n"))
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadHostile: every hostile input is one named problem, and reading
// goes on with the next.
func TestReadHostile(t *testing.T) {
	good := reportsDir + "rfc8460-appendix-b.json"
	for _, tc := range []struct {
		name  string
		paths []string
		stdin func() io.Reader
		want  error
	}{
		{"gzip bomb", []string{"../testdata/tlsrpt/hostile/bomb.json.gz", good}, nil, ErrTooLarge},
		{"deep nesting", []string{"../testdata/tlsrpt/hostile/deep.json", good}, nil, ErrTooDeep},
		{"100 MB of JSON", []string{"-", good}, func() io.Reader { return bigJSON(100 << 20) }, ErrTooLarge},
		{"1 M failure-details", []string{"-", good}, func() io.Reader { return manyDetails(1_000_000) }, ErrTooLarge},
		{"1 M failure-details within the size bound", []string{"-", good}, func() io.Reader { return manyDetails(1_000_000) }, ErrTooMany},
		{"missing file", []string{"../testdata/tlsrpt/hostile/none.json", good}, nil, os.ErrNotExist},
		{"not a report", []string{"../testdata/tlsrpt/reports/../../tlsrpt/hostile/../reports/Maildir/dovecot-uidlist", good}, nil, ErrNotReport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := &Reader{}
			if tc.stdin != nil {
				rd.Stdin = tc.stdin()
			}
			if tc.name == "1 M failure-details within the size bound" {
				rd.Limits.MaxReportBytes = 200 << 20
			}
			got := readAll(t, rd, tc.paths...)
			if len(got) != 2 {
				t.Fatalf("%d inputs: %q", len(got), sources(got))
			}
			if got[0].Err == nil || !errors.Is(got[0].Err, tc.want) {
				t.Errorf("error %v, want %v", got[0].Err, tc.want)
			}
			if got[1].Err != nil || got[1].Report.Organization != "Company-X" {
				t.Errorf("the next input was not read: %+v", got[1])
			}
		})
	}
}

// TestReadInvalidUTF8: a report with invalid UTF-8 is read, noted, and
// its strings are valid UTF-8.
func TestReadInvalidUTF8(t *testing.T) {
	got := readAll(t, &Reader{}, "../testdata/tlsrpt/hostile/invalid-utf8.json")
	if len(got) != 1 || got[0].Err != nil {
		t.Fatalf("got %q", sources(got))
	}
	r := got[0].Report
	if !hasNote(r, "invalid UTF-8 (replaced by U+FFFD)") || !strings.Contains(r.Organization, "\ufffd") || r.Policies[0].Successful != 5 {
		t.Errorf("report %+v", r)
	}
}

// TestReadInputBudget: past MaxInputs reading stops with one problem.
func TestReadInputBudget(t *testing.T) {
	got := readAll(t, &Reader{Limits: Limits{MaxInputs: 3}}, reportsDir)
	if len(got) != 4 || got[3].Err == nil || !errors.Is(got[3].Err, ErrTooMany) {
		t.Fatalf("got %q", sources(got))
	}
}

// TestReadGzipAttachmentBomb: a bomb inside a message is refused too.
func TestReadGzipAttachmentBomb(t *testing.T) {
	bomb, err := os.ReadFile("../testdata/tlsrpt/hostile/bomb.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	var msg bytes.Buffer
	msg.WriteString("Subject: bomb\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/tlsrpt+gzip\r\n\r\n")
	msg.Write(bomb)
	msg.WriteString("\r\n--x--\r\n")
	got := readAll(t, &Reader{Stdin: &msg}, "-")
	if len(got) != 1 || !errors.Is(got[0].Err, ErrTooLarge) {
		t.Fatalf("got %q %v", sources(got), got[0].Err)
	}
}

// bigJSON streams a syntactically plausible report of n bytes without
// holding it in memory.
func bigJSON(n int64) io.Reader {
	head := `{"organization-name":"Big","report-id":"big","policies":[{"policy":{"policy-type":"sts","policy-domain":"a.example","policy-string":["`
	return io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader('a'), n))
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// manyDetails is a report with n failure-details (about 60 bytes each).
func manyDetails(n int) io.Reader {
	head := `{"organization-name":"Many","report-id":"many","policies":[{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":0,"total-failure-session-count":1},"failure-details":[`
	detail := `{"result-type":"validation-failure","failed-session-count":1},`
	body := strings.Repeat(detail, n)
	return strings.NewReader(head + body[:len(body)-1] + `]}]}`)
}

// TestReadBoundsPerInput: a gzip stream over its compressed bound, and an
// mbox message over the message bound, are refused one by one.
func TestReadBoundsPerInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(rng.Uint32()) // incompressible
	}
	gz := gzipped(t, `{"policies":[],"x":"`+base64Enc(noise)+`"}`)
	got := readAll(t, &Reader{Limits: Limits{MaxCompressedBytes: 1000}, Stdin: bytes.NewReader(gz)}, "-")
	if len(got) != 1 || !errors.Is(got[0].Err, ErrTooLarge) {
		t.Errorf("gzip: %q %v", sources(got), got[0].Err)
	}

	big := "From a@b Thu Dec  3 07:00:00 2026\nSubject: big\n\n" + strings.Repeat("x", 5000) + "\n\n"
	small := "From c@d Thu Dec  3 07:00:00 2026\nContent-Type: application/tlsrpt+json\n\n" + smallReport + "\n"
	got = readAll(t, &Reader{Limits: Limits{MaxMessageBytes: 4096}, Stdin: strings.NewReader(big + small)}, "-")
	if len(got) != 2 || !errors.Is(got[0].Err, ErrTooLarge) || got[1].Err != nil || got[1].Report.ID != "m1" {
		t.Errorf("mbox: %q", sources(got))
	}

	// A line longer than the bound makes its message too large, and the
	// next message is read.
	long := "From a@b Thu Dec  3 07:00:00 2026\nSubject: long\n\n\n" + strings.Repeat("y", 200<<10) + "\n\n"
	got = readAll(t, &Reader{Limits: Limits{MaxMessageBytes: 100 << 10}, Stdin: strings.NewReader(long + small)}, "-")
	if len(got) != 2 || !errors.Is(got[0].Err, ErrTooLarge) || got[1].Err != nil {
		t.Errorf("long line: %q", sources(got))
	}
}

func base64Enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

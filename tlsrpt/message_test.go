package tlsrpt

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const smallReport = `{"organization-name":"M","report-id":"m1","date-range":{"start-datetime":"2026-12-01T00:00:00Z","end-datetime":"2026-12-01T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"a.example"},"summary":{"total-successful-session-count":7,"total-failure-session-count":0}}]}`

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMessageVariants: the ways reports arrive by mail.
func TestMessageVariants(t *testing.T) {
	b64 := func(data []byte) string { return base64.StdEncoding.EncodeToString(data) }
	gz := gzipped(t, smallReport)
	multipartB := func(b string, parts ...string) string {
		s := "From: r@s.example\r\nTLS-Report-Domain: a.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary=\"" + b + "\"\r\n\r\n"
		for _, p := range parts {
			s += "--" + b + "\r\n" + p + "\r\n"
		}
		return s + "--" + b + "--\r\n"
	}
	multipart := func(parts ...string) string { return multipartB("B", parts...) }
	for _, tc := range []struct {
		name   string
		msg    string
		source string // the source of the report
		note   string // a note it must carry
		want   error  // or the error of the message
	}{
		{"gzip attachment", multipart("Content-Type: text/plain\r\n\r\nThis is a report.", "Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"r.json.gz\"\r\n\r\n"+b64(gz)),
			"m.eml, part 2 r.json.gz", "", nil},
		{"json attachment, quoted-printable", multipart("Content-Type: application/tlsrpt+json\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.ReplaceAll(smallReport, "=", "=3D")),
			"m.eml, part 1", "", nil},
		{"octet-stream named .gz", multipart("Content-Type: application/octet-stream; name=\"google.com!a.example!1!2.json.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(gz)),
			"m.eml, part 1 google.com!a.example!1!2.json.gz", "report sent as application/octet-stream, not application/tlsrpt+gzip or +json", nil},
		{"application/gzip", multipart("Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(gz)),
			"m.eml, part 1", "report sent as application/gzip, not application/tlsrpt+gzip", nil},
		{"a single-part message of the report type", "TLS-Report-Domain: a.example\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(gz),
			"m.eml", "", nil},
		{"forwarded", multipart("Content-Type: text/plain\r\n\r\nFYI", "Content-Type: message/rfc822\r\n\r\n"+multipartB("inner", "Content-Type: application/tlsrpt+json\r\n\r\n"+smallReport)),
			"m.eml, part 2, part 1", "", nil},
		{"unknown charset in the text part", multipart("Content-Type: text/plain; charset=x-unknown\r\n\r\nhi", "Content-Type: application/tlsrpt+json\r\n\r\n"+smallReport),
			"m.eml, part 2", "", nil},
		{"gzip labelled JSON", multipart("Content-Type: application/tlsrpt+json\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(gz)),
			"m.eml, part 1", "a gzip report labelled as JSON", nil},
		{"JSON labelled gzip", multipart("Content-Type: application/tlsrpt+gzip\r\nContent-Disposition: attachment; filename=\"r.json.gz\"\r\n\r\n" + smallReport),
			"m.eml, part 1 r.json.gz", "a plain JSON report labelled as gzip", nil},
		{"bad base64", multipart("Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!"),
			"", "", nil},
		{"no report", multipart("Content-Type: text/plain\r\n\r\nhello", "Content-Type: image/png\r\n\r\nPNG"), "", "", ErrNotReport},
		{"too many parts", multipart(strings.Split(strings.Repeat("Content-Type: text/plain\r\n\r\nx|", 70), "|")...), "", "", ErrTooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []Input
			s := &session{lim: Limits{}.withDefaults(), yield: func(in Input) { got = append(got, in) }}
			s.message("m.eml", []byte(tc.msg), 0)
			if len(got) == 0 {
				t.Fatal("no input")
			}
			if tc.source == "" {
				if got[0].Err == nil || (tc.want != nil && !errors.Is(got[0].Err, tc.want)) {
					t.Errorf("got %q, %v; want error %v", sources(got), got[0].Err, tc.want)
				}
				return
			}
			var rep *Report
			for _, in := range got {
				if in.Err == nil && in.Source == tc.source {
					rep = in.Report
				}
			}
			if rep == nil || rep.ID != "m1" || rep.Policies[0].Successful != 7 {
				t.Fatalf("got %q (%v)", sources(got), got[0].Err)
			}
			if tc.note != "" && !hasNote(rep, tc.note) {
				t.Errorf("note %q missing: %q", tc.note, rep.Unusual)
			}
		})
	}
}

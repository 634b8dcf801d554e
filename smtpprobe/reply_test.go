package smtpprobe

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	good := func(in string, code int, lines ...string) {
		t.Helper()
		rr := newReplyReader(strings.NewReader(in), 1024, 5)
		rep, err := rr.readReply()
		if err != nil || rep.Code != code || !reflect.DeepEqual(rep.Lines, lines) {
			t.Errorf("%q: %d %q %v, want %d %q", in, rep.Code, rep.Lines, err, code, lines)
		}
	}
	bad := func(in string, want error) {
		t.Helper()
		rr := newReplyReader(strings.NewReader(in), 1024, 5)
		if _, err := rr.readReply(); !errors.Is(err, want) {
			t.Errorf("%q: err %v, want %v", in, err, want)
		}
	}
	good("220 mx.example ESMTP\r\n", 220, "mx.example ESMTP")
	good("220\r\n", 220, "")
	good("250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n", 250, "mx.example", "PIPELINING", "STARTTLS")
	good("250-a\n250 b\n", 250, "a", "b") // bare LF tolerated
	good("554 \r\n", 554, "")
	bad("220-a\r\n250 b\r\n", ErrMalformedReply)
	bad("hello\r\n", ErrMalformedReply)
	bad("22\r\n", ErrMalformedReply)
	bad("620 x\r\n", ErrMalformedReply)
	bad("220_x\r\n", ErrMalformedReply)
	bad("250-1\r\n250-2\r\n250-3\r\n250-4\r\n250-5\r\n250 6\r\n", ErrReplyTooLong)
	bad("220 "+strings.Repeat("x", 2000)+"\r\n", ErrReplyTooLong)
	bad("220-a\r\n", errEOF())
}

func errEOF() error { return io.EOF }

func TestParseEHLO(t *testing.T) {
	rep := Reply{Code: 250, Lines: []string{"mx.example hello", "PIPELINING", " SIZE 1000 ", "", "starttls", "AUTH PLAIN LOGIN"}}
	exts := parseEHLO(rep)
	if !reflect.DeepEqual(exts, []string{"PIPELINING", "SIZE 1000", "starttls", "AUTH PLAIN LOGIN"}) {
		t.Errorf("exts %q", exts)
	}
	for kw, want := range map[string]bool{"STARTTLS": true, "size": true, "AUTH": true, "PLAIN": false, "START": false} {
		if HasExtension(exts, kw) != want {
			t.Errorf("HasExtension(%s) != %v", kw, want)
		}
	}
	if e := parseEHLO(Reply{Code: 250, Lines: []string{"only greeting"}}); len(e) != 0 || e == nil {
		t.Errorf("single line: %q", e)
	}
}

func FuzzReadReply(f *testing.F) {
	f.Add([]byte("220 mx ESMTP\r\n"))
	f.Add([]byte("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n"))
	f.Add([]byte("250-mx\r\n251 x\r\n"))
	f.Add([]byte("2"))
	f.Add([]byte("220-\r\n220-\r\n220-\r\n220-\r\n220-\r\n220-\r\n220 x\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rr := newReplyReader(strings.NewReader(string(in)), 256, 8)
		for i := 0; i < 64; i++ {
			rep, err := rr.readReply()
			if len(rep.Lines) > 8 {
				t.Fatalf("%d lines past the cap", len(rep.Lines))
			}
			if err != nil {
				return
			}
			if rep.Code < 200 || rep.Code > 559 || len(rep.Lines) == 0 {
				t.Fatalf("bad reply %+v", rep)
			}
			for _, e := range parseEHLO(rep) {
				if e == "" || strings.TrimSpace(e) != e {
					t.Fatalf("bad extension %q", e)
				}
				kw, _, _ := strings.Cut(e, " ")
				if !HasExtension([]string{e}, kw) {
					t.Fatalf("extension %q not found by keyword", e)
				}
			}
		}
	})
}

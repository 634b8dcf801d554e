package scan

import (
	"errors"
	"github.com/daneprobe/daneprobe/names"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readAll drains a ListReader: the domains, and the bad lines by number.
func readAll(t *testing.T, lr *ListReader) ([]string, map[int]string) {
	t.Helper()
	var got []string
	bad := map[int]string{}
	for {
		d, err := lr.Next()
		var le *LineError
		switch {
		case errors.As(err, &le):
			bad[le.Line] = le.Err.Error()
		case errors.Is(err, io.EOF):
			return got, bad
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			got = append(got, d)
		}
	}
}

func TestListReaderFixture(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "scan", "domains.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, bad := readAll(t, NewListReader(f))
	// Duplicates are kept by the reader; the Source drops them.
	want := []string{"example.org", "example.org", "mail.example.net", "xn--bcher-kva.example", "xn--bcher-kva.example", "xn--cole-9oa.example"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("domains = %q\nwant      %q", got, want)
	}
	wantBad := []int{8, 9, 10, 11, 12, 13, 14}
	var badLines []int
	for n := range bad {
		badLines = append(badLines, n)
	}
	if len(badLines) != len(wantBad) {
		t.Errorf("bad lines = %v, want line numbers %v", bad, wantBad)
	}
	for _, n := range wantBad {
		if _, ok := bad[n]; !ok {
			t.Errorf("line %d not reported as bad (bad: %v)", n, bad)
		}
	}
	if !strings.Contains(bad[8], "one domain per line") {
		t.Errorf("line 8: %q, want the one-per-line hint", bad[8])
	}
}

func TestListReaderLineEnds(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "scan", "crlf.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, bad := readAll(t, NewListReader(f))
	want := []string{"example.com", "example.net", "last-line-without-newline.example"}
	if !reflect.DeepEqual(got, want) || len(bad) != 0 {
		t.Errorf("got %q, bad %v; want %q", got, bad, want)
	}

	// A byte order mark on the first line, an overlong line in the middle.
	in := "\xef\xbb\xbfone.example\n" + strings.Repeat("x", 3*MaxLineBytes) + "\ntwo.example\n"
	got, bad = readAll(t, NewListReader(strings.NewReader(in)))
	want = []string{"one.example", "two.example"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if msg, ok := bad[2]; !ok || !strings.Contains(msg, "longer than") {
		t.Errorf("overlong line 2 not reported: %v", bad)
	}
}

func TestSource(t *testing.T) {
	done := NewDomainSet()
	done.Add("c.example")
	var reported []int
	src := &Source{
		Next:  SliceNext([]string{"a.example", "A.example.", "b.example", "bad", "c.example", "b.example"}),
		Done:  done,
		OnBad: func(le *LineError) { reported = append(reported, le.Line) },
	}
	var got []string
	for {
		d, err := src.Domain()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d)
	}
	if want := []string{"a.example", "b.example"}; !reflect.DeepEqual(got, want) {
		t.Errorf("domains %q, want %q", got, want)
	}
	if src.Read != 5 || src.Bad != 1 || src.Duplicates != 2 || src.AlreadyDone != 1 {
		t.Errorf("counts read %d bad %d dup %d done %d; want 5 1 2 1", src.Read, src.Bad, src.Duplicates, src.AlreadyDone)
	}
	if !reflect.DeepEqual(reported, []int{4}) {
		t.Errorf("bad lines reported %v, want [4]", reported)
	}
}

func FuzzListReader(f *testing.F) {
	f.Add("example.org\n# c\n\nBÜCHER.example.\n")
	f.Add("a b\n[1.2.3.4]\n\xef\xbb\xbfx.y")
	f.Add(strings.Repeat("a.", 3000))
	f.Fuzz(func(t *testing.T, in string) {
		lr := NewListReader(strings.NewReader(in))
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatal("more results than input bytes")
			}
			d, err := lr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var le *LineError
			if errors.As(err, &le) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			// A normalised name is a fixed point.
			again, err := names.ParseDomain(d)
			if err != nil || again != d {
				t.Fatalf("names.ParseDomain(%q) = %q, %v: not a fixed point", d, again, err)
			}
		}
	})
}

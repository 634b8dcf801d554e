package scan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
)

func TestReadResultsTruncated(t *testing.T) {
	good := `{"domain":"a.example","status":"ok"}` + "\n" + `{"domain":"b.example","status":"critical"}` + "\n"
	cutLine := `{"domain":"c.example","sta`
	var got []string
	info, err := ReadResults(strings.NewReader(good+cutLine), func(r *delivery.DomainReport) { got = append(got, r.Domain) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"a.example", "b.example"}) || info.Reports != 2 ||
		info.Valid != int64(len(good)) || info.Dropped != int64(len(cutLine)) || len(info.BadLines) != 0 {
		t.Fatalf("got %v, info %+v", got, info)
	}
}

func TestReadResultsBadLines(t *testing.T) {
	in := `{"domain":"a.example"}` + "\n" + "garbage\n" + "\n" + `{"status":"ok"}` + "\n" + `{"domain":"d.example"}` + "\n"
	var got []string
	info, err := ReadResults(strings.NewReader(in), func(r *delivery.DomainReport) { got = append(got, r.Domain) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"a.example", "d.example"}) || !reflect.DeepEqual(info.BadLines, []int{2, 4}) ||
		info.Valid != int64(len(in)) || info.Dropped != 0 {
		t.Fatalf("got %v, info %+v", got, info)
	}
}

func TestOpenResume(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	good := `{"domain":"a.example"}` + "\n"
	if err := os.WriteFile(path, []byte(good+`{"domain":"b.ex`), 0o644); err != nil {
		t.Fatal(err)
	}
	done := NewDomainSet()
	f, info, err := OpenResume(path, func(r *delivery.DomainReport) { done.Add(r.Domain) })
	if err != nil {
		t.Fatal(err)
	}
	if info.Reports != 1 || info.Dropped != int64(len(`{"domain":"b.ex`)) || !done.Has("a.example") || done.Has("b.example") {
		t.Fatalf("info %+v", info)
	}
	// Appending continues right after the last complete line.
	if _, err := f.WriteString(`{"domain":"b.example"}` + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ := os.ReadFile(path)
	if want := good + `{"domain":"b.example"}` + "\n"; string(b) != want {
		t.Fatalf("file %q, want %q", b, want)
	}

	// A file that does not exist yet is created.
	f, info, err = OpenResume(filepath.Join(dir, "new.jsonl"), func(*delivery.DomainReport) {})
	if err != nil || info.Reports != 0 {
		t.Fatalf("new file: %v %+v", err, info)
	}
	f.Close()
	// A directory is a clear error.
	if _, _, err := OpenResume(dir, func(*delivery.DomainReport) {}); err == nil {
		t.Fatal("no error for a directory")
	}
}

func FuzzReadResults(f *testing.F) {
	f.Add(`{"domain":"a.example"}` + "\n" + `{"domain":"b`)
	f.Add("\n\n{}\n")
	f.Fuzz(func(t *testing.T, in string) {
		n := 0
		info, err := ReadResults(strings.NewReader(in), func(r *delivery.DomainReport) {
			n++
			if r.Domain == "" {
				t.Fatal("report without domain")
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if info.Valid+info.Dropped != int64(len(in)) {
			t.Fatalf("valid %d + dropped %d != %d", info.Valid, info.Dropped, len(in))
		}
		if info.Valid > 0 && in[info.Valid-1] != '\n' {
			t.Fatal("valid prefix does not end with a newline")
		}
		if n != info.Reports {
			t.Fatal("report count")
		}
	})
}

// TestOpenResumeRefusesForeignFiles: a file with no scan result in it is
// refused and left exactly as it was; an empty one, or one whose only line
// is a report cut by a crash, is resumed.
func TestOpenResumeRefusesForeignFiles(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		refused       bool
	}{
		{"notes", "my notes\nmore\n", true},
		{"no newline", "just text", true},
		{"empty", "", false},
		{"cut first report", `{"domain":"a.example","sta`, false},
		{"one report and a stray line", `{"domain":"a.example"}` + "\nstray\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			f, _, err := OpenResume(path, func(*delivery.DomainReport) {})
			var ne *NotScanOutputError
			if got := errors.As(err, &ne); got != tc.refused {
				t.Fatalf("refused = %v (%v), want %v", got, err, tc.refused)
			}
			if f != nil {
				f.Close()
			}
			if tc.refused {
				if b, _ := os.ReadFile(path); string(b) != tc.content {
					t.Errorf("refused file changed to %q", b)
				}
			}
		})
	}
}

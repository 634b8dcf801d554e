package scan

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// synthLines is an io.Reader of n JSON lines made from the report
// templates (real reports of every kind, testdata/report/all.jsonl), each
// with a domain name of its own, generated on the fly so that the input
// costs no memory.
type synthLines struct {
	templates [][]byte // each after `{"domain":"`
	n, i      int
	buf       []byte
}

func newSynthLines(tb testing.TB, n int) *synthLines {
	tb.Helper()
	b, err := os.ReadFile("../testdata/report/all.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	s := &synthLines{n: n}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte(`{"domain":"`))
		if !ok {
			tb.Fatalf("template does not start with the domain: %.60s", line)
		}
		s.templates = append(s.templates, append(rest, '\n'))
	}
	return s
}

func (s *synthLines) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.i == s.n {
			return 0, io.EOF
		}
		s.buf = append(s.buf[:0], `{"domain":"d`...)
		s.buf = strconv.AppendInt(s.buf, int64(s.i), 10)
		s.buf = append(s.buf, '.')
		s.buf = append(s.buf, s.templates[s.i%len(s.templates)]...)
		s.i++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// BenchmarkMerge merges 1,000,000 synthetic report lines (about 3 KB each,
// every verdict of the report fixtures; DANEPROBE_MERGE_LINES overrides the
// count) into one summary, as "daneprobe report" does, and reports lines/s
// and the process's peak RSS, which must stay under 200 MB. Run it alone,
// so that the peak is this benchmark's:
//
//	go test -run '^$' -bench BenchmarkMerge -benchtime=1x ./scan/
func BenchmarkMerge(b *testing.B) {
	n := 1000000
	if v, err := strconv.Atoi(os.Getenv("DANEPROBE_MERGE_LINES")); err == nil && v > 0 {
		n = v
	}
	b.ReportAllocs()
	for b.Loop() {
		sum := &Summary{}
		m := NewMerger(sum)
		in := newSynthLines(b, n)
		if err := m.Read(bufio.NewReaderSize(in, 64<<10)); err != nil {
			b.Fatal(err)
		}
		if sum.Domains != n || m.Stats.BadLines != 0 {
			b.Fatalf("merged %d of %d lines, %d bad", sum.Domains, n, m.Stats.BadLines)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if kb := peakRSSkB(b); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "peak-rss-MB")
		if kb > 200*1024 {
			b.Errorf("peak RSS %d kB merging %d lines, target 200 MB", kb, n)
		}
	}
}

// peakRSSkB is this process's peak resident set (VmHWM) in kB, 0 when
// unknown.
func peakRSSkB(tb testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

package tlsrpt

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// writeBenchReports writes n reports of about 5 KB each into dir, one at a
// time, shaped like a large sender's: one policy with 20 failure details.
func writeBenchReports(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	var total int64
	for i := 0; i < n; i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("r%05d.json", i)))
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriter(f)
		domain := fmt.Sprintf("d%d.example", i%50)
		fmt.Fprintf(w, `{"organization-name":"Org %d","date-range":{"start-datetime":"2026-12-01T00:00:00Z","end-datetime":"2026-12-01T23:59:59Z"},"contact-info":"tlsrpt@org%d.example","report-id":"2026-12-01T00:00:00Z_%s_%d","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx1.%s","mx: mx2.%s","max_age: 604800"],"policy-domain":"%s","mx-host":["mx1.%s","mx2.%s"]},"summary":{"total-successful-session-count":%d,"total-failure-session-count":%d},"failure-details":[`,
			i%7, i%7, domain, i, domain, domain, domain, domain, domain, 10000+i, 20*3)
		for j := 0; j < 20; j++ {
			if j > 0 {
				w.WriteString(",")
			}
			fmt.Fprintf(w, `{"result-type":"certificate-host-mismatch","sending-mta-ip":"198.51.%d.%d","receiving-mx-hostname":"mx2.%s","receiving-ip":"192.0.2.%d","failed-session-count":3,"additional-information":"https://org.example/tlsrpt/info?id=%d&detail=%d"}`,
				j, i%250, domain, j%4, i, j)
		}
		w.WriteString("]}]}\n")
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		st, _ := f.Stat()
		total += st.Size()
		f.Close()
	}
	return total
}

// BenchmarkSummarize10k reads and sums 10,000 reports (about 50 MB) from
// a directory, as "daneprobe tlsrpt DIR" does. It reports the bytes read
// per second and the process's peak RSS (maxrss_MB), which must stay
// within 200 MB: reports are summed one at a time, never all held.
//
//	go test -run XXX -bench Summarize10k -benchtime 3x ./tlsrpt
func BenchmarkSummarize10k(b *testing.B) {
	dir := b.TempDir()
	size := writeBenchReports(b, dir, 10_000)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		s := NewSummarizer()
		if err := (&Reader{}).Read(context.Background(), []string{dir}, s.Add); err != nil {
			b.Fatal(err)
		}
		sum := s.Summary()
		if sum.Reports != 10_000 || sum.Skipped != 0 {
			b.Fatalf("%d reports, %d skipped", sum.Reports, sum.Skipped)
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss_MB") // Linux: kilobytes
	}
}

// BenchmarkParse parses one report of the size large senders mail.
func BenchmarkParse(b *testing.B) {
	data := readFixture(b, "google.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

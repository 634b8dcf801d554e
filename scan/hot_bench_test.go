package scan

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/smtpprobe"
)

// The hot paths of a scan that need no network: reading input, the probe
// cache hit, the summary.

func BenchmarkListReader(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "D%d.Example.ORG.\n", i)
	}
	sb.WriteString("bücher.example\n# comment\n\n")
	in := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		lr := NewListReader(strings.NewReader(in))
		for {
			if _, err := lr.Next(); err == io.EOF {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1001), "ns/domain")
}

func BenchmarkParseMaillog(b *testing.B) {
	var sb strings.Builder
	for _, name := range []string{"postfix.log", "exim.log"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "scan", name))
		if err != nil {
			b.Fatal(err)
		}
		for range 50 {
			sb.Write(data)
		}
	}
	in := sb.String()
	lines := strings.Count(in, "\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := ParseMaillog(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}

// BenchmarkSharedProberHit is the cost of a shared result: what every
// domain behind a provider's MX pays instead of an SMTP session.
func BenchmarkSharedProberHit(b *testing.B) {
	cp := &countingProbe{}
	sp := &SharedProber{Session: cp.probe}
	t := smtpprobe.Target{Host: "mx.provider.example", Addr: netip.MustParseAddr("192.0.2.1"), Port: 25}
	sp.Probe(context.Background(), t)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sp.Probe(context.Background(), t)
		}
	})
	b.ReportMetric(float64(cp.sessions.Load()), "sessions")
}

func BenchmarkSummaryAdd(b *testing.B) {
	reports := []string{"ok1.example", "defer1.example", "sts1.example", "err1.example"}
	var s Summary
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Add(fakeReport(reports[i%len(reports)]))
		i++
	}
}

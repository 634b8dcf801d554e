package report

import (
	"io"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
)

// benchRender renders all representative reports with write and reports
// the domains and bytes written per operation.
func benchRender(b *testing.B, write func(io.Writer, []delivery.DomainReport) error) {
	_, reports := loadReports(b)
	var n countWriter
	b.ReportAllocs()
	for b.Loop() {
		if err := write(&n, reports); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(reports)), "domains/op")
	b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
}

func BenchmarkWriteText(b *testing.B) {
	benchRender(b, func(w io.Writer, r []delivery.DomainReport) error { return WriteText(w, r, true) })
}

func BenchmarkWriteJSON(b *testing.B) { benchRender(b, WriteJSON) }

func BenchmarkWriteNagios(b *testing.B) { benchRender(b, WriteNagios) }

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

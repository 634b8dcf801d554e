package mtasts_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/mtasts"
)

func BenchmarkParsePolicy(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("..", "testdata", "mtasts", "rfc8461-example.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var mx int
	for b.Loop() {
		p, err := mtasts.ParsePolicy(body)
		if err != nil {
			b.Fatal(err)
		}
		mx = len(p.MX)
	}
	b.ReportMetric(float64(mx), "mx/op")
}

// BenchmarkParsePolicyHostile parses a 64 KiB body of garbage lines, the
// worst a policy host can send after the size cap.
func BenchmarkParsePolicyHostile(b *testing.B) {
	body := []byte(strings.Repeat("x\n", mtasts.MaxPolicySize/2))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var problems int
	for b.Loop() {
		p, _ := mtasts.ParsePolicy(body)
		problems = len(p.Problems)
	}
	b.ReportMetric(float64(problems), "problems-kept/op")
}

func BenchmarkMatchMX(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !mtasts.MatchMX("*.example.com", "MX1.example.com.") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkCheck runs the whole check of one domain against the HTTPS
// test world: one TLS handshake and policy fetch per operation.
func BenchmarkCheck(b *testing.B) {
	w, z, f := startWorld(b)
	c := &mtasts.Checker{Resolver: z, Fetcher: f}
	ctx := context.Background()
	b.ReportAllocs()
	z.lookups.Store(0)
	for b.Loop() {
		r, err := c.Check(ctx, w.Domain("enforce"))
		if err != nil || r.Status != mtasts.StatusOK {
			b.Fatalf("%v %v", err, r.Findings)
		}
	}
	b.ReportMetric(float64(z.lookups.Load())/float64(b.N), "lookups/op")
}

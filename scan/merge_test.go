package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/internal/testworld"
	"github.com/daneprobe/daneprobe/mailauth"
)

// TestMergeEqualsScan scans the mail world (every curated scenario plus
// synthetic domains) once whole and once as two shards, then merges the
// two shards' outputs, in both orders: the merged summary must equal the
// unsharded scan's own, lists cut to a few names included.
func TestMergeEqualsScan(t *testing.T) {
	w, err := testworld.StartMail(testworld.MailOptions{Synthetic: 120, SyntheticMX: 10, NoIPv6: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	domains := append([]string(nil), w.Synthetic...)
	for _, s := range w.Scenarios {
		domains = append(domains, s.Domain)
	}
	scanOnce := func(shard Shard) ([]byte, *Summary) {
		t.Helper()
		lim := NewIPLimiter(2)
		ck, _ := worldChecker(t, w.Resolver(), anchorsOf(w), w.Port, w.PolicyPort, w.CA.Pool(), lim)
		sum := &Summary{MaxListed: 4}
		var out bytes.Buffer
		e := &Engine{Check: ck.Check, Concurrency: 16, Summary: sum}
		st, err := e.Run(context.Background(), &Source{Next: SliceNext(domains), Shard: shard}, &out)
		if err != nil || st.Written == 0 {
			t.Fatalf("shard %s: wrote %d: %v", shard, st.Written, err)
		}
		return out.Bytes(), sum
	}
	_, whole := scanOnce(Shard{})
	part0, _ := scanOnce(Shard{Index: 0, Count: 2})
	part1, _ := scanOnce(Shard{Index: 1, Count: 2})

	want := summaryJSON(t, whole)
	for _, order := range [][][]byte{{part0, part1}, {part1, part0}} {
		sum := &Summary{MaxListed: 4}
		m := NewMerger(sum)
		for _, p := range order {
			if err := m.Read(bytes.NewReader(p)); err != nil {
				t.Fatal(err)
			}
		}
		if got := summaryJSON(t, sum); got != want {
			t.Errorf("merged shards differ from the whole scan:\n got %s\nwant %s", got, want)
		}
		if m.Stats.Files != 2 || m.Stats.Lines != whole.Domains || m.Stats.BadLines+m.Stats.Duplicates+m.Stats.CutLines != 0 {
			t.Errorf("stats %+v, want 2 files and %d clean lines", m.Stats, whole.Domains)
		}
	}
	// The figures must say something: the world has each kind.
	a := whole.Adoption
	for name, n := range map[string]int{"dnssec-signed MX": a.DNSSECSignedMX, "DANE on every MX": a.DANEEveryMX,
		"MTA-STS enforce": a.MTASTSEnforce, "DANE defer": whole.DANEDefer.Total, "failure reasons": len(whole.FailureReasons)} {
		if n == 0 || n >= whole.Domains {
			t.Errorf("%s: %d of %d domains; the world has some of each", name, n, whole.Domains)
		}
	}
	if whole.DANEDefer.Total <= 4 || len(whole.DANEDefer.Entries) != 4 {
		t.Errorf("defer list: %d kept of %d; want a cut list", len(whole.DANEDefer.Entries), whole.DANEDefer.Total)
	}
}

func summaryJSON(t *testing.T, s *Summary) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMergeInput: bad lines, a cut last line, a repeated domain and a file
// given twice are counted and skipped, never summed twice.
func TestMergeInput(t *testing.T) {
	line := func(d string) string {
		b, err := json.Marshal(fakeReport(d))
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	a := line("a.example") + "not json\n\n" + line("defer1.example") + `{"status":"ok"}` + "\n" + line("a.example") + `{"domain":"cut.example"`
	sum := &Summary{}
	m := NewMerger(sum)
	for _, in := range []string{a, a} {
		if err := m.Read(strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
	}
	want := MergeStats{Files: 2, Lines: 10, BadLines: 4, CutLines: 2, Duplicates: 4}
	if m.Stats != want {
		t.Errorf("stats %+v, want %+v", m.Stats, want)
	}
	if sum.Domains != 2 || sum.DANEDefer.Total != 1 || sum.FailureReasons[delivery.ReasonNoMatch] != 1 {
		t.Errorf("summary: %d domains, %d defer, reasons %v; want 2, 1, no-match 1", sum.Domains, sum.DANEDefer.Total, sum.FailureReasons)
	}
}

// TestAdoption checks each adoption figure against reports that have, and
// miss, the piece it counts.
func TestAdoption(t *testing.T) {
	secureTLSA := func(usable bool) *delivery.TLSAReport {
		return &delivery.TLSAReport{Lookup: delivery.Lookup{DNSSEC: dnssec.Secure}, Records: []delivery.TLSARecord{{Usage: 3, Usable: usable}}}
	}
	cases := []struct {
		name string
		r    delivery.DomainReport
		want Adoption
	}{
		{"nothing", delivery.DomainReport{}, Adoption{}},
		{"signed MX, DANE on both", delivery.DomainReport{MXLookup: delivery.Lookup{DNSSEC: dnssec.Secure},
			MX: []delivery.MXReport{{TLSA: secureTLSA(true)}, {TLSA: secureTLSA(true)}}},
			Adoption{DNSSECSignedMX: 1, DANEEveryMX: 1}},
		{"DANE on one of two", delivery.DomainReport{MX: []delivery.MXReport{{TLSA: secureTLSA(true)}, {}}}, Adoption{}},
		{"only unusable TLSA", delivery.DomainReport{MX: []delivery.MXReport{{TLSA: secureTLSA(false)}}}, Adoption{}},
		{"insecure TLSA", delivery.DomainReport{MX: []delivery.MXReport{{TLSA: &delivery.TLSAReport{Lookup: delivery.Lookup{DNSSEC: dnssec.Insecure},
			Records: []delivery.TLSARecord{{Usable: true}}}}}}, Adoption{}},
		{"MX lookup error", delivery.DomainReport{MXLookup: delivery.Lookup{DNSSEC: dnssec.Secure, Error: "SERVFAIL"}}, Adoption{}},
		{"null MX", delivery.DomainReport{NullMX: true, MX: []delivery.MXReport{{TLSA: secureTLSA(true)}}}, Adoption{}},
		{"policies", delivery.DomainReport{MTASTS: delivery.MTASTSReport{Mode: "enforce"},
			TLSRPT: &delivery.Posture{Found: true}, SPF: &mailauth.SPF{Found: true, Policy: "-all"},
			DMARC: &mailauth.DMARC{Found: true, Policy: "reject"}},
			Adoption{MTASTSEnforce: 1, TLSRPT: 1, SPFFail: 1, DMARCReject: 1}},
		{"weak policies", delivery.DomainReport{MTASTS: delivery.MTASTSReport{Mode: "testing"},
			TLSRPT: &delivery.Posture{Found: false}, SPF: &mailauth.SPF{Found: true, Policy: "~all"},
			DMARC: &mailauth.DMARC{Found: true, Policy: "quarantine"}},
			Adoption{DMARCQuarantine: 1}},
	}
	for _, c := range cases {
		var a Adoption
		a.add(&c.r)
		if a != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, a, c.want)
		}
	}
}

// TestListOrderFree: a cut list keeps the smallest names whatever the
// order in which they arrive.
func TestListOrderFree(t *testing.T) {
	in := domainList("d", 50)
	var fwd, rev List
	for i := range in {
		fwd.add(5, Entry{Domain: in[i]})
		rev.add(5, Entry{Domain: in[len(in)-1-i]})
	}
	got, want := fmt.Sprint(fwd.Sorted()), fmt.Sprint(rev.Sorted())
	if got != want || fwd.Total != 50 || len(fwd.Entries) != 5 {
		t.Fatalf("forward %s, reverse %s (total %d)", got, want, fwd.Total)
	}
	if fwd.Sorted()[0].Domain != "d0.example" && !strings.HasPrefix(fwd.Sorted()[0].Domain, "d0") {
		t.Errorf("smallest kept is %s", fwd.Sorted()[0].Domain)
	}
}

// TestMergeFile reads a scan output file written by the Engine.
func TestMergeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := &Summary{}
	e := &Engine{Check: slowCheck(0, nil), Summary: sum}
	if _, err := e.Run(context.Background(), &Source{Next: SliceNext(append(domainList("defer", 3), domainList("ok", 7)...))}, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	merged := &Summary{}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := NewMerger(merged).Read(in); err != nil {
		t.Fatal(err)
	}
	if a, b := summaryJSON(t, sum), summaryJSON(t, merged); a != b {
		t.Errorf("merged %s\nwant %s", b, a)
	}
}

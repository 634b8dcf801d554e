package monitor

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/history"
)

// The memory store finds the changes the history store finds, applies
// them to the report, refuses a check cut short, and keeps MemoryRuns
// runs per domain, the reports of the newest MemoryReports only.
func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	first := sampleReport("a.example", delivery.StatusOK, true)
	if run, err := s.Record(ctx, first); err != nil || len(run.Changes) != 0 || run.ID != 1 {
		t.Fatalf("first run: %+v %v", run, err)
	}
	second := sampleReport("a.example", delivery.StatusOK, true)
	second.CheckedAt = first.CheckedAt.Add(time.Hour)
	second.MX[0].TLSA.Records[0].Data = "11ee"
	run, err := s.Record(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, c := range run.Changes {
		codes[c.Code] = true
	}
	if !codes[delivery.ChangeTLSA] && !codes[delivery.ChangeTLSARollover] && !codes[delivery.ChangeBrokenTLSAEdit] {
		t.Errorf("changes %+v: want the TLSA change", run.Changes)
	}
	if len(second.Changes) == 0 {
		t.Error("the changes were not applied to the report")
	}
	cut := sampleReport("a.example", delivery.StatusUnknown, true)
	cut.Stopped = delivery.CutShort
	if _, err := s.Record(ctx, cut); !errors.Is(err, history.ErrIncomplete) {
		t.Errorf("a cut-short check: %v, want ErrIncomplete", err)
	}
	for i := 0; i < MemoryRuns+5; i++ {
		r := sampleReport("b.example", delivery.StatusOK, true)
		r.CheckedAt = r.CheckedAt.Add(time.Duration(i) * time.Minute)
		s.Record(ctx, r)
	}
	runs, _ := s.Timeline(ctx, "b.example", time.Time{})
	if len(runs) != MemoryRuns || !runs[0].At.Equal(first.CheckedAt.Add(5*time.Minute)) {
		t.Errorf("kept %d runs from %s", len(runs), runs[0].At)
	}
	for i, r := range runs {
		if keep := i >= len(runs)-MemoryReports; keep != (r.Report != nil) {
			t.Errorf("run %d of %d: report kept %v, want %v (the newest %d only)", i, len(runs), r.Report != nil, keep, MemoryReports)
		}
	}
	all, _ := s.Domains(ctx)
	if len(all) != 2 || all[0].Domain != "a.example" || all[0].ID != 2 {
		t.Errorf("Domains: %+v", all)
	}
	if _, err := s.Latest(ctx, "c.example"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Latest of an unknown domain: %v", err)
	}
}

// The memory store's size is bounded by the number of domains, not by how
// long the service runs: a thousand rounds of ten domains hold no more
// runs and report bytes than MemoryRuns and MemoryReports allow.
func TestMemoryStoreBounded(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore().(*memStore)
	var reportLen int
	for round := 0; round < 1000; round++ {
		for d := 0; d < 10; d++ {
			r := sampleReport(fmt.Sprintf("d%d.example", d), delivery.StatusOK, true)
			r.CheckedAt = r.CheckedAt.Add(time.Duration(round) * time.Minute)
			run, err := s.Record(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			reportLen = max(reportLen, len(run.Report))
		}
	}
	runs, bytes := s.footprint()
	if runs != 10*MemoryRuns || bytes > 10*MemoryReports*reportLen {
		t.Errorf("after 1000 rounds of 10 domains: %d runs, %d report bytes; want %d runs and at most %d bytes",
			runs, bytes, 10*MemoryRuns, 10*MemoryReports*reportLen)
	}
	if latest, err := s.Latest(ctx, "d3.example"); err != nil || latest.Report == nil {
		t.Errorf("the latest run lost its report: %v", err)
	}
}

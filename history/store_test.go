package history

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

var t0 = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

// sample is a decided report of a one-MX DANE domain whose address
// presents the key named key; matching says whether it matches the
// published record.
func sample(domain, key string, matching bool, at time.Time) *delivery.DomainReport {
	host := "mx." + domain
	rec := delivery.TLSARecord{Usage: 3, Selector: 1, MatchingType: 1, Data: strings.Repeat("a1", 32), Usable: true}
	addr := delivery.AddressReport{IP: "192.0.2.1", Connected: true, STARTTLS: true, TLSVersion: "TLSv1.3",
		Chain: []delivery.Certificate{{Subject: "CN=" + host, Issuer: "CN=CA", SPKISHA256: key, CertSHA256: "cert-" + key}}}
	if matching {
		addr.Match = &delivery.Match{Matched: true, Record: &rec}
	} else {
		addr.Match = &delivery.Match{Failure: delivery.ReasonNoMatch}
	}
	secure := delivery.Lookup{DNSSEC: dnssec.Secure}
	r := &delivery.DomainReport{Domain: domain, CheckedAt: at, MXLookup: secure,
		MX: []delivery.MXReport{{Host: host, Preference: 10, A: &secure, AAAA: &secure,
			TLSA:      &delivery.TLSAReport{Name: "_25._tcp." + host, BaseDomain: host, Lookup: secure, Records: []delivery.TLSARecord{rec}},
			Addresses: []delivery.AddressReport{addr}}},
		MTASTS: delivery.MTASTSReport{Mode: "none"}}
	delivery.Decide(r)
	return r
}

func open(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRecordAndRead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "history.sqlite")
	s := open(t, path, Options{})

	first, err := s.Record(ctx, sample("a.example", "k1", true, t0))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Changes) != 0 || first.Status != delivery.StatusOK {
		t.Fatalf("first run: status %s, changes %+v\n%s", first.Status, first.Changes, first.Report)
	}
	if _, err := s.Record(ctx, sample("b.example", "k1", true, t0)); err != nil {
		t.Fatal(err)
	}
	// The key was renewed without its TLSA record.
	rep := sample("a.example", "k2", false, t0.Add(time.Hour))
	second, err := s.Record(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(second.Changes, delivery.ChangeBrokenRollover) || second.Status != delivery.StatusCritical {
		t.Fatalf("second run: status %s, changes %+v", second.Status, second.Changes)
	}
	if len(rep.Changes) != len(second.Changes) {
		t.Errorf("Record did not apply the changes to the report: %+v", rep.Changes)
	}
	var doc struct {
		Domain  string            `json:"domain"`
		Changes []delivery.Change `json:"changes"`
	}
	if err := json.Unmarshal(second.Report, &doc); err != nil || doc.Domain != "a.example" || !hasChange(doc.Changes, delivery.ChangeBrokenRollover) {
		t.Fatalf("stored report %s: %v", second.Report, err)
	}

	latest, err := s.Latest(ctx, "a.example")
	if err != nil || latest.ID != second.ID || !hasChange(latest.Changes, delivery.ChangeBrokenRollover) || !latest.At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	if _, err := s.Latest(ctx, "c.example"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Latest of an unknown domain: %v", err)
	}
	tl, err := s.Timeline(ctx, "a.example", time.Time{})
	if err != nil || len(tl) != 2 || tl[0].ID != first.ID || tl[1].ID != second.ID {
		t.Fatalf("Timeline = %+v, %v", tl, err)
	}
	if tl, _ := s.Timeline(ctx, "a.example", t0.Add(time.Minute)); len(tl) != 1 {
		t.Errorf("Timeline since: %d runs, want 1", len(tl))
	}
	ds, err := s.Domains(ctx)
	if err != nil || len(ds) != 2 || ds[0].Domain != "a.example" || ds[0].ID != second.ID || ds[1].Domain != "b.example" {
		t.Fatalf("Domains = %+v, %v", ds, err)
	}
	s.Close()

	// Reopened, read-only: the same runs.
	ro := open(t, path, Options{ReadOnly: true})
	if l, err := ro.Latest(ctx, "a.example"); err != nil || l.ID != second.ID {
		t.Fatalf("read-only Latest = %+v, %v", l, err)
	}
	if _, err := ro.Record(ctx, sample("a.example", "k2", true, t0)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Record on a read-only store: %v", err)
	}
}

func TestNotComparableIsNoBaseline(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "h.sqlite"), Options{})
	if _, err := s.Record(ctx, sample("a.example", "k1", true, t0)); err != nil {
		t.Fatal(err)
	}
	broken := sample("a.example", "k1", true, t0.Add(time.Hour))
	broken.LocalFault, broken.Status = "trust-anchor-mismatch", delivery.StatusUnknown
	run, err := s.Record(ctx, broken)
	if err != nil || run.Comparable || len(run.Changes) != 0 {
		t.Fatalf("local fault run = %+v, %v", run, err)
	}
	// Compared with the last comparable run, not with the local fault.
	run, err = s.Record(ctx, sample("a.example", "k1b", true, t0.Add(2*time.Hour)))
	if err != nil || !hasChange(run.Changes, delivery.ChangeCertRenewed) || hasChange(run.Changes, delivery.ChangeStatus) {
		t.Fatalf("third run = %+v, %v", run.Changes, err)
	}
	cut := sample("a.example", "k1", true, t0.Add(3*time.Hour))
	cut.Stopped = delivery.CutShort
	if _, err := s.Record(ctx, cut); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("cut-short run: %v", err)
	}
	if tl, _ := s.Timeline(ctx, "a.example", time.Time{}); len(tl) != 3 {
		t.Errorf("%d runs recorded, want 3 (the cut-short one not)", len(tl))
	}
}

// TestRefusals: files that are not ours, newer, read-only or corrupt are
// refused with their sentinel, and left exactly as they were.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.sqlite")
	s := open(t, good, Options{})
	for i := range 50 {
		if _, err := s.Record(ctx, sample("a.example", "k", true, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreign := filepath.Join(dir, "foreign.sqlite")
	sqlExec(t, foreign, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	newer := filepath.Join(dir, "newer.sqlite")
	if err := os.WriteFile(newer, goodBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	sqlExec(t, newer, "PRAGMA user_version=99")
	corrupt := append([]byte(nil), goodBytes...)
	for i := 4096 + 100; i < len(corrupt) && i < 4096+3000; i++ {
		corrupt[i] = 0xA5
	}

	tests := []struct {
		name string
		path string
		opts Options
		want error
	}{
		{"text file", write("notes.txt", []byte("my notes\n"), 0o600), Options{}, ErrNotOurs},
		{"another program's database", foreign, Options{}, ErrNotOurs},
		{"newer schema", newer, Options{}, ErrNewerSchema},
		{"newer schema, read-only", newer, Options{ReadOnly: true}, ErrNewerSchema},
		{"read-only file", write("ro.sqlite", goodBytes, 0o400), Options{}, ErrReadOnly},
		{"corrupt", write("corrupt.sqlite", corrupt, 0o600), Options{}, ErrCorrupt},
		{"missing, read-only", filepath.Join(dir, "missing.sqlite"), Options{ReadOnly: true}, ErrNotFound},
		{"directory", dir, Options{}, ErrNotOurs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(tt.path)
			st, err := Open(ctx, tt.path, tt.opts)
			if err == nil {
				st.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %q does not wrap %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error is not one line naming the file: %q", err)
			}
			after, _ := os.ReadFile(tt.path)
			if !bytes.Equal(before, after) {
				t.Error("the refused file was changed")
			}
			// A reader of a WAL database leaves SQLite's -wal and -shm
			// files (it may not remove what another process may be
			// using); a writer that refuses a file leaves none.
			if _, err := os.Stat(tt.path + "-wal"); err == nil && !tt.opts.ReadOnly && tt.want != ErrCorrupt {
				t.Error("a -wal file was left beside the refused file")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.sqlite")); err == nil {
		t.Error("a read-only Open created the file")
	}
}

// TestReadOnlyIsHonoured: a store opened with ReadOnly is opened by
// SQLite read-only, not merely by our own checks.
func TestReadOnlyIsHonoured(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.sqlite")
	s := open(t, path, Options{})
	if _, err := s.Record(ctx, sample("a.example", "k", true, t0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := open(t, path, Options{ReadOnly: true})
	_, err := ro.db.ExecContext(ctx, "DELETE FROM results")
	if err == nil {
		t.Fatal("a read-only store accepted a DELETE")
	}
	if l, err := ro.Latest(ctx, "a.example"); err != nil || l.Domain != "a.example" {
		t.Fatalf("the run is gone: %+v, %v", l, err)
	}
}

// TestFullDiskRecordsNothing: a run that does not fit is not stored in
// part.
func TestFullDiskRecordsNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.sqlite")
	s := open(t, path, Options{})
	if _, err := s.Record(ctx, sample("a.example", "k", true, t0)); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	s.Close()
	full := open(t, path, Options{MaxPages: pages})
	big := sample("a.example", "k2", false, t0.Add(time.Hour))
	for i := range 2000 {
		big.Warnings = append(big.Warnings, delivery.Finding{Code: "filler", Detail: strings.Repeat("x", 40) + string(rune('a'+i%26))})
	}
	_, err := full.Record(ctx, big)
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Record on a full store: %v", err)
	}
	if len(big.Changes) != 0 {
		t.Error("the report holds changes of a run that was not recorded")
	}
	tl, err := full.Timeline(ctx, "a.example", time.Time{})
	if err != nil || len(tl) != 1 {
		t.Fatalf("after the failed run: %d runs, %v", len(tl), err)
	}
	// One run of two domains: the one that would fit is not stored either.
	small := sample("b.example", "k", true, t0.Add(time.Hour))
	if _, err := full.RecordAll(ctx, []*delivery.DomainReport{small, big}); !errors.Is(err, ErrFull) {
		t.Fatalf("RecordAll on a full store: %v", err)
	}
	if _, err := full.Latest(ctx, "b.example"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("half a run was stored: %v", err)
	}
	var orphans int
	if err := full.db.QueryRowContext(ctx, "SELECT count(*) FROM changes").Scan(&orphans); err != nil || orphans != 0 {
		t.Fatalf("%d change rows of the failed run, %v", orphans, err)
	}
}

// TestTwoWriters: a second writer waits for the first, and fails with
// ErrBusy when the first holds the lock past its BusyTimeout.
func TestTwoWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.sqlite")
	a := open(t, path, Options{})
	b := open(t, path, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		for _, s := range []*Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Record(ctx, sample("a.example", "k", true, t0.Add(time.Duration(i)*time.Second)))
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Record: %v", err)
		}
	}
	if tl, _ := a.Timeline(ctx, "a.example", time.Time{}); len(tl) != 40 {
		t.Fatalf("%d runs, want 40", len(tl))
	}

	// A writer that holds the lock: the other gives up with ErrBusy.
	holder, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	impatient := open(t, path, Options{BusyTimeout: 50 * time.Millisecond})
	_, err = impatient.Record(ctx, sample("a.example", "k", true, t0))
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Record while another writer holds the lock: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := impatient.Record(ctx, sample("a.example", "k", true, t0)); err != nil {
		t.Fatalf("Record after the lock was released: %v", err)
	}
}

func sqlExec(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

func hasChange(cs []delivery.Change, code string) bool {
	for _, c := range cs {
		if c.Code == code {
			return true
		}
	}
	return false
}

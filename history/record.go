package history

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/report"
)

// MaxReportBytes bounds the stored JSON of one report; a larger report
// (thousands of MX hosts) is refused rather than bloating the store, and
// a larger stored one is not read back.
const MaxReportBytes = 4 << 20

// Run is one recorded check of one domain.
type Run struct {
	// ID numbers the runs of a store in the order they were recorded.
	ID int64
	// Domain is the domain checked, as in its report.
	Domain string
	// At is when the check ran (the report's CheckedAt).
	At time.Time
	// Status is the monitoring status of the report, after its changes
	// were applied.
	Status delivery.Status
	// DANE and MTASTS are the domain's verdicts, Summary its verdict
	// line.
	DANE    delivery.DANEResult
	MTASTS  delivery.MTASTSResult
	Summary string
	// Comparable reports whether later runs compare against this one
	// (delivery.Comparable).
	Comparable bool
	// Changes are what changed since the previous comparable run of the
	// domain; nil for the first run and for runs that are not comparable.
	Changes []delivery.Change
	// Report is check's JSON object for this run (report/SCHEMA.md).
	Report []byte
}

// Record compares rep with the previous comparable run of its domain,
// applies the changes to rep (delivery.ApplyChanges: rep.Changes, the
// warnings and notes, the status) and stores rep, all in one
// transaction: a failure records nothing and leaves rep as it was. A
// report that is not comparable is stored without changes. A report
// that was cut short (rep.Stopped) is not stored: Record returns an
// error wrapping ErrIncomplete.
func (s *Store) Record(ctx context.Context, rep *delivery.DomainReport) (Run, error) {
	runs, err := s.RecordAll(ctx, []*delivery.DomainReport{rep})
	if err != nil {
		return Run{}, err
	}
	return runs[0], nil
}

// RecordAll records the reports of one run of several domains (one
// check command) as Record does, in one transaction: either every
// report is stored or none is. Reports that were cut short are skipped,
// not errors; the runs returned are those of the reports stored.
func (s *Store) RecordAll(ctx context.Context, reps []*delivery.DomainReport) ([]Run, error) {
	if s.ro {
		return nil, s.wrap(ErrReadOnly, "opened for reading")
	}
	if len(reps) == 1 && reps[0].Stopped != delivery.Finished {
		return nil, fmt.Errorf("history %s: %s: %w", s.path, reps[0].Domain, ErrIncomplete)
	}
	tx, err := s.db.BeginTx(ctx, nil) // immediate: the write lock up front
	if err != nil {
		return nil, s.classify("record", err)
	}
	defer tx.Rollback()
	runs := make([]Run, 0, len(reps))
	applied := make([]delivery.DomainReport, 0, len(reps))
	for _, rep := range reps {
		if rep.Stopped != delivery.Finished {
			continue
		}
		run, cur, err := s.record(ctx, tx, rep)
		if err != nil {
			return nil, err
		}
		runs, applied = append(runs, run), append(applied, cur)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.classify("record", err)
	}
	i := 0
	for _, rep := range reps {
		if rep.Stopped == delivery.Finished {
			*rep = applied[i]
			i++
		}
	}
	return runs, nil
}

// record stores one report inside tx and returns its run and the report
// with its changes applied (a copy: rep is changed only after commit).
func (s *Store) record(ctx context.Context, tx *sql.Tx, rep *delivery.DomainReport) (Run, delivery.DomainReport, error) {
	run := Run{Domain: rep.Domain, At: rep.CheckedAt, Comparable: delivery.Comparable(rep)}
	cur := *rep
	if run.Comparable {
		prev, err := previous(ctx, tx, rep.Domain)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Run{}, cur, s.classify("read the previous run of "+rep.Domain, err)
		}
		if prev != nil {
			run.Changes = delivery.Diff(prev, &cur)
			delivery.ApplyChanges(&cur, run.Changes)
		}
	}
	run.Status, run.DANE, run.MTASTS, run.Summary = cur.Status, cur.DANE, cur.MTASTS.Result, cur.Summary
	var doc bytes.Buffer
	if err := report.WriteJSONLines(&doc, []delivery.DomainReport{cur}); err != nil {
		return Run{}, cur, fmt.Errorf("history %s: encode %s: %w", s.path, rep.Domain, err)
	}
	run.Report = bytes.TrimSuffix(doc.Bytes(), []byte("\n"))
	if len(run.Report) > MaxReportBytes {
		return Run{}, cur, fmt.Errorf("history %s: the report of %s is %d bytes, over the store's limit of %d; nothing was recorded", s.path, rep.Domain, len(run.Report), MaxReportBytes)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO results(domain, checked_at, status, dane, mta_sts, summary, comparable, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		run.Domain, run.At.UnixNano(), string(run.Status), string(run.DANE), string(run.MTASTS), run.Summary, run.Comparable, run.Report)
	if err != nil {
		return Run{}, cur, s.classify("record "+rep.Domain, err)
	}
	if run.ID, err = res.LastInsertId(); err != nil {
		return Run{}, cur, s.classify("record "+rep.Domain, err)
	}
	for i, c := range run.Changes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes(result_id, seq, code, level, mx, ip, old, new, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			run.ID, i, c.Code, string(c.Level), c.MX, c.IP, c.Old, c.New, c.Detail); err != nil {
			return Run{}, cur, s.classify("record "+rep.Domain, err)
		}
	}
	return run, cur, nil
}

// previous reads the report of the last comparable run of domain.
func previous(ctx context.Context, tx *sql.Tx, domain string) (*delivery.DomainReport, error) {
	var doc []byte
	err := tx.QueryRowContext(ctx, `SELECT report FROM results WHERE domain = ? AND comparable = 1 AND length(report) <= ? ORDER BY id DESC LIMIT 1`, domain, MaxReportBytes).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var r delivery.DomainReport
	if err := json.Unmarshal(doc, &r); err != nil {
		// A run this daneprobe cannot read is no baseline: compare
		// against nothing rather than report every fact as changed.
		return nil, ErrNotFound
	}
	return &r, nil
}

// Latest returns the last run of domain, or an error wrapping ErrNotFound.
func (s *Store) Latest(ctx context.Context, domain string) (Run, error) {
	runs, err := s.query(ctx, `WHERE domain = ? ORDER BY id DESC LIMIT 1`, domain)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("history %s: no run of %s: %w", s.path, domain, ErrNotFound)
	}
	return runs[0], nil
}

// Timeline returns the runs of domain checked at or after since, oldest
// first (all of them for the zero time), at most MaxTimeline.
func (s *Store) Timeline(ctx context.Context, domain string, since time.Time) ([]Run, error) {
	from := int64(0)
	if !since.IsZero() {
		from = since.UnixNano()
	}
	runs, err := s.query(ctx, `WHERE domain = ? AND checked_at >= ? ORDER BY id DESC LIMIT ?`, domain, from, MaxTimeline)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs, nil
}

// MaxTimeline bounds the runs Timeline returns: the newest ones.
const MaxTimeline = 10000

// Domains returns the last run of every domain in the store, ordered by
// domain.
func (s *Store) Domains(ctx context.Context) ([]Run, error) {
	return s.query(ctx, `WHERE id IN (SELECT max(id) FROM results GROUP BY domain) ORDER BY domain`)
}

// query reads runs with their changes; where is the rest of the SELECT.
func (s *Store) query(ctx context.Context, where string, args ...any) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, domain, checked_at, status, dane, mta_sts, summary, comparable, report FROM results `+where, args...)
	if err != nil {
		return nil, s.classify("read", err)
	}
	defer rows.Close()
	var runs []Run
	byID := map[int64]int{}
	for rows.Next() {
		var r Run
		var at int64
		var status, dane, mtasts string
		if err := rows.Scan(&r.ID, &r.Domain, &at, &status, &dane, &mtasts, &r.Summary, &r.Comparable, &r.Report); err != nil {
			return nil, s.classify("read", err)
		}
		r.At, r.Status = time.Unix(0, at).UTC(), delivery.Status(status)
		r.DANE, r.MTASTS = delivery.DANEResult(dane), delivery.MTASTSResult(mtasts)
		byID[r.ID] = len(runs)
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("read", err)
	}
	// Free the connection before the next query: a writer's store has
	// only one.
	rows.Close()
	if len(runs) == 0 {
		return runs, nil
	}
	return runs, s.changes(ctx, runs, byID)
}

// changes fills the Changes of runs, reading them in batches of ids.
func (s *Store) changes(ctx context.Context, runs []Run, byID map[int64]int) error {
	const batch = 500
	for start := 0; start < len(runs); start += batch {
		chunk := runs[start:min(start+batch, len(runs))]
		ids := make([]any, len(chunk))
		for i, r := range chunk {
			ids[i] = r.ID
		}
		marks := strings.Repeat(",?", len(ids))[1:]
		if err := s.changesOf(ctx, runs, byID, `SELECT result_id, code, level, mx, ip, old, new, detail FROM changes WHERE result_id IN (`+marks+`) ORDER BY result_id, seq`, ids); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) changesOf(ctx context.Context, runs []Run, byID map[int64]int, q string, ids []any) error {
	rows, err := s.db.QueryContext(ctx, q, ids...)
	if err != nil {
		return s.classify("read changes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c delivery.Change
		var level string
		if err := rows.Scan(&id, &c.Code, &level, &c.MX, &c.IP, &c.Old, &c.New, &c.Detail); err != nil {
			return s.classify("read changes", err)
		}
		c.Level = delivery.ChangeLevel(level)
		if i, ok := byID[id]; ok {
			runs[i].Changes = append(runs[i].Changes, c)
		}
	}
	if err := rows.Err(); err != nil {
		return s.classify("read changes", err)
	}
	return nil
}

package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
)

// HistoryRun is one recorded check of a domain as the history command
// prints it (package history stores them; the command converts).
type HistoryRun struct {
	// ID numbers the runs of the store.
	ID int64 `json:"id"`
	// At is when the check ran.
	At time.Time `json:"checked_at"`
	// Status is the monitoring status, after the changes were applied.
	Status delivery.Status `json:"status"`
	// DANE and MTASTS are the domain's verdicts; Summary the verdict line.
	DANE    delivery.DANEResult   `json:"dane"`
	MTASTS  delivery.MTASTSResult `json:"mta_sts"`
	Summary string                `json:"summary"`
	// Comparable is false for a run that later runs do not compare
	// against (an unfinished check, a local fault, UNKNOWN).
	Comparable bool `json:"comparable"`
	// Changes are what changed since the previous comparable run.
	Changes []delivery.Change `json:"changes"`
}

// History is the timeline of one domain.
type History struct {
	// Domain is the domain asked about.
	Domain string `json:"domain"`
	// State is the file of the store.
	State string `json:"state"`
	// Since is the start of the timeline; zero for all of it.
	Since time.Time `json:"since,omitzero"`
	// Runs are the runs in the order they ran.
	Runs []HistoryRun `json:"runs"`
}

// WriteHistoryText writes a domain's timeline for people: a heading, then
// per run its time, status and verdict line, and under it each change
// with its level and code.
//
//	2026-12-01 06:00:00 UTC  OK        DANE verified (1 of 1 MX host); MTA-STS enforce
//	2026-12-02 06:00:00 UTC  CRITICAL  DANE failed: ...
//	    critical broken-rollover: mx.example.org (192.0.2.1) presents ...
func WriteHistoryText(w io.Writer, h *History, color bool) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, color: color}
	switch n := len(h.Runs); {
	case n == 0 && h.Since.IsZero():
		t.line("%s: no recorded run in %s", h.Domain, h.State)
	case n == 0:
		t.line("%s: no recorded run since %s in %s", h.Domain, h.Since.UTC().Format(time.RFC3339), h.State)
	default:
		t.line("%s: %d recorded runs in %s, %d with changes", h.Domain, n, h.State, withChanges(h.Runs))
	}
	for _, r := range h.Runs {
		word := r.Status.Label()
		t.w.WriteString(sanitize(fmt.Sprintf("%s  %s%*s  %s", r.At.UTC().Format("2006-01-02 15:04:05 MST"), t.status(r.Status), 8-len(word), "", r.Summary), t.color))
		t.w.WriteByte('\n')
		// The detail names the host and address itself.
		for _, c := range r.Changes {
			t.line("    %s %s: %s", t.changeLevel(c.Level), c.Code, c.Detail)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write history of %s: %w", h.Domain, err)
	}
	return nil
}

// WriteHistoryJSON writes the timeline as one indented JSON object (schema
// in SCHEMA.md).
func WriteHistoryJSON(w io.Writer, h *History) error {
	c := *h
	c.Runs = append([]HistoryRun{}, h.Runs...)
	for i := range c.Runs {
		c.Runs[i].Changes = nonNil(c.Runs[i].Changes)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("write history of %s: %w", h.Domain, err)
	}
	return nil
}

func (t *textWriter) changeLevel(l delivery.ChangeLevel) string {
	switch l {
	case delivery.ChangeCritical:
		return t.paint(ansiRed, string(l))
	case delivery.ChangeWarning:
		return t.paint(ansiYellow, string(l))
	}
	return string(l)
}

func withChanges(runs []HistoryRun) int {
	n := 0
	for _, r := range runs {
		if len(r.Changes) > 0 {
			n++
		}
	}
	return n
}

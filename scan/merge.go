package scan

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
	"github.com/daneprobe/daneprobe/mailauth"
)

// MergeStats counts what Merger read.
type MergeStats struct {
	// Files is the number of inputs read.
	Files int `json:"files"`
	// Lines is the number of non-blank complete lines read.
	Lines int `json:"lines"`
	// BadLines counts the complete lines that are not a report with a
	// domain (or are longer than 16 MiB); they are skipped.
	BadLines int `json:"bad_lines"`
	// CutLines counts the inputs that end with a line without a newline
	// (a scan killed in the middle of a write); it is skipped, as
	// "scan --resume" would drop it.
	CutLines int `json:"cut_lines"`
	// Duplicates counts the reports of a domain already summed: the first
	// report of each domain counts, later ones are skipped.
	Duplicates int `json:"duplicates"`
}

// Merger sums the JSON lines of earlier scans (one or many shards, in any
// order) into one Summary without checking anything again. It streams:
// per domain it keeps only the 8-byte hash of its name (to skip a domain
// seen twice, as when a file is given twice or shards overlap), and the
// Summary's lists are bounded, so memory does not grow with the size of
// the reports. The zero value is not usable; use NewMerger.
type Merger struct {
	// Summary receives every report.
	Summary *Summary
	// Stats counts the input.
	Stats MergeStats
	seen  *DomainSet
}

// NewMerger returns a Merger that adds to s.
func NewMerger(s *Summary) *Merger {
	return &Merger{Summary: s, seen: NewDomainSet()}
}

// Read adds the reports of one JSON lines file (the output of "daneprobe
// scan" or "check --json"). The error is a read error only; the lines
// that are not reports are counted in Stats.BadLines.
func (m *Merger) Read(r io.Reader) error {
	m.Stats.Files++
	var v reportView
	_, dropped, err := readLines(r, func(_ int, text []byte) {
		m.Stats.Lines++
		v = reportView{}
		if text == nil || json.Unmarshal(text, &v) != nil || v.Domain == "" {
			m.Stats.BadLines++
			return
		}
		if !m.seen.Add(v.Domain) {
			m.Stats.Duplicates++
			return
		}
		m.Summary.Add(v.report())
	})
	if err != nil {
		return fmt.Errorf("read scan results: %w", err)
	}
	if dropped > 0 {
		m.Stats.CutLines++
	}
	return nil
}

// reportView is the part of a report's JSON (report/SCHEMA.md) that a
// Summary reads. Decoding only these fields skips the certificate chains
// and per-address details that make up most of a line. TestMergeEqualsScan
// checks that it holds everything Summary.Add uses.
type reportView struct {
	Domain   string              `json:"domain"`
	Status   delivery.Status     `json:"status"`
	DANE     delivery.DANEResult `json:"dane"`
	Summary  string              `json:"summary"`
	MXLookup delivery.Lookup     `json:"mx_lookup"`
	NullMX   bool                `json:"null_mx"`
	MX       []struct {
		Host string `json:"host"`
		TLSA *struct {
			DNSSEC  dnssec.Security `json:"dnssec"`
			Error   string          `json:"error"`
			Records []struct {
				Usable bool `json:"usable"`
			} `json:"records"`
		} `json:"tlsa"`
	} `json:"mx"`
	MTASTS struct {
		Mode   string                `json:"mode"`
		Result delivery.MTASTSResult `json:"result"`
	} `json:"mta_sts"`
	Outcome  delivery.Outcomes  `json:"outcome"`
	Failures []delivery.Failure `json:"failures"`
	TLSRPT   *delivery.Posture  `json:"tls_rpt"`
	SPF      *mailauth.SPF      `json:"spf"`
	DMARC    *mailauth.DMARC    `json:"dmarc"`
	Error    string             `json:"error"`
}

// report rebuilds the part of a DomainReport that Summary.Add reads.
func (v *reportView) report() *delivery.DomainReport {
	r := &delivery.DomainReport{
		Domain: v.Domain, Status: v.Status, DANE: v.DANE, Summary: v.Summary,
		MXLookup: v.MXLookup, NullMX: v.NullMX, Outcome: v.Outcome,
		Failures: v.Failures, TLSRPT: v.TLSRPT, SPF: v.SPF, DMARC: v.DMARC, Error: v.Error,
	}
	r.MTASTS.Mode, r.MTASTS.Result = v.MTASTS.Mode, v.MTASTS.Result
	r.MX = make([]delivery.MXReport, len(v.MX))
	for i, mx := range v.MX {
		r.MX[i].Host = mx.Host
		if t := mx.TLSA; t != nil {
			tr := &delivery.TLSAReport{Lookup: delivery.Lookup{DNSSEC: t.DNSSEC, Error: t.Error}}
			for _, rec := range t.Records {
				tr.Records = append(tr.Records, delivery.TLSARecord{Usable: rec.Usable})
			}
			r.MX[i].TLSA = tr
		}
	}
	return r
}

package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/daneprobe/daneprobe/delivery"
)

// WriteJSON writes each report as one indented JSON object followed by a
// newline: a stream of objects, one per domain, in the schema of
// SCHEMA.md. jq and most JSON-lines readers read such a stream as it is.
func WriteJSON(w io.Writer, reports []delivery.DomainReport) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	for i := range reports {
		if err := enc.Encode(normalized(&reports[i])); err != nil {
			return fmt.Errorf("write JSON report for %s: %w", reports[i].Domain, err)
		}
	}
	return nil
}

// WriteJSONLines writes each report as one compact JSON object on a line
// of its own (JSON Lines), for "scan" and log pipelines.
func WriteJSONLines(w io.Writer, reports []delivery.DomainReport) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range reports {
		if err := enc.Encode(normalized(&reports[i])); err != nil {
			return fmt.Errorf("write JSON line for %s: %w", reports[i].Domain, err)
		}
	}
	return nil
}

// normalized returns a shallow copy of r in which every array the schema
// promises is an empty array rather than null, so consumers never need to
// tell the two apart. r itself is not modified.
func normalized(r *delivery.DomainReport) *delivery.DomainReport {
	c := *r
	c.Failures = nonNil(c.Failures)
	c.Warnings = nonNil(c.Warnings)
	c.Notes = nonNil(c.Notes)
	c.MTASTS.MX = nonNil(c.MTASTS.MX)
	c.Horizons.Signatures = nonNil(c.Horizons.Signatures)
	c.Horizons.Certificates = nonNil(c.Horizons.Certificates)
	c.MX = make([]delivery.MXReport, len(r.MX))
	for i, m := range r.MX {
		m.Addresses = nonNil(m.Addresses)
		if m.TLSA != nil {
			t := *m.TLSA
			t.Records = nonNil(t.Records)
			m.TLSA = &t
		}
		c.MX[i] = m
	}
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

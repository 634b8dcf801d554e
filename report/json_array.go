package report

import (
	"bytes"
	"fmt"
	"io"

	"github.com/daneprobe/daneprobe/delivery"
)

// WriteJSONArray writes the reports as one JSON array of objects in the
// schema of SCHEMA.md (the service's /api/v1/domains).
func WriteJSONArray(w io.Writer, reports []*delivery.DomainReport) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i, r := range reports {
		if i > 0 {
			buf.WriteString(",\n")
		}
		if err := JSONObject(&buf, r); err != nil {
			return err
		}
	}
	buf.WriteString("]\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// JSONObject writes one report as a compact JSON object without a
// newline, in the schema of SCHEMA.md.
func JSONObject(w *bytes.Buffer, r *delivery.DomainReport) error {
	n := w.Len()
	if err := WriteJSONLines(w, []delivery.DomainReport{*r}); err != nil {
		return fmt.Errorf("write JSON report for %s: %w", r.Domain, err)
	}
	if w.Len() > n && w.Bytes()[w.Len()-1] == '\n' {
		w.Truncate(w.Len() - 1)
	}
	return nil
}

package metrics

import (
	"bufio"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/daneprobe/daneprobe/delivery"
)

// Write gathers g and writes it in the Prometheus text exposition format
// (version 0.0.4), as node_exporter's textfile collector reads it.
func Write(w io.Writer, g prometheus.Gatherer) error {
	families, err := g.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := expfmt.NewEncoder(bw, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// WriteReports writes the metrics of the reports alone (no process
// metrics): the textfile of "daneprobe check --prometheus".
func WriteReports(w io.Writer, reports []delivery.DomainReport) error {
	doms := make([]Domain, len(reports))
	for i := range reports {
		doms[i] = Domain{Report: &reports[i]}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewReports(func() []Domain { return doms }))
	return Write(w, reg)
}

package monitor

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/metrics"
	"github.com/daneprobe/daneprobe/names"
)

// probe serves /probe?target=DOMAIN in blackbox_exporter's convention: a
// fresh check of the target, answered with a registry of its own holding
// the target's metrics, probe_success and probe_duration_seconds.
func (s *server) probe(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("target")
	if raw == "" {
		http.Error(w, "target parameter is missing", http.StatusBadRequest)
		return
	}
	target, err := names.ParseDomain(raw)
	if err != nil {
		http.Error(w, fmt.Sprintf("target: %v", err), http.StatusBadRequest)
		return
	}
	if !s.cfg.AllowAnyTarget && !s.m.Listed(target) {
		http.Error(w, fmt.Sprintf("target %s is not in the domain list (the service runs without --allow-any-target)", target), http.StatusForbidden)
		return
	}
	timeout, err := s.probeTimeout(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	start := time.Now()
	var rep *delivery.DomainReport
	select {
	case s.probeSlots <- struct{}{}:
		svc := s.m.Metrics()
		svc.InFlight.Inc()
		rep = s.m.cfg.NewRound()(ctx, target)
		svc.InFlight.Dec()
		<-s.probeSlots
		svc.Checks.WithLabelValues(metrics.TriggerProbe).Inc()
		if rep.Status == delivery.StatusUnknown {
			svc.Errors.WithLabelValues(metrics.TriggerProbe).Inc()
		}
	case <-ctx.Done():
		// Every slot stayed busy for the whole timeout: the probe fails
		// (probe_success 0) without a check.
		s.m.Metrics().Errors.WithLabelValues(metrics.TriggerProbe).Inc()
	}
	took := time.Since(start)
	s.cfg.Log.Debug("probe", "target", target, "took", took.Round(time.Millisecond).String(), "timeout", timeout.String())
	reg := metrics.NewProbeRegistry(metrics.Domain{Report: rep}, took)
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// probeTimeout is the deadline of one probe: the timeout parameter (a Go
// duration such as "8s" or a number of seconds), else Prometheus's
// X-Prometheus-Scrape-Timeout-Seconds header, less the offset; at most
// MaxProbeTimeout, which is also the timeout when neither is given.
func (s *server) probeTimeout(r *http.Request) (time.Duration, error) {
	var t time.Duration
	if v := r.URL.Query().Get("timeout"); v != "" {
		d, err := parseSeconds(v)
		if err != nil {
			return 0, fmt.Errorf("timeout parameter %q: want a duration such as 8s or a number of seconds", v)
		}
		t = d
	} else if v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		d, err := parseSeconds(v)
		if err != nil {
			return 0, fmt.Errorf("X-Prometheus-Scrape-Timeout-Seconds %q: want a number of seconds", v)
		}
		// Answer before Prometheus gives up on the scrape.
		t = d - s.cfg.TimeoutOffset
		if t <= 0 {
			t = d
		}
	}
	if t <= 0 || t > s.cfg.MaxProbeTimeout {
		t = s.cfg.MaxProbeTimeout
	}
	return t, nil
}

// parseSeconds reads "8s", "1m30s" or "8.5" (seconds).
func parseSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 86400 {
			return 0, fmt.Errorf("out of range")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a duration")
	}
	return d, nil
}

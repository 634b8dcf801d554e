package monitor

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/daneprobe/daneprobe/metrics"
)

// HTTPConfig configures the service's HTTP handler.
type HTTPConfig struct {
	// AllowAnyTarget lets /probe check any domain, not only the listed
	// ones.
	AllowAnyTarget bool
	// MaxProbeTimeout bounds a /probe check, and is its timeout when the
	// request gives none (DefaultMaxProbeTimeout).
	MaxProbeTimeout time.Duration
	// TimeoutOffset is taken off the scrape timeout Prometheus sends, so
	// that the answer arrives before Prometheus gives up
	// (DefaultTimeoutOffset, blackbox_exporter's default).
	TimeoutOffset time.Duration
	// ProbeConcurrency bounds the /probe checks running at once; others
	// wait for a slot within their timeout (DefaultProbeConcurrency).
	ProbeConcurrency int
	// Log receives request errors and panics; nil discards them.
	Log *slog.Logger
}

// Defaults of HTTPConfig.
const (
	DefaultMaxProbeTimeout  = 60 * time.Second
	DefaultTimeoutOffset    = 500 * time.Millisecond
	DefaultProbeConcurrency = 50
)

// Handler returns the service's HTTP handler: /probe, /metrics, /healthz,
// the dashboard and the JSON API, GET and HEAD only, with every panic
// turned into a 500 answer and a log line.
func (m *Monitor) Handler(cfg HTTPConfig) http.Handler {
	if cfg.MaxProbeTimeout <= 0 {
		cfg.MaxProbeTimeout = DefaultMaxProbeTimeout
	}
	if cfg.TimeoutOffset < 0 {
		cfg.TimeoutOffset = 0
	} else if cfg.TimeoutOffset == 0 {
		cfg.TimeoutOffset = DefaultTimeoutOffset
	}
	if cfg.ProbeConcurrency <= 0 {
		cfg.ProbeConcurrency = DefaultProbeConcurrency
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &server{m: m, cfg: cfg, probeSlots: make(chan struct{}, cfg.ProbeConcurrency)}
	reg := metrics.NewServiceRegistry(metrics.NewReports(m.MetricsSource), m.Metrics())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{cfg.Log}}))
	mux.HandleFunc("GET /probe", s.probe)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /domain/{domain}", s.domainPage)
	mux.HandleFunc("GET /api/v1/domains", s.apiDomains)
	mux.HandleFunc("GET /api/v1/domains/{domain}", s.apiDomain)
	mux.HandleFunc("GET /api/v1/domains/{domain}/history", s.apiHistory)
	return s.guard(mux)
}

// server is the state of the handler.
type server struct {
	m          *Monitor
	cfg        HTTPConfig
	probeSlots chan struct{}
}

// guard serves GET and HEAD only (the service is read-only) and keeps
// panics from reaching the client.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the service is read-only", http.StatusMethodNotAllowed)
			return
		}
		rw := &recordingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.cfg.Log.Error("panic serving a request", "path", r.URL.Path, "panic", fmt.Sprint(v))
			if !rw.wrote {
				http.Error(rw, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// recordingWriter notes whether the header has been written.
type recordingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *recordingWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// slogPrinter adapts a slog.Logger to promhttp's error log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error("metrics: " + fmt.Sprint(v...)) }

// NewServer returns an http.Server for h on addr with timeouts that keep
// slow or idle clients from holding connections: the header within 5s,
// the request within 10s, the answer within the longest probe plus 10s.
func NewServer(addr string, h http.Handler, maxProbe time.Duration, log *slog.Logger) *http.Server {
	if maxProbe <= 0 {
		maxProbe = DefaultMaxProbeTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      maxProbe + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

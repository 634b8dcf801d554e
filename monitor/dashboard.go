package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/names"
	"github.com/daneprobe/daneprobe/report"
)

// HistoryWindow is how far back a domain page and the history API look
// by default.
const HistoryWindow = 30 * 24 * time.Hour

// maxHistoryRuns bounds the runs one history answer holds (the newest).
const maxHistoryRuns = 1000

// sortKeys are the columns the dashboard sorts by.
var sortKeys = map[string]func(a, b DomainState) int{
	"domain": func(a, b DomainState) int { return strings.Compare(a.Domain, b.Domain) },
	"status": func(a, b DomainState) int { return statusRank(b) - statusRank(a) },
	"dane": func(a, b DomainState) int {
		return strings.Compare(field(a, func(r *delivery.DomainReport) string { return string(r.DANE) }),
			field(b, func(r *delivery.DomainReport) string { return string(r.DANE) }))
	},
	"mta-sts": func(a, b DomainState) int {
		f := func(r *delivery.DomainReport) string { return r.MTASTS.Mode + "/" + string(r.MTASTS.Result) }
		return strings.Compare(field(a, f), field(b, f))
	},
	"sender": func(a, b DomainState) int {
		f := func(r *delivery.DomainReport) string { return string(r.Outcome.Both.Action) }
		return strings.Compare(field(a, f), field(b, f))
	},
	"change": func(a, b DomainState) int { return b.LastChange.Compare(a.LastChange) },
	"next":   func(a, b DomainState) int { return a.NextCheck.Compare(b.NextCheck) },
}

// statusRank orders the worst first: CRITICAL, UNKNOWN, WARNING, OK, not
// yet checked.
func statusRank(d DomainState) int {
	if d.Latest == nil {
		return 0
	}
	switch d.Latest.Status {
	case delivery.StatusCritical:
		return 4
	case delivery.StatusWarning:
		return 2
	case delivery.StatusOK:
		return 1
	}
	return 3
}

func field(d DomainState, f func(*delivery.DomainReport) string) string {
	if d.Latest == nil {
		return "\xff" // not checked yet: last
	}
	return f(d.Latest)
}

// index serves the dashboard table, sorted by ?sort=COLUMN[&order=desc].
func (s *server) index(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("sort")
	cmp, ok := sortKeys[key]
	if !ok {
		key, cmp = "status", sortKeys["status"]
	}
	desc := r.URL.Query().Get("order") == "desc"
	doms := s.m.Domains()
	sort.SliceStable(doms, func(i, j int) bool {
		c := cmp(doms[i], doms[j])
		if c == 0 {
			return doms[i].Domain < doms[j].Domain
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	idx := report.HTMLIndex{Sort: key, Desc: desc, Interval: s.m.Interval(), Now: s.m.cfg.Clock.Now()}
	for _, d := range doms {
		idx.Rows = append(idx.Rows, report.HTMLIndexRow{Domain: d.Domain, Report: d.Latest, LastChange: d.LastChange, NextCheck: d.NextCheck})
	}
	var buf bytes.Buffer
	if err := report.WriteHTMLIndex(&buf, idx); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, "text/html; charset=utf-8", buf.Bytes())
}

// listedDomain reads the {domain} of the path: a listed domain, or an
// answer of 400 or 404 already written.
func (s *server) listedDomain(w http.ResponseWriter, r *http.Request) (DomainState, bool) {
	name, err := names.ParseDomain(r.PathValue("domain"))
	if err != nil {
		http.Error(w, fmt.Sprintf("domain: %v", err), http.StatusBadRequest)
		return DomainState{}, false
	}
	d, ok := s.m.Domain(name)
	if !ok {
		http.Error(w, fmt.Sprintf("%s is not a monitored domain", name), http.StatusNotFound)
		return DomainState{}, false
	}
	return d, true
}

// domainPage serves /domain/DOMAIN.
func (s *server) domainPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.listedDomain(w, r)
	if !ok {
		return
	}
	if d.Latest == nil {
		writeBody(w, "text/html; charset=utf-8", []byte(fmt.Sprintf("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>daneprobe: %s</title></head><body><p><a href=\"/\">← all domains</a></p><h1>%s</h1><p>Not checked yet; next check %s.</p></body></html>\n",
			d.Domain, d.Domain, d.NextCheck.UTC().Format(time.RFC3339))))
		return
	}
	runs, err := s.timeline(r.Context(), d.Domain, s.m.cfg.Clock.Now().Add(-HistoryWindow))
	if err != nil {
		s.cfg.Log.Error("history: timeline", "domain", d.Domain, "err", err)
	}
	page := report.HTMLPage{Report: d.Latest, NextCheck: d.NextCheck, Dashboard: "/"}
	for _, run := range runs {
		page.Timeline = append(page.Timeline, report.HTMLRun{At: run.At, Status: run.Status})
	}
	for i := len(runs) - 1; i >= 0; i-- {
		for _, c := range runs[i].Changes {
			page.Changes = append(page.Changes, report.HTMLChange{At: runs[i].At, Level: string(c.Level), Code: c.Code, Detail: c.Detail, Old: c.Old, New: c.New})
		}
	}
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, []report.HTMLPage{page}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, "text/html; charset=utf-8", buf.Bytes())
}

// timeline returns the domain's runs since since, at most maxHistoryRuns
// (the newest).
func (s *server) timeline(ctx context.Context, domain string, since time.Time) ([]Run, error) {
	runs, err := s.m.cfg.Store.Timeline(ctx, domain, since)
	if err != nil {
		return nil, err
	}
	if len(runs) > maxHistoryRuns {
		runs = runs[len(runs)-maxHistoryRuns:]
	}
	return runs, nil
}

// apiDomains serves the latest report of every checked domain as a JSON
// array.
func (s *server) apiDomains(w http.ResponseWriter, r *http.Request) {
	var reps []*delivery.DomainReport
	for _, d := range s.m.Domains() {
		if d.Latest != nil {
			reps = append(reps, d.Latest)
		}
	}
	var buf bytes.Buffer
	if err := report.WriteJSONArray(&buf, reps); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, "application/json", buf.Bytes())
}

// apiDomain serves one domain's latest report.
func (s *server) apiDomain(w http.ResponseWriter, r *http.Request) {
	d, ok := s.listedDomain(w, r)
	if !ok {
		return
	}
	if d.Latest == nil {
		http.Error(w, d.Domain+" has not been checked yet", http.StatusNotFound)
		return
	}
	var buf bytes.Buffer
	if err := report.JSONObject(&buf, d.Latest); err != nil {
		s.fail(w, r, err)
		return
	}
	buf.WriteByte('\n')
	writeBody(w, "application/json", buf.Bytes())
}

// historyRun is one run in the history API.
type historyRun struct {
	ID      int64             `json:"id"`
	At      time.Time         `json:"checked_at"`
	Status  delivery.Status   `json:"status"`
	Changes []delivery.Change `json:"changes"`
	Report  json.RawMessage   `json:"report"`
}

// apiHistory serves the domain's runs since ?since=RFC3339 (default 30
// days back), oldest first.
func (s *server) apiHistory(w http.ResponseWriter, r *http.Request) {
	d, ok := s.listedDomain(w, r)
	if !ok {
		return
	}
	since := s.m.cfg.Clock.Now().Add(-HistoryWindow)
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, fmt.Sprintf("since %q: want an RFC 3339 time such as 2026-12-01T00:00:00Z", v), http.StatusBadRequest)
			return
		}
		since = t
	}
	runs, err := s.timeline(r.Context(), d.Domain, since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]historyRun, 0, len(runs))
	for _, run := range runs {
		h := historyRun{ID: run.ID, At: run.At.UTC(), Status: run.Status, Changes: run.Changes, Report: run.Report}
		if h.Changes == nil {
			h.Changes = []delivery.Change{}
		}
		if !json.Valid(h.Report) {
			h.Report = json.RawMessage("null")
		}
		out = append(out, h)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, "application/json", buf.Bytes())
}

// fail answers 500 and logs why.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.cfg.Log.Error("serving a request", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func writeBody(w http.ResponseWriter, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	w.Write(body)
}

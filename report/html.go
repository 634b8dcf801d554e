package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
)

// HTMLPage is one domain's page: the report of "check --html" and of the
// service's /domain/DOMAIN.
type HTMLPage struct {
	// Report is the domain's latest report; required.
	Report *delivery.DomainReport
	// Timeline is the status of each earlier run, oldest first; empty
	// without history.
	Timeline []HTMLRun
	// Changes are the changes recorded between runs, newest first.
	Changes []HTMLChange
	// NextCheck is when the service checks the domain next; zero for
	// none.
	NextCheck time.Time
	// Dashboard is the link back to the table of all domains; empty for
	// a stand-alone page.
	Dashboard string
}

// HTMLRun is one run in a domain's status timeline.
type HTMLRun struct {
	At     time.Time
	Status delivery.Status
}

// HTMLChange is one recorded change of a domain.
type HTMLChange struct {
	At                  time.Time
	Level, Code, Detail string
	Old, New            string
}

// HTMLIndex is the service's table of every monitored domain.
type HTMLIndex struct {
	Rows []HTMLIndexRow
	// Sort is the column the rows are sorted by and Desc its order; the
	// header links sort by each column (the page needs no JavaScript).
	Sort string
	Desc bool
	// Interval is the time between two checks of a domain.
	Interval time.Duration
	Now      time.Time
}

// HTMLIndexRow is one domain of the table.
type HTMLIndexRow struct {
	Domain string
	// Report is the latest report; nil before the first check.
	Report     *delivery.DomainReport
	LastChange time.Time
	NextCheck  time.Time
}

// WriteHTML writes a stand-alone HTML document (no scripts, no external
// resources) holding one page per report: its verdict, the facts grouped
// per MX host and address with failures and warnings first, the picture of
// its chain, and its history when there is one.
func WriteHTML(w io.Writer, pages []HTMLPage) error {
	title := "daneprobe report"
	if len(pages) == 1 && pages[0].Report != nil {
		title = "daneprobe: " + pages[0].Report.Domain
	}
	views := make([]pageView, 0, len(pages))
	for _, p := range pages {
		if p.Report != nil {
			views = append(views, newPageView(p))
		}
	}
	if err := htmlTemplates().ExecuteTemplate(w, "domain-doc", map[string]any{"Title": title, "Pages": views}); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

// WriteHTMLIndex writes the service's dashboard table.
func WriteHTMLIndex(w io.Writer, idx HTMLIndex) error {
	if err := htmlTemplates().ExecuteTemplate(w, "index-doc", idx); err != nil {
		return fmt.Errorf("write HTML dashboard: %w", err)
	}
	return nil
}

// pageView is what the domain template reads.
type pageView struct {
	HTMLPage
	R     *delivery.DomainReport
	MX    []mxView
	Chain template.HTML
}

type mxView struct {
	M         *delivery.MXReport
	Addresses []*delivery.AddressReport
	Bad       bool
}

func newPageView(p HTMLPage) pageView {
	r := p.Report
	v := pageView{HTMLPage: p, R: r, Chain: template.HTML(chainSVG(r))} // chainSVG escapes every text
	for i := range r.MX {
		m := &r.MX[i]
		mv := mxView{M: m}
		for j := range m.Addresses {
			a := &m.Addresses[j]
			mv.Addresses = append(mv.Addresses, a)
			if addressBad(a) {
				mv.Bad = true
			}
		}
		// Failures first within the host, then the listed order.
		sort.SliceStable(mv.Addresses, func(i, j int) bool {
			return addressBad(mv.Addresses[i]) && !addressBad(mv.Addresses[j])
		})
		if m.DANE == delivery.DANEFailed || m.MTASTS == delivery.MTASTSFail {
			mv.Bad = true
		}
		v.MX = append(v.MX, mv)
	}
	sort.SliceStable(v.MX, func(i, j int) bool { return v.MX[i].Bad && !v.MX[j].Bad })
	return v
}

func addressBad(a *delivery.AddressReport) bool {
	return a.DANE == delivery.AddressFailed || a.MTASTS == delivery.MTASTSFail || a.Error != ""
}

// statusClass is the CSS class of a status; the word is always printed
// next to the colour, so the page reads without colour.
func statusClass(s delivery.Status) string {
	switch s {
	case delivery.StatusOK, delivery.StatusWarning, delivery.StatusCritical:
		return "st-" + string(s)
	}
	return "st-unknown"
}

func statusWord(s delivery.Status) string {
	if s == "" {
		return "NOT CHECKED"
	}
	return s.Label()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// htmlTemplates parses the page templates on first use: parsing them is
// some 2,000 allocations, which every command would otherwise pay at
// start (report's package initialisation), HTML or not.
var htmlTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("html").Funcs(template.FuncMap{
		"statusClass": statusClass,
		"statusWord":  statusWord,
		"time":        fmtTime,
		"printable":   Printable,
		"join":        strings.Join,
		"duration":    func(s delivery.Seconds) string { return s.Duration().Round(time.Millisecond).String() },
		"sortLink": func(idx HTMLIndex, col string) string {
			desc := idx.Sort == col && !idx.Desc
			q := "?sort=" + col
			if desc {
				q += "&order=desc"
			}
			return q
		},
		"sortMark": func(idx HTMLIndex, col string) string {
			if idx.Sort != col {
				return ""
			}
			if idx.Desc {
				return " ▼"
			}
			return " ▲"
		},
		"pathEscape": func(s string) string { return s }, // domains are A-labels: letters, digits, '-', '.'
	}).Parse(htmlSource))
})

package tlsrpt

import (
	"crypto/sha256"
	"math"
	"sort"
	"strconv"
	"time"
)

// Bounds of a Summarizer, so that hostile reports cannot grow it without
// end: what exceeds them is counted, not kept.
const (
	// maxGroups bounds the (policy domain, policy type) pairs.
	maxGroups = 10_000
	// maxFailureGroups bounds the failure groups of one pair.
	maxFailureGroups = 1_000
	// maxSenders bounds the sending MTA addresses kept per failure group.
	maxSenders = 1_000
	// maxKept bounds the names kept in small lists (organisations,
	// receiving addresses, reason codes).
	maxKept = 100
	// maxProblems bounds the problems and unusual reports listed.
	maxProblems = 10_000
)

// Summary is what a set of reports says, per policy domain and policy
// type. Its JSON encoding is documented in report/SCHEMA.md
// ("daneprobe tlsrpt --json"); field names do not change.
type Summary struct {
	// Reports counts the distinct reports summarised; Duplicates those
	// skipped because their report-id was seen before; Skipped the
	// inputs that yielded no report (listed in Problems).
	Reports    int `json:"reports"`
	Duplicates int `json:"duplicates"`
	Skipped    int `json:"skipped"`
	// Domains are the policy domains with their policy types, the ones
	// with the most failed sessions first.
	Domains []DomainSummary `json:"domains"`
	// Problems lists the inputs that yielded no report, and why.
	Problems []Problem `json:"problems"`
	// Unusual lists the reports that departed from RFC 8460 and what
	// was accepted anyway.
	Unusual []UnusualReport `json:"unusual"`
	// Truncated is set when a bound of the summary was reached: some
	// domains, failure groups, senders or problems are counted but not
	// listed.
	Truncated bool `json:"truncated,omitempty"`
	// Status is the monitoring status of the summary (see Status).
	Status Status `json:"status"`
	// Rechecked is set when the failures were checked again
	// (ApplyRecheck).
	Rechecked bool `json:"rechecked"`
}

// Status is the monitoring status of a summary, with the meaning of
// daneprobe check's exit statuses.
type Status string

// Statuses of a Summary.
const (
	// StatusOK: reports were read and no sender reported a failure.
	StatusOK Status = "ok"
	// StatusWarning: senders reported failures that were not checked
	// again, or that no longer reproduce (fixed since, or seen only by
	// some senders).
	StatusWarning Status = "warning"
	// StatusCritical: a fresh check reproduces a reported failure.
	StatusCritical Status = "critical"
	// StatusUnknown: no report could be read, or a fresh check could not
	// finish for a reason on the checking side, and nothing reproduced.
	StatusUnknown Status = "unknown"
)

// status computes the Status of s from its domains and rechecks.
func (s *Summary) status() Status {
	if s.Reports == 0 {
		return StatusUnknown
	}
	failed, reproduces, undetermined := false, false, false
	for _, d := range s.Domains {
		if d.Failed > 0 {
			failed = true
		}
		for _, f := range d.Failures {
			if f.Recheck == nil {
				continue
			}
			switch f.Recheck.Verdict {
			case Reproduces:
				reproduces = true
			case Undetermined:
				if f.Recheck.Incomplete {
					undetermined = true
				}
			}
		}
	}
	switch {
	case reproduces:
		return StatusCritical
	case undetermined:
		return StatusUnknown
	case failed:
		return StatusWarning
	}
	return StatusOK
}

// Problem is one input that yielded no report.
type Problem struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// UnusualReport is one report that departed from RFC 8460 §4.
type UnusualReport struct {
	Source       string   `json:"source"`
	ReportID     string   `json:"report_id"`
	Organization string   `json:"organization"`
	Notes        []string `json:"notes"`
}

// DomainSummary sums the sessions that reports counted for one policy
// domain under one policy type.
type DomainSummary struct {
	Domain     string     `json:"policy_domain"`
	PolicyType PolicyType `json:"policy_type"`
	// Successful and Failed are the sessions, summed over the reports;
	// SuccessRate is Successful over their sum, from 0 to 1 (1 when no
	// session was counted).
	Successful  int64   `json:"successful_sessions"`
	Failed      int64   `json:"failed_sessions"`
	SuccessRate float64 `json:"success_rate"`
	// Start and End span the reports' date ranges; zero when no report
	// gave one.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Reports counts the reports that covered this domain and type;
	// Organizations are their senders, in name order.
	Reports       int      `json:"reports"`
	Organizations []string `json:"organizations"`
	// MX are the receiving MX hosts and addresses named in failure
	// details, the most failed sessions first.
	MX []MXSummary `json:"mx"`
	// Failures are the failures grouped by result type and receiving MX
	// host, the most sessions first.
	Failures []FailureGroup `json:"failures"`
}

// MXSummary counts the failed sessions of one receiving MX host and
// address as failure details named them.
type MXSummary struct {
	Host   string `json:"host"`
	IP     string `json:"ip,omitempty"`
	Failed int64  `json:"failed_sessions"`
}

// FailureGroup is the failed sessions of one result type at one
// receiving MX host (empty when the reports did not name it).
type FailureGroup struct {
	Result ResultType `json:"result_type"`
	// Known is false for a result type outside RFC 8460 §4.3.
	Known bool   `json:"known"`
	MX    string `json:"receiving_mx,omitempty"`
	// ReceivingIPs are the addresses of MX the reports named.
	ReceivingIPs []string `json:"receiving_ips,omitempty"`
	Sessions     int64    `json:"sessions"`
	// Organizations are the senders that reported this failure, in
	// name order.
	Organizations []string `json:"organizations"`
	// Senders are the sending MTA addresses with their failed sessions,
	// the most first; OtherSenders counts the sessions of addresses past
	// the bound of the list.
	Senders      []SenderCount `json:"sending_mtas"`
	OtherSenders int64         `json:"other_sending_mta_sessions,omitempty"`
	// ReasonCodes are the "failure-reason-code" texts seen.
	ReasonCodes []string `json:"failure_reason_codes,omitempty"`
	// Recheck is what a fresh check found; nil unless one was made.
	Recheck *Recheck `json:"recheck,omitempty"`
}

// SenderCount is one sending MTA address and its failed sessions.
type SenderCount struct {
	IP       string `json:"ip"`
	Sessions int64  `json:"sessions"`
}

// Summarizer adds reports one at a time into a Summary, holding only the
// sums: it never keeps a report. It de-duplicates reports by report-id
// (RFC 8460 §4.4: the id is unique to a report, so one mailed twice
// counts once; the key is the organisation with the id). Use one Summarizer from one goroutine.
type Summarizer struct {
	seen      map[[16]byte]bool
	groups    map[groupKey]*group
	order     []*group
	sum       Summary
	truncated bool
}

type groupKey struct {
	domain string
	typ    PolicyType
}

type failKey struct {
	result ResultType
	mx     string
}

type mxKey struct{ host, ip string }

// group is the running sums of one DomainSummary.
type group struct {
	d        DomainSummary
	orgs     map[string]bool
	mx       map[mxKey]int64
	failures map[failKey]*failure
}

type failure struct {
	g       FailureGroup
	orgs    map[string]bool
	ips     map[string]bool
	senders map[string]int64
	codes   map[string]bool
}

// NewSummarizer returns an empty Summarizer.
func NewSummarizer() *Summarizer {
	return &Summarizer{seen: map[[16]byte]bool{}, groups: map[groupKey]*group{}}
}

// Add adds one input: a report, or a problem when in.Err is set.
func (s *Summarizer) Add(in Input) {
	if in.Err != nil {
		s.sum.Skipped++
		if len(s.sum.Problems) < maxProblems {
			s.sum.Problems = append(s.sum.Problems, Problem{Source: in.Source, Error: in.Err.Error()})
		} else {
			s.truncated = true
		}
		return
	}
	r := in.Report
	if r.ID != "" {
		// The id is unique to a report (RFC 8460 §4.4), but senders build
		// it from the date and the policy domain, so two senders' ids may
		// collide: the key is the organisation and the id. A digest keeps
		// the memory per report fixed, whatever ids senders use.
		h := sha256.Sum256([]byte(r.Organization + "\x00" + r.ID))
		var k [16]byte
		copy(k[:], h[:])
		if s.seen[k] {
			s.sum.Duplicates++
			return
		}
		s.seen[k] = true
	}
	s.sum.Reports++
	if len(r.Unusual) > 0 {
		if len(s.sum.Unusual) < maxProblems {
			s.sum.Unusual = append(s.sum.Unusual, UnusualReport{Source: in.Source, ReportID: r.ID, Organization: r.Organization, Notes: r.Unusual})
		} else {
			s.truncated = true
		}
	}
	org := r.Organization
	if org == "" {
		org = "(unnamed)"
	}
	for _, p := range r.Policies {
		g := s.group(p.Domain, p.Type)
		if g == nil {
			continue
		}
		g.d.Reports++
		g.d.Successful += p.Successful
		g.d.Failed += p.Failed
		addName(g.orgs, org, &s.truncated)
		if !r.Start.IsZero() && (g.d.Start.IsZero() || r.Start.Before(g.d.Start)) {
			g.d.Start = r.Start
		}
		if !r.End.IsZero() && r.End.After(g.d.End) {
			g.d.End = r.End
		}
		for _, d := range p.Details {
			s.detail(g, org, d)
		}
	}
}

// group returns the running sums of a domain and type, nil past the bound.
func (s *Summarizer) group(domain string, typ PolicyType) *group {
	k := groupKey{domain, typ}
	if g, ok := s.groups[k]; ok {
		return g
	}
	if len(s.groups) >= maxGroups {
		s.truncated = true
		return nil
	}
	g := &group{
		d:        DomainSummary{Domain: domain, PolicyType: typ},
		orgs:     map[string]bool{},
		mx:       map[mxKey]int64{},
		failures: map[failKey]*failure{},
	}
	s.groups[k] = g
	s.order = append(s.order, g)
	return g
}

func (s *Summarizer) detail(g *group, org string, d FailureDetail) {
	if d.ReceivingMX != "" || d.ReceivingIP != "" {
		k := mxKey{d.ReceivingMX, d.ReceivingIP}
		if _, ok := g.mx[k]; ok || len(g.mx) < maxFailureGroups {
			g.mx[k] += d.Sessions
		} else {
			s.truncated = true
		}
	}
	fk := failKey{d.Result, d.ReceivingMX}
	f, ok := g.failures[fk]
	if !ok {
		if len(g.failures) >= maxFailureGroups {
			s.truncated = true
			return
		}
		f = &failure{
			g:       FailureGroup{Result: d.Result, Known: d.Result.Known(), MX: d.ReceivingMX},
			orgs:    map[string]bool{},
			ips:     map[string]bool{},
			senders: map[string]int64{},
			codes:   map[string]bool{},
		}
		g.failures[fk] = f
	}
	f.g.Sessions += d.Sessions
	addName(f.orgs, org, &s.truncated)
	if d.ReceivingIP != "" {
		addName(f.ips, d.ReceivingIP, &s.truncated)
	}
	if d.ReasonCode != "" {
		addName(f.codes, d.ReasonCode, &s.truncated)
	}
	ip := d.SendingIP
	if ip == "" {
		ip = "(not given)"
	}
	if _, ok := f.senders[ip]; ok || len(f.senders) < maxSenders {
		f.senders[ip] += d.Sessions
	} else {
		f.g.OtherSenders += d.Sessions
		s.truncated = true
	}
}

func addName(m map[string]bool, name string, truncated *bool) {
	if m[name] {
		return
	}
	if len(m) >= maxKept {
		*truncated = true
		return
	}
	m[name] = true
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Summary returns the summary of the inputs added so far, in a stable
// order: domains with the most failed sessions first, then by name.
func (s *Summarizer) Summary() Summary {
	out := s.sum
	out.Truncated = s.truncated
	out.Domains = []DomainSummary{}
	for _, g := range s.order {
		d := g.d
		d.SuccessRate = successRate(d.Successful, d.Failed)
		d.Organizations = sortedNames(g.orgs)
		d.MX = []MXSummary{}
		for k, n := range g.mx {
			d.MX = append(d.MX, MXSummary{Host: k.host, IP: k.ip, Failed: n})
		}
		sort.Slice(d.MX, func(i, j int) bool {
			a, b := d.MX[i], d.MX[j]
			if a.Failed != b.Failed {
				return a.Failed > b.Failed
			}
			if a.Host != b.Host {
				return a.Host < b.Host
			}
			return a.IP < b.IP
		})
		d.Failures = []FailureGroup{}
		for _, f := range g.failures {
			fg := f.g
			fg.Organizations = sortedNames(f.orgs)
			fg.ReceivingIPs = sortedNames(f.ips)
			fg.ReasonCodes = sortedNames(f.codes)
			fg.Senders = make([]SenderCount, 0, len(f.senders))
			for ip, n := range f.senders {
				fg.Senders = append(fg.Senders, SenderCount{IP: ip, Sessions: n})
			}
			sort.Slice(fg.Senders, func(i, j int) bool {
				a, b := fg.Senders[i], fg.Senders[j]
				if a.Sessions != b.Sessions {
					return a.Sessions > b.Sessions
				}
				return a.IP < b.IP
			})
			d.Failures = append(d.Failures, fg)
		}
		sort.Slice(d.Failures, func(i, j int) bool {
			a, b := d.Failures[i], d.Failures[j]
			if a.Sessions != b.Sessions {
				return a.Sessions > b.Sessions
			}
			if a.Result != b.Result {
				return a.Result < b.Result
			}
			return a.MX < b.MX
		})
		out.Domains = append(out.Domains, d)
	}
	sort.SliceStable(out.Domains, func(i, j int) bool {
		a, b := out.Domains[i], out.Domains[j]
		if a.Failed != b.Failed {
			return a.Failed > b.Failed
		}
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.PolicyType < b.PolicyType
	})
	if out.Problems == nil {
		out.Problems = []Problem{}
	}
	if out.Unusual == nil {
		out.Unusual = []UnusualReport{}
	}
	out.Status = out.status()
	return out
}

// successRate is successful over all sessions, 1 when there were none.
func successRate(ok, failed int64) float64 {
	total := ok + failed
	if total <= 0 {
		return 1
	}
	return float64(ok) / float64(total)
}

// Percent formats a success rate for people with one decimal, rounded
// down so that a domain with any failure never shows "100.0".
func Percent(rate float64) string {
	return strconv.FormatFloat(math.Floor(rate*1000+1e-9)/10, 'f', 1, 64)
}

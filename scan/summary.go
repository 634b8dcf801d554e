package scan

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
)

// DefaultMaxListed bounds each list of a Summary.
const DefaultMaxListed = 10000

// Entry is one domain in a Summary list, with the reason it is there.
type Entry struct {
	Domain string `json:"domain"`
	Reason string `json:"reason,omitempty"`
}

// List is a bounded list of domains: the first MaxListed entries are kept,
// the rest only counted.
type List struct {
	Entries []Entry `json:"entries"`
	// Total counts every domain that belongs on the list, kept or not.
	Total int `json:"total"`
}

func (l *List) add(max int, e Entry) {
	l.Total++
	if len(l.Entries) < max {
		l.Entries = append(l.Entries, e)
	}
}

// Summary sums up the reports of a scan: counts per verdict, and the lists
// an administrator acts on before enforcing DANE or MTA-STS. Its memory is
// bounded: counts, plus at most MaxListed entries per list. The zero value
// is ready to use; it is not safe for concurrent use.
type Summary struct {
	// MaxListed bounds each list (DefaultMaxListed when zero).
	MaxListed int `json:"-"`

	// Domains is the number of reports added.
	Domains int `json:"domains"`
	// Status counts the monitoring statuses (ok, warning, ...).
	Status map[delivery.Status]int `json:"status"`
	// DANE counts the domain-level DANE verdicts (verified, partial, ...).
	DANE map[delivery.DANEResult]int `json:"dane"`
	// DANESender and MTASTSSender count what a sender enforcing DANE, or
	// MTA-STS, would do (deliver-authenticated, defer, ...).
	DANESender   map[delivery.Action]int `json:"dane_sender"`
	MTASTSSender map[delivery.Action]int `json:"mta_sts_sender"`

	// DANEDefer lists the domains a DANE-enforcing sender would defer,
	// with the reason: the list to clear before enabling DANE.
	DANEDefer List `json:"dane_defer"`
	// DANEVerified lists the domains where DANE verifies on every MX.
	DANEVerified List `json:"dane_verified"`
	// MTASTSEnforceFail lists the domains whose MTA-STS policy is in
	// enforce mode and fails: an MTA-STS sender defers or skips MX hosts.
	MTASTSEnforceFail List `json:"mta_sts_enforce_fail"`
	// LookupErrors lists the domains whose check could not be completed
	// or whose MX lookup failed (timeouts, SERVFAIL).
	LookupErrors List `json:"lookup_errors"`
}

// Add counts one report.
func (s *Summary) Add(r *delivery.DomainReport) {
	if s.Status == nil {
		s.Status = make(map[delivery.Status]int)
		s.DANE = make(map[delivery.DANEResult]int)
		s.DANESender = make(map[delivery.Action]int)
		s.MTASTSSender = make(map[delivery.Action]int)
	}
	max := s.MaxListed
	if max <= 0 {
		max = DefaultMaxListed
	}
	s.Domains++
	s.Status[r.Status]++
	s.DANE[r.DANE]++
	s.DANESender[r.Outcome.DANE.Action]++
	s.MTASTSSender[r.Outcome.MTASTS.Action]++
	if r.Outcome.DANE.Action == delivery.Defer {
		s.DANEDefer.add(max, Entry{Domain: r.Domain, Reason: deferReason(r)})
	}
	if r.DANE == delivery.DANEVerified {
		s.DANEVerified.add(max, Entry{Domain: r.Domain})
	}
	if r.MTASTS.Mode == "enforce" && (r.MTASTS.Result == delivery.MTASTSFail || r.Outcome.MTASTS.Action == delivery.Defer) {
		s.MTASTSEnforceFail.add(max, Entry{Domain: r.Domain, Reason: policyReason(r, delivery.PolicyMTASTS, r.Outcome.MTASTS.Reason)})
	}
	if r.Error != "" || r.MXLookup.Error != "" {
		why := r.Error
		if why == "" {
			why = "MX lookup: " + r.MXLookup.Error
		}
		s.LookupErrors.add(max, Entry{Domain: r.Domain, Reason: oneLine(why)})
	}
}

// deferReason explains a DANE defer: the sender outcome's sentence, with the
// first DANE or DNSSEC failure's code in front.
func deferReason(r *delivery.DomainReport) string {
	why := r.Outcome.DANE.Reason
	for _, f := range r.Failures {
		if f.Policy == delivery.PolicyDANE || f.Policy == delivery.PolicyDNSSEC {
			if why == "" {
				why = f.Detail
			}
			return oneLine(string(f.Reason) + ": " + why)
		}
	}
	if why == "" {
		why = r.Summary
	}
	return oneLine(why)
}

// policyReason is the first failure of policy, else fallback.
func policyReason(r *delivery.DomainReport, policy, fallback string) string {
	for _, f := range r.Failures {
		if f.Policy == policy {
			return oneLine(string(f.Reason) + ": " + f.Detail)
		}
	}
	if fallback == "" {
		fallback = r.Summary
	}
	return oneLine(fallback)
}

// oneLine keeps a reason on one line and free of control characters, since
// it comes from the network.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// ScanInfo is what the command knows about the run, printed at the top of
// the summary.
type ScanInfo struct {
	// Read, Bad, Duplicates, OtherShard and Resumed count the input
	// (Resumed: domains already in the output file).
	Read, Bad, Duplicates, OtherShard, Resumed int
	// Shard is the shard scanned.
	Shard Shard
	// Run is the Engine's result.
	Run RunStats
	// Connections is the number of connections opened (SMTP and HTTPS,
	// from IPLimiter.Connections); Probes the shared prober's counters
	// when one is used; DNSQueries the upstream DNS queries sent.
	Connections int64
	Probes      ProbeStats
	DNSQueries  int64
}

// WriteText writes the summary for people. Lists are sorted by domain.
func (s *Summary) WriteText(w io.Writer, info ScanInfo) error {
	var b strings.Builder
	rate := 0.0
	if sec := info.Run.Elapsed.Seconds(); sec > 0 {
		rate = float64(info.Run.Written) / sec
	}
	fmt.Fprintf(&b, "Scan summary: %d domains in this output", s.Domains)
	if info.Resumed > 0 {
		fmt.Fprintf(&b, " (%d from the earlier run, %d now)", info.Resumed, info.Run.Written)
	}
	fmt.Fprintf(&b, "; %s, %.1f domains/s\n", info.Run.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(&b, "  input: %d names, %d bad lines, %d duplicates", info.Read, info.Bad, info.Duplicates)
	if info.Shard.Count > 1 {
		fmt.Fprintf(&b, ", shard %s (%d names in other shards)", info.Shard, info.OtherShard)
	}
	b.WriteString("\n")
	if info.Run.Canceled {
		fmt.Fprintf(&b, "  INTERRUPTED: %d domains cut short were not written; run again with --resume to finish\n", info.Run.Interrupted)
	}
	if info.Connections > 0 || info.DNSQueries > 0 {
		per := 0.0
		if info.Run.Written > 0 {
			per = float64(info.DNSQueries) / float64(info.Run.Written)
		}
		fmt.Fprintf(&b, "  work: %d connections", info.Connections)
		if info.Probes.Sessions > 0 {
			fmt.Fprintf(&b, " (%d SMTP sessions, %d probe results shared)", info.Probes.Sessions, info.Probes.Shared)
		}
		fmt.Fprintf(&b, ", %d DNS queries (%.1f per domain)\n", info.DNSQueries, per)
	}
	b.WriteString("\n")
	writeCounts(&b, "Status", s.Status, []string{"ok", "warning", "critical", "unknown"})
	writeCounts(&b, "DANE", s.DANE, []string{"verified", "partial", "failed", "unusable", "none"})
	writeCounts(&b, "DANE sender", s.DANESender, []string{"deliver-authenticated", "deliver-opportunistic", "defer", "no-mail"})
	writeCounts(&b, "MTA-STS sender", s.MTASTSSender, []string{"deliver-authenticated", "deliver-opportunistic", "defer", "no-mail"})
	writeList(&b, "A DANE-enforcing sender would DEFER mail to", &s.DANEDefer, "select(.outcome.dane.action==\"defer\")")
	writeList(&b, "MTA-STS enforce mode failing", &s.MTASTSEnforceFail, "select(.mta_sts.mode==\"enforce\" and .mta_sts.result==\"fail\")")
	writeList(&b, "Lookup errors (check could not complete)", &s.LookupErrors, "select(.error or .mx_lookup.error)")
	writeList(&b, "DANE verified on every MX", &s.DANEVerified, "select(.dane==\"verified\")")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCounts[K ~string](b *strings.Builder, title string, m map[K]int, order []string) {
	fmt.Fprintf(b, "%-15s", title+":")
	seen := map[K]bool{}
	first := true
	emit := func(k K) {
		if !first {
			b.WriteString(",")
		}
		first = false
		name := string(k)
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(b, " %s %d", name, m[k])
	}
	for _, k := range order {
		if m[K(k)] > 0 {
			emit(K(k))
		}
		seen[K(k)] = true
	}
	var rest []string
	for k, n := range m {
		if !seen[k] && n > 0 {
			rest = append(rest, string(k))
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		emit(K(k))
	}
	if first {
		b.WriteString(" -")
	}
	b.WriteString("\n")
}

func writeList(b *strings.Builder, title string, l *List, jq string) {
	fmt.Fprintf(b, "\n%s: %d\n", title, l.Total)
	entries := append([]Entry(nil), l.Entries...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Domain < entries[j].Domain })
	for _, e := range entries {
		if e.Reason != "" {
			fmt.Fprintf(b, "  %s  %s\n", e.Domain, e.Reason)
		} else {
			fmt.Fprintf(b, "  %s\n", e.Domain)
		}
	}
	if more := l.Total - len(l.Entries); more > 0 {
		fmt.Fprintf(b, "  ... and %d more: jq -c '%s' on the output\n", more, jq)
	}
}

package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// DefaultMaxListed bounds each list of a Summary.
const DefaultMaxListed = 10000

// Entry is one domain in a Summary list, with the reason it is there.
type Entry struct {
	Domain string `json:"domain"`
	Reason string `json:"reason,omitempty"`
}

// List is a bounded list of domains: the MaxListed entries with the
// smallest domain names are kept, the rest only counted. Keeping the
// smallest names (rather than the first ones seen) makes the list the same
// whatever the order of the reports, so shards merged in any order give
// the summary of one unsharded scan.
type List struct {
	// Entries are the kept entries, in no particular order (Sorted and
	// the JSON encoding sort them by domain).
	Entries []Entry `json:"entries"`
	// Total counts every domain that belongs on the list, kept or not.
	Total int `json:"total"`
}

// add counts e and keeps it when it is among the max smallest names. The
// kept entries form a max-heap on Domain until Sort, so a full list costs
// O(log max) per entry.
func (l *List) add(max int, e Entry) {
	l.Total++
	if len(l.Entries) < max {
		l.Entries = append(l.Entries, e)
		entryHeap(l.Entries).up(len(l.Entries) - 1)
		return
	}
	if max == 0 || e.Domain >= l.Entries[0].Domain {
		return
	}
	l.Entries[0] = e
	entryHeap(l.Entries).down(0)
}

// Sorted returns a copy of the kept entries sorted by domain.
func (l *List) Sorted() []Entry {
	out := append([]Entry(nil), l.Entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// MarshalJSON encodes the list with its entries sorted by domain.
func (l List) MarshalJSON() ([]byte, error) {
	type plain List
	entries := l.Sorted()
	if entries == nil {
		entries = []Entry{}
	}
	return json.Marshal(plain{Entries: entries, Total: l.Total})
}

// entryHeap is a max-heap on Domain.
type entryHeap []Entry

func (h entryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].Domain >= h[i].Domain {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h entryHeap) down(i int) {
	for {
		big, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].Domain > h[big].Domain {
			big = l
		}
		if r < len(h) && h[r].Domain > h[big].Domain {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// Summary sums up the reports of a scan: counts per verdict, and the lists
// an administrator acts on before enforcing DANE or MTA-STS. Its memory is
// bounded: counts, plus at most MaxListed entries per list. The zero value
// is ready to use; it is not safe for concurrent use.
type Summary struct {
	// MaxListed bounds each list (DefaultMaxListed when zero; no entries,
	// only counts, when negative).
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
	// Nonexistent lists the domains that do not exist (NXDOMAIN): typos
	// and expired domains in a recipient list, critical like the others.
	Nonexistent List `json:"nonexistent"`
	// LookupErrors lists the domains whose check could not be completed
	// or whose MX lookup failed (timeouts, SERVFAIL).
	LookupErrors List `json:"lookup_errors"`

	// FailureReasons counts the domains per failure reason code (the
	// "reason" of the report's failures): a domain counts once per code
	// it has. At most maxReasons codes are kept; the rest count under
	// "other".
	FailureReasons map[delivery.Reason]int `json:"failure_reasons"`
	// Adoption counts the domains that have each piece of mail security
	// in place.
	Adoption Adoption `json:"adoption"`
}

// maxReasons bounds the distinct failure reason codes a Summary counts:
// the codes are daneprobe's own, but a merged file may come from anywhere.
const maxReasons = 256

// Adoption counts, over the domains of a Summary, those with each piece of
// mail security in place: the figures national CERTs and registries
// publish. Every count is a number of domains; the share is of
// Summary.Domains.
type Adoption struct {
	// DNSSECSignedMX: the MX lookup (or, without MX records, the proof of
	// their absence) validated as secure.
	DNSSECSignedMX int `json:"dnssec_signed_mx"`
	// DANEEveryMX: there is at least one MX host, and every MX host has a
	// secure TLSA RRset with at least one record usable for SMTP
	// (RFC 7672 §3.1), whether or not the servers' certificates match.
	DANEEveryMX int `json:"dane_every_mx"`
	// MTASTSEnforce: an MTA-STS policy in enforce mode was obtained.
	MTASTSEnforce int `json:"mta_sts_enforce"`
	// TLSRPT: a valid _smtp._tls TLS-RPT record (RFC 8460 §3).
	TLSRPT int `json:"tls_rpt"`
	// SPFFail: an SPF record ending in "-all" (RFC 7208 §5.1).
	SPFFail int `json:"spf_fail_all"`
	// DMARCReject and DMARCQuarantine: a DMARC record with p=reject, or
	// p=quarantine (RFC 7489 §6.3).
	DMARCReject     int `json:"dmarc_reject"`
	DMARCQuarantine int `json:"dmarc_quarantine"`
}

// add counts one report's adoption.
func (a *Adoption) add(r *delivery.DomainReport) {
	if r.MXLookup.DNSSEC == dnssec.Secure && r.MXLookup.Error == "" {
		a.DNSSECSignedMX++
	}
	if daneEveryMX(r) {
		a.DANEEveryMX++
	}
	if r.MTASTS.Mode == "enforce" {
		a.MTASTSEnforce++
	}
	if r.TLSRPT != nil && r.TLSRPT.Found {
		a.TLSRPT++
	}
	if r.SPF != nil && r.SPF.Found && r.SPF.Policy == "-all" {
		a.SPFFail++
	}
	if r.DMARC != nil && r.DMARC.Found {
		switch strings.ToLower(r.DMARC.Policy) {
		case "reject":
			a.DMARCReject++
		case "quarantine":
			a.DMARCQuarantine++
		}
	}
}

// daneEveryMX reports whether every MX host of r publishes a secure TLSA
// RRset with a usable record.
func daneEveryMX(r *delivery.DomainReport) bool {
	if r.NullMX || len(r.MX) == 0 {
		return false
	}
	for i := range r.MX {
		t := r.MX[i].TLSA
		if t == nil || t.DNSSEC != dnssec.Secure || t.Error != "" {
			return false
		}
		usable := false
		for _, rec := range t.Records {
			usable = usable || rec.Usable
		}
		if !usable {
			return false
		}
	}
	return true
}

// adoptionRow is one Adoption figure: its name for people, its JSON key
// and its count.
type adoptionRow struct {
	name, key string
	n         int
}

// rows lists the Adoption figures in the order they are printed.
func (a *Adoption) rows() []adoptionRow {
	return []adoptionRow{
		{"DNSSEC-signed MX", "dnssec_signed_mx", a.DNSSECSignedMX},
		{"DANE on every MX", "dane_every_mx", a.DANEEveryMX},
		{"MTA-STS enforce", "mta_sts_enforce", a.MTASTSEnforce},
		{"TLS-RPT", "tls_rpt", a.TLSRPT},
		{"SPF -all", "spf_fail_all", a.SPFFail},
		{"DMARC reject", "dmarc_reject", a.DMARCReject},
		{"DMARC quarantine", "dmarc_quarantine", a.DMARCQuarantine},
	}
}

// WriteJSON writes the summary as one JSON object (report/SCHEMA.md,
// "Scan summary"): the fields of Summary, the adoption shares in percent of
// Domains, and, for a merged summary, what was read.
func (s *Summary) WriteJSON(w io.Writer, merged *MergeStats) error {
	pct := map[string]float64{}
	for _, row := range s.Adoption.rows() {
		pct[row.key] = math.Round(percent(row.n, s.Domains)*100) / 100
	}
	out := struct {
		Input *MergeStats `json:"input,omitempty"`
		*Summary
		AdoptionPercent map[string]float64 `json:"adoption_percent"`
	}{merged, s, pct}
	if s.Status == nil { // no report: empty objects, not null
		out.Summary = &Summary{Status: map[delivery.Status]int{}, DANE: map[delivery.DANEResult]int{},
			DANESender: map[delivery.Action]int{}, MTASTSSender: map[delivery.Action]int{}, FailureReasons: map[delivery.Reason]int{}}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Add counts one report.
func (s *Summary) Add(r *delivery.DomainReport) {
	if s.Status == nil {
		s.Status = make(map[delivery.Status]int)
		s.DANE = make(map[delivery.DANEResult]int)
		s.DANESender = make(map[delivery.Action]int)
		s.MTASTSSender = make(map[delivery.Action]int)
		s.FailureReasons = make(map[delivery.Reason]int)
	}
	max := s.MaxListed
	switch {
	case max == 0:
		max = DefaultMaxListed
	case max < 0: // counts only
		max = 0
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
	if r.MXLookup.NXDomain && r.Outcome.DANE.Action == delivery.NoMail {
		s.Nonexistent.add(max, Entry{Domain: r.Domain})
	}
	if r.Error != "" || r.MXLookup.Error != "" {
		why := r.Error
		if why == "" {
			why = "MX lookup: " + r.MXLookup.Error
		}
		s.LookupErrors.add(max, Entry{Domain: r.Domain, Reason: oneLine(why)})
	}
	s.countReasons(r)
	s.Adoption.add(r)
}

// countReasons counts each distinct failure reason of r once.
func (s *Summary) countReasons(r *delivery.DomainReport) {
	for i, f := range r.Failures {
		seen := false
		for _, g := range r.Failures[:i] {
			seen = seen || g.Reason == f.Reason
		}
		if seen {
			continue
		}
		code := f.Reason
		if _, known := s.FailureReasons[code]; !known && (len(s.FailureReasons) >= maxReasons || len(code) > 64) {
			code = "other"
		}
		s.FailureReasons[code]++
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
	// Merged describes the inputs of a summary merged from earlier
	// outputs ("daneprobe report"); nil for a scan.
	Merged *MergeStats
}

// WriteText writes the summary for people. Lists are sorted by domain.
func (s *Summary) WriteText(w io.Writer, info ScanInfo) error {
	var b strings.Builder
	if m := info.Merged; m != nil {
		fmt.Fprintf(&b, "Summary of %d domains from %d files: %d lines", s.Domains, m.Files, m.Lines)
		fmt.Fprintf(&b, ", %d not reports, %d cut last lines, %d repeated domains (first kept)\n", m.BadLines, m.CutLines, m.Duplicates)
	} else {
		s.writeScanHeader(&b, info)
	}
	b.WriteString("\n")
	writeCounts(&b, "Status", s.Status, []string{"ok", "warning", "critical", "unknown"})
	writeCounts(&b, "DANE", s.DANE, []string{"verified", "partial", "failed", "unusable", "none"})
	writeCounts(&b, "DANE sender", s.DANESender, []string{"deliver-authenticated", "deliver-opportunistic", "defer", "no-mail"})
	writeCounts(&b, "MTA-STS sender", s.MTASTSSender, []string{"deliver-authenticated", "deliver-opportunistic", "defer", "no-mail"})
	writeCounts(&b, "Failures", s.FailureReasons, nil)
	s.writeAdoption(&b)
	writeList(&b, "A DANE-enforcing sender would DEFER mail to", &s.DANEDefer, "select(.outcome.dane.action==\"defer\")")
	writeList(&b, "MTA-STS enforce mode failing", &s.MTASTSEnforceFail, "select(.mta_sts.mode==\"enforce\" and .mta_sts.result==\"fail\")")
	writeList(&b, "Domains that do not exist (NXDOMAIN)", &s.Nonexistent, "select(.mx_lookup.nxdomain)")
	writeList(&b, "Lookup errors (check could not complete)", &s.LookupErrors, "select(.error or .mx_lookup.error)")
	writeList(&b, "DANE verified on every MX", &s.DANEVerified, "select(.dane==\"verified\")")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAdoption writes the adoption figures with their shares.
func (s *Summary) writeAdoption(b *strings.Builder) {
	fmt.Fprintf(b, "\nAdoption (of %d domains):\n", s.Domains)
	for _, row := range s.Adoption.rows() {
		fmt.Fprintf(b, "  %-17s %7d  %5.1f%%\n", row.name+":", row.n, percent(row.n, s.Domains))
	}
}

// percent is 100*n/of, 0 when of is 0.
func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// writeScanHeader writes the first lines of a scan's summary: sizes, input
// and work.
func (s *Summary) writeScanHeader(b *strings.Builder, info ScanInfo) {
	rate := 0.0
	if sec := info.Run.Elapsed.Seconds(); sec > 0 {
		rate = float64(info.Run.Written) / sec
	}
	fmt.Fprintf(b, "Scan summary: %d domains in this output", s.Domains)
	if info.Resumed > 0 {
		fmt.Fprintf(b, " (%d from the earlier run, %d now)", info.Resumed, info.Run.Written)
	}
	fmt.Fprintf(b, "; %s, %.1f domains/s\n", info.Run.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(b, "  input: %d names, %d bad lines, %d duplicates", info.Read, info.Bad, info.Duplicates)
	if info.Shard.Count > 1 {
		fmt.Fprintf(b, ", shard %s (%d names in other shards)", info.Shard, info.OtherShard)
	}
	b.WriteString("\n")
	if info.Run.Canceled {
		fmt.Fprintf(b, "  INTERRUPTED: %d domains cut short were not written; resume the scan from this output to finish\n", info.Run.Interrupted)
	}
	if info.Connections > 0 || info.DNSQueries > 0 {
		per := 0.0
		if info.Run.Written > 0 {
			per = float64(info.DNSQueries) / float64(info.Run.Written)
		}
		fmt.Fprintf(b, "  work: %d connections", info.Connections)
		if info.Probes.Sessions > 0 {
			fmt.Fprintf(b, " (%d SMTP sessions, %d probe results shared)", info.Probes.Sessions, info.Probes.Shared)
		}
		fmt.Fprintf(b, ", %d DNS queries (%.1f per domain)\n", info.DNSQueries, per)
	}
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
	for _, e := range l.Sorted() {
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

package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/daneprobe/daneprobe/delivery"
)

// WriteNagios writes the reports in the monitoring-plugin format that
// Nagios, Icinga, Naemon and Sensu read: one status line,
//
//	DANE CRITICAL - mx.example: DANE failed ... | time=0.312s;;;0 mx=1;;;0 ...
//
// with the worst status of all domains, a short text, and performance
// data after the "|". With several domains the first line names how many
// domains have each status and the following lines give one domain each,
// worst first (the plugin "long output"); performance-data labels are then
// prefixed with the domain. The exit code that goes with the line is
// delivery.WorstOf(reports).ExitCode().
func WriteNagios(w io.Writer, reports []delivery.DomainReport) error {
	bw := bufio.NewWriter(w)
	worst := delivery.WorstOf(reports)
	switch len(reports) {
	case 0:
		fmt.Fprintf(bw, "DANE UNKNOWN - no domain checked\n")
	case 1:
		r := &reports[0]
		fmt.Fprintf(bw, "DANE %s - %s: %s | %s\n", worst.Label(), clean(r.Domain), clean(r.Summary), perfData(r, ""))
	default:
		order := make([]int, len(reports))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool {
			return severityRank(reports[order[i]].Status) > severityRank(reports[order[j]].Status)
		})
		var perf []string
		for _, i := range order {
			perf = append(perf, perfData(&reports[i], labelPrefix(reports[i].Domain)))
		}
		fmt.Fprintf(bw, "DANE %s - %d domains: %s | %s\n", worst.Label(), len(reports), tally(reports), strings.Join(perf, " "))
		for _, i := range order {
			r := &reports[i]
			fmt.Fprintf(bw, "%s %s: %s\n", r.Status.Label(), clean(r.Domain), clean(r.Summary))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write Nagios report: %w", err)
	}
	return nil
}

// perfData formats the performance data of one domain: wall time, MX
// hosts, addresses, addresses verified and failed under DANE, failures,
// warnings and DNS queries. Each value has min 0 and no thresholds.
func perfData(r *delivery.DomainReport, prefix string) string {
	var addrs, verified, failed int
	for i := range r.MX {
		for _, a := range r.MX[i].Addresses {
			addrs++
			switch a.DANE {
			case delivery.AddressVerified:
				verified++
			case delivery.AddressFailed:
				failed++
			}
		}
	}
	fields := []struct {
		label string
		value string
	}{
		{"time", r.Timings.Total.String()},
		{"mx", fmt.Sprint(len(r.MX))},
		{"addresses", fmt.Sprint(addrs)},
		{"dane_verified", fmt.Sprint(verified)},
		{"dane_failed", fmt.Sprint(failed)},
		{"failures", fmt.Sprint(len(r.Failures))},
		{"warnings", fmt.Sprint(len(r.Warnings))},
		{"dns_queries", fmt.Sprint(r.Timings.Queries)},
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = prefix + f.label + "=" + f.value + ";;;0"
	}
	return strings.Join(parts, " ")
}

// labelPrefix makes a domain usable in a performance-data label, which
// may not contain "=", "'" or spaces.
func labelPrefix(domain string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '=', '\'', ' ', '|', '\t', '\n', '\r':
			return '_'
		}
		return r
	}, domain) + "_"
}

// tally counts the domains per status, worst first: "1 CRITICAL, 2 OK".
func tally(reports []delivery.DomainReport) string {
	counts := map[delivery.Status]int{}
	for i := range reports {
		s := reports[i].Status
		if s.ExitCode() == 3 {
			s = delivery.StatusUnknown
		}
		counts[s]++
	}
	var parts []string
	for _, s := range []delivery.Status{delivery.StatusCritical, delivery.StatusUnknown, delivery.StatusWarning, delivery.StatusOK} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s.Label()))
		}
	}
	return strings.Join(parts, ", ")
}

// severityRank orders statuses like delivery.Worst.
func severityRank(s delivery.Status) int {
	switch s {
	case delivery.StatusOK:
		return 0
	case delivery.StatusWarning:
		return 1
	case delivery.StatusCritical:
		return 3
	default:
		return 2
	}
}

// clean keeps text from breaking the plugin format: "|" starts the
// performance data and a newline ends the status line; other control
// characters are escaped as in the text output.
func clean(s string) string {
	return sanitize(strings.NewReplacer("|", "/", "\n", " ", "\r", " ").Replace(s), false)
}

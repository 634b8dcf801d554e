// Package report renders delivery.DomainReport values for people and for
// machines. It decides nothing: every verdict comes from package delivery.
//
// Four formats:
//
//   - WriteText, for people: a verdict line per domain first ("example.org:
//     CRITICAL - DANE failed: a DANE sender defers (no-match)"), then what a
//     sender enforcing DANE, MTA-STS or both would do, then every MX host
//     with its TLSA records and every address with its STARTTLS probe,
//     certificate chain and verdicts, then failures (with their RFC 8460
//     result types), warnings and notes. The verdict line stays whole;
//     every other line is wrapped at 80 columns, at spaces only, with the
//     continuation indented, so digests and URLs stay whole (Wrap does the
//     same for other commands' text). Colour is optional; the command
//     line turns it on only for a terminal without NO_COLOR (see UseColor).
//   - WriteJSON and WriteJSONLines, for machines: one object per domain in
//     the stable schema documented in SCHEMA.md, indented or one per line.
//   - WriteNagios, for monitoring systems: the plugin format, one status
//     line with performance data after "|", whose exit code is
//     delivery.WorstOf(reports).ExitCode() (0 OK, 1 WARNING, 2 CRITICAL,
//     3 UNKNOWN).
//   - WritePrometheus, for Prometheus: the text exposition format, with
//     the status, verdicts, counts, timings and certificate expiry as
//     gauges.
package report

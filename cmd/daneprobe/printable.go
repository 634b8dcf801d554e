package main

import "github.com/daneprobe/daneprobe/report"

// terminalSafe escapes control characters, bidirectional controls and
// invalid UTF-8 in text that came from the network or from input files,
// so a hostile server cannot rewrite the user's screen.
func terminalSafe(s string) string { return report.Printable(s) }

package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sgr lists the escape sequences this package writes itself; only these
// survive sanitize, and only when colour is on.
var sgr = [...]string{ansiReset, ansiBold, ansiRed, ansiGreen, ansiYellow, ansiMagenta, ansiDim}

// sanitize makes s safe to print on a terminal. Much of a report comes
// from the network (SMTP banners, certificate subjects, error texts,
// policy files), and a hostile server must not be able to move the
// cursor, rewrite the screen or set the window title. Control characters
// (C0, DEL, C1), Unicode bidirectional controls and invalid UTF-8 are
// written as Go-style escapes (\x1b, \u202e); with keep set, the colour
// sequences of this package are kept. The worst a hostile string can do
// is then to change a colour.
func sanitize(s string, keep bool) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if keep && s[i] == 0x1b {
			if seq := knownSGR(s[i:]); seq != "" {
				b.WriteString(seq)
				i += len(seq)
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isClean reports whether s is printable ASCII, the common case.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func knownSGR(s string) string {
	for _, seq := range sgr {
		if strings.HasPrefix(s, seq) {
			return seq
		}
	}
	return ""
}

// Printable returns s with every control character, Unicode bidirectional
// control and invalid UTF-8 byte written as a Go-style escape, for
// commands that print network-supplied text outside a Report (policy
// files, input lines). Tabs are kept: they cannot move the cursor
// anywhere a newline could not.
func Printable(s string) string {
	if !strings.ContainsRune(s, '\t') {
		return sanitize(s, false)
	}
	parts := strings.Split(s, "\t")
	for i, p := range parts {
		parts[i] = sanitize(p, false)
	}
	return strings.Join(parts, "\t")
}

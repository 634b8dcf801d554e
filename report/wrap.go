package report

import (
	"strings"
	"unicode/utf8"
)

// wrap breaks a line longer than width columns at spaces. Continuation
// lines get the line's own indentation plus four spaces, so that they read
// as part of the item above. Words are never split: a long digest or URL
// that does not fit stays whole on a line of its own, so it can still be
// copied. The colour sequences of this package take no columns.
func wrap(line string, width int) string {
	if visibleWidth(line) <= width {
		return line
	}
	indent := len(line) - len(strings.TrimLeft(line, " "))
	hang := strings.Repeat(" ", min(indent+4, width/2))
	var b strings.Builder
	b.WriteString(line[:indent])
	col := indent
	rest := line[indent:]
	first := true
	for rest != "" {
		// The next word and the run of spaces before it, kept as is on the
		// same line (they may align columns).
		sep := len(rest) - len(strings.TrimLeft(rest, " "))
		end := strings.IndexByte(rest[sep:], ' ')
		if end < 0 {
			end = len(rest) - sep
		}
		word := rest[sep : sep+end]
		rest = rest[sep+end:]
		if word == "" {
			break // trailing spaces
		}
		ww := visibleWidth(word)
		if !first && col+sep+ww > width {
			b.WriteByte('\n')
			b.WriteString(hang)
			col = len(hang)
		} else {
			b.WriteString(strings.Repeat(" ", sep))
			col += sep
		}
		b.WriteString(word)
		col += ww
		first = false
	}
	return b.String()
}

// visibleWidth counts the runes of s that take a column: everything but
// this package's colour sequences.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if seq := knownSGR(s[i:]); seq != "" {
				i += len(seq)
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// Wrap breaks line at spaces so that it fits width columns, for commands
// that print their own text reports: continuation lines are indented four
// spaces more than the line, and words (digests, URLs) are never split.
// line must be a single line, already made safe with Printable.
func Wrap(line string, width int) string { return wrap(line, width) }

package report

import (
	"io"
	"os"
)

// UseColor reports whether text written to w should be coloured: only
// when w is a terminal, the NO_COLOR environment variable is absent or
// empty (https://no-color.org) and TERM is not "dumb" (a terminal that
// shows escape sequences as text, such as Emacs' shell buffer). getenv is
// os.Getenv in production; tests pass their own.
func UseColor(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/daneprobe/daneprobe/names"
)

// MaxLineBytes bounds one input line. Longer lines are reported as bad and
// skipped, never buffered whole.
const MaxLineBytes = 4096

// LineError is one input line that could not be used. The scan reports it
// and goes on.
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// Text is the line as read (cut to 80 bytes).
	Text string
	// Err says what is wrong with it.
	Err error
}

func (e *LineError) Error() string {
	var ne *names.Error
	if errors.As(e.Err, &ne) {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err) // it quotes the text itself
	}
	return fmt.Sprintf("line %d: %q: %v", e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ListReader reads a domain list: one domain per line; "#" starts a comment;
// blank lines are skipped. It does not remove duplicates (a Source does).
type ListReader struct {
	r    *bufio.Reader
	line int
}

// NewListReader returns a ListReader over r.
func NewListReader(r io.Reader) *ListReader {
	return &ListReader{r: bufio.NewReaderSize(r, MaxLineBytes)}
}

// Next returns the next domain in A-label form. A bad line is returned as a
// *LineError; the caller reports it and calls Next again. At the end of input
// Next returns io.EOF; any other error is a read error of the underlying
// reader.
func (l *ListReader) Next() (string, error) {
	for {
		raw, err := l.readLine()
		if err != nil {
			return "", err
		}
		l.line++
		if raw == nil {
			return "", &LineError{Line: l.line, Text: "", Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		}
		if l.line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a byte order mark
		}
		if i := bytes.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		text := string(bytes.TrimSpace(raw))
		if text == "" {
			continue
		}
		if f := strings.Fields(text); len(f) > 1 {
			return "", &LineError{Line: l.line, Text: cut(text), Err: errors.New("more than one word; put one domain per line")}
		}
		d, err := names.ParseDomain(text)
		if err != nil {
			return "", &LineError{Line: l.line, Text: cut(text), Err: err}
		}
		return d, nil
	}
}

// readLine returns the next line without its end, nil for a line over
// MaxLineBytes (whose rest is skipped), or an error (io.EOF at the end).
func (l *ListReader) readLine() ([]byte, error) {
	line, err := l.r.ReadSlice('\n')
	switch {
	case err == nil:
		return bytes.TrimRight(line, "\r\n"), nil
	case errors.Is(err, bufio.ErrBufferFull):
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.r.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read domain list: %w", err)
		}
		return nil, nil
	case errors.Is(err, io.EOF):
		if len(line) == 0 {
			return nil, io.EOF
		}
		// A last line without a newline; the next call returns io.EOF.
		return bytes.TrimRight(line, "\r"), nil
	default:
		return nil, fmt.Errorf("read domain list: %w", err)
	}
}

// cut shortens s for an error message.
func cut(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxLineBytes bounds one input line. Longer lines are reported as bad and
// skipped, never buffered whole.
const MaxLineBytes = 4096

// ErrNotDomain is wrapped by NormalizeDomain's errors.
var ErrNotDomain = errors.New("not a domain name")

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
	return fmt.Sprintf("line %d: %q: %v", e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// NormalizeDomain returns the A-label form of a recipient domain name: lower
// case, without the trailing dot, with U-labels converted by the IDNA lookup
// rules (UTS #46, as mail software does before a DNS query). It fails, wrapping
// ErrNotDomain, for anything that is not a host name of at least two labels:
// an address literal, an empty label, a label over 63 octets, a name over 253
// octets (RFC 1035 §2.3.4), or characters outside letters, digits and hyphen
// (RFC 5321 §4.1.2 "Domain").
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("empty name: %w", ErrNotDomain)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("not valid UTF-8: %w", ErrNotDomain)
	}
	if strings.HasPrefix(s, "[") || isAddr(s) {
		return "", fmt.Errorf("an address literal, not a domain: %w", ErrNotDomain)
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("%v: %w", trimIDNAError(err), ErrNotDomain)
	}
	a = strings.ToLower(a)
	// The A-labels must decode again: idna turns some invalid input (such
	// as U+FFFD) into a punycode label that it then rejects itself.
	if _, err := idna.Lookup.ToUnicode(a); err != nil {
		return "", fmt.Errorf("%v: %w", trimIDNAError(err), ErrNotDomain)
	}
	if len(a) > 253 {
		return "", fmt.Errorf("name longer than 253 octets: %w", ErrNotDomain)
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("a single label; a recipient domain has at least two: %w", ErrNotDomain)
	}
	for _, l := range labels {
		if l == "" {
			return "", fmt.Errorf("empty label: %w", ErrNotDomain)
		}
		if len(l) > 63 {
			return "", fmt.Errorf("label longer than 63 octets: %w", ErrNotDomain)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("character %q not allowed in a host name: %w", c, ErrNotDomain)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("label %q starts or ends with a hyphen: %w", l, ErrNotDomain)
		}
	}
	return a, nil
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// trimIDNAError shortens the idna package's messages ("idna: disallowed
// rune U+0020") to their substance.
func trimIDNAError(err error) string {
	return strings.TrimPrefix(err.Error(), "idna: ")
}

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
		d, err := NormalizeDomain(text)
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

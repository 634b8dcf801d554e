package smtpprobe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Default caps on one server reply.
const (
	DefaultMaxReplyBytes = 64 << 10
	DefaultMaxReplyLines = 512
)

// ErrReplyTooLong is returned (wrapped) when a server reply exceeds the
// byte or line cap.
var ErrReplyTooLong = errors.New("reply too long")

// ErrMalformedReply is returned (wrapped) when a server reply is not valid
// SMTP reply syntax.
var ErrMalformedReply = errors.New("malformed reply")

// Reply is one SMTP reply: a code and the text of each line, without the
// code and separator.
type Reply struct {
	Code  int
	Lines []string
}

// Text returns the reply's lines joined by "\n".
func (r Reply) Text() string { return strings.Join(r.Lines, "\n") }

// ReplyError is returned (wrapped) when the server answers a step with a
// reply code other than the one expected.
type ReplyError struct {
	// Command is the command answered, or "greeting".
	Command string
	Code    int
	Text    string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.Command, e.Code, truncate(e.Text, 200))
}

// capReader lets through at most n bytes, then fails with
// ErrReplyTooLong. The session resets n before each reply.
type capReader struct {
	r io.Reader
	n int
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, ErrReplyTooLong
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	k, err := c.r.Read(p)
	c.n -= k
	return k, err
}

// replyReader reads SMTP replies with bounded size. Deadlines are set by
// the session on the connection, once per step, so a slow server cannot
// extend them by trickling bytes.
type replyReader struct {
	cr       *capReader
	br       *bufio.Reader
	maxBytes int
	maxLines int
}

func newReplyReader(r io.Reader, maxBytes, maxLines int) *replyReader {
	cr := &capReader{r: r, n: maxBytes}
	br := bufio.NewReaderSize(cr, 4096)
	return &replyReader{cr: cr, br: br, maxBytes: maxBytes, maxLines: maxLines}
}

// readReply reads one complete (possibly multi-line) reply. On error the
// reply holds the lines read so far.
func (rr *replyReader) readReply() (Reply, error) {
	rr.cr.n = rr.maxBytes
	var rep Reply
	for {
		if len(rep.Lines) >= rr.maxLines {
			return rep, fmt.Errorf("more than %d lines: %w", rr.maxLines, ErrReplyTooLong)
		}
		line, err := rr.readLine()
		if err != nil {
			if errors.Is(err, ErrReplyTooLong) {
				return rep, fmt.Errorf("more than %d bytes: %w", rr.maxBytes, ErrReplyTooLong)
			}
			return rep, err
		}
		code, more, text, err := parseReplyLine(line)
		if err != nil {
			return rep, err
		}
		if len(rep.Lines) == 0 {
			rep.Code = code
		} else if code != rep.Code {
			// RFC 5321 §4.2: every line of a multi-line reply carries
			// the same code.
			return rep, fmt.Errorf("%w: code changed from %d to %d within one reply", ErrMalformedReply, rep.Code, code)
		}
		rep.Lines = append(rep.Lines, text)
		if !more {
			return rep, nil
		}
	}
}

// readLine reads one line ending in LF, without the line ending. Unlike
// bufio.Reader.ReadLine and textproto.Reader.ReadLine, which hand back a
// partial line as if it were complete when the reader fails mid-line, it
// returns the error: a line cut off by the byte cap, a deadline or EOF is
// never parsed as a reply.
func (rr *replyReader) readLine() (string, error) {
	var buf []byte
	for {
		frag, err := rr.br.ReadSlice('\n')
		buf = append(buf, frag...)
		switch {
		case err == nil:
			buf = buf[:len(buf)-1]
			if n := len(buf); n > 0 && buf[n-1] == '\r' {
				buf = buf[:n-1]
			}
			return string(buf), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue // the cap reader bounds the growth
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

// parseReplyLine splits one reply line into code, continuation flag and
// text. RFC 5321 §4.2: Reply-code [ ("-" / SP) textstring ], where the
// code is three digits, the first 2 to 5 and the second 0 to 5.
// A bare code with no text is accepted.
func parseReplyLine(line string) (code int, more bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", fmt.Errorf("%w: short line %q", ErrMalformedReply, truncate(line, 80))
	}
	d0, d1, d2 := line[0], line[1], line[2]
	if d0 < '2' || d0 > '5' || d1 < '0' || d1 > '5' || d2 < '0' || d2 > '9' {
		return 0, false, "", fmt.Errorf("%w: no reply code in %q", ErrMalformedReply, truncate(line, 80))
	}
	code = int(d0-'0')*100 + int(d1-'0')*10 + int(d2-'0')
	if len(line) == 3 {
		return code, false, "", nil
	}
	switch line[3] {
	case '-':
		more = true
	case ' ':
	default:
		return 0, false, "", fmt.Errorf("%w: bad separator in %q", ErrMalformedReply, truncate(line, 80))
	}
	return code, more, line[4:], nil
}

// parseEHLO returns the extension lines of an EHLO reply: every line after
// the first (which holds the server's domain and greeting text, RFC 5321
// §4.1.1.1), trimmed, empty lines dropped.
func parseEHLO(rep Reply) []string {
	if len(rep.Lines) < 2 {
		return []string{}
	}
	exts := make([]string, 0, len(rep.Lines)-1)
	for _, l := range rep.Lines[1:] {
		l = strings.TrimSpace(l)
		if l != "" {
			exts = append(exts, l)
		}
	}
	return exts
}

// HasExtension reports whether the extension lines list keyword. EHLO
// keywords are case-insensitive (RFC 5321 §2.4) and end at the first
// space (§4.1.1.1: ehlo-line = ehlo-keyword *( SP ehlo-param )).
func HasExtension(exts []string, keyword string) bool {
	for _, e := range exts {
		kw, _, _ := strings.Cut(e, " ")
		if strings.EqualFold(kw, keyword) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

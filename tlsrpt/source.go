package tlsrpt

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Input is one report read from a file, a message or standard input, or
// the error that kept one input from being read. A broken input never
// stops the reading of the others.
type Input struct {
	// Source names where the report came from: a file name, with the
	// message number in an mbox ("box.mbox, message 3") and the MIME part
	// ("report.eml, part 2 google.com!example.org!1700000000.json.gz").
	Source string
	// Report is the report; nil when Err is set.
	Report *Report
	// Err says why Source yielded no report.
	Err error
}

// Reader reads TLS reports from files, directories and standard input.
// The zero value reads with the default Limits and no standard input.
type Reader struct {
	// Limits bound every input; zero fields take their defaults.
	Limits Limits
	// Stdin is read for the path "-".
	Stdin io.Reader
}

// Read reads the reports at paths and calls yield for each, in order:
// plain JSON (.json), gzip (.json.gz, application/tlsrpt+gzip), e-mail
// messages (.eml) with the report as an attachment (RFC 8460 §5.3) or in
// the body, mbox files, and directories: a Maildir (only its cur/ and
// new/) or a directory of any of these, read recursively in name order.
// The kind of each file is told from its first bytes, not its name. "-"
// is standard input. Read returns only when ctx is done (its error) or
// when the inputs are exhausted (nil); every problem with an input is an
// Input with Err.
func (rd *Reader) Read(ctx context.Context, paths []string, yield func(Input)) error {
	s := &session{ctx: ctx, lim: rd.Limits.withDefaults(), yield: yield}
	for _, p := range paths {
		if s.stop() {
			break
		}
		if p == "-" {
			if rd.Stdin == nil {
				s.fail("standard input", errors.New("no standard input"))
				continue
			}
			s.stream("standard input", rd.Stdin)
			continue
		}
		s.path(p)
	}
	return ctx.Err()
}

// session is one run of Read.
type session struct {
	ctx    context.Context
	lim    Limits
	yield  func(Input)
	inputs int
	full   bool
}

// stop reports whether reading must end: ctx done or the input budget
// spent.
func (s *session) stop() bool { return s.ctx.Err() != nil || s.full }

// count spends one input of the budget; false when it is spent.
func (s *session) count(source string) bool {
	if s.full {
		return false
	}
	s.inputs++
	if s.inputs > s.lim.MaxInputs {
		s.full = true
		s.fail(source, fmt.Errorf("more than %d inputs, the rest not read: %w", s.lim.MaxInputs, ErrTooMany))
		return false
	}
	return true
}

func (s *session) fail(source string, err error) {
	s.yield(Input{Source: source, Err: err})
}

func (s *session) ok(source string, r *Report, notes []string) {
	if len(notes) > 0 {
		r.Unusual = append(append([]string(nil), notes...), r.Unusual...)
	}
	s.yield(Input{Source: source, Report: r})
}

// path reads one file or directory argument.
func (s *session) path(p string) {
	st, err := os.Stat(p)
	if err != nil {
		s.fail(p, err)
		return
	}
	if !st.IsDir() {
		s.file(p)
		return
	}
	if isMaildir(p) {
		s.maildir(p)
		return
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if s.stop() {
			return fs.SkipAll
		}
		if err != nil {
			s.fail(path, err)
			return nil
		}
		if d.IsDir() {
			if path != p && isMaildir(path) {
				s.maildir(path)
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			s.file(path)
		}
		return nil
	})
	if err != nil {
		s.fail(p, err)
	}
}

// isMaildir reports whether dir holds a cur/ or new/ directory.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// maildir reads the messages of a Maildir: new/ then cur/, in name
// order; tmp/ holds messages still being delivered, and the other files
// are the mail server's indexes.
func (s *session) maildir(dir string) {
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.fail(filepath.Join(dir, sub), err)
			}
			continue
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			if s.stop() {
				return
			}
			if e.Type().IsRegular() {
				s.file(filepath.Join(dir, sub, e.Name()))
			}
		}
	}
}

// file reads one file of any kind.
func (s *session) file(name string) {
	f, err := os.Open(name)
	if err != nil {
		if s.count(name) {
			s.fail(name, err)
		}
		return
	}
	defer f.Close()
	s.stream(name, f)
}

// Kinds of input, told from the first bytes.
const (
	kindJSON = iota
	kindGzip
	kindMbox
	kindMessage
)

// sniff tells the kind of an input from its first bytes.
func sniff(head []byte) int {
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		return kindGzip
	}
	if bytes.HasPrefix(head, []byte("From ")) {
		return kindMbox
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return kindJSON
	}
	return kindMessage
}

// stream reads one input of any kind from r.
func (s *session) stream(name string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	kind := sniff(head)
	if kind == kindMbox {
		s.mbox(name, br)
		return
	}
	if !s.count(name) {
		return
	}
	switch kind {
	case kindGzip:
		data, err := s.gunzip(br)
		if err != nil {
			s.fail(name, err)
			return
		}
		s.json(name, data, nil)
	case kindJSON:
		data, err := readAtMost(br, s.lim.MaxReportBytes, "report")
		if err != nil {
			s.fail(name, err)
			return
		}
		s.json(name, data, nil)
	default:
		data, err := readAtMost(br, s.lim.MaxMessageBytes, "message")
		if err != nil {
			s.fail(name, err)
			return
		}
		s.message(name, data, 0)
	}
}

// json parses one report's text.
func (s *session) json(name string, data []byte, notes []string) {
	r, err := Parse(data, s.lim)
	if err != nil {
		s.fail(name, err)
		return
	}
	s.ok(name, r, notes)
}

// readAtMost reads all of r, or fails with ErrTooLarge past max bytes.
func readAtMost(r io.Reader, max int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s larger than %d bytes: %w", what, max, ErrTooLarge)
	}
	return data, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// gunzip decompresses one gzip stream within both bounds: a gzip bomb
// (a few kilobytes that inflate to gigabytes) stops at MaxReportBytes.
func (s *session) gunzip(r io.Reader) ([]byte, error) {
	cr := &countingReader{r: io.LimitReader(r, s.lim.MaxCompressedBytes+1)}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, s.lim.MaxReportBytes+1))
	if cr.n > s.lim.MaxCompressedBytes {
		return nil, fmt.Errorf("gzip stream larger than %d bytes: %w", s.lim.MaxCompressedBytes, ErrTooLarge)
	}
	if int64(len(data)) > s.lim.MaxReportBytes {
		return nil, fmt.Errorf("gzip stream inflates to more than %d bytes (a gzip bomb?): %w", s.lim.MaxReportBytes, ErrTooLarge)
	}
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return data, nil
}

// mbox splits an mbox file into messages: each starts with a "From "
// line at the start of the file or after an empty line. Lines quoted as
// ">From " (mboxrd and mboxo) lose one ">". One message is held at a
// time, at most MaxMessageBytes of it.
func (s *session) mbox(name string, br *bufio.Reader) {
	var (
		msg     bytes.Buffer
		n       int
		tooBig  bool
		started bool
		blank   = true
	)
	flush := func() {
		if !started {
			return
		}
		src := fmt.Sprintf("%s, message %d", name, n)
		if !s.count(src) {
			return
		}
		if tooBig {
			s.fail(src, fmt.Errorf("message larger than %d bytes: %w", s.lim.MaxMessageBytes, ErrTooLarge))
			return
		}
		s.message(src, msg.Bytes(), 0)
	}
	var line []byte
	cut := false // the start of this line was dropped (too long)
	for !s.stop() {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if int64(len(line)) > s.lim.MaxMessageBytes {
				tooBig, cut = true, true
				msg.Reset()
				line = line[:0]
			}
			continue
		}
		if cut {
			// The tail of an over-long line is neither a From line nor
			// empty.
			cut, blank = false, false
			line = line[:0]
		}
		if len(line) > 0 {
			if blank && bytes.HasPrefix(line, []byte("From ")) {
				flush()
				n++
				started, tooBig = true, false
				msg.Reset()
			} else if started && !tooBig {
				if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
					line = line[1:]
				}
				if int64(msg.Len()+len(line)) > s.lim.MaxMessageBytes {
					tooBig = true
					msg.Reset()
				} else {
					msg.Write(line)
				}
			}
			blank = len(bytes.TrimRight(line, "\r\n")) == 0
		}
		line = line[:0]
		if err != nil {
			if err != io.EOF {
				s.fail(name, fmt.Errorf("read mbox: %w", err))
			}
			break
		}
	}
	flush()
	if n == 0 {
		s.fail(name, fmt.Errorf("mbox without messages: %w", ErrNotReport))
	}
}

// lowerExt is the lower-case file name for extension tests.
func lowerExt(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/daneprobe/daneprobe/delivery"
)

// maxResultLine bounds one JSON line read back on resume.
const maxResultLine = 16 << 20

// ResumeInfo describes an output file read back by ReadResults.
type ResumeInfo struct {
	// Reports is the number of complete reports read.
	Reports int
	// Valid is the length of the prefix of the file made of complete
	// lines; a resumed scan truncates the file there and appends.
	Valid int64
	// Dropped is the number of bytes after Valid: a last line cut by a
	// crash, whose domain is scanned again.
	Dropped int64
	// BadLines are the numbers of complete lines that are not a report
	// with a domain; they are kept but their domains are scanned again.
	BadLines []int
}

// ReadResults reads the JSON lines of an earlier scan and calls fn with each
// report, in file order. A last line without a newline is a line cut by a
// crash: it is not passed to fn and is counted in Dropped. The error is a
// read error only.
func ReadResults(r io.Reader, fn func(*delivery.DomainReport)) (ResumeInfo, error) {
	var info ResumeInfo
	var err error
	info.Valid, info.Dropped, err = readLines(r, func(line int, text []byte) {
		var rep delivery.DomainReport
		if text == nil || json.Unmarshal(text, &rep) != nil || rep.Domain == "" {
			info.BadLines = append(info.BadLines, line)
			return
		}
		info.Reports++
		fn(&rep)
	})
	if err != nil {
		return info, fmt.Errorf("read scan results: %w", err)
	}
	return info, nil
}

// readLines calls fn with every complete, non-blank line of r (trimmed,
// and nil when longer than maxResultLine), numbered from 1. It returns the
// length of the prefix made of complete lines and the bytes after it (a
// last line without a newline, not passed to fn). The buffer behind text is
// reused: fn must not keep it. The error is a read error only.
func readLines(r io.Reader, fn func(line int, text []byte)) (valid, dropped int64, err error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var buf []byte
	var size int64 // bytes of the current line, also beyond the bound
	line := 0
	for {
		chunk, err := br.ReadSlice('\n')
		size += int64(len(chunk))
		if size <= maxResultLine {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return valid, size, nil
		}
		if err != nil {
			return valid, 0, err
		}
		line++
		if size > maxResultLine {
			fn(line, nil)
		} else if text := bytes.TrimSpace(buf); len(text) > 0 {
			fn(line, text)
		}
		valid += size
		buf, size = buf[:0], 0
	}
}

// NotScanOutputError is OpenResume's error when the file holds something
// other than scan results, which a resumed scan must not append to (or
// truncate).
type NotScanOutputError struct {
	// Path is the file; Why says what gave it away.
	Path, Why string
}

func (e *NotScanOutputError) Error() string {
	return fmt.Sprintf("resume %s: not scan output: %s", e.Path, e.Why)
}

// checkScanOutput refuses a non-empty file of which no line is a scan
// result: not even a cut first line, which starts like a JSON object.
func checkScanOutput(f *os.File, info ResumeInfo, size int64) error {
	if info.Reports > 0 || size == 0 {
		return nil
	}
	if len(info.BadLines) > 0 {
		return &NotScanOutputError{Path: f.Name(), Why: fmt.Sprintf("line %d is not a scan result", info.BadLines[0])}
	}
	var first [1]byte
	if _, err := f.ReadAt(first[:], min(info.Valid, size-1)); err == nil && first[0] != '{' {
		return &NotScanOutputError{Path: f.Name(), Why: "it does not start with a scan result"}
	}
	return nil
}

// OpenResume opens the output file of an interrupted scan for appending:
// it reads the reports already there (passing each to fn), truncates a last
// line cut by a crash, and returns the file positioned at its end. A file
// that does not exist is created empty.
func OpenResume(path string, fn func(*delivery.DomainReport)) (*os.File, ResumeInfo, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, ResumeInfo{}, fmt.Errorf("resume: %w", err)
	}
	info, err := ReadResults(f, fn)
	if err != nil {
		f.Close()
		return nil, info, fmt.Errorf("resume %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, info, fmt.Errorf("resume %s: %w", path, err)
	}
	if err := checkScanOutput(f, info, st.Size()); err != nil {
		f.Close() // untouched: nothing truncated or appended
		return nil, info, err
	}
	// Everything after the complete lines is a cut line: drop it.
	info.Valid = min(info.Valid, st.Size())
	info.Dropped = st.Size() - info.Valid
	if info.Dropped > 0 {
		if err := f.Truncate(info.Valid); err != nil {
			f.Close()
			return nil, info, fmt.Errorf("resume %s: drop the cut last line: %w", path, err)
		}
	}
	if _, err := f.Seek(info.Valid, io.SeekStart); err != nil {
		f.Close()
		return nil, info, fmt.Errorf("resume %s: %w", path, err)
	}
	return f, info, nil
}

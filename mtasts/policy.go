package mtasts

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrPolicyInvalid is wrapped by the error ParsePolicy returns when the
// policy has at least one problem of severity SeverityError.
var ErrPolicyInvalid = errors.New("MTA-STS policy invalid")

// Mode is the policy mode (RFC 8461 §5).
type Mode string

// Policy modes.
const (
	ModeEnforce Mode = "enforce"
	ModeTesting Mode = "testing"
	ModeNone    Mode = "none"
)

// MaxMaxAge is the largest max_age a policy may carry: one year in seconds
// (RFC 8461 §3.2).
const MaxMaxAge = 31557600

// Severity ranks problems and findings.
type Severity string

// Severities, from worst to mildest.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Problem is one thing wrong with, or worth saying about, a policy file.
type Problem struct {
	// Line is the 1-based line number; 0 means the file as a whole (for
	// example a missing field).
	Line     int      `json:"line"`
	Severity Severity `json:"severity"`
	Detail   string   `json:"message"`
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.Severity, p.Detail)
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Severity, p.Detail)
}

// Policy is a parsed MTA-STS policy file (RFC 8461 §3.2).
type Policy struct {
	Version string `json:"version"`
	Mode    Mode   `json:"mode"`
	// MaxAge is the lifetime in seconds a sender caches the policy.
	MaxAge int64 `json:"max_age"`
	// MX holds the mx patterns in file order, as written.
	MX []string `json:"mx"`
	// Extensions are the unknown keys, which senders ignore.
	Extensions []Field `json:"extensions,omitempty"`
	// LineEndings is "LF", "CRLF" or "mixed".
	LineEndings string `json:"line_endings"`
	// Problems lists every problem found, with line numbers, errors
	// first in file order.
	Problems []Problem `json:"problems,omitempty"`
}

// Valid reports whether the policy has no error-severity problem, so
// that a sender would apply it.
func (p *Policy) Valid() bool {
	for _, pr := range p.Problems {
		if pr.Severity == SeverityError {
			return false
		}
	}
	return true
}

// ParsePolicy parses a policy file body. It always returns the policy
// with what could be read and every problem found; the error, which wraps
// ErrPolicyInvalid, is non-nil exactly when a sender would reject the
// policy (a problem of severity SeverityError).
func ParsePolicy(body []byte) (*Policy, error) {
	pp := &policyParser{p: &Policy{}, kept: map[Severity]int{}, firstLine: map[string]int{}}
	if !utf8.Valid(body) {
		pp.add(0, SeverityError, "the file is not valid UTF-8 text")
	}
	// RFC 8461 §3.2: lines end in LF or CRLF (sts-policy-term); the last
	// terminator is optional.
	lines := bytes.Split(body, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, raw := range lines {
		if bytes.HasSuffix(raw, []byte("\r")) {
			raw = raw[:len(raw)-1]
			pp.crlf++
		} else if i < len(lines)-1 || bytes.HasSuffix(body, []byte("\n")) {
			pp.lf++
		}
		pp.line(i+1, string(raw))
	}
	p := pp.finish()
	if !p.Valid() {
		return p, fmt.Errorf("%w: %s", ErrPolicyInvalid, firstError(p.Problems))
	}
	return p, nil
}

// policyParser holds the state of one ParsePolicy call.
type policyParser struct {
	p *Policy
	// kept counts the problems kept per severity: at most maxProblems of
	// each (enough for the first maxProblems after sorting); dropped
	// counts the rest, so a hostile body costs little.
	kept    map[Severity]int
	dropped int
	// firstLine is the line of the first occurrence of each key but mx.
	firstLine map[string]int
	lf, crlf  int
}

func (pp *policyParser) add(line int, sev Severity, format string, a ...any) {
	if line != 0 && pp.kept[sev] >= maxProblems {
		pp.dropped++
		return
	}
	pp.kept[sev]++
	pp.p.Problems = append(pp.p.Problems, Problem{Line: line, Severity: sev, Detail: fmt.Sprintf(format, a...)})
}

// line checks the syntax of line n, without its terminator, and hands a
// well-formed field to field.
func (pp *policyParser) line(n int, line string) {
	if strings.TrimSpace(line) == "" {
		pp.add(n, SeverityNote, "empty line ignored (the grammar has none)")
		return
	}
	if strings.ContainsRune(line, '\r') {
		pp.add(n, SeverityError, "stray carriage return inside the line")
		return
	}
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		pp.add(n, SeverityError, "expected \"key: value\", got %q", clip(line))
		return
	}
	// RFC 8461 §3.2: field-delim = ":" *WSP; values end at the line.
	value = strings.Trim(value, " \t")
	if !validExtName(key) {
		hint := ""
		if n == 1 && strings.HasPrefix(key, "\ufeff") {
			hint = "; the file starts with a byte order mark, which senders do not strip"
		}
		pp.add(n, SeverityError, "invalid key %q (letters, digits, \"_\", \"-\" and \".\" only, no white space)%s", clip(key), hint)
		return
	}
	if key != "mx" {
		if first, dup := pp.firstLine[key]; dup {
			// RFC 8461 §3.2: for keys other than mx, the first
			// occurrence is used.
			pp.add(n, SeverityWarning, "duplicate %q ignored; line %d counts", key, first)
			return
		}
		pp.firstLine[key] = n
	}
	pp.field(n, key, value)
}

// field applies one key: value field of line n (RFC 8461 §3.2).
func (pp *policyParser) field(n int, key, value string) {
	p := pp.p
	switch key {
	case "version":
		p.Version = value
		if value != "STSv1" {
			pp.add(n, SeverityError, "version must be \"STSv1\", got %q", clip(value))
		}
	case "mode":
		p.Mode = Mode(value)
		switch p.Mode {
		case ModeEnforce, ModeTesting, ModeNone:
		default:
			pp.add(n, SeverityError, "mode must be enforce, testing or none, got %q", clip(value))
		}
	case "max_age":
		p.MaxAge = parseMaxAge(n, value, pp.add)
	case "mx":
		if msg := checkPattern(value); msg != "" {
			pp.add(n, SeverityError, "mx %q: %s", clip(value), msg)
		} else if msg := patternAdvice(value); msg != "" {
			pp.add(n, SeverityWarning, "mx %q: %s", clip(value), msg)
		}
		p.MX = append(p.MX, value)
	default:
		// RFC 8461 §3.2: unknown keys are ignored.
		p.Extensions = append(p.Extensions, Field{Key: key, Value: value, Line: n})
		hint := ""
		if k := strings.ToLower(key); k != key && (k == "version" || k == "mode" || k == "max_age" || k == "mx") {
			hint = fmt.Sprintf(" (keys are case-sensitive: write %q)", k)
		}
		pp.add(n, SeverityNote, "unknown key %q ignored%s", clip(key), hint)
	}
}

// finish checks the file as a whole: line endings, the required fields,
// and sorts and caps the problems.
func (pp *policyParser) finish() *Policy {
	p := pp.p
	switch {
	case pp.crlf > 0 && pp.lf > 0:
		p.LineEndings = "mixed"
		pp.add(0, SeverityNote, "mixes LF and CRLF line endings (allowed)")
	case pp.crlf > 0:
		p.LineEndings = "CRLF"
	default:
		p.LineEndings = "LF"
	}
	for _, key := range []string{"version", "mode", "max_age"} {
		if _, ok := pp.firstLine[key]; !ok {
			pp.add(0, SeverityError, "the %s field is missing", key)
		}
	}
	// RFC 8461 §3.2: one or more mx fields, except in mode none.
	if len(p.MX) == 0 && p.Mode != ModeNone {
		pp.add(0, SeverityError, "no mx field; every mode except none needs at least one")
	}
	sortProblems(p.Problems)
	if n := len(p.Problems) - maxProblems + pp.dropped; n > 0 {
		p.Problems = append(p.Problems[:min(maxProblems, len(p.Problems))], Problem{Severity: SeverityNote, Detail: fmt.Sprintf("%d further problems not shown", n)})
	}
	return p
}

// parseMaxAge checks max_age = 1*10(DIGIT), at most MaxMaxAge (RFC 8461
// §3.2), and warns below one day.
func parseMaxAge(n int, value string, add func(int, Severity, string, ...any)) int64 {
	if value == "" || len(value) > 10 || strings.TrimLeft(value, "0123456789") != "" {
		add(n, SeverityError, "max_age must be 1 to 10 digits, got %q", clip(value))
		return 0
	}
	v, _ := strconv.ParseInt(value, 10, 64) // at most 10 digits: fits
	switch {
	case v > MaxMaxAge:
		add(n, SeverityError, "max_age %d exceeds the maximum of %d (one year)", v, MaxMaxAge)
	case v < 86400:
		add(n, SeverityWarning, "max_age %d is below one day; RFC 8461 §3.2 suggests weeks, so that a cached policy survives an attacker blocking the fetch", v)
	}
	return v
}

// maxProblems bounds the problems kept for one file, so a hostile 64 KiB
// body cannot make the report explode.
const maxProblems = 200

// sortProblems orders errors first, then warnings, then notes, each by
// line, keeping the order stable within a line.
func sortProblems(ps []Problem) {
	rank := func(s Severity) int {
		switch s {
		case SeverityError:
			return 0
		case SeverityWarning:
			return 1
		}
		return 2
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ri, rj := rank(ps[i].Severity), rank(ps[j].Severity); ri != rj {
			return ri < rj
		}
		return ps[i].Line < ps[j].Line
	})
}

func firstError(ps []Problem) string {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return p.String()
		}
	}
	return ""
}

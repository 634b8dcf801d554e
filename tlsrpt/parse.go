package tlsrpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/daneprobe/daneprobe/names"
)

// Errors of Parse and of reading inputs; each is wrapped with details.
var (
	// ErrTooLarge: the input exceeds a size bound of Limits.
	ErrTooLarge = errors.New("too large")
	// ErrTooDeep: JSON nested deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("nested too deep")
	// ErrTooMany: more policies, failure-details or objects than Limits
	// allow.
	ErrTooMany = errors.New("too many entries")
	// ErrNotReport: the input is not a TLS report at all.
	ErrNotReport = errors.New("not a TLS report")
)

// Longest strings kept from a report; longer ones are cut and noted.
const (
	maxIDLen     = 256
	maxStringLen = 1024
)

// Parse reads one report from its JSON text (RFC 8460 §4), leniently: it
// accepts missing optional fields, unknown fields, "mx-host" as a string,
// counts written as decimals or strings, "policy-string" as one string of
// lines, field names with underscores or capitals, a byte-order mark and
// invalid UTF-8, and records each such departure in Report.Unusual. It is
// strict to the bounds of lim (zero fields take their defaults): a report
// larger, deeper or with more entries than allowed is an error wrapping
// ErrTooLarge, ErrTooDeep or ErrTooMany, checked before the JSON is
// decoded. Input that is not a JSON object with "policies" (XML, such as
// a DMARC report mailed to the same address, included) is an error
// wrapping ErrNotReport.
func Parse(data []byte, lim Limits) (*Report, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxReportBytes {
		return nil, fmt.Errorf("report of %d bytes, more than %d: %w", len(data), lim.MaxReportBytes, ErrTooLarge)
	}
	p := &parser{lim: lim, r: &Report{}, seen: map[string]bool{}}
	if rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf")); ok {
		data = rest
		p.note("starts with a byte-order mark")
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return nil, fmt.Errorf("XML, not JSON (a DMARC aggregate report?): %w", ErrNotReport)
	}
	if err := prescan(data, lim); err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		p.note("invalid UTF-8 (replaced by U+FFFD)")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		p.note("data after the report ignored")
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("JSON %s, not an object: %w", jsonKind(v), ErrNotReport)
	}
	if err := p.report(top); err != nil {
		return nil, err
	}
	return p.r, nil
}

// prescan checks nesting depth and the number of objects in one pass over
// the bytes, before any allocation for the decoded values: a report of
// a million empty failure-details is refused here.
func prescan(data []byte, lim Limits) error {
	depth, objects := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > lim.MaxDepth {
				return fmt.Errorf("JSON nested more than %d deep: %w", lim.MaxDepth, ErrTooDeep)
			}
			if c == '{' {
				objects++
				if objects > lim.MaxObjects {
					return fmt.Errorf("more than %d JSON objects: %w", lim.MaxObjects, ErrTooMany)
				}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// parser walks the decoded JSON of one report.
type parser struct {
	lim     Limits
	r       *Report
	seen    map[string]bool
	details int
}

// maxNotes bounds the notes kept for one report; past it one more note
// says that there were more.
const maxNotes = 50

// note records one departure from the schema, once.
func (p *parser) note(format string, a ...any) {
	if len(p.r.Unusual) > maxNotes {
		return
	}
	if len(p.r.Unusual) == maxNotes {
		p.r.Unusual = append(p.r.Unusual, "more departures from RFC 8460 not listed")
		return
	}
	s := fmt.Sprintf(format, a...)
	if !p.seen[s] {
		p.seen[s] = true
		p.r.Unusual = append(p.r.Unusual, s)
	}
}

// fields returns the members of an object under their RFC 8460 names:
// lower case with hyphens. Other spellings ("organization_name",
// "Report-Id") are accepted and noted.
func (p *parser) fields(where string, m map[string]any, known ...string) map[string]any {
	out := make(map[string]any, len(m))
	var unknown []string
	for k, v := range m {
		n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "_", "-")
		if n != k {
			p.note("field names spelt otherwise (%q for %q)", clip(k, 40), n)
		}
		out[n] = v
	}
	for n := range out {
		if !contains(known, n) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(unknown) > 5 {
			unknown = append(unknown[:5], "...")
		}
		p.note("unknown fields in %s ignored: %s", where, clip(strings.Join(unknown, ", "), 200))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// report reads the top-level object (RFC 8460 §4.4).
func (p *parser) report(top map[string]any) error {
	f := p.fields("the report", top, "organization-name", "date-range", "contact-info", "report-id", "policies")
	pol, ok := f["policies"]
	if !ok {
		return fmt.Errorf("no \"policies\": %w", ErrNotReport)
	}
	p.r.Organization = p.str(f, "organization-name", maxStringLen)
	if p.r.Organization == "" {
		p.note("no organization-name")
	}
	p.r.ContactInfo = p.str(f, "contact-info", maxStringLen)
	p.r.ID = p.str(f, "report-id", maxIDLen)
	if p.r.ID == "" {
		p.note("no report-id (cannot be de-duplicated)")
	}
	if dr, ok := f["date-range"].(map[string]any); ok {
		d := p.fields("date-range", dr, "start-datetime", "end-datetime")
		p.r.Start = p.time(d, "start-datetime")
		p.r.End = p.time(d, "end-datetime")
		if !p.r.Start.IsZero() && !p.r.End.IsZero() && p.r.End.Before(p.r.Start) {
			p.note("date-range ends before it starts")
		}
	} else {
		p.note("no date-range")
	}
	var list []any
	switch v := pol.(type) {
	case []any:
		list = v
	case map[string]any:
		p.note("policies is one object, not a list")
		list = []any{v}
	case nil:
		p.note("policies is null")
	default:
		return fmt.Errorf("policies is %s, not a list: %w", jsonKind(pol), ErrNotReport)
	}
	if len(list) > p.lim.MaxPolicies {
		return fmt.Errorf("%d policies, more than %d: %w", len(list), p.lim.MaxPolicies, ErrTooMany)
	}
	if len(list) == 0 {
		p.note("no policies")
	}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			p.note("policies[%d] is %s, ignored", i, jsonKind(e))
			continue
		}
		pol, err := p.policy(m)
		if err != nil {
			return err
		}
		if pol.Domain == "" {
			p.note("policies[%d] has no policy-domain, ignored", i)
			continue
		}
		p.r.Policies = append(p.r.Policies, pol)
	}
	return nil
}

// policy reads one entry of "policies".
func (p *parser) policy(m map[string]any) (Policy, error) {
	var out Policy
	f := p.fields("a policy entry", m, "policy", "summary", "failure-details")
	if pm, ok := f["policy"].(map[string]any); ok {
		pf := p.fields("policy", pm, "policy-type", "policy-string", "policy-domain", "mx-host")
		t := p.str(pf, "policy-type", 64)
		out.Type = PolicyType(strings.ToLower(t))
		if string(out.Type) != t {
			p.note("policy-type in capitals (%q)", t)
		}
		switch out.Type {
		case PolicyTLSA, PolicySTS, PolicyNoPolicyFound:
		case "":
			p.note("no policy-type (taken as no-policy-found)")
			out.Type = PolicyNoPolicyFound
		default:
			p.note("unknown policy-type %q", clip(t, 64))
		}
		out.Domain = hostName(p.str(pf, "policy-domain", 255))
		out.Strings = p.strings(pf, "policy-string", true)
		out.MXHosts = p.strings(pf, "mx-host", false)
	} else {
		p.note("a policy entry has no policy object")
	}
	if sm, ok := f["summary"].(map[string]any); ok {
		sf := p.fields("summary", sm, "total-successful-session-count", "total-failure-session-count")
		out.Successful = p.count(sf, "total-successful-session-count")
		out.Failed = p.count(sf, "total-failure-session-count")
	} else {
		p.note("a policy entry has no summary")
	}
	var list []any
	switch v := f["failure-details"].(type) {
	case []any:
		list = v
	case map[string]any:
		p.note("failure-details is one object, not a list")
		list = []any{v}
	case nil:
	default:
		p.note("failure-details is %s, ignored", jsonKind(v))
	}
	p.details += len(list)
	if p.details > p.lim.MaxFailureDetails {
		return out, fmt.Errorf("more than %d failure-details: %w", p.lim.MaxFailureDetails, ErrTooMany)
	}
	var sum int64
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			p.note("failure-details[%d] is %s, ignored", i, jsonKind(e))
			continue
		}
		d := p.detail(m)
		sum += d.Sessions
		out.Details = append(out.Details, d)
	}
	if len(out.Details) > 0 && sum != out.Failed {
		p.note("failure-details add up to %d sessions, the summary says %d", sum, out.Failed)
		if out.Failed == 0 {
			out.Failed = sum
		}
	}
	return out, nil
}

// detail reads one entry of "failure-details".
func (p *parser) detail(m map[string]any) FailureDetail {
	f := p.fields("failure-details", m, "result-type", "sending-mta-ip", "receiving-mx-hostname",
		"receiving-mx-helo", "receiving-ip", "failed-session-count", "additional-information", "failure-reason-code")
	var d FailureDetail
	rt := p.str(f, "result-type", 64)
	d.Result = ResultType(strings.ToLower(rt))
	if string(d.Result) != rt {
		p.note("result-type in capitals (%q)", rt)
	}
	if d.Result == "" {
		p.note("a failure-detail has no result-type")
		d.Result = ResultValidationFailure
	} else if !d.Result.Known() {
		p.note("result-type %q is not one of RFC 8460 §4.3", clip(rt, 64))
	}
	d.SendingIP = p.ip(f, "sending-mta-ip")
	d.ReceivingIP = p.ip(f, "receiving-ip")
	d.ReceivingMX = hostName(p.str(f, "receiving-mx-hostname", 255))
	d.ReceivingHELO = p.str(f, "receiving-mx-helo", 255)
	d.AdditionalInfo = p.str(f, "additional-information", maxStringLen)
	d.ReasonCode = p.str(f, "failure-reason-code", maxStringLen)
	if _, ok := f["failed-session-count"]; !ok {
		p.note("a failure-detail has no failed-session-count (taken as 1)")
		d.Sessions = 1
	} else {
		d.Sessions = p.count(f, "failed-session-count")
	}
	return d
}

// str returns a string member; numbers are accepted and noted, anything
// else is noted and empty.
func (p *parser) str(f map[string]any, name string, max int) string {
	v, ok := f[name]
	if !ok || v == nil {
		return ""
	}
	var s string
	switch t := v.(type) {
	case string:
		s = strings.TrimSpace(t)
	case json.Number:
		p.note("%s is a number, not a string", name)
		s = t.String()
	case []any:
		if len(t) == 1 {
			if e, ok := t[0].(string); ok {
				p.note("%s is a list of one string", name)
				s = strings.TrimSpace(e)
				break
			}
		}
		p.note("%s is %s, ignored", name, jsonKind(v))
	default:
		p.note("%s is %s, ignored", name, jsonKind(v))
	}
	if len(s) > max {
		p.note("%s longer than %d bytes, cut", name, max)
		s = clip(s, max)
	}
	return s
}

// strings returns a list of strings. A single string is accepted and
// noted; for lines (policy-string) it is split at line ends, for names
// (mx-host) at commas and spaces.
func (p *parser) strings(f map[string]any, name string, lines bool) []string {
	v, ok := f[name]
	if !ok || v == nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && len(out) < 1000 {
			out = append(out, clip(s, maxStringLen))
		}
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				p.note("%s holds %s, ignored", name, jsonKind(e))
				continue
			}
			add(s)
		}
	case string:
		p.note("%s is a string, not a list", name)
		split := func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }
		if lines {
			split = func(r rune) bool { return r == '\n' || r == '\r' }
		}
		for _, s := range strings.FieldsFunc(t, split) {
			add(s)
		}
	default:
		p.note("%s is %s, ignored", name, jsonKind(v))
	}
	return out
}

// maxCount is the largest session count taken from one field: far above
// what any sender sees in a day, low enough that sums over a million
// reports cannot overflow.
const maxCount = 1 << 40

// count returns a session count. RFC 8460 §4.4 makes counts integers;
// decimals ("12.0"), strings ("12") and negative or absurd values are
// accepted and noted.
func (p *parser) count(f map[string]any, name string) int64 {
	v, ok := f[name]
	if !ok {
		p.note("no %s (taken as 0)", name)
		return 0
	}
	var num string
	switch t := v.(type) {
	case json.Number:
		num = t.String()
	case string:
		p.note("%s is a string, not a number", name)
		num = strings.TrimSpace(t)
	case nil:
		p.note("%s is null (taken as 0)", name)
		return 0
	default:
		p.note("%s is %s (taken as 0)", name, jsonKind(v))
		return 0
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(num, 64)
		if ferr != nil || math.IsNaN(fl) || math.IsInf(fl, 0) {
			p.note("%s %q is not a number (taken as 0)", name, clip(num, 32))
			return 0
		}
		if fl != math.Trunc(fl) {
			p.note("%s is a fraction (%s, rounded)", name, clip(num, 32))
		} else {
			p.note("%s written as a decimal (%s)", name, clip(num, 32))
		}
		fl = math.Round(fl)
		if fl > maxCount {
			n = maxCount + 1
		} else if fl < 0 {
			n = -1
		} else {
			n = int64(fl)
		}
	}
	switch {
	case n < 0:
		p.note("%s is negative (taken as 0)", name)
		return 0
	case n > maxCount:
		p.note("%s is more than %d (cut)", name, int64(maxCount))
		return maxCount
	}
	return n
}

// ip returns an address member in canonical form. Brackets and an
// IPv6 zone are tolerated; what is not an address is kept as sent and
// noted.
func (p *parser) ip(f map[string]any, name string) string {
	s := p.str(f, name, 64)
	if s == "" {
		return ""
	}
	t := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(t)
	if err != nil {
		p.note("%s %q is not an IP address", name, s)
		return s
	}
	if t != s {
		p.note("%s in brackets", name)
	}
	return a.WithZone("").Unmap().String()
}

// timeLayouts are the forms of date-time seen in reports: RFC 3339 as
// RFC 8460 §4.4 requires, then the variants.
//
// An array, not a slice: a constant table, not package state.
var timeLayouts = [...]struct {
	layout string
	note   string
}{
	{time.RFC3339Nano, ""},
	{"2006-01-02T15:04:05Z0700", "date-time with an offset without a colon"},
	{"2006-01-02 15:04:05Z07:00", "date-time with a space instead of T"},
	{"2006-01-02T15:04:05", "date-time without a time zone (taken as UTC)"},
	{"2006-01-02 15:04:05", "date-time without a time zone (taken as UTC)"},
	{"2006-01-02T15:04Z07:00", "date-time without seconds"},
	{"2006-01-02", "date without a time"},
}

// time returns a date-time member in UTC, zero when missing or
// unreadable (noted).
func (p *parser) time(f map[string]any, name string) time.Time {
	v, ok := f[name]
	if !ok {
		p.note("no %s", name)
		return time.Time{}
	}
	if n, ok := v.(json.Number); ok {
		if sec, err := n.Int64(); err == nil && sec > 0 && sec < 1<<34 {
			p.note("%s is a Unix time", name)
			return time.Unix(sec, 0).UTC()
		}
	}
	s := p.str(f, name, 64)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			if l.note != "" {
				p.note("%s", l.note)
			}
			return t.UTC()
		}
	}
	p.note("%s %q is not a date-time", name, clip(s, 64))
	return time.Time{}
}

// hostName is the form in which host and domain names of reports are
// kept and compared (names.Fold): lower case, A-labels, no trailing dot.
func hostName(s string) string { return names.Fold(s) }

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

package txtrec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/dnssec"
)

// ErrSyntax is wrapped by the errors of Split, and by the record parsers
// built on it, for records that do not follow their grammar.
var ErrSyntax = errors.New("record syntax error")

// Status says what a TXT lookup found, after discarding the records of
// other protocols.
type Status string

// Record statuses. They appear in JSON output and stay stable.
const (
	// StatusValid: exactly one record of the protocol, and it parses.
	StatusValid Status = "valid"
	// StatusNone: no record of the protocol (NXDOMAIN, NODATA, or only
	// TXT records of other kinds).
	StatusNone Status = "none"
	// StatusSeveral: more than one record of the protocol; senders treat
	// the domain as having none (RFC 8461 §3.1, RFC 8460 §3).
	StatusSeveral Status = "several"
	// StatusMalformed: exactly one record, but it violates the grammar;
	// senders treat the domain as having none.
	StatusMalformed Status = "malformed"
	// StatusLookupFailed: the DNS lookup failed (timeout, SERVFAIL, bogus
	// DNSSEC), so the answer is unknown.
	StatusLookupFailed Status = "lookup-failed"
)

// Field is one key=value pair of a TXT record, or one key: value line of
// an MTA-STS policy, that the specification does not define (an
// extension). Such fields are ignored by senders and reported as notes.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Line is the policy line number (1-based); zero for TXT records.
	Line int `json:"line,omitempty"`
}

// Answer is the outcome of one TXT lookup, with the facts every TXT based
// record reports.
type Answer struct {
	Name      string
	Canonical string
	CNAMEs    []string
	Security  dnssec.Security
	Texts     []string // every TXT RRset member, strings concatenated
	Failed    string   // why the lookup failed; empty on success
}

// Lookup resolves the TXT RRset at name. The resolver has already
// followed any CNAME chain; the TXT records read are those owned by the
// canonical name (RFC 8461 §3.1 and RFC 8460 §3 allow a CNAME).
func Lookup(ctx context.Context, lk dnssec.Lookuper, name string) Answer {
	a := Answer{Name: name, Canonical: name}
	res, err := lk.Lookup(ctx, name, dns.TypeTXT)
	if err != nil {
		a.Failed = fmt.Sprintf("TXT lookup %s: %v", name, err)
		return a
	}
	a.Security = res.Security
	if res.Canonical != "" {
		a.Canonical = res.Canonical
	}
	if res.Security == dnssec.Bogus {
		// A validating resolver would answer SERVFAIL; a sender cannot
		// know the record.
		a.Failed = fmt.Sprintf("TXT lookup %s: DNSSEC bogus (%s)", name, res.Reason)
		return a
	}
	switch res.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		a.Failed = fmt.Sprintf("TXT lookup %s: %s", name, rcodeName(res.Rcode))
		return a
	}
	for _, rr := range res.Answer {
		switch rr := rr.(type) {
		case *dns.CNAME:
			a.CNAMEs = append(a.CNAMEs, rr.Hdr.Name+" -> "+rr.Target)
		case *dns.TXT:
			if strings.EqualFold(rr.Hdr.Name, a.Canonical) {
				// RFC 8461 §3.1, RFC 8460 §3: the strings of one TXT
				// record are concatenated without separators.
				a.Texts = append(a.Texts, strings.Join(rr.Txt, ""))
			}
		}
	}
	return a
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rc)
}

// HasVersion reports whether t begins with the version tag followed by
// the field delimiter (*WSP ";") or the end of the record. A longer token
// such as "v=STSv10" is another version.
func HasVersion(t, version string) bool {
	rest, ok := strings.CutPrefix(t, version)
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	return rest == "" || rest[0] == ';'
}

// Split checks that txt starts with version followed by ";" and splits
// the rest into key=value fields separated by ";" with optional white
// space around the separators (the field-delim of RFC 8461 §3.1 and RFC
// 8460 §3). A trailing ";" is allowed. Field names and values are checked
// against the extension grammar shared by both RFCs; the values of the
// keys in free are not, their own grammar (such as the URI list of rua)
// is the caller's to check. Errors wrap ErrSyntax.
func Split(txt, version string, free ...string) ([]Field, error) {
	parts := strings.Split(txt, ";")
	if strings.TrimRight(parts[0], " \t") != version {
		return nil, fmt.Errorf("%w: record must start with %q, got %q", ErrSyntax, version+";", Clip(parts[0]))
	}
	if len(parts) == 1 {
		return nil, fmt.Errorf("%w: nothing follows %q", ErrSyntax, version)
	}
	var fields []Field
	for i, p := range parts[1:] {
		p = strings.Trim(p, " \t")
		if p == "" {
			if i == len(parts)-2 {
				break // the optional trailing ";"
			}
			return nil, fmt.Errorf("%w: empty field between two \";\"", ErrSyntax)
		}
		key, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%w: field %q has no \"=\"", ErrSyntax, Clip(p))
		}
		key = strings.TrimRight(key, " \t")
		value = strings.TrimLeft(value, " \t")
		if !ValidExtName(key) {
			return nil, fmt.Errorf("%w: invalid field name %q", ErrSyntax, Clip(key))
		}
		if !slices.Contains(free, key) && !validExtValue(value) {
			return nil, fmt.Errorf("%w: field %s has an invalid value %q (empty, or contains white space, \"=\" or control characters)", ErrSyntax, key, Clip(value))
		}
		fields = append(fields, Field{Key: key, Value: value})
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: nothing follows %q", ErrSyntax, version)
	}
	return fields, nil
}

// ValidExtName implements (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" /
// "."), the extension name of RFC 8461 §3.1 and §3.2 and RFC 8460 §3.
func ValidExtName(s string) bool {
	if len(s) < 1 || len(s) > 32 || !IsAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !IsAlnum(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// validExtValue implements 1*(%x21-3A / %x3C / %x3E-7E): visible ASCII
// except ";" and "=".
func validExtValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == ';' || c == '=' {
			return false
		}
	}
	return true
}

// IsAlnum reports whether c is an ASCII letter or digit.
func IsAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Clip shortens s for error messages so hostile input cannot flood them.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

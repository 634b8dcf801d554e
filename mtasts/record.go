package mtasts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrRecordSyntax is wrapped by the errors ParseRecord and ParseTLSRPT
// return for records that do not follow their grammar.
var ErrRecordSyntax = errors.New("record syntax error")

// Field is one key=value pair of a TXT record, or one key: value line of
// a policy, that the specification does not define (an extension). Such
// fields are ignored by senders and reported as notes.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Line is the policy line number (1-based); zero for TXT records.
	Line int `json:"line,omitempty"`
}

// Record is a parsed _mta-sts TXT record (RFC 8461 §3.1).
type Record struct {
	// ID identifies the policy version; a sender refetches the policy
	// when it changes.
	ID string `json:"id"`
	// Extensions are fields other than v and id, in record order.
	Extensions []Field `json:"extensions,omitempty"`
	// Notes are remarks that do not make the record invalid, such as
	// ignored fields.
	Notes []string `json:"notes,omitempty"`
}

// stsVersion is the only version RFC 8461 §3.1 defines.
const stsVersion = "v=STSv1"

// ParseRecord parses the text of one _mta-sts TXT record, its strings
// already concatenated. It returns an error wrapping ErrRecordSyntax when
// the record does not follow the grammar of RFC 8461 §3.1; senders then
// treat the domain as having no MTA-STS policy.
func ParseRecord(txt string) (*Record, error) {
	fields, err := splitTXTFields(txt, stsVersion)
	if err != nil {
		return nil, err
	}
	rec := &Record{}
	seenID := false
	for _, f := range fields {
		if f.Key == "id" {
			// RFC 8461 §3.1: sts-id = "id" *WSP "=" *WSP 1*32(ALPHA / DIGIT).
			if !validID(f.Value) {
				return nil, fmt.Errorf("%w: id %q must be 1 to 32 letters and digits", ErrRecordSyntax, f.Value)
			}
			if seenID {
				rec.Notes = append(rec.Notes, fmt.Sprintf("second id %q ignored; the first one (%q) counts", f.Value, rec.ID))
				continue
			}
			rec.ID, seenID = f.Value, true
			continue
		}
		// RFC 8461 §3.1: unknown fields (sts-extension) are ignored.
		rec.Extensions = append(rec.Extensions, f)
		rec.Notes = append(rec.Notes, fmt.Sprintf("unknown field %q ignored", f.Key))
	}
	if !seenID {
		return nil, fmt.Errorf("%w: the required id field is missing", ErrRecordSyntax)
	}
	return rec, nil
}

// splitTXTFields checks that txt starts with version followed by ";" and
// splits the rest into key=value fields separated by ";" with optional
// white space around the separators (the field-delim of RFC 8461 §3.1
// and RFC 8460 §3). A trailing ";" is allowed. Field names and values are
// checked against the extension grammar shared by both RFCs.
//
// Values of the keys in free are not checked here: their own grammar
// (such as the URI list of rua) is checked by the caller.
func splitTXTFields(txt, version string, free ...string) ([]Field, error) {
	parts := strings.Split(txt, ";")
	if strings.TrimRight(parts[0], " \t") != version {
		return nil, fmt.Errorf("%w: record must start with %q, got %q", ErrRecordSyntax, version+";", clip(parts[0]))
	}
	if len(parts) == 1 {
		return nil, fmt.Errorf("%w: nothing follows %q", ErrRecordSyntax, version)
	}
	var fields []Field
	for i, p := range parts[1:] {
		p = strings.Trim(p, " \t")
		if p == "" {
			if i == len(parts)-2 {
				break // the optional trailing ";"
			}
			return nil, fmt.Errorf("%w: empty field between two \";\"", ErrRecordSyntax)
		}
		key, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%w: field %q has no \"=\"", ErrRecordSyntax, clip(p))
		}
		key = strings.TrimRight(key, " \t")
		value = strings.TrimLeft(value, " \t")
		if !validExtName(key) {
			return nil, fmt.Errorf("%w: invalid field name %q", ErrRecordSyntax, clip(key))
		}
		if !slices.Contains(free, key) && !validExtValue(value) {
			return nil, fmt.Errorf("%w: field %s has an invalid value %q (empty, or contains white space, \"=\" or control characters)", ErrRecordSyntax, key, clip(value))
		}
		fields = append(fields, Field{Key: key, Value: value})
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: nothing follows %q", ErrRecordSyntax, version)
	}
	return fields, nil
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// validExtName implements (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" /
// "."), the extension name of RFC 8461 §3.1 and §3.2 and RFC 8460 §3.
func validExtName(s string) bool {
	if len(s) < 1 || len(s) > 32 || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' && c != '-' && c != '.' {
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

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// clip shortens s for error messages so hostile input cannot flood them.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

package mtasts

import (
	"fmt"

	"github.com/daneprobe/daneprobe/internal/txtrec"
)

// ErrRecordSyntax is wrapped by the errors ParseRecord returns for
// records that do not follow their grammar (and by tlsrpt.ParseRecord:
// both share the grammar).
var ErrRecordSyntax = txtrec.ErrSyntax

// Field is one key=value pair of a TXT record, or one key: value line of
// a policy, that the specification does not define (an extension). Such
// fields are ignored by senders and reported as notes.
type Field = txtrec.Field

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
	fields, err := txtrec.Split(txt, stsVersion)
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

func validExtName(s string) bool { return txtrec.ValidExtName(s) }

func isAlnum(c byte) bool { return txtrec.IsAlnum(c) }

// clip shortens s for error messages so hostile input cannot flood them.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

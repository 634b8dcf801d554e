package tlsrpt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-message"
)

// Media types of RFC 8460 §5.3 and §6.4-6.5.
const (
	MediaTypeJSON = "application/tlsrpt+json"
	MediaTypeGzip = "application/tlsrpt+gzip"
)

// maxMessageNesting bounds forwarded messages inside messages.
const maxMessageNesting = 3

// message reads the reports of one e-mail message (RFC 8460 §5.3): the
// parts of type application/tlsrpt+json or +gzip, and, accepted and
// noted, the variants senders and forwarders produce: application/json,
// application/gzip or application/octet-stream attachments named *.json
// or *.gz, a report as the text body, and a report in a forwarded
// message (message/rfc822). MIME is parsed by go-message.
func (s *session) message(name string, data []byte, depth int) {
	e, err := message.ReadWithOptions(bytes.NewReader(data), &message.ReadOptions{MaxHeaderBytes: 256 << 10})
	if err != nil && e == nil {
		s.fail(name, fmt.Errorf("not a TLS report, JSON or e-mail message (%v): %w", err, ErrNotReport))
		return
	}
	var head []string
	if e.Header.Get("TLS-Report-Domain") == "" {
		head = append(head, "message without the TLS-Report-Domain header (RFC 8460 §5.3)")
	}
	found, parts := 0, 0
	walkErr := e.Walk(func(path []int, part *message.Entity, err error) error {
		parts++
		if parts > s.lim.MaxParts {
			return fmt.Errorf("more than %d MIME parts: %w", s.lim.MaxParts, ErrTooMany)
		}
		if err != nil && part == nil {
			return err
		}
		ct, params, _ := part.Header.ContentType()
		ct = strings.ToLower(ct)
		if strings.HasPrefix(ct, "multipart/") {
			return nil
		}
		_, dparams, _ := part.Header.ContentDisposition()
		file := dparams["filename"]
		if file == "" {
			file = params["name"]
		}
		src := name
		if len(path) > 0 {
			src = fmt.Sprintf("%s, part %d", name, path[len(path)-1]+1)
			if file != "" {
				src += " " + file
			}
		}
		kind, note := partKind(ct, file, len(path) == 0)
		if ct == "message/rfc822" {
			if depth >= maxMessageNesting {
				return nil
			}
			inner, err := readAtMost(part.Body, s.lim.MaxMessageBytes, "forwarded message")
			if err != nil {
				s.fail(src, err)
				found++
				return nil
			}
			s.inner(src, inner, depth+1, &found)
			return nil
		}
		if kind < 0 {
			return nil
		}
		body, err := readAtMost(part.Body, s.lim.MaxCompressedBytes, "attachment")
		if err != nil {
			found++
			s.fail(src, err)
			return nil
		}
		// The content decides when the label is wrong either way.
		switch {
		case kind == kindJSON && sniff(body) == kindGzip:
			kind = kindGzip
			note = joinNote(note, "a gzip report labelled as JSON")
		case kind == kindGzip && sniff(body) == kindJSON:
			kind = kindJSON
			note = joinNote(note, "a plain JSON report labelled as gzip")
		}
		if kind == kindMessage { // text body or octet-stream: only if it looks like a report
			switch sniff(body) {
			case kindJSON:
				kind = kindJSON
			case kindGzip:
				kind = kindGzip
			default:
				return nil
			}
		}
		notes := append([]string(nil), head...)
		if note != "" {
			notes = append(notes, note)
		}
		found++
		if kind == kindGzip {
			data, err := s.gunzip(bytes.NewReader(body))
			if err != nil {
				s.fail(src, err)
				return nil
			}
			body = data
		}
		s.json(src, body, notes)
		return nil
	})
	if walkErr != nil {
		s.fail(name, fmt.Errorf("MIME: %w", walkErr))
		return
	}
	if found == 0 && walkErr == nil {
		subj := e.Header.Get("Subject")
		s.fail(name, fmt.Errorf("no TLS report in this message (Subject: %q): %w", clip(subj, 80), ErrNotReport))
	}
}

// inner reads a forwarded message inside a message.
func (s *session) inner(src string, data []byte, depth int, found *int) {
	seen := false
	s2 := *s
	s2.yield = func(in Input) {
		if in.Err != nil && errors.Is(in.Err, ErrNotReport) && !seen {
			return // a forwarded message without a report is just mail
		}
		seen = true
		*found++
		s.yield(in)
	}
	s2.message(src, data, depth)
	s.inputs, s.full = s2.inputs, s2.full
}

// partKind tells whether a MIME part may hold a report: kindJSON or
// kindGzip for the types of RFC 8460 §5.3 and their common variants,
// kindMessage for a part to sniff (a text body, octet-stream), -1 for
// anything else. note says what was unusual.
func partKind(ct, file string, top bool) (int, string) {
	f := lowerExt(file)
	gzName := strings.HasSuffix(f, ".gz") || strings.HasSuffix(f, ".gzip")
	jsonName := strings.HasSuffix(f, ".json")
	switch ct {
	case MediaTypeJSON:
		return kindJSON, ""
	case MediaTypeGzip:
		return kindGzip, ""
	case "application/json", "text/json":
		return kindJSON, fmt.Sprintf("report sent as %s, not %s", ct, MediaTypeJSON)
	case "application/gzip", "application/x-gzip", "application/gzip-compressed", "application/x-gzip-compressed":
		return kindGzip, fmt.Sprintf("report sent as %s, not %s", ct, MediaTypeGzip)
	case "application/octet-stream", "application/x-tlsrpt", "application/tlsrpt":
		if gzName || jsonName || ct != "application/octet-stream" {
			return kindMessage, fmt.Sprintf("report sent as %s, not %s", ct, MediaTypeGzip+" or +json")
		}
		return kindMessage, fmt.Sprintf("report sent as %s without a telling name", ct)
	case "text/plain", "":
		if top {
			return kindMessage, "report in the message body, not an attachment (RFC 8460 §5.3)"
		}
		if gzName || jsonName {
			return kindMessage, fmt.Sprintf("report sent as %s, not %s", ct, MediaTypeJSON)
		}
		return kindMessage, "report in a text part, not an attachment (RFC 8460 §5.3)"
	}
	if gzName || jsonName {
		return kindMessage, fmt.Sprintf("report sent as %s", ct)
	}
	return -1, ""
}

// joinNote adds b to the note a.
func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

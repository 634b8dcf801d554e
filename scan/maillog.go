package scan

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/daneprobe/daneprobe/names"
	"io"
	"sort"
	"strings"
)

// maxLogLine bounds one maillog line; longer lines are counted and skipped.
const maxLogLine = 64 << 10

// DomainCount is one recipient domain of a maillog and the number of
// distinct messages delivered (or attempted) to it over SMTP.
type DomainCount struct {
	Domain   string
	Messages int
}

// MaillogStats describes what ParseMaillog read.
type MaillogStats struct {
	// Lines is the number of lines read.
	Lines int
	// Postfix and Exim count the delivery lines recognised in each format.
	Postfix, Exim int
	// Skipped counts delivery lines whose recipient domain is not a
	// domain name (a bare local part, an address literal) and lines over
	// the length bound.
	Skipped int
}

// LooksLikeMaillog reports whether a line (perhaps cut short, as a bad
// line of a domain list is reported) is from a Postfix or Exim log, so that
// a mail log given as a domain list gets the hint to read it as a log. It
// is looser than the delivery parsers, which need the whole line.
func LooksLikeMaillog(line string) bool {
	// "/smtp[" also catches Postfix under another syslog name
	// ("postfix-out/smtp[pid]"), as ParseMaillog reads it.
	for _, mark := range []string{"postfix/", "/smtp[", " status=", " to=<", " => ", " <= "} {
		if strings.Contains(line, mark) {
			return true
		}
	}
	return false
}

// ParseMaillog reads a Postfix or Exim main log (the formats may even be
// mixed) and returns the recipient domains of outbound SMTP deliveries,
// ranked by the number of distinct messages sent to them (most first, ties
// by name).
//
// Postfix: lines of the smtp delivery agent ("postfix/smtp[pid]:", also
// under another syslog name such as "postfix-out/smtp") with a queue ID,
// "to=<user@domain>" and "relay=". Every attempt (sent, deferred, bounced)
// counts, once per queue ID and domain: a message deferred five times is one
// message. Local, virtual, lmtp and pipe deliveries are not SMTP to the
// domain's MX and are ignored.
//
// Exim: "=>" (delivery) and "->" (further recipient on the same delivery)
// lines that name a remote host with "H=", counted once per message ID and
// domain. "*>" (suppressed delivery) and local deliveries are ignored.
//
// Memory grows with the number of distinct domains and messages, not with
// the size of the log. The error is a read error only; unrecognised lines
// are skipped.
func ParseMaillog(r io.Reader) ([]DomainCount, MaillogStats, error) {
	var st MaillogStats
	counts := make(map[string]int)
	seen := NewDomainSet()
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, tooLong, err := readLogLine(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, st, fmt.Errorf("read maillog: %w", err)
		}
		st.Lines++
		if tooLong {
			st.Skipped++
			continue
		}
		if line == "" {
			continue
		}
		msg, rcpt, kind := postfixDelivery(line)
		if kind == "" {
			msg, rcpt, kind = eximDelivery(line)
		}
		if kind == "" {
			continue
		}
		domain, ok := recipientDomain(rcpt)
		if !ok {
			st.Skipped++
			continue
		}
		if kind == "postfix" {
			st.Postfix++
		} else {
			st.Exim++
		}
		if seen.Add(msg + " " + domain) {
			counts[domain]++
		}
	}
	out := make([]DomainCount, 0, len(counts))
	for d, n := range counts {
		out = append(out, DomainCount{Domain: d, Messages: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Messages != out[j].Messages {
			return out[i].Messages > out[j].Messages
		}
		return out[i].Domain < out[j].Domain
	})
	return out, st, nil
}

// readLogLine returns the next line without its end, or io.EOF. A line
// longer than maxLogLine is skipped to its end and reported with tooLong.
func readLogLine(br *bufio.Reader) (line string, tooLong bool, err error) {
	b, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, err
		}
		return "", true, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	if err != nil && len(b) == 0 {
		return "", false, io.EOF
	}
	return strings.TrimRight(string(b), "\r\n"), false, nil
}

// postfixDelivery recognises a Postfix smtp delivery line:
//
//	... postfix/smtp[1234]: 4F1C21234: to=<bob@example.com>, relay=mx.example.com[192.0.2.1]:25, ... status=sent (...)
//
// and returns the queue ID and recipient address.
func postfixDelivery(line string) (msg, rcpt, kind string) {
	i := strings.Index(line, "/smtp[")
	if i < 0 {
		return "", "", ""
	}
	rest := line[i:]
	j := strings.Index(rest, "]: ")
	if j < 0 {
		return "", "", ""
	}
	rest = rest[j+3:]
	// The queue ID, then ": to=<".
	k := strings.Index(rest, ": to=<")
	if k <= 0 || strings.ContainsAny(rest[:k], " \t") {
		return "", "", ""
	}
	msg = rest[:k]
	rest = rest[k+len(": to=<"):]
	// RFC 5321 §4.1.2: a quoted local part may hold ">" (and "@"), so
	// the address ends at the first ">" outside quotes.
	end := addrEnd(rest, '>')
	if end < 0 {
		return "", "", ""
	}
	rcpt = rest[:end]
	if !strings.Contains(rest[end:], " relay=") {
		return "", "", ""
	}
	return msg, rcpt, "postfix"
}

// eximDelivery recognises an Exim delivery line:
//
//	2026-11-28 10:00:00 1tABCD-000123-AB => bob@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1] ...
//
// ("->" for a further recipient of the same delivery) and returns the
// message ID and recipient address. Lines without "H=" are local deliveries.
func eximDelivery(line string) (msg, rcpt, kind string) {
	fields := strings.Fields(line)
	for i := 1; i+1 < len(fields); i++ {
		if fields[i] != "=>" && fields[i] != "->" {
			continue
		}
		msg = fields[i-1]
		at := strings.Index(line, " "+fields[i]+" ")
		if at < 0 {
			return "", "", ""
		}
		rest := line[at+len(fields[i])+2:]
		rest = strings.TrimLeft(rest, " ")
		// The address ends at the first space outside a quoted local
		// part ("a b"@example.org, RFC 5321 §4.1.2).
		end := addrEnd(rest, ' ')
		switch {
		case end >= 0:
			rcpt, rest = rest[:end], rest[end:]
		case strings.HasPrefix(rest, "\"") && !strings.Contains(rest[1:], "\""):
			return "", "", "" // an unterminated quote
		default:
			rcpt, rest = rest, ""
		}
		if !strings.Contains(rest, " H=") {
			return "", "", ""
		}
		return msg, rcpt, "exim"
	}
	return "", "", ""
}

// recipientDomain returns the normalised domain of an address, if it has
// one that is a domain name.
func recipientDomain(addr string) (string, bool) {
	// The domain follows the last "@" outside a quoted local part: an
	// "@" inside quotes ("x@evil.example"@example.org, or a quoted local
	// part with no domain at all) names no domain.
	at := addrEnd(addr, '@')
	for at >= 0 {
		next := addrEnd(addr[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	if at < 0 {
		return "", false
	}
	d, err := names.ParseDomain(addr[at+1:])
	if err != nil {
		return "", false
	}
	return d, true
}

// addrEnd returns the index of the first stop byte in s outside a
// quoted string (RFC 5321 §4.1.2 Quoted-string, with backslash pairs), or
// -1 when there is none or a quote is left open.
func addrEnd(s string, stop byte) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++ // quoted-pairSMTP: the next byte is literal
		case c == '"':
			quoted = !quoted
		case !quoted && c == stop:
			return i
		}
	}
	return -1
}
